"""No callback goes silent: a bug in one is logged and the process keeps serving.

QMP, HMP and qtest handlers answer a failure (tests/monitor/
test_handler_failures.py); here the callbacks with no request of their own:
a socket chardev's accept, read and close, a frontend's handlers seen from
the backend, the mux front-end's frontends, a pty's peer poll, write
watches, TLS, the clocks' timers and the multiplexer.  Each test injects an
exception (monkeypatch) where a bug would be and checks that the traceback
is logged and that a client is served afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pki import OPENSSL, make_pki

from qmonitor import MonitorServer
from qmonitor.chardev.base import ChrEvent
from qmonitor.chardev.fdio import FdChardev
from qmonitor.chardev.mux import MuxChardev
from qmonitor.chardev.socket import SocketChardev
from qmonitor.machine.vclock import HostClock, RunningClock
from qmonitor.monitor.events import RealtimeClock, VirtualClock
from qmonitor.monitor.hmp import MonitorHMP
from qmonitor.monitor.qmp import MonitorQMP
from qmonitor.mux import core as mux_core
from qmonitor.mux.address import Address
from qmonitor.mux.core import Greeting, MuxCore
from qmonitor.mux.server import Multiplexer
from qmonitor_testsupport.fakes import FakeChardev

TIMEOUT = 10.0


class Injected(RuntimeError):
    """The bug a test puts in."""


def fail(
    monkeypatch: pytest.MonkeyPatch,
    cls: type,
    name: str,
    times: int = 1,
    when: Callable[..., bool] = lambda *a: True,
) -> list[int]:
    """Make ``cls.name`` raise :class:`Injected` ``times`` times (when ``when(self, *args)``)."""
    real = getattr(cls, name)
    count = [0]

    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        if count[0] < times and when(self, *args):
            count[0] += 1
            raise Injected(f"injected into {cls.__name__}.{name}")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(cls, name, wrapper)
    return count


@contextlib.contextmanager
def server(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    qmp, hmp = tmp_path / "q.sock", tmp_path / "h.sock"
    with MonitorServer(qmp=[qmp], hmp=[hmp]):
        yield qmp, hmp


def connect(path: Path) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(TIMEOUT)
    s.connect(str(path))
    return s


def read_until(s: socket.socket, end: bytes) -> bytes:
    buf = b""
    while not buf.endswith(end):
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
    return buf


def qmp_works(path: Path) -> None:
    with connect(path) as s:
        assert read_until(s, b"\r\n").startswith(b'{"QMP": ')
        s.sendall(b'{"execute": "qmp_capabilities"}{"execute": "query-name", "id": 7}')
        assert read_until(s, b'"id": 7}\r\n') == b'{"return": {}}\r\n{"return": {}, "id": 7}\r\n'


def hmp_works(path: Path) -> None:
    with connect(path) as s:
        assert read_until(s, b"(qemu) ").startswith(b"QEMU ")
        s.sendall(b"info version\n")
        assert b"7.2.0" in read_until(s, b"\r\n(qemu) ")


def sees_eof(s: socket.socket) -> bool:
    """The server ended this connection (rather than leaving it hanging)."""
    try:
        while s.recv(4096):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        pass
    return True


def logged(caplog: pytest.LogCaptureFixture, text: str) -> bool:
    return any(
        r.levelno >= logging.ERROR and r.exc_info and text in r.getMessage() for r in caplog.records
    )


# -- a socket chardev in a running process -------------------------------------------


def test_accept_that_fails_drops_that_client_and_listens_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    count = fail(monkeypatch, SocketChardev, "_set_conn")
    with server(tmp_path) as (qmp, hmp):
        with connect(qmp) as first:
            assert sees_eof(first)
        assert count == [1]
        qmp_works(qmp)
        hmp_works(hmp)
    assert logged(caplog, "accept failed")


def test_close_event_handler_that_fails_does_not_stop_the_listener(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A bug in the monitor's CLOSED handler: before the guard, the socket
    # never listened again and every later client hung.
    for cls in (MonitorQMP, MonitorHMP):
        fail(monkeypatch, cls, "_event", when=lambda self, ev: ev is ChrEvent.CLOSED)
    with server(tmp_path) as (qmp, hmp):
        qmp_works(qmp)
        qmp_works(qmp)
        hmp_works(hmp)
        hmp_works(hmp)
    assert logged(caplog, "event handler failed")


def test_read_handler_that_fails_loses_that_input_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    count = fail(monkeypatch, MonitorQMP, "_read", when=lambda self, data: b"lost" in data)
    with server(tmp_path) as (qmp, _):
        with connect(qmp) as s:
            read_until(s, b"\r\n")
            s.sendall(b'{"execute": "query-name", "id": "lost"}')
            end = time.monotonic() + TIMEOUT
            while count == [0] and time.monotonic() < end:
                time.sleep(0.01)
            # That input is gone (logged); the connection reads on.
            s.sendall(b'{"execute": "qmp_capabilities", "id": 1}')
            assert read_until(s, b"\r\n") == b'{"return": {}, "id": 1}\r\n'
        assert count == [1]
        qmp_works(qmp)
    assert logged(caplog, "read handler failed")


def test_backend_read_that_keeps_failing_ends_that_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A bug on the backend's side of every read of the QMP socket: its
    # client is let go (before the guard it hung, the loop spinning on the
    # readable fd), and the other monitor serves meanwhile.
    fail(
        monkeypatch,
        SocketChardev,
        "_recv",
        times=1000,
        when=lambda self, fd: "q.sock" in self.filename,
    )
    with server(tmp_path) as (qmp, hmp):
        with connect(qmp) as s:
            read_until(s, b"\r\n")
            s.sendall(b'{"execute": "qmp_capabilities"}')
            assert sees_eof(s)
        hmp_works(hmp)
        monkeypatch.undo()
        qmp_works(qmp)
    assert logged(caplog, "read callback failed")


def test_disconnect_hook_that_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken_hook() -> None:
        raise Injected("disconnect hook")

    real_init = SocketChardev.__init__

    def init(self: SocketChardev, *args: Any, **kwargs: Any) -> None:
        real_init(self, *args, **kwargs)
        self.on_disconnect = broken_hook

    monkeypatch.setattr(SocketChardev, "__init__", init)
    with server(tmp_path) as (qmp, hmp):
        for _ in range(3):
            qmp_works(qmp)
            hmp_works(hmp)
    assert logged(caplog, "disconnect hook failed")


# -- backends and the mux front-end, on a loop ------------------------------------------


class PipeChardev(FdChardev):
    """An FdChardev on a pipe, for the write-watch test."""

    def __init__(self) -> None:
        super().__init__("pipe")
        self._rfd, self._wfd = os.pipe()

    def _chr_close(self) -> None:
        for fd in (self._rfd, self._wfd):
            if fd is not None:
                os.close(fd)


def test_a_write_watch_that_fails_does_not_starve_the_others(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def main() -> list[str]:
        chr = PipeChardev()
        chr.set_handlers(None, None, None, asyncio.get_running_loop())
        fired: list[str] = []
        done = asyncio.Event()

        def broken() -> None:
            raise Injected("watch")

        chr.add_watch(broken)
        chr.add_watch(lambda: (fired.append("second"), done.set()))
        await asyncio.wait_for(done.wait(), TIMEOUT)
        chr.close()
        return fired

    assert asyncio.run(main()) == ["second"]
    assert logged(caplog, "write watch failed")


def test_mux_frontend_failures_reach_neither_the_base_nor_the_others(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def main() -> tuple[list[ChrEvent], bytes]:
        loop = asyncio.get_running_loop()
        base = FakeChardev("c-base")
        base.be_open = True
        mux = MuxChardev("c", base)

        def broken_event(ev: ChrEvent) -> None:
            raise Injected("event")

        def broken_read(data: bytes) -> None:
            raise Injected("read")

        events: list[ChrEvent] = []
        got = bytearray()
        mux.set_handlers(lambda: 1 << 16, broken_read, broken_event, loop)
        mux.set_handlers(lambda: 1 << 16, got.extend, events.append, loop)
        await asyncio.sleep(0)  # the mux opens
        base.be_write(b"ab\x01c")  # to the second (focused), then the focus moves
        base.be_write(b"xyz")  # to the first, whose read fails: nothing breaks
        base.be_write(b"\x01cok")  # back to the second
        return events, bytes(got)

    events, got = asyncio.run(main())
    assert ChrEvent.OPENED in events
    assert got == b"abok"
    assert logged(caplog, "mux frontend event failed")
    assert logged(caplog, "mux frontend read failed")


def test_pty_peer_poll_that_fails_keeps_polling(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from qmonitor.chardev.pty import PtyChardev

    async def main() -> None:
        chr = PtyChardev("p", announce=lambda message: None)
        chr.set_handlers(lambda: 1 << 16, lambda data: None, None, asyncio.get_running_loop())
        # No peer: the device polls for one on a timer; the next poll fails.
        count = fail(monkeypatch, PtyChardev, "_update_read_handler")
        try:
            end = time.monotonic() + TIMEOUT
            while count == [0] or chr._timer is None:
                assert time.monotonic() < end
                await asyncio.sleep(0.05)
        finally:
            chr.close()

    asyncio.run(main())
    assert logged(caplog, "peer poll failed")


# -- clocks -----------------------------------------------------------------------------------


def _broken() -> None:
    raise Injected("timer")


def test_virtual_clock_timers_after_a_failing_one_still_fire(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = VirtualClock()
    fired: list[int] = []
    clock.call_at(10, _broken)
    clock.call_at(20, lambda: fired.append(20))
    assert clock.step(100) == 100
    assert fired == [20]
    assert logged(caplog, "virtual clock: timer failed")


def test_running_clock_timers_after_a_failing_one_still_fire(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def main() -> list[str]:
        clock = RunningClock(asyncio.get_running_loop(), running=True)
        fired: list[str] = []
        done = asyncio.Event()
        clock.call_at(0, _broken)
        clock.call_at(1, lambda: (fired.append("later"), done.set()))
        await asyncio.wait_for(done.wait(), TIMEOUT)
        return fired

    assert asyncio.run(main()) == ["later"]
    assert logged(caplog, "virtual clock: timer failed")


@pytest.mark.parametrize("make", [HostClock, RealtimeClock], ids=["host", "realtime"])
def test_loop_clock_timer_failure_is_logged_and_the_loop_goes_on(
    caplog: pytest.LogCaptureFixture, make: Callable[[asyncio.AbstractEventLoop], Any]
) -> None:
    async def main() -> None:
        clock = make(asyncio.get_running_loop())
        done = asyncio.Event()
        clock.call_at(clock.now_ns(), _broken)
        clock.call_at(clock.now_ns() + 1000, done.set)
        await asyncio.wait_for(done.wait(), TIMEOUT)

    asyncio.run(main())
    assert logged(caplog, "clock: timer failed")


# -- the multiplexer -----------------------------------------------------------------------

GREETING = (
    b'{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, '
    b'"capabilities": ["oob"]}}\r\n'
)


def test_mux_request_that_fails_is_answered_and_the_next_goes_on(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    core = MuxCore(Greeting.parse(GREETING))
    client = core.connect()
    core.receive(client, b'{"execute": "qmp_capabilities"}')
    client.out.clear()
    core.take_upstream()
    fail(monkeypatch, MuxCore, "_request", when=lambda self, c, req: req.get("id") == 1)
    core.receive(client, b'{"execute": "query-name", "id": 1}{"execute": "query-name", "id": 2}')
    out = bytes(client.out).split(b"\r\n")
    assert out[0].startswith(b'{"id": 1, "error": {"class": "GenericError", "desc": "Internal')
    assert b"Injected" in out[0]
    core.upstream_line(b'{"return": {}, "id": ' + core.take_upstream().split(b'"id": ')[1])
    assert bytes(client.out).endswith(b'{"return": {}, "id": 2}\r\n')
    assert logged(caplog, "handling a request of client")


def test_mux_upstream_message_that_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A reply the multiplexer fails to pass on becomes a GenericError for its
    client (its later replies are not held up behind it); a failure
    elsewhere in an upstream message loses that message only.  Before the
    guard, either ended the upstream reader: the multiplexer stopped and
    every client was cut off."""
    up, listen = tmp_path / "up.sock", tmp_path / "mux.sock"
    real = mux_core.replace_reply_id

    def broken(line: bytes, old_id: Any, new_id: Any) -> bytes | None:
        if new_id == "bad":
            raise Injected("restoring the id")
        return real(line, old_id, new_id)

    monkeypatch.setattr(mux_core, "replace_reply_id", broken)
    # An event the core fails on: dropped (logged), nothing else changes.
    count = fail(monkeypatch, MuxCore, "upstream_line", when=lambda self, line: b"STOP" in line)

    async def client_line(reader: asyncio.StreamReader) -> bytes:
        return await asyncio.wait_for(reader.readuntil(b"\r\n"), TIMEOUT)

    async def main() -> None:
        mux = Multiplexer(Address(path=str(up)), [Address(path=str(listen))], connect_timeout=10)
        await mux.start()
        task = asyncio.ensure_future(mux.serve_forever())
        try:
            reader, writer = await asyncio.open_unix_connection(str(listen))
            await client_line(reader)
            writer.write(b'{"execute": "qmp_capabilities"}')
            assert await client_line(reader) == b'{"return": {}}\r\n'
            writer.write(b'{"execute": "stop", "id": "bad"}')
            writer.write(b'{"execute": "query-name", "id": 2}')
            first = await client_line(reader)
            assert first.startswith(b'{"id": "bad", "error": {"class": "GenericError"')
            assert b"Injected" in first
            assert await client_line(reader) == b'{"return": {}, "id": 2}\r\n'
            writer.close()
        finally:
            await mux.close()
            await asyncio.wait_for(task, 5)

    with MonitorServer(qmp=[up]):
        asyncio.run(asyncio.wait_for(main(), 30))
    assert count == [1]
    assert logged(caplog, "restoring a reply for client")
    assert logged(caplog, "handling an upstream message failed")


@pytest.mark.skipif(OPENSSL is None, reason="needs the openssl command")
def test_tls_receive_that_fails_drops_that_client_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from qmonitor.chardev.tls import TlsSession

    pki = make_pki(tmp_path / "pki")
    count = fail(monkeypatch, TlsSession, "receive")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    args = [
        "-object", f"tls-creds-x509,id=tls0,dir={pki},endpoint=server,verify-peer=off",
        "-chardev", f"socket,id=c,host=127.0.0.1,port={port},server=on,wait=off,tls-creds=tls0",
        "-mon", "c,mode=control",
    ]  # fmt: skip
    ctx = ssl.create_default_context(cafile=str(pki / "ca-cert.pem"))
    with MonitorServer(args=args):
        # The first handshake's bytes meet the bug: that client is let go.
        raw = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        with (
            pytest.raises((ssl.SSLError, ConnectionError)),
            ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s,
        ):
            if not s.recv(4096):
                raise ConnectionResetError
        raw.close()
        assert count == [1]
        raw = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            assert read_until(s, b"\r\n").startswith(b'{"QMP": ')
            s.sendall(b'{"execute": "qmp_capabilities"}')
            assert read_until(s, b"\r\n") == b'{"return": {}}\r\n'
    assert logged(caplog, "read callback failed")
