"""The guest's memory as qtest sees it on a PC, with the PCI devices' mapped BARs on top.

Once a driver has given a BAR an address and enabled memory decoding
(:mod:`.pci_regs`), accesses there reach the device rather than RAM or
unassigned memory.  Of the devices' own registers the model has the
virtio PCI common configuration's status and selector registers
(hw/virtio/virtio-pci.c virtio_pci_common_read/write): a driver resets
the device, acknowledges it and says it has a driver, reading each step
back.  The device's features, its queues, its notifications and its
interrupts need a device that runs (virtqueues processed, memory
transferred) and read as zeros; writes to them, and to the other devices'
BARs, reach nothing.  An EHCI controller's registers are :mod:`.usb_regs`'.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from qmonitor.machine.devices.pci import PciBus, PciDevice
from qmonitor.machine.devices.pci_regs import mapped_regions
from qmonitor.machine.devices.usb import EHCI
from qmonitor.machine.devices.usb_regs import ehci_read, ehci_write

#: The virtio vendor id and the vendor-specific capability (include/hw/pci/pci_ids.h, pci_regs.h).
VIRTIO_VENDOR = 0x1AF4
CAP_VENDOR = 0x09
CAP_LIST = 0x34
STATUS_CAP_LIST = 0x10
#: VIRTIO_PCI_CAP_COMMON_CFG.
COMMON_CFG = 1
# struct virtio_pci_common_cfg (include/standard-headers/linux/virtio_pci.h).
DEVICE_FEATURE_SELECT = 0x00
DRIVER_FEATURE_SELECT = 0x08
DEVICE_STATUS = 0x14
QUEUE_SELECT = 0x16
COMMON_CFG_SIZE = 0x38


class AddressSpace(Protocol):
    """What qtest reads and writes (the board's memory)."""

    def read(self, addr: int, length: int) -> bytes: ...

    def write(self, addr: int, data: bytes) -> None: ...


def _common_cfg(dev: PciDevice) -> tuple[int, int] | None:
    """The BAR and offset of a virtio device's common configuration, from its capabilities."""
    cfg = dev.config
    if int.from_bytes(cfg[0:2], "little") != VIRTIO_VENDOR or not cfg[0x06] & STATUS_CAP_LIST:
        return None
    pos = cfg[CAP_LIST] & ~3
    for _ in range(48):  # a capability list is at most this long in 256 bytes
        if pos < 0x40:
            break
        if cfg[pos] == CAP_VENDOR and cfg[pos + 3] == COMMON_CFG:
            return cfg[pos + 4], int.from_bytes(cfg[pos + 8 : pos + 12], "little")
        pos = cfg[pos + 1] & ~3
    return None


class VirtioCommonCfg:
    """The registers of a virtio device's common configuration the model keeps."""

    def __init__(self) -> None:
        self.status = 0
        self.device_feature_select = 0
        self.driver_feature_select = 0
        self.queue_select = 0

    def read(self, offset: int, size: int) -> int:
        if offset == DEVICE_STATUS and size == 1:
            return self.status
        if offset == DEVICE_FEATURE_SELECT and size == 4:
            return self.device_feature_select
        if offset == DRIVER_FEATURE_SELECT and size == 4:
            return self.driver_feature_select
        if offset == QUEUE_SELECT and size == 2:
            return self.queue_select
        return 0

    def write(self, offset: int, size: int, value: int) -> None:
        if offset == DEVICE_STATUS and size == 1:
            self.status = value & 0xFF  # zero resets the device: nothing else is kept
        elif offset == DEVICE_FEATURE_SELECT and size == 4:
            self.device_feature_select = value
        elif offset == DRIVER_FEATURE_SELECT and size == 4:
            self.driver_feature_select = value
        elif offset == QUEUE_SELECT and size == 2:
            self.queue_select = value


class PciMemoryView:
    """``memory`` with the PCI devices' mapped memory BARs answering their own addresses."""

    def __init__(self, memory: AddressSpace, root: Callable[[], PciBus | None]) -> None:
        self.memory = memory
        self.root = root

    def _target(self, addr: int, length: int) -> tuple[PciDevice, int, int] | None:
        """The device, BAR number and offset an access of ``length`` at ``addr`` falls in."""
        bus = self.root()
        if bus is None:
            return None
        for dev in bus.devices.values():
            for region, base in mapped_regions(dev):
                if region.type == "memory" and base <= addr and addr + length <= base + region.size:
                    return dev, region.bar, addr - base
        return None

    def read(self, addr: int, length: int) -> bytes:
        target = self._target(addr, length) if length <= 8 else None
        if target is None:
            return self.memory.read(addr, length)
        dev, bar, offset = target
        if dev.typename in EHCI:
            return ehci_read(dev, offset, length).to_bytes(length, "little")
        value = 0
        common = _common_cfg(dev)
        if common is not None and common[0] == bar:
            start = offset - common[1]
            if 0 <= start < COMMON_CFG_SIZE:
                value = _regs(dev).read(start, length)
        return value.to_bytes(length, "little")

    def write(self, addr: int, data: bytes) -> None:
        target = self._target(addr, len(data)) if len(data) <= 8 else None
        if target is None:
            self.memory.write(addr, data)
            return
        dev, bar, offset = target
        if dev.typename in EHCI:
            ehci_write(dev, offset, len(data), int.from_bytes(data, "little"))
            return
        common = _common_cfg(dev)
        if common is not None and common[0] == bar:
            start = offset - common[1]
            if 0 <= start < COMMON_CFG_SIZE:
                _regs(dev).write(start, len(data), int.from_bytes(data, "little"))


def _regs(dev: PciDevice) -> VirtioCommonCfg:
    """The device's common configuration registers (made on first use, gone at reset)."""
    regs = dev.device_regs
    if not isinstance(regs, VirtioCommonCfg):
        regs = dev.device_regs = VirtioCommonCfg()
    return regs
