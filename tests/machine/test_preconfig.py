"""--preconfig and x-exit-preconfig (QEMU 7.2's qmp-test preconfig case and more)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from qmonitor.chardev.base import ChrEvent
from qmonitor.machine.machine import Machine, MachineOptions
from qmonitor.machine.qmp_ctl import spice_info
from qmonitor_testsupport.fakes import FakeChardev

NOT_READY = "The command '{}' is permitted only after machine initialization has completed"
TOO_LATE = "The command is permitted only before machine initialization"


def _session(options: MachineOptions, requests: list[str]) -> list[dict[str, Any]]:
    """Negotiate, send ``requests`` one at a time, then quit; every message received."""

    async def main() -> bytes:
        machine = Machine(options)
        chr = FakeChardev()
        machine.add_qmp_monitor(chr)
        await asyncio.sleep(0.05)
        chr.be_event(ChrEvent.OPENED)
        assert machine.iothread is not None
        loop = machine.iothread.loop
        run = asyncio.ensure_future(machine.run())
        for text in ['{"execute":"qmp_capabilities"}', *requests, '{"execute":"quit"}']:
            loop.call_soon_threadsafe(chr.be_write, text.encode())
            await asyncio.sleep(0.05)
        await asyncio.wait_for(run, 5)
        return bytes(chr.written)

    data = asyncio.run(main())
    return [json.loads(x) for x in data.decode().split("\r\n") if x][1:]


def _error(msg: dict[str, Any]) -> str:
    return str(msg["error"]["desc"])


def test_preconfig_refuses_commands_until_the_machine_is_built() -> None:
    msgs = _session(
        MachineOptions(preconfig=True),
        [
            '{"execute":"query-status","id":1}',
            '{"execute":"query-cpus-fast","id":2}',
            '{"execute":"query-cpus-fast"}',
            '{"execute":"stop","id":3}',
            '{"execute":"x-exit-preconfig","id":4}',
            '{"execute":"query-status","id":5}',
            '{"execute":"x-exit-preconfig","id":6}',
            '{"execute":"query-cpus-fast","id":7}',
        ],
    )
    replies = [m for m in msgs if "event" not in m]
    events = [m["event"] for m in msgs if "event" in m]
    assert replies[0] == {"return": {}}
    assert replies[1]["return"]["status"] == "prelaunch"
    assert replies[2]["id"] == 2 and _error(replies[2]) == NOT_READY.format("query-cpus-fast")
    assert replies[3]["error"]["class"] == "GenericError" and "id" not in replies[3]
    assert _error(replies[4]) == NOT_READY.format("stop")
    assert replies[5] == {"return": {}, "id": 4}
    assert replies[6]["return"] == {"running": True, "singlestep": False, "status": "running"}
    assert _error(replies[7]) == TOO_LATE
    assert replies[8] == {"return": [], "id": 7}
    assert events == ["RESUME", "SHUTDOWN"]


def test_exit_preconfig_with_s_stays_in_prelaunch() -> None:
    msgs = _session(
        MachineOptions(preconfig=True, start_paused=True),
        ['{"execute":"x-exit-preconfig","id":1}', '{"execute":"query-status","id":2}'],
    )
    assert [m.get("event") for m in msgs if "event" in m] == ["SHUTDOWN"]
    status = next(m for m in msgs if m.get("id") == 2)
    assert status["return"]["status"] == "prelaunch"


def test_x_exit_preconfig_without_preconfig_is_refused() -> None:
    msgs = _session(MachineOptions(), ['{"execute":"x-exit-preconfig","id":1}'])
    assert _error(msgs[1]) == TOO_LATE


def test_spice_info_from_its_options() -> None:
    assert spice_info(None) == {"enabled": False, "migrated": False, "mouse-mode": "client"}
    info = spice_info((("port", "0x1710"), ("tls-port", "5901"), ("addr", "::1")))
    assert info == {
        "enabled": True, "migrated": False, "host": "::1", "port": 5904, "tls-port": 5901,
        "auth": "spice", "compiled-version": "0.15.1", "mouse-mode": "server", "channels": [],
    }  # fmt: skip


def test_help_lists_preconfig_commands_until_the_machine_is_built() -> None:
    """help's listing follows the phase: the same table gives two listings."""
    from qmonitor.machine.hmp_exec import run_hmp_command

    async def main() -> tuple[str, str, str, str]:
        machine = Machine(MachineOptions(preconfig=True, use_io_thread=False))
        before = run_hmp_command(machine, "help", None)
        info_before = run_hmp_command(machine, "help info", None)
        machine.exit_preconfig()
        after = run_hmp_command(machine, "help", None)
        info_after = run_hmp_command(machine, "help info", None)
        await machine.cleanup()
        return before, info_before, after, info_after

    before, info_before, after, info_after = asyncio.run(main())
    assert "exit_preconfig  -- exit the preconfig state\r\n" in before
    assert "cont|c  -- resume emulation\r\n" not in before
    assert "cont|c  -- resume emulation\r\n" in after
    assert len(after) > len(before)
    assert info_before.startswith("info ") and info_after.startswith("info ")
    assert len(info_after.splitlines()) > len(info_before.splitlines())
