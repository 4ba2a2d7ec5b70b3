"""The monitor core of the seed, piece by piece, without sockets."""

from __future__ import annotations

import asyncio

import pytest

from qmonitor.monitor import monitor as monmod
from qmonitor.monitor.monitor import (
    Monitor,
    MonitorRegistry,
    current_is_qmp,
    current_monitor,
    error_printf,
    error_printf_unless_qmp,
    set_current_monitor,
)
from qmonitor_testsupport.fakes import FakeChardev


class QmpLike(Monitor):
    is_qmp = True


def make(capacity: int | None = None) -> tuple[Monitor, FakeChardev]:
    chr = FakeChardev(capacity=capacity)
    return Monitor(MonitorRegistry(), chr), chr


def test_puts_turns_newlines_into_crlf_and_flushes_at_newline() -> None:
    mon, chr = make()
    assert mon.puts("a\nb") == 3
    assert bytes(chr.written) == b"a\r\n"
    assert bytes(mon.outbuf) == b"b"
    mon.puts("c\n")
    assert bytes(chr.written) == b"a\r\nbc\r\n"
    assert not mon.outbuf


def test_text_without_newline_waits_for_explicit_flush() -> None:
    mon, chr = make()
    mon.puts("(qemu) ")
    assert chr.written == b""
    mon.flush()
    assert bytes(chr.written) == b"(qemu) "


def test_partial_write_keeps_rest_and_adds_one_watch() -> None:
    mon, chr = make(capacity=4)
    mon.puts("hello\nworld\n")
    assert bytes(chr.written) == b"hell"
    assert bytes(mon.outbuf) == b"o\r\nworld\r\n"
    assert len(chr.watches) == 1 and mon.out_watch
    mon.puts("more\n")  # still blocked: no second watch
    assert len(chr.watches) == 1
    chr.capacity = 100
    chr.fire_watches()
    assert bytes(chr.written) == b"hello\r\nworld\r\nmore\r\n"
    assert not mon.out_watch and not mon.outbuf


def test_write_error_drops_output() -> None:
    mon, chr = make()
    chr.fail = True
    mon.puts("lost\n")
    assert not mon.outbuf


def test_no_watch_available_keeps_buffer_without_watch() -> None:
    mon, chr = make(capacity=2)
    chr.can_watch = False
    mon.puts("abcd\n")
    assert not mon.out_watch
    assert bytes(mon.outbuf) == b"cd\r\n"


def test_skip_flush_captures_everything() -> None:
    mon = Monitor(MonitorRegistry(), None, skip_flush=True)
    mon.puts("x\ny\n")
    assert bytes(mon.outbuf) == b"x\r\ny\r\n"


def test_printf_is_minus_one_on_qmp() -> None:
    mon = QmpLike(MonitorRegistry(), FakeChardev())
    assert mon.printf("x\n") == -1
    assert not mon.outbuf


@pytest.mark.parametrize(
    ("c", "text"),
    [
        (ord("'"), "'\\''"),
        (ord("\\"), "'\\\\'"),
        (10, "'\\n'"),
        (13, "'\\r'"),
        (ord("A"), "'A'"),
        (0, "'\\x00'"),
        (0x7F, "'\\x7f'"),
        (0xFF, "'\\xff'"),
    ],
)
def test_printc_escapes_like_c(c: int, text: str) -> None:
    mon = Monitor(MonitorRegistry(), None, skip_flush=True)
    mon.printc(c)
    assert mon.outbuf.decode() == text


def test_suspend_resume_counts_and_accepts_input_on_loop() -> None:
    loop = asyncio.new_event_loop()
    try:
        mon, chr = make()
        mon.loop = loop
        assert mon.can_read() > 0
        mon.suspend()
        mon.suspend()
        assert mon.can_read() == 0
        mon.resume()
        assert mon.can_read() == 0
        loop.run_until_complete(asyncio.sleep(0))
        assert chr.accept_input_calls == 0
        mon.resume()
        assert mon.can_read() > 0
        loop.run_until_complete(asyncio.sleep(0))
        assert chr.accept_input_calls == 1
    finally:
        loop.close()


def test_registry_refuses_monitors_after_cleanup() -> None:
    reg = MonitorRegistry()
    a = Monitor(reg, FakeChardev())
    assert reg.append(a)
    b = Monitor(reg, FakeChardev())
    assert reg.append(b)
    assert reg.monitors == [b, a]  # newest first, as QTAILQ_INSERT_HEAD
    a.puts("pending")
    reg.destroy_all()
    assert reg.monitors == []
    assert a.chr is not None and bytes(a.chr.written) == b"pending"  # type: ignore[attr-defined]
    late = FakeChardev()
    assert not reg.append(Monitor(reg, late))
    assert late._closed


def test_current_monitor_is_per_thread_and_task() -> None:
    mon = Monitor(MonitorRegistry(), None, skip_flush=True)
    assert current_monitor() is None
    old = set_current_monitor(mon)
    try:
        assert old is None and current_monitor() is mon
        assert not current_is_qmp()

        async def other_task() -> object:
            set_current_monitor(None)
            return current_monitor()

        assert asyncio.run(other_task()) is None
        assert current_monitor() is mon
    finally:
        set_current_monitor(None)


def test_error_printf_routing(capsys: pytest.CaptureFixture[str]) -> None:
    hmp = Monitor(MonitorRegistry(), None, skip_flush=True)
    qmp = QmpLike(MonitorRegistry(), None, skip_flush=True)
    error_printf("to stderr\n")
    assert capsys.readouterr().err == "to stderr\n"
    set_current_monitor(hmp)
    try:
        error_printf("to hmp\n")
        error_printf_unless_qmp("also hmp\n")
    finally:
        set_current_monitor(None)
    assert bytes(hmp.outbuf) == b"to hmp\r\nalso hmp\r\n"
    set_current_monitor(qmp)
    try:
        error_printf("qmp: stderr\n")
        assert error_printf_unless_qmp("suppressed\n") == -1
    finally:
        set_current_monitor(None)
    assert capsys.readouterr().err == "qmp: stderr\n"
    assert not qmp.outbuf


def test_encode_output_keeps_raw_bytes() -> None:
    raw = b"\xff\xfeok".decode("utf-8", "surrogateescape")
    assert monmod.encode_output(raw) == b"\xff\xfeok"
    assert monmod.encode_output("\ud800") == "\ud800".encode("utf-8", "surrogatepass")
