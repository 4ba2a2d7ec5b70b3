"""``-chardev file``: output to a file, no input (chardev/char-file.c).

The file is created if needed with mode 0666 (less the umask), emptied
unless ``append=on``, and open for writing from the start, so a monitor on
it writes its banner at once.  QEMU's message when the file cannot be
opened is ``Could not open 'PATH': REASON``.
"""

from __future__ import annotations

import contextlib
import os

from qmonitor.chardev.base import Chardev, ChardevError, WatchCallback

#: Mode of a created file, before the umask (QEMU opens with 0666).
FILE_MODE = 0o666


class FileChardev(Chardev):
    """Writes go to ``path``; nothing is ever read."""

    driver = "file"

    def __init__(self, label: str, path: str, *, append: bool = False) -> None:
        super().__init__(label)
        flags = os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC
        flags |= os.O_APPEND if append else os.O_TRUNC
        try:
            self._fd: int | None = os.open(path, flags, FILE_MODE)
        except OSError as exc:
            raise ChardevError(f"Could not open '{path}': {exc.strerror}") from None
        self.path = path
        self.be_open = True

    def _chr_write(self, data: bytes) -> int:
        fd = self._fd
        if fd is None:
            return -1
        done = 0
        view = memoryview(data)
        try:
            while done < len(data):
                done += os.write(fd, view[done:])
        except OSError:
            return done or -1
        return done

    def _chr_add_watch(self, callback: WatchCallback) -> bool:
        # A regular file takes every write whole: there is never anything to wait for.
        return False

    def _chr_close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
