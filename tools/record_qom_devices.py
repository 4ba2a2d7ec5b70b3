#!/usr/bin/env python3
"""Record the QOM of every device a PC can be given, as QEMU 7.2 shows it.

For each case of :mod:`qmonitor_testsupport.qom_device_cases` (every
device type of the null machine's device tables, on ``-M pc`` and ``-M
q35``, made by ``-device`` and for a few by ``device_add``), QEMU is
started twice (``-display none -accel qtest -nodefaults``) and
``/machine/peripheral/dev`` is walked: ``qom-list`` of it and of every
object below it (children of children, to the end: the tree of one device
is small), and ``qom-get`` of every property that is not a child (its
error when it fails).  Values that differ between the two runs vary with
the host or the time; they are stored as null and listed in the case's
``volatile`` (none did with QEMU 7.2.0 on Debian: the recording says so).
Then ``qom-set`` of a few properties of a realized device (``SETS``):
QEMU's error for each; and the trees of devices on buses of user devices,
anonymous ones among them (``WALKS``).  The result goes to
``tests/golden/qom/devices.json``, replayed by
tests/machine/test_qom_devices_golden.py.  Debian's QEMU ships no qtest
accelerator: run this with ``QEMU_MODULE_DIR`` naming the modules of the
qtest build (``~/.cache/qmonitor-qtest/modules``, made by
tools/qtest_suite.py).

From the same recording, what the device model cannot derive from the
property lists it already ships (``qom-list-properties`` of each type, in
``data/qom_types.json.gz``) goes to ``machine/data/device_qom.json``, per
type (the ``-M pc`` case; ``-M q35`` only where its objects differ):

* ``class``: how many entries of the realized instance's ``qom-list`` are
  the type's ``qom-list-properties`` as recorded (its class properties and
  those of its parents, in QEMU's order);
* ``instance``: the rest of the listing, as QEMU orders it once realized
  (its instance properties and the children realize made: memory regions,
  buses, the virtio back-end), the device's buses named ``{bus:N}``
  (``bus_names``: the names QEMU gave them, after the id ``dev``);
* ``values``: the recorded value of each of the device's own properties
  that ``info qtree`` does not print (``data/pc_devices.json``) and that
  ``device-list-properties`` gives no default for or another default than
  the realized device reads, and ``hotpluggable``;
* ``objects``: the children that are neither buses nor the virtio
  back-end (memory regions, an ``esp`` or ``serial`` core ...), as
  recorded, paths below the device written ``{path}``;
* ``buses``: each bus's type and listing and values without the links to
  the devices on it (``child[N]``), which follow the bus's devices.

The virtio back-ends get a shape of their own, from their proxy's case;
a virtio proxy behind a Q35's PCIe root port one as ``TYPE@port``.

Usage::

    python tools/record_qom_devices.py [--qemu PATH] [--out PATH] [--type NAME]...
    python tools/record_qom_devices.py --shapes-only    # from the recording kept
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from record_qom import qemu, volatile, walk

from qmonitor_testsupport import qom_device_cases as cases
from qmonitor_testsupport.recording import qemu_version, recorder_parser, write_cases

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "golden" / "qom" / "devices.json"
SHAPES = ROOT / "src" / "qmonitor" / "machine" / "data" / "device_qom.json"
PATH = "/machine/peripheral/dev"
#: The names QEMU gives the buses of a device whose id is ``dev``.
#: The values the model computes for every device (its place, its state).
_COMPUTED = ("type", "parent_bus", "realized", "hotplugged", "addr", "legacy-addr")
_BUS_NAME = re.compile(r"dev(?:\.(\d+))?\Z")


def record_run(binary: str, args: tuple[str, ...], add: dict[str, str] | None) -> Any:
    """One run: the device's tree, or QEMU's error text when it refused the device."""
    try:
        with qemu(binary, *args) as conn:
            if add is not None:
                reply = conn.execute("device_add", **add)
                if "error" in reply:
                    return {"refused": reply["error"]["desc"]}
            return walk(conn, PATH)
    except (RuntimeError, OSError) as exc:
        return {"refused": str(exc)}


def record_case(
    binary: str, name: str, args: tuple[str, ...], add: dict[str, str] | None
) -> dict[str, Any]:
    runs = [record_run(binary, args, add) for _ in range(2)]
    case: dict[str, Any] = {"name": name, "args": list(args), "device_add": add}
    if "refused" in runs[0]:
        case["refused"] = runs[0]["refused"]
        return case
    changing: list[str] = []
    volatile(runs[0], runs[1], PATH, changing)
    for where in changing:
        path, _, prop = where.rpartition(":")
        node = runs[0]
        for part in path[len(PATH) :].split("/")[1:]:
            node = node["children"][part]
        node["values"][prop] = None
    case["volatile"] = changing
    case["tree"] = runs[0]
    return case


def _relocated(value: Any, buses: dict[str, str], path: str) -> Any:
    """``value`` with the device's path written ``{path}`` and its buses ``{bus:N}``."""
    if isinstance(value, dict):
        return {k: _relocated(v, buses, path) for k, v in value.items()}
    if isinstance(value, list):
        return [_relocated(v, buses, path) for v in value]
    if isinstance(value, str) and (value == path or value.startswith(path + "/")):
        parts = value[len(path) :].split("/")
        return "/".join(["{path}", *(buses.get(p, p) for p in parts[1:])])
    return value


def _subtree(node: dict[str, Any], buses: dict[str, str], path: str) -> dict[str, Any]:
    return {
        "listing": node["listing"],
        "values": _relocated(node["values"], buses, path),
        "children": {n: _subtree(c, buses, path) for n, c in node["children"].items()},
    }


#: A property device-list-properties gives no default for.
_NO_DEFAULT = object()


def shape(node: dict[str, Any], path: str) -> dict[str, Any]:
    """What the model needs of one recorded device (see the module docstring)."""
    from qmonitor.machine.devices.facts import facts, known_types
    from qmonitor.machine.qom_types import type_table

    table = type_table()
    typename = node["values"]["type"]
    unrealized = [[p["name"], p["type"]] for p in table.recorded_properties(typename)]
    listing = node["listing"]
    count = 0
    while count < min(len(listing), len(unrealized)) and listing[count] == unrealized[count]:
        count += 1
    buses: dict[str, str] = {}
    for name, typ in listing:
        match = _BUS_NAME.match(name)
        if typ.startswith("child<") and match is not None:
            buses[name] = f"{{bus:{match.group(1) or 0}}}"
    printed = {n for n, _ in facts(typename).props} if typename in known_types() else set()
    defaults = {
        p["name"]: p["default-value"]
        for p in table.device_properties(typename)
        if "default-value" in p
    }
    values = {}
    for name, _ in listing:
        if name not in node["values"] or name in _COMPUTED:
            continue
        # A realized device may read otherwise than its default (nec-usb-xhci's streams).
        default = defaults.get(name, _NO_DEFAULT)
        if name == "hotpluggable" or (name not in printed and default != node["values"][name]):
            values[name] = _relocated(node["values"][name], buses, path)
    out: dict[str, Any] = {
        "class": count,
        "instance": [[buses.get(n, n), t] for n, t in listing[count:]],
        "values": values,
        "objects": {},
        "buses": {},
        "bus_names": {placeholder: name for name, placeholder in buses.items()},
    }
    for name, child in node["children"].items():
        if name in buses:
            bus = _subtree(child, buses, path)
            bus["listing"] = [e for e in bus["listing"] if not e[0].startswith("child[")]
            for key in [k for k in bus["values"] if k.startswith("child[")]:
                del bus["values"][key]
            out["buses"][buses[name]] = bus
        elif name != "virtio-backend":
            out["objects"][name] = _subtree(child, buses, path)
    return out


def shapes(recorded: list[dict[str, Any]]) -> dict[str, Any]:
    """The shape of every type recorded by ``-device`` (see the module docstring)."""
    out: dict[str, Any] = {}
    for machine in cases.MACHINES:
        for case in recorded:
            if "tree" not in case or case["device_add"] is not None:
                continue
            port = case["name"].startswith("q35-port-")
            if not case["name"].startswith(machine + "-") or (port and machine == "pc"):
                continue
            tree = case["tree"]
            found = [(tree, PATH)]
            backend = tree["children"].get("virtio-backend")
            if backend is not None:
                found.append((backend, PATH + "/virtio-backend"))
            if port:  # the proxy's own shape there: its device's is the same
                out[tree["values"]["type"] + cases.BEHIND_PORT] = shape(tree, PATH)
                continue
            for node, path in found:
                typename = node["values"]["type"]
                made = shape(node, path)
                if machine == "pc":
                    out[typename] = made
                elif made != out[typename]:
                    pc = out[typename]
                    out[typename]["q35"] = {
                        key: made[key] for key in ("values", "objects", "buses")
                        if made[key] != pc[key]
                    }  # fmt: skip
    return out


def write_shapes(version: str, recorded: list[dict[str, Any]]) -> None:
    types = shapes(recorded)
    SHAPES.write_text(
        json.dumps({"version": version, "types": types}, separators=(",", ":"), sort_keys=True)
        + "\n"
    )
    print(f"{len(types)} device shapes written to {SHAPES}")


def record_sets(binary: str) -> list[dict[str, Any]]:
    """QEMU's answer to each ``qom-set`` of :data:`qom_device_cases.SETS`."""
    out = []
    for args, path, prop, value in cases.SETS:
        with qemu(binary, *args) as conn:
            reply = conn.execute("qom-set", path=path, property=prop, value=value)
        out.append({"args": list(args), "path": path, "property": prop, "value": value,
                    "reply": reply})  # fmt: skip
    return out


def record_walks(binary: str) -> list[dict[str, Any]]:
    """The trees of :data:`qom_device_cases.WALKS` (each recorded twice, as the cases)."""
    out = []
    for name, args, paths in cases.WALKS:
        runs = []
        for _ in range(2):
            with qemu(binary, *args) as conn:
                runs.append({path: walk(conn, path) for path in paths})
        changing: list[str] = []
        for path in paths:
            volatile(runs[0][path], runs[1][path], path, changing)
        out.append({"name": name, "args": list(args), "trees": runs[0], "volatile": changing})
    return out


def main() -> int:
    parser = recorder_parser(__doc__, OUT)
    parser.add_argument("--type", action="append", help="record only these types")
    parser.add_argument("--shapes-only", action="store_true", help="only write the shapes")
    opts = parser.parse_args()
    if opts.shapes_only:
        kept = json.loads(opts.out.read_text())
        write_shapes(kept["version"], kept["cases"])
        return 0
    types = opts.type or cases.device_types()
    out = []
    for machine in cases.MACHINES:
        for typename in types:
            name = f"{machine}-{typename}"
            case = record_case(opts.qemu, name, cases.command_line(machine, typename), None)
            print(name, case.get("refused", "ok"), file=sys.stderr)
            out.append(case)
            if typename in cases.HOTPLUGGED and machine == "pc":
                args, add = cases.hotplug_case(machine, typename)
                out.append(record_case(opts.qemu, f"{name}-hotplugged", args, add))
    for typename in types if opts.type is None else ():
        if typename in cases.port_types():
            name = f"q35-port-{typename}"
            out.append(record_case(opts.qemu, name, cases.port_command_line(typename), None))
    version = qemu_version(opts.qemu)
    write_cases(opts.out, version, out)
    if opts.type is None:
        document = json.loads(opts.out.read_text())
        document["sets"] = record_sets(opts.qemu)
        document["walks"] = record_walks(opts.qemu)
        opts.out.write_text(json.dumps(document, indent=1) + "\n")
    if opts.type is None:
        write_shapes(version, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
