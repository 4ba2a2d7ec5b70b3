"""Internal snapshots: real QEMU 7.2 and qmonitor, same images, same commands, same results.

Each program gets its own directory with the same fresh images made by
``qemu-img``; the same HMP commands (through ``human-monitor-command``)
and QMP commands and jobs go to both; then ``qemu-img snapshot -l`` and
``qemu-img check`` run on every image.  A second process then loads a
snapshot the first one saved.  Dates, VM clocks, VM state sizes and
automatic names are normalised (the VM state saved is each program's
own: QEMU's device sections, qmonitor's machine state).  Skipped without
QEMU.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

QEMU = shutil.which("qemu-system-x86_64")
QEMU_IMG = shutil.which("qemu-img")
pytestmark = [
    pytest.mark.qemu,
    pytest.mark.slow,
    pytest.mark.skipif(QEMU is None or QEMU_IMG is None, reason="QEMU is not installed"),
]

QMONITOR = [sys.executable, "-m", "qmonitor"]
BASE = ["-M", "none", "-display", "none", "-nodefaults"]
TIMEOUT = 20.0


def _node(name: str, filename: str, read_only: bool = False) -> list[str]:
    ro = ",read-only=on" if read_only else ""
    return [
        "-blockdev", f"driver=file,filename={filename},node-name=f{name}{ro}",
        "-blockdev", f"driver=qcow2,file=f{name},node-name={name}{ro}",
    ]  # fmt: skip


NODES = [*_node("qa", "a.qcow2"), *_node("qb", "b.qcow2"), *_node("qc", "c.qcow2", True)]


def _images(where: Path) -> None:
    assert QEMU_IMG is not None
    for args in (
        ["a.qcow2", "64M"],
        ["-o", "cluster_size=4096", "b.qcow2", "32M"],
        ["-o", "compat=0.10", "c.qcow2", "16M"],
        ["-o", "compat=0.10", "d.qcow2", "16M"],
    ):
        subprocess.run([QEMU_IMG, "create", "-q", "-f", "qcow2", *args], cwd=where, check=True)
    (where / "r.raw").write_bytes(bytes(1 << 20))


def hmp(line: str) -> dict[str, Any]:
    return {"execute": "human-monitor-command", "arguments": {"command-line": line}}


def qmp(command: str, **args: Any) -> dict[str, Any]:
    request: dict[str, Any] = {"execute": command}
    if args:
        request["arguments"] = {k.replace("_", "-"): v for k, v in args.items()}
    return request


def job(command: str, job_id: str, **args: Any) -> dict[str, Any]:
    """A job starter: its events are read until the job concludes."""
    request = qmp(command, job_id=job_id, **args)
    request["wait-job"] = job_id
    return request


_DATE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
_CLOCK = re.compile(r"\d\d:\d\d:\d\d\.\d{3}")
_SIZE = re.compile(r"[\d.]+ (?:B|KiB|MiB)")
_AUTO = re.compile(r"vm-\d{14}")
#: What differs run to run, and the host file's allocated size (the file system's choice).
_VARYING = (
    "date-sec", "date-nsec", "vm-clock-sec", "vm-clock-nsec", "vm-state-size", "actual-size",
)  # fmt: skip


def normalise(text: str) -> str:
    text = _AUTO.sub("vm-AUTO", _DATE.sub("DATE", text))
    text = _SIZE.sub("SIZE", _CLOCK.sub("CLOCK", text))
    return re.sub(r"[ \t]+", " ", text)


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: 0 if k in _VARYING else _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    if isinstance(value, str):
        return normalise(value)
    return value


class Session:
    """One program's QMP connection: requests in, normalised replies and events out."""

    def __init__(self, cmd: list[str], where: Path, args: list[str]) -> None:
        sock = where / "q.sock"
        self.proc = subprocess.Popen(
            [*cmd, *BASE, *args, "-qmp", f"unix:{sock},server=on,wait=off"],
            cwd=where,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        end = time.monotonic() + TIMEOUT
        while True:
            try:
                self.conn = socket.socket(socket.AF_UNIX)
                self.conn.settimeout(TIMEOUT)
                self.conn.connect(str(sock))
                break
            except OSError:
                self.conn.close()
                if time.monotonic() > end or self.proc.poll() is not None:
                    raise
                time.sleep(0.05)
        self.reader = self.conn.makefile("rb")
        self.reader.readline()
        self.send(qmp("qmp_capabilities"))

    def _read(self) -> dict[str, Any]:
        line = self.reader.readline()
        assert line, "connection closed"
        message: dict[str, Any] = json.loads(line)
        return message

    def send(self, request: dict[str, Any]) -> list[Any]:
        """The reply and the events up to it (and to the job's end), normalised."""
        wait = request.pop("wait-job", None)
        self.conn.sendall(json.dumps(request).encode() + b"\n")
        out: list[Any] = [request]
        while True:
            message = self._read()
            message.pop("timestamp", None)
            out.append(_scrub(message))
            if "return" in message or "error" in message:
                break
        concluded = {"status": "concluded", "id": wait}
        while wait is not None and not any(
            isinstance(m, dict) and m.get("data") == concluded for m in out
        ):
            message = self._read()
            message.pop("timestamp", None)
            out.append(_scrub(message))
        return out

    def close(self) -> None:
        try:
            self.conn.sendall(b'{"execute": "quit"}\n')
            self.proc.wait(timeout=TIMEOUT)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(timeout=TIMEOUT)
            self.conn.close()


def run(cmd: list[str], where: Path, args: list[str], requests: list[dict[str, Any]]) -> list[Any]:
    session = Session(cmd, where, args)
    try:
        return [session.send(dict(r)) for r in requests]
    finally:
        session.close()


def image_reports(where: Path) -> list[str]:
    """``qemu-img snapshot -l`` and ``qemu-img check`` of every image, normalised."""
    assert QEMU_IMG is not None
    out = []
    for name in ("a.qcow2", "b.qcow2", "c.qcow2", "d.qcow2"):
        for args in (["snapshot", "-l"], ["check"]):
            done = subprocess.run(
                [QEMU_IMG, *args, name], cwd=where, capture_output=True, text=True, timeout=60
            )
            out.append(f"{name} {args[0]} {done.returncode}\n{normalise(done.stdout)}")
    return out


ERRORS = [
    hmp("info snapshots"),
    hmp("savevm s"),
    hmp("loadvm s"),
    hmp("delvm s"),
    job("snapshot-save", "e0", tag="t", vmstate="qd", devices=["qd", "fr"]),
    job("snapshot-save", "e1", tag="t", vmstate="fr", devices=["qd"]),
    job("snapshot-save", "e2", tag="t", vmstate="nope", devices=["qd"]),
    job("snapshot-load", "e3", tag="t", vmstate="qd", devices=["qd"]),
    job("snapshot-save", "e4", tag="t", vmstate="qd", devices=["qd"]),
    job("snapshot-load", "e5", tag="t", vmstate="qd", devices=["qd"]),
    job("snapshot-delete", "e6", tag="t", devices=["qd"]),
    qmp("query-jobs"),
]
ERROR_NODES = [*_node("qd", "d.qcow2"), "-blockdev", "driver=file,filename=r.raw,node-name=fr"]

MAIN = [
    hmp("info snapshots"),
    hmp("savevm s1"),
    hmp("info snapshots"),
    hmp("savevm s1"),
    hmp("savevm"),
    hmp("savevm s2"),
    hmp("info snapshots"),
    qmp("query-named-block-nodes", flat=True),
    hmp("delvm s1"),
    hmp("loadvm nope"),
    hmp("loadvm s2"),
    hmp("info status"),
    qmp("blockdev-snapshot-internal-sync", device="qa", name="int1"),
    qmp("blockdev-snapshot-internal-sync", device="qa", name="int1"),
    qmp("blockdev-snapshot-internal-sync", device="qc", name="int1"),
    hmp("info snapshots"),
    hmp("loadvm int1"),
    qmp("blockdev-snapshot-delete-internal-sync", device="qa", name="int1"),
    qmp(
        "transaction",
        actions=[
            {"type": "blockdev-snapshot-internal-sync", "data": {"device": "qb", "name": "t1"}},
            {"type": "abort", "data": {}},
        ],
    ),
    qmp("blockdev-snapshot-delete-internal-sync", device="qb", name="t1"),
    hmp("snapshot_blkdev_internal qb h1"),
    job("snapshot-save", "j1", tag="j1", vmstate="qb", devices=["qa", "qb"]),
    job("snapshot-save", "j2", tag="j1", vmstate="qb", devices=["qa", "qb"]),
    job("snapshot-load", "j3", tag="j1", vmstate="qb", devices=["qa", "qb"]),
    job("snapshot-delete", "j4", tag="j1", devices=["qa"]),
    job("snapshot-load", "j5", tag="j1", vmstate="qb", devices=["qa", "qb"]),
    job("snapshot-save", "j6", tag="j6", vmstate="qc", devices=["qc"]),
    qmp("query-jobs"),
    hmp("info snapshots"),
    hmp("info status"),
    qmp("query-named-block-nodes"),
]
RESTART = [hmp("info snapshots"), hmp("loadvm s2"), hmp("info status"), hmp("delvm s2")]


def _both(tmp_path: Path) -> tuple[Path, Path]:
    dirs = []
    for name in ("qemu", "qmonitor"):
        where = tmp_path / name
        where.mkdir()
        _images(where)
        dirs.append(where)
    return dirs[0], dirs[1]


def test_snapshot_errors_match_qemu(tmp_path: Path) -> None:
    assert QEMU is not None
    theirs, ours = _both(tmp_path)
    expected = run([QEMU], theirs, ["-S", *ERROR_NODES], ERRORS)
    got = run(QMONITOR, ours, ["-S", *ERROR_NODES], ERRORS)
    for want, have in zip(expected, got, strict=True):
        assert have == want
    assert image_reports(ours) == image_reports(theirs)


@pytest.mark.parametrize("stopped", [True, False], ids=["prelaunch", "running"])
def test_snapshots_match_qemu(tmp_path: Path, stopped: bool) -> None:
    assert QEMU is not None
    theirs, ours = _both(tmp_path)
    args = ["-S", *NODES] if stopped else NODES
    expected = run([QEMU], theirs, args, MAIN)
    got = run(QMONITOR, ours, args, MAIN)
    for want, have in zip(expected, got, strict=True):
        assert have == want
    assert image_reports(ours) == image_reports(theirs)
    # A second process over the same images loads what the first saved.
    expected = run([QEMU], theirs, args, RESTART)
    got = run(QMONITOR, ours, args, RESTART)
    for want, have in zip(expected, got, strict=True):
        assert have == want
    assert image_reports(ours) == image_reports(theirs)
