"""DIMMs on a PC's device model: ``-device``/``device_add``/``device_del`` of pc-dimm and nvdimm.

The rules live in :mod:`qmonitor.machine.memdevs`; this module finds the
machine's :class:`~qmonitor.machine.memdevs.MemoryDevices`, reads a DIMM's
properties as QEMU's property setters do (``memdev`` a link resolved
among the memory backends, ``slot``/``node``/``addr`` integers), and puts
the device in the PC's user devices and in QOM (``/machine/peripheral``).
A DIMM sits on no bus: the machine is its hotplug handler.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qmonitor.machine.devices.hotplug import (
    BUS_NOT_FOUND,
    DUPLICATE_ID,
    PROP_NOT_FOUND,
    WRONG_BUS,
    Hotplug,
    _integer,
)
from qmonitor.machine.devices.qdev import Device
from qmonitor.machine.memdev import BACKEND_TYPES, default_memdev
from qmonitor.machine.memdevs import (
    DIMM_KINDS,
    OST_DEVICE_BUSY,
    OST_EJECT_REQUEST,
    UNASSIGNED_SLOT,
    DimmRequest,
    MemoryDevice,
    MemoryDevices,
    board_error,
    device_memory_base,
)
from qmonitor.machine.qom_object import Prop, QomObject
from qmonitor.qapi.error import ErrorClass, QapiError
from qmonitor.util.cutils import parse_bool, parse_size
from qmonitor.util.error import QemuOptsError

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine

#: hw/core/qdev-properties.c (a link property whose target does not exist).
LINK_NOT_FOUND = "Device '{}' not found"
#: qom/object.c: a link to an object of another type.
LINK_WRONG_TYPE = "Invalid parameter type for '{}', expected: {}"
#: The properties of pc-dimm and nvdimm besides the generic ones.
_DIMM_PROPS = ("memdev", "slot", "node", "addr", "label-size", "unarmed", "uuid")


def is_dimm(driver: str) -> bool:
    return driver in DIMM_KINDS


def memory_devices(machine: Machine) -> MemoryDevices | None:
    """The PC's memory devices (None on a machine without a device-memory model)."""
    if getattr(machine, "board", None) is None:
        return None
    return machine.part(MemoryDevices, lambda: _make(machine))


def plugged_memory_devices(machine: Machine) -> MemoryDevices | None:
    """:func:`memory_devices` once the command line's devices are made (for the queries)."""
    from qmonitor.machine.devices.state import pc_hotplug

    pc_hotplug(machine)
    return memory_devices(machine)


def _make(machine: Machine) -> MemoryDevices:
    from qmonitor.machine.memory import pc_lowmem
    from qmonitor.machine.queries_machine import has_acpi

    options = machine.options
    guest = options.guest
    name = guest.machine_typename or options.machine_type
    ram = guest.ram_size
    maxram = guest.maxram_size if guest.maxram_size is not None else ram
    props = dict(guest.machine_props)
    nvdimm = _flag(props.get("nvdimm"))
    mapped = [props.get("memory-backend") or default_memdev(options.machine_type, guest)]
    return MemoryDevices(
        ram,
        maxram,
        guest.ram_slots,
        device_memory_base(ram, pc_lowmem(ram, "q35" in name)),
        # -no-acpi is -machine acpi=off (an OnOffAuto).
        acpi=has_acpi(machine) and props.get("acpi") != "off",
        nvdimm=nvdimm,
        mapped=[m for m in mapped if m],
    )


def _flag(text: str | None) -> bool:
    if text is None:
        return False
    try:
        return parse_bool("nvdimm", text)
    except QemuOptsError:
        return False


def startup_error(machine: Machine) -> str | None:
    """What pc_memory_init refuses of ``-m`` (the program ends), None if nothing."""
    guest = machine.options.guest
    maxram = guest.maxram_size if guest.maxram_size is not None else guest.ram_size
    return board_error(guest.ram_size, maxram, guest.ram_slots)


def backend_size(machine: Machine, ident: str, startup: bool) -> int:
    """The size of memory backend ``ident`` (``/objects/ID``), as created.

    At start-up (``-device``) the backends are the command line's, and the
    QOM tree, which shows the devices being made, does not exist yet.

    :raises QapiError: the link's errors: no such object, not a backend.
    """
    guest = machine.options.guest
    name = ident.removeprefix("/objects/")
    if startup:
        types = {o.id: o.qom_type for o in guest.objects}
        ram = default_memdev(machine.options.machine_type, guest)
        if ram is not None:
            types[ram] = "memory-backend-ram"
        typename = types.get(name)
        props: tuple[Prop, ...] = ()
    else:
        from qmonitor.machine.qom_commands import machine_qom

        obj = machine_qom(machine).objects_root().children.get(name)
        typename = obj.typename if obj is not None else None
        props = obj.props if obj is not None else ()
    if typename is None:
        raise QapiError(LINK_NOT_FOUND.format(ident), ErrorClass.DEVICE_NOT_FOUND)
    if typename not in BACKEND_TYPES:
        raise QapiError(LINK_WRONG_TYPE.format("memdev", "memory-backend"))
    if name == default_memdev(machine.options.machine_type, guest):
        return guest.ram_size
    prop = next((p for p in props if p.name == "size"), None)
    if prop is not None and isinstance(prop.value, int):
        return prop.value
    for made in guest.objects:
        if made.id == name:
            value = dict(made.props).get("size", 0)
            if isinstance(value, int):
                return value
            try:
                return parse_size("size", str(value))
            except QemuOptsError:
                return 0
    return 0


def plug_dimm(machine: Machine, hotplug: Hotplug, opts: dict[str, str], hotplugged: bool) -> Device:
    """Create the DIMM ``opts`` describe (values as strings), in QEMU's order of checks."""
    devices = memory_devices(machine)
    assert devices is not None
    driver = opts["driver"]
    ident = opts.get("id")
    if "bus" in opts:
        # A DIMM plugs into no bus: any bus named is the wrong one.
        bus = hotplug._find_bus(opts["bus"])
        if bus is None:
            raise QapiError(BUS_NOT_FOUND.format(opts["bus"]))
        raise QapiError(WRONG_BUS.format(driver, bus.kind))
    if ident is not None and ident in hotplug.by_id:
        raise QapiError(DUPLICATE_ID.format(ident))
    slot, node, addr = UNASSIGNED_SLOT, 0, 0
    memdev: str | None = None
    size: int | None = None
    for name, text in opts.items():
        if name in ("driver", "id"):
            continue
        if name not in _DIMM_PROPS:
            raise QapiError(PROP_NOT_FOUND.format(driver, name))
        if name == "memdev":
            size = backend_size(machine, text, not hotplugged)
            memdev = text.removeprefix("/objects/")
        elif name == "slot":
            slot = _integer(name, text, "int32")
        elif name == "node":
            node = _integer(name, text, "uint32")
        elif name == "addr":
            addr = _integer(name, text, "uint64")
    request = DimmRequest(driver, ident, memdev, size, slot, node, addr)
    dimm = devices.plug(request, hotplugged)
    dev = Device(driver, ident)
    dev.user = True
    dev.hotplugged = hotplugged
    dev.values.update(memdev=dimm.memdev, slot=dimm.slot, node=dimm.node, addr=dimm.addr)
    dev.values["size"] = dimm.size
    dev.memory = dimm
    if ident is not None:
        hotplug.by_id[ident] = dev
    hotplug.created.append(dev)
    return dev


def dimm_qom(dev: Device) -> QomObject:
    """A DIMM's QOM object: the generic device properties and its own."""
    values: dict[str, Any] = dev.values
    return QomObject(
        dev.typename,
        (
            Prop("parent_bus", "link<bus>", ""),
            Prop("realized", "bool", True),
            Prop("hotplugged", "bool", dev.hotplugged),
            Prop("hotpluggable", "bool", True),
            Prop("memdev", "link<memory-backend>", f"/objects/{values['memdev']}"),
            Prop("node", "uint32", values["node"]),
            Prop("addr", "uint64", values["addr"]),
            Prop("slot", "int32", values["slot"]),
            Prop("size", "uint64", values["size"]),
        ),
    )


def unplug_dimm(machine: Machine, ident: str) -> bool:
    """device_del of a DIMM (False: ``ident`` is no DIMM): the guest is asked to eject it.

    A guest that runs no code never does; the opt-in guest may
    (:func:`eject_dimm`, :func:`refuse_dimm`).
    """
    devices = memory_devices(machine)
    dimm = devices.find(ident) if devices is not None else None
    if devices is None or dimm is None:
        return False
    devices.unplug_request(dimm)
    return True


def unplug_dimm_device(machine: Machine, dev: Device) -> bool:
    """device_del of a DIMM named by its QOM path (False: ``dev`` is no DIMM)."""
    devices = memory_devices(machine)
    if devices is None or not isinstance(dev.memory, MemoryDevice):
        return False
    devices.unplug_request(dev.memory)
    return True


def eject_dimm(machine: Machine, hotplug: Hotplug, dev: Device) -> None:
    """The guest ejects the DIMM's ACPI slot: it is unplugged and DEVICE_DELETED goes out.

    hw/acpi/memory_hotplug.c (eject bit of the slot's flags): the machine
    unplugs the DIMM (its backend is free again) and unparents it; QEMU
    sends DEVICE_DELETED with its id and QOM path.
    """
    from qmonitor.machine.qom_commands import machine_qom

    devices = memory_devices(machine)
    dimm = dev.memory
    assert devices is not None and isinstance(dimm, MemoryDevice)
    tree = machine_qom(machine)  # the device's path is its place in the tree
    devices.remove(dimm)  # the slot keeps the guest's last _OST
    path = dev.qom_path
    if path is not None:
        obj, _ = tree.resolve(path)
        if obj is not None and obj.parent is not None:
            obj.parent.children.pop(obj.name, None)
            obj.parent.recorded = None
    if dev.id is not None:
        hotplug.by_id.pop(dev.id, None)
    hotplug.created.remove(dev)
    data = {"device": dev.id, "path": path} if dev.id is not None else {"path": path}
    machine.emit_event("DEVICE_DELETED", data)


def refuse_dimm(machine: Machine, dev: Device) -> None:
    """The guest could not offline the DIMM: it says so through the slot's ``_OST``.

    The guest clears the slot's remove event and reports the eject request
    (event 3) with "device busy" (0x82, the status a Linux guest gives
    when the memory cannot go offline); QEMU raises ACPI_DEVICE_OST with
    the slot's state.  A later ``device_del`` asks again.
    """
    devices = memory_devices(machine)
    dimm = dev.memory
    assert devices is not None and isinstance(dimm, MemoryDevice)
    dimm.removing = False
    devices.ost[dimm.slot] = (OST_EJECT_REQUEST, OST_DEVICE_BUSY)
    machine.emit_event("ACPI_DEVICE_OST", {"info": devices.slot_status(dimm.slot)})


def mapped_backend(machine: Machine, ident: str) -> bool:
    """Whether a DIMM maps backend ``ident`` (object-del refuses it)."""
    devices = memory_devices(machine)
    return devices is not None and any(d.memdev == ident for d in devices.devices)
