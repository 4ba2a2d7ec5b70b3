"""The registers of USB host controllers the model has: port status, and EHCI's port owners.

A UHCI controller's ``PORTSC`` registers (hw/usb/hcd-uhci.c, at 0x10 + 2 *
port of its I/O BAR) show a connected device, and a low-speed one.  An
EHCI controller's (hw/usb/hcd-ehci.c, memory BAR: operational registers
at 0x20, ``CONFIGFLAG`` at 0x60, ``PORTSC`` at 0x64 + 4 * port) show port
power, the owner of each port and a connected device.  A port with a
UHCI companion belongs to the companion after a reset, so the device on
it shows in the companion's register; writing 1 to ``CONFIGFLAG`` hands
every port to the EHCI controller.  The other registers read zeros and
writes to them reach nothing: a controller that runs no schedule has
nothing else to show.
"""

from __future__ import annotations

from collections.abc import Callable

from qmonitor.machine.devices.pci import PciDevice
from qmonitor.machine.devices.usb import LOW, UsbBus, UsbPort, usb_state

# include/hw/usb/uhci-regs.h.
UHCI_PORTSC = 0x10
PORT_CCS = 0x0001  # a device is connected
PORT_CSC = 0x0002  # the connection changed (set when a device attaches)
PORT_LSDA = 0x0100  # the device is low speed
#: Bit 7 of a UHCI port register is reserved and reads as one.
PORT_RSVD1 = 0x0080
# include/hw/usb/ehci-regs.h, with hcd-ehci-pci.c's operational registers at 0x20.
EHCI_CONFIGFLAG = 0x20 + 0x40
EHCI_PORTSC = 0x20 + 0x44
PORTSC_POWNER = 1 << 13
PORTSC_PPOWER = 1 << 12
PORTSC_CSC = 1 << 1
PORTSC_CONNECT = 1 << 0

#: Finds an EHCI controller by the name of its bus (a companion's masterbus).
FindMaster = Callable[[str], PciDevice | None]


class EhciRegs:
    """An EHCI controller's ``CONFIGFLAG`` and the ports it took from its companions."""

    def __init__(self) -> None:
        self.configflag = 0
        self.taken: set[int] = set()


def _ehci_regs(dev: PciDevice) -> EhciRegs:
    regs = dev.device_regs
    if not isinstance(regs, EhciRegs):
        regs = dev.device_regs = EhciRegs()  # gone at a reset: the companions own their ports
    return regs


def _usb_bus(dev: PciDevice) -> UsbBus | None:
    return next((b for b in dev.buses if isinstance(b, UsbBus)), None)


def _connected(port: UsbPort) -> bool:
    state = usb_state(port.dev) if port.dev is not None else None
    return state is not None and state.attached


def _companion_owns(ehci: PciDevice, bus: UsbBus, index: int) -> bool:
    return index in bus.companion_ports and index not in _ehci_regs(ehci).taken


def uhci_read(dev: PciDevice, offset: int, size: int, find_master: FindMaster) -> int:
    """A UHCI register: a port's status, else zero."""
    index = (offset - UHCI_PORTSC) // 2
    if size != 2 or offset < UHCI_PORTSC or offset & 1 or index >= 2:
        return 0
    value = PORT_RSVD1
    bus = _usb_bus(dev)
    if bus is not None:
        port = bus.ports[index] if index < len(bus.ports) else None
    else:  # a companion: its ports are its EHCI's, while it owns them
        ehci = find_master(str(dev.values.get("masterbus", "")))
        master = _usb_bus(ehci) if ehci is not None else None
        index += int(dev.values.get("firstport", 0))
        if ehci is None or master is None or not _companion_owns(ehci, master, index):
            return value
        port = master.ports[index]
    if port is not None and _connected(port):
        value |= PORT_CCS | PORT_CSC
        state = usb_state(port.dev) if port.dev is not None else None
        if state is not None and state.speed == LOW:
            value |= PORT_LSDA
    return value


def ehci_read(dev: PciDevice, offset: int, size: int) -> int:
    """An EHCI register: ``CONFIGFLAG``, a port's status, else zero."""
    bus = _usb_bus(dev)
    if size != 4 or offset & 3 or bus is None:
        return 0
    if offset == EHCI_CONFIGFLAG:
        return _ehci_regs(dev).configflag
    index = (offset - EHCI_PORTSC) // 4
    if offset < EHCI_PORTSC or index >= len(bus.ports):
        return 0
    if _companion_owns(dev, bus, index):
        return PORTSC_POWNER | PORTSC_PPOWER
    value = PORTSC_PPOWER
    if _connected(bus.ports[index]):
        value |= PORTSC_CONNECT | PORTSC_CSC
    return value


def ehci_write(dev: PciDevice, offset: int, size: int, value: int) -> None:
    """``CONFIGFLAG``: 1 hands every port to the EHCI controller."""
    bus = _usb_bus(dev)
    if offset != EHCI_CONFIGFLAG or size != 4 or bus is None:
        return
    regs = _ehci_regs(dev)
    regs.configflag = value & 1
    if regs.configflag:
        regs.taken |= bus.companion_ports
