#!/usr/bin/env python3
"""Record QEMU's machine types and QOM types into qmonitor's package data.

Three recordings, each from ``qemu-system-x86_64 -display none -accel
qtest`` with a QMP socket (run it with ``QEMU_MODULE_DIR`` pointing at the
modules of the build, as the qtest programs are run):

``machines``
    ``query-machines`` as QEMU answers it (its order is QEMU's), what
    ``-machine help`` and ``-machine TYPE,help`` print, QEMU's error for an unknown machine type and
    its warning when a deprecated one starts, into
    ``machine/data/machines.json``.
``types``
    With ``-M none -nodefaults``: the QOM types (``qom-list-types``
    with ``abstract`` true, giving each type's parent), which of them
    appear only once QEMU has loaded its modules, the types implementing
    each interface, ``qom-list-properties`` of every type and
    ``device-list-properties`` of every device type (their errors too),
    and what HMP's ``device_add help`` prints, into
    ``machine/data/qom_types.json.gz``.  Identical property lists are
    stored once.  What ``device_add TYPE,help`` prints for every device
    type goes to ``tests/golden/qom/device_help.json``, to test the
    texts qmonitor derives from the properties.
``trees``
    For every machine type: the composition tree QEMU builds under
    ``/machine`` for ``-machine TYPE`` (``qom-list`` of every object, and
    ``qom-get`` of every property that is not a child), into
    ``machine/data/qom_trees/TYPE.json.gz``.  Objects that are the same
    (type, listing, values and children) are stored once.  Each machine
    is recorded twice; values that differ between the runs (clocks) are
    listed as volatile and stored as null.  With ``--nodefaults``, the trees of ``-machine TYPE
    -nodefaults`` into ``TYPE.nodefaults.json.gz``.

Usage::

    QEMU_MODULE_DIR=... python tools/record_qom.py [--qemu PATH] [machines|types|trees]...
        [--machine NAME]...
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "src" / "qmonitor" / "machine" / "data"
GOLDEN = ROOT / "tests" / "golden" / "qom"
BASE_ARGS = ("-display", "none", "-accel", "qtest")
#: Type queries whose replies are kept as tests' expectations.
TYPE_QUERIES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("qom-list-types", {}),
    ("qom-list-types", {"abstract": False}),
    ("qom-list-types", {"implements": "device"}),
    ("qom-list-types", {"implements": "device", "abstract": True}),
    ("qom-list-types", {"implements": "interface", "abstract": True}),
    ("qom-list-types", {"implements": "sys-bus-device", "abstract": True}),
    ("qom-list-types", {"implements": "memory-backend"}),
    ("qom-list-types", {"implements": "hotplug-handler"}),
    ("qom-list-types", {"implements": "no-such-type", "abstract": True}),
    ("qom-list-properties", {"typename": "no-such-type"}),
    ("qom-list-properties", {"typename": "resettable"}),
    ("qom-list-properties", {"typename": "device"}),
    ("qom-list-properties", {"typename": "memory-backend-ram"}),
    ("device-list-properties", {"typename": "no-such-type"}),
    ("device-list-properties", {"typename": "object"}),
    ("device-list-properties", {"typename": "device"}),
    ("device-list-properties", {"typename": "pci-device"}),
    ("device-list-properties", {"typename": "memory-backend-ram"}),
    ("device-list-properties", {"typename": "resettable"}),
    ("device-list-properties", {"typename": "ib700"}),
    ("device-list-properties", {"typename": "e1000"}),
)
#: Device types whose ``device_add TYPE,help`` text is kept in full.
HELP_SAMPLE = ("ib700", "e1000", "usb-mouse", "virtio-net-pci", "isa-serial", "qemu64-x86_64-cpu",
               "cpu-cluster", "pc-dimm", "ide-hd", "nvme", "sga", "AC97")  # fmt: skip


class Qmp:
    """A synchronous QMP client: one request at a time, events dropped."""

    def __init__(self, path: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX)
        for _ in range(200):
            try:
                self.sock.connect(path)
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("QEMU did not listen")
        self.buf = b""
        self.greeting = self._message()
        self.execute("qmp_capabilities")

    def _message(self) -> dict[str, Any]:
        while True:
            while b"\n" not in self.buf:
                chunk = self.sock.recv(1 << 20)
                if not chunk:
                    raise RuntimeError("QEMU closed the monitor")
                self.buf += chunk
            line, self.buf = self.buf.split(b"\n", 1)
            message = json.loads(line)
            if "event" not in message:
                assert isinstance(message, dict)
                return message

    def execute(self, name: str, **arguments: Any) -> dict[str, Any]:
        request: dict[str, Any] = {"execute": name}
        if arguments:
            request["arguments"] = arguments
        self.sock.sendall(json.dumps(request).encode() + b"\n")
        return self._message()

    def value(self, name: str, **arguments: Any) -> Any:
        reply = self.execute(name, **arguments)
        if "return" not in reply:
            raise RuntimeError(f"{name} {arguments}: {reply}")
        return reply["return"]

    def hmp(self, line: str) -> str:
        text: str = self.value("human-monitor-command", **{"command-line": line})
        return text


def outcome(reply: dict[str, Any]) -> Any:
    """A reply as stored: its value, or ``{"error": [class, desc]}``."""
    if "return" in reply:
        return reply["return"]
    return {"error": [reply["error"]["class"], reply["error"]["desc"]]}


@contextmanager
def qemu(binary: str, *args: str) -> Iterator[Qmp]:
    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/qmp.sock"
        proc = subprocess.Popen(
            [binary, *BASE_ARGS, *args, "-qmp", f"unix:{path},server=on,wait=off"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )
        try:
            conn = Qmp(path)
            yield conn
            conn.execute("quit")
            proc.wait(20)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def write_gz(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(value, separators=(",", ":"), sort_keys=False).encode()
    # mtime 0: re-recording the same facts gives the same bytes.
    path.write_bytes(gzip.compress(data, 9, mtime=0))


def record_machines(binary: str) -> None:
    with qemu(binary, "-M", "none", "-nodefaults") as conn:
        machines = conn.value("query-machines")
        version = conn.greeting["QMP"]["version"]
    helped = subprocess.run(
        [binary, "-machine", "help"], capture_output=True, text=True, check=True
    ).stdout
    unknown = subprocess.run(
        [binary, *BASE_ARGS, "-machine", "no-such-machine"], capture_output=True, text=True
    )
    # What starting a deprecated machine type warns (QEMU tells why).
    deprecation = {}
    for info in machines:
        if info["deprecated"]:
            started = subprocess.run(
                [binary, "-machine", info["name"], "-display", "none", "-nodefaults", "-S",
                 "-qmp", "stdio"],
                input='{"execute": "qmp_capabilities"}\n{"execute": "quit"}\n',
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            deprecation[info["name"]] = started.stderr
    # What -machine TYPE,help lists for each machine type.
    options_help = {
        info["name"]: subprocess.run(
            [binary, "-machine", f"{info['name']},help"], capture_output=True, text=True
        ).stdout
        for info in machines
    }
    out = {
        "qemu": version,
        "machines": machines,
        "help": helped,
        "options_help": options_help,
        "unknown": {"status": unknown.returncode, "stderr": unknown.stderr},
        "deprecation": deprecation,
    }
    DATA.mkdir(parents=True, exist_ok=True)
    (DATA / "machines.json").write_text(json.dumps(out, indent=1) + "\n")


class Restarting:
    """A QEMU that is started again when a request kills it (the request is noted)."""

    def __init__(self, binary: str, *args: str) -> None:
        self.binary, self.args = binary, args
        self.proc: subprocess.Popen[bytes] | None = None
        self.conn: Qmp | None = None
        self.tmp = tempfile.TemporaryDirectory()
        self.died: list[str] = []

    def connection(self) -> Qmp:
        if self.conn is None:
            path = f"{self.tmp.name}/qmp.sock"
            if os.path.exists(path):
                os.unlink(path)
            self.proc = subprocess.Popen(
                [self.binary, *BASE_ARGS, *self.args, "-qmp", f"unix:{path},server=on,wait=off"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            self.conn = Qmp(path)
        return self.conn

    def execute(self, name: str, **arguments: Any) -> dict[str, Any] | None:
        """The reply, or None when the request made QEMU die."""
        try:
            return self.connection().execute(name, **arguments)
        except (OSError, RuntimeError):
            self.died.append(f"{name} {arguments}")
            self.close()
            return None

    def close(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
        self.proc = self.conn = None


def record_types(binary: str) -> None:
    with qemu(binary, "-M", "none", "-nodefaults") as conn:
        names = [t["name"] for t in conn.value("qom-list-types", abstract=True)]
    # Before anything loads QEMU's modules, their types are unknown (a
    # fresh QEMU for each type, as asking may make it die).
    probe = Restarting(binary, "-M", "none", "-nodefaults")
    module = []
    for name in names:
        reply = probe.execute("qom-list-properties", typename=name)
        if reply is not None and reply.get("error", {}).get("class") == "DeviceNotFound":
            module.append(name)
    probe.close()
    dying = Restarting(binary, "-M", "none", "-nodefaults")
    with qemu(binary, "-M", "none", "-nodefaults") as conn:
        everything = conn.value("qom-list-types", abstract=True)
        assert [t["name"] for t in everything] == names
        types = [[t["name"], t.get("parent"), t.get("abstract", False)] for t in everything]
        parents = {t[0]: t[1] for t in types}

        def ancestors(name: str | None) -> Iterator[str]:
            while name is not None:
                yield name
                name = parents[name]

        interfaces = {}
        for name, _, _ in types:
            # A type whose interfaces include several of those asked for is
            # not listed (object_class_dynamic_cast finds the cast
            # ambiguous): the lists are QEMU's, not derived.
            if "interface" in ancestors(name):
                implementing = conn.value("qom-list-types", implements=name, abstract=True)
                interfaces[name] = [t["name"] for t in implementing]
        lists: list[Any] = []
        index: dict[str, int] = {}

        def intern(value: Any) -> int:
            key = json.dumps(value, sort_keys=True)
            if key not in index:
                index[key] = len(lists)
                lists.append(value)
            return index[key]

        queries = [
            {"request": [name, args], "reply": outcome(conn.execute(name, **args))}
            for name, args in TYPE_QUERIES
        ]
        # HMP ends its lines with CR LF; -device help prints LF.
        device_help = conn.hmp("device_add help").replace("\r\n", "\n")
        devices = [t["name"] for t in conn.value("qom-list-types", implements="device")]
        helps = {name: conn.hmp(f"device_add {name.replace(',', ',,')},help") for name in devices}
        device_properties = {
            name: intern(outcome(conn.execute("device-list-properties", typename=name)))
            for name in devices
        }
    # qom-list-properties makes an object of a concrete type: for some
    # types that kills QEMU (noted as "died"), so in a QEMU of its own.
    properties = {}
    for name in names:
        if dying.conn is None:
            dying.execute("qom-list-types")  # modules loaded, as after the other queries
        reply = dying.execute("qom-list-properties", typename=name)
        properties[name] = intern("died" if reply is None else outcome(reply))
    dying.close()
    print("died:", dying.died, file=sys.stderr)
    write_gz(
        DATA / "qom_types.json.gz",
        {
            "types": types,
            "module": module,
            "interfaces": interfaces,
            # Each list as JSON text: a machine parses only those it is asked for.
            "lists": [json.dumps(value, separators=(",", ":")) for value in lists],
            "properties": properties,
            "device_properties": device_properties,
            "device_help": device_help,
        },
    )
    # The texts of a few types in full, a digest of every one.
    sample = {name: helps[name] for name in HELP_SAMPLE if name in helps}
    digests = {name: hashlib.sha256(text.encode()).hexdigest() for name, text in helps.items()}
    GOLDEN.mkdir(parents=True, exist_ok=True)
    (GOLDEN / "type_queries.json").write_text(json.dumps(queries, indent=1) + "\n")
    (GOLDEN / "device_help.json").write_text(
        json.dumps({"texts": sample, "sha256": digests}, indent=1, sort_keys=True) + "\n"
    )


def walk(conn: Qmp, path: str) -> dict[str, Any]:
    """The object at ``path``: its type, listing, values and children."""
    listing = conn.value("qom-list", path=path)
    values: dict[str, Any] = {}
    children: dict[str, Any] = {}
    for entry in listing:
        name, typ = entry["name"], entry["type"]
        if typ.startswith("child<"):
            children[name] = walk(conn, f"{path}/{name}")
        else:
            values[name] = outcome(conn.execute("qom-get", path=path, property=name))
    return {"listing": [[e["name"], e["type"]] for e in listing], "values": values,
            "children": children}  # fmt: skip


def volatile(a: dict[str, Any], b: dict[str, Any], path: str, out: list[str]) -> None:
    for name, value in a["values"].items():
        if b["values"].get(name) != value:
            out.append(f"{path}:{name}")
    for name, child in a["children"].items():
        if name in b["children"]:
            volatile(child, b["children"][name], f"{path}/{name}", out)


def dedupe(tree: dict[str, Any], nodes: list[Any], index: dict[str, int]) -> int:
    """Store ``tree`` as a node (children by node number); its number."""
    node = {
        "listing": tree["listing"],
        "values": tree["values"],
        "children": {name: dedupe(child, nodes, index) for name, child in tree["children"].items()},
    }
    key = json.dumps(node, sort_keys=True)
    if key not in index:
        index[key] = len(nodes)
        nodes.append(node)
    return index[key]


def record_tree(binary: str, machine: str, nodefaults: bool) -> None:
    runs = []
    extra = ("-nodefaults",) if nodefaults else ()
    for _ in range(2):
        with qemu(binary, "-machine", machine, *extra) as conn:
            runs.append(walk(conn, "/machine"))
        time.sleep(1.1)
    changing: list[str] = []
    volatile(runs[0], runs[1], "/machine", changing)
    for where in changing:
        # Not kept: the machine computes them (and the files stay the same
        # from one recording to the next).
        path, _, name = where.rpartition(":")
        node = runs[0]
        for part in path.split("/")[2:]:
            node = node["children"][part]
        node["values"][name] = None
    nodes: list[Any] = []
    root = dedupe(runs[0], nodes, {})
    suffix = ".nodefaults" if nodefaults else ""
    write_gz(
        DATA / "qom_trees" / f"{machine}{suffix}.json.gz",
        {"machine": machine, "nodefaults": nodefaults, "root": root, "nodes": nodes,
         "volatile": changing},
    )  # fmt: skip
    print(f"{machine}: {len(nodes)} objects, volatile {changing}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--qemu", default="qemu-system-x86_64")
    parser.add_argument("what", nargs="*", default=["machines", "types", "trees"])
    parser.add_argument("--machine", action="append", help="trees: only these machine types")
    parser.add_argument("--nodefaults", action="store_true", help="trees: with -nodefaults")
    opts = parser.parse_args()
    if "QEMU_MODULE_DIR" not in os.environ:
        print("note: QEMU_MODULE_DIR is not set", file=sys.stderr)
    if "machines" in opts.what:
        record_machines(opts.qemu)
    if "types" in opts.what:
        record_types(opts.qemu)
    if "trees" in opts.what:
        machines = opts.machine
        if not machines:
            recorded = json.loads((DATA / "machines.json").read_text())
            machines = [m["name"] for m in recorded["machines"]]
        for machine in machines:
            record_tree(opts.qemu, machine, opts.nodefaults)
    return 0


if __name__ == "__main__":
    sys.exit(main())
