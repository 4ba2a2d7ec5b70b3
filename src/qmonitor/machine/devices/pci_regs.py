"""Writable PCI configuration registers and the BARs they map (hw/pci/pci.c, QEMU 7.2).

A device's configuration space starts as recorded (its reset state).  A
write changes only the bits QEMU's write mask lets through
(pci_default_write_config): the command register's I/O, memory, bus
master, SERR and INTx-disable bits, the cache line size, the interrupt
line, and each BAR's address bits above its size (the type bits stay), so
that writing all ones to a BAR reads back its size, as a driver sizes it.
A system reset puts those bits back as they were (pci_do_device_reset).

A BAR is mapped once it holds a nonzero address and the command register
enables its kind of space (pci_bar_address); ``query-pci`` and
``info pci`` then show its address.  Only ordinary devices (header type
0) take writes here; the device-specific area past the header and a
bridge's registers keep their reset values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qmonitor.machine.devices.facts import Region, facts

if TYPE_CHECKING:
    from qmonitor.machine.devices.pci import PciDevice

# Offsets and bits of include/hw/pci/pci_regs.h.
COMMAND = 0x04
COMMAND_IO = 0x1
COMMAND_MEMORY = 0x2
COMMAND_MASTER = 0x4
COMMAND_SERR = 0x100
COMMAND_INTX_DISABLE = 0x400
STATUS = 0x06
CACHE_LINE_SIZE = 0x0C
BASE_ADDRESS_0 = 0x10
ROM_ADDRESS = 0x30
ROM_ADDRESS_ENABLE = 0x1
INTERRUPT_LINE = 0x3C
HEADER_TYPE = 0x0E
CAPABILITY_LIST = 0x34
STATUS_CAP_LIST = 0x10
CAP_ID_MSIX = 0x11
#: The high byte of MSI-X's message control a driver may write (ENABLE, MASKALL).
MSIX_CONTROL_BITS = 0xC0
HEADER_SIZE = 0x40
#: The ROM's region number (PCI_ROM_SLOT).
ROM_SLOT = 6
#: pci_init_w1cmask: the status bits a write of one clears.
STATUS_W1C = 0x0100 | 0x0800 | 0x1000 | 0x2000 | 0x4000 | 0x8000
#: What pci_bar_address answers for a BAR that maps nothing.
UNMAPPED = (1 << 64) - 1


def _bar_offset(region: Region) -> int:
    return ROM_ADDRESS if region.bar == ROM_SLOT else BASE_ADDRESS_0 + 4 * region.bar


def write_masks(dev: PciDevice) -> tuple[bytes, bytes]:
    """The device's write mask and write-one-to-clear mask (pci_init_wmask, pci_register_bar)."""
    wmask = bytearray(256)
    w1c = bytearray(256)
    if dev.config[HEADER_TYPE] & 0x7F != 0:
        return bytes(wmask), bytes(w1c)
    wmask[CACHE_LINE_SIZE] = 0xFF
    wmask[INTERRUPT_LINE] = 0xFF
    command = COMMAND_IO | COMMAND_MEMORY | COMMAND_MASTER | COMMAND_INTX_DISABLE | COMMAND_SERR
    wmask[COMMAND : COMMAND + 2] = command.to_bytes(2, "little")
    w1c[STATUS : STATUS + 2] = STATUS_W1C.to_bytes(2, "little")
    for region in facts(dev.facts_key).regions:
        width = 8 if region.mem64 else 4
        mask = ~(region.size - 1) & ((1 << (8 * width)) - 1)
        if region.bar == ROM_SLOT:
            mask |= ROM_ADDRESS_ENABLE
        offset = _bar_offset(region)
        wmask[offset : offset + width] = mask.to_bytes(width, "little")
    msix = find_capability(dev.config, CAP_ID_MSIX)
    if msix is not None:
        wmask[msix + 3] |= MSIX_CONTROL_BITS  # msix_init: enable and function mask
    return bytes(wmask), bytes(w1c)


def find_capability(config: bytes | bytearray, cap_id: int) -> int | None:
    """Where the capability list has ``cap_id`` first, None when it has none."""
    if not config[STATUS] & STATUS_CAP_LIST:
        return None
    pos = config[CAPABILITY_LIST] & ~3
    for _ in range(48):  # a list is at most this long in 256 bytes
        if pos < HEADER_SIZE:
            return None
        if config[pos] == cap_id:
            return pos
        pos = config[pos + 1] & ~3
    return None


def write_config(dev: PciDevice, reg: int, size: int, value: int) -> None:
    """pci_default_write_config: ``size`` bytes of ``value`` at ``reg``, through the masks."""
    wmask, w1c = dev.write_masks
    for i in range(size):
        addr = reg + i
        if addr >= len(dev.config):
            break
        byte = (value >> (8 * i)) & 0xFF
        old = dev.config[addr]
        new = (old & ~wmask[addr]) | (byte & wmask[addr])
        dev.config[addr] = new & ~(byte & w1c[addr])


def reset_config(dev: PciDevice) -> None:
    """pci_do_device_reset: every writable bit back to its reset value."""
    wmask, w1c = dev.write_masks
    recorded = dev.reset_state
    for addr, mask in enumerate(wmask):
        bits = mask | w1c[addr]
        if bits:
            dev.config[addr] = (dev.config[addr] & ~bits) | (recorded[addr] & bits)


def _dword(dev: PciDevice, offset: int, width: int) -> int:
    return int.from_bytes(dev.config[offset : offset + width], "little")


def bar_address(dev: PciDevice, region: Region) -> int:
    """pci_bar_address: where the BAR maps its region, :data:`UNMAPPED` where it maps none."""
    command = _dword(dev, COMMAND, 2)
    offset = _bar_offset(region)
    if region.type == "io":
        if not command & COMMAND_IO:
            return UNMAPPED
        base = _dword(dev, offset, 4) & ~(region.size - 1) & 0xFFFFFFFC
        last = base + region.size - 1
        if last <= base or base == 0 or last >= 0xFFFFFFFF:
            return UNMAPPED
        return base
    if not command & COMMAND_MEMORY:
        return UNMAPPED
    raw = _dword(dev, offset, 8 if region.mem64 else 4)
    if region.bar == ROM_SLOT:
        if not raw & ROM_ADDRESS_ENABLE:
            return UNMAPPED
        raw &= ~ROM_ADDRESS_ENABLE
    base = raw & ~(region.size - 1) & ~0xF
    last = base + region.size - 1
    if last <= base or base == 0 or last == UNMAPPED:
        return UNMAPPED
    if not region.mem64 and last >= 0xFFFFFFFF:
        return UNMAPPED
    return base


def mapped_regions(dev: PciDevice) -> list[tuple[Region, int]]:
    """The device's BARs that map something now, with their addresses."""
    out = []
    for region in facts(dev.facts_key).regions:
        base = bar_address(dev, region)
        if base != UNMAPPED:
            out.append((region, base))
    return out
