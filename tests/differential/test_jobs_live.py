"""Mirror and backup between raw images: QEMU 7.2 and qmonitor copy the same bytes.

A source file of random bytes and an empty target of the same size, raw
nodes over both; a backup, then a mirror that is completed once ready.
Each program runs in its own directory with the same files; afterwards
each target equals its source, and the two programs sent the same events
in the same order (timestamps aside).  Skipped without QEMU.
"""

from __future__ import annotations

import json
import random
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from qmonitor_testsupport.procs import BASE_ARGS, qmonitor_cmd, wait_for_unix_socket

QEMU = shutil.which("qemu-system-x86_64")
pytestmark = [
    pytest.mark.qemu,
    pytest.mark.slow,
    pytest.mark.skipif(QEMU is None, reason="QEMU is not installed"),
]

MIB = 1048576


class Session:
    """A QMP connection that reads messages until a wanted one arrives (bounded)."""

    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(20)
        self.sock.connect(str(path))
        self.reader = self.sock.makefile("rb")
        self.events: list[str] = []
        self.reader.readline()
        self.call("qmp_capabilities")

    def _next(self) -> dict[str, Any]:
        line = self.reader.readline()
        assert line, "connection closed"
        message: dict[str, Any] = json.loads(line)
        if "event" in message:
            self.events.append(message["event"] + ":" + str(message["data"].get("status", "")))
        return message

    def call(self, execute: str, **arguments: Any) -> Any:
        self.sock.sendall(json.dumps({"execute": execute, "arguments": arguments}).encode())
        while True:
            message = self._next()
            if "return" in message or "error" in message:
                assert "error" not in message, message
                return message["return"]

    def until(self, event: str) -> None:
        end = time.monotonic() + 20
        while event not in self.events:
            assert time.monotonic() < end, self.events
            self._next()


def _run(cmd: list[str], tmp: Path, data: bytes) -> list[str]:
    for name, content in (
        ("a.img", data),
        ("b.img", bytes(len(data))),
        ("c.img", bytes(len(data))),
    ):
        (tmp / name).write_bytes(content)
    sock = tmp / "qmp.sock"
    proc = subprocess.Popen(
        [*cmd, *BASE_ARGS, "-S", "-qmp", f"unix:{sock},server=on,wait=off"],
        cwd=tmp,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_unix_socket(sock, proc, timeout=20)
        s = Session(sock)
        for name in ("a", "b", "c"):
            s.call("blockdev-add", driver="raw", **{"node-name": name},
                   file={"driver": "file", "filename": f"{name}.img"})  # fmt: skip
        s.call("blockdev-backup", device="a", target="c", sync="full", **{"job-id": "k"})
        s.until("JOB_STATUS_CHANGE:null")
        s.call("blockdev-mirror", device="a", target="b", sync="full", **{"job-id": "m"})
        s.until("BLOCK_JOB_READY:")
        s.call("job-complete", id="m")
        s.until("BLOCK_JOB_COMPLETED:")
        s.until("JOB_STATUS_CHANGE:null")
        assert s.call("query-jobs") == []
        return s.events
    finally:
        proc.kill()
        proc.wait()


def test_raw_copies_as_qemu(tmp_path: Path) -> None:
    assert QEMU is not None
    data = random.Random(11).randbytes(3 * MIB)
    runs = {}
    for label, cmd in (("qemu", [QEMU]), ("qmonitor", qmonitor_cmd())):
        where = tmp_path / label
        where.mkdir()
        runs[label] = _run(cmd, where, data)
        assert (where / "b.img").read_bytes() == data, label
        assert (where / "c.img").read_bytes() == data, label
    assert runs["qmonitor"] == runs["qemu"]
