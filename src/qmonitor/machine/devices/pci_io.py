"""The PCI devices' I/O BARs in the port space, and the registers of them the model has.

Once a driver has given an I/O BAR an address and enabled I/O decoding
(:mod:`.pci_regs`), ``in`` and ``out`` there reach the device.  The model
has a UHCI controller's port status and control registers
(:mod:`.usb_regs`); the rest reads zeros and writes reach nothing.  A
port nothing answers reads all ones.
"""

from __future__ import annotations

from collections.abc import Callable

from qmonitor.machine.devices.pci import PciBus, PciDevice
from qmonitor.machine.devices.pci_regs import mapped_regions
from qmonitor.machine.devices.usb import EHCI, UHCI
from qmonitor.machine.devices.usb_regs import uhci_read


class PciIoView:
    """The I/O BARs of the devices on the root bus, by absolute port address."""

    def __init__(self, root: Callable[[], PciBus | None]) -> None:
        self.root = root

    def _target(self, addr: int, size: int) -> tuple[PciDevice, int] | None:
        bus = self.root()
        if bus is None:
            return None
        for dev in bus.devices.values():
            for region, base in mapped_regions(dev):
                if region.type == "io" and base <= addr and addr + size <= base + region.size:
                    return dev, addr - base
        return None

    def port_read(self, addr: int, size: int) -> int:
        target = self._target(addr, size)
        if target is None:
            return (1 << (8 * size)) - 1
        dev, offset = target
        if dev.typename in UHCI:
            return uhci_read(dev, offset, size, self.find_master)
        return 0

    def find_master(self, name: str) -> PciDevice | None:
        """The EHCI controller whose bus is ``name`` (a UHCI companion's masterbus)."""
        bus = self.root()
        if bus is None:
            return None
        for dev in bus.devices.values():
            if dev.typename in EHCI and any(b.name == name for b in dev.buses):
                return dev
        return None

    def port_write(self, addr: int, size: int, value: int) -> None:
        """Writes reach no register the model keeps."""
