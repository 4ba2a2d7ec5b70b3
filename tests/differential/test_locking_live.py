"""Image locks between real QEMU 7.2 and qmonitor, each holding the image for the other.

QEMU holds an image and qmonitor starts on it, then the other way round:
the second program must stop with the recorded text (and hint) or start,
as the second QEMU did when QEMU held the image
(tests/golden/locking/cases.json).  Skipped without QEMU.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from qmonitor_testsupport.lock_procs import Holder, make_images, run_second
from qmonitor_testsupport.procs import qmonitor_cmd

QEMU = shutil.which("qemu-system-x86_64")
QEMU_IMG = shutil.which("qemu-img")
pytestmark = [
    pytest.mark.qemu,
    pytest.mark.slow,
    pytest.mark.skipif(QEMU is None or QEMU_IMG is None, reason="QEMU is not installed"),
]

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "locking" / "cases.json"
#: A few cases: each runs two programs twice.
NAMES = ("disk_then_disk", "scsi_then_scsi", "qcow2_then_qcow2_readonly",
         "disk_then_drive_alone", "disk_then_locking_off", "insert_into_cd_while_written",
         "hotplug_disk_while_written")  # fmt: skip
CASES = [c for c in json.loads(GOLDEN.read_text())["cases"] if c["name"] in NAMES]
PREFIX = "qemu-system-x86_64: "


def _run(case: dict[str, Any], holder: list[str], second: list[str], tmp: Path) -> tuple[int, str]:
    assert QEMU_IMG is not None
    make_images(tmp, QEMU_IMG)
    held = Holder(holder, tuple(case["holder"]), tmp)
    requests = [(s["execute"], s["arguments"]) for s in case.get("steps", ())]
    try:
        status, stderr, replies = run_second(second, tuple(case["second"]), tmp, requests)
    finally:
        held.stop()
    assert replies == [s["reply"] for s in case.get("steps", ())]
    return status, stderr


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_qmonitor_after_qemu(case: dict[str, Any], tmp_path: Path) -> None:
    assert QEMU is not None
    status, stderr = _run(case, [QEMU], qmonitor_cmd(), tmp_path)
    expected = case["stderr"].replace(PREFIX, "qmonitor: ")
    assert (status, stderr) == (case["status"], expected)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_qemu_after_qmonitor(case: dict[str, Any], tmp_path: Path) -> None:
    assert QEMU is not None
    status, stderr = _run(case, qmonitor_cmd(), [QEMU], tmp_path)
    assert (status, stderr) == (case["status"], case["stderr"])


#: qemu-img and qemu-io runs on a held image: writers and readers that share no writing fail.
TOOLS: list[tuple[str, ...]] = [
    ("qemu-img", "resize", "-f", "raw", "disk.raw", "2M"),
    ("qemu-img", "convert", "-O", "raw", "disk.raw", "copy.raw"),
    ("qemu-img", "info", "disk.raw"),
    ("qemu-io", "-c", "write 0 512", "-f", "raw", "disk.raw"),
    ("qemu-img", "check", "-f", "qcow2", "disk.qcow2"),
]
_HOLDER = (
    "-M", "pc", "-drive", "file=disk.raw,format=raw,if=none,id=d",
    "-device", "virtio-blk-pci,drive=d", "-drive", "file=disk.qcow2,if=none,id=q",
)  # fmt: skip


def _tools(holder: list[str], tmp: Path) -> list[tuple[int, str]]:
    """Each tool's status and stderr while ``holder`` has the images open."""
    assert QEMU_IMG is not None
    make_images(tmp, QEMU_IMG)
    held = Holder(holder, _HOLDER, tmp)
    out = []
    try:
        for tool in TOOLS:
            path = shutil.which(tool[0])
            if path is None:
                continue
            proc = subprocess.run([path, *tool[1:]], cwd=tmp, capture_output=True, text=True,
                                  timeout=60)  # fmt: skip
            out.append((proc.returncode, proc.stderr))
    finally:
        held.stop()
    return out


def test_qemu_tools_see_qmonitors_locks_as_qemus(tmp_path: Path) -> None:
    assert QEMU is not None
    (tmp_path / "qemu").mkdir()
    (tmp_path / "qmonitor").mkdir()
    expected = _tools([QEMU], tmp_path / "qemu")
    assert any(status for status, _ in expected)  # some refused: the locks were there
    assert _tools(qmonitor_cmd(), tmp_path / "qmonitor") == expected
