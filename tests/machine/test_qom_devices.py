"""A user's device in QOM: what a client changes and reads back, the buses' links.

What QEMU 7.2 answered to each single request is in the recording
(test_qom_devices_golden.py); these tests follow a value from one request
to the next, as QEMU 7.2 does (checked against it when written).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from qmonitor.machine.devices.qom_shapes import _rehash
from qmonitor.machine.machine import Machine
from qmonitor_testsupport.device_golden import reply, started_machine

BALLOON = ["-M", "pc", "-nodefaults", "-device", "virtio-balloon-pci,id=b"]
POLL = "guest-stats-polling-interval"


def _with(args: list[str], body: Callable[[Machine], Any]) -> Any:
    async def run() -> Any:
        machine = started_machine(args, [])
        try:
            return body(machine)
        finally:
            await machine.cleanup()

    return asyncio.run(run())


def _get(machine: Machine, path: str, prop: str) -> Any:
    return reply(machine, "qom-get", {"path": path, "property": prop})


def _set(machine: Machine, path: str, prop: str, value: Any) -> Any:
    return reply(machine, "qom-set", {"path": path, "property": prop, "value": value})


def test_the_balloon_polling_interval_is_read_back_through_both_paths() -> None:
    def body(machine: Machine) -> list[Any]:
        out = [_set(machine, "/machine/peripheral/b", POLL, 5)]
        out.append(_get(machine, "/machine/peripheral/b", POLL))
        out.append(_get(machine, "/machine/peripheral/b/virtio-backend", POLL))
        out.append(_set(machine, "/machine/peripheral/b/virtio-backend", POLL, 0))
        out.append(_get(machine, "/machine/peripheral/b", POLL))
        return out

    assert _with(BALLOON, body) == [
        {"return": {}}, {"return": 5}, {"return": 5}, {"return": {}}, {"return": 0}
    ]  # fmt: skip


def test_a_refused_interval_leaves_the_value() -> None:
    def body(machine: Machine) -> Any:
        _set(machine, "/machine/peripheral/b", POLL, 7)
        _set(machine, "/machine/peripheral/b", POLL, -3)
        return _get(machine, "/machine/peripheral/b", POLL)

    assert _with(BALLOON, body) == {"return": 7}


def test_a_hotplugged_device_is_listed_on_its_bus() -> None:
    args = ["-M", "pc", "-nodefaults", "-device", "virtio-scsi-pci,id=s",
            "-blockdev", "null-co,node-name=d0"]  # fmt: skip

    def body(machine: Machine) -> Any:
        added = reply(machine, "device_add", {"driver": "scsi-hd", "drive": "d0", "id": "hd"})
        bus = "/machine/peripheral/s/virtio-backend/s.0"
        names = [e["name"] for e in reply(machine, "qom-list", {"path": bus})["return"]]
        return (
            added,
            names,
            _get(machine, bus, "child[0]"),
            _get(machine, "/machine/peripheral/hd", "parent_bus"),
        )

    added, names, link, parent = _with(args, body)
    assert added == {"return": {}}
    assert sorted(names) == ["child[0]", "hotplug-handler", "realized", "type"]
    assert link == {"return": "/machine/peripheral/hd"}
    assert parent == {"return": "/machine/peripheral/s/virtio-backend/s.0"}


def test_the_layout_inferred_from_an_order_gives_it_back() -> None:
    order = ["pci_bridge_pci[0]", "bus master container[0]", "dev", "shpc-bar[0]", "msix-pba[0]"]
    assert _rehash(order, {}) == order
    renamed = _rehash(order, {"dev": "pci.1"})
    assert sorted(renamed) == sorted([*order[:2], "pci.1", *order[3:]])


def test_a_renamed_bus_replaces_the_recorded_one_wherever_the_layout_put_it() -> None:
    # mptsas1068's recorded bus is in a bucket off its own probe path.
    from qmonitor.machine.devices.qom_shapes import _shapes

    shape = _shapes()["mptsas1068"]
    order = [shape["bus_names"].get(n, n) for n, _ in shape["instance"]]
    for new in ("m.0", "scsi.0", "scsi.1", "x.0"):
        renamed = _rehash(order, {"dev.0": new})
        assert sorted(renamed) == sorted(new if n == "dev.0" else n for n in order)


def test_adapters_named_by_id_and_by_type_are_listed() -> None:
    args = ["-M", "pc", "-nodefaults", "-device", "megasas,id=m", "-device", "mptsas1068",
            "-device", "lsi53c895a"]  # fmt: skip

    def body(machine: Machine) -> Any:
        return [
            [e["name"] for e in reply(machine, "qom-list", {"path": path})["return"]]
            for path in ("/machine/peripheral/m", "/machine/peripheral-anon/device[0]")
        ]

    megasas, mptsas = _with(args, body)
    assert "m.0" in megasas and "dev.0" not in megasas
    assert "scsi.0" in mptsas and "dev.0" not in mptsas


def test_an_unplugged_device_leaves_its_number_on_the_bus() -> None:
    # QEMU 7.2: a SCSI device goes at once; the next one takes child[2], not child[0].
    args = ["-M", "pc", "-nodefaults", "-device", "virtio-scsi-pci,id=s",
            "-device", "scsi-cd,id=a", "-device", "scsi-cd,id=b"]  # fmt: skip
    bus = "/machine/peripheral/s/virtio-backend/s.0"

    def body(machine: Machine) -> Any:
        assert reply(machine, "device_del", {"id": "a"}) == {"return": {}}
        after_del = reply(machine, "qom-list", {"path": bus})["return"]
        assert reply(machine, "device_add", {"driver": "scsi-cd", "id": "c"}) == {"return": {}}
        after_add = reply(machine, "qom-list", {"path": bus})["return"]
        return after_del, after_add, _get(machine, bus, "child[2]")

    after_del, after_add, link = _with(args, body)
    assert [e["name"] for e in after_del] == ["type", "realized", "hotplug-handler", "child[1]"]
    assert after_add == [
        {"name": "type", "type": "string"},
        {"name": "child[2]", "type": "link<scsi-cd>"},
        {"name": "realized", "type": "bool"},
        {"name": "hotplug-handler", "type": "link<hotplug-handler>"},
        {"name": "child[1]", "type": "link<scsi-cd>"},
    ]
    assert link == {"return": "/machine/peripheral/c"}


def test_a_hotplugged_bridge_handles_its_own_bus() -> None:
    # QEMU 7.2 on pc: no acpi-pcihp-bsel, the bridge is the bus's hotplug handler.
    def body(machine: Machine) -> Any:
        added = reply(machine, "device_add", {"driver": "pci-bridge", "id": "b", "chassis_nr": "1"})
        nic = reply(machine, "device_add", {"driver": "e1000", "bus": "b", "addr": "1", "id": "n"})
        names = [
            e["name"]
            for e in reply(machine, "qom-list", {"path": "/machine/peripheral/b/b"})["return"]
        ]
        return added, nic, names, _get(machine, "/machine/peripheral/b/b", "hotplug-handler")

    added, nic, names, handler = _with(["-M", "pc"], body)
    assert added == nic == {"return": {}}
    assert names == ["type", "realized", "child[0]", "hotplug-handler"]
    assert handler == {"return": "/machine/peripheral/b"}


def test_a_bridge_made_with_the_machine_takes_a_hotplugged_device_in_slot_0() -> None:
    # QEMU 7.2 on pc: ACPI hotplug, not the bridge's SHPC, handles a cold-plugged bridge.
    def body(machine: Machine) -> Any:
        return reply(machine, "device_add", {"driver": "e1000", "bus": "b", "id": "n"}), _get(
            machine, "/machine/peripheral/n", "addr"
        )

    args = ["-M", "pc", "-nodefaults", "-device", "pci-bridge,id=b,chassis_nr=1"]
    assert _with(args, body) == ({"return": {}}, {"return": 0})


def test_acpi_numbers_the_newest_root_port_first() -> None:
    # QEMU 7.2 on q35: pcie.0 takes no hotplugged device; rp2, the newer, is 0.
    args = ["-M", "q35", "-nodefaults", "-device", "pcie-root-port,id=rp,chassis=1",
            "-device", "pcie-root-port,id=rp2,chassis=2"]  # fmt: skip

    def body(machine: Machine) -> Any:
        return [
            _get(machine, f"/machine/peripheral/{b}/{b}", "acpi-pcihp-bsel") for b in ("rp", "rp2")
        ]

    assert _with(args, body) == [{"return": 1}, {"return": 0}]


def test_a_property_info_qtree_does_not_print_is_read_back() -> None:
    # QEMU 7.2: bootindex is the proxy's alias of its virtio device's.
    args = ["-M", "pc", "-nodefaults", "-device", "e1000,id=n,bootindex=2",
            "-device", "virtio-net-pci,id=v,bootindex=3"]  # fmt: skip

    def body(machine: Machine) -> Any:
        return [
            _get(machine, path, "bootindex")
            for path in ("/machine/peripheral/n", "/machine/peripheral/v",
                         "/machine/peripheral/v/virtio-backend")
        ]  # fmt: skip

    assert _with(args, body) == [{"return": 2}, {"return": 3}, {"return": 3}]
