"""The toy CPU example, started with QEMU's command line and driven by qemu.qmp.

``python -m examples.toycpu`` runs as a subprocess on a unix socket in a
temp dir; QEMU's own client library talks to it: the example's commands
(plain, ``coroutine``, ``allow-oob``), its event, QEMU's commands next to
them, introspection of its schema, and error replies with QEMU's texts.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from qemu.qmp import ConnectError, ExecuteError, QMPClient

ROOT = Path(__file__).resolve().parent.parent.parent
TIMEOUT = 10.0


def start_toycpu(sock: Path) -> subprocess.Popen[bytes]:
    """Start the toy CPU with QMP on ``sock``; return once the socket exists."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "examples.toycpu",
            "-qmp",
            f"unix:{sock},server=on,wait=off",
            "-monitor",
            "none",
            "-display",
            "none",
            "-nodefaults",
            "-name",
            "toy",
        ],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    end = time.monotonic() + TIMEOUT
    while not sock.exists():
        if proc.poll() is not None or time.monotonic() > end:
            raise AssertionError(f"the toy CPU did not start: {stop(proc)!r}")
        time.sleep(0.01)
    return proc


def stop(proc: subprocess.Popen[bytes]) -> bytes:
    """End the process (SIGTERM, then SIGKILL); return its stderr."""
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(TIMEOUT)
    err = proc.stderr.read() if proc.stderr is not None else b""
    if proc.stderr is not None:
        proc.stderr.close()
    return err


@pytest.fixture
def toycpu(tmp_path: Path) -> Iterator[Path]:
    """A running toy CPU; yields its QMP socket path; ended at the end."""
    sock = tmp_path / "toycpu.sock"
    proc = start_toycpu(sock)
    try:
        yield sock
    finally:
        stop(proc)


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, TIMEOUT * 3))


async def connect(sock: Path) -> QMPClient:
    """Connect, retrying while the socket exists but does not listen yet (bounded)."""
    end = time.monotonic() + TIMEOUT
    while True:
        client = QMPClient("test")
        try:
            await client.connect(str(sock))
        except ConnectError:
            if time.monotonic() > end:
                raise
            await asyncio.sleep(0.01)
        else:
            return client


async def error_of(client: QMPClient, cmd: str, args: dict[str, Any] | None = None) -> str:
    with pytest.raises(ExecuteError) as info:
        await client.execute(cmd, args)
    return f"{info.value.error_class}: {info.value.error.error.desc}"


async def next_event(client: QMPClient, name: str) -> dict[str, Any]:
    async def find() -> dict[str, Any]:
        async for event in client.events:
            if event["event"] == name:
                return dict(event)
        raise AssertionError("no more events")

    return await asyncio.wait_for(find(), TIMEOUT)


def test_commands_events_and_qemus_commands(toycpu: Path) -> None:
    async def session() -> None:
        client = await connect(toycpu)
        try:
            assert client.greeting is not None
            assert client.greeting.QMP.capabilities == ["oob"]
            assert await client.execute("query-name") == {"name": "toy"}
            info = await client.execute("query-toycpu")
            assert isinstance(info, dict)
            assert set(info) == {"counter", "pc", "running", "speed"}
            assert info["speed"] == "slow" and info["running"] is True

            # Stopped, the CPU moves only when stepped.
            assert await client.execute("stop") == {}
            await next_event(client, "STOP")
            assert await client.execute("toycpu-set", {"counter": 10, "speed": "fast"}) == {}
            before = await client.execute("query-toycpu")
            assert isinstance(before, dict) and before["counter"] == 10
            stepped = await client.execute("toycpu-step", {"count": 3})
            assert isinstance(stepped, dict)
            assert (stepped["counter"], stepped["running"], stepped["speed"]) == (13, False, "fast")
            assert stepped["pc"] == (before["pc"] + 12) % (1 << 32)

            # A breakpoint: TOYCPU_BREAKPOINT, then QEMU's STOP.
            await client.execute("toycpu-break", {"counter": 500})
            assert (await client.execute("query-toycpu"))["breakpoint"] == 500  # type: ignore[index]
            await client.execute("cont")
            await next_event(client, "RESUME")
            hit = await next_event(client, "TOYCPU_BREAKPOINT")
            assert hit["data"]["counter"] == 500
            assert isinstance(hit["data"]["pc"], int)
            assert set(hit["timestamp"]) == {"seconds", "microseconds"}
            await next_event(client, "STOP")
            status = await client.execute("query-status")
            assert status == {"status": "paused", "singlestep": False, "running": False}
            after = await client.execute("query-toycpu")
            assert isinstance(after, dict)
            assert after["counter"] == 500 and "breakpoint" not in after

            # The coroutine command waits while the CPU runs on.
            await client.execute("cont")
            reached = await client.execute("toycpu-wait", {"counter": 700})
            assert isinstance(reached, dict) and reached["counter"] >= 700

            # Out of band: the halt line.
            assert await client.execute("toycpu-interrupt", {"halt": True}, oob=True) == {}
            halted = await client.execute("query-toycpu")
            assert isinstance(halted, dict) and halted["running"] is False
            await asyncio.sleep(0.05)
            again = await client.execute("query-toycpu")
            assert isinstance(again, dict) and again["counter"] == halted["counter"]
            assert await client.execute("toycpu-interrupt", {"halt": False}, oob=True) == {}

            # quit: SHUTDOWN, then the process ends.
            await client.execute("quit")
            shutdown = await next_event(client, "SHUTDOWN")
            assert shutdown["data"] == {"guest": False, "reason": "host-qmp-quit"}
        finally:
            await client.disconnect()

    run(session())


def test_errors_have_qemus_texts(toycpu: Path) -> None:
    async def session() -> None:
        client = await connect(toycpu)
        try:
            expect = {
                ("toycpu-set", '{"speed": "warp"}'): (
                    "GenericError: Parameter 'speed' does not accept value 'warp'"
                ),
                ("toycpu-break", "{}"): "GenericError: Parameter 'counter' is missing",
                # A uint64 member: QEMU's unsigned visitor has one text.
                ("toycpu-break", '{"counter": "1"}'): (
                    "GenericError: Parameter 'counter' expects uint64"
                ),
                ("toycpu-break", '{"counter": 1.5}'): (
                    "GenericError: Parameter 'counter' expects uint64"
                ),
                ("toycpu-break", '{"counter": 5000000000, "when": 1}'): (
                    "GenericError: Parameter 'when' is unexpected"
                ),
                ("toycpu-step", '{"count": 4294967296}'): (
                    "GenericError: Parameter 'count' expects uint32_t"
                ),
                ("toycpu-interrupt", '{"halt": "yes"}'): (
                    "GenericError: Invalid parameter type for 'halt', expected: boolean"
                ),
                (
                    "toycpu-nope",
                    "{}",
                ): "CommandNotFound: The command toycpu-nope has not been found",
                ("toycpu-step", "{}"): (
                    "GenericError: The toy CPU cannot be stepped while the machine runs"
                ),
            }
            for (cmd, args), text in expect.items():
                assert await error_of(client, cmd, json.loads(args)) == text, cmd
            # In-band only commands refuse exec-oob, as QEMU's do.
            with pytest.raises(ExecuteError) as info:
                await client.execute("query-toycpu", oob=True)
            assert info.value.error.error.desc == "The command query-toycpu does not support OOB"
        finally:
            await client.disconnect()

    run(session())


def resolve(entries: list[dict[str, Any]], name: str) -> Any:
    """An entry with its type references replaced by what they name (no recursion here)."""
    by_name = {e["name"]: e for e in entries}

    def ref(type_name: str) -> Any:
        entry = by_name[type_name]
        out: dict[str, Any] = {}
        for key, value in entry.items():
            if key == "name" and entry["meta-type"] not in ("command", "event"):
                continue
            if key in ("arg-type", "ret-type", "element-type", "type"):
                out[key] = ref(value)
            elif key in ("members", "variants"):
                out[key] = [{k: ref(v) if k == "type" else v for k, v in m.items()} for m in value]
            else:
                out[key] = value
        return out

    return ref(name)


def test_introspection_lists_the_example(toycpu: Path) -> None:
    async def session() -> tuple[Any, Any]:
        client = await connect(toycpu)
        try:
            return await client.execute("query-qmp-schema"), await client.execute("query-commands")
        finally:
            await client.disconnect()

    schema, commands = run(session())
    names = [e["name"] for e in schema if e["meta-type"] in ("command", "event")]
    own = [
        "query-toycpu",
        "toycpu-set",
        "toycpu-step",
        "toycpu-break",
        "toycpu-wait",
        "toycpu-interrupt",
        "TOYCPU_BREAKPOINT",
    ]
    # QEMU's commands and events first, then the example's, in schema order.
    assert names[-len(own) :] == own
    assert "query-status" in names and "stop" in names and "STOP" in names
    uint = {"json-type": "int", "meta-type": "builtin"}
    speed = {
        "meta-type": "enum",
        "members": [{"name": "slow"}, {"name": "fast"}, {"name": "turbo"}],
        "values": ["slow", "fast", "turbo"],
    }
    empty = {"members": [], "meta-type": "object"}
    assert resolve(schema, "query-toycpu") == {
        "name": "query-toycpu",
        "meta-type": "command",
        "arg-type": empty,
        "ret-type": {
            "meta-type": "object",
            "members": [
                {"name": "counter", "type": uint},
                {"name": "pc", "type": uint},
                {"name": "running", "type": {"json-type": "boolean", "meta-type": "builtin"}},
                {"name": "speed", "type": speed},
                {"name": "breakpoint", "default": None, "type": uint},
            ],
        },
    }
    oob = resolve(schema, "toycpu-interrupt")
    assert oob["allow-oob"] is True
    assert "allow-oob" not in resolve(schema, "toycpu-wait")
    assert resolve(schema, "TOYCPU_BREAKPOINT") == {
        "name": "TOYCPU_BREAKPOINT",
        "meta-type": "event",
        "arg-type": {
            "meta-type": "object",
            "members": [{"name": "counter", "type": uint}, {"name": "pc", "type": uint}],
        },
    }
    # Type names are masked as numbers, as QEMU masks them.
    assert not any(e["name"] in ("ToyCpuInfo", "ToyCpuSpeed") for e in schema)
    # query-commands names exactly the schema's commands.
    listed = [c["name"] for c in commands]
    assert sorted(listed) == sorted(e["name"] for e in schema if e["meta-type"] == "command")
    assert listed[: len(own) - 1] == list(reversed(own[:-1]))


def test_bad_command_line_gets_qemus_message(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "examples.toycpu", "-nosuchoption"],
        cwd=ROOT,
        capture_output=True,
        timeout=TIMEOUT * 3,
    )
    assert proc.returncode == 1
    assert proc.stderr == b"toycpu: -nosuchoption: invalid option\n"
    proc = subprocess.run(
        [sys.executable, "-m", "examples.toycpu", "-qmp", f"unix:{tmp_path}/x,bogus=on"],
        cwd=ROOT,
        capture_output=True,
        timeout=TIMEOUT * 3,
    )
    assert proc.returncode == 1
    assert b"Invalid parameter 'bogus'" in proc.stderr


def test_signal_and_quit_end_the_process(tmp_path: Path) -> None:
    proc = start_toycpu(tmp_path / "a.sock")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(TIMEOUT) == 0
    assert stop(proc) == b"toycpu: terminating on signal 15\n"

    sock = tmp_path / "b.sock"
    proc = start_toycpu(sock)
    try:

        async def quit_() -> None:
            client = await connect(sock)
            await client.execute("quit")
            # The server may hang up before the client does, as QEMU may.
            with contextlib.suppress(EOFError):
                await client.disconnect()

        run(quit_())
        assert proc.wait(TIMEOUT) == 0
    finally:
        assert stop(proc) == b""
