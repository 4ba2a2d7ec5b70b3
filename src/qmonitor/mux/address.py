"""Socket addresses as the multiplexer and the test proxy take them.

``unix:PATH`` (or a bare path) and ``tcp:HOST:PORT`` (``[v6]:PORT`` too).
A unix server socket is created with mode 0600, as qmonitor's own.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

#: Mode of a unix socket a listener creates (qmonitor's chardev default).
UNIX_SOCKET_MODE = 0o600

ClientConnected = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]

#: Pending connections a listener queues (asyncio's default).
LISTEN_BACKLOG = 100

#: Largest line a stream reader accepts (QEMU's token limit is 64 MiB).
STREAM_LIMIT = 1 << 27


@dataclass(frozen=True, slots=True)
class Address:
    """A unix socket path, or a TCP host and port."""

    path: str | None = None
    host: str = ""
    port: int = 0

    @property
    def is_unix(self) -> bool:
        return self.path is not None

    def __str__(self) -> str:
        if self.path is not None:
            return f"unix:{self.path}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"tcp:{host}:{self.port}"


def parse_address(text: str) -> Address:
    """``unix:PATH``, ``tcp:HOST:PORT`` or a bare path; ValueError otherwise."""
    if text.startswith("unix:"):
        path = text[5:]
    elif text.startswith("tcp:"):
        rest = text[4:]
        host, sep, port = rest.rpartition(":")
        if not sep or not port.isdigit():
            raise ValueError(f"bad TCP address {text!r}: expected tcp:HOST:PORT")
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        return Address(host=host or "127.0.0.1", port=int(port))
    elif ":" not in text:
        path = text
    else:
        raise ValueError(f"bad address {text!r}: expected unix:PATH or tcp:HOST:PORT")
    if not path:
        raise ValueError(f"bad address {text!r}: empty path")
    return Address(path=path)


async def open_connection(addr: Address) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Connect to ``addr``."""
    if addr.path is not None:
        return await asyncio.open_unix_connection(addr.path, limit=STREAM_LIMIT)
    reader, writer = await asyncio.open_connection(addr.host, addr.port, limit=STREAM_LIMIT)
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return reader, writer


async def connect_retrying(
    addr: Address, timeout: float
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """:func:`open_connection`, retried for ``timeout`` s while nobody listens yet."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            return await open_connection(addr)
        except (ConnectionRefusedError, FileNotFoundError):
            if loop.time() >= deadline:
                raise
            await asyncio.sleep(0.02)


async def start_server(addr: Address, on_client: ClientConnected) -> asyncio.Server:
    """Listen on ``addr``; a unix socket replaces a stale one and gets mode 0600."""
    if addr.path is not None:
        sock = bind_private_unix(addr.path)
        return await asyncio.start_unix_server(
            on_client, sock=sock, limit=STREAM_LIMIT, backlog=LISTEN_BACKLOG
        )
    return await asyncio.start_server(on_client, addr.host, addr.port, limit=STREAM_LIMIT)


def bind_private_unix(path: str) -> socket.socket:
    """A unix socket bound at ``path`` that nobody else can connect to at any moment.

    Bound in a private directory beside ``path``, given mode 0600 there and
    then renamed into place, so ``path`` never exists with the umask's mode;
    where that longer name does not fit a socket address, bound at ``path``
    under a umask that leaves 0600. The socket listens before ``path``
    appears: a client that waits for the path may connect at once.
    """
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    private = tempfile.mkdtemp(prefix=".q", dir=os.path.dirname(os.path.abspath(path)))
    staged = os.path.join(private, "s")
    try:
        try:
            sock.bind(staged)
        except OSError:
            old = os.umask(0o777 & ~UNIX_SOCKET_MODE)
            try:
                sock.bind(path)
            finally:
                os.umask(old)
            sock.listen(LISTEN_BACKLOG)
        else:
            os.chmod(staged, UNIX_SOCKET_MODE)
            sock.listen(LISTEN_BACKLOG)
            os.replace(staged, path)
    except BaseException:
        sock.close()
        raise
    finally:
        with contextlib.suppress(OSError):
            os.unlink(staged)
        os.rmdir(private)
    return sock


def bound_address(server: asyncio.Server, addr: Address) -> Address:
    """Where ``server`` really listens (the port a TCP port 0 got)."""
    if addr.path is not None:
        return addr
    for sock in server.sockets:
        name = sock.getsockname()
        return Address(host=str(name[0]), port=int(name[1]))
    return addr


def set_nodelay(writer: asyncio.StreamWriter) -> None:
    """Disable Nagle on a TCP connection (small messages, round trips)."""
    sock = writer.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
