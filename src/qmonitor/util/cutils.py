"""C number, size and boolean parsing as QEMU reads them (util/cutils.c, qapi/qapi-util.c).

QEMU reads numbers with C's ``strtoull``/``strtoll`` in base 0 (decimal,
``0x`` hexadecimal, ``0`` octal; leading blanks and a sign accepted, a minus
wrapping modulo 2**64 for the unsigned one), sizes with ``do_strtosz``
behind ``qemu_strtosz``, ``qemu_strtosz_MiB`` and ``qemu_strtosz_metric``
(a suffix k, M, G, ... for powers of 1024, a default suffix when there is
none) and booleans with ``qapi_bool_parse``.  Every layer that reads a C number -- QemuOpts, the
command line, the HMP argument parser -- uses these functions, so that they
all agree with QEMU and with one another.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

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


def c_property_integer(value: str) -> int | None:
    """An integer QOM property value from a string, as QEMU's string input visitor reads it.

    ``qemu_strtoi64`` in base 0 for the signed types, ``qemu_strtou64`` for
    the unsigned ones (whose values past INT64_MAX only it reads); None
    when neither reads the whole string.
    """
    number = c_strtoll(value)
    if number is None:
        number = c_strtoull(value)
        if number is not None and number >= U64_LIMIT:
            return None
    return number


def parse_number(name: str, value: str) -> int:
    """Parse a number option as QEMU's ``parse_option_number`` (``qemu_strtou64``, base 0)."""
    number = c_strtoull(value)
    if number is None:
        raise QemuOptsError(INVALID_PARAMETER_VALUE.format(name, "a number"))
    if number >= U64_LIMIT:
        raise QemuOptsError(NUMBER_TOO_LARGE.format(value, name))
    return number


#: The exponent of each size suffix (suffix_mul in util/cutils.c): unit ** exponent.
_SIZE_SUFFIXES = {"b": 0, "k": 1, "m": 2, "g": 3, "t": 4, "p": 5, "e": 6}
#: What C's strtod reads after the integer part of a size: ``.``, digits, an exponent.
_SIZE_FRACTION = re.compile(r"\.[0-9]+(?:[eE][+-]?[0-9]+)?")
#: The digits ``strtoull(s, &end, 10 or 16)`` takes after blanks, a sign (and ``0x``).
_DEC_DIGITS = re.compile(r"[0-9]*")
_HEX_DIGITS = re.compile(r"[0-9a-fA-F]*")


class SizeErrno(enum.Enum):
    """Why ``do_strtosz`` failed: the errno it returns."""

    #: ``-EINVAL``: not a size (or, read whole, something after it).
    INVALID = "EINVAL"
    #: ``-ERANGE``: a number, or the size it scales to, of 2**64 or more.
    RANGE = "ERANGE"


@dataclass(frozen=True, slots=True)
class Strtosz:
    """What ``do_strtosz`` read: the value (0 on failure), where it stopped, the error.

    ``hex_suffix`` is set when a hexadecimal number carried a suffix: QEMU
    then prints its deprecation warning (:data:`SIZE_HEX_SUFFIX_DEPRECATED`
    with the text from the start), even when it fails afterwards.
    """

    value: int
    end: int
    error: SizeErrno | None
    hex_suffix: bool = False


def _run_of(pattern: re.Pattern[str], text: str, pos: int) -> str:
    """What ``pattern``, which matches the empty string, matches at ``pos``."""
    m = pattern.match(text, pos)
    assert m is not None
    return m.group()


def _strtoull_base(text: str, pos: int, base: int) -> tuple[int, int, bool]:
    """``strtoull(text + pos, &end, base)`` for base 10 or 16: (magnitude, end, negative).

    Blanks and a sign are skipped; ``end == pos`` when no digit follows.
    The magnitude is not reduced, so a value >= 2**64 is C's ERANGE.
    """
    sign = _C_BLANKS_SIGN.match(text, pos)
    assert sign is not None  # the pattern matches the empty string
    start = sign.end()
    # In base 16 "0x" is a prefix only when a hex digit follows it; "0xg" reads as 0.
    hex_prefix = text[start : start + 2] in ("0x", "0X")
    if base == 16 and hex_prefix and _run_of(_HEX_DIGITS, text, start + 2):
        start += 2
    digits = _run_of(_HEX_DIGITS if base == 16 else _DEC_DIGITS, text, start)
    if not digits:
        return 0, pos, False
    return int(digits, base), start + len(digits), sign.group(1) == "-"


def _fixed_fraction(fraction: float) -> int:
    """``(uint64_t)(fraction * 0x1p64)`` as QEMU's x86-64 build computes it.

    The conversion of 2**64 (a fraction that rounded up to 1.0, such as
    ``.99999999999999999999``) overflows; x86-64 then yields 0, and QEMU 7.2
    reads such a size as if it had no fraction (``0.99999999999999999999k``
    is 0).
    """
    fixed = int(fraction * 2.0**64)
    return 0 if fixed >= U64_LIMIT else fixed


def do_strtosz(
    text: str, pos: int = 0, *, default_suffix: str = "B", unit: int = 1024, whole: bool = True
) -> Strtosz:
    """Read a size from ``pos`` as QEMU 7.2's ``do_strtosz`` (util/cutils.c) does.

    The integer part is decimal; ``0x`` makes it hexadecimal, without a
    fraction.  A decimal number may have a fraction (without exponent),
    kept as a 64-bit binary fraction.  A suffix ``B k M G T P E`` (either
    case) multiplies by a power of ``unit``; without one ``default_suffix``
    does.  The product is rounded half up, and a fraction with a
    multiplier of 1 is invalid.  ``whole`` is QEMU's NULL ``end``: anything
    after the size makes it invalid.  ``qemu_strtosz`` is the default;
    ``qemu_strtosz_MiB`` is ``default_suffix="M"``, ``qemu_strtosz_metric``
    ``unit=1000``.
    """
    result = _do_strtosz(text, pos, default_suffix, unit)
    if whole and result.end < len(text):
        return Strtosz(0, result.end, SizeErrno.INVALID, result.hex_suffix)
    return result


def _do_strtosz(text: str, pos: int, default_suffix: str, unit: int) -> Strtosz:
    value, end, negative = _strtoull_base(text, pos, 10)
    if end == pos:
        return Strtosz(0, pos, SizeErrno.INVALID)
    if value >= U64_LIMIT:
        return Strtosz(0, end, SizeErrno.RANGE)
    if negative:
        # strtoull took the minus (and wrapped); a size never has one.
        return Strtosz(0, pos, SizeErrno.INVALID)
    fixed = 0
    is_hex = False
    following = text[end : end + 1]
    if value == 0 and following in ("x", "X"):
        value, end, _ = _strtoull_base(text, pos, 16)
        if value >= U64_LIMIT:
            return Strtosz(0, end, SizeErrno.RANGE)
        if text[end : end + 1] == ".":
            return Strtosz(0, pos, SizeErrno.INVALID)
        is_hex = True
    elif following == ".":
        m = _SIZE_FRACTION.match(text, end)
        if m is None:
            end += 1  # "1." and "1.k": a point with no digits is skipped
        elif "e" in m.group().lower():
            return Strtosz(0, pos, SizeErrno.INVALID)
        else:
            fixed = _fixed_fraction(float(m.group()))
            end = m.end()
    exponent = _SIZE_SUFFIXES.get(text[end : end + 1].lower())
    hex_suffix = False
    if exponent is not None:
        hex_suffix = is_hex
        end += 1
    else:
        exponent = _SIZE_SUFFIXES[default_suffix.lower()]
    multiplier = unit**exponent
    if multiplier == 1:
        if fixed:
            return Strtosz(0, pos, SizeErrno.INVALID, hex_suffix)
        return Strtosz(value, end, None, hex_suffix)
    # value.fixed (64.64 fixed point) times the multiplier, rounded half up.
    scaled = fixed * multiplier
    total = value * multiplier + (scaled >> 64) + ((scaled >> 63) & 1)
    if total >= U64_LIMIT:
        return Strtosz(0, end, SizeErrno.RANGE, hex_suffix)
    return Strtosz(total, end, None, hex_suffix)


def parse_size(
    name: str, value: str, warnings: list[Diagnostic] | None = None, *, metric: bool = False
) -> int:
    """Parse a size option as QEMU 7.2's ``parse_option_size`` (``qemu_strtosz``).

    See :func:`do_strtosz`; the suffixes are powers of 1024, or of 1000
    when ``metric`` (``qemu_strtosz_metric``, for frequencies).  A hex
    number with a suffix adds QEMU's deprecation warning to ``warnings``.
    """
    result = do_strtosz(value, unit=1000 if metric else 1024)
    if result.hex_suffix and warnings is not None:
        warnings.append(Diagnostic(SIZE_HEX_SUFFIX_DEPRECATED.format(value), warning=True))
    if result.error is SizeErrno.RANGE:
        raise QemuOptsError(SIZE_OUT_OF_RANGE.format(value, name))
    if result.error is not None:
        raise QemuOptsError(
            INVALID_PARAMETER_VALUE.format(name, "a non-negative number below 2^64"), SIZE_HINT
        )
    return result.value
