"""Any failure inside a command's handler ends in a reply, and the monitor keeps serving.

A handler that raises, or returns what cannot be encoded, gets a
GenericError reply on every road a request can take (the I/O thread's
short road, its plain burst, the dispatcher on the main loop, a coroutine
command); an HMP command that fails prints an error line.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from qmonitor.chardev.base import ChrEvent
from qmonitor.machine.machine import Machine, MachineOptions
from qmonitor.machine.runstate import ShutdownCause
from qmonitor.monitor.hmp_table import HMPCommand, sort_table
from qmonitor.qapi.commands import QmpCommand
from qmonitor_testsupport.fakes import FakeChardev


def _qmp(setup: Any, requests: list[bytes], *, together: bool = False) -> list[dict[str, Any]]:
    async def main() -> bytes:
        machine = Machine(MachineOptions())
        chr = FakeChardev()
        machine.add_qmp_monitor(chr)
        setup(machine)
        running = asyncio.ensure_future(machine.run())
        await asyncio.sleep(0.05)
        assert machine.iothread is not None
        loop = machine.iothread.loop
        loop.call_soon_threadsafe(chr.be_event, ChrEvent.OPENED)
        loop.call_soon_threadsafe(chr.be_write, b'{"execute":"qmp_capabilities"}')
        await asyncio.sleep(0.1)
        for chunk in [b"".join(requests)] if together else requests:
            loop.call_soon_threadsafe(chr.be_write, chunk)
            await asyncio.sleep(0.1)
        machine.shutdown(ShutdownCause.HOST_QMP_QUIT)
        await asyncio.wait_for(running, 5)
        return bytes(chr.written)

    out = asyncio.run(main())
    msgs = [json.loads(x) for x in out.decode().split("\r\n") if x]
    return [m for m in msgs if "event" not in m and "QMP" not in m]


class Opaque:
    """Not JSON: a handler bug returns one."""


async def _async_opaque() -> Any:
    return Opaque()


def _setup(machine: Machine) -> None:
    full = machine.commands.full
    full.register(QmpCommand("x-io-opaque", lambda: Opaque(), any_thread=True))
    full.register(QmpCommand("x-io-set", lambda: {1, 2}, any_thread=True))
    full.register(QmpCommand("x-main-opaque", lambda: Opaque()))
    full.register(QmpCommand("x-co-opaque", _async_opaque, coroutine=True))
    full.register(QmpCommand("x-main-nan-key", lambda: {("a",): 1}))


def _check(replies: list[dict[str, Any]], names: list[str]) -> None:
    assert replies[0] == {"return": {}}
    got = replies[1:]
    assert len(got) == len(names) + 1, got
    for reply, name in zip(got, names, strict=False):
        assert reply["id"] == name
        assert reply["error"]["class"] == "GenericError"
        assert reply["error"]["desc"].startswith("Internal error: TypeError")
    assert got[-1]["return"]["status"] == "running"  # still serving


NAMES = ["x-io-opaque", "x-io-set", "x-main-opaque", "x-co-opaque", "x-main-nan-key"]
REQUESTS = [b'{"execute":"%s","id":"%s"}' % (n.encode(), n.encode()) for n in NAMES]
STATUS = b'{"execute":"query-status"}'


def test_unencodable_results_are_answered_one_by_one() -> None:
    _check(_qmp(_setup, [*REQUESTS, STATUS]), NAMES)


def test_unencodable_results_are_answered_in_a_burst() -> None:
    _check(_qmp(_setup, [*REQUESTS, STATUS], together=True), NAMES)


def test_hmp_handler_bug_prints_an_error_and_the_monitor_goes_on() -> None:
    async def main() -> bytes:
        machine = Machine(MachineOptions())

        def bug(mon: Any, args: dict[str, Any]) -> None:
            raise ZeroDivisionError("boom")

        machine.hmp_commands = sort_table(
            [*machine.hmp_commands, HMPCommand("x-bug", "", "", "a bug", bug)]
        )
        chr = FakeChardev()
        machine.add_hmp_monitor(chr)
        running = asyncio.ensure_future(machine.run())
        await asyncio.sleep(0.05)
        chr.be_event(ChrEvent.OPENED)
        await asyncio.sleep(0.05)
        chr.be_write(b"x-bug\rinfo status\r")
        await asyncio.sleep(0.1)
        machine.shutdown(ShutdownCause.HOST_QMP_QUIT)
        await asyncio.wait_for(running, 5)
        return bytes(chr.written)

    out = asyncio.run(main())
    assert b"Error: Internal error: ZeroDivisionError: boom\r\n" in out
    assert b"VM status: running" in out
