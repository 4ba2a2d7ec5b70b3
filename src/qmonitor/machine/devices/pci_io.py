"""The PCI devices' I/O BARs in the port space, and the registers of them the model has.

Once a driver has given an I/O BAR an address and enabled I/O decoding
(:mod:`.pci_regs`), ``in`` and ``out`` there reach the device.  The model
has a UHCI controller's port status and control registers
(hw/usb/hcd-uhci.c, ``PORTSC`` at 0x10 + 2 * port): a port with an
attached device reads its connect status and connect change bits, and
the low-speed bit for a low-speed device.  The rest reads zeros and
writes reach nothing: a controller that runs no frame list has nothing
else to show.  A port nothing answers reads all ones.
"""

from __future__ import annotations

from collections.abc import Callable

from qmonitor.machine.devices.pci import PciBus, PciDevice
from qmonitor.machine.devices.pci_regs import mapped_regions
from qmonitor.machine.devices.usb import LOW, UHCI, UsbBus, usb_state

# include/hw/usb/uhci-regs.h.
UHCI_PORTSC = 0x10
PORT_CCS = 0x0001  # a device is connected
PORT_CSC = 0x0002  # the connection changed (set when a device attaches)
PORT_LSDA = 0x0100  # the device is low speed
#: Bit 7 of a UHCI port register is reserved and reads as one.
PORT_RSVD1 = 0x0080


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
            return uhci_read(dev, offset, size)
        return 0

    def port_write(self, addr: int, size: int, value: int) -> None:
        """Writes reach no register the model keeps."""


def uhci_read(dev: PciDevice, offset: int, size: int) -> int:
    """A UHCI register: a port's status, else zero."""
    index = (offset - UHCI_PORTSC) // 2
    if size != 2 or offset < UHCI_PORTSC or offset & 1 or index >= 2:
        return 0
    usb = next((b for b in dev.buses if isinstance(b, UsbBus)), None)
    if usb is None or index >= len(usb.ports):
        return 0  # a companion: its ports are its EHCI's
    value = PORT_RSVD1
    port_dev = usb.ports[index].dev
    state = usb_state(port_dev) if port_dev is not None else None
    if state is not None and state.attached:
        value |= PORT_CCS | PORT_CSC
        if state.speed == LOW:
            value |= PORT_LSDA
    return value
