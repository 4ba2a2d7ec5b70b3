"""Record a persona: run the user's QEMU, ask it what management clients ask.

For each accelerator (``kvm`` when ``/dev/kvm`` can be opened, always
``tcg``) the recorder starts QEMU with libvirt's probe command line (minus
``-daemonize``), negotiates QMP, and asks in libvirt's order: the QOM types,
``device-list-properties`` for every device type (which loads QEMU's
modules), the queries of :data:`SIMPLE_QUERIES` and :data:`ARG_QUERIES`,
and ``qom-list-properties`` for every type; then it kills QEMU.  A request
that makes QEMU exit is noted and skipped; QEMU is started again and asked
again what it had been asked, so that its state is as before.

Then, for each CPU model of :func:`vcpu_models` (and those asked for), it
starts QEMU on a PC machine with that ``-cpu`` (:data:`VCPU_ARGV`) and
records the first vCPU's object -- ``qom-list`` and a ``qom-get`` of every
property, and its children likewise: libvirt reads every boolean property
of the vCPU when a domain starts, to learn which CPU features the guest got.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from qmonitor.errors import QmonitorError
from qmonitor.persona.serve import UNKNOWN_NAME
from qmonitor.persona.store import Persona, QomRecord, Reply, Variant

#: libvirt's capability probe command line (qemu_process.c), without -daemonize
#: and -pidfile: the recorder keeps QEMU as its child.
PROBE_ARGV = (
    "-S", "-no-user-config", "-nodefaults", "-nographic", "-machine", "none,accel={accel}",
    "-qmp", "unix:{sock},server=on,wait=off",
)  # fmt: skip

#: A domain-like command line: a PC machine with one vCPU of model ``{cpu}``.
VCPU_ARGV = (
    "-S", "-no-user-config", "-nodefaults", "-nographic", "-machine", "pc,accel={accel}",
    "-cpu", "{cpu}", "-qmp", "unix:{sock},server=on,wait=off",
)  # fmt: skip

#: Where QEMU puts the first vCPU of a PC machine.
VCPU_PATH = "/machine/unattached/device[0]"

#: How deep below the vCPU its children are recorded (its APIC, memory regions).
VCPU_CHILD_DEPTH = 1

#: Queries without arguments (QEMU's errors are recorded too; CommandNotFound is not).
SIMPLE_QUERIES = (
    "query-version", "query-target", "query-kvm", "query-machines", "query-commands",
    "query-qmp-schema", "query-command-line-options", "query-cpu-definitions",
    "query-migrate-capabilities", "query-migrate-parameters", "query-tpm-models",
    "query-tpm-types", "query-sev-capabilities", "query-sgx-capabilities", "query-sgx",
    "query-hotpluggable-cpus", "query-iothreads", "query-chardev-backends", "query-memdev",
    "query-gic-capabilities", "query-stats-schemas", "query-dump-guest-memory-capability",
    "query-display-options", "query-vnc", "query-spice", "query-balloon", "query-fdsets",
    "query-memory-size-summary", "query-acpi-ospm-status", "query-memory-devices",
    "query-named-block-nodes", "query-block", "query-blockstats", "query-rocker",
    "query-pci", "query-cpus-fast", "query-events", "query-tpm", "query-mice",
    "query-replay", "query-xen-replication-status", "query-colo-status", "query-migrate",
    "query-dirty-rate", "query-vm-generation-id", "query-hv-balloon-status-report",
    "query-audiodevs", "query-jobs", "query-block-jobs", "query-pr-managers",
)  # fmt: skip

#: Queries with arguments that clients send (libvirt's qemu_capabilities.c and
#: qemu_monitor_json.c).
ARG_QUERIES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("qom-list-types", {}),
    ("qom-list-types", {"abstract": True}),
    ("qom-list-types", {"implements": "device"}),
    ("qom-list-types", {"implements": "device", "abstract": True}),
    ("qom-list-types", {"implements": "device", "abstract": False}),
    ("qom-list-types", {"implements": "x86_64-cpu"}),
    ("qom-list-types", {"implements": "memory-backend"}),
    ("qom-list", {"path": "/machine"}),
    ("qom-list", {"path": "/"}),
    ("qom-get", {"path": "/machine", "property": "type"}),
    ("query-cpu-model-expansion", {"type": "static", "model": {"name": "host"}}),
    ("query-cpu-model-expansion", {"type": "static", "model": {"name": "max"}}),
    ("query-cpu-model-expansion", {"type": "full", "model": {"name": "host"}}),
    ("query-cpu-model-expansion", {"type": "full", "model": {"name": "max"}}),
    (
        "query-cpu-model-expansion",
        {"type": "static", "model": {"name": "host", "props": {"migratable": False}}},
    ),
    (
        "query-cpu-model-expansion",
        {"type": "static", "model": {"name": "max", "props": {"migratable": False}}},
    ),
    (
        "query-cpu-model-expansion",
        {"type": "full", "model": {"name": "host", "props": {"migratable": False}}},
    ),
    (
        "query-cpu-model-expansion",
        {"type": "full", "model": {"name": "max", "props": {"migratable": False}}},
    ),
    *(
        (
            "query-cpu-model-expansion",
            {"type": "full", "model": {"name": cpu, "props": {"migratable": False, **hv}}},
        )
        for cpu in ("host", "max")
        for hv in ({"hv-passthrough": True},)
    ),
    ("device-list-properties", {"typename": UNKNOWN_NAME}),
    ("qom-list-properties", {"typename": UNKNOWN_NAME}),
)

#: How long QEMU may take to listen, and to answer one request.
START_TIMEOUT = 20.0
REPLY_TIMEOUT = 60.0


class RecordError(QmonitorError):
    """The QEMU to record could not be started or talked to."""


class QemuDied(RecordError):
    """QEMU exited (or hung up) while a request was outstanding."""


class _QmpConnection:
    """A minimal synchronous QMP client: one request at a time, events skipped."""

    def __init__(self, path: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(REPLY_TIMEOUT)
        self.sock.connect(path)
        self.buf = b""
        self.counter = 0
        greeting = self._message()
        if "QMP" not in greeting:
            raise RecordError(f"unexpected greeting {greeting!r}")
        self.execute("qmp_capabilities", {})

    def _message(self) -> dict[str, Any]:
        while b"\n" not in self.buf:
            try:
                data = self.sock.recv(1 << 20)
            except OSError as exc:
                raise QemuDied(str(exc)) from None
            if not data:
                raise QemuDied("QEMU closed the monitor")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        value = json.loads(line)
        assert isinstance(value, dict)
        return value

    def execute(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """Send one request; return its reply (``return`` or ``error``)."""
        self.counter += 1
        ident = f"persona-{self.counter}"
        request: dict[str, Any] = {"execute": name, "id": ident}
        if arguments:
            request["arguments"] = arguments
        try:
            self.sock.sendall(json.dumps(request).encode() + b"\n")
        except OSError as exc:
            raise QemuDied(str(exc)) from None
        while True:
            message = self._message()
            if message.get("id") == ident:
                return message

    def close(self) -> None:
        self.sock.close()


class _Qemu:
    """One QEMU process on a probe command line, started on demand."""

    def __init__(
        self, qemu: str, accel: str, tmp: str, template: tuple[str, ...] = PROBE_ARGV, cpu: str = ""
    ) -> None:
        self.qemu = qemu
        self.accel = accel
        self.sock_path = os.path.join(tmp, f"{accel}.sock")
        self.argv = [a.format(accel=accel, sock=self.sock_path, cpu=cpu) for a in template]
        self.proc: subprocess.Popen[bytes] | None = None
        self.conn: _QmpConnection | None = None
        #: The requests QEMU died of (they are not recorded).
        self.died: list[tuple[str, dict[str, Any]]] = []
        #: The requests answered so far: a restarted QEMU is asked them again
        #: (answers ignored), so that what they changed (modules loaded by
        #: device-list-properties) is as it would have been without the crash.
        self.history: list[tuple[str, dict[str, Any]]] = []

    def connection(self) -> _QmpConnection:
        if self.conn is not None:
            return self.conn
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.sock_path)
        self.proc = subprocess.Popen(
            [self.qemu, *self.argv],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        end = time.monotonic() + START_TIMEOUT
        while True:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                self.proc = None
                raise RecordError(f"{self.qemu} exited at start: {err.strip()}")
            if os.path.exists(self.sock_path):
                try:
                    self.conn = _QmpConnection(self.sock_path)
                except OSError:
                    pass
                else:
                    for name, arguments in self.history:
                        self.conn.execute(name, arguments)
                    return self.conn
            if time.monotonic() > end:
                self.stop()
                raise RecordError(f"{self.qemu} did not open its monitor")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGKILL)
            self.proc.communicate()
            self.proc = None

    def ask(self, name: str, arguments: dict[str, Any]) -> Reply | None:
        """One request; None when QEMU does not know the command or died of it."""
        try:
            message = self.connection().execute(name, arguments)
        except QemuDied:
            self.stop()
            self.died.append((name, arguments))
            return None
        self.history.append((name, arguments))
        if "error" in message:
            err = message["error"]
            if err["class"] == "CommandNotFound":
                return None
            return Reply(name, arguments, None, (err["class"], err["desc"]))
        return Reply(name, arguments, message["return"])


def kvm_usable() -> bool:
    """Can this process open /dev/kvm (what QEMU's accel=kvm needs)?"""
    try:
        fd = os.open("/dev/kvm", os.O_RDWR)
    except OSError:
        return False
    os.close(fd)
    return True


def _type_names(reply: Reply | None) -> list[str]:
    if reply is None or reply.error is not None:
        return []
    return [str(entry["name"]) for entry in reply.value]


def record_variant(
    qemu: str, accel: str, tmp: str, progress: Callable[[str], None] | None = None
) -> Variant:
    """Record the replies of one probe command line."""
    proc = _Qemu(qemu, accel, tmp)
    variant = Variant([qemu, *proc.argv])
    try:

        def ask(name: str, arguments: dict[str, Any]) -> Reply | None:
            reply = proc.ask(name, arguments)
            if reply is not None:
                variant.add(reply)
            return reply

        # Some answers depend on the modules QEMU has loaded, and
        # device-list-properties loads them (qxl loads ui-spice-core, which
        # adds "spice" to query-command-line-options).  libvirt asks about
        # the devices first, so does the recorder.
        ask("qom-list-types", {})
        devices = _type_names(ask("qom-list-types", {"implements": "device"}))
        for typename in devices:
            ask("device-list-properties", {"typename": typename})
        for name in SIMPLE_QUERIES:
            ask(name, {})
        for name, arguments in ARG_QUERIES:
            if variant.find(name, arguments) is None:
                ask(name, arguments)
        everything = _type_names(variant.find("qom-list-types", {"abstract": True}))
        if progress is not None:
            progress(f"{accel}: {len(devices)} device types, {len(everything)} QOM types")
        for typename in everything:
            ask("qom-list-properties", {"typename": typename})
        if progress is not None:
            for name, arguments in proc.died:
                progress(f"{accel}: QEMU exited on {name} {json.dumps(arguments)} (not recorded)")
    finally:
        proc.stop()
    if variant.find("query-version", {}) is None:
        raise RecordError(f"{qemu} did not answer query-version with accel={accel}")
    return variant


def vcpu_models(accel: str) -> list[str]:
    """The CPU models recorded by default: QEMU's default, ``max``, and ``host`` under KVM."""
    return ["qemu64", "max", "host"] if accel == "kvm" else ["qemu64", "max"]


def _record_object(proc: _Qemu, path: str, depth: int) -> QomRecord | None:
    """``qom-list`` the object at ``path`` and ``qom-get`` each of its properties."""
    listing = proc.ask("qom-list", {"path": path})
    if listing is None or listing.error is not None:
        return None
    record = QomRecord("", list(listing.value))
    for prop in listing.value:
        name, kind = str(prop["name"]), str(prop["type"])
        if kind.startswith("child<"):
            if depth > 0:
                child = _record_object(proc, f"{path}/{name}", depth - 1)
                if child is not None:
                    record.children[name] = child
            continue
        reply = proc.ask("qom-get", {"path": path, "property": name})
        if reply is None:
            continue
        record.values[name] = (reply.value, reply.error)
    typename = record.values.get("type", (None, None))[0]
    record.typename = str(typename or "")
    return record


def record_vcpu(qemu: str, accel: str, cpu: str, tmp: str) -> QomRecord | None:
    """The first vCPU of a PC machine with ``-cpu cpu``, or None if QEMU refused the model."""
    proc = _Qemu(qemu, accel, tmp, VCPU_ARGV, cpu)
    try:
        return _record_object(proc, VCPU_PATH, VCPU_CHILD_DEPTH)
    except RecordError:
        return None
    finally:
        proc.stop()


def record_persona(
    qemu: str,
    accels: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
    cpus: list[str] | None = None,
) -> Persona:
    """Record a persona of ``qemu``: one variant per accelerator (default: kvm if usable, tcg).

    :param cpus: CPU models whose vCPU to record besides :func:`vcpu_models`.
    """
    path = shutil.which(qemu) or qemu
    try:
        version = subprocess.run(
            [path, "-version"], capture_output=True, text=True, check=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise RecordError(f"cannot run {qemu} -version: {exc}") from None
    persona = Persona(path, version.splitlines()[0] if version else "")
    if accels is None:
        accels = ["kvm", "tcg"] if kvm_usable() else ["tcg"]
    with _tempdir() as tmp:
        for accel in accels:
            variant = persona.variants[accel] = record_variant(path, accel, tmp, progress)
            for cpu in dict.fromkeys([*vcpu_models(accel), *(cpus or [])]):
                vcpu = record_vcpu(path, accel, cpu, tmp)
                if vcpu is not None:
                    variant.vcpus[cpu] = vcpu
                elif progress is not None:
                    progress(f"{accel}: no vCPU of model {cpu} (QEMU refused it)")
            if progress is not None:
                count = len(variant.replies)
                progress(f"{accel}: {count} replies, vCPUs {', '.join(variant.vcpus)} recorded")
    return persona


@contextlib.contextmanager
def _tempdir() -> Iterator[str]:
    tmp = tempfile.mkdtemp(prefix="qmonitor-persona-")
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def save(persona: Persona, out: str | Path) -> None:
    """Write ``persona`` to ``out``."""
    persona.save(out)
