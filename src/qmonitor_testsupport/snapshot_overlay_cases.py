"""``-snapshot`` and ``-drive ...,snapshot=on``: the temporary overlay QEMU puts over a drive.

Each case starts the program with ``$TMPDIR`` set to a folder of the case
(``{tmp}/t``) and images made here (:func:`make_images`), asks QMP and HMP
what the drives look like, lists the temporary folder while the program
runs, quits, and notes whether the images changed.  The overlay's name
(``vl.`` and six random characters) is written ``vl.XXXXXX``, and a generated
node name's two random digits ``NN``.
``tools/record_snapshot_overlay.py`` records QEMU into
tests/golden/block/snapshot_overlay.json; tests/machine/block/test_snapshot_overlay.py
runs qmonitor through :func:`run_overlay_case` and compares.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

NONE = ["-M", "none", "-display", "none", "-nodefaults"]
PC = ["-M", "pc", "-display", "none", "-nodefaults", "-S"]
QCOW2 = "file={tmp}/d.qcow2,if=none,id=d0"
RAW = "file={tmp}/e.raw,format=raw,if=none,id=d1"
#: The size of both images.
SIZE = 1 << 20

QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("query-block", {}),
    ("query-named-block-nodes", {}),
    ("human-monitor-command", {"command-line": "info block"}),
]

#: (name, arguments, $TMPDIR: "t" for {tmp}/t, or a path as is).
OVERLAY_CASES: list[tuple[str, list[str], str]] = [
    ("drive_snapshot_qcow2", [*NONE, "-drive", f"{QCOW2},snapshot=on"], "t"),
    ("drive_snapshot_raw", [*NONE, "-drive", f"{RAW},snapshot=on"], "t"),
    ("global_snapshot", [*NONE, "-snapshot", "-drive", QCOW2, "-drive", RAW], "t"),
    ("global_snapshot_drive_off", [*NONE, "-snapshot", "-drive", f"{QCOW2},snapshot=off"], "t"),
    ("snapshot_node_name", [*NONE, "-drive", f"{QCOW2},node-name=base,snapshot=on"], "t"),
    ("snapshot_read_only", [*NONE, "-drive", f"{QCOW2},read-only=on,snapshot=on"], "t"),
    ("snapshot_empty_drive", [*NONE, "-drive", "if=none,id=d2,snapshot=on"], "t"),
    ("snapshot_no_tmpdir", [*NONE, "-drive", f"{QCOW2},snapshot=on"], "{tmp}/missing"),
    ("snapshot_pc_ide", [*PC, "-snapshot", "-drive", "file={tmp}/d.qcow2,if=ide"], "t"),
]

_RANDOM = re.compile(r"vl\.[A-Za-z0-9]{6}")
#: util/id.c: a generated node name ends in two random digits.
_NODE_NAME = re.compile(r"(#block\d+)\d\d")


def make_images(tmp: Path) -> None:
    """A 1 MiB qcow2 image (d.qcow2) and a 1 MiB raw one (e.raw) of known bytes."""
    from qmonitor.machine.block.qcow2_create import qcow2_image

    (tmp / "d.qcow2").write_bytes(qcow2_image(SIZE))
    (tmp / "e.raw").write_bytes(bytes(range(256)) * (SIZE // 256))


def _digest(tmp: Path) -> dict[str, str]:
    return {
        name: hashlib.sha256((tmp / name).read_bytes()).hexdigest()[:16]
        for name in ("d.qcow2", "e.raw")
    }


def _normal(text: str, tmp: str) -> str:
    text = _RANDOM.sub("vl.XXXXXX", text.replace(tmp, "{tmp}"))
    return _NODE_NAME.sub(r"\1NN", text)


def _qmp(sock: socket.socket, reader: Any, execute: str, arguments: dict[str, Any]) -> Any:
    sock.sendall(json.dumps({"execute": execute, "arguments": arguments}).encode() + b"\n")
    while True:
        reply = json.loads(reader.readline())
        if "event" not in reply:
            return reply


def _session(qmp: Path, tmpdir: Path) -> tuple[list[Any], list[str]]:
    """The queries' replies and the temporary folder's files, then ``quit``."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(30)
        sock.connect(str(qmp))
        reader = sock.makefile("rb")
        if not reader.readline():
            raise ValueError("no greeting")
        _qmp(sock, reader, "qmp_capabilities", {})
        replies = [_qmp(sock, reader, c, a) for c, a in QUERIES]
        files = sorted(_RANDOM.sub("vl.XXXXXX", p.name) for p in tmpdir.iterdir())
        _qmp(sock, reader, "quit", {})
    return replies, files


def run_overlay_case(cmd: list[str], argv: list[str], tmpdir: str) -> dict[str, Any]:
    """Run one case; what the program printed and answered, and what it left."""
    tmp = Path(tempfile.mkdtemp(prefix="qmonitor-overlay-"))
    try:
        make_images(tmp)
        (tmp / "t").mkdir()
        before = _digest(tmp)
        env = dict(os.environ)
        env["TMPDIR"] = str(tmp / "t") if tmpdir == "t" else tmpdir.replace("{tmp}", str(tmp))
        qmp = tmp / "q.sock"
        real = [a.replace("{tmp}", str(tmp)) for a in argv]
        proc = subprocess.Popen(
            [*cmd, *real, "-qmp", f"unix:{qmp},server=on,wait=off"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=tmp,
            env=env,
        )
        replies: list[Any] = []
        files: list[str] | None = None
        try:
            end = time.monotonic() + 30
            while not qmp.exists() and proc.poll() is None and time.monotonic() < end:
                time.sleep(0.02)
            if proc.poll() is None and qmp.exists():
                try:
                    replies, files = _session(qmp, tmp / "t")
                except (OSError, ValueError):
                    replies, files = [], None  # it exited meanwhile: a start-up error
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        after = _digest(tmp)
        text = json.dumps(replies)
        return {
            "status": proc.returncode,
            "stdout": _normal(out.decode("utf-8", "replace"), str(tmp)),
            "stderr": _normal(err.decode("utf-8", "replace"), str(tmp)),
            "replies": json.loads(_normal(text, str(tmp))),
            "tmpdir_files": files,
            "tmpdir_after": sorted(p.name for p in (tmp / "t").iterdir()),
            "images_unchanged": before == after,
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
