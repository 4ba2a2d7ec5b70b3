"""Thousands of descriptors passed to a monitor and none left behind.

An in-process machine (qmonitor.MonitorServer) serves a unix socket QMP
monitor; a client sends 10,000 descriptors with SCM_RIGHTS in every way a
monitor can get them: named with getfd and closed with closefd, renamed
over an earlier one, refused (a name starting with a digit), put into fd
sets and removed, sent with commands that take none, sent over the
16-a-message limit, and left pending when the client leaves.  Afterwards
the process has the descriptors it had before (/proc/self/fd).
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path
from typing import Any

from qmonitor import MonitorServer
from qmonitor.chardev.msgfds import SOCKET_MAX_FDS


def _count() -> int:
    return len(os.listdir("/proc/self/fd"))


class _Client:
    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(str(path))
        self.file = self.sock.makefile("rb")
        self.file.readline()
        assert self.request({"execute": "qmp_capabilities"}) == {"return": {}}

    def request(self, req: dict[str, Any], nfds: int = 0) -> Any:
        data = json.dumps(req).encode() + b"\n"
        if nfds:
            fds = [os.open(os.devnull, os.O_RDONLY) for _ in range(nfds)]
            try:
                socket.send_fds(self.sock, [data], fds)
            finally:
                for fd in fds:
                    os.close(fd)
        else:
            self.sock.sendall(data)
        while True:
            reply = json.loads(self.file.readline())
            if "event" not in reply:
                return reply

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def _settles_at(count: int) -> int:
    """The descriptor count once the server has caught up (bounded wait)."""
    end = time.monotonic() + 5
    now = _count()
    while now != count and time.monotonic() < end:
        time.sleep(0.01)
        now = _count()
    return now


def test_ten_thousand_descriptors_leave_nothing_behind(tmp_path: Path) -> None:
    sock = tmp_path / "q.sock"
    server = MonitorServer(args=["-qmp", f"unix:{sock},server=on,wait=off"])
    with server:
        baseline = _count()
        client = _Client(sock)
        with_client = _count()
        sent = 0
        for i in range(1000):
            # getfd, a second one over the same name, closefd: 2 descriptors.
            assert client.request({"execute": "getfd", "arguments": {"fdname": "f"}}, 1) == {
                "return": {}
            }
            assert client.request({"execute": "getfd", "arguments": {"fdname": "f"}}, 1) == {
                "return": {}
            }
            assert client.request({"execute": "closefd", "arguments": {"fdname": "f"}}) == {
                "return": {}
            }
            # Refused names: 1 descriptor.
            reply = client.request({"execute": "getfd", "arguments": {"fdname": f"{i}x"}}, 1)
            assert "error" in reply
            # add-fd and remove-fd: 2 descriptors in one set.
            added = client.request({"execute": "add-fd", "arguments": {"fdset-id": 1}}, 1)
            client.request({"execute": "add-fd", "arguments": {"fdset-id": 1}}, 1)
            assert client.request(
                {"execute": "remove-fd", "arguments": {"fdset-id": 1, "fd": added["return"]["fd"]}}
            ) == {"return": {}}
            assert client.request({"execute": "remove-fd", "arguments": {"fdset-id": 1}}) == {
                "return": {}
            }
            # Commands that take none: 3 descriptors, replaced and closed.
            client.request({"execute": "query-status"}, 2)
            client.request({"execute": "query-name"}, 1)
            sent += 9
        # Over the limit of 16 a message: 20 sent, 4 dropped by the kernel.
        for _ in range(50):
            client.request({"execute": "query-version"}, 20)
            sent += 20
        assert sent == 10_000
        assert client.request({"execute": "query-fdsets"}) == {"return": []}
        # The 16 taken from the last message are held, pending, until the
        # client goes.
        held = with_client + SOCKET_MAX_FDS
        assert _settles_at(held) == held
        client.close()
        assert _settles_at(baseline) == baseline
        # A later client is served as the first.
        again = _Client(sock)
        assert again.request({"execute": "getfd", "arguments": {"fdname": "g"}}) == {
            "error": {"class": "GenericError", "desc": "No file descriptor supplied via SCM_RIGHTS"}
        }
        again.close()
        assert _settles_at(baseline) == baseline


def test_a_per_client_monitor_closes_its_named_descriptors_when_it_goes(tmp_path: Path) -> None:
    """``x-qmonitor-multi``: a client's monitor goes with it, its getfd names too."""
    sock = tmp_path / "m.sock"
    chardev = f"socket,id=m,path={sock},server=on,wait=off,x-qmonitor-multi=on"
    server = MonitorServer(args=["-chardev", chardev, "-mon", "chardev=m,mode=control"])
    with server:
        baseline = _count()
        for _ in range(20):
            client = _Client(sock)
            for name in ("a", "b", "c"):
                reply = client.request({"execute": "getfd", "arguments": {"fdname": name}}, 1)
                assert reply == {"return": {}}
            client.close()
        assert _settles_at(baseline) == baseline
