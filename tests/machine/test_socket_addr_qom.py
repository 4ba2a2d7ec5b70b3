"""A socket chardev's QOM ``addr`` for TCP and ``fd=`` sockets, against real QEMU.

``addr`` is the chardev's own SocketAddress: a TCP server's host, port and
``ipv4``/``ipv6`` flags as given, a client's target, an ``fd=`` socket's
descriptor name.  QEMU and qmonitor run one after the other with the same
command line (same port, same inherited descriptor number) and must give
the same bytes.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from qmonitor_testsupport.procs import BASE_ARGS, QEMU, qmonitor_cmd, qmp_replies


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _addr_requests(*ids: str) -> list[dict[str, Any]]:
    return [
        {"execute": "qmp_capabilities"},
        *(
            {"execute": "qom-get", "arguments": {"path": f"/chardevs/{i}", "property": "addr"}}
            for i in ids
        ),
    ]


def _both(args: list[str], ids: tuple[str, ...], tmp: Path, fds: tuple[int, ...] = ()) -> None:
    assert QEMU is not None
    requests = _addr_requests(*ids)
    want = qmp_replies([QEMU], [*BASE_ARGS, *args], requests, tmp, pass_fds=fds)
    got = qmp_replies(qmonitor_cmd(), [*BASE_ARGS, *args], requests, tmp, pass_fds=fds)
    assert all(b'"return"' in line for line in want), want
    assert got == want


pytestmark = pytest.mark.skipif(QEMU is None, reason="needs qemu-system-x86_64")


def _port_taken(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def test_tcp_servers(tmp_path: Path) -> None:
    # The ports are free when picked, but another process on the machine may
    # take one before QEMU or qmonitor binds it (the two run one after the
    # other): then the run is tried again with other ports, a few times.
    for attempt in range(3):
        p1, p2, p3 = _free_port(), _free_port(), _free_port()
        args = [
            "-chardev", f"socket,id=t1,host=127.0.0.1,port={p1},server=on,wait=off",
            "-chardev", f"socket,id=t2,host=127.0.0.1,port={p2},server=on,wait=off,ipv4=on",
            "-chardev", f"socket,id=t3,host=localhost,port={p3},server=on,wait=off,to={p3 + 2}",
        ]  # fmt: skip
        try:
            _both(args, ("t1", "t2", "t3"), tmp_path)
            return
        except RuntimeError:
            ports = (p1, p2, p3, p3 + 1, p3 + 2)
            if attempt == 2 or not any(_port_taken(p) for p in ports):
                raise


def test_a_tcp_client(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        args = ["-chardev", f"socket,id=c1,host=127.0.0.1,port={port}"]
        _both(args, ("c1",), tmp_path)


def test_an_inherited_listening_socket(tmp_path: Path) -> None:
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(tmp_path / "inherited.sock"))
        listener.listen(8)
        fd = listener.fileno()
        args = ["-chardev", f"socket,id=f1,fd={fd},server=on,wait=off"]
        _both(args, ("f1",), tmp_path, (fd,))
