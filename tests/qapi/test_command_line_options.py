"""query-command-line-options against QEMU 7.2's replies (command_line_options.json).

The replies were recorded from ``qemu-system-x86_64 -M none`` for each
option group named below; qmonitor must send the same bytes.  The whole
list, on every machine type, is compared in
tests/options/test_command_line_options.py.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qmonitor import MonitorServer

RECORDED: dict[str, str] = json.loads(
    (Path(__file__).resolve().parent / "command_line_options.json").read_text()
)["replies"]
MODELLED = ["action", "name", "accel", "mon", "device", "chardev"]


class Client:
    """A blocking line client (bounded by a socket timeout)."""

    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(str(path))
        self.file = self.sock.makefile("rb")
        self.file.readline()
        assert self.request({"execute": "qmp_capabilities"}) == b'{"return": {}}'

    def request(self, req: dict[str, Any]) -> bytes:
        self.sock.sendall(json.dumps(req).encode() + b"\n")
        return self.file.readline().rstrip(b"\r\n")

    def close(self) -> None:
        self.file.close()
        self.sock.close()


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    sock = tmp_path_factory.mktemp("clo") / "q.sock"
    server = MonitorServer(args=["-qmp", f"unix:{sock},server=on,wait=off"])
    with server:
        c = Client(sock)
        try:
            yield c
        finally:
            c.close()


@pytest.mark.parametrize("option", [*MODELLED, "machine", "nosuch"])
def test_same_bytes_as_qemu(client: Client, option: str) -> None:
    req = {"execute": "query-command-line-options", "arguments": {"option": option}, "id": option}
    assert client.request(req).decode() == RECORDED[option]


def test_modelled_groups_in_qemus_order(client: Client) -> None:
    reply = json.loads(client.request({"execute": "query-command-line-options"}))
    expected = [json.loads(RECORDED[o])["return"][0] for o in MODELLED]
    listed = [group for group in reply["return"] if group["option"] in MODELLED]
    assert listed == expected
