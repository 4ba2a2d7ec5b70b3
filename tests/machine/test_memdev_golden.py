"""Memory devices, the balloon and -mem-path against QEMU 7.2 (tools/record_memdevs.py).

Each case builds the machine its command line describes and plays the
recorded QMP requests (HMP through human-monitor-command): every reply
must be the recorded one and no event may come where QEMU sent none
(a guest that runs no code never answers the balloon or ejects a DIMM).
The refused command lines must end qmonitor with QEMU's status and text.
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
from qmonitor_testsupport import memdev_cases
from qmonitor_testsupport.device_golden import (
    check_recordings_match,
    check_refused_command_line,
    keep_events,
    reply,
)

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "memdev" / "cases.json"
DOCUMENT = json.loads(GOLDEN.read_text())
CASES = DOCUMENT["cases"]
CLI = DOCUMENT["cli"]


def _machine(args: list[str]) -> Machine:
    config = parse_args(["-display", "none", "-S", *args], "qemu-system-x86_64")
    return Machine(replace(machine_options(config), use_io_thread=False))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_recorded_session(case: dict[str, Any]) -> None:
    events: list[dict[str, Any]] = []

    async def run() -> list[tuple[int, Any, Any, Any]]:
        machine = _machine(case["args"])
        keep_events(machine, events)
        return [
            (i, step["arguments"], got, step["reply"])
            for i, step in enumerate(case["steps"])
            if (got := reply(machine, step["execute"], step["arguments"])) != step["reply"]
        ]

    assert asyncio.run(run()) == []
    assert events == [e for step in case["steps"] for e in step["events"]]


@pytest.mark.parametrize("case", CLI, ids=[c["name"] for c in CLI])
def test_refused_command_line(case: dict[str, Any]) -> None:
    check_refused_command_line(case)


def test_recordings_match_the_cases() -> None:
    check_recordings_match(CASES, CLI, memdev_cases)
