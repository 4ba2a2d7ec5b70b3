"""The null machine's commands against QEMU 7.2's ``query-commands`` for ``-M none``.

QEMU's list is the recorded golden case ``query_commands``: every command
QEMU has is registered, and no other.
"""

from __future__ import annotations

import asyncio
import json

from qmonitor.machine.machine import Machine, MachineOptions
from qmonitor_testsupport import goldenlib


def qemu_commands() -> set[str]:
    _, recorded = goldenlib.load_recordings()["query_commands"]
    for step in recorded["steps"]:
        for text in step.get("recv", {}).values():
            if '"return": [{"name"' in text:
                reply = json.loads(text.split("\r\n")[0])
                return {c["name"] for c in reply["return"]}
    raise AssertionError("no query-commands reply in the recording")


def our_commands() -> set[str]:
    async def main() -> set[str]:
        machine = Machine(MachineOptions(use_io_thread=False))
        return {c.name for c in machine.commands.full if c.enabled}

    return asyncio.run(main())


def test_no_command_qemu_lacks() -> None:
    assert our_commands() - qemu_commands() == set()


def test_every_qemu_command_is_there() -> None:
    assert sorted(qemu_commands() - our_commands()) == []
