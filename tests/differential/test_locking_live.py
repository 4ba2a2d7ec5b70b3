"""Image locks between real QEMU 7.2 and qmonitor, each holding the image for the other.

QEMU holds an image and qmonitor starts on it, then the other way round:
the second program must stop with the recorded text (and hint) or start,
as the second QEMU did when QEMU held the image
(tests/golden/locking/cases.json).  Skipped without QEMU.
"""

from __future__ import annotations

import json
import shutil
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
