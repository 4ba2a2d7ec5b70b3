"""Devices from ``-device`` and ``device_add``, and ``device_del``, on a PC.

The checks run in QEMU 7.2's order (softmmu/qdev-monitor.c
qdev_device_add_from_qdict, hw/pci/pci.c do_pci_register_device): the
bus (named, or the first bus of the device's kind), whether it takes
hotplugged devices, the id, the properties, then the PCI address and the
hotplug controller's rules.  ``device_add`` passes every value as a
string, as QEMU's QemuOpts do.  A device type whose facts were not
recorded (tools/record_pcdev.py) is refused with a qmonitor text.

An unplug waits for the guest (ACPI or PCIe native hotplug) and a
guest that runs no code never answers: the device stays, marked pending,
as on QEMU with a ``-S`` guest; no DEVICE_DELETED comes (unless the
opt-in guest, :mod:`qmonitor.machine.guest_actions`, ejects it).  SCSI
and USB buses let their devices go at once (:mod:`.usb_plug`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from qmonitor.machine.devices.blocksize import BLOCKSIZE_PROPS, parse_blocksize
from qmonitor.machine.devices.board import PARALLEL_PORTS, SERIAL_PORTS, PcDevices
from qmonitor.machine.devices.facts import facts, known_types
from qmonitor.machine.devices.pci import PciBus, PciDevice
from qmonitor.machine.devices.qdev import Bus, Device
from qmonitor.machine.devices.scsi import (
    SCSI_DEVICES,
    VHOST_SCSI,
    ScsiBus,
    adapter_bus,
    adapter_values,
    plug_scsi,
    vhost_scsi_error,
)
from qmonitor.machine.devices.storage import (
    NEEDS_MEDIA,
    NO_DRIVE,
    STORAGE_DEVICES,
    free_ide_unit,
    guess_chs,
)
from qmonitor.machine.devices.usb import CONTROLLERS, USB_DEVICES, UsbBus, controller_bus
from qmonitor.machine.devices.usb_plug import plug_usb_device, unplug_usb_device
from qmonitor.machine.qom_object import QomObject
from qmonitor.qapi.error import ErrorClass, QapiError

if TYPE_CHECKING:
    from qmonitor.machine.devices.drive_attach import DriveAttach

# Texts of QEMU 7.2 (softmmu/qdev-monitor.c, hw/core/qdev-properties*.c,
# hw/pci/pci.c, hw/pci/shpc.c, qapi/qmp/qerror.h, qom/object.c).
BUS_NOT_FOUND = "Bus '{}' not found"
WRONG_BUS = "Device '{}' can't go on {} bus"
NO_BUS = "No '{}' bus found for device '{}'"
BUS_NO_HOTPLUG = "Bus '{}' does not support hotplugging"
DUPLICATE_ID = "Duplicate device ID '{}'"
BAD_VALUE = "Property '{}.{}' doesn't take value '{}'"
CANT_FIND = "Property '{}.{}' can't find value '{}'"
NETDEV_IN_USE = "Property '{}.{}' can't take value '{}', it's in use"
PROP_NOT_FOUND = "Property '{}.{}' not found"
NO_DEVFN = "PCI: no slot/function available for {}, all in use or reserved"
DEVFN_IN_USE = "PCI: slot {} function {} not available for {}, in use by {},id={}"
FUNC0_TAKEN = (
    "PCI: slot {} function 0 already occupied by {}, new func {} cannot be exposed to guest."
)
SINGLE_FUNCTION = "PCI: single function device can't be populated in function {:x}.{:x}"
SHPC_SLOT = (
    "Unsupported PCI slot {} for standard hotplug controller. Valid slots are between 1 and 31."
)
DRIVE_NOT_SET = "drive property not set"
NO_CHASSIS = (
    "Bridge chassis not specified. Each bridge is required to be assigned a unique chassis id > 0."
)
UNPLUG_PENDING = "Device {} is already in the process of unplug"
#: hw/i386/pc.c pc_virtio_md_pci_unplug_request.
MEMORY_NO_UNPLUG = "virtio based memory devices cannot be unplugged."
DEVICE_NOT_FOUND = "Device '{}' not found"
#: qmonitor's own text: a type whose facts were not recorded.
NOT_MODELLED = "qmonitor: device_add of '{}' on a PC is not modelled"
#: Controllers' buses a user's controller gets: bus type and how many
#: (hw/ide/ich.c, hw/ide/piix.c, hw/audio/intel-hda.c).
CONTROLLER_BUSES = {"ich9-ahci": ("IDE", 6), "piix3-ide": ("IDE", 2), "ich9-intel-hda": ("HDA", 1)}
#: hw/char/serial-isa.c: an index past the four standard ports.
SERIAL_MAX = "Max. supported number of ISA serial ports is {}."


def isa_serial_values(sysbus: Bus, opts: dict[str, str]) -> dict[str, Any]:
    """An ``isa-serial``'s index, I/O base and IRQ (serial_isa_realizefn).

    A port without an index takes the next one after every port made so
    far; its base and IRQ default to that index's standard ones.
    """
    index = int(opts.get("index", "-1"), 0)
    if index == -1:
        index = sum(1 for dev in sysbus.walk() if dev.typename == "isa-serial")
    if not 0 <= index < len(SERIAL_PORTS):
        raise QapiError(SERIAL_MAX.format(len(SERIAL_PORTS)))
    base, irq = SERIAL_PORTS[index]
    iobase = int(opts.get("iobase", "-1"), 0)
    isairq = int(opts.get("irq", "-1"), 0)
    return {"index": index, "iobase": base if iobase == -1 else iobase,
            "irq": irq if isairq == -1 else isairq}  # fmt: skip


#: hw/char/parallel.c: no chardev, or an index past the three standard ports.
PARALLEL_NO_CHARDEV = "Can't create parallel device, empty char device"
PARALLEL_MAX = "Max. supported number of parallel ports is {}."


def isa_parallel_values(sysbus: Bus, opts: dict[str, str]) -> dict[str, Any]:
    """An ``isa-parallel``'s index, I/O base, IRQ and chardev (parallel_isa_realizefn).

    A port without an index takes the count of the ports made so far;
    its base defaults to that index's standard one, its IRQ is 7.
    """
    chardev = opts.get("chardev", "")
    if not chardev:
        raise QapiError(PARALLEL_NO_CHARDEV)
    index = int(opts.get("index", "-1"), 0)
    if index == -1:
        index = sum(1 for dev in sysbus.walk() if dev.typename == "isa-parallel")
    if not 0 <= index < len(PARALLEL_PORTS):
        raise QapiError(PARALLEL_MAX.format(len(PARALLEL_PORTS)))
    base, irq = PARALLEL_PORTS[index]
    iobase = int(opts.get("iobase", "-1"), 0)
    return {"index": index, "iobase": base if iobase == -1 else iobase,
            "irq": int(opts.get("irq", str(irq)), 0), "chardev": chardev}  # fmt: skip


class NotModelled(QapiError):
    """A device the model cannot make (its facts were not recorded): qmonitor's text."""

    def __init__(self, driver: str) -> None:
        super().__init__(NOT_MODELLED.format(driver))


#: A virtio PCI proxy's names: plain, and the two QEMU registers beside it.
_PROXY_SUFFIXES = ("-pci", "-pci-transitional", "-pci-non-transitional")


def virtio_backend(driver: str) -> str | None:
    """The device a virtio PCI proxy (``virtio-X-pci[-...]``) puts on its bus.

    ``virtio-X-device``, or ``virtio-X`` for the memory devices.
    """
    if driver.startswith("virtio-"):
        for suffix in _PROXY_SUFFIXES:
            if driver.endswith(suffix):
                base = driver[: -len(suffix)]
                for inner in (base + "-device", base):
                    if inner in known_types():
                        return inner
                return None
    return None


#: A memory device's plugging (see :meth:`Hotplug.add`): called once the
#: properties are set, it checks the machine's pre-plug rules and returns
#: what completes the device's realize once it is on its bus (or raises).
PrePlug = Callable[[], Callable[[Device], None]]


#: Properties of a virtio proxy that its virtio device holds.
_FORWARDED = ("mac", "netdev", "drive", "bootindex")


#: What sscanf's ``%x`` takes: blanks, a sign, ``0x``, hex digits.
_SCAN_HEX = re.compile(r"\s*([+-]?)(?:0[xX](?=[0-9a-fA-F]))?([0-9a-fA-F]+)")


def _scan_hex(text: str, pos: int) -> tuple[int, int] | None:
    """sscanf ``%x`` at ``pos``: the value (as an unsigned int) and where it ended."""
    match = _SCAN_HEX.match(text, pos)
    if match is None:
        return None
    value = int(match.group(2), 16)
    if match.group(1) == "-":
        value = -value
    return value & 0xFFFFFFFF, match.end()


def parse_devfn(text: str) -> int | None:
    """``SLOT[.FN]`` as set_pci_devfn reads it (``%x.%x``, else ``%x``); None if invalid."""
    first = _scan_hex(text, 0)
    if first is None:
        return None
    slot, end = first
    fn = 0
    if text[end : end + 1] == ".":
        second = _scan_hex(text, end + 1)
        if second is not None:
            fn, end = second
    if end != len(text) or fn > 7 or slot > 31:
        return None
    return slot << 3 | fn


#: The C type a visitor names when an integer is out of its range, and the range.
_INT_RANGES = {
    "uint8": ("uint8_t", 0, 0xFF), "uint16": ("uint16_t", 0, 0xFFFF),
    "uint32": ("uint32_t", 0, 0xFFFFFFFF), "int8": ("int8_t", -0x80, 0x7F),
    "int16": ("int16_t", -0x8000, 0x7FFF), "int32": ("int32_t", -(1 << 31), (1 << 31) - 1),
}  # fmt: skip


def _integer(name: str, text: str, kind: str | None) -> int:
    """An integer property's text as QEMU's keyval visitor reads it (qapi-visit-core.c)."""
    try:
        # strtoull's base 0: a leading 0 is octal (Python wants 0o).
        octal = re.fullmatch(r"([+-]?)0([0-7]+)", text)
        value = int(octal.group(1) + octal.group(2), 8) if octal else int(text, 0)
    except ValueError:
        raise QapiError(f"Parameter '{name}' expects integer") from None
    limits = _INT_RANGES.get(kind or "")
    if kind is not None and kind.startswith("uint") and value < 0:
        value &= 0xFFFFFFFFFFFFFFFF  # strtoull wraps a negative number
    if limits is not None and not limits[1] <= value <= limits[2]:
        raise QapiError(f"Parameter '{name}' expects {limits[0]}")
    return value


def _bool(text: str) -> bool | None:
    return {"on": True, "yes": True, "true": True, "y": True,
            "off": False, "no": False, "false": False, "n": False}.get(text)  # fmt: skip


class Hotplug:
    """Creating and removing a PC's user devices."""

    def __init__(
        self,
        pc: PcDevices,
        bus_type: Callable[[str], str | None],
        netdev_state: Callable[[str], str | None],
    ) -> None:
        self.pc = pc
        #: The bus type a device type plugs into (``PCI``, ``ISA``, ``usb-bus`` ...).
        self.bus_type = bus_type
        #: Why a NIC cannot take a back-end (``missing``, ``in-use``), None if it can.
        self.netdev_state = netdev_state
        #: Called for each NIC made: (device, model, MAC, back-end's name, MAC given).
        self.on_nic: Callable[[Device, str, str, str, bool], object] | None = None
        #: The user's devices with an id.
        self.by_id: dict[str, Device] = {}
        #: The user's devices in creation order.
        self.created: list[Device] = []
        #: Whether a device the model cannot make was asked for (its buses are unknown).
        self.unmodelled = False
        #: Why a ``-device`` of the command line could not be created.
        self.startup_error: str | None = None
        #: Resolves and attaches ``drive=`` (None: storage devices are not modelled).
        self.drives: DriveAttach | None = None
        #: qdev_set_id's counter of anonymous devices: every one made takes the next
        #: ``device[N]``, even one that then fails or is unplugged.
        self.anon_count = 0
        #: Whether a chardev of that id exists (None: not checked).
        self.chardev_exists: Callable[[str], bool] | None = None
        #: Called for each device removed at once (a SCSI device's ``device_del``), before.
        self.on_removed: Callable[[Device], object] | None = None

    def _find_bus(self, name: str) -> Bus | None:
        buses = [self.pc.sysbus]
        for dev in self.pc.sysbus.walk():
            buses.extend(dev.buses)
        return next((b for b in buses if b.name == name), None)

    def _first_bus(self, bus: Bus, bus_type: str) -> Bus | None:
        """qbus_find_recursive: ``bus`` itself, then its devices' buses, newest first."""
        if _fits(bus, bus_type):
            return bus
        # A device's buses, like a bus's devices, are listed newest first.
        for dev in reversed(bus.children):
            for child in reversed(dev.buses):
                found = self._first_bus(child, bus_type)
                if found is not None:
                    return found
        return None

    def add(self, opts: dict[str, str], hotplug: bool, pre_plug: PrePlug | None = None) -> Device:
        """Create the device ``opts`` describe (driver resolved, values as strings).

        ``pre_plug``: the machine's hotplug handler for a memory device
        (hw/i386/pc.c pc_virtio_md_pci_pre_plug), run between the
        properties and the device's realize.
        """
        driver = opts["driver"]
        bus_type = self.bus_type(driver)
        bus: Bus | None = None
        if "bus" in opts:
            bus = self._find_bus(opts["bus"])
            if bus is None and self.unmodelled:
                raise NotModelled(driver)
            if bus is None:
                raise QapiError(BUS_NOT_FOUND.format(opts["bus"]))
            if bus_type is None or not _fits(bus, bus_type):
                raise QapiError(WRONG_BUS.format(driver, bus.kind))
        elif bus_type is not None:
            bus = self._first_bus(self.pc.sysbus, bus_type)
            if bus is None and self.unmodelled:
                raise NotModelled(driver)  # one of those may have made such a bus
            if bus is None:
                raise QapiError(NO_BUS.format(bus_type, driver))
        if bus is None:
            raise NotModelled(driver)
        if hotplug and not bus.hotpluggable:
            raise QapiError(BUS_NO_HOTPLUG.format(bus.name))
        ident = opts.get("id")
        if ident is not None and ident in self.by_id:
            raise QapiError(DUPLICATE_ID.format(ident))
        if self.drives is not None:
            self.drives.next_path = (
                f"/machine/peripheral/{ident}"
                if ident is not None
                else f"/machine/peripheral-anon/device[{self.anon_count}]"
            )
        try:
            dev = self._make(driver, ident, bus, opts, hotplug, pre_plug)
        except NotModelled:
            raise
        except QapiError:
            if ident is None:
                self.anon_count += 1  # qdev_set_id numbered it before it failed
            raise
        if ident is None:
            dev.anon_index = self.anon_count
            self.anon_count += 1
        dev.user = True
        dev.hotplugged = hotplug
        if ident is not None:
            self.by_id[ident] = dev
        self.created.append(dev)
        return dev

    def _make(
        self,
        driver: str,
        ident: str | None,
        bus: Bus,
        opts: dict[str, str],
        hotplug: bool,
        pre_plug: PrePlug | None = None,
    ) -> Device:
        """Create and plug the device, past the checks that come before QEMU makes it."""
        if driver == "virtio-blk-pci" and "drive" not in opts:
            raise QapiError(DRIVE_NOT_SET)
        if driver == "isa-serial" and not isinstance(bus, PciBus):
            dev = bus.add(Device(driver, ident, **isa_serial_values(self.pc.sysbus, opts)))
        elif driver == "isa-parallel" and not isinstance(bus, PciBus):
            dev = bus.add(Device(driver, ident, **isa_parallel_values(self.pc.sysbus, opts)))
        elif driver == "isa-debugcon" and driver in known_types():
            dev = bus.add(Device(driver, ident, **self._values(driver, opts, hotplug)))
        elif driver in STORAGE_DEVICES and self.drives is not None and not isinstance(bus, PciBus):
            dev = self._plug_storage(driver, ident, bus, opts)
        elif driver in SCSI_DEVICES and self.drives is not None and isinstance(bus, ScsiBus):
            dev = plug_scsi(self.drives, driver, ident, bus, self._scsi_values(driver, opts))
        elif driver in USB_DEVICES and isinstance(bus, UsbBus):
            values = self._values(driver, opts, hotplug)
            dev = plug_usb_device(self, driver, ident, bus, values, hotplug)
        elif driver in VHOST_SCSI and isinstance(bus, PciBus):
            dev = self._plug_pci(driver, ident, bus, self._typed_values(driver, opts), hotplug)
        else:
            if driver not in known_types() or not isinstance(bus, PciBus):
                raise NotModelled(driver)
            values = self._values(driver, opts, hotplug)
            blk = None
            if driver == "virtio-blk-pci" and self.drives is not None:
                blk = self.drives.resolve("virtio-blk-device", values["drive"])
                if blk.medium is None:
                    raise QapiError(NEEDS_MEDIA)
                values["drive"] = self.drives.drive_value(blk)
            realize = pre_plug() if pre_plug is not None else None
            dev = self._plug_pci(driver, ident, bus, values, hotplug)
            if realize is not None:
                try:
                    realize(dev)
                except QapiError:
                    bus.remove(dev)
                    raise
            if blk is not None and self.drives is not None:
                vdev = dev.buses[0].children[0]
                if blk.medium is not None:
                    cyls, heads, secs = guess_chs(blk.medium.size)
                    vdev.values.update(cyls=cyls, heads=heads, secs=secs)
                try:
                    self.drives.attach(blk, vdev, "virtio-blk-device")
                except QapiError:
                    bus.remove(dev)  # the proxy's realize failed with its device's
                    raise
        return dev

    def _values(self, driver: str, opts: dict[str, str], hotplug: bool) -> dict[str, Any]:
        """The property values ``opts`` set, checked as QEMU's setters check them."""
        known = dict(facts(driver).props)
        inner = virtio_backend(driver)
        if inner is not None:
            known.update(dict(facts(inner).props))
        values: dict[str, Any] = {}
        for name, text in opts.items():
            if name in ("driver", "bus", "id"):
                continue
            default = known.get(name)
            if default is None:
                # A property qtree does not print (bootindex ...) is taken and not
                # shown there; qom-get reads it.
                kind = self.prop_type(driver, name)
                if kind is None:
                    raise QapiError(PROP_NOT_FOUND.format(driver, name))
                if kind in _INT_RANGES:
                    values[name] = _integer(name, text, kind)
                elif kind == "str":
                    values[name] = text
                continue
            owner = inner if inner is not None and name in _FORWARDED else driver
            if name == "addr":
                devfn = parse_devfn(text)
                if devfn is None:
                    raise QapiError(BAD_VALUE.format(owner, name, text))
                values[name] = devfn
            elif name == "netdev":
                state = self.netdev_state(text)
                if state == "missing":
                    raise QapiError(CANT_FIND.format(owner, name, text))
                if state is not None:
                    raise QapiError(NETDEV_IN_USE.format(owner, name, text))
                values[name] = text
            elif default in ("true", "false"):
                flag = _bool(text)
                if flag is None:
                    raise QapiError(f"Parameter '{name}' expects 'on' or 'off'")
                values[name] = flag
            elif default.startswith('"'):
                values[name] = text
            elif name in BLOCKSIZE_PROPS:
                values[name] = parse_blocksize(name, text)
            else:
                values[name] = _integer(name, text, self.prop_type(owner, name))
        return values

    def _scsi_values(self, driver: str, opts: dict[str, str]) -> dict[str, Any]:
        """A SCSI device's values; ``scsi-block`` (never made, so never recorded) by its types."""
        if driver in known_types():
            return self._values(driver, opts, False)
        return self._typed_values(driver, opts)

    def _typed_values(self, driver: str, opts: dict[str, str]) -> dict[str, Any]:
        """The values of a type QEMU never made (so never recorded), by its property types:
        integers and the PCI address checked, strings kept, the others taken unchecked."""
        values: dict[str, Any] = {}
        for name, text in opts.items():
            kind = self.prop_type(driver, name)
            if name in ("driver", "bus", "id"):
                continue
            if kind is None:
                raise QapiError(PROP_NOT_FOUND.format(driver, name))
            if name == "addr":
                devfn = parse_devfn(text)
                if devfn is None:
                    raise QapiError(BAD_VALUE.format(driver, name, text))
                values[name] = devfn
            elif kind in _INT_RANGES:
                values[name] = _integer(name, text, kind)
            elif kind == "str":
                values[name] = text
        return values

    def _plug_storage(
        self, driver: str, ident: str | None, bus: Bus, opts: dict[str, str]
    ) -> Device:
        """An IDE disk or CD-ROM, or a floppy drive, with its drive (or an empty one)."""
        assert self.drives is not None
        values = self._values(driver, opts, False)
        blk = None
        if "drive" in opts:
            blk = self.drives.resolve(driver, opts["drive"])
        elif driver == "ide-hd":
            raise QapiError(NO_DRIVE)
        unit = values.pop("unit", None)
        if driver == "floppy":
            taken = {d.values.get("unit", 0) for d in bus.children}
            unit = unit if unit is not None else min({0, 1} - taken, default=0)
            dev = Device(driver, ident, unit=unit, **values)
        else:
            ahci = bus.parent is not None and bus.parent.typename == "ich9-ahci"
            unit = free_ide_unit(bus, unit, 1 if ahci else 2)
            if driver == "ide-hd" and blk is not None and blk.medium is None:
                raise QapiError(NEEDS_MEDIA)  # ide_init_drive, once the unit is taken
            # hw/ide/core.c numbers every drive slot of every IDE bus as it is made.
            ide_buses = [b for d in self.pc.sysbus.walk() for b in d.buses if b.kind == "IDE"]
            number = ide_buses.index(bus)
            values.setdefault("serial", f"QM{number * 2 + unit + 1:05d}")
            if driver == "ide-hd" and blk is not None and blk.medium is not None:
                cyls, heads, secs = guess_chs(blk.medium.size)
                values.update(cyls=cyls, heads=heads, secs=secs)
            dev = Device(driver, ident, **values, unit=unit)
        if blk is None:
            from qmonitor.machine.block.backend import BlockBackend

            blk = BlockBackend("")
        values_drive = self.drives.drive_value(blk)
        dev.values["drive"] = values_drive
        bus.add(dev)
        try:
            self.drives.attach(blk, dev, driver)
        except QapiError:
            bus.remove(dev)  # its realize failed: it leaves the bus
            raise
        return dev

    def prop_type(self, typename: str, name: str) -> str | None:
        """A property's type as ``device-list-properties`` gives it (``uint8``, ``size`` ...)."""
        from qmonitor.machine.qom_types import type_table

        try:
            props = type_table().device_properties(typename)
        except KeyError:
            return None
        return next((p["type"] for p in props if p["name"] == name), None)

    def _plug_pci(
        self, driver: str, ident: str | None, bus: PciBus, values: dict[str, Any], hotplug: bool
    ) -> PciDevice:
        devfn = values.pop("addr", None)
        if devfn is None:
            devfn = bus.free_devfn()
            if devfn is None:
                raise QapiError(NO_DEVFN.format(driver))
        elif devfn in bus.devices:
            user = bus.devices[devfn]
            raise QapiError(
                DEVFN_IN_USE.format(
                    devfn >> 3, devfn & 7, driver, user.typename, user.id or "(null)"
                )
            )
        func0 = bus.devices.get(devfn & ~7)
        if hotplug and func0 is not None:
            raise QapiError(FUNC0_TAKEN.format(devfn >> 3, func0.typename, driver))
        if devfn & 7 and func0 is not None and not func0.multifunction:
            raise QapiError(SINGLE_FUNCTION.format(devfn >> 3, devfn & 7))
        # A bridge made with the machine is in ACPI's hands (any slot); one
        # hotplugged later has only its standard hotplug controller.
        bridge = bus.parent
        shpc = bus.kind == "PCI" and bridge is not None and bridge.hotplugged
        if hotplug and shpc and devfn >> 3 == 0:
            raise QapiError(SHPC_SLOT.format(0))
        if driver == "pci-bridge" and not values.get("chassis_nr", 0) & 0xFF:
            raise QapiError(NO_CHASSIS)
        if driver in VHOST_SCSI:  # virtio_pci_realize's virtio device fails to realize
            # None: it would get as far as its back-end, which the model has not.
            raise vhost_scsi_error(driver, values) or NotModelled(driver)
        inner = virtio_backend(driver)
        # The virtio device's own properties (9p's fsdev, mount_tag) are set on it.
        own = (
            {n for n, _ in facts(inner).props} - {n for n, _ in facts(driver).props}
            if inner
            else set()
        )
        forwarded = {
            k: values.pop(k)
            for k in list(values)
            if inner is not None and (k in _FORWARDED or k in own)
        }
        nic = "mac" in dict(facts(inner or driver).props)
        if nic:
            mac = forwarded if inner is not None else values
            given = "mac" in mac
            if not given:  # a given address takes none from the table
                mac["mac"] = self.pc.next_mac()
            mac.setdefault("netdev", "")
        key = f"{driver}@port"
        behind_port = bus.kind == "PCIE" and bus is not self.pc.root and key in known_types()
        adapter_values(driver, devfn, values)
        # A user's device is single-function unless asked: the recorded default
        # may be a board's (a Q35's ich9-ahci is made multifunction).
        values.setdefault("multifunction", False)
        dev = PciDevice(driver, ident, devfn, key if behind_port else None, **values)
        bus.add(dev)
        if inner is not None:
            vbus = dev.add_bus(Bus("virtio-bus", "virtio-pci-bus"))
            vdev = vbus.add(Device(inner, **forwarded))
            if inner == "virtio-scsi-device":
                adapter_bus(vdev, ident, self.pc.auto_name)
            if inner == "virtio-serial-device":
                name = f"{ident}.0" if ident else self.pc.auto_name("virtio-serial-bus")
                vdev.add_bus(Bus(name, "virtio-serial-bus"))
        elif driver in ("pci-bridge", "pcie-pci-bridge"):
            child = dev.add_bus(PciBus(ident or self.pc.auto_name("pci"), "PCI"))
            child.hotpluggable = True  # both have a standard hotplug controller
        elif driver == "pcie-root-port":
            child = dev.add_bus(PciBus(ident or self.pc.auto_name("pcie"), "PCIE"))
            child.hotpluggable = True
        elif driver in CONTROLLER_BUSES:
            kind, count = CONTROLLER_BUSES[driver]
            for index in range(count):
                name = f"{ident}.{index}" if ident else self.pc.auto_name(kind.lower())
                dev.add_bus(Bus(name, kind))
        elif driver in CONTROLLERS:
            try:
                controller_bus(dev, ident, values, self.pc.usb_buses, self.pc.auto_name)
            except QapiError:
                bus.remove(dev)  # its realize failed
                raise
        else:
            adapter_bus(dev, ident, self.pc.auto_name)
        if nic and self.on_nic is not None:
            self.on_nic(dev, driver, str(mac["mac"]), str(mac["netdev"]), given)
        return dev

    def add_unmodelled(self, driver: str, ident: str | None) -> Device:
        """A ``-device`` the model cannot make: in QOM only, on no bus."""
        dev = Device(driver, ident)
        dev.user = True
        if ident is None:
            dev.anon_index = self.anon_count
            self.anon_count += 1
        self.unmodelled = True
        self.created.append(dev)
        if ident is not None:
            self.by_id[ident] = dev
        return dev

    def board_bus(self, typename: str) -> Bus | None:
        """The bus the board put its device of type ``typename`` on (None: no such device)."""
        return next(
            (d.bus for d in self.pc.sysbus.walk() if d.typename == typename and not d.user), None
        )

    def user_devices(self) -> list[Device]:
        """The user's devices in creation order."""
        return list(self.created)

    def attach_qom(self, dev: Device, peripheral: QomObject, anon: QomObject) -> None:
        """Put ``dev`` into ``/machine/peripheral`` (by id) or ``peripheral-anon``."""
        from qmonitor.machine.devices.qomview import qom_object

        obj = qom_object(dev, self.pc.q35)
        if dev.id is not None:
            peripheral.add(dev.id, obj)
        else:
            index = dev.anon_index if dev.anon_index is not None else len(anon.children)
            anon.add(f"device[{index}]", obj)
        dev.qom_path = obj.path()

    def finish_unplugs(self, devices: list[Device] | None = None) -> list[dict[str, Any]]:
        """A system reset ends the unplugs the guest was asked for (ACPI, PCIe ports).

        ``devices``: remove these instead (a guest's eject), in this order.
        Returns the DEVICE_DELETED data, in the order QEMU sends them: a
        device's own devices (a virtio proxy's backend) before it.
        """
        events: list[dict[str, Any]] = []
        if devices is None:
            devices = [d for d in self.pc.sysbus.walk() if d.unplug_pending]
        for dev in devices:
            for child in (c for bus in dev.buses for c in bus.walk()):
                if child.qom_path is None and dev.qom_path is not None:
                    events.append({"path": f"{dev.qom_path}/virtio-backend"})
            if dev.bus is not None:
                dev.bus.remove(dev)
            if self.drives is not None:
                for gone in (dev, *(c for bus in dev.buses for c in bus.walk())):
                    self.drives.detach(gone)
            if dev.id is not None:
                self.by_id.pop(dev.id, None)
                events.append({"device": dev.id, "path": dev.qom_path})
            else:
                events.append({"path": dev.qom_path})
            self.created.remove(dev)
        return events

    def delete(self, ident: str) -> Device:
        """Ask for ``ident``'s unplug; the guest never completes it."""
        dev = self.by_id.get(ident)
        if dev is None or dev.bus is None:
            raise QapiError(DEVICE_NOT_FOUND.format(ident), ErrorClass.DEVICE_NOT_FOUND)
        return self.unplug(dev, ident)

    def unplug(self, dev: Device, named: str) -> Device:
        """Ask for ``dev``'s unplug (``named``: the id or QOM path it was asked by).

        A SCSI or USB bus lets its device go at once (:attr:`on_removed` is
        told); elsewhere the unplug waits for the guest.
        """
        bus = dev.bus
        assert bus is not None
        if not bus.hotpluggable:
            raise QapiError(BUS_NO_HOTPLUG.format(bus.name))
        if dev.memory is not None:
            raise QapiError(MEMORY_NO_UNPLUG)
        if dev.unplug_pending:
            raise QapiError(UNPLUG_PENDING.format(named))
        if isinstance(bus, ScsiBus):
            self._remove(dev)
            return dev
        if isinstance(bus, UsbBus):
            unplug_usb_device(self, dev)
            return dev
        dev.unplug_pending = True
        return dev

    def remove(self, dev: Device) -> None:
        """The device leaves at once: QOM, its bus, its drive, the user's devices."""
        self._remove(dev)

    def _remove(self, dev: Device) -> None:
        """The device leaves QOM (:attr:`on_removed`), its bus, its drive and the user's devices."""
        if self.on_removed is not None:
            self.on_removed(dev)
        assert dev.bus is not None
        dev.bus.remove(dev)
        if self.drives is not None:
            self.drives.detach(dev)
        if dev.id is not None:
            self.by_id.pop(dev.id, None)
        self.created.remove(dev)


def _fits(bus: Bus, bus_type: str) -> bool:
    """Whether ``bus`` is of ``bus_type`` (a PCI Express bus is a PCI bus too)."""
    return bus.kind == bus_type or (bus_type == "PCI" and bus.kind == "PCIE")
