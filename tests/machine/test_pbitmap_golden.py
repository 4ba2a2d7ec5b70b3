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

from qmonitor_testsupport.pbitmap_session import QEMU_IMG, run_case

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "pbitmap" / "cases.json"
CASES: list[dict[str, Any]] = json.loads(GOLDEN.read_text())["cases"]
pytestmark = pytest.mark.skipif(QEMU_IMG is None, reason="needs qemu-img")


def compare(case: dict[str, Any], want: list[dict[str, Any]], have: list[dict[str, Any]]) -> None:
    """Run by run, step by step: the first difference fails with its place."""
    assert len(have) == len(want)
    for n, (run, w, h) in enumerate(zip(case["runs"], want, have, strict=True)):
        if "img" in run:
            assert h == w, f"run {n}: qemu-img {run['img']}"
            continue
        for i, (step, ws, hs) in enumerate(zip(run["steps"], w["replies"], h["replies"],
                                               strict=True)):  # fmt: skip
            assert hs == ws, f"run {n} step {i}: {step}"
        assert h["stdout"] == w["stdout"], f"run {n}"
        assert h["stderr"] == w["stderr"], f"run {n}"
        for name, state in w["after"].items():
            for key in ("bitmaps", "check", "sha256"):
                assert h["after"][name][key] == state[key], f"run {n}: {name} {key}"


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_replay(case: dict[str, Any]) -> None:
    got = run_case([[sys.executable, "-m", "qmonitor"]], case)
    compare(case, case["results"], got)
