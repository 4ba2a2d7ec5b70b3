"""qmonitor answers the qtest scripts as QEMU 7.2 did (tests/golden/qtest, tools/record_qtest.py).

Each transcript is replayed against a qmonitor process started with the
same options: every reply and every ``IRQ`` line must match, in order.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from qmonitor.machine.memory import BIOS_NAME, _find_bios
from qmonitor_testsupport.qtest_transcripts import SCRIPTS, play

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "qtest"
BY_NAME = {script.name: script for script in SCRIPTS}


def transcripts() -> list[str]:
    return sorted(p.stem for p in GOLDEN.glob("*.json"))


def _expected(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((GOLDEN / f"{name}.json").read_text())
    return data


@pytest.mark.parametrize("name", transcripts())
def test_transcript(name: str) -> None:
    if name == "memory" and not _find_bios(BIOS_NAME):
        pytest.skip(f"no {BIOS_NAME} here: the ROM reads would differ from the recording")
    expected = _expected(name)
    got = play([sys.executable, "-m", "qmonitor"], BY_NAME[name])
    # Compare request by request for a readable failure.
    for (request, reply), (_, ours) in zip(expected["exchanges"], got["exchanges"], strict=True):
        assert (request, ours) == (request, reply)
