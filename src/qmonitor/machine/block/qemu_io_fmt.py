"""How qemu-io prints: sizes, times, I/O reports, buffer dumps, numbers (QEMU 7.2's qemu-io-cmds.c).

Pure functions of their arguments.  Sizes are printed to three decimals
in the largest binary unit they reach, with ``.000`` dropped; times as
``SS.ss sec`` under a second, else ``H:MM:SS.ss``; a report gives the
bytes done, the operations and the rates (``-C``: one comma-separated
line).  :func:`cvtnum` reads a size as qemu_strtosz does and fails with
the errno name QEMU's cvtnum returns.
"""

from __future__ import annotations

from typing import Any

from qmonitor.errors import QmonitorError
from qmonitor.qjson.encode import qdict_order
from qmonitor.util.cutils import SizeErrno, c_strtoll, do_strtosz

#: BDRV_REQUEST_MAX_BYTES: INT_MAX rounded down to a 512-byte sector.
REQUEST_MAX_BYTES = (0x7FFFFFFF >> 9) << 9
INT_MAX = 0x7FFFFFFF
INT64_MAX = (1 << 63) - 1

_UNITS = ((60, " EiB"), (50, " PiB"), (40, " TiB"), (30, " GiB"), (20, " MiB"), (10, " KiB"))


def cvtstr(value: float) -> str:
    """A size as qemu-io prints it: ``512 bytes``, ``4 KiB``, ``1.500 MiB``."""
    shift, suffix = next(((s, u) for s, u in _UNITS if value >= float(1 << s)), (0, " bytes"))
    text = f"{value / float(1 << shift):.3f}" if shift else f"{value:f}"
    at = text.find(".000")
    return text[:at] + suffix if at >= 0 else text + suffix


def timestr(seconds: int, nanoseconds: int, verbose: bool = False) -> str:
    """An elapsed time (timestr with DEFAULT_TIME, or VERBOSE_FIXED_TIME for ``-C``)."""
    frac = nanoseconds / 1e9
    if verbose or seconds:
        hours, minutes, secs = seconds // 3600, seconds % 3600 // 60, seconds % 60
        return f"{hours}:{minutes:02d}:{secs + frac:05.2f}"
    return f"{frac:05.2f} sec"


def _per_second(value: float, elapsed_ns: int) -> float:
    seconds = elapsed_ns // 1_000_000_000 + (elapsed_ns % 1_000_000_000) / 1e9
    if seconds == 0:
        return float("inf") if value > 0 else float("nan")
    return value / seconds


def _c_float(value: float, places: int) -> str:
    """printf's ``%.Nf`` (C prints ``inf`` and ``-nan`` where Python prints ``inf`` and ``nan``)."""
    if value != value:
        return "-nan"
    return f"{value:.{places}f}"


def report(op: str, elapsed_ns: int, offset: int, count: int, total: int, ops: int,
           machine: bool) -> str:  # fmt: skip
    """print_report: what a finished request prints."""
    seconds, nanos = divmod(elapsed_ns, 1_000_000_000)
    ts = timestr(seconds, nanos, verbose=machine)
    rate = _per_second(float(total), elapsed_ns)
    op_rate = _per_second(float(ops), elapsed_ns)
    if machine:
        return f"{total},{ops},{ts},{_c_float(rate, 3)},{_c_float(op_rate, 3)}\n"
    rate_text = "-nan bytes" if rate != rate else cvtstr(rate)
    return (
        f"{op} {total}/{count} bytes at offset {offset}\n"
        f"{cvtstr(float(total))}, {ops} ops; {ts} ({rate_text}/sec and "
        f"{_c_float(op_rate, 4)} ops/sec)\n"
    )


def dump(buffer: bytes, offset: int) -> str:
    """dump_buffer: 16 bytes a line, in hex and as letters and digits."""
    lines = []
    for i in range(0, len(buffer), 16):
        row = buffer[i : i + 16]
        hexes = "".join(f"{b:02x} " for b in row)
        text = "".join(chr(b) if chr(b).isascii() and chr(b).isalnum() else "." for b in row)
        lines.append(f"{offset + i:08x}:  {hexes} {text}\n")
    return "".join(lines)


class NumberError(QmonitorError):
    """cvtnum failed: ``EINVAL`` or ``ERANGE``."""

    def __init__(self, errno_name: str, hex_suffix: bool = False) -> None:
        super().__init__(errno_name)
        self.errno_name = errno_name
        self.hex_suffix = hex_suffix


def cvtnum(text: str) -> tuple[int, bool]:
    """A size as cvtnum reads it, and whether it was hex with a suffix (a deprecation warning)."""
    result = do_strtosz(text)
    if result.error is SizeErrno.RANGE:
        raise NumberError("ERANGE", result.hex_suffix)
    if result.error is not None:
        raise NumberError("EINVAL", result.hex_suffix)
    if result.value > INT64_MAX:
        raise NumberError("ERANGE", result.hex_suffix)
    return result.value, result.hex_suffix


def cvtnum_error(err: NumberError, arg: str) -> str:
    """print_cvtnum_err's line."""
    if err.errno_name == "EINVAL":
        return f"Parsing error: non-numeric argument, or extraneous/unrecognized suffix -- {arg}\n"
    return f"Parsing error: argument too large -- {arg}\n"


def pattern(text: str) -> int | None:
    """parse_pattern: a byte given as C's strtol reads it, or None."""
    value = c_strtoll(text)
    if value is None or not 0 <= value <= 255:
        return None
    return value


def dump_qobject(value: Any, indent: int) -> str:
    """block/qapi.c's dump_qobject: a dict's keys in QDict order, dashes as spaces."""
    if isinstance(value, dict):
        lines = []
        for key in qdict_order(value):
            item = value[key]
            composite = isinstance(item, dict | list)
            head = f"{' ' * (indent * 4)}{key.replace('-', ' ')}:"
            if composite:
                lines.append(head + "\n" + dump_qobject(item, indent + 1))
            else:
                lines.append(f"{head} {dump_qobject(item, indent + 1)}\n")
        return "".join(lines)
    if isinstance(value, list):
        out = []
        for i, item in enumerate(value):
            composite = isinstance(item, dict | list)
            head = f"{' ' * (indent * 4)}[{i}]:"
            if composite:
                out.append(head + "\n" + dump_qobject(item, indent + 1))
            else:
                out.append(f"{head} {dump_qobject(item, indent + 1)}\n")
        return "".join(out)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
