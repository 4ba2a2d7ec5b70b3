"""``-chardev stdio``: the process's standard input and output.

On a terminal the device puts it in raw mode as QEMU does (no echo, no line
editing, 8-bit; Ctrl-C still raises SIGINT unless ``signal=off``); a QMP
monitor turns echo back on.  The terminal is restored when the device
closes or the process exits.

Standard input is read when the frontend can take input; at its end the
frontend gets CLOSED, and output still goes to standard output (QEMU keeps
writing to a stdout whose stdin was closed).  Input from a regular file,
which cannot be polled, is read in chunks from the loop.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import termios
from typing import Any

from qmonitor.chardev.base import READ_CHUNK, ChrEvent
from qmonitor.chardev.fdio import FdChardev


class StdioChardev(FdChardev):
    """Reads fd 0 (or ``rfd``) and writes fd 1 (or ``wfd``)."""

    driver = "stdio"

    def __init__(
        self,
        label: str,
        *,
        rfd: int | None = None,
        wfd: int | None = None,
        allow_signal: bool = True,
    ) -> None:
        super().__init__(label)
        self._rfd = sys.stdin.fileno() if rfd is None else rfd
        self._wfd = sys.stdout.fileno() if wfd is None else wfd
        self._pollable = True
        self.allow_signal = allow_signal
        self._saved_tty: list[Any] | None = None
        if os.isatty(self._rfd):
            with contextlib.suppress(termios.error):
                self._saved_tty = termios.tcgetattr(self._rfd)
                atexit.register(self._restore_tty)
        self.set_echo(False)
        self.be_open = True

    def set_echo(self, echo: bool) -> None:
        """Terminal echo on (cooked) or off (raw), as ``qemu_chr_set_echo_stdio``."""
        if self._saved_tty is None or self._rfd is None:
            return
        tty: list[Any] = [list(x) if isinstance(x, list) else x for x in self._saved_tty]
        iflag, oflag, cflag, lflag = (int(tty[i]) for i in range(4))
        if not echo:
            iflag &= ~(
                termios.IGNBRK
                | termios.BRKINT
                | termios.PARMRK
                | termios.ISTRIP
                | termios.INLCR
                | termios.IGNCR
                | termios.ICRNL
                | termios.IXON
            )
            oflag |= termios.OPOST
            lflag &= ~(termios.ECHO | termios.ECHONL | termios.ICANON | termios.IEXTEN)
            cflag &= ~(termios.CSIZE | termios.PARENB)
            cflag |= termios.CS8
            cc = tty[6]
            cc[termios.VMIN] = 1
            cc[termios.VTIME] = 0
        if not self.allow_signal:
            lflag &= ~termios.ISIG
        tty[0:4] = [iflag, oflag, cflag, lflag]
        with contextlib.suppress(termios.error):
            termios.tcsetattr(self._rfd, termios.TCSANOW, tty)

    def _restore_tty(self) -> None:
        if self._saved_tty is not None:
            with contextlib.suppress(termios.error, OSError):
                termios.tcsetattr(sys.stdin.fileno(), termios.TCSANOW, self._saved_tty)

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
        if self._deliver(data):
            self.loop.call_soon(self._read_file_chunk)

    def _chr_close(self) -> None:
        self._stop_reading()
        self._restore_tty()

    def _on_eof(self) -> None:
        self._stop_reading()
        self._rfd = None
        self.be_event(ChrEvent.CLOSED)
