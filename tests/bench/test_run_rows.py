"""bench/run.py: which tree each column measures, and ``--rows``.

The events rows once ran the working tree's qmonitor for every column, so
the "before" column of ``--before REV`` measured the same code as the
"qmonitor" one.  Nothing is measured here: the event runners are replaced.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import bench_events  # noqa: E402
import run  # noqa: E402
from targets import Target  # noqa: E402


def test_event_rows_run_the_targets_own_tree(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: list[tuple[str, str, dict[str, str] | None]] = []

    def delivery(
        n: int, duration: float, warmup: float, tmp: Path, python: str, env: dict[str, str] | None
    ) -> dict[str, Any]:
        seen.append(("delivery", python, env))
        return {"events_per_s": 1.0}

    def emission(seconds: float, python: str, env: dict[str, str] | None) -> dict[str, Any]:
        seen.append(("emission", python, env))
        return {"throttled_per_s": 1.0, "unthrottled_no_client_per_s": 1.0}

    def command_events(
        cmd: list[str], duration: float, warmup: float, tmp: Path, env: dict[str, str] | None
    ) -> dict[str, Any]:
        seen.append(("commands", cmd[0], env))
        return {"events_per_s": 1.0}

    monkeypatch.setattr(bench_events, "build_evsink", lambda: None)
    monkeypatch.setattr(bench_events, "delivery", delivery)
    monkeypatch.setattr(bench_events, "emission", emission)
    monkeypatch.setattr(bench_events, "command_events", command_events)
    env = {"PYTHONPATH": "/old/tree/src"}
    t = Target("before", ["/some/python", "-m", "qmonitor"], env, "qmonitor")
    s = run.Settings(duration=0.1, warmup=0.0, greeting_runs=1, memory_runs=1, idle=0.0)
    run.run_events(t, s, tmp_path)
    assert len(seen) == len(bench_events.CLIENT_COUNTS) + 2
    assert all(python == "/some/python" and got is env for _, python, got in seen)


def test_rows_names_groups() -> None:
    assert run.parse_groups("events, oob_busy") == ("events", "oob_busy")
    with pytest.raises(argparse.ArgumentTypeError):
        run.parse_groups("events,nonsense")
    with pytest.raises(argparse.ArgumentTypeError):
        run.parse_groups(",")
