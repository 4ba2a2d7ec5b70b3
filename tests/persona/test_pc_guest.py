"""A PC guest's shape against real QEMU: vCPUs, topology, balloon, devices, objects.

qmonitor runs no guest, but libvirt reads the guest's shape back when a
domain starts: every boolean property of each vCPU, the CPU slots, the
balloon, the devices it added.  QEMU and qmonitor (with the vCPU recorded
from that QEMU: :func:`qmonitor.persona.record.record_vcpu`) run the same
domain-like command line and must give the same bytes, but for the vCPU
threads' ids, which must be threads of each process named as QEMU names
them.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qmonitor.persona.record import record_vcpu
from qmonitor.persona.store import Persona, Variant
from qmonitor_testsupport.procs import QEMU, qmonitor_cmd

pytestmark = pytest.mark.skipif(QEMU is None, reason="needs qemu-system-x86_64")

VCPU0 = "/machine/unattached/device[0]"
#: The second vCPU: the machine makes its kvmvapic (device[1]) in between.
VCPU1 = "/machine/unattached/device[2]"

ARGS = (
    "-S", "-no-user-config", "-nodefaults", "-display", "none",
    "-machine", "pc,usb=off,dump-guest-core=off,memory-backend=pc.ram", "-accel", "tcg",
    "-m", "64", "-smp", "2,maxcpus=4,threads=2",
    "-cpu", "qemu64,+ssse3,-sse3,sse4_1=on,lahf_lm=off",
    "-name", "guest=g,debug-threads=on",
    "-object", '{"qom-type":"memory-backend-ram","id":"pc.ram","size":67108864}',
    "-device", '{"driver":"virtio-balloon-pci","id":"balloon0","bus":"pci.0","addr":"0x2"}',
    "-device", "piix3-usb-uhci,addr=0x5",
)  # fmt: skip


def _get(path: str, prop: str) -> dict[str, Any]:
    return {"execute": "qom-get", "arguments": {"path": path, "property": prop}}


def _list(path: str) -> dict[str, Any]:
    return {"execute": "qom-list", "arguments": {"path": path}}


REQUESTS: tuple[dict[str, Any], ...] = (
    {"execute": "query-hotpluggable-cpus"},
    _list(VCPU0),
    _list(VCPU1),
    _get(VCPU0, "ssse3"),
    _get(VCPU0, "sse3"),
    # Aliases: the legacy name, and spellings with '-', '_' and '.'.
    _get(VCPU0, "pni"),
    _get(VCPU0, "sse4.1"),
    _get(VCPU0, "sse4-1"),
    _get(VCPU0, "lahf-lm"),
    _get(VCPU0, "realized"),
    _get(VCPU0, "unavailable-features"),
    _get(VCPU0, "legacy-memory"),
    _get(VCPU0, "lapic"),
    _get(VCPU0, "no-such-property"),
    _list(VCPU0 + "/lapic"),
    _get(VCPU1, "apic-id"),
    _get(VCPU1, "core-id"),
    _get(VCPU1, "ssse3"),
    _get(VCPU1 + "/lapic", "id"),
    {"execute": "query-balloon"},
    {"execute": "balloon", "arguments": {"value": 0}},
    {"execute": "balloon", "arguments": {"value": 1 << 20}},
    {"execute": "query-balloon"},
    _list("/machine/peripheral"),
    _list("/machine/peripheral-anon"),
    _list("/objects"),
    _get("/machine", "type"),
    _get("/machine", "memory-backend"),
    _get("/machine", "smp"),
    _get("/machine", "memory"),
    _get("/machine", "usb"),
    _get("/machine", "dump-guest-core"),
    _get("/machine/peripheral/balloon0", "type"),
    _get("/machine/peripheral/balloon0", "realized"),
    _get("/machine/peripheral-anon/device[0]", "type"),
)


@pytest.fixture(scope="module")
def persona_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A persona holding only the tcg qemu64 vCPU, recorded from the real QEMU."""
    assert QEMU is not None
    tmp = tmp_path_factory.mktemp("vcpu")
    vcpu = record_vcpu(QEMU, "tcg", "qemu64", str(tmp))
    assert vcpu is not None
    persona = Persona(QEMU, "", {"tcg": Variant([QEMU], vcpus={"qemu64": vcpu})})
    out = tmp / "persona.json"
    persona.save(out)
    return out


@pytest.fixture
def no_persona(tmp_path: Path) -> Path:
    """A persona with no vCPU recorded: qmonitor sketches the vCPU instead."""
    out = tmp_path / "empty.json"
    Persona("qemu", "", {"tcg": Variant(["qemu"])}).save(out)
    return out


class _Client:
    def __init__(self, path: Path, proc: subprocess.Popen[bytes]) -> None:
        self.pid = proc.pid
        end = time.monotonic() + 20
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.settimeout(20)
                self.sock.connect(str(path))
                self.reader = self.sock.makefile("rb")
                if not self.reader.readline():  # the greeting
                    raise EOFError
                break
            except (OSError, EOFError):
                self.sock.close()
                if proc.poll() is not None or time.monotonic() > end:
                    raise
                time.sleep(0.05)
        self.ask({"execute": "qmp_capabilities"})

    def ask(self, request: dict[str, Any]) -> bytes:
        self.sock.sendall(json.dumps(request).encode() + b"\n")
        while True:
            line = self.reader.readline()
            if not line.startswith(b'{"timestamp"'):
                return line


def _serve(cmd: list[str], sock: Path, args: tuple[str, ...] = ARGS) -> Iterator[_Client]:
    proc = subprocess.Popen(
        [*cmd, *args, "-qmp", f"unix:{sock},server=on,wait=off"],
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        client = _Client(sock, proc)
        yield client
        client.sock.close()
    finally:
        proc.kill()
        proc.communicate(timeout=10)


def _threads(pid: int, tids: list[int]) -> list[str]:
    """The names of ``pid``'s threads ``tids`` (each must be one of its threads)."""
    return [Path(f"/proc/{pid}/task/{tid}/comm").read_text().strip() for tid in tids]


def test_pc_guest_replies_are_qemus(persona_file: Path, tmp_path: Path) -> None:
    assert QEMU is not None
    qemu_gen = _serve([QEMU], tmp_path / "qemu.sock")
    ours_gen = _serve([*qmonitor_cmd(), "-persona", str(persona_file)], tmp_path / "qm.sock")
    qemu, ours = next(qemu_gen), next(ours_gen)
    try:
        for request in REQUESTS:
            assert ours.ask(request) == qemu.ask(request), request
        # query-cpus-fast: the same but for the thread ids, which are the
        # process's own threads, named as QEMU names them.
        cpus = {"execute": "query-cpus-fast"}
        theirs, mine = json.loads(qemu.ask(cpus))["return"], json.loads(ours.ask(cpus))["return"]
        their_tids = [cpu.pop("thread-id") for cpu in theirs]
        my_tids = [cpu.pop("thread-id") for cpu in mine]
        assert mine == theirs
        assert (
            _threads(ours.pid, my_tids)
            == _threads(qemu.pid, their_tids)
            == [
                "CPU 0/TCG",
                "CPU 1/TCG",
            ]
        )
    finally:
        for gen in (qemu_gen, ours_gen):
            next(gen, None)


def test_without_a_recorded_vcpu_listing_and_values_agree(no_persona: Path, tmp_path: Path) -> None:
    """The sketched vCPU: every property qom-list names can be read, with the slot's ids."""
    gen = _serve([*qmonitor_cmd(), "-persona", str(no_persona)], tmp_path / "qm.sock")
    ours = next(gen)
    try:
        listing = json.loads(ours.ask(_list(VCPU1)))["return"]
        values = {p["name"]: json.loads(ours.ask(_get(VCPU1, p["name"]))) for p in listing}
        assert all("return" in reply for reply in values.values()), values
        assert values["type"]["return"] == "qemu64-x86_64-cpu"
        # Two threads per core: the second vCPU is the first core's second thread.
        assert (values["core-id"]["return"], values["thread-id"]["return"]) == (0, 1)
        assert values["apic-id"]["return"] == 1
    finally:
        next(gen, None)


def test_no_balloon_and_cpuless_machines(tmp_path: Path) -> None:
    """Without a balloon device, and on -M none, QEMU's errors."""
    assert QEMU is not None
    requests = (
        {"execute": "query-balloon"},
        {"execute": "balloon", "arguments": {"value": 0}},
        {"execute": "query-cpus-fast"},
        {"execute": "query-hotpluggable-cpus"},
    )
    for args in (("-S", "-nodefaults", "-display", "none", "-M", "pc", "-accel", "tcg"),
                 ("-S", "-nodefaults", "-display", "none", "-M", "none")):  # fmt: skip
        gens = [
            _serve(cmd, tmp_path / f"{name}.sock", args)
            for name, cmd in (("qemu", [QEMU]), ("qm", qmonitor_cmd()))
        ]
        qemu, ours = (next(gen) for gen in gens)
        try:
            for request in requests:
                theirs, mine = json.loads(qemu.ask(request)), json.loads(ours.ask(request))
                for cpu in [*theirs.get("return", []), *mine.get("return", [])]:
                    if isinstance(cpu, dict):
                        cpu.pop("thread-id", None)
                assert mine == theirs, (args, request)
        finally:
            for gen in gens:
                next(gen, None)
