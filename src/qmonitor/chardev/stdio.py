"""``-chardev stdio``: the process's standard input and output.

Standard input is read when the frontend can take input; at its end the
frontend gets CLOSED, and output still goes to standard output (QEMU keeps
writing to a stdout whose stdin was closed).  Input from a regular file,
which cannot be polled, is read in chunks from the loop.
"""

from __future__ import annotations

import os
import sys

from qmonitor.chardev.base import READ_CHUNK, ChrEvent
from qmonitor.chardev.fdio import FdChardev


class StdioChardev(FdChardev):
    """Reads fd 0 (or ``rfd``) and writes fd 1 (or ``wfd``)."""

    def __init__(self, label: str, *, rfd: int | None = None, wfd: int | None = None) -> None:
        super().__init__(label)
        self._rfd = sys.stdin.fileno() if rfd is None else rfd
        self._wfd = sys.stdout.fileno() if wfd is None else wfd
        self._pollable = True
        self.be_open = True

    def _attach(self) -> None:
        self._start_reading()

    def _start_reading(self) -> None:
        if self._rfd is None or self._reading or self.loop is None:
            return
        if self._pollable:
            try:
                super()._start_reading()
                return
            except PermissionError:
                # epoll refuses regular files; they never block, so poll by hand.
                self._reading = False
                self._pollable = False
        self._reading = True
        self.loop.call_soon(self._read_file_chunk)

    def _stop_reading(self) -> None:
        if self._pollable:
            super()._stop_reading()
        self._reading = False

    def _read_file_chunk(self) -> None:
        if not self._reading or self._rfd is None or self.loop is None:
            return
        if self.be_can_write() <= 0:
            self._reading = False
            return
        try:
            data = os.read(self._rfd, READ_CHUNK)
        except OSError:
            data = b""
        if not data:
            self._on_eof()
            return
        self.be_write(data)
        self.loop.call_soon(self._read_file_chunk)

    def _on_eof(self) -> None:
        self._stop_reading()
        self._rfd = None
        self.be_event(ChrEvent.CLOSED)
