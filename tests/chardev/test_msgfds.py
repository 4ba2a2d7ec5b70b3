"""Descriptors received with a unix socket chardev's input (qmonitor.chardev.msgfds)."""

from __future__ import annotations

import fcntl
import os
import socket
from collections.abc import Iterator

import pytest

from qmonitor.chardev.msgfds import SOCKET_MAX_FDS, MsgFds, recv_with_fds


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with a, b:
        yield a, b


def _count_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _closed(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return True
    return False


def test_descriptors_come_with_the_bytes(pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    r, w = os.pipe()
    os.set_blocking(w, False)
    socket.send_fds(a, [b"{}"], [w])
    os.close(w)
    data, fds = recv_with_fds(b, 4096)
    assert data == b"{}"
    assert len(fds) == 1
    got = fds[0]
    # Made blocking (the open file's flag travels) and close-on-exec.
    assert os.get_blocking(got)
    assert fcntl.fcntl(got, fcntl.F_GETFD) & fcntl.FD_CLOEXEC
    os.write(got, b"x")
    assert os.read(r, 1) == b"x"
    os.close(got)
    os.close(r)


def test_at_most_socket_max_fds_are_taken(pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    before = _count_fds()
    sent = [os.open(os.devnull, os.O_RDONLY) for _ in range(SOCKET_MAX_FDS + 4)]
    socket.send_fds(a, [b" "], sent)
    for fd in sent:
        os.close(fd)
    data, fds = recv_with_fds(b, 16)
    assert data == b" "
    assert len(fds) == SOCKET_MAX_FDS
    for fd in fds:
        os.close(fd)
    assert _count_fds() == before


def test_plain_reads_have_none(pair: tuple[socket.socket, socket.socket]) -> None:
    a, b = pair
    a.sendall(b"abc")
    assert recv_with_fds(b, 10) == (b"abc", [])


def test_new_descriptors_replace_those_held() -> None:
    held = MsgFds()
    first = [os.open(os.devnull, os.O_RDONLY) for _ in range(2)]
    second = [os.open(os.devnull, os.O_RDONLY) for _ in range(3)]
    held.arrived(first)
    held.arrived([])  # a read without descriptors leaves them
    assert len(held) == 2
    held.arrived(second)
    assert all(_closed(fd) for fd in first)
    assert held.take(1) == second[:1]
    # The others were closed, and nothing is held any more.
    assert all(_closed(fd) for fd in second[1:])
    assert held.take(1) == []
    os.close(second[0])


def test_clear_closes_what_nobody_took() -> None:
    held = MsgFds()
    fds = [os.open(os.devnull, os.O_RDONLY) for _ in range(2)]
    held.arrived(fds)
    held.clear()
    assert all(_closed(fd) for fd in fds)
    assert len(held) == 0
