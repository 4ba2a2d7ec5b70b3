"""SCSI host adapters' buses and the disks on them (hw/scsi/scsi-bus.c, hw/scsi/scsi-disk.c).

An adapter (``virtio-scsi-pci``'s virtio device, ``lsi53c895a``,
``megasas``, ``mptsas1068``, ``am53c974``, ``dc390``, ``pvscsi`` ...) owns
one SCSI bus, named after the adapter's
id (``ID.0``) or, without one, ``scsi.N`` with a counter shared by all
SCSI buses.  Each adapter takes its own ranges of channel, target
(``scsi-id``) and LUN.  A device left without a target takes the first
free one (LUN 0 unless given), one left without a LUN the first free LUN
of its target; QEMU's texts name what went wrong.

A SCSI bus takes hotplugged devices and lets them go at once: no guest
has to agree, so ``device_del`` removes the device and its
DEVICE_DELETED follows the reply.  ``scsi-block`` needs a host SCSI
device to pass commands to; the null machine's images are none, so it
fails as QEMU does on an image that answers no SG_IO ioctl.  The vhost
proxies (``vhost-scsi-pci``, ``vhost-user-scsi-pci``) fail as QEMU does on
a host without a vhost back-end.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qmonitor.machine.devices.blocksize import check_blocksizes
from qmonitor.machine.devices.qdev import Bus, Device
from qmonitor.machine.devices.storage import guess_chs
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    from qmonitor.machine.devices.drive_attach import DriveAttach

# Texts of QEMU 7.2 (hw/scsi/scsi-bus.c, hw/scsi/scsi-disk.c).
BAD_CHANNEL = "bad scsi channel id: {}"
BAD_TARGET = "bad scsi device id: {}"
BAD_LUN = "bad scsi device lun: {}"
LUN_USED = "lun already used by '{}'"
NO_FREE_TARGET = "no free target"
NO_FREE_LUN = "no free lun"
DRIVE_NOT_SET = "drive property not set"
#: scsi-block's SG_GET_VERSION_NUM ioctl, which no image but a host device answers.
NO_SG_IO = "cannot get SG_IO version number: Operation not supported"
#: What QEMU adds to it on the command line (error_append_hint).
NO_SG_IO_HINT = "Is this a SCSI device?"


class NoSgIo(QapiError):
    """scsi-block on an image: QEMU's error, and the hint its command line prints after it."""

    hint = NO_SG_IO_HINT

    def __init__(self) -> None:
        super().__init__(NO_SG_IO)


@dataclass(frozen=True, slots=True)
class ScsiLimits:
    """The highest channel, target and LUN an adapter's bus takes (its SCSIBusInfo)."""

    max_channel: int
    max_target: int
    max_lun: int


#: The adapters whose bus is modelled, by the type that owns the bus.
ADAPTERS = {
    # VIRTIO_SCSI_MAX_CHANNEL/TARGET/LUN (include/hw/virtio/virtio-scsi.h)
    "virtio-scsi-device": ScsiLimits(0, 255, 16383),
    "lsi53c895a": ScsiLimits(0, 7, 0),  # LSI_MAX_DEVS; its LUNs beyond 0 are off
    "lsi53c810": ScsiLimits(0, 7, 0),  # the same adapter with another PCI id
    "megasas": ScsiLimits(0, 64, 255),  # MFI_MAX_LD
    "megasas-gen2": ScsiLimits(0, 64, 255),
    "mptsas1068": ScsiLimits(0, 8, 1),  # MPTSAS_NUM_PORTS
    # ESP_MAX_DEVS targets of 8 LUNs (hw/scsi/esp-pci.c); dc390 is an am53c974
    "am53c974": ScsiLimits(0, 7, 7),
    "dc390": ScsiLimits(0, 7, 7),
    "pvscsi": ScsiLimits(0, 64, 0),  # PVSCSI_MAX_DEVS, LUN 0 only
}
#: The vhost SCSI proxies: their realize needs a vhost back-end, which fails here.
VHOST_SCSI = ("vhost-scsi-pci", "vhost-user-scsi-pci")
# Texts of hw/scsi/vhost-scsi.c and hw/scsi/vhost-user-scsi.c (QEMU 7.2).
MISSING_WWPN = "vhost-scsi: missing wwpn"
NO_VHOST_DEVICE = "vhost-scsi: open vhost char device failed: {}"
MISSING_CHARDEV = "vhost-user-scsi: missing chardev"
#: The kernel's vhost SCSI target device, which vhost-scsi opens without a ``vhostfd``.
VHOST_SCSI_DEVICE = "/dev/vhost-scsi"
#: The devices that plug into a SCSI bus.
SCSI_DEVICES = ("scsi-hd", "scsi-cd", "scsi-block")
#: The adapters whose ``sas_address`` comes from where they sit on the PCI bus.
_SAS_ADAPTERS = ("megasas", "megasas-gen2", "mptsas1068")
#: NAA locally assigned ID and IEEE company locally assigned (hw/scsi/mptsas.c, megasas.c).
_SAS_BASE = ((0x3 << 24) | 0x525400) << 36


class ScsiBus(Bus):
    """A SCSI bus: its adapter's limits; devices plug and unplug at once."""

    def __init__(self, name: str, limits: ScsiLimits) -> None:
        super().__init__(name, "SCSI")
        self.limits = limits
        self.hotpluggable = True

    def occupant(self, channel: int, target: int, lun: int) -> Device | None:
        """The device at that address (scsi_bus_is_address_free's answer)."""
        for dev in self.children:
            values = dev.values
            if (values.get("channel"), values.get("scsi-id"), values.get("lun")) == (
                channel, target, lun,
            ):  # fmt: skip
                return dev
        return None


def sas_address(devfn: int, bus_number: int = 0) -> int:
    """The SAS address megasas and mptsas1068 make for themselves when given none."""
    return _SAS_BASE | bus_number << 16 | (devfn >> 3) << 8 | (devfn & 7)


def adapter_bus(
    owner: Device, ident: str | None, auto_name: Callable[[str], str]
) -> ScsiBus | None:
    """Give ``owner`` its SCSI bus if it is an adapter (``auto_name``: qbus's automatic name)."""
    limits = ADAPTERS.get(owner.typename)
    if limits is None:
        return None
    bus = ScsiBus(f"{ident}.0" if ident else auto_name("scsi"), limits)
    owner.add_bus(bus)
    return bus


def adapter_values(driver: str, devfn: int, values: dict[str, Any]) -> None:
    """The values an adapter's realize fills in: a SAS adapter's address."""
    if driver in _SAS_ADAPTERS and not values.get("sas_address"):
        values["sas_address"] = sas_address(devfn)


def vhost_scsi_error(driver: str, values: dict[str, Any]) -> QapiError | None:
    """Why a vhost SCSI device's realize fails, in QEMU's order of checks.

    None when it would get as far as talking to a back-end (a ``vhostfd``,
    a chardev, a host with ``/dev/vhost-scsi``), which the model does not do.
    """
    if driver == "vhost-user-scsi-pci":
        return None if values.get("chardev") else QapiError(MISSING_CHARDEV)
    if not values.get("wwpn"):
        return QapiError(MISSING_WWPN)
    if values.get("vhostfd"):
        return None
    try:
        fd = os.open(VHOST_SCSI_DEVICE, os.O_RDWR | os.O_CLOEXEC)
    except OSError as err:
        return QapiError(NO_VHOST_DEVICE.format(os.strerror(err.errno or 0)))
    os.close(fd)
    return None


def _signed(value: int) -> int:
    """A uint32 property as QEMU's ``%d`` prints it."""
    return value - (1 << 32) if value >= 1 << 31 else value


def _address(bus: ScsiBus, values: dict[str, Any]) -> tuple[int, int, int]:
    """scsi_bus_check_address, then scsi_qdev_realize's search for a free target or LUN."""
    limits = bus.limits
    channel = values.get("channel", 0)
    target = values.get("scsi-id", 0xFFFFFFFF)
    lun = values.get("lun", 0xFFFFFFFF)
    unset = 0xFFFFFFFF
    if channel > limits.max_channel:
        raise QapiError(BAD_CHANNEL.format(_signed(channel)))
    if target != unset and target > limits.max_target:
        raise QapiError(BAD_TARGET.format(_signed(target)))
    if lun != unset and lun > limits.max_lun:
        raise QapiError(BAD_LUN.format(_signed(lun)))
    if target != unset and lun != unset:
        other = bus.occupant(channel, target, lun)
        if other is not None:
            raise QapiError(LUN_USED.format(other.id or "(null)"))
        return channel, target, lun
    if target == unset:
        lun = 0 if lun == unset else lun
        for target in range(limits.max_target + 1):
            if bus.occupant(channel, target, lun) is None:
                return channel, target, lun
        raise QapiError(NO_FREE_TARGET)
    for lun in range(limits.max_lun + 1):
        if bus.occupant(channel, target, lun) is None:
            return channel, target, lun
    raise QapiError(NO_FREE_LUN)


def plug_scsi(
    drives: DriveAttach, driver: str, ident: str | None, bus: ScsiBus, values: dict[str, Any]
) -> Device:
    """A SCSI disk, CD-ROM or passthrough device on ``bus``, checked in QEMU's order."""
    from qmonitor.machine.block.backend import BlockBackend

    blk = None
    if "drive" in values:
        blk = drives.resolve(driver, str(values["drive"]))
    channel, target, lun = _address(bus, values)
    if driver != "scsi-cd" and blk is None:
        raise QapiError(DRIVE_NOT_SET)
    if driver == "scsi-block":
        raise NoSgIo()
    check_blocksizes(values)
    values = {**values, "channel": channel, "scsi-id": target, "lun": lun}
    if driver == "scsi-hd" and blk is not None and blk.medium is not None:
        cyls, heads, secs = guess_chs(blk.medium.size)
        values.update(cyls=cyls, heads=heads, secs=secs)
    if blk is None:
        blk = BlockBackend("")
    values["drive"] = drives.drive_value(blk)
    if driver != "scsi-block" and not values.get("device_id"):
        # scsi_realize: the serial's first 20 characters, else the drive's name.
        serial = str(values.get("serial") or "")
        if serial or blk.name:
            values["device_id"] = serial[:20] if serial else blk.name
    dev = Device(driver, ident, **values)
    bus.add(dev)
    try:
        drives.attach(blk, dev, driver)
    except QapiError:
        bus.remove(dev)  # its realize failed: it leaves the bus
        raise
    return dev
