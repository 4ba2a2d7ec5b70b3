"""The dispatcher holds other monitors' output during a run of in-band requests.

A client that pipelines stop/cont makes every listening monitor write an
event per command; the dispatcher holds the QMP monitors' output for a run of
requests so that a listener gets the run's events in one write.  The bytes
and their order stay the same, the client that asked reads its reply
before its monitor reads again, and output held for a client that leaves
is never written to the next one.
"""

from __future__ import annotations

import asyncio
import json
import threading

import pytest

from qmonitor.chardev.base import ChrEvent
from qmonitor.machine.machine import Machine, MachineOptions
from qmonitor.monitor import qmp
from qmonitor.monitor.qmp import MonitorQMP
from qmonitor_testsupport.fakes import FakeChardev


class CountingChardev(FakeChardev):
    """A fake chardev that counts the writes it is given."""

    def __init__(self, label: str) -> None:
        super().__init__(label)
        self.writes = 0

    def write(self, data: bytes) -> int:
        self.writes += 1
        return super().write(data)


def _messages(chr: FakeChardev) -> list[dict[str, object]]:
    return [json.loads(line) for line in bytes(chr.written).split(b"\r\n") if line]


async def _connect(mon: MonitorQMP, chr: FakeChardev) -> None:
    mon._event(ChrEvent.OPENED)
    mon._read(b'{"execute": "qmp_capabilities"}')
    await asyncio.sleep(0.01)
    chr.written.clear()


async def _settle(machine: Machine) -> None:
    for _ in range(200):
        await asyncio.sleep(0)
        if machine.dispatcher._held is None and not machine.dispatcher._busy:
            return


def _stop_cont(n: int) -> bytes:
    return b"".join(
        b'{"execute": "%s", "id": %d}' % (b"stop" if i % 2 == 0 else b"cont", i) for i in range(n)
    )


def test_a_listener_gets_a_run_of_events_in_order_and_in_fewer_writes() -> None:
    async def main() -> tuple[CountingChardev, list[CountingChardev]]:
        machine = Machine(MachineOptions(use_io_thread=False))
        driver_chr = CountingChardev("driver")
        driver = machine.add_qmp_monitor(driver_chr)
        listeners = [CountingChardev(f"l{i}") for i in range(3)]
        mons = [machine.add_qmp_monitor(c) for c in listeners]
        machine.dispatcher.start()
        await _connect(driver, driver_chr)
        for mon, chr in zip(mons, listeners, strict=True):
            await _connect(mon, chr)
            chr.writes = 0
        driver._read(_stop_cont(20))
        await _settle(machine)
        # The run is over: nothing stays held.
        assert [m._hold_thread for m in (driver, *mons)] == [None] * 4
        await machine.cleanup()
        return driver_chr, listeners

    driver_chr, listeners = asyncio.run(main())
    got = _messages(driver_chr)
    # The driver: each command's event, then its reply, as QEMU writes them.
    assert [m.get("event", m.get("id")) for m in got] == [
        x for i in range(20) for x in (("STOP" if i % 2 == 0 else "RESUME"), i)
    ]
    for chr in listeners:
        events = [m["event"] for m in _messages(chr)]
        assert events == ["STOP", "RESUME"] * 10
        assert chr.writes < 20  # 20 events, fewer writes


def test_output_is_held_no_longer_than_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands slower than DISPATCH_HOLD_NS: each one's output leaves before the next runs."""
    monkeypatch.setattr(qmp, "DISPATCH_HOLD_NS", 0)

    async def main() -> tuple[CountingChardev, CountingChardev]:
        machine = Machine(MachineOptions(use_io_thread=False))
        driver_chr, listener_chr = CountingChardev("driver"), CountingChardev("listener")
        driver = machine.add_qmp_monitor(driver_chr)
        listener = machine.add_qmp_monitor(listener_chr)
        machine.dispatcher.start()
        await _connect(driver, driver_chr)
        await _connect(listener, listener_chr)
        driver_chr.writes = listener_chr.writes = 0
        driver._read(_stop_cont(10))
        await _settle(machine)
        await machine.cleanup()
        return driver_chr, listener_chr

    driver_chr, listener_chr = asyncio.run(main())
    assert [m["event"] for m in _messages(listener_chr)] == ["STOP", "RESUME"] * 5
    assert listener_chr.writes == 10
    assert [m.get("id") for m in _messages(driver_chr) if "id" in m] == list(range(10))
    assert driver_chr.writes == 10


def test_the_asker_reads_its_reply_before_its_monitor_reads_again() -> None:
    async def main() -> tuple[bytes, int]:
        machine = Machine(MachineOptions(use_io_thread=False))
        chr = FakeChardev("driver")
        mon = machine.add_qmp_monitor(chr)
        listener = machine.add_qmp_monitor(FakeChardev("listener"))
        machine.dispatcher.start()
        await _connect(mon, chr)
        await _connect(listener, listener.chr)  # type: ignore[arg-type]
        # The listener's output is held by a run that has not ended yet.
        machine.dispatcher._hold_output()
        reads_before = chr.accept_input_calls
        mon._read(b'{"execute": "stop", "id": 1}')
        for _ in range(50):
            await asyncio.sleep(0)
            if chr.accept_input_calls > reads_before:
                break
        written = bytes(chr.written)
        machine.dispatcher._release_output()
        await machine.cleanup()
        return written, chr.accept_input_calls - reads_before

    written, reads = asyncio.run(main())
    assert reads >= 1
    assert written.endswith(b'{"return": {}, "id": 1}\r\n')


def test_output_held_for_a_client_that_left_is_not_written_to_the_next() -> None:
    async def main() -> list[dict[str, object]]:
        machine = Machine(MachineOptions(use_io_thread=False))
        chr = FakeChardev("listener")
        mon = machine.add_qmp_monitor(chr)
        machine.dispatcher.start()
        await _connect(mon, chr)
        machine.dispatcher._hold_output()
        machine.emit_event("STOP")  # held for the client connected now
        mon._event(ChrEvent.CLOSED)
        machine.emit_event("RESUME")  # no client
        mon._event(ChrEvent.OPENED)  # the next client
        machine.dispatcher._release_output()
        await machine.cleanup()
        return _messages(chr)

    got = asyncio.run(main())
    assert len(got) == 1
    assert "QMP" in got[0]


def test_output_of_another_thread_is_not_held() -> None:
    """An OOB reply written by the I/O thread while a command blocks the main loop."""

    async def main() -> tuple[bytes, bytes]:
        machine = Machine(MachineOptions(use_io_thread=False))
        chr = FakeChardev("mon")
        mon = machine.add_qmp_monitor(chr)
        machine.dispatcher.start()
        await _connect(mon, chr)
        machine.dispatcher._hold_output()
        machine.emit_event("STOP")  # the main loop's: held
        held = bytes(chr.written)
        thread = threading.Thread(target=mon.send_text, args=('{"return": {}, "id": "oob"}',))
        thread.start()
        thread.join()
        written = bytes(chr.written)
        machine.dispatcher._release_output()
        await machine.cleanup()
        return held, written

    held, written = asyncio.run(main())
    assert held == b""
    assert b'"event": "STOP"' in written
    assert written.endswith(b'{"return": {}, "id": "oob"}\r\n')
