"""Which unexpected argument is named, replayed from QEMU 7.2 (tools/record_unexpected_keys.py).

QEMU names the first member left in its GLib hash table; the cases have two
to 64 unknown keys, some mixed with the command's own members.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from qmonitor.chardev.base import ChrEvent
from qmonitor.machine.machine import Machine, MachineOptions
from qmonitor.machine.runstate import ShutdownCause
from qmonitor_testsupport.fakes import FakeChardev

CASES = json.loads((Path(__file__).parent / "unexpected_keys.json").read_text())


async def _replies(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    machine = Machine(MachineOptions(use_io_thread=False))
    chr = FakeChardev()
    machine.add_qmp_monitor(chr)
    running = asyncio.ensure_future(machine.run())
    await asyncio.sleep(0)
    chr.be_event(ChrEvent.OPENED)
    chr.be_write(b'{"execute":"qmp_capabilities"}')
    for request in requests:
        chr.be_write(json.dumps(request).encode())
    for _ in range(200):
        if bytes(chr.written).count(b"\r\n") >= len(requests) + 2:
            break
        await asyncio.sleep(0.01)
    machine.shutdown(ShutdownCause.HOST_QMP_QUIT)
    await asyncio.wait_for(running, 5)
    lines = [json.loads(x) for x in bytes(chr.written).split(b"\r\n") if x]
    return [m for m in lines if "error" in m]


def test_cases_are_many() -> None:
    assert len(CASES) >= 18


@pytest.mark.parametrize("index", range(len(CASES)))
def test_the_unexpected_member_qemu_names(index: int) -> None:
    case = CASES[index]
    (reply,) = asyncio.run(_replies([case["request"]]))
    assert reply["error"]["desc"] == case["desc"]
