"""The guest's memory as qtest sees it on a PC, with the PCI devices' mapped BARs on top.

Once a driver has given a BAR an address and enabled memory decoding
(:mod:`.pci_regs`), accesses there reach the device rather than RAM or
unassigned memory.  A virtio device's BAR holds the regions its vendor
capabilities name (common configuration, ISR, device configuration,
notifications), served by its transport (:mod:`qmonitor.machine.virtio`),
which reads and writes the guest's RAM for its queues.  Writes to the
other devices' BARs reach nothing and reads give zeros.  An EHCI
controller's registers are :mod:`.usb_regs`'.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from qmonitor.machine.devices.pci import PciBus, PciDevice
from qmonitor.machine.devices.pci_regs import CAP_ID_MSIX, find_capability, mapped_regions
from qmonitor.machine.devices.usb import EHCI
from qmonitor.machine.devices.usb_regs import ehci_read, ehci_write
from qmonitor.machine.virtio.msix import ENTRY_SIZE, Msix
from qmonitor.machine.virtio.transport import Backend, VirtioPci, offers

#: The virtio vendor id and the vendor-specific capability (include/hw/pci/pci_ids.h, pci_regs.h).
VIRTIO_VENDOR = 0x1AF4
CAP_VENDOR = 0x09
CAP_LIST = 0x34
STATUS_CAP_LIST = 0x10
CAP_MSIX = 0x11
#: VIRTIO_PCI_CAP_*_CFG.
COMMON_CFG, NOTIFY_CFG, ISR_CFG, DEVICE_CFG = 1, 2, 3, 4


class AddressSpace(Protocol):
    """What qtest reads and writes (the board's memory)."""

    def read(self, addr: int, length: int) -> bytes: ...

    def write(self, addr: int, data: bytes) -> None: ...


#: Makes the device behind a virtio PCI function's transport (None: it processes nothing).
BackendFactory = Callable[[PciDevice], Backend | None]


def _no_backend(dev: PciDevice) -> Backend | None:
    return None


def _word(cfg: bytearray, at: int) -> int:
    return int.from_bytes(cfg[at : at + 2], "little")


def _dword(cfg: bytearray, at: int) -> int:
    return int.from_bytes(cfg[at : at + 4], "little")


def _capabilities(dev: PciDevice) -> tuple[dict[int, tuple[int, int, int]], int, int]:
    """The virtio regions (type: bar, offset, length), the notify multiplier, MSI-X vectors."""
    cfg = dev.config
    regions: dict[int, tuple[int, int, int]] = {}
    multiplier = vectors = 0
    if int.from_bytes(cfg[0:2], "little") != VIRTIO_VENDOR or not cfg[0x06] & STATUS_CAP_LIST:
        return regions, multiplier, vectors
    pos = cfg[CAP_LIST] & ~3
    for _ in range(48):  # a capability list is at most this long in 256 bytes
        if pos < 0x40:
            break
        if cfg[pos] == CAP_VENDOR and cfg[pos + 3] not in regions:
            kind = cfg[pos + 3]
            regions[kind] = (cfg[pos + 4], _dword(cfg, pos + 8), _dword(cfg, pos + 12))
            if kind == NOTIFY_CFG:
                multiplier = _dword(cfg, pos + 16)
        elif cfg[pos] == CAP_MSIX:
            vectors = (int.from_bytes(cfg[pos + 2 : pos + 4], "little") & 0x7FF) + 1
        pos = cfg[pos + 1] & ~3
    return regions, multiplier, vectors


class PciMemoryView:
    """``memory`` with the PCI devices' mapped memory BARs answering their own addresses."""

    def __init__(
        self,
        memory: AddressSpace,
        root: Callable[[], PciBus | None],
        backends: BackendFactory = _no_backend,
    ) -> None:
        self.memory = memory
        self.root = root
        self.backends = backends

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
        msix = self._msix(dev, bar, offset)
        if msix is not None:
            table, start = msix
            return table.read(start, length).to_bytes(length, "little")
        found = self._virtio(dev, bar, offset, length)
        value = 0
        if found is not None:
            transport, kind, start = found
            if kind == COMMON_CFG:
                value = transport.common_read(start, length)
            elif kind == ISR_CFG:
                value = transport.isr_read() if start == 0 else 0
            elif kind == DEVICE_CFG:
                value = transport.config_read(start, length)
        return (value & ((1 << (8 * length)) - 1)).to_bytes(length, "little")

    def write(self, addr: int, data: bytes) -> None:
        target = self._target(addr, len(data)) if len(data) <= 8 else None
        if target is None:
            self.memory.write(addr, data)
            return
        dev, bar, offset = target
        if dev.typename in EHCI:
            ehci_write(dev, offset, len(data), int.from_bytes(data, "little"))
            return
        msix = self._msix(dev, bar, offset)
        if msix is not None:
            table, start = msix
            table.write(start, len(data), int.from_bytes(data, "little"), self.memory)
            return
        found = self._virtio(dev, bar, offset, len(data))
        if found is None:
            return
        transport, kind, start = found
        value = int.from_bytes(data, "little")
        if kind == COMMON_CFG:
            transport.common_write(start, len(data), value)
        elif kind == DEVICE_CFG:
            transport.config_write(start, len(data), value)
        elif kind == NOTIFY_CFG:
            _, multiplier, _ = _capabilities(dev)
            transport.notify(start // multiplier if multiplier else 0)

    def _virtio(
        self, dev: PciDevice, bar: int, offset: int, length: int
    ) -> tuple[VirtioPci, int, int] | None:
        """The transport, region type and offset in it an access to ``bar`` reaches."""
        regions, _, vectors = _capabilities(dev)
        for kind, (rbar, start, size) in regions.items():
            if rbar == bar and start <= offset and offset + length <= start + size:
                transport = self.transport(dev, vectors)
                return (transport, kind, offset - start) if transport is not None else None
        return None

    def _msix(self, dev: PciDevice, bar: int, offset: int) -> tuple[Msix, int] | None:
        """The MSI-X table or pending bits an access to ``bar`` reaches, and where in them."""
        cap = find_capability(dev.config, CAP_ID_MSIX)
        if cap is None:
            return None
        table, pba = _dword(dev.config, cap + 4), _dword(dev.config, cap + 8)
        if table & 7 != bar:
            return None
        transport = self.transport(dev, (_word(dev.config, cap + 2) & 0x7FF) + 1)
        if transport is None or transport.msix is None:
            return None
        base = table & ~7
        if pba & 7 == bar and offset >= pba & ~7:
            return transport.msix, transport.msix.pba_offset + offset - (pba & ~7)
        return transport.msix, offset - base

    def transport(self, dev: PciDevice, vectors: int = 0) -> VirtioPci | None:
        """The device's virtio transport (made on first use, gone at reset)."""
        regs = dev.device_regs
        if isinstance(regs, VirtioPci):
            return regs
        offer = offers().get(dev.typename)
        if offer is None:
            return None
        regs = VirtioPci(offer, self.memory, self.backends(dev), nvectors=vectors)
        cap = find_capability(dev.config, CAP_ID_MSIX)
        if cap is not None:
            count = (_word(dev.config, cap + 2) & 0x7FF) + 1
            regs.msix = Msix(count, count * ENTRY_SIZE, lambda: _word(dev.config, cap + 2))
        dev.device_regs = regs
        return regs
