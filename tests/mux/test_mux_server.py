"""The multiplexer in front of qmonitor: byte-identical to a monitor of one's own, 100 clients."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from muxhelp import TIMESTAMP, Conn, start_mux, stop_mux

from qmonitor.testing import FakeQemu
from qmonitor_testsupport.procs import qmonitor_cmd, running

#: Input that exercises negotiation, errors, ids and events, sent in one piece.
SCRIPT = (
    b'{"execute": "query-status", "id": 1}'
    b'{"execute": "qmp_capabilities", "arguments": {"enable": ["bogus"]}}'
    b'{"exec-oob": "qmp_capabilities", "id": "o"}'
    b'{"a": }'
    b'{"execute": "qmp_capabilities"}'
    b'{"execute": "query-name", "id": [1, {"x": "y"}]}'
    b'{"execute": "query-status"}'
    b'{"execute": 1, "id": 2}'
    b'{"execute": "query-kvm", "foo": 1, "id": 3}'
    b'{"execute": "qmp_capabilities", "id": 4}'
    b'{"exec-oob": "query-status", "id": 5}'
    b'{"execute": "no-such-command", "id": "s"}'
    b"'not an object'"
    b'{"execute": "stop", "id": 6}'
    b'{"execute": "query-status", "id": 7}'
    b'{"execute": "human-monitor-command", "arguments": {"command-line": "info status"}, "id": 8}'
    b'{"execute": "cont", "id": 9}'
    b'{"execute": "query-uuid", "id": 10}'
)


async def transcript(path: str, script: bytes, until: bytes) -> bytes:
    conn = await Conn.open(path)
    try:
        out = await conn.line()
        conn.send(script)
        while until not in out:
            out += await conn.line()
        return TIMESTAMP.sub(b'"timestamp": T', out)
    finally:
        await conn.close()


def in_loop(fn: Callable[[], Awaitable[None]], timeout: float = 60) -> None:
    asyncio.run(asyncio.wait_for(fn(), timeout))


def test_a_client_cannot_tell_the_mux_from_the_monitor(tmp_path: Path) -> None:
    up, direct, mux_path = tmp_path / "up.sock", tmp_path / "direct.sock", tmp_path / "mux.sock"

    async def main() -> None:
        mux, task = await start_mux(str(up), str(mux_path))
        try:
            through = await transcript(str(mux_path), SCRIPT, b'"id": 10}')
            alone = await transcript(str(direct), SCRIPT, b'"id": 10}')
            assert through == alone
            assert through.count(b"\r\n") == 21  # greeting, 18 replies, STOP, RESUME
            # With OOB negotiated, exec-oob passes through.
            oob = (
                b'{"execute": "qmp_capabilities", "arguments": {"enable": ["oob"]}}'
                b'{"exec-oob": "query-status", "id": "x"}'
                b'{"exec-oob": "query-status"}'
                b'{"execute": "query-name", "id": "y"}'
            )
            through = await transcript(str(mux_path), oob, b'"id": "y"}')
            alone = await transcript(str(direct), oob, b'"id": "y"}')
            assert through == alone
        finally:
            await stop_mux(mux, task)

    extra = [
        "-qmp",
        f"unix:{direct},server=on,wait=off",
        "-uuid",
        "12345678-1234-1234-1234-123456789abc",
    ]
    with running(qmonitor_cmd(), extra, up, probe=False):
        deadline = time.monotonic() + 10
        while not direct.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        in_loop(main)


def test_hundred_clients_share_one_monitor(tmp_path: Path) -> None:
    up, mux_path = tmp_path / "up.sock", tmp_path / "mux.sock"
    clients, requests = 100, 20

    async def main() -> None:
        mux, task = await start_mux(str(up), str(mux_path))
        try:
            conns = await asyncio.gather(*(Conn.open(str(mux_path)) for _ in range(clients)))
            greetings = await asyncio.gather(*(c.negotiate() for c in conns))
            assert all(g == greetings[0] for g in greetings)

            async def work(n: int, conn: Conn) -> None:
                # Everyone uses the same ids: the mux keeps them apart.
                for i in range(requests):
                    conn.send({"execute": "query-name" if i % 2 else "query-status", "id": i})
                for i in range(requests):
                    reply = await conn.reply()
                    assert reply["id"] == i
                    assert ("name" in reply["return"]) == bool(i % 2)

            await asyncio.gather(*(work(n, c) for n, c in enumerate(conns)))
            # One client's stop: every client sees STOP.
            conns[0].send({"execute": "stop", "id": "stop"})
            first = [await conns[0].msg(), await conns[0].msg()]
            assert sorted(m.get("event", "") for m in first) == ["", "STOP"]
            assert {"return": {}, "id": "stop"} in first
            for conn in conns[1:]:
                assert (await conn.msg())["event"] == "STOP"
            assert mux.core is not None and mux.core.pending == 0
            assert len(mux.core.clients) == clients
            await asyncio.gather(*(c.close() for c in conns))
        finally:
            await stop_mux(mux, task)

    with running(qmonitor_cmd(), ["-name", "shared"], up, probe=False):
        in_loop(main)


def test_client_leaving_mid_command_costs_the_others_nothing() -> None:
    with FakeQemu() as fake:
        fake.reply("slow", {"done": True}, delay=0.3)
        mux_path = str(Path(fake.directory) / "mux.sock")

        async def main() -> None:
            mux, task = await start_mux(fake.socket_path, mux_path)
            try:
                a, b = await Conn.open(mux_path), await Conn.open(mux_path)
                await a.negotiate()
                await b.negotiate()
                a.send({"execute": "slow", "id": 1})
                await fake.wait_for_command_async("slow")
                await a.close()
                b.send({"execute": "query-name", "id": "b"})
                b.send({"execute": "slow", "id": "b2"})
                assert await b.reply() == {"return": {}, "id": "b"}
                assert await b.reply() == {"return": {"done": True}, "id": "b2"}
                assert mux.core is not None and mux.core.pending == 0
                await b.close()
            finally:
                await stop_mux(mux, task)

        in_loop(main)
        # The upstream saw one connection, negotiated once.
        assert {e.connection for e in fake.sent} == {1}
        assert fake.commands.count("qmp_capabilities") == 1


def test_upstream_exit_disconnects_clients(tmp_path: Path) -> None:
    up, mux_path = tmp_path / "up.sock", tmp_path / "mux.sock"

    async def main() -> None:
        _mux, task = await start_mux(str(up), str(mux_path))
        a, b = await Conn.open(str(mux_path)), await Conn.open(str(mux_path))
        await a.negotiate()
        await b.negotiate()
        a.send({"execute": "quit"})
        assert (await b.msg())["event"] == "SHUTDOWN"
        assert await b.reader.read() == b""
        await asyncio.wait_for(task, 10)
        await a.close()
        await b.close()

    with running(qmonitor_cmd(), [], up, probe=False) as proc:
        in_loop(main)
        assert proc.wait(10) == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("listen", ["unix", "tcp"])
def test_mux_command_line(tmp_path: Path, listen: str) -> None:
    up, mux_path = tmp_path / "up.sock", tmp_path / "mux.sock"
    addr = f"unix:{mux_path}" if listen == "unix" else "tcp:127.0.0.1:0"
    with running(qmonitor_cmd(), ["-name", "cli"], up, probe=False):
        deadline = time.monotonic() + 10
        while not up.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "qmonitor", "mux", "--connect-timeout", "10"),
                *("--upstream", f"unix:{up}", "--listen", addr),
            ],
            stdin=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            if listen == "unix":
                while not mux_path.exists() and time.monotonic() < deadline:
                    assert proc.poll() is None
                    time.sleep(0.01)
                assert oct(os.stat(mux_path).st_mode & 0o777) == "0o600"
                sock = socket.socket(socket.AF_UNIX)
                sock.connect(str(mux_path))
            else:
                assert proc.stderr is not None
                line = proc.stderr.readline().decode()
                assert line.startswith("qmonitor mux: listening on tcp:127.0.0.1:")
                sock = socket.create_connection(("127.0.0.1", int(line.rsplit(":", 1)[1])))
            sock.settimeout(10)
            with sock, sock.makefile("rb") as f:
                assert b'"QMP"' in f.readline()
                sock.sendall(b'{"execute": "qmp_capabilities"}{"execute": "query-name", "id": 1}')
                assert f.readline() == b'{"return": {}}\r\n'
                assert f.readline() == b'{"return": {"name": "cli"}, "id": 1}\r\n'
        finally:
            proc.terminate()
            assert proc.wait(10) == 0
            if proc.stderr is not None:
                proc.stderr.close()


def test_mux_command_line_errors(tmp_path: Path) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "qmonitor",
            "mux",
            "--upstream",
            f"unix:{tmp_path}/none.sock",
            "--listen",
            f"unix:{tmp_path}/m.sock",
        ],
        capture_output=True,
        timeout=30,
    )
    assert out.returncode == 1
    assert b"none.sock" in out.stderr
    out = subprocess.run(
        [sys.executable, "-m", "qmonitor", "mux", "--upstream", "bogus:x:y", "--listen", "x"],
        capture_output=True,
        timeout=30,
    )
    assert out.returncode == 2
