"""Persistent bitmaps in qcow2 images: QEMU 7.2 and qmonitor on the same sessions, same run.

Each case of qmonitor_testsupport.pbitmap_cases (also recorded in
tests/golden/pbitmap) is played by QEMU alone, by qmonitor alone, and
with the two taking turns on the same images (qmonitor writes what QEMU
then opens, and back): every run's replies, output and the images left
(``qemu-img info``'s bitmaps and flags, ``qemu-img check``'s figures,
the file's SHA-256) must agree.  Skipped without QEMU and qemu-img.
"""

from __future__ import annotations

import shutil
import sys
from typing import Any

import pytest

from qmonitor_testsupport.pbitmap_cases import CASES
from qmonitor_testsupport.pbitmap_session import compare, run_case

QEMU = shutil.which("qemu-system-x86_64")
QEMU_IMG = shutil.which("qemu-img")
QMONITOR = [sys.executable, "-m", "qmonitor"]
pytestmark = [
    pytest.mark.qemu,
    pytest.mark.slow,
    pytest.mark.skipif(QEMU is None or QEMU_IMG is None, reason="QEMU is not installed"),
]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_same_images(case: dict[str, Any]) -> None:
    assert QEMU is not None
    theirs = run_case([[QEMU]], case)
    compare(case, theirs, run_case([QMONITOR], case))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_taking_turns(case: dict[str, Any]) -> None:
    """qmonitor's images opened by QEMU and QEMU's by qmonitor, run after run."""
    assert QEMU is not None
    theirs = run_case([[QEMU]], case)
    turns = [QMONITOR if i % 2 == 0 else [QEMU] for i in range(len(case["runs"]))]
    compare(case, theirs, run_case(turns, case))
