"""Play a persistent-bitmap case against QEMU or qmonitor: runs on one set of images, in turn.

A case makes its images (as :mod:`.qemu_io_session` does), then goes
through its ``runs`` in one directory: a run is either a ``qemu-img``
command (``{"img": [args]}``: ``bitmap --add``, ``info``, ``check``...)
a ``poke`` that damages an image's bitmaps (:func:`poke`), or a machine
started with ``args`` that gets ``steps`` over QMP and then
``quit`` (or a SIGKILL with ``"end": "kill"``, which leaves the image's
bitmaps in use).  A step may itself be ``{"img": [args]}``, run while the
machine holds the image (``info -U`` shows the in-use flags); a step's
``only`` keeps only those nodes of a picked reply.  After each run the
transcript keeps the state of the qcow2 images (but those marked
``"inspect": false``): the bitmaps ``qemu-img
info`` lists, ``qemu-img check``'s figures and the image's SHA-256 (the
same layout byte for byte).

Each run may use another binary (``binaries[i]``), so one image can be
written by qmonitor and read back by QEMU.  Shared by
tools/record_pbitmaps.py, tests/machine/test_pbitmap_golden.py and
tests/differential/test_pbitmap_live.py.
"""

from __future__ import annotations

import hashlib
import json
import signal
import struct
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qmonitor_testsupport.qemu_io_session import (
    _PROG,
    BASE,
    QEMU_IMG,
    _connect,
    _Qmp,
    make_images,
    normalise,
    pick,
    step_request,
)


def _img(directory: Path, args: Sequence[str]) -> dict[str, Any]:
    """A qemu-img command: its status, and its output (JSON parsed, paths dropped)."""
    assert QEMU_IMG is not None
    done = subprocess.run([QEMU_IMG, *args], capture_output=True, text=True, cwd=directory)
    out: Any = done.stdout.replace(str(directory) + "/", "")
    if "--output=json" in args and done.returncode in (0, 2, 3):
        out = json.loads(done.stdout)
        if isinstance(out, dict):
            out.pop("filename", None)
            out.pop("actual-size", None)
            out.pop("dirty-flag", None)
    return {"status": done.returncode, "out": out, "err": done.stderr}


#: Fields of a bitmap directory entry a ``poke`` may change: (offset, struct format).
_ENTRY_FIELDS = {
    "table_offset": (0, ">Q"), "table_size": (8, ">I"), "flags": (12, ">I"),
    "type": (16, ">B"), "granularity_bits": (17, ">B"),
}  # fmt: skip


def poke(directory: Path, spec: dict[str, Any]) -> None:
    """Damage an image's bitmaps on purpose: a directory entry's field, the first entry of
    its bitmap table, or the header's autoclear features (``{"image", "entry", "field",
    "value"}``)."""
    from qmonitor.machine.block.qcow2_bitmaps import read_extension

    path = directory / spec["image"]
    with path.open("r+b") as f:
        head = f.read(65536)
        if spec["field"] == "autoclear":
            f.seek(88)
            f.write(struct.pack(">Q", spec["value"]))
            return
        ext = read_extension(head)
        f.seek(ext.directory_offset)
        data = f.read(ext.directory_size)
        at = 0
        for _ in range(spec.get("entry", 0)):
            at += (24 + struct.unpack_from(">H", data, at + 18)[0] + 7) & ~7
        if spec["field"] == "table0":
            f.seek(struct.unpack_from(">Q", data, at)[0])
            f.write(struct.pack(">Q", spec["value"]))
            return
        where, fmt = _ENTRY_FIELDS[spec["field"]]
        f.seek(ext.directory_offset + at + where)
        f.write(struct.pack(fmt, spec["value"]))


def image_state(directory: Path, name: str) -> dict[str, Any]:
    """What a qcow2 image holds after a run: its bitmaps, check's figures, its bytes' digest."""
    path = directory / name
    info = _img(directory, ["info", "--output=json", name])
    specific = info["out"].get("format-specific", {}).get("data", {}) if info["status"] == 0 else {}
    check = _img(directory, ["check", "--output=json", name])
    return {
        "bitmaps": specific.get("bitmaps", []),
        "check": check["out"],
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
    }


def _machine(binary: Sequence[str], directory: Path, run: dict[str, Any]) -> dict[str, Any]:
    argv = [*binary, *BASE, "-qmp", "unix:qmp.sock,server=on,wait=off", *run["args"]]
    sock_path = directory / "qmp.sock"
    sock_path.unlink(missing_ok=True)
    with (directory / "out.txt").open("wb") as out, (directory / "err.txt").open("wb") as err:
        proc = subprocess.Popen(argv, cwd=directory, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=err)  # fmt: skip
    replies: list[Any] = []
    try:
        try:
            sock = _connect(sock_path, proc)
        except RuntimeError:
            # It would not start (an image it cannot open): its status and message.
            stderr = _PROG.sub("PROG: ", (directory / "err.txt").read_text("latin-1"))
            return {"replies": [], "stdout": "", "stderr": stderr, "exit": proc.returncode}
        with sock:
            sock.settimeout(60)
            conn = _Qmp(sock)
            try:
                # A greeting may come before the command line is checked (qmonitor's
                # early greeter): a start that fails closes the connection either way.
                if not conn.reader.readline():
                    raise ConnectionError("closed")
                conn.call({"execute": "qmp_capabilities"})
            except OSError:
                # It would not start (an image it cannot open).
                proc.wait(20)
                stderr = _PROG.sub("PROG: ", (directory / "err.txt").read_text("latin-1"))
                return {"replies": [], "stdout": "", "stderr": stderr, "exit": proc.returncode}
            for step in run["steps"]:
                if "img" in step:
                    replies.append(_img(directory, step["img"]))
                    continue
                if "event" in step:
                    replies.append(conn.event(step["event"]))
                    continue
                reply = pick(step.get("pick", ""), conn.call(step_request(step)))
                if "only" in step:
                    reply = {k: v for k, v in reply.items() if k in step["only"]}
                replies.append(reply)
            if run.get("end") == "kill":
                proc.send_signal(signal.SIGKILL)
            else:
                conn.call({"execute": "quit"})
        proc.wait(20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    stdout = (directory / "out.txt").read_text("latin-1")
    stderr = _PROG.sub("PROG: ", (directory / "err.txt").read_text("latin-1"))
    return {"replies": replies, "stdout": normalise(stdout), "stderr": stderr}


def run_case(binaries: Sequence[Sequence[str]], case: dict[str, Any]) -> list[dict[str, Any]]:
    """Play ``case``; run *i* of a machine uses ``binaries[i]`` (the last one for the rest)."""
    out: list[dict[str, Any]] = []
    qcow2 = [
        i["name"]
        for i in case.get("images", [])
        if i.get("format") == "qcow2" and i.get("inspect", True)
    ]
    with tempfile.TemporaryDirectory(prefix="pbitmap-") as tmp:
        directory = Path(tmp)
        make_images(directory, case.get("images", []))
        for i, run in enumerate(case["runs"]):
            if "img" in run:
                out.append(_img(directory, run["img"]))
                continue
            if "poke" in run:
                poke(directory, run["poke"])
                out.append({})
                continue
            binary = binaries[min(i, len(binaries) - 1)]
            result = _machine(binary, directory, run)
            result["after"] = {name: image_state(directory, name) for name in qcow2}
            out.append(result)
    return out


def compare(case: dict[str, Any], want: list[dict[str, Any]], have: list[dict[str, Any]]) -> None:
    """Run by run, step by step: the first difference fails with its place."""
    assert len(have) == len(want)
    for n, (run, w, h) in enumerate(zip(case["runs"], want, have, strict=True)):
        if "img" in run or "poke" in run:
            assert h == w, f"run {n}: {run}"
            continue
        for i, (ws, hs) in enumerate(zip(w["replies"], h["replies"], strict=False)):
            assert hs == ws, f"run {n} step {i}: {run['steps'][i]}"
        assert len(h["replies"]) == len(w["replies"]), f"run {n}"
        assert h["stdout"] == w["stdout"], f"run {n}"
        assert h["stderr"] == w["stderr"], f"run {n}"
        assert h.get("exit") == w.get("exit"), f"run {n}"
        for name, state in w["after"].items():
            for key in ("bitmaps", "check", "sha256"):
                assert h["after"][name][key] == state[key], f"run {n}: {name} {key}"
