"""HMP inputs found by the long fuzz run (tools/fuzz_long.py hmp), kept as tests.

Integer expressions nested deeper than Python's recursion limit (a few
hundred parentheses or signs; the line editor takes lines of 4,000 bytes)
raised RecursionError out of the monitor's read callback, instead of the
answer QEMU's recursive-descent parser gives.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from qmonitor.machine.hmp_commands import HMP_CMDS, HMPCommand
from qmonitor.machine.machine import Machine, MachineOptions
from qmonitor.monitor.hmp import MonitorHMP
from qmonitor_testsupport.fakes import FakeChardev

DEPTH = 2000


def _run(line: bytes) -> tuple[str, list[Any]]:
    """The output of ``line`` and the values its ``val:l`` argument got."""
    seen: list[Any] = []

    def handler(mon: MonitorHMP, args: dict[str, Any]) -> None:
        seen.append(args["val"])

    table = (HMPCommand("p", "val:l", "", "", handler),)

    async def main() -> str:
        machine = Machine(MachineOptions(use_io_thread=False))
        mon = MonitorHMP(machine, None, use_readline=False, commands=table)
        mon.handle_command(line)
        return bytes(mon.outbuf).decode()

    return asyncio.run(main()), seen


@pytest.mark.parametrize(
    ("expr", "value"),
    [
        (b"(" * DEPTH + b"1" + b")" * DEPTH, 1),
        (b"-" * (DEPTH + 1) + b"5", -5),
        (b"~" * DEPTH + b"5", 5),
        (b"+" * DEPTH + b"7", 7),
        (b"-(" * DEPTH + b"3" + b")" * DEPTH, 3),
        (b"(2*" * DEPTH + b"1" + b")" * DEPTH, 0),  # 2**2000 wraps to 0 in int64
        (b"(1+" * DEPTH + b"0" + b")" * DEPTH, DEPTH),
    ],
)
def test_deep_expressions_are_evaluated(expr: bytes, value: int) -> None:
    out, seen = _run(b"p " + expr)
    assert (out, seen) == ("", [value])


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        (b"(" * 300, "unexpected end of expression"),
        (b"(" * DEPTH + b"1", "')' expected"),
        (b"(" * DEPTH + b"1/0" + b")" * DEPTH, "division by zero"),
        (b"-" * DEPTH + b"$eax", "unknown register"),
        (b"(" * DEPTH + b"1 x", "')' expected"),
    ],
)
def test_deep_expression_errors_are_qemus(expr: bytes, message: str) -> None:
    out, seen = _run(b"p " + expr)
    assert out == f'{message}\r\nTry "help p" for more information\r\n'
    assert seen == []


def test_deep_nesting_typed_at_the_line_editor_gets_an_answer_and_a_prompt() -> None:
    errors: list[dict[str, Any]] = []

    async def main() -> bytes:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda _loop, context: errors.append(context))
        machine = Machine(MachineOptions(use_io_thread=False))
        chr = FakeChardev()
        chr.be_open = True
        mon = MonitorHMP(machine, chr, commands=HMP_CMDS)
        mon.start()
        chr.written.clear()
        chr.be_write(b"cpu " + b"(" * 3000 + b"\rinfo status\r")
        for _ in range(3):
            await asyncio.sleep(0)
        return bytes(chr.written)

    out = asyncio.run(main())
    assert errors == []
    answer = b'\r\nunexpected end of expression\r\nTry "help cpu" for more information\r\n(qemu) '
    assert answer in out, out[-400:]
    assert out.endswith(b"info status\x1b[K\r\nVM status: running\r\n(qemu) "), out[-400:]
