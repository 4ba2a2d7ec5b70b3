"""The opt-in guest and memory: virtio-mem blocks, a DIMM's ACPI eject or refusal.

QEMU cannot be recorded doing these (its guest would have to run), so
the expectations come from QEMU 7.2's sources: hw/virtio/virtio-mem.c
(a plug beyond ``requested-size`` is refused; each change of ``size``
notifies; a system reset unplugs everything), hw/virtio/virtio-mem-pci.c
(MEMORY_DEVICE_SIZE_CHANGE with the proxy's id and QOM path),
hw/acpi/memory_hotplug.c (an eject unplugs the DIMM and unparents it,
whose finalization sends DEVICE_DELETED; an ``_OST`` write raises
ACPI_DEVICE_OST with the slot's state) and hw/mem/memory-device.c
(plugged memory is what a virtio-mem device has plugged).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

import pytest

from qmonitor.machine.guest_actions import register_guest
from qmonitor.machine.machine import Machine
from qmonitor.options.cmdline import parse_args
from qmonitor.qapi.error import QapiError
from qmonitor.system.startup import machine_options

MIB = 1 << 20
GIB = 1 << 30
T = TypeVar("T")
Events = list[tuple[str, Any]]

VMEM = (
    "-M", "pc", "-nodefaults", "-m", "512M,slots=2,maxmem=4G",
    "-object", "memory-backend-ram,id=b1,size=1G",
    "-object", "memory-backend-ram,id=b2,size=256M",
    "-device", "virtio-mem-pci,id=vm0,memdev=b1,requested-size=128M",
)  # fmt: skip


def _machine(*args: str) -> tuple[Machine, Events]:
    config = parse_args(["-display", "none", "-S", *args], "qemu-system-x86_64")
    machine = Machine(replace(machine_options(config), use_io_thread=False))
    register_guest(machine)
    events: Events = []
    machine.emit_event = lambda name, data=None: events.append((name, data))  # type: ignore[method-assign]
    return machine, events


def _call(machine: Machine, name: str, **arguments: Any) -> Any:
    cmd = machine.commands.full.find(name)
    assert cmd is not None, name
    return cmd.call(arguments)


def _cont(machine: Machine, events: Events) -> None:
    """The guest runs (only a running guest acts); RESUME is not what is tested."""
    _call(machine, "cont")
    events.clear()


def _error(machine: Machine, name: str, **arguments: Any) -> str:
    with pytest.raises(QapiError) as info:
        _call(machine, name, **arguments)
    return info.value.desc


def _run(body: Callable[[], T]) -> T:
    async def run() -> T:
        return body()

    return asyncio.run(run())


def _vmem_info(machine: Machine) -> dict[str, Any]:
    (dev,) = [d for d in _call(machine, "query-memory-devices") if d["type"] == "virtio-mem"]
    data: dict[str, Any] = dev["data"]
    return data


def test_guest_plugs_up_to_the_requested_size_and_each_change_is_told() -> None:
    def body() -> tuple[list[int], Events, Any]:
        machine, events = _machine(*VMEM)
        _cont(machine, events)
        sizes = [_vmem_info(machine)["size"]]
        _call(machine, "x-qmonitor-guest-virtio-mem", id="vm0")
        sizes.append(_vmem_info(machine)["size"])
        # The host asks for less: the guest unplugs down to it.
        _call(machine, "qom-set", path="/machine/peripheral/vm0", property="requested-size",
              value=64 * MIB)  # fmt: skip
        sizes.append(_vmem_info(machine)["size"])
        _call(machine, "x-qmonitor-guest-virtio-mem", id="/machine/peripheral/vm0")
        sizes.append(_vmem_info(machine)["size"])
        # Asking for what it has changes nothing, and raises nothing.
        _call(machine, "x-qmonitor-guest-virtio-mem", id="vm0")
        summary = _call(machine, "query-memory-size-summary")
        return sizes, events, summary

    sizes, events, summary = _run(body)
    assert sizes == [0, 128 * MIB, 128 * MIB, 64 * MIB]
    path = "/machine/peripheral/vm0"
    assert [e for e in events if e[0] == "MEMORY_DEVICE_SIZE_CHANGE"] == [
        ("MEMORY_DEVICE_SIZE_CHANGE", {"id": "vm0", "size": 128 * MIB, "qom-path": path}),
        ("MEMORY_DEVICE_SIZE_CHANGE", {"id": "vm0", "size": 64 * MIB, "qom-path": path}),
    ]
    assert summary == {"base-memory": 512 * MIB, "plugged-memory": 64 * MIB}


def test_a_plug_beyond_the_requested_size_is_refused_and_blocks_are_whole() -> None:
    def body() -> list[int]:
        machine, events = _machine(*VMEM)
        _cont(machine, events)
        out = []
        for size in (GIB, 3 * MIB, 0, 2 * GIB):
            _call(machine, "x-qmonitor-guest-virtio-mem", id="vm0", size=size)
            out.append(_vmem_info(machine)["size"])
        return out

    # More than requested: only up to it; 3 MiB: one 2 MiB block.
    assert _run(body) == [128 * MIB, 2 * MIB, 0, 128 * MIB]


def test_an_anonymous_device_is_told_by_its_path_only() -> None:
    def body() -> Events:
        machine, events = _machine(
            "-M", "q35", "-m", "1G,maxmem=2G", "-object", "memory-backend-ram,id=b,size=256M",
            "-device", "virtio-mem-pci,memdev=b,requested-size=32M",
        )  # fmt: skip
        _cont(machine, events)
        _call(machine, "x-qmonitor-guest-virtio-mem", id="/machine/peripheral-anon/device[0]")
        return events

    assert [e for e in _run(body) if e[0] == "MEMORY_DEVICE_SIZE_CHANGE"] == [
        (
            "MEMORY_DEVICE_SIZE_CHANGE",
            {"size": 32 * MIB, "qom-path": "/machine/peripheral-anon/device[0]"},
        )
    ]


def test_a_system_reset_unplugs_every_block_before_reset_is_told() -> None:
    def body() -> tuple[Events, int]:
        machine, events = _machine(*VMEM)
        _cont(machine, events)
        _call(machine, "x-qmonitor-guest-virtio-mem", id="vm0")
        events.clear()
        _call(machine, "system_reset")
        _call(machine, "system_reset")  # nothing plugged: no size change
        return events, _vmem_info(machine)["size"]

    events, size = _run(body)
    assert size == 0
    assert [e[0] for e in events] == ["MEMORY_DEVICE_SIZE_CHANGE", "RESET", "RESET"]
    assert events[0][1]["size"] == 0


def test_the_guest_acts_only_on_virtio_mem_devices_and_while_running() -> None:
    def body() -> list[str]:
        machine, events = _machine(*VMEM, "-device", "e1000,id=nic")
        stopped = _error(machine, "x-qmonitor-guest-virtio-mem", id="vm0")
        _cont(machine, events)
        return [
            stopped,
            _error(machine, "x-qmonitor-guest-virtio-mem", id="nic"),
            _error(machine, "x-qmonitor-guest-virtio-mem", id="nope"),
        ]

    assert _run(body) == [
        "qmonitor: the guest is not running (the VM is prelaunch)",
        "qmonitor: 'nic' is no virtio-mem device",
        "Device 'nope' not found",
    ]


DIMMS = (
    "-M", "pc", "-nodefaults", "-m", "128M,slots=2,maxmem=1G",
    "-object", "memory-backend-ram,id=m0,size=128M",
    "-object", "memory-backend-ram,id=m1,size=128M",
    "-device", "pc-dimm,id=d0,memdev=m0,slot=1",
)  # fmt: skip


def test_the_guest_ejects_a_dimm_it_was_asked_to_unplug() -> None:
    def body() -> tuple[Events, Any, Any, Any]:
        machine, events = _machine(*DIMMS)
        _cont(machine, events)
        _call(machine, "device_del", id="d0")
        _call(machine, "x-qmonitor-guest-unplug", id="d0")
        devices = _call(machine, "query-memory-devices")
        # The backend and the slot are free again: a new DIMM may take both.
        _call(machine, "device_add", driver="pc-dimm", id="d1", memdev="m0", slot="1")
        listing = [c["name"] for c in _call(machine, "qom-list", path="/machine/peripheral")]
        return events, devices, _call(machine, "query-memory-devices"), listing

    events, before, after, listing = _run(body)
    assert events == [("DEVICE_DELETED", {"device": "d0", "path": "/machine/peripheral/d0"})]
    assert before == []
    assert [(d["data"]["id"], d["data"]["slot"]) for d in after] == [("d1", 1)]
    assert "d0" not in listing and "d1" in listing


def test_a_guest_that_cannot_offline_the_memory_reports_it_through_ost() -> None:
    def body() -> tuple[Events, Any, str, str]:
        machine, events = _machine(*DIMMS)
        _cont(machine, events)
        not_asked = _error(machine, "x-qmonitor-guest-unplug", id="d0", accept=False)
        _call(machine, "device_del", id="d0")
        _call(machine, "x-qmonitor-guest-unplug", id="d0", accept=False)
        lapsed = _error(machine, "x-qmonitor-guest-unplug", id="d0", accept=False)
        return events, _call(machine, "query-acpi-ospm-status"), not_asked, lapsed

    events, ospm, not_asked, lapsed = _run(body)
    info = {"device": "d0", "slot": "1", "slot-type": "DIMM", "source": 3, "status": 0x82}
    assert events == [("ACPI_DEVICE_OST", {"info": info})]
    assert ospm == [
        {"slot": "0", "slot-type": "DIMM", "source": 0, "status": 0},
        info,
    ]
    assert not_asked == lapsed == "qmonitor: no unplug of 'd0' is pending"


def test_virtio_mem_cannot_be_unplugged_even_by_the_guest() -> None:
    def body() -> tuple[str, Events]:
        machine, events = _machine(*VMEM)
        _cont(machine, events)
        return _error(machine, "device_del", id="vm0"), events

    assert _run(body) == ("virtio based memory devices cannot be unplugged.", [])


def test_a_guest_that_ejects_a_virtio_mem_slot_anyway_frees_its_backend() -> None:
    # hw/acpi/pcihp.c ejects whatever is in the slot, request or not; the
    # machine's unplug handler for virtio-mem does nothing, the device
    # unrealizes (its backend unmapped) and leaves the QOM tree.
    def body() -> tuple[Events, Any, Any]:
        machine, events = _machine(*VMEM)
        _cont(machine, events)
        _call(machine, "x-qmonitor-guest-unplug", id="vm0")
        return events, _call(machine, "query-memory-devices"), _call(machine, "object-del", id="b1")

    events, devices, deleted = _run(body)
    assert events == [
        ("DEVICE_DELETED", {"path": "/machine/peripheral/vm0/virtio-backend"}),
        ("DEVICE_DELETED", {"device": "vm0", "path": "/machine/peripheral/vm0"}),
    ]
    assert devices == [] and deleted is None
