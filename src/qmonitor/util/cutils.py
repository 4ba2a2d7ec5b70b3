"""C number, size and boolean parsing as QEMU reads them (util/cutils.c, qapi/qapi-util.c).

QEMU reads numbers with C's ``strtoull``/``strtoll`` in base 0 (decimal,
``0x`` hexadecimal, ``0`` octal; leading blanks and a sign accepted, a minus
wrapping modulo 2**64 for the unsigned one), sizes with ``qemu_strtosz``
(a suffix k, M, G, ... for powers of 1024) and booleans with
``qapi_bool_parse``.  Every layer that reads a C number -- QemuOpts, the
command line, the HMP argument parser -- uses these functions, so that they
all agree with QEMU and with one another.
"""

from __future__ import annotations

import re

from qmonitor.util.error import Diagnostic, QemuOptsError
from qmonitor.util.texts import (
    INVALID_PARAMETER_VALUE,
    NUMBER_TOO_LARGE,
    SIZE_HEX_SUFFIX_DEPRECATED,
    SIZE_HINT,
    SIZE_OUT_OF_RANGE,
)

#: What qapi_bool_parse takes for true and for false.
BOOL_TRUE = frozenset({"on", "yes", "true", "y"})
BOOL_FALSE = frozenset({"off", "no", "false", "n"})
#: The first value a uint64_t cannot hold.
U64_LIMIT = 1 << 64

#: The digits ``strtoull(s, &end, 0)`` consumes after blanks and sign: ``0x`` and at
#: least one hex digit, else a ``0`` and octal digits, else decimal digits.
_C_DIGITS = re.compile(r"0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*")
#: C's isspace() in the "C" locale, then an optional sign.
_C_BLANKS_SIGN = re.compile(r"[ \t\n\v\f\r]*([+-]?)")


def parse_bool(name: str, value: str) -> bool:
    """Parse a boolean option value as QEMU 7.2's ``qapi_bool_parse`` does (case matters)."""
    if value in BOOL_TRUE:
        return True
    if value in BOOL_FALSE:
        return False
    raise QemuOptsError(INVALID_PARAMETER_VALUE.format(name, "'on' or 'off'"))


def strtoull_digits(text: str, pos: int = 0) -> tuple[int, int]:
    """The digits ``strtoull(text + pos, &end, 0)`` reads, with no blanks or sign before them.

    Returns (magnitude, end); ``end == pos`` when there is no number.  The
    magnitude is not reduced: a value >= 2**64 is C's overflow.
    """
    m = _C_DIGITS.match(text, pos)
    if m is None:
        return 0, pos
    digits = m.group()
    if digits[:2] in ("0x", "0X"):
        return int(digits[2:], 16), m.end()
    if digits.startswith("0"):
        return int(digits, 8), m.end()
    return int(digits), m.end()


def _c_integer(value: str) -> tuple[bool, int] | None:
    """``value`` read whole as C's strto*l with base 0 read it: (negative, magnitude), or None.

    Leading white space and a sign are accepted, then a hexadecimal
    (``0x``), octal (``0``) or decimal number and nothing after it.
    """
    sign = _C_BLANKS_SIGN.match(value)
    assert sign is not None  # the pattern matches the empty string
    number, end = strtoull_digits(value, sign.end())
    if end == sign.end() or end != len(value):
        return None
    return sign.group(1) == "-", number


def c_strtoull(value: str) -> int | None:
    """``strtoull(value, &end, 0)`` requiring the whole string: None when it is not a number.

    A minus sign wraps modulo 2**64, as C does.  Overflow is reported by
    returning a value >= 2**64.
    """
    parsed = _c_integer(value)
    if parsed is None:
        return None
    negative, number = parsed
    if number >= U64_LIMIT:
        return number
    return (-number) % U64_LIMIT if negative else number


def c_strtoll(value: str) -> int | None:
    """``strtoll(value, &end, 0)`` requiring the whole string: None if not a number or too big."""
    parsed = _c_integer(value)
    if parsed is None:
        return None
    negative, number = parsed
    number = -number if negative else number
    return number if -(2**63) <= number < 2**63 else None


def parse_number(name: str, value: str) -> int:
    """Parse a number option as QEMU's ``parse_option_number`` (``qemu_strtou64``, base 0)."""
    number = c_strtoull(value)
    if number is None:
        raise QemuOptsError(INVALID_PARAMETER_VALUE.format(name, "a number"))
    if number >= U64_LIMIT:
        raise QemuOptsError(NUMBER_TOO_LARGE.format(value, name))
    return number


_SIZE_SUFFIXES = {"b": 0, "k": 1, "m": 2, "g": 3, "t": 4, "p": 5, "e": 6}


def parse_size(
    name: str, value: str, warnings: list[Diagnostic] | None = None, *, metric: bool = False
) -> int:
    """Parse a size option as QEMU 7.2's ``parse_option_size`` (``qemu_strtosz``).

    A decimal number may carry a fraction only together with a suffix (or a
    fraction of zero); a hexadecimal one never, and a suffix on it draws a
    deprecation warning.  The suffixes are powers of 1024, or of 1000 when
    ``metric`` (``qemu_strtosz_metric``, for frequencies).
    """
    invalid = QemuOptsError(
        INVALID_PARAMETER_VALUE.format(name, "a non-negative number below 2^64"), SIZE_HINT
    )
    m = re.fullmatch(
        r"[ \t\n\v\f\r]*(?:(0[xX][0-9a-fA-F]+)|([0-9]+)(?:\.([0-9]*))?)([bBkKmMgGtTpPeE]?)",
        value,
    )
    if m is None:
        raise invalid
    hexa, whole, fraction, suffix = m.groups()
    unit = (1000 if metric else 1024) ** _SIZE_SUFFIXES[suffix.lower()] if suffix else 1
    if hexa is not None:
        if suffix and warnings is not None:
            warnings.append(Diagnostic(SIZE_HEX_SUFFIX_DEPRECATED.format(value), warning=True))
        number = int(hexa, 16) * unit
    else:
        frac = fraction or ""
        if not suffix and frac.strip("0"):
            raise invalid
        number = int(whole) * unit + int(frac or "0") * unit // (10 ** len(frac))
    if number >= U64_LIMIT:
        raise QemuOptsError(SIZE_OUT_OF_RANGE.format(value, name))
    return number
