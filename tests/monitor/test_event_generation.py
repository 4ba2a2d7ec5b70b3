"""An event goes only to the client that was negotiated when it was emitted.

Emitting checks each QMP monitor's mode and then queues the event's bytes;
the monitor's client may leave and the next one connect in between (the
I/O thread handles connections while the main loop emits).  The next client
must read its greeting first and no event before its own
``qmp_capabilities`` (the soak test once read a POWERDOWN before a greeting).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from qmonitor.chardev.base import ChrEvent
from qmonitor.machine.machine import Machine, MachineOptions
from qmonitor.monitor.qmp import MonitorQMP
from qmonitor_testsupport.fakes import FakeChardev


class ReconnectingMonitor(MonitorQMP):
    """Its client is replaced after the emitter has read its mode, before the event is queued."""

    reconnect = False

    def write_event(self, data: bytes, *args: Any) -> bool:
        if self.reconnect:
            self.reconnect = False
            self._event(ChrEvent.CLOSED)
            self._event(ChrEvent.OPENED)
        return super().write_event(data, *args)


@pytest.mark.parametrize("held", [False, True], ids=["direct", "held"])
def test_an_event_emitted_across_a_reconnection_does_not_reach_the_next_client(
    held: bool,
) -> None:
    async def main() -> list[dict[str, object]]:
        machine = Machine(MachineOptions(use_io_thread=False))
        chr = FakeChardev("listener")
        mon = machine.add_qmp_monitor(chr)
        machine.dispatcher.start()
        mon._event(ChrEvent.OPENED)
        mon._read(b'{"execute": "qmp_capabilities"}')
        await asyncio.sleep(0.01)
        chr.written.clear()
        mon.__class__ = ReconnectingMonitor
        assert isinstance(mon, ReconnectingMonitor)
        if held:
            machine.dispatcher._hold_output()
        mon.reconnect = True
        machine.emit_event("POWERDOWN")
        if held:
            machine.dispatcher._release_output()
        await machine.cleanup()
        return [json.loads(line) for line in bytes(chr.written).split(b"\r\n") if line]

    got = asyncio.run(main())
    assert len(got) == 1, got
    assert "QMP" in got[0]
