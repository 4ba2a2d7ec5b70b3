"""The storage devices a PC board makes for the command line's drives (hw/ide, hw/block/fdc.c).

i440FX's PIIX3 IDE controller has two buses of two units, Q35's AHCI
controller six ports of one: each ``-drive if=ide`` at a bus and unit
becomes an ``ide-hd`` (or ``ide-cd`` for a CD-ROM) there, in bus and
unit order.  The ISA floppy controller makes a ``floppy`` for each
``if=floppy`` drive.  A disk's geometry is the one QEMU guesses from its
size when the image has no partition table to read it from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qmonitor.machine.devices.qdev import Bus, Device
from qmonitor.qapi.error import QapiError


@dataclass(frozen=True, slots=True)
class BoardDrive:
    """What the board needs of a ``-drive``: where it goes and what it holds."""

    interface: str
    bus: int
    unit: int
    cdrom: bool
    name: str
    #: The medium's length in bytes (0: no medium).
    size: int = 0


def guess_chs(size: int) -> tuple[int, int, int]:
    """hw/block/hd-geometry.c guess_chs_for_size: 16 heads, 63 sectors."""
    cylinders = size // 512 // (16 * 63)
    return max(2, min(cylinders, 16383)), 16, 63


#: hw/block/fdc.c's fd_formats: (drive type, sectors, tracks, heads - 1), in its order.
_FD_FORMATS = (
    ("144", 18, 80, 1), ("144", 20, 80, 1), ("144", 21, 80, 1), ("144", 21, 82, 1),
    ("144", 21, 83, 1), ("144", 22, 80, 1), ("144", 23, 80, 1), ("144", 24, 80, 1),
    ("288", 36, 80, 1), ("288", 39, 80, 1), ("288", 40, 80, 1), ("288", 44, 80, 1),
    ("288", 48, 80, 1), ("144", 9, 80, 1), ("144", 10, 80, 1), ("144", 10, 82, 1),
    ("144", 10, 83, 1), ("144", 13, 80, 1), ("144", 14, 80, 1), ("120", 15, 80, 1),
    ("120", 18, 80, 1), ("120", 18, 82, 1), ("120", 18, 83, 1), ("120", 20, 80, 1),
    ("120", 9, 80, 1), ("120", 11, 80, 1), ("120", 9, 40, 1), ("120", 9, 40, 0),
    ("120", 10, 41, 1), ("120", 10, 42, 1), ("120", 8, 40, 1), ("120", 8, 40, 0),
    ("144", 9, 80, 0),
)  # fmt: skip


def floppy_drive_type(size: int) -> str:
    """pick_geometry for an ``auto`` drive: the type of the first format of the medium's size.

    Without a medium, or for a size no format has, the fallback type (2.88 MB).
    """
    sectors = size // 512
    for kind, sects, tracks, max_head in _FD_FORMATS:
        if sects * tracks * (max_head + 1) == sectors:
            return kind
    return "288"


def ide_devices(buses: Sequence[Bus], drives: Sequence[BoardDrive]) -> list[Device]:
    """ide-hd and ide-cd on the controller's buses for the IDE drives, in bus and unit order."""
    units = 1 if len(buses) > 2 else 2  # AHCI ports: one unit each
    made = []
    ide = sorted((d for d in drives if d.interface == "ide"), key=lambda d: (d.bus, d.unit))
    for drive in ide:
        if drive.bus >= len(buses) or drive.unit >= units:
            continue
        # Each IDE bus has two drive slots; QEMU numbers their serials in order.
        serial = f"QM{drive.bus * 2 + drive.unit + 1:05d}"
        values: dict[str, object] = {"drive": drive.name, "serial": serial}
        if drive.cdrom:
            dev = Device("ide-cd", **values, unit=drive.unit)
        else:
            cyls, heads, secs = guess_chs(drive.size)
            dev = Device("ide-hd", **values, cyls=cyls, heads=heads, secs=secs, unit=drive.unit)
        buses[drive.bus].add(dev)
        made.append(dev)
    return made


def floppy_devices(bus: Bus, drives: Sequence[BoardDrive]) -> list[Device]:
    """The floppy drives of the ISA floppy controller (units 0 and 1)."""
    made = []
    for drive in sorted((d for d in drives if d.interface == "floppy"), key=lambda d: d.unit):
        if drive.bus == 0 and drive.unit < 2:
            kind = floppy_drive_type(drive.size)
            dev = Device("floppy", unit=drive.unit, drive=drive.name, **{"drive-type": kind})
            made.append(bus.add(dev))
    return made


# Texts of QEMU 7.2 (hw/core/qdev-properties-system.c, hw/ide/qdev.c, hw/block/fdc.c,
# hw/ide/core.c, hw/block/virtio-blk.c).
CANT_FIND = "Property '{}.{}' can't find value '{}'"
IN_USE_AUTO = (
    "Drive '{}' is already in use because it has been automatically connected to another "
    "device (did you need 'if=none' in the drive options?)"
)
IN_USE = "Drive '{}' is already in use by another device"
NO_DRIVE = "No drive specified"
IDE_UNIT_IN_USE = "IDE unit {} is in use"
IDE_UNIT_TOO_BIG = "Can't create IDE unit {}, bus supports only {} units"
#: hw/ide/core.c, hw/block/virtio-blk.c: a disk whose drive has no medium.
NEEDS_MEDIA = "Device needs media, but drive is empty"

#: The storage devices the model makes, and the bus type each plugs into.
STORAGE_DEVICES = {"ide-hd": "IDE", "ide-cd": "IDE", "floppy": "floppy-bus"}
#: What each device type tells its drive: removable media, a tray, I/O status.
MEDIA_KINDS = {
    "ide-hd": (False, False, True), "ide-cd": (True, True, True),
    "floppy": (True, False, False), "virtio-blk-device": (False, False, True),
    "scsi-hd": (False, False, True), "scsi-cd": (True, True, True),
}  # fmt: skip


def free_ide_unit(bus: Bus, unit: int | None, max_units: int) -> int:
    """ide_qdev_realize: the unit asked for, or the first free one; QEMU's errors."""
    taken = {dev.values.get("unit", 0) for dev in bus.children}
    if unit is None:
        unit = 1 if 0 in taken else 0
    if unit >= max_units:
        raise QapiError(IDE_UNIT_TOO_BIG.format(unit, max_units))
    if unit in taken:
        raise QapiError(IDE_UNIT_IN_USE.format(unit))
    return unit
