"""A request belongs to the connection that sent it.

QEMU 7.2 runs a request its client has already left, and writes the reply
to whoever is connected by then: the next client reads a reply to a
request it never sent (or an error of the old client's request run in its
own negotiation state).  qmonitor discards such replies, and never runs a
request whose connection is gone.
"""

from __future__ import annotations

import asyncio

from qmonitor.chardev.base import ChrEvent
from qmonitor.machine.machine import Machine, MachineOptions
from qmonitor.monitor.qmp import MonitorQMP
from qmonitor.qapi.commands import QmpCommand
from qmonitor_testsupport.fakes import FakeChardev


def _messages(chr: FakeChardev) -> list[bytes]:
    return [line for line in bytes(chr.written).split(b"\r\n") if line]


async def _connect(mon: MonitorQMP, chr: FakeChardev) -> None:
    chr.written.clear()
    mon._event(ChrEvent.OPENED)
    mon._read(b'{"execute": "qmp_capabilities"}')
    await asyncio.sleep(0.01)


def test_the_reply_of_a_running_command_is_not_written_to_the_next_client() -> None:
    async def main() -> list[bytes]:
        machine = Machine(MachineOptions(use_io_thread=False))
        release = asyncio.Event()

        async def slow() -> dict[str, str]:
            await release.wait()
            return {"from": "the first client"}

        machine.commands.full.register(QmpCommand("x-slow", slow, coroutine=True))
        chr = FakeChardev("mon0")
        mon = machine.add_qmp_monitor(chr)
        machine.dispatcher.start()
        await _connect(mon, chr)
        mon._read(b'{"execute": "x-slow", "id": "old"}')
        await asyncio.sleep(0.01)  # it runs, waiting
        mon._event(ChrEvent.CLOSED)  # its client leaves
        await _connect(mon, chr)  # the next one arrives and negotiates
        release.set()
        await asyncio.sleep(0.01)
        mon._read(b'{"execute": "query-status", "id": "new"}')
        await asyncio.sleep(0.01)
        return _messages(chr)

    got = asyncio.run(main())
    assert got[0].startswith(b'{"QMP": ')
    assert got[1:] == [
        b'{"return": {}}',
        b'{"return": {"status": "running", "singlestep": false, "running": true}, "id": "new"}',
    ]


def test_a_request_taken_before_its_client_left_is_not_run_for_the_next() -> None:
    async def main() -> tuple[list[bytes], list[str]]:
        machine = Machine(MachineOptions(use_io_thread=False))
        ran: list[str] = []
        machine.commands.full.register(QmpCommand("x-note", lambda: ran.append("x-note")))
        chr = FakeChardev("mon0")
        mon = machine.add_qmp_monitor(chr)
        machine.dispatcher.start()
        await _connect(mon, chr)
        mon._read(b'{"execute": "x-note", "id": "old"}')
        # The dispatcher has taken it from the queue (a queue the closing
        # connection can no longer clear) when the client leaves and the
        # next one connects, before the main loop gets to run it.
        req = machine.dispatcher._pop_any()
        assert req is not None
        mon._event(ChrEvent.CLOSED)
        chr.written.clear()
        mon._event(ChrEvent.OPENED)
        mon.qmp_requests.append(req)  # still in the dispatcher's hand
        await asyncio.sleep(0.01)
        return _messages(chr), ran

    got, ran = asyncio.run(main())
    assert ran == []
    assert len(got) == 1 and got[0].startswith(b'{"QMP": ')
