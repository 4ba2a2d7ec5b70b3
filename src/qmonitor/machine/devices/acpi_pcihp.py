"""PIIX4's ACPI PCI hotplug registers at 0xae00 (hw/acpi/pcihp.c, QEMU 7.2).

A guest's ACPI code answers a hot-unplug request by writing the slot's
bit to the eject register (``PCI_EJ_BASE``): the devices in the lowest
slot written leave the selected bus (``PCI_SEL_BASE``, 0 the root bus)
and their DEVICE_DELETED events follow.  The down register shows the
root bus's slots whose unplug was asked for and not yet ejected; the up
register (slots hotplugged and not yet seen by the guest's ACPI code) is
not kept and reads zero.
"""

from __future__ import annotations

from collections.abc import Callable

from qmonitor.machine.devices.facts import facts
from qmonitor.machine.devices.pci import PciBus
from qmonitor.machine.devices.qdev import Device

#: ACPI_PCIHP_ADDR and ACPI_PCIHP_SIZE.
BASE, SIZE = 0xAE00, 0x18
UP, DOWN, EJECT, REMOVABLE, SELECT = 0x00, 0x04, 0x08, 0x0C, 0x10
#: The registers take 32-bit accesses only; others read zero and write nothing.
ACCESS_SIZE = 4


class AcpiPciHotplug:
    """The registers: ``root`` finds the root bus, ``eject`` removes devices with their events."""

    def __init__(
        self, root: Callable[[], PciBus | None], eject: Callable[[list[Device]], None]
    ) -> None:
        self.root = root
        self.eject = eject
        self.bsel = 0

    def _slots(self, pending_only: bool) -> int:
        bus = self.root()
        if bus is None or self.bsel != 0:
            return 0
        bits = 0
        for dev in bus.devices.values():
            if not pending_only or dev.unplug_pending:
                bits |= 1 << (dev.devfn >> 3)
        return bits

    def port_read(self, addr: int, size: int) -> int:
        if self.root() is None:
            return (1 << (8 * size)) - 1  # no such registers on this board
        if size != ACCESS_SIZE:
            return 0
        if addr == DOWN:
            return self._slots(pending_only=True)
        if addr == REMOVABLE:
            return self._removable()
        if addr == SELECT:
            return self.bsel
        return 0

    def _removable(self) -> int:
        """The slots a guest may eject: all but those of the board's own devices that are
        not hotpluggable (the host bridge, PIIX3, VGA; a default NIC is)."""
        bus = self.root()
        if bus is None or self.bsel != 0:
            return 0
        fixed = 0
        for dev in bus.devices.values():
            if not dev.user and "mac" not in dict(facts(dev.facts_key).props):
                fixed |= 1 << (dev.devfn >> 3)
        return 0xFFFFFFFF & ~fixed

    def port_write(self, addr: int, size: int, value: int) -> None:
        if size != ACCESS_SIZE or self.root() is None:
            return
        if addr == SELECT:
            self.bsel = value
        elif addr == EJECT and value:
            self._eject_slot((value & -value).bit_length() - 1)

    def _eject_slot(self, slot: int) -> None:
        """acpi_pcihp_eject_slot: every user device in the slot goes."""
        bus = self.root()
        if bus is None or self.bsel != 0 or slot > 31:
            return
        devices: list[Device] = [d for d in bus.devices.values() if d.devfn >> 3 == slot and d.user]
        if devices:
            self.eject(devices)
