"""QEMU 7.2 storing and loading persistent bitmaps (tests/golden/pbitmap), replayed on qmonitor.

Each case of tools/record_pbitmaps.py runs in fresh qmonitor processes on
the same images: every run's replies, standard output and error, and the
images afterwards (the bitmaps ``qemu-img info`` lists with their flags,
``qemu-img check``'s figures, the file's SHA-256: the same layout byte
for byte) must be what QEMU gave.  Skipped without qemu-img.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from qmonitor_testsupport.pbitmap_session import QEMU_IMG, compare, run_case

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "pbitmap" / "cases.json"
CASES: list[dict[str, Any]] = json.loads(GOLDEN.read_text())["cases"]
pytestmark = pytest.mark.skipif(QEMU_IMG is None, reason="needs qemu-img")


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_replay(case: dict[str, Any]) -> None:
    got = run_case([[sys.executable, "-m", "qmonitor"]], case)
    compare(case, case["results"], got)
