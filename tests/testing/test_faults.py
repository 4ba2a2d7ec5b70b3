"""Fault injection: what a client sees when the fake QEMU misbehaves."""

from __future__ import annotations

import asyncio
import json
import socket
import time

import pytest
from qemu.qmp import QMPClient
from qemu.qmp.error import QMPError
from rawclient import RawClient

from qmonitor.testing import FakeQemu


def test_drop_after_bytes_cuts_the_greeting(fake_qemu: FakeQemu) -> None:
    fake_qemu.faults.drop_after_bytes = 20
    client = RawClient(fake_qemu.socket_path)
    try:
        data = client.read_all()
        assert len(data) == 20
        assert data.startswith(b'{"QMP": {"version": ')
    finally:
        client.close()

    async def main() -> None:
        qmp = QMPClient("dropped")
        with pytest.raises((QMPError, ConnectionError, EOFError)):
            await qmp.connect(fake_qemu.socket_path)
        await qmp.disconnect()

    asyncio.run(asyncio.wait_for(main(), 10))
    fake_qemu.faults.clear()
    client = RawClient(fake_qemu.socket_path)
    try:
        client.negotiate()  # the next client is served normally
    finally:
        client.close()


def test_drop_at_command_then_reconnect(fake_qemu: FakeQemu) -> None:
    fake_qemu.drop_at_command("query-status")
    client = RawClient(fake_qemu.socket_path)
    try:
        client.negotiate()
        client.send({"execute": "query-name", "id": 1})
        client.send({"execute": "query-status", "id": 2})
        assert client.msg() == {"return": {}, "id": 1}
        assert client.read_all() == b""  # cut where the reply would be
    finally:
        client.close()

    async def main() -> None:
        qmp = QMPClient("again")
        await qmp.connect(fake_qemu.socket_path)
        try:
            assert (await qmp.execute("query-status"))["running"] is True
        finally:
            await qmp.disconnect()

    asyncio.run(asyncio.wait_for(main(), 10))
    assert fake_qemu.commands.count("query-status") == 2


def test_qemu_qmp_sees_a_dropped_connection(fake_qemu: FakeQemu) -> None:
    fake_qemu.drop_at_command("stop")

    async def main() -> None:
        qmp = QMPClient("drop")
        await qmp.connect(fake_qemu.socket_path)
        with pytest.raises(QMPError):
            await qmp.execute("stop")
        with pytest.raises((QMPError, EOFError, ConnectionError)):
            await qmp.disconnect()

    asyncio.run(asyncio.wait_for(main(), 10))


def test_garbage_in_place_of_a_reply(fake_qemu: FakeQemu) -> None:
    fake_qemu.garbage("query-kvm", b'{"return": nonsense\r\n')
    client = RawClient(fake_qemu.socket_path)
    try:
        client.negotiate()
        client.send({"execute": "query-kvm", "id": 1})
        client.send({"execute": "query-kvm", "id": 2})
        assert client.line() == b'{"return": nonsense\r\n'
        assert client.msg() == {"return": {"enabled": False, "present": True}, "id": 2}
    finally:
        client.close()


def test_stalled_command_hangs_the_monitor_until_released(fake_qemu: FakeQemu) -> None:
    fake_qemu.stall("query-name")
    client = RawClient(fake_qemu.socket_path, timeout=0.3)
    try:
        client.negotiate()
        client.send({"execute": "query-name", "id": 1})
        client.send({"execute": "query-status", "id": 2})
        with pytest.raises(TimeoutError):
            client.line()
        fake_qemu.release()
        client.sock.settimeout(5)
        assert client.msg() == {"return": {}, "id": 1}
        assert client.msg()["id"] == 2
    finally:
        client.close()


def test_stalled_output_and_injected_bytes(fake_qemu: FakeQemu) -> None:
    client = RawClient(fake_qemu.socket_path, timeout=0.3)
    try:
        client.negotiate()
        fake_qemu.stall_output()
        client.send({"execute": "query-kvm", "id": 1})
        with pytest.raises(TimeoutError):
            client.line()
        fake_qemu.stall_output(False)
        client.sock.settimeout(5)
        assert client.msg()["id"] == 1
        assert fake_qemu.inject(b'{"unexpected": true}\r\n') == 1
        assert client.msg() == {"unexpected": True}
        assert fake_qemu.connections == 1
        assert fake_qemu.disconnect() == 1
        assert client.read_all() == b""
    finally:
        client.close()


def test_slow_partial_writes(fake_qemu: FakeQemu) -> None:
    fake_qemu.faults.chunk_size = 3
    fake_qemu.faults.chunk_interval = 0.001
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(5)
    sock.connect(fake_qemu.socket_path)
    try:
        pieces = []
        data = b""
        while not data.endswith(b"\r\n"):
            chunk = sock.recv(65536)
            assert chunk
            pieces.append(chunk)
            data += chunk
        assert json.loads(data)["QMP"]["capabilities"] == ["oob"]
        assert max(len(p) for p in pieces) <= 3 * 2  # at most what two writes left
    finally:
        sock.close()

    async def main() -> None:
        qmp = QMPClient("slow")
        await qmp.connect(fake_qemu.socket_path)
        try:
            assert await qmp.execute("query-target") == {"arch": "x86_64"}
        finally:
            await qmp.disconnect()

    asyncio.run(asyncio.wait_for(main(), 20))


def test_duplicate_events(fake_qemu: FakeQemu) -> None:
    fake_qemu.faults.duplicate_events = True
    client = RawClient(fake_qemu.socket_path)
    try:
        client.negotiate()
        fake_qemu.emit("BALLOON_CHANGE", {"actual": 1})
        first, second = client.line(), client.line()
        assert first == second
        assert json.loads(first)["event"] == "BALLOON_CHANGE"
    finally:
        client.close()


def test_out_of_order_events(fake_qemu: FakeQemu) -> None:
    fake_qemu.faults.reorder_events = True
    fake_qemu.faults.reorder_hold = 5
    client = RawClient(fake_qemu.socket_path)
    try:
        client.negotiate()
        fake_qemu.emit("BALLOON_CHANGE", {"actual": 1})
        fake_qemu.emit("BALLOON_CHANGE", {"actual": 2})
        got = [client.msg()["data"]["actual"] for _ in range(2)]
        assert got == [2, 1]
        # A lone event goes out once its hold expires.
        fake_qemu.faults.reorder_hold = 0.1
        start = time.monotonic()
        fake_qemu.emit("BALLOON_CHANGE", {"actual": 3})
        assert client.msg()["data"]["actual"] == 3
        assert time.monotonic() - start < 4
    finally:
        client.close()
