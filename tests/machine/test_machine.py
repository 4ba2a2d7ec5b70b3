"""The null machine end to end over a fake chardev: negotiation, quit, cleanup order."""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest

from qmonitor.chardev.base import ChrEvent
from qmonitor.machine.machine import Machine, MachineOptions
from qmonitor.machine.runstate import RunState, ShutdownCause
from qmonitor.monitor.monitor import Monitor
from qmonitor_testsupport.fakes import FakeChardev


def lines(chr: FakeChardev) -> list[dict[str, object]]:
    return [json.loads(x) for x in bytes(chr.written).decode().split("\r\n") if x]


def test_session_quit_and_cleanup_order() -> None:
    async def main() -> tuple[FakeChardev, list[str], Machine]:
        machine = Machine(MachineOptions(name="vm", start_paused=True))
        chr = FakeChardev()
        order: list[str] = []
        mon = machine.add_qmp_monitor(chr)
        await asyncio.sleep(0.05)  # the I/O thread attaches the chardev
        chr.be_event(ChrEvent.OPENED)
        await asyncio.sleep(0.05)

        def feed(data: bytes) -> None:
            assert machine.iothread is not None
            machine.iothread.loop.call_soon_threadsafe(chr.be_write, data)

        feed(b'{"execute":"qmp_capabilities"}{"execute":"cont","id":1}')
        feed(b'{"execute":"query-status","id":2}{"execute":"quit"}{"execute":"stop"}')

        real_destroy = mon.destroy

        def destroy() -> None:
            assert machine.iothread is not None
            order.append(f"monitor destroyed, iothread alive={machine.iothread._thread.is_alive()}")
            real_destroy()

        mon.destroy = destroy  # type: ignore[method-assign]
        machine.on_exit(lambda: order.append("exit hook"))
        cause = await asyncio.wait_for(machine.run(), 5)
        assert cause is ShutdownCause.HOST_QMP_QUIT
        return chr, order, machine

    chr, order, machine = asyncio.run(main())
    msgs = lines(chr)
    assert "QMP" in msgs[0]
    assert msgs[1] == {"return": {}}
    assert msgs[2]["event"] == "RESUME"
    assert msgs[3] == {"return": {}, "id": 1}
    assert msgs[4] == {
        "return": {"running": True, "singlestep": False, "status": "running"},
        "id": 2,
    }
    assert msgs[5]["event"] == "SHUTDOWN"
    assert msgs[6] == {"return": {}}
    assert len(msgs) == 7  # the stop after quit is never run
    assert machine.runstate is RunState.RUNNING
    # The dispatcher stopped first, then the I/O thread, then the monitors.
    assert order == ["monitor destroyed, iothread alive=False", "exit hook"]
    assert chr._closed
    assert not machine.registry.append(Monitor(machine.registry, FakeChardev()))


def test_values_finished_by_one_byte_are_all_queued() -> None:
    """``1]`` ends two values with one byte: QEMU queues both before suspending reads."""
    from qmonitor.monitor.qmp import MonitorQMP

    async def main() -> list[dict[str, object]]:
        machine = Machine(MachineOptions(use_io_thread=False))
        chr = FakeChardev()
        mon = machine.add_qmp_monitor(chr)
        assert isinstance(mon, MonitorQMP)
        await asyncio.sleep(0)
        chr.be_event(ChrEvent.OPENED)
        chr.be_write(b'{"execute":"qmp_capabilities"}')
        run = asyncio.ensure_future(machine.run())
        await asyncio.sleep(0.05)
        chr.be_write(b"1]")
        # Both values were taken from the streamer at once.
        assert not mon.session.streamer.has_ready()
        assert len(mon.qmp_requests) == 2
        await asyncio.sleep(0.05)
        machine.shutdown(ShutdownCause.HOST_SIGNAL)
        await run
        return lines(chr)

    msgs = asyncio.run(main())
    assert msgs[2] == {
        "error": {"class": "GenericError", "desc": "QMP input must be a JSON object"}
    }
    assert msgs[3] == {
        "error": {"class": "GenericError", "desc": "JSON parse error, expecting value"}
    }


def test_coroutine_command_pauses_the_batch_and_sees_its_monitor() -> None:
    from qmonitor.monitor.monitor import current_monitor
    from qmonitor.qapi.commands import QmpCommand

    async def main() -> list[dict[str, object]]:
        machine = Machine(MachineOptions(use_io_thread=False))
        seen: list[object] = []

        async def slow() -> dict[str, str]:
            await asyncio.sleep(0.02)
            seen.append(current_monitor())
            return {"done": "yes"}

        machine.commands.full.register(QmpCommand("x-slow", slow, coroutine=True))
        chr = FakeChardev()
        mon = machine.add_qmp_monitor(chr)
        await asyncio.sleep(0)
        chr.be_event(ChrEvent.OPENED)
        run = asyncio.ensure_future(machine.run())
        chr.be_write(b'{"execute":"qmp_capabilities"}{"execute":"x-slow","id":1}')
        chr.be_write(b'{"execute":"query-name","id":2}')
        await asyncio.sleep(0.2)
        assert seen == [mon]
        machine.shutdown(ShutdownCause.HOST_SIGNAL)
        await run
        return lines(chr)

    msgs = asyncio.run(main())
    assert msgs[2] == {"return": {"done": "yes"}, "id": 1}
    assert msgs[3] == {"return": {}, "id": 2}


def test_event_broadcast_in_each_monitors_form() -> None:
    async def main() -> tuple[bytes, bytes, bytes]:
        machine = Machine(MachineOptions(use_io_thread=False))
        compact, pretty, waiting = FakeChardev(), FakeChardev(), FakeChardev()
        machine.add_qmp_monitor(compact)
        machine.add_qmp_monitor(pretty, pretty=True)
        machine.add_qmp_monitor(waiting)
        await asyncio.sleep(0)
        for chr in (compact, pretty, waiting):
            chr.be_event(ChrEvent.OPENED)
        for chr in (compact, pretty):
            chr.be_write(b'{"execute":"qmp_capabilities"}')
        run = asyncio.ensure_future(machine.run())
        await asyncio.sleep(0.05)
        for chr in (compact, pretty, waiting):
            chr.written.clear()
        machine.registry.events.timestamp = lambda: {"seconds": 1, "microseconds": 2}  # type: ignore[union-attr]
        machine.emit_event("POWERDOWN")
        result = (bytes(compact.written), bytes(pretty.written), bytes(waiting.written))
        machine.shutdown(ShutdownCause.HOST_SIGNAL)
        await run
        return result

    compact, pretty, waiting = asyncio.run(main())
    assert compact == b'{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "POWERDOWN"}\r\n'
    assert pretty == (
        b'{\r\n    "timestamp": {\r\n        "seconds": 1,\r\n        "microseconds": 2\r\n'
        b'    },\r\n    "event": "POWERDOWN"\r\n}\r\n'
    )
    assert waiting == b""  # still negotiating: no events


def test_monitors_stay_open_briefly_after_quit(monkeypatch: pytest.MonkeyPatch) -> None:
    """As QEMU's teardown does, the machine leaves a client time to hang up first."""
    from qmonitor.machine import machine as machine_module

    monkeypatch.setattr(machine_module, "CLOSE_GRACE", 30.0)

    async def main() -> tuple[bool, bool]:
        machine = Machine(MachineOptions(use_io_thread=False))
        chr = FakeChardev()
        machine.add_qmp_monitor(chr)
        running = asyncio.ensure_future(machine.run())
        await asyncio.sleep(0)
        chr.be_event(ChrEvent.OPENED)
        chr.be_write(b'{"execute":"qmp_capabilities"}{"execute":"quit"}')
        await asyncio.sleep(0.2)
        answered, open_after_reply = b'"return": {}}\r\n' in chr.written, not chr._closed
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        return answered, open_after_reply

    assert asyncio.run(main()) == (True, True)
