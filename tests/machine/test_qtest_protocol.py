"""The qtest session on its own: errors, IRQ interception, memory commands, the RTC's hang."""

from __future__ import annotations

import random

from qmonitor.machine.irq import GpioDevice, PcInterrupts
from qmonitor.machine.memory import GuestMemory
from qmonitor.machine.pcboard import resolve_gpio_device
from qmonitor.machine.ports import PortBus
from qmonitor.machine.qtest import QTestSession
from qmonitor.machine.rtc import MC146818
from qmonitor.machine.rtc_time import RtcSettings, Tm, gmtime, mktimegm
from qmonitor.monitor.events import VirtualClock


class Exploding:
    def port_read(self, addr: int, size: int) -> int:
        raise RuntimeError("boom")

    def port_write(self, addr: int, size: int, value: int) -> None:
        raise ValueError("bad value")


def rtc_session() -> tuple[QTestSession, MC146818, list[tuple[str, object]]]:
    events: list[tuple[str, object]] = []
    clock = VirtualClock()
    rtc = MC146818(lambda e, d: events.append((e, d)), clock, RtcSettings.configure(clock="vm"))
    bus = PortBus()
    bus.register(0x70, 2, rtc)
    return QTestSession(bus, clock), rtc, events


def test_clearing_set_with_month_zero_answers_ok() -> None:
    """The request sequence that used to raise inside the handler and never got a reply."""
    q, _, events = rtc_session()
    script = b"outb 0x70 0xb\noutb 0x71 0x82\noutb 0x70 0x8\noutb 0x71 0x0\n"
    script += b"outb 0x70 0xb\noutb 0x71 0x2\n"
    assert q.feed(script) == b"OK\n" * 6
    # Month 0 is December of the year before, as QEMU's mktimegm reads it.
    assert q.feed(b"outb 0x70 0x8\ninb 0x71\n") == b"OK\nOK 0x0012\n"
    assert [name for name, _ in events] == ["RTC_CHANGE"]


def test_any_exception_in_a_request_is_a_fail_reply() -> None:
    bus = PortBus()
    bus.register(0x300, 2, Exploding())
    q = QTestSession(bus, VirtualClock())
    assert q.feed(b"inb 0x300\n") == b"FAIL internal error: RuntimeError: boom\n"
    assert q.feed(b"outb 0x301 1\nendianness\n") == (
        b"FAIL internal error: ValueError: bad value\nOK little\n"
    )


def test_requests_qemu_aborts_on_fail_and_serving_goes_on() -> None:
    q = QTestSession(PortBus(), VirtualClock())
    bad = (b"\n", b"outb\n", b"inb 0x10000\n", b"outb 0x70 zz\n", b"inb -1\n",
           b"clock_step x\n", b"clock_set\n", b"readb 0\n", b"read 0 0\n", b"set_irq_in\n",
           b"irq_intercept_in\n", b"outb 0x70 0x1ffffffffffffffff\n")  # fmt: skip
    for line in bad:
        assert q.feed(line).startswith(b"FAIL "), line
    assert q.feed(b"outb 0x70 -1\nendianness\n") == b"OK\nOK little\n"


def test_irq_intercept_in_reports_level_changes_once() -> None:
    pc = PcInterrupts("/machine/i440fx/ioapic", ("/a/pic0", "/a/pic1"))
    devices = list(pc.devices())
    q = QTestSession(
        PortBus(), VirtualClock(), resolve_device=lambda p: resolve_gpio_device(devices, p)[0]
    )
    assert q.feed(b"irq_intercept_in nothing\n") == b"FAIL Unknown device\n"
    assert q.feed(b"irq_intercept_in ioapic\n") == b"OK\n"
    assert q.feed(b"irq_intercept_in /machine/i440fx/ioapic\n") == b"OK\n"
    assert q.feed(b"irq_intercept_in /a/pic0\n") == b"FAIL IRQ intercept already enabled\n"
    sent: list[bytes] = []
    q.on_async_output = sent.append
    pc.isa[8].set(1)  # outside a request: sent at once
    pc.isa[8].set(1)
    pc.isa[8].set(0)
    assert sent == [b"IRQ raise 8\n", b"IRQ lower 8\n"]
    # Inside a request, the lines come before its reply.
    assert q.feed(b"set_irq_in ioapic unnamed-gpio-in 3 1\n") == b"IRQ raise 3\nOK\n"
    assert q.feed(b"set_irq_in ioapic unnamed-gpio-in 24 1\n").startswith(b"FAIL ")
    assert q.feed(b"set_irq_in ioapic other 0 1\n").startswith(b"FAIL ")


def test_irq_intercept_out_forwards_and_reports() -> None:
    dev = GpioDevice("/machine/unattached/device[9]")
    pin = dev.init_out(1)[0]
    seen: list[int] = []
    target = GpioDevice("/t").init_in(lambda n, level: seen.append(level), 1)[0]
    pin.target = target
    q = QTestSession(PortBus(), None, resolve_device=lambda p: dev if p.endswith("]") else None)
    assert q.feed(b"irq_intercept_out /machine/unattached/device[9]\n") == b"OK\n"
    sent: list[bytes] = []
    q.on_async_output = sent.append
    pin.raise_()
    assert sent == [b"IRQ raise 0\n"] and seen == [1]


def test_memory_commands() -> None:
    mem = GuestMemory(16 << 20, bios=bytes(range(256)) * 1024)
    q = QTestSession(PortBus(), None, memory=mem)
    assert q.feed(b"writeq 0x1000 0x1122334455667788\nreadl 0x1004\n") == (
        b"OK\nOK 0x0000000011223344\n"
    )
    assert q.feed(b"read 0x1000 3\n") == b"OK 0x887766\n"
    assert q.feed(b"b64read 0x1000 2\n") == b"OK iHc=\n"
    assert q.feed(b"write 0x2000 2 0x\n") == b"ERR invalid argument size\n"
    assert q.feed(b"memset 0x2000 3 0x1aa\nread 0x2000 4\n") == b"OK\nOK 0xaaaaaa00\n"
    assert q.feed(b"writeb 0x2000000 1\nreadb 0x2000000\n") == b"OK\nOK 0x0000000000000000\n"
    assert q.feed(b"readb 0xfffffffe\nreadb 0xe0001\n") == (
        b"OK 0x00000000000000fe\nOK 0x0000000000000001\n"
    )
    assert q.feed(b"writeb 0xfffffffe 0\nreadb 0xfffffffe\n") == b"OK\nOK 0x00000000000000fe\n"
    assert QTestSession(PortBus(), None).feed(b"readb 0\n").startswith(b"FAIL ")


def test_mktimegm_and_gmtime_take_any_value() -> None:
    assert mktimegm(Tm(0, 0, 0, 1, 0, 70, 0)) == 0
    assert mktimegm(Tm(0, 0, 0, 2, -1, 111, 0)) == mktimegm(Tm(0, 0, 0, 2, 11, 110, 0))
    for seconds in (0, -1, 951782400, 2**40, -(2**35)):
        tm = gmtime(seconds)
        assert mktimegm(tm) == seconds
    assert gmtime(951782400)[:6] == (0, 0, 0, 29, 1, 100)  # 2000-02-29


def test_rtc_register_fuzz_never_raises() -> None:
    q, _, _ = rtc_session()
    rng = random.Random(7)
    for _ in range(3000):
        reg, val = rng.randrange(0, 0x80), rng.randrange(0, 256)
        out = q.feed(f"outb 0x70 {reg}\noutb 0x71 {val}\ninb 0x71\n".encode())
        assert not out.count(b"FAIL"), (reg, val)
        if rng.random() < 0.05:
            assert q.feed(b"clock_step\n").startswith(b"OK ")


def test_server_sends_every_byte_in_order_when_the_chardev_is_slow() -> None:
    """Replies the chardev cannot take at once wait for it (qemu_chr_fe_write_all)."""
    from qmonitor.machine.qtest import QTestServer
    from qmonitor_testsupport.fakes import FakeChardev

    chr = FakeChardev(capacity=5)
    server = QTestServer(QTestSession(PortBus(), VirtualClock()), chr)
    server._read(b"endianness\ninb 0x10\n")
    assert bytes(chr.written) == b"OK li"
    server._read(b"endianness\n")  # queued behind what waits
    assert bytes(chr.written) == b"OK li" and len(chr.watches) == 1
    chr.capacity = None
    chr.fire_watches()
    assert bytes(chr.written) == b"OK little\nOK 0x00ff\nOK little\n"


def test_a_long_request_streams_its_irq_lines() -> None:
    pc = PcInterrupts("/machine/i440fx/ioapic", ("/a/pic0", "/a/pic1"))
    devices = list(pc.devices())
    q = QTestSession(PortBus(), VirtualClock(), resolve_device=lambda p: devices[0])
    q.feed(b"irq_intercept_in ioapic\n")
    streamed: list[bytes] = []
    q.on_async_output = streamed.append
    bus = PortBus()

    class Toggler:
        def port_read(self, addr: int, size: int) -> int:
            return 0

        def port_write(self, addr: int, size: int, value: int) -> None:
            for i in range(3000):
                pc.isa[1].set(1 - i % 2)

    bus.register(0x500, 1, Toggler())
    q.ports = bus
    rest = q.feed(b"outb 0x500 0\n")
    lines = b"".join(streamed) + rest
    assert lines.count(b"\n") == 3001 and lines.endswith(b"IRQ lower 1\nOK\n")
    assert streamed  # some went out before the reply
