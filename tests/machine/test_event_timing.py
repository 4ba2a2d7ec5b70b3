"""qmonitor against QEMU's event timing, recorded by tools/record_event_timing.py.

tests/golden/events/NAME.json holds what real QEMU 7.2 sent while the
scenario NAME played: every QMP event with its arrival time and timestamp
(seconds since the script started), the qtest and QMP replies, stderr (the
qtest log) and the exit status.  The slow tests play the same scenarios
against qmonitor -- same command line, same script -- and want the same
events with the same data, arriving and stamped within :data:`TOLERANCE`
of QEMU's times; they need no QEMU.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from qmonitor_testsupport import event_timing as rec

GOLDEN = Path(__file__).resolve().parent.parent / "golden/events"
RECORDINGS = {p.stem: json.loads(p.read_text()) for p in sorted(GOLDEN.glob("*.json"))}
SCENARIOS = {s.name: s for s in rec.SCENARIOS}

#: How far qmonitor's arrival times and timestamps may be from QEMU's, in seconds.
TOLERANCE = 0.15

#: Plays of a scenario before its timing counts as different: on a loaded
#: machine one play can be late by more than the tolerance for reasons that
#: are not qmonitor's (the scheduler), while a real difference shows every time.
PLAYS = 3

_LOG_TIME = re.compile(r"^\[([IRS]) \+?[0-9]+\.[0-9]{6}\]")


def test_recordings_match_the_recorder() -> None:
    assert sorted(RECORDINGS) == sorted(SCENARIOS)
    for name, record in RECORDINGS.items():
        scenario = SCENARIOS[name]
        assert record["argv"] == [*rec.BASE, *scenario.args]
        assert record["steps"] == [list(step) for step in scenario.steps]


def test_recordings_show_qemus_throttle() -> None:
    """The patterns the comparison relies on are really in QEMU's recordings."""
    bursts = RECORDINGS["rtc_bursts"]["events"]
    assert [round(e["at"], 1) for e in bursts] == [0.0, 1.0, 2.5, 3.5, 4.8]
    # The held event keeps the timestamp of its emission (0.4 s), not of its sending.
    assert round(bursts[1]["stamp"], 1) == 0.4
    none = RECORDINGS["ib700_none"]["events"]
    assert [(round(e["at"], 1), round(e["stamp"], 1)) for e in none] == [
        (0.0, 0.0),
        (1.0, 0.6),
        (2.3, 2.3),
    ]
    assert RECORDINGS["ib700_poweroff"]["exit_status"] == 0
    # exit(0) leaves the QMP socket's file (qtest.sock is the recorder's own).
    assert RECORDINGS["ib700_poweroff"]["sockets_left"] == ["qmp.sock", "qtest.sock"]


def _rtc_offset(record: dict[str, Any], data: dict[str, Any]) -> float:
    """An RTC_CHANGE offset made comparable: the guest time minus host time at start."""
    return float(data["offset"]) - (rec.RTC_BASE - record["wall0"])


def _log_lines(text: str) -> list[str]:
    """A qtest log with the times taken out."""
    return [_LOG_TIME.sub(r"[\1 T]", line) for line in text.splitlines()]


def compare(gold: dict[str, Any], ours: dict[str, Any]) -> None:
    names = [e["event"] for e in ours["events"]]
    assert names == [e["event"] for e in gold["events"]], ours["events"]
    for theirs, mine in zip(gold["events"], ours["events"], strict=True):
        what = f"{mine['event']} at {theirs['at']}"
        assert abs(mine["at"] - theirs["at"]) <= TOLERANCE, (what, mine["at"])
        assert abs(mine["stamp"] - theirs["stamp"]) <= TOLERANCE, (what, mine["stamp"])
        if mine["event"] == "RTC_CHANGE":
            assert mine["data"]["qom-path"] == theirs["data"]["qom-path"]
            drift = _rtc_offset(ours, mine["data"]) - _rtc_offset(gold, theirs["data"])
            assert abs(drift) < 1.0 + TOLERANCE, (what, mine["data"], theirs["data"])
        else:
            assert mine.get("data") == theirs.get("data"), what
    assert ours["replies"] == gold["replies"]
    assert ours["exit_status"] == gold["exit_status"]
    if "sockets_left" in gold:
        assert ours["sockets_left"] == gold["sockets_left"]
    assert _log_lines(ours["stderr"]) == _log_lines(gold["stderr"])
    if "qtest_log" in gold:
        assert _log_lines(ours["qtest_log"]) == _log_lines(gold["qtest_log"])


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_same_events_and_timing_as_qemu(name: str) -> None:
    for attempt in range(PLAYS):
        ours = rec.play([sys.executable, "-m", "qmonitor"], SCENARIOS[name])
        try:
            compare(RECORDINGS[name], ours)
            return
        except AssertionError:
            if attempt == PLAYS - 1:
                raise
