"""QEMU 7.2's HMP qemu-io and dirty bitmap sessions (tests/golden/qemu_io), replayed on qmonitor.

Each case of tools/record_qemu_io.py runs in a fresh qmonitor process on
the same images: the replies (bitmap lists, counts and digests, the
statistics without their times), qemu-io's standard output (timings
normalised), its standard error and the images afterwards (a qcow2
image's guest data, and whether ``qemu-img check`` finds it clean) must
be what QEMU gave.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from qmonitor_testsupport.qemu_io_session import QEMU_IMG, run_session

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "qemu_io" / "cases.json"
CASES: list[dict[str, Any]] = json.loads(GOLDEN.read_text())["cases"]


def _needs_qemu_img(case: dict[str, Any]) -> bool:
    return any(i.get("format", "raw") != "raw" for i in case.get("images", []))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_replay(case: dict[str, Any]) -> None:
    if _needs_qemu_img(case) and QEMU_IMG is None:
        pytest.skip("needs qemu-img")
    got = run_session([sys.executable, "-m", "qmonitor"], case)
    for i, (step, want, have) in enumerate(
        zip(case["steps"], case["replies"], got["replies"], strict=True)
    ):
        assert have == want, f"step {i}: {step}"
    assert got["stdout"] == case["stdout"]
    assert got["stderr"] == case["stderr"]
    assert got["after"] == case["after"]
