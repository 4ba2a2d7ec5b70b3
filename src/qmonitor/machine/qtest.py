"""The qtest protocol (softmmu/qtest.c): a test harness drives the machine by lines.

Each request is one line of space-separated words; each reply is one line,
``OK``, ``OK VALUE`` or ``FAIL ...``, in QEMU's formats.  Port I/O goes to
the machine's I/O port bus; ``clock_step``/``clock_set`` exist only under
``-accel qtest``, where they advance the virtual clock and fire its timers.
Where QEMU would abort on a malformed request (its ``g_assert``), qmonitor
answers ``FAIL`` with a reason and keeps serving.

The session logs as QEMU does (stderr by default, ``-qtest-log FILE|none``):
``[I T] OPENED`` when a harness connects, ``[R +T] WORDS`` for each request
line, ``[S +T] REPLY`` for each reply and ``[I +T] CLOSED`` when the
connection ends, T being the seconds since it was opened with six decimals.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol, TextIO

from qmonitor.chardev.base import Chardev, ChrEvent
from qmonitor.errors import QmonitorError

#: What qtest takes per read (qtest_can_read).
QTEST_CAN_READ = 1024


class PortBus(Protocol):
    """The machine's I/O port space as qtest sees it."""

    def inp(self, addr: int, size: int) -> int: ...

    def outp(self, addr: int, size: int, value: int) -> None: ...


class VirtualTime(Protocol):
    """The virtual clock qtest may move."""

    def now_ns(self) -> int: ...

    def step(self, ns: int) -> int: ...

    def set(self, target_ns: int) -> int: ...

    def next_deadline_ns(self) -> int | None: ...


class BadRequest(QmonitorError):
    """A request QEMU would assert on."""


def _parse_int(word: str | None, what: str) -> int:
    """``qemu_strtoul(word, NULL, 0, ...)``: decimal, 0x hex or 0 octal."""
    if word is None or word == "":
        raise BadRequest(f"missing {what}")
    text = word.strip()
    neg = text.startswith("-")
    body = text[1:] if neg or text.startswith("+") else text
    try:
        if body[:2].lower() == "0x":
            value = int(body[2:], 16)
        elif len(body) > 1 and body.startswith("0"):
            value = int(body[1:], 8)
        else:
            value = int(body, 10)
    except ValueError:
        raise BadRequest(f"invalid {what} '{word}'") from None
    return -value if neg else value


class QTestSession:
    """Sans-IO qtest server: feed bytes, get reply bytes back."""

    def __init__(
        self,
        ports: PortBus,
        clock: VirtualTime | None,
        *,
        on_clock_moved: Callable[[], None] | None = None,
        log: TextIO | None = None,
    ) -> None:
        self.ports = ports
        self.clock = clock
        self._on_clock_moved = on_clock_moved
        self._inbuf = bytearray()
        #: Where the protocol is logged (QEMU's ``qtest_log_fp``), None for no log.
        self.log = log
        #: Host monotonic time the connection opened at, None while closed.
        self._opened_at: float | None = None

    def reset(self) -> None:
        self._inbuf.clear()

    def _elapsed(self) -> float:
        return 0.0 if self._opened_at is None else time.monotonic() - self._opened_at

    def _log(self, text: str) -> None:
        if self.log is None:
            return
        try:
            self.log.write(text)
            self.log.flush()
        except (OSError, ValueError):  # a closed or broken log must not stop the protocol
            self.log = None

    def opened(self) -> None:
        """A harness connected: restart the log's timer (CHR_EVENT_OPENED)."""
        self.reset()
        self._opened_at = time.monotonic()
        self._log(f"[I {0.0:.6f}] OPENED\n")

    def closed(self) -> None:
        """The connection ended (CHR_EVENT_CLOSED)."""
        if self._opened_at is None:
            return
        self._log(f"[I +{self._elapsed():.6f}] CLOSED\n")
        self._opened_at = None

    def feed(self, data: bytes) -> bytes:
        """Process every complete line in the input so far; return the replies."""
        self._inbuf += data
        out: list[str] = []
        while True:
            end = self._inbuf.find(b"\n")
            if end < 0:
                break
            line = bytes(self._inbuf[:end]).decode("latin-1")
            del self._inbuf[: end + 1]
            words = line.split(" ")
            self._log(f"[R +{self._elapsed():.6f}]" + "".join(f" {w}" for w in words) + "\n")
            reply = self.process(words)
            if self._opened_at is not None:
                self._log(f"[S +{self._elapsed():.6f}] {reply}")
            out.append(reply)
        return "".join(out).encode("latin-1")

    def process(self, words: list[str]) -> str:
        """One request; returns its reply line."""
        try:
            return self._process(words)
        except BadRequest as exc:
            return f"FAIL {exc}\n"

    def _process(self, words: list[str]) -> str:
        cmd = words[0]
        arg: list[str | None] = [*words[1:], None, None, None]
        if cmd in ("outb", "outw", "outl"):
            addr = _parse_int(arg[0], "address")
            value = _parse_int(arg[1], "value")
            if not 0 <= addr <= 0xFFFF:
                raise BadRequest(f"address {addr:#x} out of range")
            size = {"b": 1, "w": 2, "l": 4}[cmd[3]]
            self.ports.outp(addr, size, value & ((1 << (8 * size)) - 1))
            return "OK\n"
        if cmd in ("inb", "inw", "inl"):
            addr = _parse_int(arg[0], "address")
            if not 0 <= addr <= 0xFFFF:
                raise BadRequest(f"address {addr:#x} out of range")
            size = {"b": 1, "w": 2, "l": 4}[cmd[2]]
            return f"OK 0x{self.ports.inp(addr, size):04x}\n"
        if cmd == "endianness":
            return "OK little\n"
        if self.clock is not None and cmd == "clock_step":
            if arg[0] is not None:
                ns = _parse_int(arg[0], "step")
            else:
                deadline = self.clock.next_deadline_ns()
                ns = -1 if deadline is None else deadline - self.clock.now_ns()
            if ns >= 0:
                self.clock.step(ns)
                self._moved()
            return f"OK {self.clock.now_ns()}\n"
        if self.clock is not None and cmd == "clock_set":
            ns = _parse_int(arg[0], "time")
            if ns > self.clock.now_ns():
                self.clock.set(ns)
                self._moved()
            return f"OK {self.clock.now_ns()}\n"
        return f"FAIL Unknown command '{cmd}'\n"

    def _moved(self) -> None:
        if self._on_clock_moved is not None:
            self._on_clock_moved()


class QTestServer:
    """Connects a :class:`QTestSession` to a chardev on the main loop."""

    def __init__(self, session: QTestSession, chr: Chardev) -> None:
        self.session = session
        self.chr = chr
        self._closing_log: TextIO | None = None

    def start(self, loop: object) -> None:
        import asyncio

        assert isinstance(loop, asyncio.AbstractEventLoop)
        self.chr.set_echo(True)
        self.chr.set_handlers(lambda: QTEST_CAN_READ, self._read, self._event, loop)

    def _read(self, data: bytes) -> None:
        reply = self.session.feed(data)
        if reply:
            self.chr.write(reply)

    def _event(self, event: ChrEvent) -> None:
        if event is ChrEvent.OPENED:
            self.session.opened()
        elif event is ChrEvent.CLOSED:
            self.session.closed()

    def close_log_on_exit(self, log: TextIO) -> None:
        """Close ``log`` (a file the server opened) in :meth:`shutdown`."""
        self._closing_log = log

    def shutdown(self) -> None:
        """The machine is going away: the connection ends (QEMU's qtest_unparent)."""
        self.session.closed()
        if self._closing_log is not None:
            self._closing_log.close()
            self._closing_log = None
