"""Connects the virtio transports to the machine: its SCSI buses, their disks, the drives.

A virtio-scsi-pci function's transport gets a :class:`~.scsi.VirtioScsi`
whose LUN lookup walks the function's SCSI bus (scsi_device_find: the
device at that target and LUN, else any device of that target), each
device served by a :class:`~.scsi_disk.ScsiDisk` over its drive's medium.
The disks live as long as the transport: a system reset makes new ones,
with a new POWER ON unit attention.
"""

from __future__ import annotations

import errno
from collections.abc import Callable

from qmonitor.machine.block import block_io
from qmonitor.machine.block.backend import BlockBackend
from qmonitor.machine.devices.pci import PciDevice
from qmonitor.machine.devices.qdev import Device
from qmonitor.machine.devices.scsi import ScsiBus
from qmonitor.machine.virtio.blk import VirtioBlk
from qmonitor.machine.virtio.scsi import VirtioScsi
from qmonitor.machine.virtio.scsi_disk import ScsiDisk
from qmonitor.machine.virtio.transport import Backend

#: The drive (BlockBackend) a device is attached to, None when it has none.
DriveOf = Callable[[Device], BlockBackend | None]
#: scsi-disk's default logical block sizes (scsi_hd / scsi_cd realize).
BLOCKSIZE = {"scsi-hd": 512, "scsi-cd": 2048}


class BackendMedium:
    """A drive's medium seen by a SCSI disk, through the block layer."""

    def __init__(self, blk: BlockBackend | None) -> None:
        self.blk = blk

    def size(self) -> int | None:
        blk = self.blk
        if blk is None or blk.medium is None or blk.tray_open:
            return None
        return blk.medium.size

    def writable(self) -> bool:
        return (
            self.blk is not None and self.blk.medium is not None and not self.blk.medium.read_only
        )

    def read(self, offset: int, length: int) -> bytes:
        assert self.blk is not None and self.blk.medium is not None
        try:
            data = block_io.read(self.blk.medium, offset, length)
        except block_io.IoFailed:
            return bytes(length)
        return data if data is not None else bytes(length)

    def write(self, offset: int, data: bytes | None, length: int, unmap: bool = False) -> None:
        assert self.blk is not None and self.blk.medium is not None
        try:
            block_io.write(self.blk.medium, offset, length, data, unmap=unmap)
        except block_io.IoFailed as err:
            if err.errno != errno.ENOTSUP:
                raise

    def discard(self, offset: int, length: int) -> None:
        assert self.blk is not None and self.blk.medium is not None
        block_io.discard(self.blk.medium, offset, length)


def _blocksize(dev: Device) -> int:
    value = dev.values.get("logical_block_size")
    return int(value) if value else BLOCKSIZE.get(dev.typename, 512)


def scsi_backend(dev: PciDevice, drive_of: DriveOf) -> VirtioScsi | None:
    """The virtio-scsi device behind ``dev``, with its bus's disks."""
    bus = next(
        (b for vbus in dev.buses for v in vbus.children for b in v.buses if isinstance(b, ScsiBus)),
        None,
    )
    if bus is None:
        return None
    disks: dict[int, ScsiDisk] = {}

    def disk(device: Device) -> ScsiDisk:
        made = disks.get(id(device))
        if made is None:
            medium = BackendMedium(drive_of(device))
            lun = int(device.values.get("lun", 0))
            made = disks[id(device)] = ScsiDisk(device.typename, medium, _blocksize(device), lun)
        return made

    def lookup(target: int, lun: int) -> ScsiDisk | None:
        same_target = None
        for device in bus.children:
            if device.values.get("channel", 0) != 0 or device.values.get("scsi-id") != target:
                continue
            if device.values.get("lun") == lun:
                return disk(device)
            same_target = same_target or device
        return disk(same_target) if same_target is not None else None

    return VirtioScsi(lookup)


def blk_backend(dev: PciDevice, drive_of: DriveOf) -> VirtioBlk:
    """The virtio-blk device behind ``dev``, over the drive its virtio device has."""
    inner = [v for vbus in dev.buses for v in vbus.children]
    blk = next((b for b in (drive_of(d) for d in (*inner, dev)) if b is not None), None)
    values = {**dev.values, **(inner[0].values if inner else {})}
    return VirtioBlk(BackendMedium(blk), str(values.get("serial") or ""), _blocksize_of(values))


def _blocksize_of(values: dict[str, object]) -> int:
    value = values.get("logical_block_size")
    return int(value) if isinstance(value, int) and value else 512


def virtio_backend(dev: PciDevice, drive_of: DriveOf) -> Backend | None:
    """The device that processes ``dev``'s queues, for the types that have one."""
    if dev.typename == "virtio-scsi-pci":
        return scsi_backend(dev, drive_of)
    if dev.typename == "virtio-blk-pci":
        return blk_backend(dev, drive_of)
    return None
