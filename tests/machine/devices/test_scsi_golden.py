"""SCSI adapters and devices against sessions recorded from QEMU 7.2 (tools/record_scsi.py).

Each case builds the machine its command line describes and plays the
recorded QMP requests (HMP through human-monitor-command); every reply
must be the recorded one and no event may come where QEMU sent none.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from qmonitor.machine.block.commands import graph_of
from qmonitor.machine.machine import Machine
from qmonitor.options.cmdline import parse_args
from qmonitor.system.startup import add_blockdevs, add_drives, check_devices, machine_options
from qmonitor_testsupport import scsi_cases
from qmonitor_testsupport.device_golden import (
    check_recordings_match,
    check_refused_command_line,
    fail_with_text_diff,
    keep_events,
    reply,
)

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "scsi" / "cases.json"
CASES = json.loads(GOLDEN.read_text())["cases"]


def _machine(args: list[str], events: list[dict[str, Any]]) -> Machine:
    """The machine start-up makes (nodes, drives, devices), its events kept in ``events``."""
    config = parse_args(["-display", "none", "-S", *args], "qemu-system-x86_64")
    machine = Machine(replace(machine_options(config), use_io_thread=False))
    keep_events(machine, events)
    add_blockdevs(graph_of(machine), config)
    add_drives(machine, config)
    check_devices(machine)
    return machine


def _generated_names(reply: dict[str, Any]) -> Any:
    """The reply with each generated node name's counter and random digits taken out."""
    return json.loads(re.sub(r"#block\d+", "#block", json.dumps(reply)))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_recorded_session(case: dict[str, Any]) -> None:
    events: list[dict[str, Any]] = []

    async def run() -> list[tuple[int, Any, Any]]:
        machine = _machine(case["args"], events)
        problems = []
        for i, step in enumerate(case["steps"]):
            got = reply(machine, step["execute"], step["arguments"])
            if _generated_names(got) != _generated_names(step["reply"]):
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
    check_recordings_match(CASES, CLI, scsi_cases)
