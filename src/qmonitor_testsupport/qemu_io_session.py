"""Run a qemu-io / dirty bitmap session against QEMU or qmonitor: what both are compared on.

A session starts the binary in a fresh directory holding the case's
images (raw ones written here, qcow2 ones made with ``qemu-img``), sends
its steps over QMP (HMP lines through ``human-monitor-command``), quits,
and keeps: each step's reply (reduced to what does not vary from run to
run: see :func:`pick`), the process's standard output with qemu-io's
timing figures normalised, and each image's content afterwards (its
SHA-256; a qcow2 image's guest data through ``qemu-img convert`` and
whether ``qemu-img check`` finds it clean).

Shared by tools/record_qemu_io.py and tests/machine/test_qemu_io_golden.py.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

QEMU_IMG = shutil.which("qemu-img")
BASE = ("-M", "none", "-display", "none", "-nodefaults")
#: The second line of a report: figures that depend on timing.
_RATE = re.compile(r"^(\S+ \S+), (\d+) ops; .* \(.*/sec and .* ops/sec\)$", re.M)
#: A ``-C`` report: bytes,ops,time,rate,rate.
_MACHINE = re.compile(r"^(\d+),(\d+),[0-9:.]+,[^,\n]+,[^,\n]+$", re.M)
#: Blockstats members that are times.
_TIMES = ("rd_total_time_ns", "wr_total_time_ns", "flush_total_time_ns",
          "unmap_total_time_ns", "idle_time_ns")  # fmt: skip


#: The program's name before its own messages: QEMU's or qmonitor's.
_PROG = re.compile(r"^(qemu-system-x86_64|qmonitor): ", re.M)


def normalise(text: str) -> str:
    """qemu-io's output with its times and rates as ``T`` and ``R``."""
    text = _RATE.sub(r"\1, \2 ops; T (R/sec and R ops/sec)", text)
    return _MACHINE.sub(r"\1,\2,T,R,R", text)


def make_images(directory: Path, images: Sequence[dict[str, Any]]) -> None:
    """Raw images of ``size`` bytes with ``fill`` ([offset, byte, length] each); qcow2 ones
    made by qemu-img."""
    for image in images:
        path = directory / image["name"]
        if image.get("format", "raw") == "raw":
            with path.open("wb") as f:
                f.truncate(image["size"])
                for offset, byte, length in image.get("fill", []):
                    f.seek(offset)
                    f.write(bytes([byte]) * length)
        else:
            assert QEMU_IMG is not None
            cmd = [QEMU_IMG, "create", "-q", "-f", "qcow2", *image.get("options", []),
                   str(path), str(image["size"])]  # fmt: skip
            subprocess.run(cmd, check=True, cwd=directory)


class _Qmp:
    """A QMP connection that keeps the events it reads past."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.reader = sock.makefile("rb")
        self.events: list[dict[str, Any]] = []

    def _next(self) -> dict[str, Any]:
        line = self.reader.readline()
        if not line:
            raise ConnectionError("QMP connection closed")
        msg: dict[str, Any] = json.loads(line)
        return msg

    def call(self, request: dict[str, Any]) -> dict[str, Any]:
        self.sock.sendall(json.dumps(request).encode() + b"\n")
        while True:
            msg = self._next()
            if "return" in msg or "error" in msg:
                return msg
            if "event" in msg:
                self.events.append(msg)

    def event(self, name: str) -> dict[str, Any]:
        """The first event of that name not taken yet (waiting for it)."""
        while True:
            for i, msg in enumerate(self.events):
                if msg["event"] == name:
                    del self.events[i]
                    return {"event": name, "data": msg.get("data", {})}
            msg = self._next()
            if "event" in msg:
                self.events.append(msg)


def step_request(step: dict[str, Any]) -> dict[str, Any]:
    """A step's QMP request: its ``qmp``, or its ``hmp`` line through human-monitor-command."""
    if "hmp" in step:
        return {"execute": "human-monitor-command", "arguments": {"command-line": step["hmp"]}}
    request: dict[str, Any] = step["qmp"]
    return request


def pick(kind: str, reply: dict[str, Any]) -> Any:
    """What a step keeps of its reply."""
    if "error" in reply:
        return {"error": reply["error"]["desc"]}
    value = reply["return"]
    if kind == "bitmaps":
        # Generated node names ('#block123') differ from run to run.
        return {
            n["node-name"] if not n["node-name"].startswith("#") else "#block": n.get(
                "dirty-bitmaps", []
            )
            for n in value
            if n.get("dirty-bitmaps") or not n["node-name"].startswith("#")
        }
    if kind == "stats":
        out = {}
        for dev in value:
            stats = {k: v for k, v in dev["stats"].items() if k not in _TIMES}
            stats["timed"] = sorted(k for k in _TIMES if k in dev["stats"])
            if "parent" in dev:
                stats["parent_wr_highest_offset"] = dev["parent"]["stats"]["wr_highest_offset"]
            out[dev.get("device") or dev.get("node-name", "")] = stats
        return out
    if kind == "block":
        return {d["device"]: d.get("inserted", {}).get("dirty-bitmaps", []) for d in value}
    return value


def _connect(path: Path, proc: subprocess.Popen[bytes]) -> socket.socket:
    end = time.monotonic() + 20
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"exited with {proc.returncode}")
        sock = socket.socket(socket.AF_UNIX)
        try:
            sock.connect(str(path))
            return sock
        except OSError:
            sock.close()
            if time.monotonic() > end:
                raise
            time.sleep(0.02)


def run_session(binary: Sequence[str], case: dict[str, Any]) -> dict[str, Any]:
    """Play ``case`` (images, args, steps) against ``binary``; the transcript."""
    with tempfile.TemporaryDirectory(prefix="qemu-io-") as tmp:
        directory = Path(tmp)
        make_images(directory, case.get("images", []))
        argv = [*binary, *BASE, "-qmp", "unix:qmp.sock,server=on,wait=off", *case["args"]]
        with (directory / "out.txt").open("wb") as out, (directory / "err.txt").open("wb") as err:
            proc = subprocess.Popen(argv, cwd=directory, stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=err)  # fmt: skip
        try:
            try:
                sock = _connect(directory / "qmp.sock", proc)
            except RuntimeError as err:
                raise RuntimeError(f"{err}: {(directory / 'err.txt').read_text()}") from None
            with sock:
                sock.settimeout(60)
                conn = _Qmp(sock)
                conn.reader.readline()
                conn.call({"execute": "qmp_capabilities"})
                replies: list[Any] = []
                for step in case["steps"]:
                    if "event" in step:
                        replies.append(conn.event(step["event"]))
                        continue
                    replies.append(pick(step.get("pick", ""), conn.call(step_request(step))))
                conn.call({"execute": "quit"})
            proc.wait(20)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
        stdout = (directory / "out.txt").read_text("latin-1")
        stderr = _PROG.sub("PROG: ", (directory / "err.txt").read_text("latin-1"))
        after = {image["name"]: _image_state(directory, image)
                  for image in case.get("images", [])}  # fmt: skip
    return {"replies": replies, "stdout": normalise(stdout), "stderr": stderr,
            "after": after}  # fmt: skip


def _image_state(directory: Path, image: dict[str, Any]) -> dict[str, Any]:
    path = directory / image["name"]
    if image.get("format", "raw") == "raw":
        return {"sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    assert QEMU_IMG is not None
    raw = directory / (image["name"] + ".converted")
    subprocess.run([QEMU_IMG, "convert", "-f", "qcow2", "-O", "raw", str(path), str(raw)],
                   check=True, cwd=directory)  # fmt: skip
    check = subprocess.run([QEMU_IMG, "check", str(path)], capture_output=True, text=True,
                           cwd=directory)  # fmt: skip
    return {
        "guest_sha256": hashlib.sha256(raw.read_bytes()).hexdigest(),
        "check_status": check.returncode,
    }
