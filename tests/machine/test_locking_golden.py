"""Two machines on one image against QEMU 7.2's recorded answers (tools/record_locking.py).

Both machines are built in this process, as start-up builds them, in a
directory with the images the recording used: the holder first, then the
second, whose start-up must fail with QEMU's text and hint, or succeed,
as the second QEMU did.  OFD locks belong to an open file description, so
two machines in one process see each other's locks as two processes do.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from qmonitor.machine.block.commands import graph_of
from qmonitor.machine.block.qcow2_create import qcow2_image
from qmonitor.machine.machine import Machine
from qmonitor.options.cmdline import parse_args
from qmonitor.qapi.error import QapiError
from qmonitor.system.startup import (
    StartupError,
    add_blockdevs,
    add_drives,
    check_devices,
    machine_options,
)
from qmonitor_testsupport import locking_cases

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "locking" / "cases.json"
CASES = json.loads(GOLDEN.read_text())["cases"]
PREFIX = "qemu-system-x86_64: "


def write_images(directory: Path) -> None:
    """The images the recording made with qemu-img: raw and qcow2, 1 MiB each."""
    (directory / "disk.raw").write_bytes(bytes(1 << 20))
    (directory / "disk.qcow2").write_bytes(qcow2_image(1 << 20))


def start(args: list[str]) -> tuple[Machine, str | None]:
    """A machine as start-up builds it, and its start-up error (None if it started)."""
    config = parse_args([*locking_cases.BASE, *args], "qemu-system-x86_64")
    machine = Machine(replace(machine_options(config), use_io_thread=False))
    try:
        add_blockdevs(graph_of(machine), config)
        add_drives(machine, config, lambda _text: None)
        check_devices(machine)
    except StartupError as exc:
        return machine, str(exc)
    return machine, None


def close(machine: Machine) -> None:
    """Give the machine's images (and their locks) back."""
    for node in list(graph_of(machine).nodes.values()):
        if node.image_lock is not None:
            node.image_lock.close()


def _reply(machine: Machine, execute: str, arguments: dict[str, Any]) -> dict[str, Any]:
    cmd = machine.commands.full.find(execute)
    assert cmd is not None, execute
    try:
        value = cmd.call(arguments)
    except QapiError as exc:
        return {"error": {"class": exc.error_class.value, "desc": exc.desc}}
    return {"return": {} if value is None else value}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_second_machine_on_the_image(
    case: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_images(tmp_path)
    monkeypatch.chdir(tmp_path)

    async def run() -> tuple[str | None, list[dict[str, Any]]]:
        holder, error = start(case["holder"])
        assert error is None
        replies = []
        try:
            second, error = start(case["second"])
            for step in case.get("steps", ()):
                replies.append(_reply(second, step["execute"], step["arguments"]))
            close(second)
        finally:
            close(holder)
        return error, replies

    error, replies = asyncio.run(run())
    assert replies == [step["reply"] for step in case.get("steps", ())]
    if case["status"] == 0:
        assert error is None
    else:
        assert case["stderr"].startswith(PREFIX)
        assert f"{error}\n" == case["stderr"][len(PREFIX) :]


def test_recordings_match_the_cases() -> None:
    assert [(c["name"], tuple(c["holder"]), tuple(c["second"])) for c in CASES] == [
        (name, holder, second) for name, holder, second in locking_cases.CASES
    ] + [(name, holder, second) for name, holder, second, _ in locking_cases.SESSIONS]
    sessions = [c for c in CASES if "steps" in c]
    assert [[(s["execute"], s["arguments"]) for s in c["steps"]] for c in sessions] == [
        [(name, json.loads(json.dumps(args))) for name, args in requests]
        for _, _, _, requests in locking_cases.SESSIONS
    ]
