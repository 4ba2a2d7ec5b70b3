"""``mux=on``: several frontends share one chardev (QEMU's chardev/char-mux.c).

A mux sits on a base chardev (``-chardev stdio,mux=on,id=c`` makes ``c``
on top of ``c-base``; ``-serial mon:stdio`` makes ``serial0``).  Every
frontend that installs handlers gets a slot and the input focus; output
of every frontend goes to the base.  Input goes to the focused frontend,
through a small per-frontend buffer while it cannot take it, except for
the escape character Ctrl-A and the command after it:

=========  ==============================================================
``C-a h``  print the help (also ``C-a ?``)
``C-a x``  print ``QEMU: Terminated`` and quit
``C-a s``  commit disk data (a null machine has none)
``C-a t``  toggle timestamps at the start of output lines
``C-a b``  send a break to the focused frontend
``C-a c``  give the focus to the next frontend
``C-a C-a`` send Ctrl-A itself
=========  ==============================================================

Any other byte after Ctrl-A is dropped.  A mux has no echo control of its
own: a QMP monitor on it leaves the terminal as it is.  As in QEMU, frontends learn that
the device is open only once the command line is done: the mux holds its
OPENED event back until the loop runs (``resume_mux_open``), then tells
every frontend, whether or not the base has a peer yet.  Focus changes
reach frontends as MUX_OUT / MUX_IN events.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from qmonitor.chardev.base import (
    READ_CHUNK,
    CanReadHandler,
    Chardev,
    ChardevError,
    ChrEvent,
    EventHandler,
    ReadHandler,
    WatchCallback,
    call_on,
    log,
)
from qmonitor.util.guard import call_guarded, guarded_value

#: Frontends per mux (MAX_MUX in chardev/char-mux.h).
MAX_MUX = 4
#: Input held per frontend before the base stops being read (MUX_BUFFER_SIZE).
MUX_BUFFER_SIZE = 32
#: The escape character: Ctrl-A (``term_escape_char``).
ESCAPE_CHAR = 0x01

#: ``C-a h``: the help, its ``%`` standing for the escape key's name (mux_help).
MUX_HELP = (
    "% h    print this help\n\r",
    "% x    exit emulator\n\r",
    "% s    save disk data back to file (if -snapshot)\n\r",
    "% t    toggle console timestamps\n\r",
    "% b    send break (magic sysrq)\n\r",
    "% c    switch between console and monitor\n\r",
    "% %  sends %\n\r",
)
#: What ``C-a x`` prints before quitting.
TERMINATED = "QEMU: Terminated\n\r"
#: Error when a fifth frontend attaches.
TOO_MANY = "too many uses of multiplexed chardev '{}' (maximum is " + str(MAX_MUX) + ")"


def escape_name(ch: int) -> str:
    """How the help names the escape key: ``C-a`` for Ctrl-A."""
    return f"C-{chr(ch - 1 + ord('a'))}" if 0 < ch < 26 else "Escape-Char"


def help_text(ch: int = ESCAPE_CHAR) -> bytes:
    """The bytes ``C-a h`` writes (mux_print_help)."""
    head = "\n\r" if 0 < ch < 26 else f"\n\rEscape-Char set to Ascii: 0x{ch:02x}\n\r\n\r"
    name = escape_name(ch)
    return (head + "".join(line.replace("%", name) for line in MUX_HELP)).encode()


def timestamp(ms: int) -> bytes:
    """``[hh:mm:ss.mmm] ``: time since timestamps were switched on."""
    secs = ms // 1000
    return (f"[{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}.{ms % 1000:03d}] ").encode()


@dataclass(eq=False)
class _Frontend:
    """One frontend slot (QEMU keeps a CharBackend pointer and a ring buffer)."""

    can_read: CanReadHandler | None
    read: ReadHandler | None
    event: EventHandler | None
    buffer: bytearray = field(default_factory=bytearray)


def _guarded_frontend(
    label: str,
    can_read: CanReadHandler | None,
    read: ReadHandler | None,
    event: EventHandler | None,
) -> _Frontend:
    """A slot whose handlers log a failure and go on.

    One frontend's bug must neither lose the rest of an input chunk nor keep
    the other frontends from an event (the base's own handlers are guarded
    by the base).
    """

    def guarded_can_read(fn: CanReadHandler) -> CanReadHandler:
        def run() -> int:
            return guarded_value(log, label, "mux frontend can_read", 1, fn)

        return run

    def guarded_read(fn: ReadHandler) -> ReadHandler:
        def run(data: bytes) -> None:
            call_guarded(log, label, "mux frontend read", fn, data)

        return run

    def guarded_event(fn: EventHandler) -> EventHandler:
        def run(ev: ChrEvent) -> None:
            call_guarded(log, label, "mux frontend event", fn, ev)

        return run

    return _Frontend(
        guarded_can_read(can_read) if can_read is not None else None,
        guarded_read(read) if read is not None else None,
        guarded_event(event) if event is not None else None,
    )


class MuxChardev(Chardev):
    """A multiplexer over ``base``.

    :param base: the device that really does I/O.
    :param clock: milliseconds for timestamps (QEMU_CLOCK_REALTIME).
    """

    driver = "mux"

    def __init__(
        self,
        label: str,
        base: Chardev,
        *,
        clock: Callable[[], float] = lambda: time.monotonic() * 1000,
    ) -> None:
        super().__init__(label)
        self.base = base
        self.supports_gcontext = base.supports_gcontext
        #: What ``C-a x`` calls after printing (QEMU's qmp_quit).
        self.quit_handler: Callable[[], None] | None = None
        self._clock = clock
        self._frontends: list[_Frontend] = []
        # Frontends whose handlers must run on another loop attach when the
        # mux opens, as QEMU attaches them from a bottom half.
        self._deferred: list[_Frontend] = []
        self.focus = -1
        self._opened = False
        self._open_scheduled = False
        self._got_escape = False
        #: The escape character (``-echr``; QEMU's term_escape_char, for every mux).
        self.escape_char = ESCAPE_CHAR
        self.timestamps = False
        self._timestamps_start = -1
        self._linestart = False

    # -- frontend API ----------------------------------------------------------

    def set_handlers(
        self,
        can_read: CanReadHandler | None,
        read: ReadHandler | None,
        event: EventHandler | None,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        """Attach one more frontend: it takes the focus (qemu_chr_fe_set_handlers).

        The base is read on the loop of whoever attached first, and every
        frontend's handlers run there.
        """
        if len(self._frontends) + len(self._deferred) >= MAX_MUX:
            raise ChardevError(TOO_MANY.format(self.label))
        frontend = _guarded_frontend(self.label, can_read, read, event)
        first = self.loop is None
        if first:
            try:
                self.loop = asyncio.get_running_loop()
            except RuntimeError:
                self.loop = loop
        mux_loop = self.loop
        assert mux_loop is not None
        if first:
            self.base.set_handlers(self._base_can_read, self._base_read, self._base_event, mux_loop)
        if loop is not mux_loop and not self._opened:
            self._deferred.append(frontend)
        else:
            self._attach_frontend(frontend)
        if not self._opened and not self._open_scheduled:
            self._open_scheduled = True
            mux_loop.call_soon_threadsafe(self.open_muxes)

    def _attach_frontend(self, frontend: _Frontend) -> None:
        self._frontends.append(frontend)
        self.set_focus(len(self._frontends) - 1)
        if self._opened and frontend.event is not None:
            frontend.event(ChrEvent.OPENED)

    def open_muxes(self) -> None:
        """Command-line processing is over: tell every frontend the device is open."""
        if self._opened:
            return
        for frontend in self._deferred:
            self._attach_frontend(frontend)
        self._deferred.clear()
        self._opened = True
        self.be_open = True
        self._send_all(ChrEvent.OPENED)

    def _chr_write(self, data: bytes) -> int:
        """Output of any frontend goes to the base (with timestamps if on)."""
        if not self.timestamps:
            return self.base.write(data)
        done = 0
        for byte in data:
            if self._linestart:
                now = int(self._clock())
                if self._timestamps_start == -1:
                    self._timestamps_start = now
                self.base.write(timestamp(now - self._timestamps_start))
                self._linestart = False
            rc = self.base.write(bytes([byte]))
            if rc > 0:
                done += rc
            if byte == 0x0A:
                self._linestart = True
        return done

    def add_watch(self, callback: WatchCallback) -> bool:
        return self.base.add_watch(callback)

    def accept_input(self) -> None:
        """The focused frontend can take input: hand it what is held, then read on."""
        loop = self.loop
        if loop is None or self._closed:
            return
        call_on(loop, self._drain)

    @property
    def reading_paused(self) -> bool:
        focused = self._focused()
        return bool(focused is not None and focused.buffer) or self.base.reading_paused

    def close(self) -> None:
        with self._write_lock:
            if self._closed:
                return
            self._closed = True
        self.base.close()

    # -- focus -------------------------------------------------------------------

    def _focused(self) -> _Frontend | None:
        if 0 <= self.focus < len(self._frontends):
            return self._frontends[self.focus]
        return None

    def set_focus(self, index: int) -> None:
        """Move the input focus (mux_set_focus): MUX_OUT to the old, MUX_IN to the new."""
        old = self._focused()
        if old is not None and old.event is not None:
            old.event(ChrEvent.MUX_OUT)
        self.focus = index
        new = self._focused()
        if new is not None and new.event is not None:
            new.event(ChrEvent.MUX_IN)

    def _send_all(self, event: ChrEvent) -> None:
        for frontend in list(self._frontends):
            if frontend.event is not None:
                frontend.event(event)

    # -- the base's frontend side --------------------------------------------------

    def _base_can_read(self) -> int:
        focused = self._focused()
        if focused is None or len(focused.buffer) < MUX_BUFFER_SIZE:
            return READ_CHUNK
        if focused.can_read is not None:
            return focused.can_read()
        return 0

    def _base_event(self, event: ChrEvent) -> None:
        # Before the command line is done, QEMU's muxes swallow base events.
        if self._opened:
            self._send_all(event)

    def _base_read(self, data: bytes) -> None:
        self._drain(notify=False)
        for byte in data:
            if not self._proc_byte(byte):
                continue
            focused = self._focused()
            if focused is None:
                continue
            if not focused.buffer and focused.can_read is not None and focused.can_read() > 0:
                if focused.read is not None:
                    focused.read(bytes([byte]))
            else:
                focused.buffer.append(byte)

    def _drain(self, notify: bool = True) -> None:
        """mux_chr_accept_input: feed held input while the focused frontend takes it."""
        focused = self._focused()
        if focused is not None and focused.can_read is not None and focused.read is not None:
            while focused.buffer and focused.can_read() > 0:
                byte = focused.buffer.pop(0)
                focused.read(bytes([byte]))
        if notify:
            self.base.accept_input()

    def _proc_byte(self, byte: int) -> bool:
        """The escape state machine (mux_proc_byte): True if the byte is input."""
        if self._got_escape:
            self._got_escape = False
            if byte == self.escape_char:
                return True
            command = _ESCAPE_COMMANDS.get(byte)
            if command is not None:
                command(self)
            return False
        if byte == self.escape_char:
            self._got_escape = True
            return False
        return True

    # -- escape commands -------------------------------------------------------------

    def _print_help(self) -> None:
        self.write(help_text(self.escape_char))

    def _quit(self) -> None:
        self.write(TERMINATED.encode())
        if self.quit_handler is not None:
            self.quit_handler()

    def _commit(self) -> None:
        """``C-a s`` commits every block device's snapshot; there are none."""

    def _break(self) -> None:
        focused = self._focused()
        if focused is not None and focused.event is not None:
            focused.event(ChrEvent.BREAK)

    def _switch(self) -> None:
        if self._frontends:
            self.set_focus((self.focus + 1) % len(self._frontends))

    def _toggle_timestamps(self) -> None:
        self.timestamps = not self.timestamps
        self._timestamps_start = -1
        self._linestart = False


_ESCAPE_COMMANDS: dict[int, Callable[[MuxChardev], None]] = {
    ord("?"): MuxChardev._print_help,
    ord("h"): MuxChardev._print_help,
    ord("x"): MuxChardev._quit,
    ord("s"): MuxChardev._commit,
    ord("b"): MuxChardev._break,
    ord("c"): MuxChardev._switch,
    ord("t"): MuxChardev._toggle_timestamps,
}
