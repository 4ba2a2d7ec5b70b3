#!/usr/bin/env python3
"""Record what QEMU 7.2 shows of a PC's devices: qtree, PCI, config space, device_add.

Two recordings, each from ``qemu-system-x86_64 -display none -S`` with a
QMP socket:

``cases``
    The sessions of :data:`qmonitor_testsupport.pcdev_cases.CASES`: a
    command line (``-M pc``/``-M q35``, with or without ``-nodefaults``,
    ``-vga``, ``-serial``, ``-device`` ...) and QMP requests (HMP through
    ``human-monitor-command``): each reply and the events that came
    within 0.2 s of it (a device's removal ends after the reply), into
    ``tests/golden/pcdev/cases.json``.  Replayed by
    tests/machine/devices/test_pcdev_golden.py.
``devices``
    The facts the device model is built from, into
    ``src/qmonitor/machine/data/pc_devices.json``: for every device type
    the boards make or a user may add (:data:`pcdev_cases.TEMPLATES`),
    the lines ``info qtree`` prints for it (its GPIO lines and its
    properties with their default values) and, for PCI devices, the
    256 bytes of configuration space the qtest protocol reads through
    ports 0xcf8/0xcfc at reset, with the size and kind of each BAR from
    ``query-pci``.

Usage::

    python tools/record_pcdev.py [--qemu PATH] [cases|devices]...
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from qmonitor_testsupport.pcdev_cases import BEHIND_PORT, CASES, CLI_ERRORS, TEMPLATES
from qmonitor_testsupport.recording import qemu_version

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "pcdev" / "cases.json"
DATA = ROOT / "src" / "qmonitor" / "machine" / "data" / "pc_devices.json"


class Qemu:
    """A QEMU process with a QMP client and, optionally, a qtest connection."""

    def __init__(self, qemu: str, args: list[str], qtest: bool = False) -> None:
        self.tmp = tempfile.mkdtemp(prefix="pcdev")
        qmp = os.path.join(self.tmp, "q.sock")
        extra: list[str] = []
        if qtest:
            qt = os.path.join(self.tmp, "t.sock")
            self.qt_listen = socket.socket(socket.AF_UNIX)
            self.qt_listen.bind(qt)
            self.qt_listen.listen(1)
            self.qt_listen.settimeout(30)
            # The qtest log would go to stderr, a pipe no one reads until the end:
            # with many devices it fills and QEMU blocks.
            extra = ["-qtest", f"unix:{qt}", "-qtest-log", "/dev/null"]
        self.proc = subprocess.Popen(
            [qemu, "-display", "none", "-S", *extra,
             "-qmp", f"unix:{qmp},server=on,wait=off", *args],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        if qtest:
            self.qt, _ = self.qt_listen.accept()
            self.qt_buf = b""
        self.sock = socket.socket(socket.AF_UNIX)
        for _ in range(200):
            try:
                self.sock.connect(qmp)
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError(f"QEMU did not start: {args}")
        self.buf = b""
        self.events: list[dict[str, Any]] = []
        self._message()
        self.execute("qmp_capabilities", {})

    def _message(self) -> dict[str, Any]:
        while True:
            while b"\n" not in self.buf:
                chunk = self.sock.recv(1 << 20)
                if not chunk:
                    raise RuntimeError("QEMU closed the monitor")
                self.buf += chunk
            line, self.buf = self.buf.split(b"\n", 1)
            message: dict[str, Any] = json.loads(line)
            if "event" in message:
                del message["timestamp"]
                self.events.append(message)
                continue
            return message

    def execute(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        request: dict[str, Any] = {"execute": name}
        if arguments:
            request["arguments"] = arguments
        self.sock.sendall(json.dumps(request).encode() + b"\n")
        return self._message()

    def settle(self) -> list[dict[str, Any]]:
        """The events that came so far (a query round trip flushes them)."""
        self.execute("query-status", {})
        out, self.events = self.events, []
        return out

    def qtest(self, line: str) -> str:
        self.qt.sendall(line.encode() + b"\n")
        while b"\n" not in self.qt_buf:
            self.qt_buf += self.qt.recv(65536)
        reply, self.qt_buf = self.qt_buf.split(b"\n", 1)
        return reply.decode()

    def hmp(self, line: str) -> str:
        reply = self.execute("human-monitor-command", {"command-line": line})
        text: str = reply["return"]
        return text

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()
        assert self.proc.stderr is not None
        self.proc.stderr.close()


def record_cases(qemu: str, cases: list[Any] = CASES) -> list[dict[str, Any]]:
    out = []
    for name, args, requests in cases:
        vm = Qemu(qemu, list(args))
        steps = []
        try:
            for execute, arguments in requests:
                reply = vm.execute(execute, arguments)
                reply.pop("id", None)
                # A device's removal finishes after the reply (its events follow).
                time.sleep(0.2)
                steps.append({"execute": execute, "arguments": arguments, "reply": reply,
                              "events": vm.settle()})  # fmt: skip
        finally:
            vm.stop()
        out.append({"name": name, "args": list(args), "steps": steps})
        print(name, file=sys.stderr)
    return out


def record_cli(qemu: str, errors: list[Any] = CLI_ERRORS) -> list[dict[str, Any]]:
    """What QEMU prints, and its status, for each refused command line (by default
    :data:`pcdev_cases.CLI_ERRORS`)."""
    out = []
    for name, args in errors:
        proc = subprocess.run([qemu, "-display", "none", "-S", *args], capture_output=True,
                              text=True, timeout=30, stdin=subprocess.DEVNULL)  # fmt: skip
        out.append({"name": name, "args": list(args), "status": proc.returncode,
                    "stderr": proc.stderr})  # fmt: skip
    return out


def qtree_blocks(text: str) -> dict[str, dict[str, Any]]:
    """The first ``dev:`` block of each type in ``info qtree``: GPIO lines and properties."""
    found: dict[str, dict[str, Any]] = {}
    lines = text.splitlines()
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        if not stripped.startswith("dev: "):
            continue
        typename = stripped[5:].split(",", 1)[0]
        indent = len(line) - len(stripped) + 2
        gpio: list[str] = []
        props: list[list[str]] = []
        for body in lines[i + 1 :]:
            if len(body) - len(body.lstrip()) != indent:
                if len(body) - len(body.lstrip()) < indent:
                    break
                continue
            item = body.strip()
            if item.startswith(("gpio-in ", "gpio-out ")):
                gpio.append(item)
            elif " = " in item:
                prop, _, value = item.partition(" = ")
                props.append([prop, value])
            elif item.startswith("bus: "):
                break
        if typename not in found:
            found[typename] = {"gpio": gpio, "props": props}
    return found


def config_space(vm: Qemu, devfn: int) -> bytes:
    data = b""
    for reg in range(0, 256, 4):
        vm.qtest(f"outl 0xcf8 0x{0x80000000 | devfn << 8 | reg:x}")
        reply = vm.qtest("inl 0xcfc")
        data += int(reply.split()[1], 16).to_bytes(4, "little")
    return data


def record_devices(
    qemu: str, templates: list[tuple[str, ...]] = TEMPLATES, behind: list[Any] = BEHIND_PORT
) -> dict[str, Any]:
    types: dict[str, Any] = {}
    for args in templates:
        vm = Qemu(qemu, list(args), qtest=True)
        try:
            for typename, block in qtree_blocks(vm.hmp("info qtree")).items():
                types.setdefault(typename, block)
            (bus,) = vm.execute("query-pci", {})["return"]
            for dev in bus["devices"]:
                devfn = dev["slot"] << 3 | dev["function"]
                typename = _pci_type(vm, dev, args)
                entry = types.setdefault(typename, {"gpio": [], "props": []})
                if "config" in entry:
                    continue
                entry["config"] = config_space(vm, devfn).hex()
                entry["desc"] = dev["class_info"].get("desc")
                entry["regions"] = [
                    [r["bar"], r["type"], r["size"], r.get("prefetch", False),
                     r.get("mem_type_64", False)]
                    for r in dev["regions"]
                ]  # fmt: skip
        finally:
            vm.stop()
        print(" ".join(args), file=sys.stderr)
    for typename, args in behind:
        vm = Qemu(qemu, list(args), qtest=True)
        try:
            types[f"{typename}@port"] = _behind_port(vm, typename, types[typename])
        finally:
            vm.stop()
    return types


def _behind_port(vm: Qemu, typename: str, plain: dict[str, Any]) -> dict[str, Any]:
    """The device behind the port at 00:01.0, once the port's secondary bus is 1."""
    vm.qtest(f"outl 0xcf8 0x{0x80000000 | 1 << 11 | 0x18:x}")
    vm.qtest("outl 0xcfc 0x00010100")
    (bus,) = vm.execute("query-pci", {})["return"]
    port = next(d for d in bus["devices"] if d["slot"] == 1)
    (dev,) = port["pci_bridge"]["devices"]
    config = b""
    for reg in range(0, 256, 4):
        vm.qtest(f"outl 0xcf8 0x{0x80010000 | reg:x}")
        config += int(vm.qtest("inl 0xcfc").split()[1], 16).to_bytes(4, "little")
    qtree = qtree_blocks(vm.hmp("info qtree"))[typename]
    return {"gpio": qtree["gpio"], "props": qtree["props"], "config": config.hex(),
            "desc": dev["class_info"].get("desc"),
            "regions": [[r["bar"], r["type"], r["size"], r.get("prefetch", False),
                         r.get("mem_type_64", False)] for r in dev["regions"]]}  # fmt: skip


def _pci_type(vm: Qemu, dev: dict[str, Any], args: tuple[str, ...]) -> str:
    """The QOM type of a device ``query-pci`` lists, from the bus's QOM children."""
    addr = f"{dev['slot']:02x}.{dev['function']:x}"
    qtree = vm.hmp("info qtree").splitlines()
    for i, line in enumerate(qtree):
        if line.strip() == f"addr = {addr}":
            j = i
            while not qtree[j].lstrip().startswith("dev: "):
                j -= 1
            # Only devices on the root bus (indent of pci.0's devices).
            return qtree[j].strip()[5:].split(",", 1)[0]
    raise RuntimeError(f"no device at {addr} in {args}")


def record_family(
    family: Any, types: tuple[str, ...], golden: Path, data: Path, description: str
) -> int:
    """The main() of a device family's recorder (tools/record_scsi.py, tools/record_usb.py).

    ``family`` is its cases module (TEMPLATES, CASES, CLI_ERRORS); ``types``
    the types whose facts go to ``data``; the sessions go to ``golden``.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--qemu", default="qemu-system-x86_64")
    parser.add_argument("what", nargs="*", default=["cases", "devices"])
    opts = parser.parse_args()
    version = qemu_version(opts.qemu)
    if "devices" in opts.what:
        found = record_devices(opts.qemu, family.TEMPLATES, [])
        facts = {name: found[name] for name in types}
        data.write_text(json.dumps({"version": version, "types": facts}, indent=0,
                                   sort_keys=True) + "\n")  # fmt: skip
        print(f"{len(facts)} device types written to {data}")
    if "cases" in opts.what:
        cases = record_cases(opts.qemu, family.CASES)
        cli = record_cli(opts.qemu, family.CLI_ERRORS)
        document = {"version": version, "cases": cases, "cli": cli}
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(document, indent=1) + "\n")
        print(f"{len(cases)} cases written to {golden}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--qemu", default="qemu-system-x86_64")
    parser.add_argument("what", nargs="*", default=["cases", "devices"])
    opts = parser.parse_args()
    version = qemu_version(opts.qemu)
    if "devices" in opts.what:
        types = record_devices(opts.qemu)
        DATA.write_text(json.dumps({"version": version, "types": types}, indent=0,
                                   sort_keys=True) + "\n")  # fmt: skip
        print(f"{len(types)} device types written to {DATA}")
    if "cases" in opts.what:
        cases = record_cases(opts.qemu)
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        cli = record_cli(opts.qemu)
        document = {"version": version, "cases": cases, "cli": cli}
        GOLDEN.write_text(json.dumps(document, indent=1) + "\n")
        print(f"{len(cases)} cases written to {GOLDEN}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
