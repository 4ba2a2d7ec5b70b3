"""Fuzz targets shared by the hypothesis tests and the long atheris run.

Each target takes one input (bytes) and raises ``AssertionError`` when a
property breaks; any other exception is a bug too.

* :func:`check_streamer`: the JSON streamer never raises, every way through
  it (fast path, token runs, token by token, any chunking) gives the same
  events, and a 0xFF byte always resynchronises it, so the next request is
  read on its own (the QMP target relies on that, as QEMU's clients do).
* :class:`QmpHarness`: a whole null machine in this process, its QMP monitor
  on a fake chardev driven from the monitor I/O thread, as a socket would.
  Each input is followed by 0xFF and a sentinel request; every complete
  request gets exactly one reply, in order (in-band order with OOB on), ids
  echoed, and the sentinel's reply proves the monitor still serves.
* :class:`HmpHarness`: an HMP monitor with its line editor on a fake
  chardev; each input is followed by a line that resets the editor and a
  sentinel command whose answer must come back.

The first byte of a QMP or HMP input picks a mode (reconnect, negotiate
with or without OOB, chunking) so that a fuzzer reaches those states too.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from qmonitor.chardev.base import ChrEvent
from qmonitor.machine.machine import Machine, MachineOptions
from qmonitor.machine.runstate import ShutdownCause
from qmonitor.monitor.hmp import MonitorHMP
from qmonitor.qjson import NEED_DATA, JsonMessage, JsonParseError, JsonStreamer, encode
from qmonitor.util.mainloop import new_main_loop
from qmonitor_testsupport import REPO
from qmonitor_testsupport.fakes import FakeChardev

CORPUS = REPO / "tests" / "fuzz" / "corpus"

#: QEMU's lexer treats 0xFF as an error in every state: a client's way to
#: bring the parser back to a known state (docs/interop/qmp-spec).
RESET = b"\xff"
#: How long a monitor may take to answer the sentinel before it counts as hung.
TIMEOUT = 10.0


def corpus(kind: str) -> list[bytes]:
    """The committed seed inputs of ``kind`` (json, qmp, hmp), sorted by name."""
    return [p.read_bytes() for p in sorted((CORPUS / kind).glob("*")) if p.is_file()]


# -- the JSON streamer ---------------------------------------------------------


class _SlowStreamer(JsonStreamer):
    """No fast path for whole plain requests."""

    def _fast(self, buf: bytearray, pos: int) -> None:
        return None


class _TokenStreamer(_SlowStreamer):
    """Every token on its own: no runs either."""

    def _run(self, raw: bytes) -> bool:
        return False


def stream_events(
    data: bytes, chunk: int = 0, streamer: JsonStreamer | None = None
) -> list[tuple[str, Any]]:
    """("value", v) and ("error", text) events of ``data`` fed in pieces of ``chunk``."""
    s = streamer if streamer is not None else JsonStreamer()
    out: list[tuple[str, Any]] = []
    step = chunk or max(len(data), 1)
    for i in range(0, len(data), step):
        s.feed(data[i : i + step])
        while (ev := s.next_event()) is not NEED_DATA:
            if isinstance(ev, JsonMessage):
                out.append(("value", ev.value))
            else:
                assert isinstance(ev, JsonParseError)
                assert isinstance(ev.message, str) and ev.message.startswith("JSON ")
                out.append(("error", ev.message))
    return out


def _same(a: list[tuple[str, Any]], b: list[tuple[str, Any]]) -> bool:
    # Compare through the encoder: NaN never equals itself, and 1 == 1.0 == True.
    return [(k, encode(v)) for k, v in a] == [(k, encode(v)) for k, v in b]


PROBE = b'{"execute":"query-status","id":"probe"}'


def check_streamer(data: bytes) -> None:
    """Property of the streamer for one input (see the module docstring)."""
    whole = stream_events(data)
    for other in (
        stream_events(data, streamer=_SlowStreamer()),
        stream_events(data, streamer=_TokenStreamer()),
        stream_events(data, chunk=1),
        stream_events(data, chunk=(len(data) % 7) + 2),
    ):
        assert _same(other, whole), (data, whole, other)
    tail = stream_events(data + RESET + PROBE + b"\n")
    assert tail and tail[-1][0] == "value", (data, tail)
    assert tail[-1][1] == {"execute": "query-status", "id": "probe"}, (data, tail)


# -- machines on a thread of their own ---------------------------------------


class _MachineThread:
    """A null machine whose main loop runs on a thread of its own."""

    def __init__(
        self,
        setup: Callable[[Machine], None],
        options: MachineOptions,
        on_shutdown: Callable[[], None] | None = None,
    ) -> None:
        self.machine: Machine | None = None
        self.shutdowns: list[ShutdownCause] = []
        #: What escaped into an event loop (a callback that raised): a bug,
        #: even when the monitor still answers afterwards.
        self.errors: list[str] = []
        self._setup = setup
        self._options = options
        self._on_shutdown = on_shutdown
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="fuzz-machine", daemon=True)
        self._thread.start()
        if not self._ready.wait(TIMEOUT):
            raise RuntimeError("machine did not start")
        if self._error is not None:
            raise self._error

    def _main(self) -> None:
        with asyncio.Runner(loop_factory=new_main_loop) as runner:
            runner.run(self._run())

    def _loop_error(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        err = context.get("exception")
        what = context.get("message", "")
        self.errors.append(f"{what}: {err!r}"[:1000] if err is not None else what[:1000])
        loop.default_exception_handler(context)

    def check(self) -> None:
        """Fail if anything escaped into an event loop since the last check."""
        if self.errors:
            errors, self.errors = self.errors, []
            raise AssertionError(f"exception in the monitor's loops: {errors}")

    async def _run(self) -> None:
        try:
            asyncio.get_running_loop().set_exception_handler(self._loop_error)
            machine = Machine(self._options)
            if machine.iothread is not None and machine.iothread.loop is not None:
                machine.iothread.loop.set_exception_handler(self._loop_error)

            # quit must not end a machine that serves many inputs: record it
            # and raise SHUTDOWN as the real one does (tests/fuzz covers the
            # properties up to the reply; quit itself is tested elsewhere).
            def shutdown(cause: ShutdownCause) -> None:
                self.shutdowns.append(cause)
                machine.emit_event("SHUTDOWN", {"guest": cause.by_guest, "reason": cause.value})
                if self._on_shutdown is not None:
                    self._on_shutdown()

            machine.shutdown = shutdown  # type: ignore[method-assign]
            self._setup(machine)
            self.machine = machine
        except BaseException as err:
            self._error = err
            self._ready.set()
            return
        running = asyncio.ensure_future(machine.run())
        self._ready.set()
        await running

    def close(self) -> None:
        machine = self.machine
        if machine is not None:
            machine.loop.call_soon_threadsafe(machine._exit.set)
        self._thread.join(TIMEOUT)
        assert not self._thread.is_alive(), "machine did not stop"


class LineChardev(FakeChardev):
    """A fake chardev that wakes a waiter whenever output contains ``marker``.

    The output of one input can be tens of megabytes (QEMU's line editor
    redraws the whole line at each key, so a 4,000-byte line echoes
    quadratically), written in thousands of pieces: each write looks for the
    marker in what it added only, so a wait costs time linear in the output.
    """

    def __init__(self) -> None:
        super().__init__()
        self.cond = threading.Condition()
        self.marker = b""
        self._scanned = 0  # output before this offset has been searched
        self._at = -1  # where the last marker seen starts
        self._done = False  # the marker's line is complete

    def write(self, data: bytes) -> int:
        with self.cond:
            n = super().write(data)
            if self._seen():
                self.cond.notify_all()
            return n

    def _seen(self) -> bool:
        """``marker`` was written, and the line it is on is complete."""
        marker = self.marker
        if not marker:
            return False
        out = self.written
        start = self._scanned
        at = out.rfind(marker, max(start - len(marker) + 1, 0))
        if at >= 0:
            self._at, self._done = at, marker.endswith(b" ")
            start = at + 1
        if self._at >= 0 and not self._done:
            self._done = out.find(b"\r\n", max(start - 1, self._at)) >= 0
        self._scanned = len(out)
        return self._done

    def _expect(self, marker: bytes) -> None:
        self.written.clear()
        self.marker = marker
        self._scanned, self._at, self._done = 0, -1, False

    def wait_for(
        self,
        marker: bytes,
        start: Callable[[], None],
        abort: Callable[[], bool] | None = None,
    ) -> bytes:
        """Run ``start``, then wait until the line with ``marker`` is written; output since.

        A marker that ends with a blank is a prompt: there is no line end to
        wait for.  ``abort`` returning true ends the wait early.
        """
        with self.cond:
            self._expect(marker)
        start()
        deadline = time.monotonic() + TIMEOUT
        with self.cond:
            while not self._seen():
                if abort is not None and abort():
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"monitor stopped serving: no {marker!r} in the "
                        f"{len(self.written)} bytes written, which end "
                        f"{tail(self.written)!r}"
                    )
                self.cond.wait(min(left, 0.05) if abort is not None else left)
            out = bytes(self.written)
            self.marker = b""
            return out


def tail(out: bytes | bytearray, size: int = 300) -> bytes:
    """The end of some output, short enough for an assertion message."""
    return bytes(out[-size:])


# -- QMP -------------------------------------------------------------------------


def _mode(data: bytes) -> tuple[int, bytes]:
    return (data[0], data[1:]) if data else (0, b"")


class QmpHarness:
    """One null machine with a QMP monitor, serving input after input."""

    def __init__(self) -> None:
        self.chr = LineChardev()
        self._count = 0
        self._mt = _MachineThread(self._setup, MachineOptions())
        self.oob = False
        self.negotiated = False
        self.reconnect(negotiate=True, oob=False)

    def _setup(self, machine: Machine) -> None:
        machine.add_qmp_monitor(self.chr)

    @property
    def machine(self) -> Machine:
        assert self._mt.machine is not None
        return self._mt.machine

    def _io(self, fn: Callable[..., None], *args: Any) -> None:
        iothread = self.machine.iothread
        assert iothread is not None and iothread.loop is not None
        iothread.loop.call_soon_threadsafe(fn, *args)

    def reconnect(self, *, negotiate: bool, oob: bool) -> None:
        """A new client: CLOSED, OPENED, greeting, and maybe qmp_capabilities."""

        def start() -> None:
            self._io(self.chr.be_event, ChrEvent.CLOSED)
            self._io(self.chr.be_event, ChrEvent.OPENED)

        out = self.chr.wait_for(b'"capabilities": ["oob"]}}', start)
        assert out.startswith(b'{"QMP": '), out
        self.negotiated = self.oob = False
        if negotiate:
            caps = b'{"enable": ["oob"]}' if oob else b"{}"
            req = b'{"execute": "qmp_capabilities", "arguments": ' + caps + b', "id": "caps"}'
            out = self.chr.wait_for(b'"id": "caps"', lambda: self._io(self.chr.be_write, req))
            assert out.endswith(b'{"return": {}, "id": "caps"}\r\n'), out
            self.negotiated, self.oob = True, oob

    def run(self, data: bytes, chunk: int = 0) -> list[bytes]:
        """Feed ``data``, 0xFF and a sentinel; check the replies; return them."""
        self._count += 1
        sentinel_id = f"sentinel-{self._count}"
        sentinel = b'{"execute": "query-status", "id": "' + sentinel_id.encode() + b'"}'
        full = data + RESET + sentinel
        step = chunk or len(full)
        pieces = [full[i : i + step] for i in range(0, len(full), step)]
        marker = b'"id": "' + sentinel_id.encode() + b'"'

        def start() -> None:
            for piece in pieces:
                self._io(self.chr.be_write, piece)

        out = self.chr.wait_for(marker, start)
        assert out.endswith(b"\r\n") and marker in out.rsplit(b"\r\n", 2)[-2], tail(out)
        lines = out.split(b"\r\n")
        assert lines[-1] == b"", tail(out)
        replies = [line for line in lines[:-1] if not line.startswith(b'{"timestamp": ')]
        check_replies(full, replies, oob=self.oob)
        self._mt.check()
        return replies

    def fuzz(self, data: bytes) -> None:
        """One fuzz input: its first byte picks the connection mode and chunking."""
        mode, body = _mode(data)
        if mode & 0x80:
            self.reconnect(negotiate=bool(mode & 0x40), oob=bool(mode & 0x20))
        self.run(body, chunk=(mode & 0x7) * 3)

    def close(self) -> None:
        self._mt.close()


def _has_id(value: Any) -> bool:
    return type(value) is dict and "id" in value


def check_replies(sent: bytes, replies: list[bytes], *, oob: bool) -> None:
    """One reply per request of ``sent``, in order; ids echoed as QEMU does."""
    expected = stream_events(sent)
    assert len(replies) == len(expected), (sent, expected, replies)

    def matches(ev: tuple[str, Any], line: bytes) -> bool:
        kind, value = ev
        if kind == "value" and _has_id(value):
            return b'"id": ' + encode(value["id"]).encode() in line
        try:
            parsed = json.loads(line)
        except ValueError:
            return False
        return type(parsed) is dict and "id" not in parsed

    def is_oob(ev: tuple[str, Any]) -> bool:
        v = ev[1]
        return ev[0] == "value" and type(v) is dict and "exec-oob" in v and "execute" not in v

    if not oob:
        for ev, line in zip(expected, replies, strict=True):
            assert matches(ev, line), (sent, ev, line)
        return
    # Out-of-band replies may overtake queued in-band ones: the in-band
    # replies keep their order; each OOB request is answered once.
    inband = [ev for ev in expected if not is_oob(ev)]
    oob_count = len(expected) - len(inband)
    pos = 0
    unmatched = 0
    for line in replies:
        if pos < len(inband) and matches(inband[pos], line):
            pos += 1
        else:
            unmatched += 1
    assert pos == len(inband) and unmatched == oob_count, (sent, expected, replies)


# -- HMP -------------------------------------------------------------------------

#: Ends an escape sequence, then a line, whatever state the line editor is in.
HMP_RESET = b"a\r"


class HmpHarness:
    """One null machine with an HMP monitor (line editor on), serving input after input."""

    def __init__(self) -> None:
        self._count = 0
        self.quits = 0
        self._start()

    def _start(self) -> None:
        self.chr = LineChardev()
        self.mon: MonitorHMP[Machine] | None = None
        self._mt = _MachineThread(self._setup, MachineOptions(), self._wake)
        self.reconnect()

    def _wake(self) -> None:
        """quit ran: the waiter need not poll to see it (no more output comes)."""
        with self.chr.cond:
            self.chr.cond.notify_all()

    def _setup(self, machine: Machine) -> None:
        self.mon = MonitorHMP(machine, self.chr)
        self.mon.start()

    @property
    def machine(self) -> Machine:
        assert self._mt.machine is not None
        return self._mt.machine

    def _main(self, fn: Callable[..., None], *args: Any) -> None:
        self.machine.loop.call_soon_threadsafe(fn, *args)

    def reconnect(self) -> None:
        def start() -> None:
            self._main(self.chr.be_event, ChrEvent.CLOSED)
            self._main(self.chr.be_event, ChrEvent.OPENED)

        out = self.chr.wait_for(b"(qemu) ", start)
        assert out.startswith(b"QEMU "), out

    def run(self, data: bytes, chunk: int = 0) -> bytes:
        """Feed ``data``, a reset line and a sentinel command; return all output."""
        self._count += 1
        name = b"zzsentinel%d" % self._count
        full = data + HMP_RESET + name + b"\r"
        step = chunk or len(full)
        pieces = [full[i : i + step] for i in range(0, len(full), step)]
        end = b"unknown command: '" + name + b"'\r\n(qemu) "

        def start() -> None:
            for piece in pieces:
                self._main(self.chr.be_write, piece)

        quit = self._mt.shutdowns.copy
        before = quit()
        out = self.chr.wait_for(end, start, abort=lambda: quit() != before)
        if quit() != before:
            # quit leaves the monitor suspended while QEMU exits: no more
            # output, as QEMU.  Start a new machine for the next input.
            self.quits += 1
            mt = self._mt
            mt.close()
            self._start()
            mt.check()
            return out
        assert out.endswith(end), tail(out)
        self._mt.check()
        return out

    def fuzz(self, data: bytes) -> None:
        mode, body = _mode(data)
        if mode & 0x80:
            self.reconnect()
        self.run(body, chunk=(mode & 0x7) * 3)

    def close(self) -> None:
        self._mt.close()
