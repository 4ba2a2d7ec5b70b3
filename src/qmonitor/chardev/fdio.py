"""Shared plumbing of backends that move bytes over file descriptors.

Reading follows the frontend's ``can_read``: when it answers 0 the backend
stops polling its fd until :meth:`Chardev.accept_input`.  Writing is one
non-blocking system call; what does not fit is the frontend's to keep (the
monitor's output buffer), and a write watch tells it when to try again.
"""

from __future__ import annotations

import os

from qmonitor.chardev.base import READ_CHUNK, Chardev, WatchCallback, log
from qmonitor.util.guard import FAILED, call_guarded


class FdChardev(Chardev):
    """A backend reading ``rfd`` and writing ``wfd`` on its handler loop."""

    def __init__(self, label: str) -> None:
        super().__init__(label)
        self._rfd: int | None = None
        self._wfd: int | None = None
        self._reading = False
        self._watchers: list[WatchCallback] = []
        self._writer_fd: int | None = None

    # -- reading ---------------------------------------------------------

    def _start_reading(self) -> None:
        if self._rfd is None or self._reading or self.loop is None:
            return
        self._reading = True
        self.loop.add_reader(self._rfd, self._on_readable)

    def _stop_reading(self) -> None:
        if self._reading and self._rfd is not None and self.loop is not None:
            self.loop.remove_reader(self._rfd)
        self._reading = False

    @property
    def reading_paused(self) -> bool:
        return self._rfd is not None and not self._reading

    def _resume_reading(self) -> None:
        if self._rfd is not None and not self._reading and self.be_can_write() > 0:
            self._start_reading()

    def _on_readable(self) -> None:
        # A bug on the backend's own side of a read (the frontend's handler
        # is guarded apart): end this input as at EOF, so that the loop does
        # not spin on an fd that fails the same way each time, and the next
        # client (a socket's) is served.  (The guard is inline: this runs
        # for every read.)
        try:
            self._readable()
        except Exception:
            log.exception(FAILED, self.label, "read callback")
            call_guarded(log, self.label, "end of input", self._on_eof)

    def _readable(self) -> None:
        rfd = self._rfd
        if rfd is None:
            return
        if self.be_can_write() <= 0:
            self._stop_reading()
            # The frontend may have resumed from another thread between the
            # check and the stop, having seen reading still on: look again.
            if self.be_can_write() > 0:
                self._start_reading()
            return
        try:
            data = self._recv(rfd)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        self._deliver(data)

    def _deliver(self, data: bytes) -> bool:
        """Hand input to the frontend; empty input is the end of it."""
        if not data:
            self._on_eof()
            return False
        self.be_write(data)
        return True

    def _recv(self, fd: int) -> bytes:
        return os.read(fd, READ_CHUNK)

    def _on_eof(self) -> None:
        """The input side reached its end (subclasses decide what that means)."""
        self._stop_reading()

    # -- writing ---------------------------------------------------------

    def _chr_write(self, data: bytes) -> int:
        wfd = self._wfd
        if wfd is None:
            return -1
        try:
            return self._send(wfd, data)
        except (BlockingIOError, InterruptedError):
            return 0
        except OSError:
            self._write_failed()
            return -1

    def _send(self, fd: int, data: bytes) -> int:
        return os.write(fd, data)

    def _write_failed(self) -> None:
        """A write hit an error other than 'would block' (e.g. EPIPE)."""

    def _chr_add_watch(self, callback: WatchCallback) -> bool:
        wfd = self._wfd
        if wfd is None or self.loop is None:
            # Nothing to wait for: the peer is gone, let the frontend drop.
            if self.loop is not None:
                self.loop.call_soon(callback)
            return True
        self._watchers.append(callback)
        if self._writer_fd is None:
            self._writer_fd = wfd
            self.loop.add_writer(wfd, self._on_writable)
        return True

    def _on_writable(self) -> None:
        self._remove_writer()
        callbacks, self._watchers = self._watchers, []
        for callback in callbacks:
            # One failing watcher must not keep the others from their turn.
            call_guarded(log, self.label, "write watch", callback)

    def _remove_writer(self) -> None:
        if self._writer_fd is not None and self.loop is not None:
            self.loop.remove_writer(self._writer_fd)
        self._writer_fd = None

    def _fire_watchers(self) -> None:
        """Hang-up: wake whoever waits to write, so it can drop its output."""
        self._remove_writer()
        callbacks, self._watchers = self._watchers, []
        if self.loop is not None:
            for callback in callbacks:
                self.loop.call_soon(callback)
