"""Real QMP client libraries drive qmonitor unmodified."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
from pathlib import Path

import pytest

from qmonitor_testsupport.procs import qmonitor_cmd, running


def test_qemu_qmp_client_session(tmp_path: Path) -> None:
    from qemu.qmp import ExecuteError, QMPClient

    sock = tmp_path / "q.sock"

    async def session() -> None:
        client = QMPClient("test")
        await client.connect(str(sock))
        try:
            assert client.greeting is not None
            ver = await client.execute("query-version")
            assert ver["qemu"]["major"] == 7
            assert await client.execute("query-status") == {
                "status": "running",
                "singlestep": False,
                "running": True,
            }
            with client.listener() as listener:
                await client.execute("stop")
                event = await asyncio.wait_for(listener.get(), 5)
                assert event["event"] == "STOP"
            status = await client.execute("query-status")
            assert status["status"] == "paused"
            with pytest.raises(ExecuteError) as info:
                await client.execute("no-such-command")
            assert info.value.error_class == "CommandNotFound"
            out = await client.execute("human-monitor-command", {"command-line": "info status"})
            assert out == "VM status: paused\r\n"
            # Several requests in flight at once: replies match their ids.
            results = await asyncio.gather(*(client.execute("query-name") for _ in range(20)))
            assert results == [{"name": "guest"}] * 20
            await client.execute("quit")
            # The server may hang up before the client does, as QEMU may
            # (qemu.qmp reports that at disconnect); the machine gives
            # clients a head start (CLOSE_GRACE), but on a heavily loaded
            # host no head start is enough.
            with contextlib.suppress(EOFError):
                await client.disconnect()
        finally:
            if client.runstate.name != "IDLE":
                await client.disconnect()

    with running(qmonitor_cmd(), ["-name", "guest"], sock) as proc:
        asyncio.run(asyncio.wait_for(session(), 30))
        assert proc.wait(10) == 0


def test_qemu_qmp_oob_negotiation(tmp_path: Path) -> None:
    from qemu.qmp import QMPClient

    sock = tmp_path / "q.sock"

    async def session() -> None:
        client = QMPClient("oob")
        client.await_greeting = True
        await client.connect(str(sock))
        try:
            assert "oob" in client.greeting.QMP.capabilities
            assert await client.execute("query-target") == {"arch": "x86_64"}
        finally:
            await client.disconnect()

    with running(qmonitor_cmd(), [], sock):
        asyncio.run(asyncio.wait_for(session(), 30))


def test_pypi_qmp_package(tmp_path: Path) -> None:
    import qmp

    sock = tmp_path / "q.sock"
    with running(qmonitor_cmd(), ["-uuid", "12345678-1234-1234-1234-123456789abc"], sock):
        mon = qmp.QEMUMonitorProtocol(str(sock))
        mon.connect()
        try:
            assert mon.cmd("query-uuid") == {
                "return": {"UUID": "12345678-1234-1234-1234-123456789abc"}
            }
            assert mon.cmd("system_reset") == {"return": {}}
            events = mon.get_events(wait=True)
            assert [e["event"] for e in events] == ["RESET"]
        finally:
            mon.close()


def test_qmp_shell_subprocess(tmp_path: Path) -> None:
    sock = tmp_path / "q.sock"
    shell = Path(sys.executable).with_name("qmp-shell")
    if not shell.exists():
        pytest.skip("qmp-shell is not installed")
    with running(qmonitor_cmd(), [], sock):
        out = subprocess.run(
            [str(shell), str(sock)],
            input="query-status\nquery-target\n",
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert '"status": "running"' in out.stdout
    assert '"arch": "x86_64"' in out.stdout


def test_qemu_qmp_passes_descriptors(tmp_path: Path) -> None:
    """qemu.qmp's send_fd_scm (a space carrying the descriptor), then getfd and add-fd."""
    import os

    from qemu.qmp import ExecuteError, QMPClient

    sock = tmp_path / "q.sock"

    async def session() -> None:
        client = QMPClient("fds")
        await client.connect(str(sock))
        try:
            r, w = os.pipe()
            try:
                client.send_fd_scm(w)
                assert await client.execute("getfd", {"fdname": "pipe"}) == {}
                with pytest.raises(ExecuteError) as info:
                    await client.execute("getfd", {"fdname": "again"})
                assert str(info.value) == "No file descriptor supplied via SCM_RIGHTS"
                client.send_fd_scm(r)
                added = await client.execute("add-fd", {"opaque": "read end"})
                assert added["fdset-id"] == 0
                sets = await client.execute("query-fdsets")
                assert sets == [{"fdset-id": 0, "fds": [{"fd": added["fd"], "opaque": "read end"}]}]
                assert await client.execute("closefd", {"fdname": "pipe"}) == {}
            finally:
                os.close(r)
                os.close(w)
        finally:
            await client.disconnect()

    with running(qmonitor_cmd(), [], sock):
        asyncio.run(asyncio.wait_for(session(), 30))
