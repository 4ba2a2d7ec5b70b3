"""What the device replays share (tests of pcdev, scsi and memdev recordings).

Each recorder (tools/record_pcdev.py, record_scsi.py, record_memdevs.py)
writes cases of a command line and QMP steps, plus command lines QEMU
refuses; the tests play them against an in-process machine.
"""

from __future__ import annotations

import asyncio
import difflib
import json
import re
import subprocess
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import pytest

from qmonitor.machine.machine import Machine
from qmonitor.qapi.error import QapiError


def reply(machine: Machine, execute: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """What QMP would answer ``execute`` with, without a monitor."""
    cmd = machine.commands.full.find(execute)
    assert cmd is not None, execute
    try:
        value = cmd.call(arguments)
    except QapiError as exc:
        return {"error": {"class": exc.error_class.value, "desc": exc.desc}}
    return {"return": {} if value is None else value}


def keep_events(machine: Machine, events: list[dict[str, Any]]) -> None:
    """Make ``machine`` append its events (as QMP shows them, untimed) to ``events``."""
    machine.emit_event = lambda event, data=None: events.append(  # type: ignore[method-assign]
        {"event": event, "data": data} if data is not None else {"event": event}
    )


def fail_with_text_diff(problems: Sequence[tuple[int, Any, Any, Any]]) -> None:
    """Fail with a diff when the first differing step answered text (an HMP command)."""
    for i, args, got, want in problems[:1]:
        if isinstance(want.get("return"), str):
            diff = "\n".join(
                difflib.unified_diff(
                    want["return"].splitlines(),
                    str(got.get("return", got)).splitlines(),
                    lineterm="",
                    n=2,
                )
            )
            pytest.fail(f"step {i} {args}:\n{diff[:3000]}", pytrace=False)


def check_refused_command_line(case: dict[str, Any]) -> None:
    """qmonitor ends with QEMU's status and text (its own program name) for ``case``."""
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


def check_recordings_match(
    cases: list[dict[str, Any]], cli: list[dict[str, Any]], source: ModuleType
) -> None:
    """The recording holds exactly the cases ``source`` (CASES, CLI_ERRORS) lists."""
    assert [(c["name"], tuple(c["args"])) for c in cases] == [
        (name, args) for name, args, _ in source.CASES
    ]
    assert [[s["execute"], s["arguments"]] for c in cases for s in c["steps"]] == [
        [execute, arguments] for _, _, requests in source.CASES for execute, arguments in requests
    ]
    assert [(c["name"], tuple(c["args"])) for c in cli] == source.CLI_ERRORS


def started_machine(args: list[str], events: list[dict[str, Any]]) -> Machine:
    """The machine start-up makes of ``args`` (nodes, drives, devices), its events kept."""
    from dataclasses import replace

    from qmonitor.machine.block.commands import graph_of
    from qmonitor.options.cmdline import parse_args
    from qmonitor.system.startup import add_blockdevs, add_drives, check_devices, machine_options

    config = parse_args(["-display", "none", "-S", *args], "qemu-system-x86_64")
    machine = Machine(replace(machine_options(config), use_io_thread=False))
    keep_events(machine, events)
    from qmonitor.chardev.base import NullChardev

    for cfg in config.chardevs:
        if cfg.backend == "null":  # the chardevs devices name (the others would do IO)
            machine.chardevs[cfg.id] = NullChardev(cfg.id)
    add_blockdevs(graph_of(machine), config)
    add_drives(machine, config)
    check_devices(machine)
    return machine


def generated_names(value: Any) -> Any:
    """``value`` with each generated node name's counter and random digits taken out."""
    return json.loads(re.sub(r"#block\d+", "#block", json.dumps(value)))


def check_recorded_session(case: dict[str, Any]) -> None:
    """Play ``case`` on a machine made of its command line: QEMU's replies and events.

    Generated node names (``#blockNNN``) compare without their digits.
    """
    events: list[dict[str, Any]] = []

    async def run() -> list[tuple[int, Any, Any, Any]]:
        machine = started_machine(case["args"], events)
        problems = []
        for i, step in enumerate(case["steps"]):
            got = reply(machine, step["execute"], step["arguments"])
            if generated_names(got) != generated_names(step["reply"]):
                problems.append((i, step["arguments"], got, step["reply"]))
        return problems

    problems = asyncio.run(run())
    fail_with_text_diff(problems)
    assert [(i, a, g) for i, a, g, _ in problems] == []
    # The events, in order (QEMU sends a removal's events after the reply).
    want = [e for step in case["steps"] for e in step["events"]]
    assert generated_names(events) == generated_names(want)
