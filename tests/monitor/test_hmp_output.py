"""HMP output of a run of input leaves in one write, with the same bytes."""

from __future__ import annotations

import asyncio

from qmonitor.chardev.base import ChrEvent
from qmonitor.machine.machine import Machine, MachineOptions
from qmonitor_testsupport.fakes import FakeChardev


class CountingChardev(FakeChardev):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.calls.append(bytes(data))
        return super().write(data)


def _session(*chunks: bytes) -> CountingChardev:
    async def main() -> CountingChardev:
        machine = Machine(MachineOptions(use_io_thread=False))
        chr = CountingChardev()
        machine.add_hmp_monitor(chr)
        await asyncio.sleep(0.01)
        chr.be_event(ChrEvent.OPENED)
        await asyncio.sleep(0.01)
        chr.calls.clear()
        for chunk in chunks:
            chr.be_write(chunk)
            await asyncio.sleep(0.01)
        return chr

    return asyncio.run(main())


def test_a_run_of_input_is_answered_in_one_write() -> None:
    chr = _session(b"info status\ninfo name\n")
    assert len(chr.calls) == 1
    assert b"VM status: running\r\n" in chr.calls[0]


def test_the_bytes_do_not_depend_on_how_input_arrives() -> None:
    lines = b"info status\nhelp quit\nbogus\ninfo name\n"
    whole = b"".join(_session(lines).calls)
    bytewise = b"".join(_session(*(lines[i : i + 1] for i in range(len(lines)))).calls)
    assert whole == bytewise
    assert b"unknown command: 'bogus'" in whole
