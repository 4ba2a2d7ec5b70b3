"""The socket chardev: one client at a time, reconnects, backpressure, modes."""

from __future__ import annotations

import asyncio
import os
import socket
import stat
from pathlib import Path

import pytest

from qmonitor.chardev.base import ChardevError, ChrEvent
from qmonitor.chardev.socket import SocketChardev


class Frontend:
    def __init__(self, chr: SocketChardev, loop: asyncio.AbstractEventLoop) -> None:
        self.events: list[ChrEvent] = []
        self.data = bytearray()
        self.readable = True
        chr.set_handlers(self.can_read, self.read, self.events.append, loop)

    def can_read(self) -> int:
        return 4096 if self.readable else 0

    def read(self, data: bytes) -> None:
        self.data += data


async def settle(pred: object, timeout: float = 2.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not pred():  # type: ignore[operator]
        if loop.time() > end:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.005)


def connect(path: Path) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(str(path))
    s.setblocking(False)
    return s


def test_unix_server_mode_0600_and_stale_file_replaced(tmp_path: Path) -> None:
    path = tmp_path / "q.sock"
    path.write_text("stale")
    chr = SocketChardev("c", path=str(path), server=True, wait=False)
    try:
        assert stat.S_ISSOCK(os.stat(path).st_mode)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert chr.filename == f"disconnected:unix:{path},server=on"
    finally:
        chr.close()


def test_bind_error_text(tmp_path: Path) -> None:
    bad = tmp_path / "missing" / "q.sock"
    with pytest.raises(ChardevError) as info:
        SocketChardev("c", path=str(bad), server=True, wait=False)
    assert str(info.value) == f"Failed to bind socket to {bad}: No such file or directory"


def test_connect_error_text(tmp_path: Path) -> None:
    path = tmp_path / "none.sock"
    with pytest.raises(ChardevError) as info:
        SocketChardev("c", path=str(path))
    assert str(info.value) == f"Failed to connect to '{path}': No such file or directory"


def test_one_client_at_a_time_then_next(tmp_path: Path) -> None:
    path = tmp_path / "q.sock"

    async def main() -> None:
        loop = asyncio.get_running_loop()
        chr = SocketChardev("c", path=str(path), server=True, wait=False)
        fe = Frontend(chr, loop)
        first = connect(path)
        await settle(lambda: fe.events == [ChrEvent.OPENED])
        second = connect(path)  # queued in the backlog, not accepted
        await asyncio.sleep(0.05)
        assert fe.events == [ChrEvent.OPENED]
        assert chr.write(b"hi") == 2
        await asyncio.sleep(0.01)
        assert first.recv(10) == b"hi"
        first.sendall(b"req")
        await settle(lambda: bytes(fe.data) == b"req")
        first.close()
        await settle(lambda: fe.events == [ChrEvent.OPENED, ChrEvent.CLOSED, ChrEvent.OPENED])
        assert chr.write(b"to-second") == 9
        await asyncio.sleep(0.01)
        assert second.recv(20) == b"to-second"
        second.close()
        await settle(lambda: fe.events[-1] is ChrEvent.CLOSED)
        assert chr.write(b"nobody") == -1
        chr.close()

    asyncio.run(main())


def test_can_read_zero_pauses_reading_until_accept_input(tmp_path: Path) -> None:
    path = tmp_path / "q.sock"

    async def main() -> None:
        loop = asyncio.get_running_loop()
        chr = SocketChardev("c", path=str(path), server=True, wait=False)
        fe = Frontend(chr, loop)
        fe.readable = False
        client = connect(path)
        await settle(lambda: fe.events == [ChrEvent.OPENED])
        client.sendall(b"held")
        await asyncio.sleep(0.05)
        assert fe.data == b""
        fe.readable = True
        chr.accept_input()
        await settle(lambda: bytes(fe.data) == b"held")
        client.close()
        chr.close()

    asyncio.run(main())


def test_partial_write_and_watch(tmp_path: Path) -> None:
    path = tmp_path / "q.sock"

    async def main() -> None:
        loop = asyncio.get_running_loop()
        chr = SocketChardev("c", path=str(path), server=True, wait=False)
        fe = Frontend(chr, loop)
        client = connect(path)
        await settle(lambda: fe.events == [ChrEvent.OPENED])
        big = b"x" * (8 << 20)
        n = chr.write(big)
        assert 0 < n < len(big)
        assert chr.write(big) == 0  # full: would block
        fired = asyncio.Event()
        assert chr.add_watch(fired.set)
        got = 0
        while not fired.is_set() and got < n:
            try:
                got += len(client.recv(1 << 20))
            except BlockingIOError:
                await asyncio.sleep(0.001)
        await asyncio.wait_for(fired.wait(), 2)
        client.close()
        chr.close()

    asyncio.run(main())


def test_tcp_server_and_client(tmp_path: Path) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = SocketChardev("s", host="127.0.0.1", port="0", server=True, wait=False)
        fe = Frontend(server, loop)
        addr = server.listen_address
        assert isinstance(addr, tuple)
        client = await loop.run_in_executor(
            None, lambda: SocketChardev("c", host="127.0.0.1", port=str(addr[1]))
        )
        cfe = Frontend(client, loop)
        await settle(lambda: fe.events == [ChrEvent.OPENED])
        assert cfe.events == [ChrEvent.OPENED]
        port = addr[1]
        assert server.filename.startswith(f"tcp:127.0.0.1:{port},server=on <-> 127.0.0.1:")
        local = client.filename.split(" <-> ")[0]
        assert client.filename == f"{local} <-> 127.0.0.1:{port}"
        assert local.startswith("tcp:127.0.0.1:")
        client.write(b"ping")
        await settle(lambda: bytes(fe.data) == b"ping")
        client.close()
        await settle(lambda: fe.events[-1] is ChrEvent.CLOSED)
        server.close()

    asyncio.run(main())


def test_filenames_as_info_chardev_shows_them(tmp_path: Path) -> None:
    """QEMU's texts (char-socket.c): a unix client's own address has no path;
    a server shows the address it really listens on (localhost resolved)."""
    path = tmp_path / "s.sock"
    server = SocketChardev("s", path=str(path), server=True, wait=False)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(str(tmp_path / "ext.sock"))
        listener.listen(1)
        client = SocketChardev("c", path=str(tmp_path / "ext.sock"))
        try:
            assert server.filename == f"disconnected:unix:{path},server=on"
            assert client.filename == "unix:"
        finally:
            client.close()
        tcp = SocketChardev("t", host="localhost", port="0", server=True, wait=False)
        try:
            addr = tcp.listen_address
            assert isinstance(addr, tuple)
            assert tcp.filename == f"disconnected:tcp:{addr[0]}:{addr[1]},server=on"
            assert addr[0] in ("127.0.0.1", "::1")
        finally:
            tcp.close()
    finally:
        server.close()
        listener.close()


@pytest.mark.skipif(not socket.has_ipv6, reason="no IPv6")
def test_ipv6_filename_has_no_brackets_while_disconnected() -> None:
    try:
        tcp = SocketChardev("t", host="::1", port="0", server=True, wait=False)
    except ChardevError:
        pytest.skip("::1 is not available")
    try:
        addr = tcp.listen_address
        assert isinstance(addr, tuple)
        assert tcp.filename == f"disconnected:tcp:::1:{addr[1]},server=on"
    finally:
        tcp.close()


# -- fd=N: an inherited socket ------------------------------------------------


def test_fd_listening_socket_served_as_one_it_created(tmp_path: Path) -> None:
    """libvirt's way: the socket listens already; clients come one at a time."""
    path = tmp_path / "l.sock"
    inherited = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    inherited.bind(str(path))
    inherited.listen(5)
    fd = os.dup(inherited.fileno())
    inherited.close()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        chr = SocketChardev("c", fd=fd, server=True, wait=False)
        assert chr.filename == f"disconnected:unix:{path},server=on"
        assert chr.socket_address == {"type": "unix", "path": str(path)}
        fe = Frontend(chr, loop)
        first = connect(path)
        await settle(lambda: fe.events == [ChrEvent.OPENED])
        assert chr.filename == f"unix:{path},server=on"
        second = connect(path)
        await asyncio.sleep(0.05)
        assert fe.events == [ChrEvent.OPENED]
        first.sendall(b"one")
        await settle(lambda: bytes(fe.data) == b"one")
        first.close()
        await settle(lambda: fe.events == [ChrEvent.OPENED, ChrEvent.CLOSED, ChrEvent.OPENED])
        assert chr.write(b"to-second") == 9
        await asyncio.sleep(0.01)
        assert second.recv(20) == b"to-second"
        second.close()
        await settle(lambda: fe.events[-1] is ChrEvent.CLOSED)
        chr.close()

    asyncio.run(main())


def test_fd_tcp_socket_not_yet_listening_is_made_to_listen() -> None:
    bound = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    bound.bind(("127.0.0.1", 0))
    port = bound.getsockname()[1]
    chr = SocketChardev("c", fd=bound.detach(), server=True, wait=False)
    try:
        assert chr.filename == f"disconnected:tcp:127.0.0.1:{port},server=on"
        assert chr.socket_address == {
            "type": "inet",
            "host": "127.0.0.1",
            "port": str(port),
            "ipv4": True,
        }
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass  # the kernel completes it: the socket listens
    finally:
        chr.close()


def test_fd_connected_socket_as_client() -> None:
    mine, peer = socket.socketpair()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        chr = SocketChardev("c", fd=mine.detach(), fd_name="07")
        fe = Frontend(chr, loop)
        assert fe.events == [ChrEvent.OPENED]
        assert chr.filename == "unix:"
        assert chr.write(b"hello") == 5
        assert peer.recv(10) == b"hello"
        peer.sendall(b"back")
        await settle(lambda: bytes(fe.data) == b"back")
        peer.close()
        await settle(lambda: fe.events[-1:] == [ChrEvent.CLOSED])
        # No reconnecting: it stays as QEMU shows it, named as given.
        assert chr.filename == "disconnected:fd:07"
        assert chr.socket_address == {"type": "fd", "str": "07"}
        chr.close()

    asyncio.run(main())


def test_fd_errors_are_qemus(tmp_path: Path) -> None:
    """Texts of QEMU 7.2 (util/qemu-sockets.c), checked against qemu-system-x86_64."""
    closed = os.dup(0)
    os.close(closed)
    regular = os.open(tmp_path / "f", os.O_RDWR | os.O_CREAT)
    try:
        for fd in (closed, regular, -1):
            for server in (True, False):
                with pytest.raises(ChardevError) as info:
                    SocketChardev("c", fd=fd, server=server, wait=False)
                assert str(info.value) == f"File descriptor '{fd}' is not a socket"
    finally:
        os.close(regular)
    a, b = socket.socketpair()
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    unbound = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    cases = [
        (a, "Invalid argument"),
        (unbound, "Invalid argument"),
        (udp, "Operation not supported"),
    ]
    for sock, reason in cases:
        with pytest.raises(ChardevError) as info:
            SocketChardev("c", fd=sock.detach(), server=True, wait=False)
        assert str(info.value) == f"Failed to listen on fd socket: {reason}"
    b.close()


def test_server_without_address_has_nothing_to_listen_on() -> None:
    """QEMU's ``fd=`` without a number (or a port without a host): no socket at all."""

    async def main() -> None:
        chr = SocketChardev("c", server=True, wait=False)
        Frontend(chr, asyncio.get_running_loop())
        assert chr.filename == "disconnected:fd:,server=on"
        assert chr.listen_address is None
        assert chr.socket_address == {"type": "fd", "str": ""}
        chr.close()

    asyncio.run(main())


# -- the socket file goes with the server --------------------------------------


def test_unix_server_socket_file_unlinked_at_close(tmp_path: Path) -> None:
    path = tmp_path / "q.sock"
    chr = SocketChardev("c", path=str(path), server=True, wait=False)
    assert path.exists()
    chr.close()
    assert not path.exists()


def test_inherited_listener_file_unlinked_too(tmp_path: Path) -> None:
    """QEMU unlinks any listening unix socket it closes, an ``fd=`` one too
    (checked: after ``quit`` libvirt's socket file is gone)."""
    path = tmp_path / "l.sock"
    inherited = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    inherited.bind(str(path))
    chr = SocketChardev("c", fd=inherited.detach(), server=True, wait=False)
    chr.close()
    assert not path.exists()


def test_socket_file_kept_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "q.sock"
    chr = SocketChardev("c", path=str(path), server=True, wait=False)
    chr.keep_socket_file()
    chr.close()
    assert stat.S_ISSOCK(os.stat(path).st_mode)


def test_client_close_leaves_the_servers_file(tmp_path: Path) -> None:
    path = tmp_path / "ext.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(1)
    try:
        SocketChardev("c", path=str(path)).close()
        assert path.exists()
    finally:
        listener.close()
