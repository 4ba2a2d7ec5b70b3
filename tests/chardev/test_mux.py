"""The mux chardev: focus, held input, Ctrl-A commands, deferred open.

Texts are QEMU 7.2's (chardev/char-mux.c), checked live against QEMU in
tests/differential/test_hmp_live.py.
"""

from __future__ import annotations

import asyncio
import os
import pty
import re
import select
import subprocess
import time
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from qmonitor.chardev.base import ChardevError, ChrEvent
from qmonitor.chardev.mux import MAX_MUX, MUX_BUFFER_SIZE, MuxChardev, help_text, timestamp
from qmonitor_testsupport.fakes import FakeChardev
from qmonitor_testsupport.procs import BASE_ARGS, QEMU, qmonitor_cmd

HELP = (
    b"\n\rC-a h    print this help\n\rC-a x    exit emulator\n\r"
    b"C-a s    save disk data back to file (if -snapshot)\n\r"
    b"C-a t    toggle console timestamps\n\rC-a b    send break (magic sysrq)\n\r"
    b"C-a c    switch between console and monitor\n\rC-a C-a  sends C-a\n\r"
)


class Frontend:
    """Records what a frontend is given; ``room`` is what it takes now."""

    def __init__(self, mux: MuxChardev, loop: asyncio.AbstractEventLoop, room: int = 1 << 16):
        self.got = bytearray()
        self.events: list[ChrEvent] = []
        self.room = room
        mux.set_handlers(lambda: self.room, self.got.extend, self.events.append, loop)


def run(body: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(body())


def make(now: list[float] | None = None) -> tuple[FakeChardev, MuxChardev]:
    base = FakeChardev("c-base")
    base.be_open = True
    clock = (lambda: now[0]) if now is not None else (lambda: 0.0)
    return base, MuxChardev("c", base, clock=clock)


def test_help_text_is_qemus() -> None:
    assert help_text() == HELP


def test_open_waits_for_the_loop_then_reaches_every_frontend() -> None:
    async def body() -> None:
        loop = asyncio.get_running_loop()
        _, mux = make()
        a = Frontend(mux, loop)
        b = Frontend(mux, loop)
        # Attaching gives the focus: the first one was moved out again.
        assert a.events == [ChrEvent.MUX_IN, ChrEvent.MUX_OUT]
        assert b.events == [ChrEvent.MUX_IN]
        await asyncio.sleep(0)
        assert a.events[2:] == [ChrEvent.OPENED]
        assert b.events[1:] == [ChrEvent.OPENED]
        # A frontend attached later is told at once.
        c = Frontend(mux, loop)
        assert c.events == [ChrEvent.MUX_IN, ChrEvent.OPENED]
        assert b.events[2:] == [ChrEvent.MUX_OUT]

    run(body)


def test_frontend_on_another_loop_attaches_last_before_open() -> None:
    async def body() -> None:
        loop = asyncio.get_running_loop()
        other = asyncio.new_event_loop()
        try:
            _, mux = make()
            q = Frontend(mux, other)
            h = Frontend(mux, loop)
            assert q.events == [] and h.events == [ChrEvent.MUX_IN]
            await asyncio.sleep(0)
            assert h.events == [ChrEvent.MUX_IN, ChrEvent.MUX_OUT, ChrEvent.OPENED]
            assert q.events == [ChrEvent.MUX_IN, ChrEvent.OPENED]
            assert mux.focus == 1
        finally:
            other.close()

    run(body)


def test_input_goes_to_the_focused_frontend_and_c_a_c_switches() -> None:
    async def body() -> None:
        loop = asyncio.get_running_loop()
        base, mux = make()
        a = Frontend(mux, loop)
        b = Frontend(mux, loop)
        await asyncio.sleep(0)
        base.be_write(b"to-b\x01cto-a\x01cb-again")
        assert (bytes(a.got), bytes(b.got)) == (b"to-a", b"to-bb-again")

    run(body)


def test_escape_commands() -> None:
    async def body() -> None:
        loop = asyncio.get_running_loop()
        base, mux = make()
        quits: list[str] = []
        mux.quit_handler = lambda: quits.append("quit")
        fe = Frontend(mux, loop)
        await asyncio.sleep(0)
        base.be_write(b"\x01h")
        assert bytes(base.written) == HELP
        base.written.clear()
        base.be_write(b"\x01?\x01z\x01s")
        assert bytes(base.written) == HELP
        base.be_write(b"\x01\x01\x01b")
        assert bytes(fe.got) == b"\x01"
        assert fe.events[-1] is ChrEvent.BREAK
        base.written.clear()
        base.be_write(b"\x01")
        base.be_write(b"x")
        assert bytes(base.written) == b"QEMU: Terminated\n\r"
        assert quits == ["quit"]

    run(body)


def test_timestamps_start_at_the_next_line() -> None:
    async def body() -> None:
        loop = asyncio.get_running_loop()
        now = [5000.0]
        base, mux = make(now)
        Frontend(mux, loop)
        await asyncio.sleep(0)
        base.be_write(b"\x01t")
        assert mux.write(b"a\nb") == 3
        now[0] = 3_723_004.0 + 5000
        mux.write(b"c\nd")
        assert bytes(base.written) == b"a\n[00:00:00.000] bc\n[01:02:03.004] d"
        base.be_write(b"\x01t")
        base.written.clear()
        mux.write(b"\nx")
        assert bytes(base.written) == b"\nx"

    run(body)


def test_timestamp_format() -> None:
    assert timestamp(0) == b"[00:00:00.000] "
    assert timestamp(360_000_000 + 1) == b"[100:00:00.001] "


def test_input_is_held_while_the_frontend_cannot_take_it() -> None:
    async def body() -> None:
        loop = asyncio.get_running_loop()
        base, mux = make()
        fe = Frontend(mux, loop, room=0)
        await asyncio.sleep(0)
        base.be_write(b"x" * MUX_BUFFER_SIZE)
        assert fe.got == b""
        assert base.be_can_write() == 0
        assert mux.reading_paused
        fe.room = 1
        mux.accept_input()
        assert bytes(fe.got) == b"x" * MUX_BUFFER_SIZE
        assert base.accept_input_calls == 1
        assert base.be_can_write() > 0

    run(body)


def test_escape_works_while_input_is_held() -> None:
    async def body() -> None:
        loop = asyncio.get_running_loop()
        base, mux = make()
        Frontend(mux, loop, room=0)
        await asyncio.sleep(0)
        base.be_write(b"abc\x01h")
        assert bytes(base.written) == HELP

    run(body)


def test_base_events_reach_all_frontends_only_after_open() -> None:
    async def body() -> None:
        loop = asyncio.get_running_loop()
        base, mux = make()
        a = Frontend(mux, loop)
        base.be_event(ChrEvent.CLOSED)
        assert ChrEvent.CLOSED not in a.events
        await asyncio.sleep(0)
        assert a.events[-1] is ChrEvent.OPENED
        base.be_event(ChrEvent.OPENED)
        base.be_event(ChrEvent.CLOSED)
        assert a.events[-3:] == [ChrEvent.OPENED, ChrEvent.OPENED, ChrEvent.CLOSED]

    run(body)


def test_too_many_frontends() -> None:
    async def body() -> None:
        loop = asyncio.get_running_loop()
        _, mux = make()
        for _ in range(MAX_MUX):
            Frontend(mux, loop)
        with pytest.raises(ChardevError, match=r"too many uses of multiplexed chardev 'c' \(max"):
            Frontend(mux, loop)

    run(body)


def test_output_and_close_go_to_the_base() -> None:
    async def body() -> None:
        base, mux = make()
        assert mux.write(b"hi") == 2
        assert bytes(base.written) == b"hi"
        calls: list[int] = []
        assert mux.add_watch(lambda: calls.append(1))
        base.fire_watches()
        assert calls == [1]
        mux.close()
        mux.close()
        assert mux.write(b"x") == -1

    run(body)


# -- C-a x on a mux whose only frontend is a QMP monitor --------------------------

_QUIT_ARGS = ("-chardev", "stdio,mux=on,id=c", "-mon", "chardev=c,mode=control")
_TIMESTAMP = re.compile(rb'"seconds": \d+, "microseconds": \d+')


def _quit_on_a_terminal(argv: list[str]) -> tuple[bytes, int]:
    """Run ``argv`` on a new terminal: negotiate, press C-a x; (output, exit status)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=subprocess.DEVNULL, start_new_session=True
    )
    os.close(slave)
    out = bytearray()

    def read_until(marker: bytes, timeout: float = 10.0) -> None:
        end = time.monotonic() + timeout
        while marker not in out and time.monotonic() < end:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    return
                if not chunk:
                    return
                out.extend(chunk)

    try:
        read_until(b'"capabilities"')
        os.write(master, b'{"execute": "qmp_capabilities"}\r')
        read_until(b'{"return": {}}')
        os.write(master, b"\x01x")
        read_until(b'"SHUTDOWN"')
        read_until(b"\n", 0.5)
        status = proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        os.close(master)
    return _TIMESTAMP.sub(b'"seconds": 0, "microseconds": 0', bytes(out)), status


QUIT_TAIL = (
    b"QEMU: Terminated\r\n\r"
    b'{"timestamp": {"seconds": 0, "microseconds": 0}, "event": "SHUTDOWN",'
    b' "data": {"guest": false, "reason": "host-qmp-quit"}}\r\r\n'
)


def test_c_a_x_quits_when_the_only_frontend_is_qmp() -> None:
    """QEMU quits (qmp_quit) on C-a x whatever the mux's frontends are."""
    out, status = _quit_on_a_terminal([*qmonitor_cmd(), *BASE_ARGS, *_QUIT_ARGS])
    assert out.endswith(b'{"return": {}}\r\r\n' + QUIT_TAIL)
    assert status == 0


@pytest.mark.qemu
@pytest.mark.skipif(QEMU is None, reason="qemu-system-x86_64 is not installed")
def test_c_a_x_with_only_qmp_is_what_qemu_prints() -> None:
    assert QEMU is not None
    theirs, their_status = _quit_on_a_terminal([QEMU, *BASE_ARGS, *_QUIT_ARGS])
    assert theirs.endswith(b'{"return": {}}\r\r\n' + QUIT_TAIL)
    assert their_status == 0
