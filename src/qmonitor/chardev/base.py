"""Character devices: the backend base class and the frontend API monitors use.

QEMU splits a chardev into a backend (socket, stdio, ...) and a frontend
(``CharBackend``) through which a monitor reads and writes.  A chardev here
plays both parts for its single frontend: the monitor installs ``can_read``,
``read`` and ``event`` handlers together with the asyncio loop that must run
them (QEMU's GMainContext), writes without blocking, and asks for a write
watch when the backend took only part of its output.

Writes may come from any thread (QEMU's ``chr_write_lock``); reading,
accepting and the handlers always run on the loop given to
:meth:`Chardev.set_handlers`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from enum import Enum

from qmonitor.errors import QmonitorError
from qmonitor.util.guard import FAILED, call_guarded

log = logging.getLogger("qmonitor.chardev")

#: How much a backend reads at once.  QEMU reads at most ``can_read()`` bytes,
#: and a monitor answers 1, so QEMU reads a byte per system call; qmonitor's
#: frontends buffer what they cannot take yet, so a backend may read more.
READ_CHUNK = 65536


class ChrEvent(Enum):
    """What a backend tells its frontend (QEMU's QEMUChrEvent)."""

    #: A peer is there: a client connected, or the device was opened.
    OPENED = "opened"
    #: The peer went away; output written now is dropped.
    CLOSED = "closed"
    #: A serial break (unused by monitors).
    BREAK = "break"
    #: A mux switched its focus to this frontend.
    MUX_IN = "mux-in"
    #: A mux switched its focus away from this frontend.
    MUX_OUT = "mux-out"


CanReadHandler = Callable[[], int]
ReadHandler = Callable[[bytes], None]
EventHandler = Callable[[ChrEvent], None]
WatchCallback = Callable[[], None]


class ChardevError(QmonitorError):
    """A chardev could not be created or opened; the text is QEMU's."""


class Chardev:
    """Base of every backend, with the frontend slot of QEMU's CharBackend.

    Subclasses implement :meth:`_attach` (start I/O on a loop),
    :meth:`_chr_write`, :meth:`_chr_add_watch`, :meth:`_resume_reading`
    and :meth:`_chr_close`.
    """

    #: QEMU_CHAR_FEATURE_GCONTEXT: the backend can run on any loop, so a QMP
    #: monitor on it lives in the monitor I/O thread and offers OOB.
    supports_gcontext = True
    #: The backend's type as QEMU names it, less ``chardev-`` (``null``, ``stdio``).
    driver = "chardev"

    def __init__(self, label: str) -> None:
        self.label = label
        self.loop: asyncio.AbstractEventLoop | None = None
        self.be_open = False
        self._can_read: CanReadHandler | None = None
        self._read: ReadHandler | None = None
        self._event: EventHandler | None = None
        self._write_lock = threading.Lock()
        self._closed = False

    @property
    def filename(self) -> str:
        """What ``info chardev`` shows after ``filename=``.

        QEMU's default is the driver name; backends that know more (a
        socket's address, a pty's path) say so.
        """
        return self.driver

    # -- frontend API (qemu_chr_fe_*) -------------------------------------

    def set_handlers(
        self,
        can_read: CanReadHandler | None,
        read: ReadHandler | None,
        event: EventHandler | None,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        """Install a frontend's handlers, to run on ``loop``.

        As in QEMU, a backend that is already open reports OPENED to the new
        frontend (that is when a QMP monitor greets a waiting client).
        """
        self._can_read, self._read, self._event = can_read, read, event
        self.loop = loop
        if _running_in(loop):
            self._attach_and_greet()
        else:
            loop.call_soon_threadsafe(self._attach_and_greet)

    def write(self, data: bytes) -> int:
        """Write without blocking: bytes taken (maybe fewer), 0 when full, -1 on error."""
        with self._write_lock:
            if self._closed:
                return -1
            return self._chr_write(data)

    def add_watch(self, callback: WatchCallback) -> bool:
        """Call ``callback`` once, on the handler loop, when writing can go on.

        It also fires when the peer hung up (QEMU watches OUT|HUP).  Returns
        False when the backend has no watch; the monitor then drops output
        it could not write, as QEMU does.
        """
        loop = self.loop
        if loop is None or self._closed:
            return False
        if _running_in(loop):
            return self._chr_add_watch(callback)
        loop.call_soon_threadsafe(self._chr_add_watch, callback)
        return True

    def accept_input(self) -> None:
        """The frontend can take input again: poll ``can_read`` anew."""
        loop = self.loop
        if loop is None or self._closed:
            return
        if _running_in(loop):
            self._resume_reading()
        else:
            loop.call_soon_threadsafe(self._resume_reading)

    def get_msgfd(self) -> int:
        """Take a descriptor the peer sent with its input (``qemu_chr_fe_get_msgfd``).

        -1 when none came, or the backend cannot carry descriptors (only a
        unix socket can).  The caller owns the descriptor.
        """
        return -1

    def set_echo(self, echo: bool) -> None:
        """Ask a terminal backend to echo input or not (``qemu_chr_fe_set_echo``)."""

    @property
    def reading_paused(self) -> bool:
        """Reading stopped because ``can_read`` said 0: :meth:`accept_input` is due."""
        return True

    def close(self) -> None:
        """Release the device (files, sockets, listeners)."""
        with self._write_lock:
            if self._closed:
                return
            self._closed = True
        self._chr_close()

    # -- backend side (qemu_chr_be_*) -------------------------------------

    # The frontend's handlers are guarded: a bug in a monitor must not leave
    # the backend half way through (a socket that no longer listens after a
    # CLOSED handler raised, a reader that stops for good).  The traceback
    # is logged and the backend goes on.

    def be_can_write(self) -> int:
        """How many bytes the frontend takes now (0: stop reading)."""
        can_read = self._can_read
        if can_read is None:
            return 0
        # A can_read that fails says 1: input keeps flowing to the (guarded)
        # read handler rather than stalling the client for good.  The guard
        # is inline here and in be_write: both run for every read.
        try:
            return can_read()
        except Exception:
            log.exception(FAILED, self.label, "can_read handler")
            return 1

    def be_write(self, data: bytes) -> None:
        """Hand input to the frontend."""
        read = self._read
        if read is not None:
            try:
                read(data)
            except Exception:
                log.exception(FAILED, self.label, "read handler")

    def be_event(self, event: ChrEvent) -> None:
        """Report an event to the frontend, tracking whether the backend is open."""
        if event is ChrEvent.OPENED:
            if self.be_open:
                return
            self.be_open = True
        elif event is ChrEvent.CLOSED:
            if not self.be_open:
                return
            self.be_open = False
        if self._event is not None:
            call_guarded(log, self.label, "event handler", self._event, event)

    # -- for subclasses -----------------------------------------------------

    def _attach_and_greet(self) -> None:
        if self._closed:
            return
        self._attach()
        if self.be_open and self._event is not None:
            call_guarded(log, self.label, "event handler", self._event, ChrEvent.OPENED)

    def _attach(self) -> None:
        """Start (or move) the backend's I/O onto ``self.loop``."""

    def _chr_write(self, data: bytes) -> int:
        raise NotImplementedError

    def _chr_add_watch(self, callback: WatchCallback) -> bool:
        return False

    def _resume_reading(self) -> None:
        """Reading had stopped because ``can_read`` said 0; look again."""

    def _chr_close(self) -> None:
        """Release OS resources (called once)."""


class NullChardev(Chardev):
    """``-chardev null``: swallows output, never has input.

    :param driver: the type to report: ``vc`` when the device stands in for a
        console of a display qmonitor does not have.
    """

    driver = "null"

    def __init__(self, label: str, *, driver: str = "null") -> None:
        super().__init__(label)
        self.driver = driver

    def _attach(self) -> None:
        self.be_open = True

    def _chr_write(self, data: bytes) -> int:
        return len(data)


def _running_in(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def call_on(loop: asyncio.AbstractEventLoop, fn: Callable[[], None]) -> None:
    """Run ``fn`` on ``loop``: now if this thread runs it, else as soon as it can."""
    if _running_in(loop):
        fn()
    else:
        loop.call_soon_threadsafe(fn)
