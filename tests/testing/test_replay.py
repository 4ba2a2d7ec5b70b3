"""Record a client's session through the recording proxy, replay it, catch divergence."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from qemu.qmp import ExecuteError, QMPClient
from rawclient import RawClient

from qmonitor.testing import Cassette, FakeQemu, Recorder, ReplayServer
from qmonitor.testing.cassette import CassetteError, plan
from qmonitor_testsupport.procs import QEMU, qmonitor_cmd, running


async def session(path: str, stop_command: str = "stop") -> list[Any]:
    """A client session: queries, an event, an error, pipelined requests."""
    results: list[Any] = []
    client = QMPClient("rec")
    await client.connect(path)
    try:
        results.append(await client.execute("query-status"))
        with client.listener() as listener:
            results.append(await client.execute(stop_command))
            results.append((await asyncio.wait_for(listener.get(), 5))["event"])
        try:
            await client.execute("no-such-thing")
        except ExecuteError as exc:
            results.append((exc.error_class, str(exc)))
        results.append(await asyncio.gather(*(client.execute("query-name") for _ in range(5))))
        results.append(await client.execute("cont"))
    finally:
        await client.disconnect()
    return results


def record(upstream: str, cassette: Path) -> list[Any]:
    with Recorder(f"unix:{upstream}") as recorder:
        results = asyncio.run(asyncio.wait_for(session(recorder.socket_path), 20))
        deadline = time.monotonic() + 5
        while (
            recorder.log.entries() and recorder._proxy.connections and time.monotonic() < deadline
        ):
            time.sleep(0.01)
        recorder.save(cassette)
    return results


def test_record_then_replay_qmonitor(
    tmp_path: Path, qmp_replay: Callable[..., ReplayServer]
) -> None:
    up, cassette = tmp_path / "up.sock", tmp_path / "session.json"
    with running(qmonitor_cmd(), ["-name", "rec"], up, probe=False):
        deadline = time.monotonic() + 10
        while not up.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)
        recorded = record(str(up), cassette)
    doc = json.loads(cassette.read_text())
    assert doc["qmonitor-cassette"] == 1
    (conn,) = doc["connections"]
    assert "QMP" in conn[0]["server"]
    assert any(e.get("client", {}).get("execute") == "stop" for e in conn)

    server = qmp_replay(cassette)
    # The client picks its own ids; the replay gives them back on the replies.
    replayed = asyncio.run(asyncio.wait_for(session(server.socket_path), 20))
    assert replayed == recorded
    server.check_done()


def test_replay_keeps_qemus_bytes_and_timing(tmp_path: Path) -> None:
    with FakeQemu() as fake:
        fake.reply("slow", {"ok": 1}, delay=0.3)
        with Recorder(f"unix:{fake.socket_path}") as recorder:
            client = RawClient(recorder.socket_path)
            greeting = client.line()
            client.send(b'{"execute": "qmp_capabilities"}{"execute": "slow", "id": "x"}')
            direct = [client.line(), client.line()]
            client.close()
            time.sleep(0.2)
            cassette = recorder.cassette
    with ReplayServer(cassette) as server:
        client = RawClient(server.socket_path)
        assert client.line() == greeting
        client.send(b'{"execute": "qmp_capabilities"}')
        assert client.line() == direct[0]
        start = time.monotonic()
        client.send(b'{"execute": "slow", "id": {"mine": [1]}}')
        assert client.line() == b'{"return": {"ok": 1}, "id": {"mine": [1]}}\r\n'
        assert time.monotonic() - start >= 0.25
        client.close()
        server.check_done()
    with ReplayServer(cassette, time_scale=0) as server:
        client = RawClient(server.socket_path)
        client.line()
        start = time.monotonic()
        client.send(b'{"execute": "qmp_capabilities"}{"execute": "slow"}')
        client.line()
        assert client.line() == b'{"return": {"ok": 1}}\r\n'
        assert time.monotonic() - start < 0.25
        client.close()


def test_divergence_is_reported_to_client_and_test(tmp_path: Path) -> None:
    with FakeQemu() as fake, Recorder(f"unix:{fake.socket_path}") as recorder:
        asyncio.run(asyncio.wait_for(session(recorder.socket_path), 20))
        time.sleep(0.2)
        cassette = recorder.cassette
    with ReplayServer(cassette, time_scale=0) as server:
        with pytest.raises(ExecuteError) as info:
            asyncio.run(asyncio.wait_for(session(server.socket_path, "system_reset"), 20))
        assert "qmonitor replay: connection 1, request #3: expected" in str(info.value)
        assert '"execute": "stop"' in str(info.value)
        with pytest.raises(AssertionError, match="system_reset"):
            server.check()
    with ReplayServer(cassette, time_scale=0) as server:
        client = RawClient(server.socket_path)
        client.msg()
        client.send({"execute": "qmp_capabilities", "arguments": {"enable": ["oob"]}, "id": 1})
        assert client.msg() == {"return": {}, "id": 1}
        client.close()
        time.sleep(0.1)
        server.check()
        with pytest.raises(AssertionError, match="never sent request #2"):
            server.check_done()


def test_plan_attaches_events_and_replies() -> None:
    cassette = Cassette()
    from qmonitor.testing.cassette import Item

    cassette.connections.append(
        [
            Item(0.0, "server", '{"QMP": {"version": {}, "capabilities": []}}\r\n'),
            Item(0.1, "client", {"execute": "a", "id": 1}),
            Item(0.2, "client", {"execute": "b", "id": 2}),
            Item(0.3, "server", '{"event": "E1", "timestamp": {}}\r\n'),
            Item(0.4, "server", '{"return": {}, "id": 1}\r\n'),
            Item(0.5, "server", '{"return": {}, "id": 2}\r\n'),
            Item(0.9, "server", '{"event": "E2", "timestamp": {}}\r\n'),
        ]
    )
    p = plan(cassette.connections[0])
    assert len(p.greeting) == 1
    a, b = p.requests
    assert [o.line[:14] for o in a.outputs] == [b'{"event": "E1"', b'{"return": {},']
    assert [o.is_reply for o in b.outputs] == [True, False]
    assert b.outputs[1].delay == pytest.approx(0.7)


def test_bad_cassette(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"something": 1}')
    with pytest.raises(CassetteError):
        Cassette.load(bad)


@pytest.mark.qemu
@pytest.mark.slow
@pytest.mark.skipif(QEMU is None, reason="qemu-system-x86_64 is not installed")
def test_record_real_qemu_and_replay(tmp_path: Path) -> None:
    assert QEMU is not None
    up, cassette = tmp_path / "up.sock", tmp_path / "qemu.json"
    with running([QEMU], ["-name", "rec"], up, probe=False):
        deadline = time.monotonic() + 10
        while not up.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)
        recorded = record(str(up), cassette)
    with ReplayServer(cassette) as server:
        replayed = asyncio.run(asyncio.wait_for(session(server.socket_path), 20))
        assert replayed == recorded
        server.check_done()


def _raw_session(path: str) -> list[bytes]:
    client = RawClient(path)
    try:
        client.line()
        client.send(b'{"execute": "qmp_capabilities"}{"execute": "query-name", "id": 3}')
        return [client.line(), client.line()]
    finally:
        client.close()


def _wait_path(path: Path, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 10
    while not path.exists():
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)


def test_record_and_replay_command_line(tmp_path: Path) -> None:
    cassette, rec_sock, rep_sock = tmp_path / "c.json", tmp_path / "r.sock", tmp_path / "p.sock"
    cmd = [sys.executable, "-m", "qmonitor.testing"]
    with FakeQemu(name="cli") as fake:
        proc = subprocess.Popen(
            [
                *cmd,
                "record",
                "--upstream",
                f"unix:{fake.socket_path}",
                "--listen",
                str(rec_sock),
                str(cassette),
            ]
        )
        try:
            _wait_path(rec_sock, proc)
            recorded = _raw_session(str(rec_sock))
            time.sleep(0.1)
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(10) == 0
    assert recorded[1] == b'{"return": {"name": "cli"}, "id": 3}\r\n'
    proc = subprocess.Popen([*cmd, "replay", "--listen", str(rep_sock), str(cassette)])
    try:
        _wait_path(rep_sock, proc)
        assert _raw_session(str(rep_sock)) == recorded
        time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
