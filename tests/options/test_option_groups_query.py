"""query-command-line-options on -M none, pc and q35 against QEMU 7.2's replies.

tools/record_cmdline_options.py recorded, per machine type, the reply to
the request without arguments and to ``option`` for each of QEMU's 35
groups and for an unknown name (tests/golden/cli/command_line_options.json);
qmonitor must send the same lines.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qmonitor import MonitorServer

RECORDING = Path(__file__).resolve().parents[1] / "golden" / "cli" / "command_line_options.json"
REPLIES: dict[str, dict[str, str]] = json.loads(RECORDING.read_text())["replies"]


class Client:
    """A blocking line client (bounded by a socket timeout)."""

    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(str(path))
        self.file = self.sock.makefile("rb")
        self.file.readline()
        assert self.request({"execute": "qmp_capabilities"}) == '{"return": {}}'

    def request(self, req: dict[str, Any]) -> str:
        self.sock.sendall(json.dumps(req).encode() + b"\n")
        return self.file.readline().decode().rstrip("\r\n")

    def close(self) -> None:
        self.file.close()
        self.sock.close()


@pytest.fixture(scope="module", params=sorted(REPLIES))
def machine_client(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Client]]:
    machine: str = request.param
    sock = tmp_path_factory.mktemp("clo") / "q.sock"
    args = ["-M", machine, "-S", "-display", "none", "-nodefaults"]
    server = MonitorServer(args=[*args, "-qmp", f"unix:{sock},server=on,wait=off"])
    with server:
        client = Client(sock)
        try:
            yield machine, client
        finally:
            client.close()


def test_all_groups_as_qemu(machine_client: tuple[str, Client]) -> None:
    machine, client = machine_client
    reply = client.request({"execute": "query-command-line-options"})
    assert json.loads(reply) == json.loads(REPLIES[machine]["*"])
    assert len(json.loads(reply)["return"]) == 35
    assert reply == REPLIES[machine]["*"]


def test_each_group_as_qemu(machine_client: tuple[str, Client]) -> None:
    machine, client = machine_client
    for option, expected in REPLIES[machine].items():
        if option == "*":
            continue
        req = {"execute": "query-command-line-options", "arguments": {"option": option}}
        assert client.request(req) == expected, option
