"""``/machine`` built from QEMU 7.2's recording of each machine type, and the HMP QOM commands.

The recordings (src/qmonitor/machine/data/, tools/record_qom.py) are what
QEMU answered to ``qom-list`` and ``qom-get``; the tree must answer the same
for every object and property, adapted where the command line differs
from the recorded one.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import Any

import pytest

from qmonitor.machine.hmp_exec import run_hmp_command
from qmonitor.machine.machine import Machine
from qmonitor.machine.qom import QomTree
from qmonitor.machine.recorded import machines_record, tree_record
from qmonitor.options.cmdline import parse_args
from qmonitor.options.machines import machine_help_text
from qmonitor.qapi.error import QapiError
from qmonitor.system.startup import machine_options


def _machine(args: list[str]) -> Machine:
    config = parse_args(["-display", "none", *args], "qemu")
    options = machine_options(config, ((7, 2, 0), ""))
    return Machine(dataclasses.replace(options, use_io_thread=False))


def _with(args: list[str], body: Any) -> Any:
    async def run() -> Any:
        machine = _machine(args)
        try:
            return body(machine)
        finally:
            await machine.cleanup()

    return asyncio.run(run())


def _tree(args: list[str]) -> QomTree:
    from qmonitor.machine.qom_commands import machine_qom

    result: QomTree = _with(args, machine_qom)
    return result


def _compare(tree: QomTree, record: dict[str, Any], index: int, path: str) -> None:
    node = record["nodes"][index]
    assert tree.qom_list(path) == [{"name": n, "type": t} for n, t in node["listing"]], path
    for name, value in node["values"].items():
        if f"{path}:{name}" in record["volatile"]:
            continue
        if isinstance(value, dict) and set(value) == {"error"}:
            with pytest.raises(QapiError) as info:
                tree.qom_get(path, name)
            assert [info.value.error_class.value, info.value.desc] == value["error"]
        else:
            assert tree.qom_get(path, name) == value, f"{path} {name}"
    for name, child in node["children"].items():
        _compare(tree, record, child, f"{path}/{name}")


@pytest.mark.parametrize("machine", ["none", "pc-i440fx-7.2", "pc-q35-7.2", "isapc", "microvm",
                                     "x-remote"])  # fmt: skip
def test_the_tree_is_the_recorded_one(machine: str) -> None:
    record = tree_record(machine, False)
    assert record is not None
    _compare(_tree(["-M", machine]), record, record["root"], "/machine")


def test_an_alias_builds_its_machine_types_tree() -> None:
    tree = _tree(["-M", "q35"])
    assert tree.qom_get("/machine", "type") == "pc-q35-7.2-machine"


def test_nodefaults_builds_the_nodefaults_recording() -> None:
    record = tree_record("pc-i440fx-7.2", True)
    assert record is not None and record["nodefaults"]
    _compare(_tree(["-M", "pc", "-nodefaults"]), record, record["root"], "/machine")
    assert _tree(["-M", "pc"]).qom_get("/machine/unattached/device[8]", "type") == "VGA"


def test_the_rtc_date_follows_the_clock() -> None:
    tree = _tree(["-M", "pc"])
    tm = tree.qom_get("/machine", "rtc-time")
    now = time.gmtime()
    assert (tm["tm_year"] + 1900, tm["tm_mon"] + 1) == (now.tm_year, now.tm_mon)
    assert tree.qom_get("/machine/unattached/device[10]", "date")["tm_mday"] == now.tm_mday


def test_command_line_values_replace_the_recorded_ones() -> None:
    tree = _tree(["-M", "pc", "-m", "256", "-machine", "usb=on"])
    assert tree.qom_get("/machine", "memory") == {"size": 256 << 20}
    assert tree.qom_get("/machine", "usb") is True
    assert _tree(["-M", "none"]).qom_get("/machine", "memory") == {"size": 0}
    assert _tree(["-M", "none", "-m", "2"]).qom_get("/machine", "memory") == {"size": 2 << 20}


def test_more_vcpus_move_the_boards_devices_up() -> None:
    one = _tree(["-M", "pc"])
    two = _tree(["-M", "pc", "-smp", "2"])
    assert one.qom_get("/machine", "rtc_state") == "/machine/unattached/device[10]"
    assert two.qom_get("/machine", "rtc_state") == "/machine/unattached/device[11]"
    assert two.qom_get("/machine/unattached/device[11]", "type") == "mc146818rtc"
    assert two.qom_get("/machine/unattached/device[2]", "type") == "qemu64-x86_64-cpu"
    assert two.qom_get("/machine/unattached/device[1]", "type") == "kvmvapic"


def test_query_machines_and_machine_help_are_qemus() -> None:
    recorded = machines_record()
    assert machine_help_text() == recorded["help"]
    names = [m["name"] for m in recorded["machines"]]
    assert {"pc-i440fx-7.2", "pc-q35-7.2", "none", "x-remote", "isapc", "microvm"} <= set(names)


def _hmp(args: list[str], *lines: str) -> list[str]:
    def body(machine: Machine) -> list[str]:
        return [run_hmp_command(machine, line, None) for line in lines]

    result: list[str] = _with(args, body)
    return result


def test_hmp_qom_commands() -> None:
    out = _hmp(["-M", "none"], "qom-list", "qom-list /machine/peripheral",
               "qom-get /machine graphics", "qom-get /machine nope", "qom-list /nope")  # fmt: skip
    assert out[0] == "/\r\n"
    assert out[1] == "type (string)\r\n"
    assert out[2] == "true\r\n"
    assert out[3] == "Error: Property 'none-machine.nope' not found\r\n"
    assert out[4] == "Error: Device '/nope' not found\r\n"


def test_hmp_info_qom_tree_sorts_children_by_name() -> None:
    (text,) = _hmp(["-M", "none"], "info qom-tree")
    lines = text.split("\r\n")
    assert lines[0] == "/machine (none-machine)"
    assert lines[1] == "  /peripheral (container)"
    assert lines[2] == "  /peripheral-anon (container)"
    assert lines[3] == "  /unattached (container)"
    (missing,) = _hmp(["-M", "none"], "info qom-tree /nope")
    assert missing == "Path '/nope' could not be resolved.\r\n"


def test_hmp_device_add_help_and_errors() -> None:
    listing, options, unknown, bad, gone = _hmp(
        ["-M", "none"], "device_add help", "device_add ib700,help", "device_add nope,help",
        "device_add nope", "device_del nope",
    )  # fmt: skip
    assert listing.startswith("Controller/Bridge/Hub devices:\r\nname ")
    assert options == "There are no options for ib700.\r\n"
    assert unknown == "Device 'nope' not found\r\n"
    assert bad == "Error: 'nope' is not a valid device model name\r\n"
    assert gone == "Error: Device 'nope' not found\r\n"


def test_hmp_device_add_needs_the_devices_bus() -> None:
    none, pc = (_hmp(["-M", m], "device_add usb-mouse,id=mouse1")[0] for m in ("none", "pc"))
    assert none == "Error: No 'usb-bus' bus found for device 'usb-mouse'\r\n"
    assert pc == "Error: No 'usb-bus' bus found for device 'usb-mouse'\r\n"
    (ok,) = _hmp(["-M", "pc"], "device_add e1000")
    assert "No 'PCI' bus" not in ok


def test_microvm_has_no_cpu_hotplug() -> None:
    (microvm,) = _hmp(["-M", "microvm"], "info hotpluggable-cpus")
    assert microvm == "Error: The feature 'query-hotpluggable-cpus' is not enabled\r\n"
    (pc,) = _hmp(["-M", "pc"], "info hotpluggable-cpus")
    assert pc.startswith("Hotpluggable CPUs:")
