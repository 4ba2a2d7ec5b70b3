"""The multiplexer in front of real QEMU 7.2: same bytes as a monitor of one's own, OOB, events."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from muxhelp import start_mux, stop_mux
from qemu.qmp import ExecuteError, QMPClient
from test_mux_server import SCRIPT, transcript

from qmonitor_testsupport.procs import QEMU, running

pytestmark = [
    pytest.mark.qemu,
    pytest.mark.slow,
    pytest.mark.skipif(QEMU is None, reason="qemu-system-x86_64 is not installed"),
]


def _wait(path: Path) -> None:
    deadline = time.monotonic() + 10
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_real_qemu_through_the_mux(tmp_path: Path) -> None:
    assert QEMU is not None
    up, direct, mux_path = tmp_path / "up.sock", tmp_path / "direct.sock", tmp_path / "mux.sock"

    async def main() -> None:
        mux, task = await start_mux(str(up), str(mux_path))
        try:
            through = await transcript(str(mux_path), SCRIPT, b'"id": 10}')
            alone = await transcript(str(direct), SCRIPT, b'"id": 10}')
            assert through == alone

            clients = [QMPClient(f"c{i}") for i in range(20)]
            for client in clients:
                await client.connect(str(mux_path))
            assert all("oob" in c.greeting.QMP.capabilities for c in clients)
            statuses = await asyncio.gather(*(c.execute("query-status") for c in clients))
            assert {s["status"] for s in statuses} == {"running"}
            # exec-oob passes through: QEMU's own answer to an OOB command.
            with pytest.raises(ExecuteError) as info:
                await clients[1].execute("migrate-pause", oob=True)
            oob_error = str(info.value)
            with clients[5].listener() as listener:
                await clients[0].execute("stop")
                event = await asyncio.wait_for(listener.get(), 10)
                assert event["event"] == "STOP"
            await clients[0].execute("cont")
            for client in clients:
                await client.disconnect()

            direct_client = QMPClient("direct")
            await direct_client.connect(str(direct))
            with pytest.raises(ExecuteError) as info:
                await direct_client.execute("migrate-pause", oob=True)
            assert str(info.value) == oob_error
            await direct_client.disconnect()
        finally:
            await stop_mux(mux, task)

    extra = [
        "-qmp",
        f"unix:{direct},server=on,wait=off",
        "-uuid",
        "12345678-1234-1234-1234-123456789abc",
    ]
    with running([QEMU], extra, up):
        _wait(direct)
        asyncio.run(asyncio.wait_for(main(), 60))
