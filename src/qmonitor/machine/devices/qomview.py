"""A user's device as ``qom-list``/``qom-get`` show it in ``/machine/peripheral``.

A device of a type recorded by tools/record_qom_devices.py is modelled in
full (:mod:`.qom_shapes`).  Another one has its generic device properties
(hw/core/qdev.c) and, for a PCI device, its address and a NIC's MAC
address and back-end; a SCSI or USB device all its properties, in the order
QEMU lists them, with their values.
"""

from __future__ import annotations

from qmonitor.machine.devices.facts import facts
from qmonitor.machine.devices.pci import PciDevice
from qmonitor.machine.devices.qdev import Bus, Device
from qmonitor.machine.devices.qom_shapes import device_object, has_shape
from qmonitor.machine.devices.scsi import SCSI_DEVICES
from qmonitor.machine.qom_object import Prop, QomObject


def bus_path(bus: Bus, q35: bool) -> str:
    """The QOM path of a bus: the board's root bus, or a child of its device.

    A virtio device's bus (a virtio-scsi adapter's) is below its proxy's
    ``virtio-backend``.
    """
    owner = bus.parent
    if owner is not None and owner.qom_path is None and owner.bus is not None:
        proxy = owner.bus.parent
        if proxy is not None and proxy.qom_path is not None and owner.bus.kind == "virtio-pci-bus":
            return f"{proxy.qom_path}/virtio-backend/{bus.name}"
    if owner is None or owner.qom_path is None:
        return f"/machine/{'q35' if q35 else 'i440fx'}/{bus.name}"
    return f"{owner.qom_path}/{bus.name}"


def _parent_bus(obj: QomObject, bus: Bus, q35: bool) -> str:
    """The path of ``obj``'s bus: a board device's bus is found in the board's tree."""
    owner = bus.parent
    if owner is not None and owner.qom_path is None and not owner.user:
        root = obj
        while root.parent is not None:
            root = root.parent
        machine = root.children.get("machine")
        unattached = machine.children.get("unattached") if machine is not None else None
        for child in unattached.children.values() if unattached is not None else ():
            if bus.name in child.children:
                return child.children[bus.name].path()
    return bus_path(bus, q35)


def qom_object(dev: Device, q35: bool) -> QomObject:
    """The QOM object of a user's device."""
    bus = dev.bus
    if bus is None and "memdev" in dev.values:
        from qmonitor.machine.devices.dimms import dimm_qom

        return dimm_qom(dev)
    if bus is not None and has_shape(dev.typename):
        extra: tuple[Prop, ...] = ()
        if dev.memory is not None:
            from qmonitor.machine.devices.virtio_mem_pci import virtio_mem_props

            extra = tuple(virtio_mem_props(dev))
        made = device_object(dev, q35, lambda: _parent_bus(made, bus, q35), extra)
        return made
    props = [
        Prop("parent_bus", "link<bus>", bus_path(bus, q35) if bus is not None else ""),
        Prop("realized", "bool", True),
        Prop("hotplugged", "bool", dev.hotplugged),
        Prop("hotpluggable", "bool", True),
    ]
    if isinstance(dev, PciDevice):
        props.append(Prop("addr", "int32", dev.devfn))
        if dev.memory is not None:
            from qmonitor.machine.devices.virtio_mem_pci import virtio_mem_props

            props.extend(virtio_mem_props(dev))
        # A virtio proxy's NIC properties are its virtio device's.
        owner = dev.buses[0].children[0] if dev.buses and dev.buses[0].children else dev
        mac = dev.values.get("mac", owner.values.get("mac"))
        if mac is not None:
            props.append(Prop("mac", "str", mac))
            netdev = dev.values.get("netdev", owner.values.get("netdev"))
            props.append(Prop("netdev", "str", netdev or ""))
    elif dev.typename in SCSI_DEVICES or dev.usb is not None:
        props.extend(_all_props(dev))
    return QomObject(dev.typename, tuple(props))


def _all_props(dev: Device) -> list[Prop]:
    """Every property of the device's type, valued as it is now (default or set)."""
    from qmonitor.machine.qom_types import type_table

    defaults = dict(facts(dev.facts_key).props)
    out = []
    for prop in type_table().device_properties(dev.typename):
        name = prop["name"]
        value = dev.values[name] if name in dev.values else _printed(defaults.get(name))
        if name == "attached" and dev.usb is not None:
            value = dev.usb.attached  # a USB device's state, not a qdev property
        out.append(Prop(name, prop["type"], value))
    return out


def _printed(text: str | None) -> object:
    """A value as ``info qtree`` printed it: ``"s"``, ``true``, ``5 (0x5)``, ``512 (512 B)``."""
    if text is None:
        return None
    if text.startswith('"'):
        return text[1:-1]
    if text in ("true", "false"):
        return text == "true"
    head = text.split(" ", 1)[0]
    return int(head) if head.lstrip("-").isdigit() else text
