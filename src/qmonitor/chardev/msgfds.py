"""File descriptors received over a unix socket with SCM_RIGHTS.

As QEMU's socket chardev (chardev/char-socket.c over io/channel-socket.c):
each read of a unix socket connection also takes the descriptors sent
with the bytes read.  Descriptors that arrive replace (and close) those
still held from an earlier read; a frontend takes them with
:meth:`MsgFds.take` (``qemu_chr_fe_get_msgfd``), which closes those it
did not ask for; the rest are closed when the connection ends.  A
received descriptor is made blocking (``O_NONBLOCK`` travels with the
open file) and close-on-exec.
"""

from __future__ import annotations

import array
import contextlib
import os
import socket
import threading

#: Most descriptors taken with one read (SOCKET_MAX_FDS, io/channel-socket.c):
#: the kernel closes those that do not fit the control buffer.
SOCKET_MAX_FDS = 16

_INT_SIZE = array.array("i").itemsize
_ANC_SIZE = socket.CMSG_SPACE(SOCKET_MAX_FDS * _INT_SIZE)
_RECV_FLAGS = getattr(socket, "MSG_CMSG_CLOEXEC", 0)


#: What a read without descriptors returns (shared: never changed).
_NO_FDS: list[int] = []


def recv_with_fds(conn: socket.socket, size: int) -> tuple[bytes, list[int]]:
    """Read up to ``size`` bytes and the descriptors that came with them.

    Raises what ``recv`` raises (``BlockingIOError`` when nothing waits).
    """
    data, ancdata, _flags, _addr = conn.recvmsg(size, _ANC_SIZE, _RECV_FLAGS)
    if not ancdata:  # the common case: plain input
        return data, _NO_FDS
    fds: list[int] = []
    for level, kind, payload in ancdata:
        if level != socket.SOL_SOCKET or kind != socket.SCM_RIGHTS:
            continue
        received = array.array("i")
        received.frombytes(payload[: len(payload) - len(payload) % _INT_SIZE])
        fds.extend(received)
    for fd in fds:
        if fd < 0:
            continue
        with contextlib.suppress(OSError):
            os.set_blocking(fd, True)
        if not _RECV_FLAGS:
            with contextlib.suppress(OSError):
                os.set_inheritable(fd, False)
    return data, fds


class MsgFds:
    """The descriptors a connection received and no one has taken yet."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fds: list[int] = []

    def arrived(self, fds: list[int]) -> None:
        """Descriptors came with a read: they replace (and close) those held."""
        if not fds:
            return
        with self._lock:
            old, self._fds = self._fds, fds
        _close_all(old)

    def take(self, num: int = 1) -> list[int]:
        """Up to ``num`` descriptors for the frontend; the others held are closed."""
        with self._lock:
            fds, self._fds = self._fds, []
        _close_all(fds[num:])
        return fds[:num]

    def clear(self) -> None:
        """The connection ended: close what nobody took."""
        with self._lock:
            fds, self._fds = self._fds, []
        _close_all(fds)

    def __len__(self) -> int:
        return len(self._fds)


def _close_all(fds: list[int]) -> None:
    for fd in fds:
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)
