"""USB devices from ``-device``, ``device_add`` and ``-usbdevice``, and their removal.

The glue between :class:`~qmonitor.machine.devices.hotplug.Hotplug` and
:mod:`.usb`: each device type's own realize (a HID device's
``usb_version``, a serial port's chardev, a storage device's drive and the
SCSI disk it puts on its own bus, a smartcard reader's CCID bus), QEMU's
automatic hub, ``-usbdevice`` on the first USB bus, and ``device_del``,
which removes a device at once (a hub's devices first), each with its
DEVICE_DELETED after the reply.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from qmonitor.machine.devices.qdev import Bus, Device
from qmonitor.machine.devices.scsi import ScsiBus, ScsiLimits, plug_scsi
from qmonitor.machine.devices.usb import (
    DRIVE_NOT_SET,
    HID_DEVICES,
    LEGACY_NAMES,
    MISSING_PARAMETER,
    MTP_NO_ROOTDIR,
    MTP_READONLY,
    MTP_UNREADABLE,
    NEEDS_CHARDEV,
    USB_DEVICES,
    UsbBus,
    UsbState,
    bus_line,
    device_speeds,
    plug_usb,
    unplug_order,
    unplug_usb,
    usb_state,
)
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    from qmonitor.machine.devices.hotplug import Hotplug

#: hw/usb/dev-storage-classic.c, dev-storage-bot.c: the SCSI buses of the
#: mass storage devices (one target, 16 LUNs; usb-bot's LUNs 0-15 too).
MSD_LIMITS = ScsiLimits(0, 0, 15)
#: hw/usb/dev-uas.c: one target of 256 LUNs.
UAS_LIMITS = ScsiLimits(0, 0, 255)
#: hw/core/qdev-properties-system.c set_chr, with chardev/char-fe.c's reason.
CANT_FIND_CHARDEV = "Property '{}.chardev' can't find value '{}'"
CHARDEV_IN_USE = "Property '{}.chardev' can't take value '{}': Device '{}' is in use"


def new_usb_device(typename: str, ident: str | None, values: dict[str, Any]) -> Device:
    """A USB device not yet on its bus: its product and speeds as its class gives them."""
    product, mask = USB_DEVICES[typename]
    dev = Device(typename, ident, **values)
    dev.usb = UsbState(product, mask)
    dev.bus_lines = lambda: bus_line(dev)
    return dev


def plug_usb_device(
    hotplug: Hotplug,
    driver: str,
    ident: str | None,
    bus: UsbBus,
    values: dict[str, Any],
    hotplugged: bool,
) -> Device:
    """A USB device on ``bus`` (checked and realized in QEMU's order)."""
    chardev = values.get("chardev")
    exists = hotplug.chardev_exists
    if chardev and exists is not None and not exists(str(chardev)):
        raise QapiError(CANT_FIND_CHARDEV.format(driver, chardev))
    if chardev and any(d.values.get("chardev") == chardev for d in hotplug.pc.sysbus.walk()):
        # qdev_prop_set_chr: a chardev takes one frontend.
        raise QapiError(CHARDEV_IN_USE.format(driver, chardev, chardev))
    if driver == "usb-storage" and values.get("drive") and hotplug.drives is not None:
        # The drive property's setter finds it (or fails) before the realize.
        hotplug.drives.resolve(driver, str(values["drive"]))
    given = "mac" in values
    if driver == "usb-net" and not given:
        values["mac"] = hotplug.pc.next_mac()  # qemu_macaddr_default_if_unset
    dev = new_usb_device(driver, ident, values)
    # usb_msd_bot_realize: a hotplugged usb-bot waits for its SCSI device.
    dev.usb.auto_attach = not (driver == "usb-bot" and hotplugged)

    def realize() -> None:
        state = dev.usb
        assert isinstance(state, UsbState)
        if driver in HID_DEVICES:
            _, state.speedmask = device_speeds(driver, values)
        elif driver in ("usb-serial", "usb-braille") and not values.get("chardev"):
            raise QapiError(NEEDS_CHARDEV)
        elif driver == "usb-redir" and not values.get("chardev"):
            raise QapiError(MISSING_PARAMETER.format("chardev"))
        elif driver == "usb-mtp":
            _mtp(dev.values)
        elif driver == "usb-storage":
            _storage(hotplug, dev, ident, values)
        elif driver in ("usb-bot", "usb-uas"):
            limits = MSD_LIMITS if driver == "usb-bot" else UAS_LIMITS
            dev.add_bus(ScsiBus(f"{ident}.0" if ident else hotplug.pc.auto_name("scsi"),
                                limits))  # fmt: skip
        elif driver == "usb-ccid":
            name = f"{ident}.0" if ident else hotplug.pc.auto_name("ccid-bus")
            dev.add_bus(Bus(name, "ccid-bus"))

    plug_usb(bus, dev, lambda: auto_hub(bus), realize)
    if driver == "usb-net" and hotplug.on_nic is not None:
        netdev = str(values.get("netdev", ""))
        hotplug.on_nic(dev, driver, str(values["mac"]), netdev, given)
    return dev


def _storage(hotplug: Hotplug, dev: Device, ident: str | None, values: dict[str, Any]) -> None:
    """usb-storage's realize: its drive goes to a SCSI disk on the device's own bus."""
    drive = values.get("drive")
    if not drive or hotplug.drives is None:
        raise QapiError(DRIVE_NOT_SET)
    blk = hotplug.drives.resolve("usb-storage", str(drive))
    dev.values["drive"] = ""  # the disk holds it now
    sbus = ScsiBus(f"{ident}.0" if ident else hotplug.pc.auto_name("scsi"), MSD_LIMITS)
    sbus.hotpluggable = False
    dev.add_bus(sbus)
    # scsi_bus_legacy_add_drive: a -drive's CD-ROM makes a scsi-cd, the rest a scsi-hd.
    kind = "scsi-cd" if blk.media_cd else "scsi-hd"
    disk = plug_scsi(hotplug.drives, kind, None, sbus,
                     {"drive": blk.name or str(drive), "scsi-id": 0, "lun": 0})  # fmt: skip
    disk.qom_path = None  # set once the device has its own path


def _mtp(values: dict[str, Any]) -> None:
    """usb-mtp's realize: an absolute, readable (and writable unless read-only) rootdir."""
    root = str(values.get("rootdir") or "")
    if not os.path.isabs(root):
        raise QapiError(MTP_NO_ROOTDIR)
    if not os.access(root, os.R_OK):
        raise QapiError(MTP_UNREADABLE)
    if not values.get("readonly", True) and not os.access(root, os.W_OK):
        raise QapiError(MTP_READONLY)
    stripped = root.rstrip("/")  # g_path_get_basename: "/" for the root itself
    values.setdefault("desc", os.path.basename(stripped) if stripped else "/")


def auto_hub(bus: UsbBus) -> Device | None:
    """usb_claim_port's hub, plugged when one port is left (a board device, no id)."""
    hub = new_usb_device("usb-hub", None, {})
    try:
        plug_usb(bus, hub, None)
    except QapiError:
        return None
    return hub


def add_usbdevices(hotplug: Hotplug, names: tuple[str, ...]) -> None:
    """``-usbdevice NAME`` each (usbdevice_create), on the first USB bus."""
    buses = hotplug.pc.usb_buses
    for name in names:
        typename = LEGACY_NAMES.get(name)
        if typename is None or not buses or typename == "usb-braille":
            continue  # the command line refused these already
        dev = new_usb_device(typename, None, {})
        plug_usb(buses[0], dev, lambda: auto_hub(buses[0]))


def unplug_usb_device(hotplug: Hotplug, dev: Device) -> None:
    """``device_del`` of a USB device: it goes at once, a hub's devices before it."""
    for gone in unplug_order(dev):
        state = usb_state(gone)
        assert state is not None
        for child_bus in gone.buses:
            for child in list(child_bus.children):
                # The devices on its SCSI bus go first, each with its DEVICE_DELETED.
                if child.user:
                    hotplug.remove(child)
                    continue
                if hotplug.drives is not None:
                    hotplug.drives.detach(child)
                if gone.user and hotplug.on_removed is not None:
                    # usb-storage's own disk.
                    child.qom_path = f"{gone.qom_path}/{child_bus.name}/legacy[0]"
                    hotplug.on_removed(child)
        if (gone.user or gone.qom_path is not None) and hotplug.on_removed is not None:
            hotplug.on_removed(gone)
        if gone.user:
            if gone.id is not None:
                hotplug.by_id.pop(gone.id, None)
            hotplug.created.remove(gone)
        unplug_usb(gone)
