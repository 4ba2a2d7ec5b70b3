"""Writable PCI configuration registers, BAR sizing and mapping, the virtio common configuration.

What a driver (libqos's qpci_device_enable and qpci_iomap, then virtio's
reset and status handshake) does to a device through ports 0xcf8/0xcfc
and its memory BAR, checked register by register against hw/pci/pci.c's
write masks and pci_bar_address.
"""

from __future__ import annotations

from qmonitor.machine.devices.pci import ConfigPorts, PciBus, PciDevice
from qmonitor.machine.devices.pci_mmio import PciMemoryView

DEVFN = 4 << 3


class _Ram:
    """Memory that remembers writes, as the board's does."""

    def __init__(self) -> None:
        self.data: dict[int, int] = {}

    def read(self, addr: int, length: int) -> bytes:
        return bytes(self.data.get(addr + i, 0) for i in range(length))

    def write(self, addr: int, data: bytes) -> None:
        for i, byte in enumerate(data):
            self.data[addr + i] = byte


def _bus() -> tuple[PciBus, PciDevice, ConfigPorts]:
    bus = PciBus("pci.0")
    dev = PciDevice("virtio-scsi-pci", "vs", DEVFN)
    bus.add(dev)
    return bus, dev, ConfigPorts(bus)


def _write(ports: ConfigPorts, reg: int, size: int, value: int) -> None:
    ports.port_write(0, 4, 0x80000000 | DEVFN << 8 | (reg & ~3))
    ports.port_write(4 + (reg & 3), size, value)


def _read(ports: ConfigPorts, reg: int, size: int) -> int:
    ports.port_write(0, 4, 0x80000000 | DEVFN << 8 | (reg & ~3))
    return ports.port_read(4 + (reg & 3), size)


def test_command_register_takes_only_its_writable_bits() -> None:
    _, _, ports = _bus()
    assert _read(ports, 0x04, 2) == 0
    _write(ports, 0x04, 2, 0xFFFF)
    # I/O, memory, bus master, SERR, INTx disable (pci_init_wmask).
    assert _read(ports, 0x04, 2) == 0x0507
    _write(ports, 0x00, 4, 0)  # vendor and device ids are read-only
    assert _read(ports, 0x00, 4) == 0x10041AF4


def test_bars_read_back_their_size_and_keep_their_type() -> None:
    _, _, ports = _bus()
    for reg in (0x10, 0x14, 0x20, 0x24):
        _write(ports, reg, 4, 0xFFFFFFFF)
    assert _read(ports, 0x10, 4) == 0xFFFFFFC1  # 64 bytes of I/O
    assert _read(ports, 0x14, 4) == 0xFFFFF000  # 4 KiB of memory
    assert _read(ports, 0x20, 4) == 0xFFFFC00C  # 16 KiB, 64-bit, prefetchable
    assert _read(ports, 0x24, 4) == 0xFFFFFFFF
    assert _read(ports, 0x18, 4) == 0  # no BAR 2


def test_a_bar_maps_once_decoding_is_on_and_reset_unmaps_it() -> None:
    bus, dev, ports = _bus()
    _write(ports, 0x14, 4, 0xE0001000)
    _write(ports, 0x10, 4, 0xC000)
    regions = {r["bar"]: r["address"] for r in dev.info()["regions"]}
    assert regions == {0: -1, 1: -1, 4: -1}
    _write(ports, 0x04, 2, 0x0003)
    regions = {r["bar"]: r["address"] for r in dev.info()["regions"]}
    assert regions == {0: 0xC000, 1: 0xE0001000, 4: -1}
    assert "bar 1: mem at 0xe0001000 [0xe0001fff]" in dev.bus_lines()
    dev.reset()
    assert _read(ports, 0x04, 2) == 0
    assert _read(ports, 0x14, 4) == 0
    assert bus.query()["devices"][0]["regions"][1]["address"] == -1


def test_virtio_status_handshake_through_the_memory_bar() -> None:
    bus, dev, ports = _bus()
    ram = _Ram()
    view = PciMemoryView(ram, lambda: bus)
    _write(ports, 0x20, 4, 0xE0000000)
    _write(ports, 0x04, 2, 0x0007)
    status = 0xE0000000 + 0x14  # the common configuration is at offset 0 of BAR 4
    view.write(status, b"\x00")
    assert view.read(status, 1) == b"\x00"
    view.write(status, b"\x01")  # acknowledge
    view.write(status, bytes([view.read(status, 1)[0] | 2]))  # driver
    assert view.read(status, 1) == b"\x03"
    assert ram.data == {}  # the device took the writes, not RAM
    dev.reset()  # a system reset: the device and its BAR are back at reset
    view.write(0xE0000000 + 0x14, b"\x05")
    assert ram.data == {status: 5}
