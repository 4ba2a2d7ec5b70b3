"""``-chardev pty``: a new pseudo-terminal for a person to open (chardev/char-pty.c).

The device creates a pty pair, puts the slave side in raw mode, closes it
and tells where it is on standard output, as QEMU's ``qemu_printf`` does
outside a monitor command::

    char device redirected to /dev/pts/3 (label mon0)

Nobody is connected until someone opens that path.  As in QEMU 7.2 the
master is polled for a hang-up once a second; when the hang-up is gone
the frontend gets OPENED and reading starts.  When the peer closes its
side, reading fails and polling starts again; 7.2 sends no CLOSED event
then, so the next peer simply gets a new OPENED.  Output written while
nobody is connected is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import sys
import termios
import tty
from collections.abc import Callable

from qmonitor.chardev.base import ChardevError, ChrEvent, WatchCallback, log
from qmonitor.chardev.fdio import FdChardev
from qmonitor.util.guard import call_guarded

#: Seconds between two looks for a peer (pty_chr_rearm_timer's 1000 ms).
POLL_INTERVAL = 1.0
#: The notice printed when the device is created.
REDIRECTED = "char device redirected to {path} (label {label})\n"


def _print_stdout(message: str) -> None:
    sys.stdout.write(message)
    sys.stdout.flush()


class PtyChardev(FdChardev):
    """The master side of a new pty.

    :param announce: prints the ``char device redirected`` notice (standard
        output by default).
    """

    driver = "pty"

    def __init__(self, label: str, *, announce: Callable[[str], None] = _print_stdout) -> None:
        super().__init__(label)
        try:
            master, slave = os.openpty()
        except OSError as exc:
            raise ChardevError(f"Failed to create PTY: {exc.strerror}") from None
        try:
            with contextlib.suppress(termios.error):
                tty.setraw(slave, termios.TCSAFLUSH)
            self.path = os.ttyname(slave)
        finally:
            os.close(slave)
        os.set_blocking(master, False)
        self._master = master
        self._rfd = self._wfd = master
        self.connected = False
        self._timer: asyncio.TimerHandle | None = None
        announce(REDIRECTED.format(path=self.path, label=label))

    @property
    def filename(self) -> str:
        """QEMU's ``filename`` of the device."""
        return f"pty:{self.path}"

    # -- connection state (pty_chr_state) ------------------------------------------

    def _attach(self) -> None:
        self._update_read_handler()

    def _peer_present(self) -> bool:
        """No hang-up on the master: someone has the slave side open."""
        poller = select.poll()
        poller.register(self._master, select.POLLOUT)
        events = poller.poll(0)
        return not any(ev & select.POLLHUP for _, ev in events)

    def _update_read_handler(self) -> None:
        if self._closed:
            return
        self._set_state(self._peer_present())

    def _set_state(self, connected: bool) -> None:
        if not connected:
            self._stop_reading()
            self.connected = False
            # No CLOSED in 7.2; forget the open state so the next peer is announced.
            self.be_open = False
            self._rearm_timer()
            return
        self._cancel_timer()
        if not self.connected:
            self.connected = True
            self.be_event(ChrEvent.OPENED)
        self._resume_reading()

    def _rearm_timer(self) -> None:
        self._cancel_timer()
        if self.loop is not None and not self._closed:
            self._timer = self.loop.call_later(POLL_INTERVAL, self._on_timer)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _on_timer(self) -> None:
        self._timer = None
        if not self.connected and not call_guarded(
            log, self.label, "peer poll", self._update_read_handler
        ):
            self._rearm_timer()  # keep looking for a peer

    def _on_eof(self) -> None:
        # Reading the master fails (EIO) once the peer closed the slave.
        self._set_state(False)

    # -- output ----------------------------------------------------------------

    def _chr_write(self, data: bytes) -> int:
        if not self.connected:
            return len(data)
        return super()._chr_write(data)

    def _chr_add_watch(self, callback: WatchCallback) -> bool:
        if not self.connected:
            return False
        return super()._chr_add_watch(callback)

    def _chr_close(self) -> None:
        self._cancel_timer()
        self._stop_reading()
        self._remove_writer()
        self.connected = False
        self._rfd = self._wfd = None
        with contextlib.suppress(OSError):
            os.close(self._master)
