"""The multiplexer's unix listener: mode 0600 from the moment its path exists."""

from __future__ import annotations

import asyncio
import os
import socket
import stat
from pathlib import Path

import pytest

from qmonitor.mux import address
from qmonitor.mux.address import Address, start_server


async def _ignore(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.close()


def test_the_path_never_exists_with_the_umasks_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Whenever the listener's code touches the file system, the final path is
    # either absent or already private: nobody can connect in between.
    path = tmp_path / "mux.sock"
    seen: list[int] = []

    def watch(name: str) -> None:
        if path.exists():
            seen.append(stat.S_IMODE(path.stat().st_mode))

    for name in ("chmod", "replace", "umask"):
        real = getattr(os, name)

        def wrapped(*args: object, _real: object = real, _name: str = name) -> object:
            watch(_name)
            result = _real(*args)  # type: ignore[operator]
            watch(_name)
            return result

        monkeypatch.setattr(address.os, name, wrapped)
    old = os.umask(0o022)
    try:

        async def run() -> None:
            server = await start_server(Address(path=str(path)), _ignore)
            server.close()
            await server.wait_closed()

        asyncio.run(run())
    finally:
        os.umask(old)
    assert seen and set(seen) == {0o600}
    assert [p.name for p in tmp_path.iterdir()] == ["mux.sock"]  # no staging left behind


def test_a_stale_socket_is_replaced_and_clients_connect(tmp_path: Path) -> None:
    path = tmp_path / "mux.sock"
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(path))
    stale.close()

    async def run() -> None:
        server = await start_server(Address(path=str(path)), _ignore)
        reader, writer = await asyncio.open_unix_connection(str(path))
        assert await reader.read() == b""
        writer.close()
        server.close()
        await server.wait_closed()

    asyncio.run(run())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_path_too_long_to_stage_is_bound_under_a_private_umask(tmp_path: Path) -> None:
    # 107 bytes fit a socket address; the staging name beside it would not.
    path = tmp_path / ("s" * (107 - len(os.fsencode(tmp_path)) - 1))
    assert len(os.fsencode(path)) == 107

    async def run() -> None:
        server = await start_server(Address(path=str(path)), _ignore)
        server.close()
        await server.wait_closed()

    asyncio.run(run())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_path_accepts_connections_from_the_moment_it_exists(tmp_path: Path) -> None:
    # Clients wait for the path to appear and then connect at once (the test
    # tools and libvirt both do): a bound socket not yet listening would
    # refuse them.
    path = tmp_path / "mux.sock"
    sock = address.bind_private_unix(str(path))
    try:
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        client.connect(str(path))
        client.close()
    finally:
        sock.close()


def test_a_path_too_long_to_stage_accepts_connections_once_bound(tmp_path: Path) -> None:
    path = tmp_path / ("s" * (107 - len(os.fsencode(tmp_path)) - 1))
    sock = address.bind_private_unix(str(path))
    try:
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        client.connect(str(path))
        client.close()
    finally:
        sock.close()
