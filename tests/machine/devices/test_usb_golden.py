"""USB controllers and devices against sessions recorded from QEMU 7.2 (tools/record_usb.py).

Each case builds the machine its command line describes and plays the
recorded QMP requests (HMP through human-monitor-command); every reply
must be the recorded one and no event may come where QEMU sent none.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from qmonitor_testsupport import usb_cases
from qmonitor_testsupport.device_golden import (
    check_recorded_session,
    check_recordings_match,
    check_refused_command_line,
)

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "usb" / "cases.json"
CASES = json.loads(GOLDEN.read_text())["cases"]
CLI = json.loads(GOLDEN.read_text())["cli"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_recorded_session(case: dict[str, Any]) -> None:
    check_recorded_session(case)


@pytest.mark.parametrize("case", CLI, ids=[c["name"] for c in CLI])
def test_refused_device_ends_the_program(case: dict[str, Any]) -> None:
    check_refused_command_line(case)


def test_recordings_match_the_cases() -> None:
    check_recordings_match(CASES, CLI, usb_cases)
