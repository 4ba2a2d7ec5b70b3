"""Personas: recorded from the real QEMU, replayed by qmonitor byte for byte.

A persona is recorded once per module (``qmonitor persona record``, into
a temp dir); then the same requests go to QEMU on libvirt's probe command
line and to qmonitor on the same command line with ``-persona``, and the
replies must be the same bytes.  The machine's own commands stay live.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qmonitor.persona.serve import NO_RECORDED_ANSWER
from qmonitor.persona.store import Persona, PersonaError, QomRecord, Variant, request_key
from qmonitor_testsupport.procs import QEMU, qmonitor_cmd, wait_for_unix_socket

pytestmark = pytest.mark.skipif(QEMU is None, reason="needs qemu-system-x86_64")

PROBE = ("-S", "-no-user-config", "-nodefaults", "-nographic", "-machine", "none,accel=tcg")


@pytest.fixture(scope="module")
def persona_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("persona") / "qemu.json"
    subprocess.run(
        [*qmonitor_cmd(), "persona", "record", "--qemu", str(QEMU), "--accel", "tcg", "-q",
         "-o", str(out)],
        check=True,
        timeout=120,
    )  # fmt: skip
    return out


class LineClient:
    """A raw QMP client: sends bytes, returns reply lines as QEMU wrote them."""

    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(str(path))
        self.buf = b""
        self.events: list[dict[str, Any]] = []
        self.greeting = self.line()

    def line(self) -> bytes:
        while b"\n" not in self.buf:
            data = self.sock.recv(1 << 20)
            if not data:
                raise EOFError
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line + b"\n"

    def reply(self, request: dict[str, Any]) -> bytes:
        """Send ``request`` (which has an id); return its reply line, skipping events."""
        self.sock.sendall(json.dumps(request).encode() + b"\n")
        while True:
            line = self.line()
            if not line.startswith(b'{"timestamp"'):
                return line
            self.events.append(json.loads(line))

    def close(self) -> None:
        self.sock.close()


@contextlib.contextmanager
def serving(cmd: list[str], extra: list[str], sock: Path) -> Iterator[LineClient]:
    proc = subprocess.Popen(
        [*cmd, *PROBE, "-qmp", f"unix:{sock},server=on,wait=off", *extra],
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    client = None
    try:
        wait_for_unix_socket(sock, proc, timeout=20)
        # wait_for_unix_socket's probe used QEMU's one connection: wait for it to be free.
        end = time.monotonic() + 10
        while client is None:
            try:
                client = LineClient(sock)
            except (OSError, EOFError):
                if time.monotonic() > end:
                    raise
                time.sleep(0.02)
        client.reply({"execute": "qmp_capabilities", "id": 0})
        yield client
    finally:
        if client is not None:
            client.close()
        proc.kill()
        proc.communicate(timeout=10)


def _requests(persona: Persona, limit_per_command: int | None) -> list[dict[str, Any]]:
    seen: dict[str, int] = {}
    requests = []
    for reply in persona.variant("tcg").replies.values():
        count = seen.get(reply.execute, 0)
        if limit_per_command is not None and count >= limit_per_command:
            continue
        seen[reply.execute] = count + 1
        request: dict[str, Any] = {"execute": reply.execute, "id": f"libvirt-{len(requests) + 1}"}
        if reply.arguments:
            request["arguments"] = reply.arguments
        requests.append(request)
    return requests


def _compare(persona_file: Path, tmp_path: Path, requests: list[dict[str, Any]]) -> None:
    assert QEMU is not None
    extra = ["-persona", str(persona_file)]
    with (
        serving([QEMU], [], tmp_path / "qemu.sock") as qemu,
        serving(qmonitor_cmd(), extra, tmp_path / "qm.sock") as ours,
    ):
        assert ours.greeting == qemu.greeting
        for request in requests:
            assert ours.reply(request) == qemu.reply(request), request


def test_recorded_replies_are_qemus_bytes(persona_file: Path, tmp_path: Path) -> None:
    """A sample: every recorded command with up to 5 argument sets each."""
    _compare(persona_file, tmp_path, _requests(Persona.load(persona_file), 5))


@pytest.mark.slow
def test_every_recorded_reply_is_qemus_bytes(persona_file: Path, tmp_path: Path) -> None:
    _compare(persona_file, tmp_path, _requests(Persona.load(persona_file), None))


def test_the_persona_covers_what_libvirt_probes(persona_file: Path) -> None:
    variant = Persona.load(persona_file).variant("tcg")
    for name in ("query-version", "query-qmp-schema", "query-machines", "query-cpu-definitions",
                 "query-command-line-options", "query-migrate-capabilities", "qom-list-types",
                 "query-sev-capabilities", "query-sgx-capabilities"):  # fmt: skip
        assert any(key.startswith(name + " ") for key in variant.replies), name
    assert variant.find("device-list-properties", {"typename": "virtio-blk-pci"}) is not None
    assert variant.find("qom-list-properties", {"typename": "memory-backend-file"}) is not None
    sev = variant.find("query-sev-capabilities", {})
    assert sev is not None and sev.error is not None and sev.error[0] == "GenericError"


def test_unknown_names_and_unrecorded_requests(persona_file: Path, tmp_path: Path) -> None:
    """Errors as QEMU gives them: unknown types, unknown commands; a plain gap is named."""
    assert QEMU is not None
    unknown = [
        {"execute": "device-list-properties", "arguments": {"typename": "no-such"}, "id": 1},
        {"execute": "qom-list-properties", "arguments": {"typename": "no-such"}, "id": 2},
        {"execute": "no-such-command", "id": 3},
    ]
    _compare(persona_file, tmp_path, unknown)
    sock = tmp_path / "gap.sock"
    with serving(qmonitor_cmd(), ["-persona", str(persona_file)], sock) as ours:
        expansion = {"type": "full", "model": {"name": "pentium"}}
        line = ours.reply({"execute": "query-cpu-model-expansion", "id": 4, "arguments": expansion})
        error = json.loads(line)["error"]
        assert error == {
            "class": "GenericError",
            "desc": NO_RECORDED_ANSWER.format("query-cpu-model-expansion"),
        }


def test_live_state_stays_the_machines(persona_file: Path, tmp_path: Path) -> None:
    sock = tmp_path / "live.sock"
    with serving(qmonitor_cmd(), ["-persona", str(persona_file)], sock) as ours:
        assert json.loads(ours.reply({"execute": "query-status", "id": 1}))["return"] == {
            "status": "prelaunch", "singlestep": False, "running": False}  # fmt: skip
        ours.reply({"execute": "cont", "id": 2})
        assert [e["event"] for e in ours.events] == ["RESUME"]
        assert json.loads(ours.reply({"execute": "query-status", "id": 3}))["return"]["running"]
        hmp = {"execute": "human-monitor-command", "arguments": {"command-line": "info status"},
               "id": 4}  # fmt: skip
        assert json.loads(ours.reply(hmp))["return"] == "VM status: running\r\n"
        ours.reply({"execute": "stop", "id": 5})
        assert [e["event"] for e in ours.events] == ["RESUME", "STOP"]
        ours.sock.sendall(b'{"execute": "quit", "id": 6}\n')
        messages = [json.loads(ours.line()) for _ in range(2)]
        assert {"return": {}, "id": 6} in messages
        assert any(m.get("event") == "SHUTDOWN" for m in messages)


def test_vcpu_records_survive_save_and_load(tmp_path: Path) -> None:
    """A recorded vCPU's values and errors come back; a file without vCPUs still loads."""
    child = QomRecord("apic", [{"name": "type", "type": "string"}], {"id": (0, None)})
    vcpu = QomRecord(
        "qemu64-x86_64-cpu",
        [{"name": "type", "type": "string"}, {"name": "lapic", "type": "child<apic>"}],
        {"type": ("qemu64-x86_64-cpu", None), "x": (None, ("GenericError", "No crash occurred"))},
        {"lapic": child},
    )
    path = tmp_path / "p.json"
    Persona("q", "v", {"tcg": Variant(["q"], vcpus={"qemu64": vcpu})}).save(path)
    loaded = Persona.load(path).variant("tcg").vcpus["qemu64"]
    assert loaded.typename == vcpu.typename
    assert loaded.values == vcpu.values
    assert loaded.children["lapic"].values == {"id": (0, None)}
    assert [entry["name"] for entry in loaded.listing] == ["type", "lapic"]
    data = json.loads(path.read_text())
    del data["variants"]["tcg"]["vcpus"]
    path.write_text(json.dumps(data))
    assert Persona.load(path).variant("tcg").vcpus == {}


def test_persona_keys_ignore_argument_order() -> None:
    assert request_key("x", {"a": 1, "b": {"d": 2, "c": 3}}) == request_key(
        "x", {"b": {"c": 3, "d": 2}, "a": 1}
    )
    assert request_key("x", None) == request_key("x", {})


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "cannot read persona"),
        ("{", "is not JSON"),
        ('{"format": "other"}', "is not a qmonitor persona"),
        ('{"format": "qmonitor-persona", "version": 99}', "unsupported version 99"),
        ('{"format": "qmonitor-persona", "version": 1, "qemu": "q", "qemu-version": "v",'
         ' "variants": {}}', "has no recorded command line"),
    ],
)  # fmt: skip
def test_bad_persona_files(tmp_path: Path, content: str | None, reason: str) -> None:
    path = tmp_path / "p.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(PersonaError, match=reason):
        Persona.load(path)
    proc = subprocess.run(
        [*qmonitor_cmd(), "-M", "none", "-display", "none", "-persona", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"qmonitor: -persona {path}: ")
    assert reason in proc.stderr


def test_record_reports_a_qemu_that_cannot_run(tmp_path: Path) -> None:
    proc = subprocess.run(
        [*qmonitor_cmd(), "persona", "record", "--qemu", str(tmp_path / "nope"), "-o",
         str(tmp_path / "p.json")],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert proc.returncode == 1
    assert "cannot run" in proc.stderr
    assert not (tmp_path / "p.json").exists()


def test_sigterm_gives_host_signal_shutdown(persona_file: Path, tmp_path: Path) -> None:
    sock = tmp_path / "sig.sock"
    with serving(qmonitor_cmd(), ["-persona", str(persona_file)], sock) as ours:
        pid = json.loads(ours.reply({"execute": "query-status", "id": 1}))  # negotiated
        assert pid["return"]["status"] == "prelaunch"
        procs = [p for p in os.listdir("/proc") if p.isdigit()]
        mine = [p for p in procs if _cmdline(p).endswith(f"-persona\0{persona_file}\0")]
        os.kill(int(mine[0]), signal.SIGTERM)
        event = json.loads(ours.line())
        assert event["event"] == "SHUTDOWN"
        assert event["data"] == {"guest": False, "reason": "host-signal"}


def _cmdline(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text()
    except OSError:
        return ""


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
