"""The qtest protocol (softmmu/qtest.c): a test harness drives the machine by lines.

Each request is one line of space-separated words; each reply is one line,
``OK``, ``OK VALUE`` or ``FAIL ...``, in QEMU's formats.  Port I/O goes to
the machine's I/O port bus, memory commands to its address space;
``clock_step``/``clock_set`` exist only under ``-accel qtest``, where they
advance the virtual clock and fire its timers.  ``irq_intercept_in`` /
``irq_intercept_out`` attach to a device's unnamed GPIO lines: from then on
each change of level on one of them sends ``IRQ raise N`` or ``IRQ lower N``
to the harness, before the reply of the request that caused it, or on its
own when a timer of the main loop caused it.

Where QEMU would abort on a malformed request (its ``g_assert``), qmonitor
answers ``FAIL`` with a reason and keeps serving; so does any other error
inside a request: every request gets exactly one reply.

The session logs as QEMU does (stderr by default, ``-qtest-log FILE|none``):
``[I T] OPENED`` when a harness connects, ``[R +T] WORDS`` for each request
line, ``[S +T] REPLY`` for each line sent and ``[I +T] CLOSED`` when the
connection ends, T being the seconds since it was opened with six decimals.
"""

from __future__ import annotations

import base64
import binascii
import logging
import time
from collections.abc import Callable
from typing import Protocol, TextIO

from qmonitor.chardev.base import Chardev, ChrEvent
from qmonitor.errors import QmonitorError
from qmonitor.machine.irq import GpioDevice, IrqHandler, IrqLine, set_irq
from qmonitor.util.cutils import U64_LIMIT, c_strtoll, c_strtoull

log = logging.getLogger(__name__)

#: What qtest takes per read (qtest_can_read).
QTEST_CAN_READ = 1024
#: How many IRQ numbers qtest tracks levels for (MAX_IRQ).
MAX_IRQ = 256
#: Lines a request sends before they go out while it still runs (qmonitor's choice).
STREAM_LINES = 1024

# Replies of softmmu/qtest.c (QEMU 7.2).
UNKNOWN_DEVICE = "FAIL Unknown device\n"
INTERCEPT_ALREADY = "FAIL IRQ intercept already enabled\n"
UNKNOWN_COMMAND = "FAIL Unknown command '{}'\n"
INVALID_ARGUMENT_SIZE = "ERR invalid argument size\n"


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


class AddressSpace(Protocol):
    """The first CPU's address space (``first_cpu->as``)."""

    def read(self, addr: int, length: int) -> bytes: ...

    def write(self, addr: int, data: bytes) -> None: ...


class BadRequest(QmonitorError):
    """A request QEMU would assert on (or crash on): answered with FAIL."""


#: Finds the device at a QOM path: the device, None if nothing is there;
#: raises BadRequest for an object that is not a device.
DeviceResolver = Callable[[str], GpioDevice | None]


def _need(words: list[str], count: int) -> None:
    if len(words) <= count:
        raise BadRequest(f"'{words[0]}' needs {count} argument{'s' if count > 1 else ''}")


def _ulong(word: str, what: str) -> int:
    """``qemu_strtoul``/``qemu_strtou64`` requiring success (unsigned 64-bit, base 0)."""
    value = c_strtoull(word)
    if value is None:
        raise BadRequest(f"invalid {what} '{word}'")
    if value >= U64_LIMIT:
        raise BadRequest(f"{what} '{word}' out of range")
    return value


def _int64(word: str, what: str) -> int:
    """``qemu_strtoi64`` requiring success."""
    value = c_strtoll(word)
    if value is None:
        raise BadRequest(f"invalid {what} '{word}'")
    return value


def _int(word: str, what: str) -> int:
    """``qemu_strtoi`` requiring success (a C int)."""
    value = _int64(word, what)
    if not -(2**31) <= value < 2**31:
        raise BadRequest(f"{what} '{word}' out of range")
    return value


def _no_devices(path: str) -> GpioDevice | None:
    return None


class QTestSession:
    """Sans-IO qtest server: feed bytes, get reply bytes back.

    Lines the machine sends on its own (``IRQ ...`` from a timer of the
    main loop) go to ``on_async_output`` when it is set.
    """

    def __init__(
        self,
        ports: PortBus,
        clock: VirtualTime | None,
        *,
        on_clock_moved: Callable[[], None] | None = None,
        log: TextIO | None = None,
        memory: AddressSpace | None = None,
        resolve_device: DeviceResolver = _no_devices,
        loaded_modules: frozenset[str] = frozenset(),
    ) -> None:
        self.ports = ports
        self.clock = clock
        self.memory = memory
        self._resolve_device = resolve_device
        self._on_clock_moved = on_clock_moved
        self._loaded_modules = set(loaded_modules)
        self._inbuf = bytearray()
        #: Where the protocol is logged (QEMU's ``qtest_log_fp``), None for no log.
        self.log = log
        #: Host monotonic time the connection opened at, None while closed.
        self._opened_at: float | None = None
        #: The device whose lines are intercepted (irq_intercept_dev).
        self.intercepted: GpioDevice | None = None
        self.irq_levels = [0] * MAX_IRQ
        #: Lines waiting to go out; None outside a request (then they go at once).
        self._out: list[str] | None = None
        self.on_async_output: Callable[[bytes], None] | None = None

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
        """A harness connected: forget IRQ levels, restart the log's timer (CHR_EVENT_OPENED)."""
        self.reset()
        self.irq_levels = [0] * MAX_IRQ
        self._opened_at = time.monotonic()
        self._log(f"[I {0.0:.6f}] OPENED\n")

    def closed(self) -> None:
        """The connection ended (CHR_EVENT_CLOSED)."""
        if self._opened_at is None:
            return
        self._log(f"[I +{self._elapsed():.6f}] CLOSED\n")
        self._opened_at = None

    # -- output ---------------------------------------------------------------

    def _send(self, text: str, *, prefix: bool = True) -> None:
        """qtest_send_prefix + qtest_send: log it (while open) and send it."""
        if self._opened_at is not None:
            self._log((f"[S +{self._elapsed():.6f}] " if prefix else "") + text)
        if self._out is None:
            if self.on_async_output is not None:
                self.on_async_output(text.encode("latin-1"))
            return
        self._out.append(text)
        if len(self._out) >= STREAM_LINES and self.on_async_output is not None:
            # A long clock_step raises many IRQ lines: let them go while it runs.
            self.on_async_output("".join(self._out).encode("latin-1"))
            self._out.clear()

    def irq_handler(self, n: int, level: int) -> None:
        """An intercepted line changed: tell the harness (qtest_irq_handler)."""
        if not 0 <= n < MAX_IRQ:
            return
        if self.irq_levels[n] != level:
            self.irq_levels[n] = level
            self._send(f"IRQ {'raise' if level else 'lower'} {n}\n")

    # -- input ----------------------------------------------------------------

    def feed(self, data: bytes) -> bytes:
        """Process every complete line in the input so far; return what goes back."""
        self._inbuf += data
        out: list[str] = []
        while True:
            end = self._inbuf.find(b"\n")
            if end < 0:
                break
            line = bytes(self._inbuf[:end]).decode("latin-1")
            del self._inbuf[: end + 1]
            out.extend(self.request(line))
        return "".join(out).encode("latin-1")

    def request(self, line: str) -> list[str]:
        """One request line; returns the lines to send, its reply last."""
        words = line.split(" ")
        self._log(f"[R +{self._elapsed():.6f}]" + "".join(f" {w}" for w in words) + "\n")
        outer, self._out = self._out, []
        try:
            self._dispatch(words)
        finally:
            out, self._out = self._out, outer
        return out

    def process(self, words: list[str]) -> str:
        """One request given as words; returns what it sends, joined."""
        return "".join(self.request(" ".join(words)))

    def _dispatch(self, words: list[str]) -> None:
        try:
            self._process(words)
        except BadRequest as exc:
            self._send(f"FAIL {exc}\n")
        except Exception as exc:  # a bug must cost one request, never the reply
            log.exception("qtest request %r failed", " ".join(words))
            self._send(f"FAIL internal error: {type(exc).__name__}: {exc}\n")

    def _process(self, words: list[str]) -> None:
        cmd = words[0]
        if cmd == "":
            raise BadRequest("empty request")
        handler = _COMMANDS.get(cmd)
        if handler is not None:
            handler(self, words)
        elif cmd in ("clock_step", "clock_set") and self.clock is not None:
            self._clock_cmd(words)
        else:
            self._send(UNKNOWN_COMMAND.format(cmd))

    # -- commands ----------------------------------------------------------------

    def _irq_intercept(self, words: list[str]) -> None:
        _need(words, 1)
        dev = self._resolve_device(words[1])
        if dev is None:
            self._send(UNKNOWN_DEVICE)
            return
        if self.intercepted is not None:
            self._send("OK\n" if self.intercepted is dev else INTERCEPT_ALREADY)
            return
        outward = words[0] == "irq_intercept_out"
        # Only the unnamed lists: QEMU does not intercept named GPIOs.
        if outward:
            for i, pin in enumerate(dev.gpio_out.get(None, [])):
                pin.target = IrqLine(self._out_interceptor(pin.target), i)
        else:
            for i, line in enumerate(dev.gpio_in.get(None, [])):
                line.intercept(self.irq_handler, i)
        self.intercepted = dev
        self._send("OK\n")

    def _out_interceptor(self, target: IrqLine | None) -> IrqHandler:
        """What an intercepted output drives: its old target, then the harness."""

        def forward(n: int, level: int) -> None:
            set_irq(target, level)
            self.irq_handler(n, level)

        return forward

    def _set_irq_in(self, words: list[str]) -> None:
        _need(words, 4)
        dev = self._resolve_device(words[1])
        if dev is None:
            self._send(UNKNOWN_DEVICE)
            return
        name = None if words[2] == "unnamed-gpio-in" else words[2]
        num = _int(words[3], "IRQ number")
        level = _int(words[4], "level")
        line = dev.gpio_in_line(name, num)
        if line is None:
            raise BadRequest(f"no GPIO input {words[2]}[{num}] on '{words[1]}'")
        line.set(level)
        self._send("OK\n")

    def _out_cmd(self, words: list[str]) -> None:
        _need(words, 2)
        addr = _ulong(words[1], "address")
        value = _ulong(words[2], "value")
        if addr > 0xFFFF:
            raise BadRequest(f"address {addr:#x} out of range")
        size = {"b": 1, "w": 2, "l": 4}[words[0][3]]
        self.ports.outp(addr, size, value & ((1 << (8 * size)) - 1))
        self._send("OK\n")

    def _in_cmd(self, words: list[str]) -> None:
        _need(words, 1)
        addr = _ulong(words[1], "address")
        if addr > 0xFFFF:
            raise BadRequest(f"address {addr:#x} out of range")
        size = {"b": 1, "w": 2, "l": 4}[words[0][2]]
        self._send(f"OK 0x{self.ports.inp(addr, size):04x}\n")

    def _address_space(self) -> AddressSpace:
        if self.memory is None:
            raise BadRequest("the machine has no CPU, so no address space")
        return self.memory

    def _write_n(self, words: list[str]) -> None:
        _need(words, 2)
        addr = _ulong(words[1], "address")
        value = _ulong(words[2], "value")
        size = {"b": 1, "w": 2, "l": 4, "q": 8}[words[0][5]]
        data = (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little")
        self._address_space().write(addr, data)
        self._send("OK\n")

    def _read_n(self, words: list[str]) -> None:
        _need(words, 1)
        addr = _ulong(words[1], "address")
        size = {"b": 1, "w": 2, "l": 4, "q": 8}[words[0][4]]
        value = int.from_bytes(self._address_space().read(addr, size), "little")
        self._send(f"OK 0x{value:016x}\n")

    def _read(self, words: list[str]) -> None:
        _need(words, 2)
        addr = _ulong(words[1], "address")
        length = _ulong(words[2], "size")
        if not length:
            raise BadRequest("'read' needs a size above 0")
        self._send(f"OK 0x{self._address_space().read(addr, length).hex()}\n")

    def _b64read(self, words: list[str]) -> None:
        _need(words, 2)
        addr = _ulong(words[1], "address")
        length = _ulong(words[2], "size")
        data = self._address_space().read(addr, length)
        self._send(f"OK {base64.b64encode(data).decode('ascii')}\n")

    def _write(self, words: list[str]) -> None:
        _need(words, 3)
        addr = _ulong(words[1], "address")
        length = _ulong(words[2], "size")
        hexdata = words[3]
        if len(hexdata) < 3:
            self._send(INVALID_ARGUMENT_SIZE, prefix=False)
            return
        data = bytearray(length)
        for i in range(length):
            if i * 2 + 4 <= len(hexdata):
                hi, lo = _hex2nib(hexdata[i * 2 + 2]), _hex2nib(hexdata[i * 2 + 3])
                data[i] = ((hi << 4) | lo) & 0xFF  # a bad digit is -1, as QEMU's hex2nib
        self._address_space().write(addr, bytes(data))
        self._send("OK\n")

    def _memset(self, words: list[str]) -> None:
        _need(words, 3)
        addr = _ulong(words[1], "address")
        length = _ulong(words[2], "size")
        pattern = _ulong(words[3], "value")
        if length:
            self._address_space().write(addr, bytes([pattern & 0xFF]) * length)
        self._send("OK\n")

    def _b64write(self, words: list[str]) -> None:
        _need(words, 3)
        addr = _ulong(words[1], "address")
        length = _ulong(words[2], "size")
        text = words[3]
        if len(text) < 3:
            self._send(INVALID_ARGUMENT_SIZE, prefix=False)
            return
        data = _b64decode(text)
        if len(data) != length:
            self._log_only(f"b64write: data length mismatch (told {length}, found {len(data)})\n")
        # QEMU writes the told size from the decoded buffer: what lies past
        # the decoded bytes is the rest of the request's text.
        tail = text.encode("latin-1")[len(data) :]
        payload = (data + tail + b"\0")[:length]
        self._address_space().write(addr, payload.ljust(length, b"\0"))
        self._send("OK\n")

    def _log_only(self, text: str) -> None:
        """qtest_log_send: a note in the log only."""
        if self._opened_at is not None:
            self._log(f"[S +{self._elapsed():.6f}] {text}")

    def _endianness(self, words: list[str]) -> None:
        self._send("OK little\n")

    def _module_load(self, words: list[str]) -> None:
        _need(words, 2)
        name = (words[1] + words[2]).replace("/", "-")
        self._send("OK\n" if name in self._loaded_modules else "FAIL\n")

    def _clock_cmd(self, words: list[str]) -> None:
        clock = self.clock
        assert clock is not None
        now = clock.now_ns()
        if words[0] == "clock_step":
            if len(words) > 1:
                target = now + _int64(words[1], "step")
            else:
                deadline = clock.next_deadline_ns()
                target = now - 1 if deadline is None else max(deadline, now)
        else:
            _need(words, 1)
            target = _int64(words[1], "time")
        if target > now:
            clock.set(target)
            if self._on_clock_moved is not None:
                self._on_clock_moved()
        self._send(f"OK {clock.now_ns()}\n")


def _hex2nib(ch: str) -> int:
    if "0" <= ch <= "9":
        return ord(ch) - ord("0")
    if "a" <= ch <= "f":
        return 10 + ord(ch) - ord("a")
    if "A" <= ch <= "F":
        return 10 + ord(ch) - ord("A")
    return -1


def _b64decode(text: str) -> bytes:
    """g_base64_decode: skip what is not base64, stop at padding."""
    alphabet = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
    clean = "".join(ch for ch in text.split("=", 1)[0] if ch in alphabet)
    clean = clean[: len(clean) - len(clean) % 4 + (len(clean) % 4 if len(clean) % 4 > 1 else 0)]
    try:
        return base64.b64decode(clean + "=" * (-len(clean) % 4))
    except (binascii.Error, ValueError):
        return b""


_COMMANDS: dict[str, Callable[[QTestSession, list[str]], None]] = {
    "irq_intercept_in": QTestSession._irq_intercept,
    "irq_intercept_out": QTestSession._irq_intercept,
    "set_irq_in": QTestSession._set_irq_in,
    "outb": QTestSession._out_cmd,
    "outw": QTestSession._out_cmd,
    "outl": QTestSession._out_cmd,
    "inb": QTestSession._in_cmd,
    "inw": QTestSession._in_cmd,
    "inl": QTestSession._in_cmd,
    "writeb": QTestSession._write_n,
    "writew": QTestSession._write_n,
    "writel": QTestSession._write_n,
    "writeq": QTestSession._write_n,
    "readb": QTestSession._read_n,
    "readw": QTestSession._read_n,
    "readl": QTestSession._read_n,
    "readq": QTestSession._read_n,
    "read": QTestSession._read,
    "b64read": QTestSession._b64read,
    "write": QTestSession._write,
    "memset": QTestSession._memset,
    "b64write": QTestSession._b64write,
    "endianness": QTestSession._endianness,
    "module_load": QTestSession._module_load,
}


class QTestServer:
    """Connects a :class:`QTestSession` to a chardev on the main loop."""

    def __init__(self, session: QTestSession, chr: Chardev) -> None:
        self.session = session
        self.chr = chr
        self._closing_log: TextIO | None = None
        #: Bytes the chardev did not take yet, sent in order before anything else.
        self._pending = bytearray()
        self._watching = False
        session.on_async_output = self._write

    def start(self, loop: object) -> None:
        import asyncio

        assert isinstance(loop, asyncio.AbstractEventLoop)
        self.chr.set_echo(True)
        self.chr.set_handlers(lambda: QTEST_CAN_READ, self._read, self._event, loop)

    def _write(self, data: bytes) -> None:
        """Send everything, in order (QEMU's qemu_chr_fe_write_all): what the
        chardev does not take now waits for it to become writable."""
        self._pending += data
        if not self._watching:
            self._flush()

    def _flush(self) -> None:
        self._watching = False
        while self._pending:
            taken = self.chr.write(bytes(self._pending))
            if taken < 0:  # the connection is gone: so is its output
                self._pending.clear()
                return
            if taken == 0:
                self._watching = self.chr.add_watch(self._flush)
                if not self._watching:
                    self._pending.clear()
                return
            del self._pending[:taken]

    def _read(self, data: bytes) -> None:
        reply = self.session.feed(data)
        if reply:
            self._write(reply)

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
