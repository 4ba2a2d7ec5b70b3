"""The NBD server: QEMU 7.2 and qmonitor seen by QEMU's own NBD clients.

Each program exports a raw file, a null-co node and a qcow2 overlay over a
unix socket, one after the other in the same directory; ``qemu-nbd
--list``, ``qemu-img info``/``map``/``compare`` and ``qemu-io`` must print
the same for both.  Skipped without QEMU and qemu-utils.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest

from qmonitor_testsupport.procs import BASE_ARGS, end_process, qmonitor_cmd, wait_for_unix_socket

QEMU = shutil.which("qemu-system-x86_64")
TOOLS = [shutil.which(t) for t in ("qemu-img", "qemu-nbd", "qemu-io")]
pytestmark = [
    pytest.mark.qemu,
    pytest.mark.slow,
    pytest.mark.skipif(QEMU is None or None in TOOLS, reason="QEMU or qemu-utils not installed"),
]

SETUP: list[dict[str, Any]] = [
    {"execute": "blockdev-add", "arguments": {"driver": "raw", "node-name": "r0",
     "file": {"driver": "file", "filename": "data.raw", "node-name": "f0"}}},
    {"execute": "blockdev-add", "arguments": {"driver": "null-co", "node-name": "n0",
     "size": 2097152, "read-zeroes": True}},
    {"execute": "blockdev-snapshot-sync", "arguments": {"node-name": "n0",
     "snapshot-file": "ov.qcow2", "snapshot-node-name": "ov0"}},
    {"execute": "blockdev-add", "arguments": {"driver": "qcow2", "node-name": "q0",
     "backing": "n0", "read-only": True,
     "file": {"driver": "file", "filename": "ov.qcow2", "read-only": True}}},
    {"execute": "nbd-server-start", "arguments": {"addr": {"type": "unix",
     "data": {"path": "nbd.sock"}}}},
    {"execute": "block-export-add", "arguments": {"type": "nbd", "id": "e0",
     "node-name": "r0", "writable": True, "description": "the raw file"}},
    {"execute": "block-export-add", "arguments": {"type": "nbd", "id": "e1",
     "node-name": "n0", "name": "zeros"}},
    {"execute": "block-export-add", "arguments": {"type": "nbd", "id": "e2",
     "node-name": "q0", "allocation-depth": True}},
    {"execute": "block-dirty-bitmap-add", "arguments": {"node": "f0", "name": "b0",
     "disabled": True}},
    {"execute": "block-export-add", "arguments": {"type": "nbd", "id": "e4",
     "node-name": "r0", "name": "bm", "bitmaps": ["b0"]}},
    {"execute": "block-dirty-bitmap-add", "arguments": {"node": "r0", "name": "b0",
     "disabled": True}},
    {"execute": "block-export-add", "arguments": {"type": "nbd", "id": "e3",
     "node-name": "r0", "name": "bm", "bitmaps": ["b0"], "allocation-depth": True}},
]  # fmt: skip

#: Meta contexts read through qemu-img map (x-dirty-bitmap names the context to show).
CONTEXTS = [("q0", "qemu:allocation-depth"), ("bm", "qemu:allocation-depth"),
            ("bm", "qemu:dirty-bitmap:b0"), ("zeros", "base:allocation")]  # fmt: skip


class _Qmp:
    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(30)
        self.sock.connect(str(path))
        self.file = self.sock.makefile("rwb")
        self.file.readline()
        self.execute({"execute": "qmp_capabilities"})

    def execute(self, request: dict[str, Any]) -> dict[str, Any]:
        self.file.write(json.dumps(request).encode() + b"\n")
        self.file.flush()
        while True:
            reply = json.loads(self.file.readline())
            if "event" not in reply:
                return dict(reply)

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def _tool(cwd: Path, *argv: str) -> str:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=60)
    return f"rc={done.returncode}\n{done.stdout}{done.stderr}"


def _session(cmd: list[str], tmp: Path) -> list[str]:
    (tmp / "data.raw").write_bytes(bytes(range(256)) * 8192)
    for name in ("ov.qcow2", "nbd.sock"):
        (tmp / name).unlink(missing_ok=True)
    qmp = tmp / "qmp.sock"
    proc = subprocess.Popen(
        [*cmd, *BASE_ARGS, "-qmp", f"unix:{qmp},server=on,wait=off"],
        cwd=tmp,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    out: list[str] = []
    try:
        wait_for_unix_socket(qmp, proc, timeout=20)
        client = _Qmp(qmp)
        for request in SETUP:
            out.append(json.dumps(client.execute(request)))
        url = f"nbd+unix:///{{}}?socket={tmp / 'nbd.sock'}"
        out.append(_tool(tmp, "qemu-nbd", "--list", "-k", str(tmp / "nbd.sock")))
        for name in ("r0", "zeros", "q0"):
            out.append(_tool(tmp, "qemu-img", "info", "--output=json", url.format(name)))
            out.append(_tool(tmp, "qemu-img", "map", "--output=json", url.format(name)))
        for export, context in CONTEXTS:
            opts = (
                f"driver=nbd,server.type=unix,server.path={tmp / 'nbd.sock'},"
                f"export={export},x-dirty-bitmap={context}"
            )
            out.append(_tool(tmp, "qemu-img", "map", "--output=json", "--image-opts", opts))
        out.append(_tool(tmp, "qemu-img", "compare", "-f", "raw", "-F", "raw", "data.raw",
                         url.format("r0")))  # fmt: skip
        write = "write -P 0x5a 1024 4096"
        out.append(_tool(tmp, "qemu-io", "-f", "raw", "-c", write, url.format("r0")).split("\n")[1])
        out.append(_tool(tmp, "qemu-io", "-f", "raw", "-c", write, url.format("zeros")))
        out.append(_tool(tmp, "qemu-img", "info", url.format("nope")))
        out.append(json.dumps(client.execute({"execute": "query-block-exports"})))
        out.append(json.dumps(client.execute({"execute": "nbd-server-stop"})))
        client.close()
    finally:
        end_process(proc)
    out.append((tmp / "data.raw").read_bytes()[1024:5120].hex()[:64])
    return [line.replace(str(tmp), "TMP") for line in out]


def test_nbd_clients_see_the_same_server(tmp_path: Path) -> None:
    assert QEMU is not None
    want = _session([QEMU], tmp_path)
    got = _session(qmonitor_cmd(), tmp_path)
    for n, (w, g) in enumerate(zip(want, got, strict=True)):
        assert g == w, f"step {n}"
