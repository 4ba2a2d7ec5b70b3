"""qtest protocol replies and the RTC raising throttled RTC_CHANGE on the virtual clock."""

from __future__ import annotations

from typing import Any

from qmonitor.machine.ports import PortBus
from qmonitor.machine.qtest import QTestSession
from qmonitor.machine.rtc import MC146818
from qmonitor.machine.rtc_time import RtcSettings
from qmonitor.monitor.events import SECOND_NS, EventState, VirtualClock, qapi_event_emit
from qmonitor.monitor.monitor import Monitor, MonitorRegistry

HOST_NOW = 1_700_000_009.0  # 2023-11-14 22:13:29 UTC


class Sink(Monitor):
    is_qmp = True

    def __init__(self, registry: MonitorRegistry) -> None:
        super().__init__(registry, None, skip_flush=True)
        self.got: list[dict[str, Any]] = []

    def send_event(self, msg: dict[str, Any], encoded: dict[bool, str]) -> None:
        self.got.append(msg)


def setup() -> tuple[QTestSession, VirtualClock, Sink, MC146818]:
    reg = MonitorRegistry()
    clock = VirtualClock()
    reg.events = EventState(clock)
    sink = Sink(reg)
    reg.append(sink)
    bus = PortBus()
    # The RTC follows its own virtual clock (clock=vm) started at HOST_NOW, so
    # that the only timers on ``clock`` are the event throttle's.
    settings = RtcSettings.configure(clock="vm", host_ns=lambda: int(HOST_NOW * 1e9))
    rtc = MC146818(lambda e, d: qapi_event_emit(reg, e, d), VirtualClock(), settings)
    bus.register(0x70, 2, rtc)
    return QTestSession(bus, clock), clock, sink, rtc


def set_seconds(q: QTestSession, bcd: int) -> bytes:
    script = f"outb 0x70 0x0b\noutb 0x71 0x82\noutb 0x70 0x00\noutb 0x71 {bcd:#x}\n"
    script += "outb 0x70 0x0b\noutb 0x71 0x02\n"
    return q.feed(script.encode())


def test_replies_in_qemu_format() -> None:
    q, _, _, _ = setup()
    assert q.feed(b"inb 0x71\n") == b"OK 0x0029\n"  # seconds register, BCD
    assert q.feed(b"outb 0x70 0x0b\ninb 0x71\n") == b"OK\nOK 0x0002\n"
    assert q.feed(b"inw 0x443\n") == b"OK 0xffff\n"
    assert q.feed(b"endianness\n") == b"OK little\n"
    assert q.feed(b"bogus x\n") == b"FAIL Unknown command 'bogus'\n"
    assert q.feed(b"clock_st") == b""
    assert q.feed(b"ep 5\n") == b"OK 5\n"
    assert q.feed(b"clock_set 100\n") == b"OK 100\n"


def test_malformed_requests_fail_instead_of_aborting() -> None:
    q, _, _, _ = setup()
    assert q.feed(b"outb\n").startswith(b"FAIL ")
    assert q.feed(b"inb 0x10000\n").startswith(b"FAIL ")
    assert q.feed(b"outb 0x70 zz\n").startswith(b"FAIL ")
    assert q.feed(b"endianness\n") == b"OK little\n"


def test_clock_commands_only_under_qtest_accel() -> None:
    q = QTestSession(PortBus(), None)
    assert q.feed(b"clock_step 10\n") == b"FAIL Unknown command 'clock_step'\n"


def test_rtc_change_throttled_on_virtual_clock() -> None:
    q, clock, sink, rtc = setup()
    assert set_seconds(q, 0x30) == b"OK\n" * 6
    assert [m["data"] for m in sink.got] == [
        {"offset": 1, "qom-path": "/machine/unattached/device[9]"}
    ]
    set_seconds(q, 0x45)
    set_seconds(q, 0x15)
    assert len(sink.got) == 1
    reply = q.feed(b"clock_step\n")  # to the next deadline: the throttle timer
    assert reply == f"OK {SECOND_NS}\n".encode()
    assert [m["data"]["offset"] for m in sink.got] == [1, -14]
    assert q.feed(f"clock_step {SECOND_NS}\n".encode()) == f"OK {2 * SECOND_NS}\n".encode()
    assert clock.next_deadline_ns() is None  # nothing held: state freed
    assert rtc.settings.timedate_diff(rtc.date()) == -14  # the guest clock: 14 s behind


def test_extension_command_raises_throttled_events(tmp_path: object) -> None:
    import asyncio

    from qmonitor.chardev.base import ChrEvent
    from qmonitor.machine.extensions import register_extensions
    from qmonitor.machine.machine import Machine, MachineOptions
    from qmonitor.machine.runstate import ShutdownCause
    from qmonitor_testsupport.fakes import FakeChardev

    async def main() -> list[str]:
        machine = Machine(MachineOptions(use_io_thread=False))
        register_extensions(machine)
        chr = FakeChardev()
        machine.add_qmp_monitor(chr)
        await asyncio.sleep(0)
        chr.be_event(ChrEvent.OPENED)
        run = asyncio.ensure_future(machine.run())
        chr.be_write(b'{"execute":"qmp_capabilities"}')
        for n in (1, 2, 3):
            chr.be_write(
                b'{"execute":"x-qmonitor-emit-event","arguments":'
                b'{"event":"BALLOON_CHANGE","data":{"actual":%d}}}' % n
            )
        chr.be_write(b'{"execute":"x-qmonitor-emit-event","arguments":{"event":"X","data":1}}')
        await asyncio.sleep(0.1)
        machine.shutdown(ShutdownCause.HOST_SIGNAL)
        await run
        return bytes(chr.written).decode().split("\r\n")

    out = asyncio.run(main())
    balloon = [line for line in out if "BALLOON_CHANGE" in line]
    assert len(balloon) == 1 and '"actual": 1' in balloon[0]  # 2 and 3 held by the throttle
    assert any("expected: object" in line for line in out)


def test_virtual_clock_timers_wait_while_the_vm_is_stopped() -> None:
    """QEMU disables QEMU_CLOCK_VIRTUAL while stopped: the held event waits for cont."""
    import asyncio

    from qmonitor.machine.machine import Machine, MachineOptions

    async def main() -> list[str]:
        machine = Machine(MachineOptions(machine_type="pc", accel="qtest"))
        sink = Sink(machine.registry)
        machine.registry.append(sink)
        assert machine.virtual_clock is not None and machine.rtc is not None
        q = QTestSession(machine.ports, machine.virtual_clock)
        set_seconds(q, 0x30)
        set_seconds(q, 0x45)  # held by the throttle
        machine.vm_stop()
        assert q.feed(b"clock_step 2000000000\n") == b"OK 2000000000\n"
        await asyncio.sleep(0.01)
        before = [m["event"] for m in sink.got]
        machine.vm_start()
        await asyncio.sleep(0.01)
        return [*before, "|", *(m["event"] for m in sink.got[len(before) :])]

    assert asyncio.run(main()) == ["RTC_CHANGE", "STOP", "|", "RESUME", "RTC_CHANGE"]
