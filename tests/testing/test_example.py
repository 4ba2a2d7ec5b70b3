"""The README's worked example: testing a small QMP client library against fake_qemu."""

from __future__ import annotations

import asyncio
import contextlib

from qemu.qmp import ExecInterruptedError, QMPClient

from qmonitor.testing import FakeQemu


# --- the library under test ---------------------------------------------------
async def vm_status(path: str) -> str | None:
    """The VM's run state, or None when QEMU hangs up before answering."""
    client = QMPClient("example")
    await client.connect(path)
    try:
        status = await client.execute("query-status")
        return str(status["status"])
    except ExecInterruptedError:
        return None
    finally:
        with contextlib.suppress(Exception):
            await client.disconnect()


async def eject(path: str, device: str) -> str:
    """Eject a medium and wait for QEMU to confirm with DEVICE_TRAY_MOVED."""
    client = QMPClient("example")
    await client.connect(path)
    try:
        with client.listener("DEVICE_TRAY_MOVED") as listener:
            await client.execute("eject", {"id": device})
            event = await asyncio.wait_for(listener.get(), 5)
            return str(event["data"]["id"])
    finally:
        await client.disconnect()


# --- its tests -------------------------------------------------------------------
def test_vm_status(fake_qemu: FakeQemu) -> None:
    fake_qemu.set_runstate("paused")
    assert asyncio.run(vm_status(fake_qemu.socket_path)) == "paused"
    assert fake_qemu.commands == ["qmp_capabilities", "query-status"]


def test_vm_status_when_qemu_hangs_up(fake_qemu: FakeQemu) -> None:
    fake_qemu.drop_at_command("query-status")
    assert asyncio.run(vm_status(fake_qemu.socket_path)) is None


def test_eject_waits_for_the_tray(fake_qemu: FakeQemu) -> None:
    fake_qemu.reply("eject", {})
    fake_qemu.emit(
        "DEVICE_TRAY_MOVED",
        {"device": "", "id": "cd0", "tray-open": True},
        after_command="eject",
    )
    assert asyncio.run(eject(fake_qemu.socket_path, "cd0")) == "cd0"
    assert fake_qemu.sent[-1].arguments == {"id": "cd0"}
