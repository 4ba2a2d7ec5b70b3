"""A PC's devices against sessions recorded from QEMU 7.2 (tools/record_pcdev.py).

Each case builds the machine its command line describes and plays the
recorded QMP requests (HMP through human-monitor-command); every reply
must be the recorded one and no event may come where QEMU sent none.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from qmonitor.machine.machine import Machine
from qmonitor.options.cmdline import parse_args
from qmonitor.system.startup import machine_options
from qmonitor_testsupport import pcdev_cases
from qmonitor_testsupport.device_golden import (
    check_recordings_match,
    check_refused_command_line,
    fail_with_text_diff,
    keep_events,
    reply,
)

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "pcdev" / "cases.json"
CASES = json.loads(GOLDEN.read_text())["cases"]


def _machine(args: list[str]) -> Machine:
    config = parse_args(["-display", "none", "-S", *args], "qemu-system-x86_64")
    return Machine(replace(machine_options(config), use_io_thread=False))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_recorded_session(case: dict[str, Any]) -> None:
    events: list[dict[str, Any]] = []

    async def run() -> list[tuple[int, Any, Any]]:
        machine = _machine(case["args"])
        keep_events(machine, events)
        problems = []
        for i, step in enumerate(case["steps"]):
            got = reply(machine, step["execute"], step["arguments"])
            if got != step["reply"]:
                problems.append((i, step["arguments"], got, step["reply"]))
        return problems

    problems = asyncio.run(run())
    fail_with_text_diff(problems)
    assert [(i, a, g) for i, a, g, _ in problems] == []
    # The events, in order (QEMU sends a removal's events after the reply).
    assert events == [e for step in case["steps"] for e in step["events"]]


CLI = json.loads(GOLDEN.read_text())["cli"]


@pytest.mark.parametrize("case", CLI, ids=[c["name"] for c in CLI])
def test_refused_device_ends_the_program(case: dict[str, Any]) -> None:
    check_refused_command_line(case)


def test_recordings_match_the_cases() -> None:
    check_recordings_match(CASES, CLI, pcdev_cases)
