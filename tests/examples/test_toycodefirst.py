"""The code-first example, started with its own options and driven over QMP and HMP.

``python -m examples.toycodefirst --qmp PATH --hmp PATH`` runs as a
subprocess; the test talks QMP to it (its typed commands, argument errors
with QEMU's texts, its event, introspection, the overheat stop through
``MonitorServer.vm_stop``) and HMP (its own ``thermostat`` command in
``help`` and at work, beside QEMU's).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
TIMEOUT = 20.0


class Qmp:
    """A blocking QMP client: requests one at a time, events kept aside."""

    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(TIMEOUT)
        self.sock.connect(str(path))
        self.file = self.sock.makefile("rwb")
        self.greeting = json.loads(self.file.readline())
        self.events: list[dict[str, Any]] = []

    def read(self) -> dict[str, Any]:
        line = self.file.readline()
        assert line.endswith(b"\r\n"), line
        msg: dict[str, Any] = json.loads(line)
        return msg

    def cmd(self, execute: str, **arguments: Any) -> dict[str, Any]:
        request: dict[str, Any] = {"execute": execute}
        if arguments:
            request["arguments"] = arguments
        self.file.write(json.dumps(request).encode() + b"\n")
        self.file.flush()
        while True:
            msg = self.read()
            if "event" in msg:
                self.events.append(msg)
            else:
                return msg

    def event(self, name: str) -> dict[str, Any]:
        """The next ``name`` event (earlier ones kept aside come first)."""
        while True:
            for i, msg in enumerate(self.events):
                if msg["event"] == name:
                    return self.events.pop(i)
            self.events.append(self.read())

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def _wait_for(path: Path, proc: subprocess.Popen[bytes]) -> None:
    end = time.monotonic() + TIMEOUT
    while not path.exists():
        if proc.poll() is not None or time.monotonic() > end:
            proc.kill()
            _, err = proc.communicate(timeout=TIMEOUT)
            raise AssertionError(f"the thermostat did not start: {err!r}")
        time.sleep(0.01)


@pytest.fixture
def thermostat(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A running thermostat; yields its QMP and HMP socket paths."""
    qmp, hmp = tmp_path / "qmp.sock", tmp_path / "hmp.sock"
    proc = subprocess.Popen(
        [sys.executable, "-m", "examples.toycodefirst", "--qmp", str(qmp), "--hmp", str(hmp)],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(qmp, proc)
        _wait_for(hmp, proc)
        yield qmp, hmp
    finally:
        if proc.poll() is None:
            proc.terminate()
        try:
            proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(TIMEOUT)
        assert proc.stderr is not None
        proc.stderr.close()


def _hmp_until(sock: socket.socket, want: bytes) -> bytes:
    data = b""
    end = time.monotonic() + TIMEOUT
    while want not in data:
        assert time.monotonic() < end, data
        chunk = sock.recv(65536)
        assert chunk, data
        data += chunk
    return data


def test_qmp_typed_commands_event_and_overheat_stop(thermostat: tuple[Path, Path]) -> None:
    qmp_path, _ = thermostat
    client = Qmp(qmp_path)
    try:
        assert client.greeting["QMP"]["capabilities"] == ["oob"]
        assert client.cmd("qmp_capabilities") == {"return": {}}
        assert client.cmd("query-thermostat") == {
            "return": {"temperature": 200, "heating": False, "mode": "off", "target": 200}
        }
        assert client.cmd("thermostat-set", mode="cool") == {
            "error": {
                "class": "GenericError",
                "desc": "Parameter 'mode' does not accept value 'cool'",
            }
        }
        assert client.cmd("thermostat-set", target=-1)["error"]["desc"] == (
            "Parameter 'target' expects uint16_t"
        )
        assert client.cmd("thermostat-set", target=401)["error"]["desc"] == (
            "Parameter 'target' expects a value between 0 and 400"
        )
        # Introspection knows the struct and the enum the type hints made.
        schema = client.cmd("query-qmp-schema")["return"]
        names = {e["name"] for e in schema if e["meta-type"] == "command"}
        assert {"query-thermostat", "thermostat-set", "query-status"} <= names
        assert any(
            e["meta-type"] == "enum"
            and [v["name"] for v in e.get("members", [])] == ["off", "heat"]
            for e in schema
        )
        # Heat past the cutoff: the heater's thread stops the machine.
        assert client.cmd("thermostat-set", target=400, mode="heat") == {"return": {}}
        on = client.event("THERMOSTAT_HEATING")
        assert on["data"] == {"heating": True, "temperature": 200}
        off = client.event("THERMOSTAT_HEATING")
        assert off["data"] == {"heating": False, "temperature": 351}
        client.event("STOP")
        assert client.cmd("query-status")["return"]["status"] == "paused"
        assert client.cmd("query-thermostat")["return"]["mode"] == "off"
        assert client.cmd("cont") == {"return": {}}
        client.event("RESUME")
        assert client.cmd("query-status")["return"]["running"] is True
    finally:
        client.close()


def test_hmp_has_the_embedders_command(thermostat: tuple[Path, Path]) -> None:
    _, hmp_path = thermostat
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(TIMEOUT)
        sock.connect(str(hmp_path))
        _hmp_until(sock, b"(qemu) ")
        sock.sendall(b"thermostat\r")
        out = _hmp_until(sock, b"idle\r\n(qemu) ")
        assert b"temperature 20.0 C, target 20.0 C, mode off, idle\r\n" in out
        sock.sendall(b"help thermostat\r")
        out = _hmp_until(sock, b"reading\r\n(qemu) ")
        assert b"thermostat  -- show the thermostat's reading\r\n" in out
        sock.sendall(b"info status\r")
        assert b"VM status: running\r\n" in _hmp_until(sock, b"running\r\n(qemu) ")
