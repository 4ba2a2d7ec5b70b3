"""The multi-client listener: a chardev per connection, its cleanup, the bound."""

from __future__ import annotations

import asyncio
import errno
import os
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from qmonitor.chardev.base import ChardevError, ChrEvent
from qmonitor.chardev.listener import SocketListener, raise_nofile_limit
from qmonitor.chardev.socket import SocketChardev


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


class Greeter:
    """A frontend per connection: greets on OPENED, echoes input, records cleanups."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.chardevs: list[SocketChardev] = []
        self.events: dict[str, list[ChrEvent]] = {}
        self.cleaned: list[str] = []

    def __call__(self, chr: SocketChardev) -> Callable[[], None]:
        self.chardevs.append(chr)
        events = self.events.setdefault(chr.label, [])

        def on_event(event: ChrEvent) -> None:
            events.append(event)
            if event is ChrEvent.OPENED:
                chr.write(f"hello {chr.label}\n".encode())

        def echo(data: bytes) -> None:
            chr.write(data)

        chr.set_handlers(lambda: 4096, echo, on_event, self.loop)
        return lambda: self.cleaned.append(chr.label)


def recv_some(s: socket.socket) -> bytes:
    try:
        return s.recv(100)
    except BlockingIOError:
        return b""


def test_each_client_gets_its_own_chardev_at_once(tmp_path: Path) -> None:
    path = tmp_path / "m.sock"

    async def main() -> None:
        loop = asyncio.get_running_loop()
        listener = SocketListener("m", path=str(path))
        fe = Greeter(loop)
        listener.serve(fe, loop)
        clients = [connect(path) for _ in range(5)]
        greetings = [b""] * 5

        def all_greeted() -> bool:
            for i, c in enumerate(clients):
                greetings[i] += recv_some(c)
            return all(g.endswith(b"\n") for g in greetings)

        await settle(all_greeted)
        assert sorted(greetings) == sorted(f"hello m#{i}\n".encode() for i in range(1, 6))
        assert len(listener.connections) == 5
        # Each connection is its own: what one sends comes back to it alone.
        clients[2].sendall(b"two")
        await settle(lambda: recv_some(clients[2]) == b"two")
        assert all(recv_some(c) == b"" for i, c in enumerate(clients) if i != 2)
        assert listener.filename == f"disconnected:unix:{path},server=on"
        for c in clients:
            c.close()
        await settle(lambda: len(fe.cleaned) == 5 and not listener.connections)
        assert all(events == [ChrEvent.OPENED, ChrEvent.CLOSED] for events in fe.events.values())
        assert all(chr.write(b"x") == -1 for chr in fe.chardevs)  # closed
        # And it goes on accepting.
        again = connect(path)
        await settle(lambda: len(listener.connections) == 1)
        again.close()
        listener.close()
        assert not path.exists()

    asyncio.run(main())


def test_max_clients_makes_the_next_wait_its_turn(tmp_path: Path) -> None:
    path = tmp_path / "m.sock"

    async def main() -> None:
        loop = asyncio.get_running_loop()
        listener = SocketListener("m", path=str(path), max_clients=2)
        fe = Greeter(loop)
        listener.serve(fe, loop)
        first, second = connect(path), connect(path)
        await settle(lambda: len(listener.connections) == 2)
        third = connect(path)  # queued in the backlog
        await asyncio.sleep(0.1)
        assert len(fe.chardevs) == 2 and recv_some(third) == b""
        first.close()
        await settle(lambda: len(fe.chardevs) == 3)
        got = b""

        def third_greeted() -> bool:
            nonlocal got
            got += recv_some(third)
            return got.endswith(b"\n")

        await settle(third_greeted)
        assert got == b"hello m#3\n"
        second.close()
        third.close()
        await settle(lambda: not listener.connections)
        listener.close()

    asyncio.run(main())


def test_close_cleans_up_the_clients_still_there(tmp_path: Path) -> None:
    path = tmp_path / "m.sock"

    async def main() -> None:
        loop = asyncio.get_running_loop()
        listener = SocketListener("m", path=str(path))
        fe = Greeter(loop)
        listener.serve(fe, loop)
        client = connect(path)
        await settle(lambda: len(listener.connections) == 1)
        listener.close()
        assert fe.cleaned == ["m#1"]
        await settle(lambda: recv_some(client) == b"hello m#1\n")
        client.setblocking(True)
        client.settimeout(2)
        assert client.recv(100) == b""  # its connection is closed
        client.close()

    asyncio.run(main())


def test_yank_cuts_every_client(tmp_path: Path) -> None:
    path = tmp_path / "m.sock"

    async def main() -> None:
        loop = asyncio.get_running_loop()
        listener = SocketListener("m", path=str(path))
        fe = Greeter(loop)
        listener.serve(fe, loop)
        clients = [connect(path) for _ in range(3)]
        await settle(lambda: len(listener.connections) == 3)
        listener.yank()
        await settle(lambda: len(fe.cleaned) == 3)
        for c in clients:
            c.close()
        listener.close()

    asyncio.run(main())


def test_peer_uid_refuses_other_users(tmp_path: Path) -> None:
    path = tmp_path / "m.sock"

    async def main() -> None:
        loop = asyncio.get_running_loop()
        listener = SocketListener("m", path=str(path), peer_uid=os.getuid() + 1)
        fe = Greeter(loop)
        listener.serve(fe, loop)
        client = connect(path)
        await settle(lambda: listener.peers_refused == 1)
        assert fe.chardevs == []
        client.close()
        listener.close()

    asyncio.run(main())


def test_wait_serves_the_first_client_once_serving(tmp_path: Path) -> None:
    path = tmp_path / "m.sock"
    info: list[str] = []
    # The client connects while the constructor blocks; the backlog holds it.
    pre = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    inherited = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    inherited.bind(str(path))
    inherited.listen(1)
    pre.connect(str(path))

    async def main() -> None:
        loop = asyncio.get_running_loop()
        listener = SocketListener("m", fd=inherited.detach(), wait=True, info=info.append)
        assert info == [f"QEMU waiting for connection on: disconnected:unix:{path},server=on"]
        fe = Greeter(loop)
        listener.serve(fe, loop)
        pre.setblocking(False)
        await settle(lambda: recv_some(pre) == b"hello m#1\n")
        pre.close()
        listener.close()

    asyncio.run(main())


def test_a_frontend_on_the_listener_itself_gets_nothing(tmp_path: Path) -> None:
    path = tmp_path / "m.sock"

    async def main() -> None:
        loop = asyncio.get_running_loop()
        listener = SocketListener("m", path=str(path))
        events: list[ChrEvent] = []
        listener.set_handlers(lambda: 1, lambda data: None, events.append, loop)
        client = connect(path)
        await asyncio.sleep(0.05)
        assert events == [] and listener.write(b"x") == -1
        client.close()
        listener.close()

    asyncio.run(main())


def test_bad_max_clients() -> None:
    with pytest.raises(ChardevError):
        SocketListener("m", max_clients=0)


@pytest.mark.skipif(
    resource.getrlimit(resource.RLIMIT_NOFILE)[1] <= 256, reason="hard limit too low"
)
def test_raise_nofile_limit_goes_to_the_hard_limit() -> None:
    """In a child (the limit is the process's): soft limit lowered first."""
    code = (
        "import resource\n"
        "from qmonitor.chardev.listener import raise_nofile_limit\n"
        "soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))\n"
        "print(raise_nofile_limit() == resource.getrlimit(resource.RLIMIT_NOFILE)[0] > 256)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() == "True", out.stderr
    assert raise_nofile_limit() >= 256


class RunsOutOfDescriptors:
    """A listening socket whose accepts fail with EMFILE for a while."""

    def __init__(self, real: socket.socket, seconds: float) -> None:
        self.real = real
        self.until = time.monotonic() + seconds
        self.attempts = 0
        self.family = real.family

    def accept(self) -> tuple[socket.socket, object]:
        self.attempts += 1
        if time.monotonic() < self.until:
            raise OSError(errno.EMFILE, os.strerror(errno.EMFILE))
        return self.real.accept()

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)


def test_out_of_descriptors_pauses_accepting_then_retries(tmp_path: Path) -> None:
    """EMFILE leaves the listener readable: accepting pauses instead of
    spinning on it, and goes on once descriptors are there again."""
    path = tmp_path / "m.sock"

    async def main() -> None:
        loop = asyncio.get_running_loop()
        listener = SocketListener("m", path=str(path))
        flaky = RunsOutOfDescriptors(listener._listener, seconds=0.5)  # type: ignore[arg-type]
        listener._listener = flaky  # type: ignore[assignment]
        fe = Greeter(loop)
        listener.serve(fe, loop)
        client = connect(path)
        await settle(lambda: len(fe.chardevs) == 1, timeout=5)
        # A retry every ACCEPT_RETRY_DELAY (0.1 s), not thousands.
        assert flaky.attempts < 20
        client.close()
        listener._listener = flaky.real
        listener.close()

    asyncio.run(main())
