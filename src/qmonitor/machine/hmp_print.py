"""``print`` (``p``): an HMP expression's value in the ``/`` format asked for.

As QEMU's do_print: ``/o`` octal and ``/x`` hexadecimal with C's ``%#``
prefix (none for zero), ``/u`` unsigned, ``/c`` the character (escaped as
monitor_printc does), anything else signed decimal.  The value is the
64-bit result of the expression.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qmonitor.machine.hmp_info import MachineHMP

_U64 = 2**64


def _c_alt(value: int, base: str) -> str:
    """C's ``%#o`` / ``%#x`` of an unsigned value."""
    if value == 0:
        return "0"
    return ("0" if base == "o" else "0x") + format(value, base)


def printc(value: int) -> str:
    """monitor_printc: a byte as a quoted character, escaped."""
    c = value & 0xFF
    escapes = {0x27: "\\'", 0x5C: "\\\\", 0x0A: "\\n", 0x0D: "\\r"}
    if c in escapes:
        body = escapes[c]
    elif 0x20 <= c <= 0x7E:
        body = chr(c)
    else:
        body = f"\\x{c:02x}"
    return f"'{body}'"


def format_value(value: int, fmt: int) -> str:
    """``value`` as do_print shows it in format letter ``fmt``."""
    unsigned = value % _U64
    signed = unsigned - _U64 if unsigned >= 2**63 else unsigned
    letter = chr(fmt)
    if letter == "o":
        return _c_alt(unsigned, "o")
    if letter == "x":
        return _c_alt(unsigned, "x")
    if letter == "u":
        return str(unsigned)
    if letter == "c":
        return printc(unsigned)
    return str(signed)


def do_print(mon: MachineHMP, args: dict[str, Any]) -> None:
    """``print /fmt expr``."""
    mon.printf(format_value(args["val"], args["format"]) + "\n")
