"""The fake_qemu_process fixture: qmonitor as a subprocess with QEMU's command line."""

from __future__ import annotations

import asyncio

import pytest
from qemu.qmp import QMPClient

from qmonitor.testing import FakeQemuProcess


@pytest.mark.fake_qemu_args("-S", "-name", "proc")
def test_subprocess_fake(fake_qemu_process: FakeQemuProcess) -> None:
    fake = fake_qemu_process

    async def main() -> None:
        client = QMPClient("proc")
        await client.connect(fake.socket_path)
        try:
            assert await client.execute("query-name") == {"name": "proc"}
            assert (await client.execute("query-status"))["status"] == "prelaunch"
            with client.listener() as listener:
                await asyncio.to_thread(fake.emit, "BALLOON_CHANGE", {"actual": 5})
                event = await asyncio.wait_for(listener.get(), 5)
                assert event["event"] == "BALLOON_CHANGE"
                await asyncio.to_thread(fake.set_runstate, "running")
                assert (await asyncio.wait_for(listener.get(), 5))["event"] == "RESUME"
        finally:
            await client.disconnect()

    asyncio.run(asyncio.wait_for(main(), 20))
    # The control socket's traffic is not in the log.
    assert fake.commands == ["qmp_capabilities", "query-name", "query-status"]
    assert fake.proc is not None and fake.proc.poll() is None
