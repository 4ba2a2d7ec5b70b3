"""qmonitor's start-up on the network command lines recorded from QEMU 7.2.

tests/golden/cli/net.json holds what QEMU did with each command line of
:mod:`qmonitor_testsupport.cli_cases_net` (tools/record_cli_net.py): its
exit status or that it kept running, and its stderr.  Each is replayed
through qmonitor's own start-up steps (the option parser, the machine,
check_devices and warn_network, as :func:`qmonitor.system.startup.run`
calls them), in this process: a loaded machine starts a Python program
too slowly to tell "kept running" from "slow to fail".  Program names
and the random digits of generated ``#net`` ids are set aside.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from qmonitor.machine.machine import Machine
from qmonitor.options.cmdline import CmdlineError, parse_args
from qmonitor.system.startup import StartupError, check_devices, machine_options, warn_network
from qmonitor_testsupport.cli_cases_net import NET_CASES

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "cli" / "net.json"
RECORDED: dict[str, dict[str, Any]] = {
    case["name"]: case for case in json.loads(GOLDEN.read_text())["cases"]
}
PROG = "qemu-system-x86_64"


def _comparable(text: str) -> str:
    return re.sub(r"(#net\d*)\d\d", r"\g<1>00", text)


def _start(argv: list[str]) -> tuple[int | None, str]:
    """(exit status or None if it runs, stderr) of qmonitor's start-up on ``argv``."""
    try:
        config = parse_args(argv, PROG)
    except CmdlineError as exc:
        return exc.status, exc.message if exc.stream == "stderr" else ""
    warnings: list[str] = []

    async def build() -> tuple[int | None, str]:
        machine = Machine(replace(machine_options(config), use_io_thread=False))
        try:
            check_devices(machine)
            warn_network(machine, config, lambda m: warnings.append(f"{PROG}: warning: {m}\n"))
        except StartupError as exc:
            return 1, "".join([*config.warnings, *warnings, f"{PROG}: {exc}\n"])
        return None, "".join([*config.warnings, *warnings])

    return asyncio.run(build())


def test_recordings_match_the_cases() -> None:
    assert [name for name, _, _ in NET_CASES] == list(RECORDED)
    assert sum(case["started"] for case in RECORDED.values()) >= 6


@pytest.mark.parametrize("name", [name for name, _, _ in NET_CASES])
def test_like_qemu(name: str) -> None:
    want = RECORDED[name]
    status, stderr = _start(want["argv"])
    assert status == want["status"]
    assert _comparable(stderr) == _comparable(want["stderr"])
