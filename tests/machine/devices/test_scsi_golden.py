"""SCSI adapters and devices against sessions recorded from QEMU 7.2 (tools/record_scsi.py).

Each case builds the machine its command line describes and plays the
recorded QMP requests (HMP through human-monitor-command); every reply
must be the recorded one and no event may come where QEMU sent none.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from qmonitor.machine.block.commands import graph_of
from qmonitor.machine.machine import Machine
from qmonitor.options.cmdline import parse_args
from qmonitor.qapi.error import QapiError
from qmonitor.system.startup import add_blockdevs, add_drives, check_devices, machine_options
from qmonitor_testsupport import scsi_cases

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "scsi" / "cases.json"
CASES = json.loads(GOLDEN.read_text())["cases"]


def _machine(args: list[str], events: list[dict[str, Any]]) -> Machine:
    """The machine start-up makes (nodes, drives, devices), its events kept in ``events``."""
    config = parse_args(["-display", "none", "-S", *args], "qemu-system-x86_64")
    machine = Machine(replace(machine_options(config), use_io_thread=False))
    machine.emit_event = lambda name, data=None: events.append(  # type: ignore[method-assign]
        {"event": name, "data": data} if data is not None else {"event": name}
    )
    add_blockdevs(graph_of(machine), config)
    add_drives(machine, config)
    check_devices(machine)
    return machine


def _reply(machine: Machine, execute: str, arguments: dict[str, Any]) -> dict[str, Any]:
    cmd = machine.commands.full.find(execute)
    assert cmd is not None, execute
    try:
        value = cmd.call(arguments)
    except QapiError as exc:
        return {"error": {"class": exc.error_class.value, "desc": exc.desc}}
    return {"return": {} if value is None else value}


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
            got = _reply(machine, step["execute"], step["arguments"])
            if _generated_names(got) != _generated_names(step["reply"]):
                problems.append((i, step["arguments"], got, step["reply"]))
        return problems

    problems = asyncio.run(run())
    for i, args, got, want in problems[:1]:
        if isinstance(want.get("return"), str):
            import difflib

            diff = "\n".join(
                difflib.unified_diff(
                    want["return"].splitlines(),
                    str(got.get("return", got)).splitlines(),
                    lineterm="",
                    n=2,
                )
            )
            pytest.fail(f"step {i} {args}:\n{diff[:3000]}", pytrace=False)
    assert [(i, a, g) for i, a, g, _ in problems] == []
    # The events, in order (QEMU sends a removal's events after the reply).
    assert events == [e for step in case["steps"] for e in step["events"]]


CLI = json.loads(GOLDEN.read_text())["cli"]


@pytest.mark.parametrize("case", CLI, ids=[c["name"] for c in CLI])
def test_refused_device_ends_the_program(case: dict[str, Any]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "qmonitor", "-display", "none", "-S", *case["args"]],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    # QEMU's messages start with its program's name, qmonitor's with its own.
    expected = case["stderr"].replace("qemu-system-x86_64: ", "qmonitor: ")
    assert (proc.returncode, proc.stderr) == (case["status"], expected)


def test_recordings_match_the_cases() -> None:
    assert [(c["name"], tuple(c["args"])) for c in CASES] == [
        (name, args) for name, args, _ in scsi_cases.CASES
    ]
    assert [[s["execute"], s["arguments"]] for c in CASES for s in c["steps"]] == [
        [execute, arguments]
        for _, _, requests in scsi_cases.CASES
        for execute, arguments in requests
    ]
    assert [(c["name"], tuple(c["args"])) for c in CLI] == scsi_cases.CLI_ERRORS
