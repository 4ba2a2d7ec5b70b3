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
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from qmonitor.machine.machine import Machine
from qmonitor.options.cmdline import parse_args
from qmonitor.qapi.error import QapiError
from qmonitor.system.startup import machine_options
from qmonitor_testsupport import memdev_cases

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "memdev" / "cases.json"
DOCUMENT = json.loads(GOLDEN.read_text())
CASES = DOCUMENT["cases"]
CLI = DOCUMENT["cli"]


def _machine(args: list[str]) -> Machine:
    config = parse_args(["-display", "none", "-S", *args], "qemu-system-x86_64")
    return Machine(replace(machine_options(config), use_io_thread=False))


def _reply(machine: Machine, execute: str, arguments: dict[str, Any]) -> dict[str, Any]:
    cmd = machine.commands.full.find(execute)
    assert cmd is not None, execute
    try:
        value = cmd.call(arguments)
    except QapiError as exc:
        return {"error": {"class": exc.error_class.value, "desc": exc.desc}}
    return {"return": {} if value is None else value}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_recorded_session(case: dict[str, Any]) -> None:
    events: list[dict[str, Any]] = []

    async def run() -> list[tuple[int, Any, Any, Any]]:
        machine = _machine(case["args"])
        machine.emit_event = lambda name, data=None: events.append(  # type: ignore[method-assign]
            {"event": name, "data": data} if data is not None else {"event": name}
        )
        return [
            (i, step["arguments"], got, step["reply"])
            for i, step in enumerate(case["steps"])
            if (got := _reply(machine, step["execute"], step["arguments"])) != step["reply"]
        ]

    assert asyncio.run(run()) == []
    assert events == [e for step in case["steps"] for e in step["events"]]


@pytest.mark.parametrize("case", CLI, ids=[c["name"] for c in CLI])
def test_refused_command_line(case: dict[str, Any]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "qmonitor", "-display", "none", "-S", *case["args"]],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    expected = case["stderr"].replace("qemu-system-x86_64: ", "qmonitor: ")
    assert (proc.returncode, proc.stderr) == (case["status"], expected)


def test_recordings_match_the_cases() -> None:
    assert [(c["name"], tuple(c["args"])) for c in CASES] == [
        (name, args) for name, args, _ in memdev_cases.CASES
    ]
    assert [[s["execute"], s["arguments"]] for c in CASES for s in c["steps"]] == [
        [execute, arguments]
        for _, _, requests in memdev_cases.CASES
        for execute, arguments in requests
    ]
    assert [(c["name"], tuple(c["args"])) for c in CLI] == memdev_cases.CLI_ERRORS
