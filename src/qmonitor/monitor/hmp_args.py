"""HMP argument parsing: words, quoting, integer expressions, ``args_type`` (monitor/hmp.c).

A command's ``args_type`` is a list of ``key:type`` pairs; :func:`parse_arguments`
walks it over the command line and returns the arguments by key, or raises
:class:`HmpParseError` whose text is what QEMU prints on the monitor.  The
types are QEMU 7.2's:

=======  ===================================================================
``s``    a word, possibly quoted (``F`` a filename, ``B`` a block device)
``S``    the rest of the line
``i``    a 32-bit integer expression (``l`` 64-bit, ``M`` in MiB)
``o``    a size: decimal, fraction or hex with a ``B k M G T P E`` suffix,
         MiB without one (``qemu_strtosz_MiB``)
``T``    a number of seconds, ``ms``, ``us`` or ``ns`` after it
``b``    ``on`` or ``off``
``O``    ``key=value,...`` options of a QemuOpts list (``device_add``)
``/``    an ``x``/``print`` format: ``/COUNT`` then letters; fills
         ``count``, ``format`` and ``size``
``-x``   a flag (``-xs``: a flag with a value)
=======  ===================================================================

``?`` after a type makes it optional; ``.`` after ``i l M`` makes it
optional behind a leading dot.  Messages some of these print outside the
monitor (``get_str``'s quoting errors on standard output, QemuOpts errors
and warnings on standard error) go where QEMU sends them.
"""

from __future__ import annotations

import math
import os
import re
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qmonitor.errors import QmonitorError
from qmonitor.monitor.monitor import current_monitor, error_printf
from qmonitor.util.cutils import U64_LIMIT, do_strtosz, strtoull_digits
from qmonitor.util.error import Diagnostic, QemuOptsError
from qmonitor.util.qemuopts import OptsGroup, OptsListSpec
from qmonitor.util.texts import SIZE_HEX_SUFFIX_DEPRECATED

if TYPE_CHECKING:
    from qmonitor.monitor.hmp_table import HMPCommand

#: Longest word ``get_str`` keeps (its callers' 1024-byte buffers).
STR_MAX = 1023
#: Most words ``help`` and completion look at (MAX_ARGS in monitor/hmp.c).
MAX_ARGS = 16
#: One MiB, the unit of the ``M`` argument type.
MIB = 1 << 20

_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1

#: A bad ``o`` argument (monitor_parse_arguments).
INVALID_SIZE = "invalid size\n"
#: A ``T`` argument that does not start with a number (get_double).
NUMBER_EXPECTED = "Number expected\n"
#: A ``T`` argument followed by something other than s, ms, us, ns.
UNKNOWN_UNIT = "Unknown unit suffix\n"
#: A ``/`` format letter QEMU does not know.
INVALID_FORMAT_CHAR = "invalid char in format: '{}'\n"

#: The QemuOpts lists an ``O`` argument may name: those that take any option
#: (QEMU's ``qemu_find_opts``; a list with a fixed set of options is a bad type).
OPTS_LISTS: dict[str, OptsListSpec] = {
    "device": OptsListSpec("device", "driver", ()),
    "netdev": OptsListSpec("netdev", "type", ()),
    "object": OptsListSpec("object", "qom-type", ()),
}


def text(data: bytes) -> str:
    """Command-line bytes as text that encodes back to the same bytes."""
    return data.decode("utf-8", "surrogateescape")


def to_bytes(line: str) -> bytes:
    """Text (a command line from QMP, or decoded input) back to its bytes."""
    return line.encode("utf-8", "surrogateescape")


def _stdout(message: str) -> None:
    """Print on the process's standard output, as QEMU's ``printf`` does."""
    out = sys.stdout
    try:
        out.buffer.write(to_bytes(message))
    except AttributeError:
        out.write(message)
    out.flush()


def isspace(data: bytes, pos: int) -> bool:
    """C ``isspace`` of the byte at ``pos`` (False past the end)."""
    return pos < len(data) and data[pos] in b" \t\n\v\f\r"


#: A run of C ``isspace`` bytes (possibly empty).
_SPACES = re.compile(rb"[ \t\n\v\f\r]*")


def skip_spaces(data: bytes, pos: int) -> int:
    """The first position at or after ``pos`` that is not a blank."""
    match = _SPACES.match(data, pos)
    return match.end() if match is not None else pos


def _wrap64(value: int) -> int:
    """Two's complement 64-bit wrap-around, as int64_t arithmetic behaves."""
    value %= U64_LIMIT
    return value - U64_LIMIT if value >= 1 << 63 else value


def get_str(data: bytes, pos: int) -> tuple[bytes, int] | None:
    """One word, possibly quoted, from ``pos`` (``get_str``): (word, end) or None.

    The word keeps at most :data:`STR_MAX` bytes; the rest is skipped.
    Errors are printed on standard output, as QEMU does.
    """
    pos = skip_spaces(data, pos)
    n = len(data)
    if pos >= n:
        return None
    out = bytearray()
    if data[pos] == 0x22:  # '"'
        pos += 1
        while pos < n and data[pos] != 0x22:
            c = data[pos]
            if c == 0x5C:  # backslash
                c = data[pos + 1] if pos + 1 < n else 0
                pos += 2
                escaped = _ESCAPES.get(c)
                if escaped is None:
                    _stdout("unsupported escape code: '\\" + text(bytes([c])) + "'\n")
                    return None
                c = escaped
            else:
                pos += 1
            if len(out) < STR_MAX:
                out.append(c)
        if pos >= n:
            _stdout("unterminated string\n")
            return None
        pos += 1
    else:
        start = pos
        while pos < n and not isspace(data, pos):
            pos += 1
        out += data[start:pos][:STR_MAX]
    return bytes(out), pos


_ESCAPES = {0x6E: 0x0A, 0x72: 0x0D, 0x5C: 0x5C, 0x27: 0x27, 0x22: 0x22}


def parse_words(data: bytes) -> list[bytes] | None:
    """Split into at most :data:`MAX_ARGS` words (``parse_cmdline``); None on error."""
    words: list[bytes] = []
    pos = 0
    while True:
        pos = skip_spaces(data, pos)
        if pos >= len(data):
            return words
        if len(words) >= MAX_ARGS:
            return None
        got = get_str(data, pos)
        if got is None:
            return None
        word, pos = got
        words.append(word)


class HmpParseError(QmonitorError):
    """Arguments could not be parsed; the message is what the monitor prints."""


#: The binary operators and how tightly they bind: QEMU's ``expr_sum`` (+ -),
#: ``expr_logic`` (& | ^, tighter than + and - there) and ``expr_prod`` (* / %).
_BINARY = {0x2B: 1, 0x2D: 1, 0x26: 2, 0x7C: 2, 0x5E: 2, 0x2A: 3, 0x2F: 3, 0x25: 3}


def _binary(op: int, val: int, val2: int) -> int:
    """``val op val2`` as QEMU's int64 arithmetic does it."""
    if op == 0x2B:
        return _wrap64(val + val2)
    if op == 0x2D:
        return _wrap64(val - val2)
    if op == 0x26:
        return val & val2
    if op == 0x7C:
        return val | val2
    if op == 0x5E:
        return val ^ val2
    if op == 0x2A:
        return _wrap64(val * val2)
    if val2 == 0:
        raise HmpParseError("division by zero\n")
    # C division truncates toward zero; the remainder takes the dividend's sign.
    quot = abs(val) // abs(val2) * (1 if (val < 0) == (val2 < 0) else -1)
    return _wrap64(quot) if op == 0x2F else val - val2 * quot


def _unary(ops: list[int], val: int) -> int:
    """The prefix operators ``ops`` (outermost first) applied to ``val``."""
    for op in reversed(ops):
        if op == 0x2D:  # -
            val = _wrap64(-val)
        elif op == 0x7E:  # ~
            val = ~val
    return val


def _reduce(values: list[int], ops: list[int], binding: int) -> None:
    """Apply the pending operators that bind at least as tightly as ``binding``."""
    while ops and _BINARY[ops[-1]] >= binding:
        op = ops.pop()
        val2 = values.pop()
        values.append(_binary(op, values.pop(), val2))


class _Expr:
    """QEMU's HMP integer expressions (``get_expr``): + - * / % & | ^ ~ ( ) 'c' $reg.

    Values are int64 and wrap as QEMU's do.  ``$name`` needs the current
    CPU's registers; the null machine has no CPU, so every name is unknown.

    QEMU parses by recursive descent; this does the same walk with explicit
    stacks, so that a line nested as deep as the line editor allows (4,000
    parentheses or signs) is not limited by Python's recursion depth.  Each
    operator is applied as soon as QEMU's descent would apply it, so errors
    (division by zero, then a syntax error further on) come in QEMU's order.
    """

    def __init__(self, data: bytes, pos: int) -> None:
        self.data = data
        self.pos = pos

    def peek(self) -> int:
        return self.data[self.pos] if self.pos < len(self.data) else 0

    def next(self) -> None:
        if self.peek():
            self.pos = skip_spaces(self.data, self.pos + 1)

    def parse(self) -> int:
        self.pos = skip_spaces(self.data, self.pos)
        # The levels outside the current parenthesis: each keeps the prefix
        # operators before its '(' and its own pending values and operators.
        outer: list[tuple[list[int], list[int], list[int]]] = []
        prefixes: list[int] = []
        values: list[int] = []
        ops: list[int] = []
        while True:
            c = self.peek()
            if c in (0x2B, 0x2D, 0x7E):  # + - ~
                self.next()
                prefixes.append(c)
                continue
            if c == 0x28:  # (
                self.next()
                outer.append((prefixes, values, ops))
                prefixes, values, ops = [], [], []
                continue
            val = self.primary()
            while True:
                values.append(_unary(prefixes, val))
                op = self.peek()
                binding = _BINARY.get(op, 0)
                _reduce(values, ops, binding)
                if binding:
                    self.next()
                    ops.append(op)
                    prefixes = []
                    break
                if not outer:
                    return values[0]
                if op != 0x29:
                    raise HmpParseError("')' expected\n")
                self.next()
                val = values[0]
                prefixes, values, ops = outer.pop()

    def primary(self) -> int:
        """A character constant, a register or a number (the rest of ``expr_unary``)."""
        c = self.peek()
        if c == 0x27:  # '
            self.pos += 1
            if not self.peek():
                raise HmpParseError("character constant expected\n")
            val = self.peek()
            # A plain char is signed on the hosts QEMU is built for.
            val = val - 256 if val >= 0x80 else val
            self.pos += 1
            if self.peek() != 0x27:
                raise HmpParseError("missing terminating ' character\n")
            self.next()
            return val
        if c == 0x24:  # $
            self.pos += 1
            while chr(self.peek()).isascii() and (
                chr(self.peek()).isalnum() or self.peek() in (0x5F, 0x2E)
            ):
                self.pos += 1
            self.pos = skip_spaces(self.data, self.pos)
            raise HmpParseError("unknown register\n")
        if c == 0:
            raise HmpParseError("unexpected end of expression\n")
        val, end = _strtoull(self.data, self.pos)
        if end == self.pos:
            raise HmpParseError(f"invalid char '{text(bytes([c]))}' in expression\n")
        self.pos = skip_spaces(self.data, end)
        return val


def _strtoull(data: bytes, pos: int) -> tuple[int, int]:
    """C ``strtoull(s, &end, 0)`` from ``pos`` (no sign or blanks come here).

    The digits are read by util/cutils' reader (shared with QemuOpts and the
    command line); the expression evaluator adds its overflow error and
    int64 wrap-around.
    """
    value, end = strtoull_digits(data.decode("latin-1"), pos)
    if end == pos:
        return 0, pos
    if value >= U64_LIMIT:
        raise HmpParseError("number too large\n")
    return _wrap64(value), end


def _key_get_info(typestr: str, pos: int) -> tuple[str, int] | None:
    """The next ``key:`` of an args_type string; the position after the colon."""
    if pos < len(typestr) and typestr[pos] == ",":
        pos += 1
    colon = typestr.find(":", pos)
    if colon < 0:
        return None
    return typestr[pos:colon], colon + 1


def parse_arguments(data: bytes, pos: int, cmd: HMPCommand) -> dict[str, Any]:
    """Arguments by ``args_type`` (``monitor_parse_arguments``).

    The types are listed in the module's docstring; the message of the
    :class:`HmpParseError` raised on failure is what QEMU prints.
    """
    args: dict[str, Any] = {}
    typestr = cmd.args_type
    tpos = 0

    def at(i: int) -> str:
        return typestr[i] if i < len(typestr) else ""

    while True:
        info = _key_get_info(typestr, tpos)
        if info is None:
            break
        key, tpos = info
        c = at(tpos)
        tpos += 1
        if c in ("F", "B", "s"):
            pos = skip_spaces(data, pos)
            if at(tpos) == "?":
                tpos += 1
                if pos >= len(data):
                    continue
            got = get_str(data, pos)
            if got is None:
                what = {"F": "filename", "B": "block device name"}.get(c, "string")
                raise HmpParseError(f"{cmd.name}: {what} expected\n")
            word, pos = got
            args[key] = text(word)
        elif c in ("i", "l", "M"):
            pos = skip_spaces(data, pos)
            if at(tpos) in ("?", "."):
                if at(tpos) == "?":
                    if pos >= len(data):
                        tpos += 1
                        continue
                elif pos < len(data) and data[pos] == 0x2E:  # '.'
                    pos = skip_spaces(data, pos + 1)
                else:
                    tpos += 1
                    continue
                tpos += 1
            expr = _Expr(data, pos)
            val = expr.parse()
            pos = expr.pos
            if c == "i" and (val >> 32) & 0xFFFFFFFF:
                raise HmpParseError(f"'{cmd.name}' has failed: integer is for 32-bit values\n")
            if c == "M":
                if val < 0:
                    raise HmpParseError("enter a positive value\n")
                val = _wrap64(val * MIB)
            args[key] = val
        elif c == "o":
            pos = skip_spaces(data, pos)
            if at(tpos) == "?":
                tpos += 1
                if pos >= len(data):
                    continue
            # qemu_strtosz_MiB, which leaves what follows the size to us.
            size = do_strtosz(data.decode("latin-1"), pos, default_suffix="M", whole=False)
            if size.hex_suffix:
                _warn(SIZE_HEX_SUFFIX_DEPRECATED.format(text(data[pos:])))
            if size.error is not None or size.value > _INT64_MAX:
                raise HmpParseError(INVALID_SIZE)
            args[key], pos = size.value, size.end
        elif c == "T":
            pos = skip_spaces(data, pos)
            if at(tpos) == "?":
                tpos += 1
                if pos >= len(data):
                    continue
            seconds, pos = _parse_seconds(data, pos)
            args[key] = seconds
        elif c == "O":
            spec = OPTS_LISTS.get(key)
            if spec is None or not spec.accepts_any:
                raise HmpParseError(f"{cmd.name}: unknown type '{c}'\n")
            pos = skip_spaces(data, pos)
            if pos >= len(data):
                continue
            got = get_str(data, pos)
            if got is None:
                raise HmpParseError("")
            word, pos = got
            args.update(_parse_opts(spec, text(word)))
        elif c == "/":
            pos = _parse_format(data, pos, args)
        elif c == "b":
            pos = skip_spaces(data, pos)
            start = pos
            while pos < len(data) and 0x21 <= data[pos] <= 0x7E:
                pos += 1
            word = data[start:pos]
            if word not in (b"on", b"off"):
                raise HmpParseError("Expected 'on' or 'off'\n")
            args[key] = word == b"on"
        elif c == "-":
            letter = at(tpos)
            tpos += 1
            if not letter:
                raise HmpParseError(f"{cmd.name}: unknown type '\0'\n")
            before = pos
            pos = skip_spaces(data, pos)
            if pos < len(data) and data[pos] == 0x2D:  # '-'
                pos += 1
                given = data[pos] if pos < len(data) else 0
                if chr(given) != letter:
                    # Another option of this command, or none of its own.  At
                    # the end of the line QEMU looks for a bare "-".
                    wanted = "-" + chr(given) if given else "-"
                    if wanted not in typestr[tpos:]:
                        raise HmpParseError(
                            f"{cmd.name}: unsupported option -{text(bytes([given]))}\n"
                        )
                    pos = before
                elif at(tpos) == "s":
                    tpos += 1
                    pos += 1
                    got = get_str(data, pos)
                    if got is None:
                        raise HmpParseError(f"{cmd.name}: value expected for -{letter}\n")
                    word, pos = got
                    args[key] = text(word)
                else:
                    pos += 1
                    args[key] = True
            elif at(tpos) == "s":
                tpos += 1
        elif c == "S":
            pos = skip_spaces(data, pos)
            if at(tpos) == "?":
                tpos += 1
                if pos >= len(data):
                    continue
            if pos >= len(data):
                raise HmpParseError(f"{cmd.name}: string expected\n")
            args[key] = text(data[pos:])
            pos = len(data)
        else:
            raise HmpParseError(f"{cmd.name}: unknown type '{c}'\n")
    pos = skip_spaces(data, pos)
    if pos < len(data):
        raise HmpParseError(f"{cmd.name}: extraneous characters at the end of line\n")
    return args


# -- messages outside the monitor ------------------------------------------------


def _warn(message: str) -> None:
    """warn_report: on standard error, with the program's name outside a monitor."""
    _error_report(f"warning: {message}\n")


def _error_report(message: str) -> None:
    prefix = "" if current_monitor() is not None else f"{_prgname()}: "
    error_printf(prefix + message)


def _prgname() -> str:
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return "qmonitor" if name in ("", "__main__.py", "-c") else name


# -- seconds (T) -------------------------------------------------------------------

#: What C's strtod takes: decimal and hex floats, inf, nan.
_STRTOD = re.compile(
    rb"[+-]?(?:0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?"
    rb"|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
    rb"|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?"
    rb"|[nN][aA][nN](?:\([0-9A-Za-z_]*\))?)"
)
_UNIT_DIVISOR = {ord("m"): 1e3, ord("u"): 1e6, ord("n"): 1e9}


def strtod(data: bytes, pos: int) -> tuple[float, int] | None:
    """C ``strtod`` from ``pos`` (blanks already skipped): (value, end) or None."""
    m = _STRTOD.match(data, pos)
    if m is None:
        return None
    number = m.group().decode("ascii")
    body = number.lstrip("+-")
    sign = -1.0 if number.startswith("-") else 1.0
    if body[:2] in ("0x", "0X"):
        mantissa = body[2:]
        if "p" not in mantissa.lower():
            mantissa += "p0"
        value = float.fromhex("0x" + (mantissa if not mantissa.startswith(".") else "0" + mantissa))
    elif body[:1] in "nN":
        value = math.nan
    else:
        try:
            value = float(body)
        except OverflowError:  # pragma: no cover - float() returns inf instead
            value = math.inf
    return sign * value, m.end()


def _parse_seconds(data: bytes, pos: int) -> tuple[float, int]:
    """A ``T`` argument: a number, then nothing, ``s``, ``ms``, ``us`` or ``ns``."""
    got = strtod(data, pos)
    if got is None:
        raise HmpParseError(NUMBER_EXPECTED)
    value, pos = got
    if pos + 1 < len(data) and data[pos + 1] == 0x73:  # 's'
        divisor = _UNIT_DIVISOR.get(data[pos])
        if divisor is not None:
            value /= divisor
            pos += 2
    if pos < len(data) and not isspace(data, pos):
        raise HmpParseError(UNKNOWN_UNIT)
    return value, pos


# -- options (O) -------------------------------------------------------------------


def _parse_opts(spec: OptsListSpec, params: str) -> dict[str, str]:
    """``qemu_opts_parse_noisily`` then ``qemu_opts_to_qdict``: the options as strings.

    QEMU reports a failure (and warnings) through error_report, which is
    standard error here, and the monitor only says ``Try "help ..."``.
    """
    warnings: list[Diagnostic] = []
    try:
        opts = OptsGroup(spec).parse(params, True, warnings)
    except QemuOptsError as err:
        for warning in warnings:
            _error_report(warning.render(""))
        _error_report(err.diagnostic.render(""))
        raise HmpParseError("") from None
    for warning in warnings:
        _error_report(warning.render(""))
    result: dict[str, str] = {}
    if opts.id is not None:
        result["id"] = opts.id
    result.update(opts.as_dict())
    return result


# -- formats (/) -------------------------------------------------------------------


@dataclass(slots=True)
class FormatDefaults:
    """The format and unit size a ``/`` argument falls back to.

    QEMU keeps them in two globals that every ``x``, ``xp`` and ``print``
    updates: what one command sets is the next one's default.
    """

    format: int = ord("x")
    size: int = 4


#: The process's defaults, as QEMU's ``default_fmt_format``/``default_fmt_size``.
FORMAT_DEFAULTS = FormatDefaults()

_FORMAT_LETTERS = frozenset(b"oduxic")
_SIZE_LETTERS = {ord("b"): 1, ord("h"): 2, ord("w"): 4, ord("g"): 8, ord("L"): 8}


def _parse_format(
    data: bytes, pos: int, args: dict[str, Any], defaults: FormatDefaults = FORMAT_DEFAULTS
) -> int:
    """A ``/`` argument: ``/[count][letters]`` sets ``count``, ``format``, ``size``."""
    pos = skip_spaces(data, pos)
    n = len(data)
    if pos < n and data[pos] == 0x2F:  # '/'
        pos += 1
        count = 1
        if pos < n and 0x30 <= data[pos] <= 0x39:
            count = 0
            while pos < n and 0x30 <= data[pos] <= 0x39:
                # An int in QEMU: it wraps as a 32-bit two's complement.
                count = ((count * 10 + data[pos] - 0x30 + 2**31) % 2**32) - 2**31
                pos += 1
        size = -1
        fmt = -1
        while pos < n:
            ch = data[pos]
            if ch in _FORMAT_LETTERS:
                fmt = ch
            elif ch in _SIZE_LETTERS:
                size = _SIZE_LETTERS[ch]
            else:
                break
            pos += 1
        if pos < n and not isspace(data, pos):
            raise HmpParseError(INVALID_FORMAT_CHAR.format(text(data[pos : pos + 1])))
        if fmt < 0:
            fmt = defaults.format
        if fmt != ord("i"):
            # For 'i' a missing size stays -1 and the default size is kept.
            if size < 0:
                size = defaults.size
            defaults.size = size
        defaults.format = fmt
    else:
        count = 1
        fmt = defaults.format
        size = defaults.size if fmt != ord("i") else -1
    args["count"] = count
    args["format"] = fmt
    args["size"] = size
    return pos
