"""-singlestep and -enable-sync-profile: what query-status, info status and sync-profile say.

The texts are QEMU 7.2's (hmp_info_status, hmp_sync_profile); with
``-singlestep`` QEMU answers ``"singlestep": true`` until HMP
``singlestep off``.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

from qmonitor import MonitorServer


def _requests(tmp_path: Path, args: list[str], requests: list[dict[str, Any]]) -> list[Any]:
    sock = tmp_path / "q.sock"
    base = ["-M", "none", "-display", "none", "-nodefaults"]
    server = MonitorServer(args=[*base, *args, "-qmp", f"unix:{sock},server=on,wait=off"])
    with server, socket.socket(socket.AF_UNIX) as conn:
        conn.settimeout(10)
        conn.connect(str(sock))
        reader = conn.makefile("rb")
        reader.readline()
        out = []
        for request in [{"execute": "qmp_capabilities"}, *requests]:
            conn.sendall(json.dumps(request).encode() + b"\n")
            out.append(json.loads(reader.readline())["return"])
        return out[1:]


def _hmp(line: str) -> dict[str, Any]:
    return {"execute": "human-monitor-command", "arguments": {"command-line": line}}


def test_singlestep_from_the_command_line(tmp_path: Path) -> None:
    status = {"execute": "query-status"}
    replies = _requests(
        tmp_path,
        ["-singlestep", "-S"],
        [status, _hmp("info status"), _hmp("singlestep off"), status, _hmp("info status"),
         _hmp("singlestep"), status],
    )  # fmt: skip
    assert replies[0] == {"status": "prelaunch", "singlestep": True, "running": False}
    assert replies[1] == "VM status: paused (single step mode) (prelaunch)\r\n"
    assert replies[3]["singlestep"] is False
    assert replies[4] == "VM status: paused (prelaunch)\r\n"
    assert replies[6]["singlestep"] is True


def test_without_singlestep(tmp_path: Path) -> None:
    replies = _requests(tmp_path, [], [{"execute": "query-status"}, _hmp("info status")])
    assert replies == [{"status": "running", "singlestep": False, "running": True},
                       "VM status: running\r\n"]  # fmt: skip


def test_sync_profile_from_the_command_line(tmp_path: Path) -> None:
    assert _requests(tmp_path, ["-enable-sync-profile"], [_hmp("sync-profile")]) == [
        "sync-profile is on\r\n"
    ]
    assert _requests(tmp_path, [], [_hmp("sync-profile")]) == ["sync-profile is off\r\n"]
