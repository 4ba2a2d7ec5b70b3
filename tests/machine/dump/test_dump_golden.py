"""Guest memory dumps as QEMU 7.2 made them (tests/golden/dump/).

Each case of :mod:`qmonitor_testsupport.dump_cases` is played against
qmonitor: the client must receive QEMU's messages in QEMU's order, and
every file must be QEMU's (size, mode, SHA-256 and readelf's view).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from qmonitor_testsupport.dump_cases import CASES, run_case

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "dump"
QMONITOR = (sys.executable, "-m", "qmonitor")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_dump_as_qemu(case: Any, tmp_path: Path) -> None:
    golden = json.loads((GOLDEN / f"{case.name}.json").read_text())
    got = run_case(case, QMONITOR, tmp_path)
    assert got["messages"] == golden["messages"]
    assert sorted(got["files"]) == sorted(golden["files"])
    if case.firmware_ran:
        return
    for name, want in golden["files"].items():
        have = got["files"][name]
        if "readelf" in want and "readelf" in have:
            assert have["readelf"] == want["readelf"], name
        assert have == {k: v for k, v in want.items() if k in have}, name
