"""The machine-state queries, object-add, object-del and qom-set, without sockets.

Each command is called as the dispatcher calls it (its arguments visited
against the schema first); the texts expected are QEMU 7.2's, as
recorded in tests/golden/qmp/queries.json (which replays them byte for
byte against a qmonitor process).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from qmonitor.machine.guest import GuestConfig
from qmonitor.machine.machine import Machine, MachineOptions
from qmonitor.machine.queries_machine import JIT_IDLE, ramblock_text
from qmonitor.options.cmdline import parse_args
from qmonitor.qapi.error import QapiError

MIB = 1 << 20


def on_machine(options: MachineOptions, body: Callable[[Callable[..., Any]], None]) -> None:
    """Run ``body(call)`` where ``call(name, **args)`` runs a command of a fresh machine."""

    async def main() -> None:
        machine = Machine(options)
        commands = {c.name: c for c in machine.commands.full}

        def call(command: str, **args: Any) -> Any:
            return commands[command].call({k.replace("_", "-"): v for k, v in args.items()})

        body(call)

    asyncio.run(main())


def error(call: Callable[..., Any], command: str, **args: Any) -> str:
    with pytest.raises(QapiError) as info:
        call(command, **args)
    return info.value.desc


NONE = MachineOptions(use_io_thread=False, guest=GuestConfig(ram_size=0))


def test_the_none_machine_has_no_ram_unless_asked() -> None:
    assert parse_args(["-M", "none"], "qemu-system-x86_64").guest.ram_size == 0
    assert parse_args(["-M", "none", "-m", "256"], "qemu-system-x86_64").guest.ram_size == 256 * MIB
    assert parse_args(["-M", "pc"], "qemu-system-x86_64").guest.ram_size == 128 * MIB


def test_ramblock_table_is_qemus() -> None:
    header = f"{'Block Name':>24} {'PSize':>8}  {'Offset':>18} {'Used':>18} {'Total':>18}\n"
    assert header.startswith("              Block Name    PSize              Offset ")
    assert ramblock_text([]) == header
    row = "0x0000000000000000 0x0000000010000000 0x0000000010000000\n"
    assert ramblock_text([("ram", 256 * MIB)]) == header + " " * 21 + "ram    4 KiB  " + row


def test_none_machine_answers() -> None:
    def body(call: Callable[..., Any]) -> None:
        assert call("query-memory-size-summary") == {"base-memory": 0, "plugged-memory": 0}
        assert call("x-query-ramblock")["human-readable-text"].count("\n") == 1
        assert call("query-current-machine") == {"wakeup-suspend-support": False}
        assert call("query-mice") == []
        assert call("x-query-jit") == {"human-readable-text": JIT_IDLE}
        assert call("x-query-opcount") == {"human-readable-text": "[TCG profiler not compiled]\n"}
        assert error(call, "query-acpi-ospm-status") == (
            "command is not supported, missing ACPI device"
        )
        assert error(call, "query-vm-generation-id") == "VM Generation ID device not found"
        assert error(call, "x-query-usb") == "USB support not enabled"
        assert error(call, "x-query-profile") == "Internal profiler not compiled"
        assert call("x-debug-query-block-graph") == {"nodes": [], "edges": []}
        assert call("query-display-options") == {"type": "none"}
        assert error(call, "query-rx-filter", name="n0") == "invalid net client name: n0"
        assert call("query-pr-managers") == []

    on_machine(NONE, body)


def test_qtest_has_no_jit() -> None:
    def body(call: Callable[..., Any]) -> None:
        assert error(call, "x-query-jit") == "JIT information is only available with accel=tcg"
        assert error(call, "x-query-opcount") == (
            "Opcode count information is only available with accel=tcg"
        )

    on_machine(MachineOptions(use_io_thread=False, accel="qtest"), body)


def test_memory_and_pc_answers() -> None:
    def none_256(call: Callable[..., Any]) -> None:
        assert call("query-memory-size-summary")["base-memory"] == 256 * MIB
        assert "     ram    4 KiB" in call("x-query-ramblock")["human-readable-text"]

    on_machine(MachineOptions(use_io_thread=False, guest=GuestConfig(ram_size=256 * MIB)), none_256)

    def pc(call: Callable[..., Any]) -> None:
        assert call("query-current-machine") == {"wakeup-suspend-support": True}
        assert call("query-acpi-ospm-status") == []
        assert call("query-mice") == [
            {"name": "QEMU PS/2 Mouse", "index": 2, "current": True, "absolute": False}
        ]

    guest = GuestConfig(machine_typename="pc-i440fx-7.2")
    on_machine(
        MachineOptions(use_io_thread=False, machine_type="pc", accel="qtest", guest=guest), pc
    )


def test_object_add_failure_modes() -> None:
    """qmp-cmd-test's sequence, with QEMU's texts."""

    def body(call: Callable[..., Any]) -> None:
        ram = {"qom_type": "memory-backend-ram", "id": "ram1"}
        assert error(call, "object-add", **ram) == "Parameter 'size' is missing"
        assert error(call, "object-add", id="ram1") == "Parameter 'qom-type' is missing"
        assert error(call, "object-del", id="ram1") == "object 'ram1' not found"
        call("object-add", **ram, size=MIB)
        assert error(call, "object-add", **ram, size=MIB) == (
            "attempt to add duplicate property 'ram1' to object (type 'container')"
        )
        call("object-del", id="ram1")
        assert error(call, "object-add", **ram, size="1048576") == (
            "Parameter 'size' expects uint64"
        )
        assert error(call, "object-add", qom_type="memory-backend-ram", size=MIB) == (
            "Parameter 'id' is missing"
        )
        assert error(call, "object-add", **ram, sized=MIB) == "Parameter 'size' is missing"
        call("object-add", **ram, size=MIB)
        assert error(call, "object-del", ida="ram1") == "Parameter 'id' is missing"
        call("object-del", id="ram1")
        assert error(call, "object-del", id="ram1") == "object 'ram1' not found"

    on_machine(NONE, body)


def test_object_add_checks_and_properties() -> None:
    def body(call: Callable[..., Any]) -> None:
        ram = {"qom_type": "memory-backend-ram"}
        assert error(call, "object-add", **ram, id="z", size=0) == (
            "property 'size' of memory-backend-ram doesn't take value '0'"
        )
        assert error(call, "object-add", **ram, id="a b", size=1) == (
            "Parameter 'id' expects an identifier"
        )
        assert error(call, "object-add", qom_type="secret", id="s") == (
            "Either 'file' or 'data' must be provided"
        )
        call("object-add", **ram, id="r", size=MIB, merge=False)
        listing = call("qom-list", path="/objects/r")
        assert [p["name"] for p in listing][:3] == ["type", "share", "size"]
        assert listing[-1] == {"name": "r[0]", "type": "child<memory-region>"}
        assert call("qom-get", path="/objects/r", property="merge") is False
        assert call("qom-get", path="/objects/r", property="reserve") is True
        set_ = {"path": "/objects/r"}
        assert error(call, "qom-set", **set_, property="size", value=True) == (
            "cannot change property size of memory-backend-ram "
        )
        assert error(call, "qom-set", **set_, property="share", value=1) == (
            "Invalid parameter type for 'share', expected: boolean"
        )
        assert error(call, "qom-set", **set_, property="share", value=True) == (
            "cannot change property value"
        )
        assert error(call, "qom-set", **set_, property="type", value=True) == (
            "Property 'memory-backend-ram.type' is not writable"
        )
        assert error(call, "qom-set", **set_, property="r[0]", value=True) == (
            "Property 'memory-backend-ram.r[0]' is not writable"
        )
        assert error(call, "qom-set", **set_, property="nope", value=True) == (
            "Property 'memory-backend-ram.nope' not found"
        )
        assert error(call, "qom-set", **set_, property="prealloc-threads", value=True) == (
            "Parameter 'prealloc-threads' expects uint64"
        )
        call("qom-set", **set_, property="dump", value=False)
        assert call("qom-get", path="/objects/r", property="dump") is False
        call("qom-set", path="/machine", property="kernel", value="k")
        assert call("qom-get", path="/machine", property="kernel") == "k"
        assert error(call, "qom-set", path="/machine", property="kernel", value=1) == (
            "Invalid parameter type for 'kernel', expected: string"
        )
        assert error(call, "qom-set", path="/x", property="y", value=1) == ("Device '/x' not found")
        call("object-add", qom_type="pr-manager-helper", id="pr0", path="/run/pr.sock")
        assert call("query-pr-managers") == [{"id": "pr0", "connected": False}]

    on_machine(NONE, body)


def test_object_del_keeps_the_ram_a_pc_uses() -> None:
    def body(call: Callable[..., Any]) -> None:
        assert (
            error(call, "object-del", id="pc.ram")
            == "object 'pc.ram' is in use, can not be deleted"
        )

    guest = GuestConfig(machine_typename="pc-i440fx-7.2")
    on_machine(
        MachineOptions(use_io_thread=False, machine_type="pc", accel="qtest", guest=guest), body
    )
