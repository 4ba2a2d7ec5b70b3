"""The I/O port space of the null machine: devices claim port ranges.

Reads of unclaimed ports return all ones, writes are dropped, as on a PC
with nothing behind the port (QEMU's unassigned I/O answers 0xff bytes).
"""

from __future__ import annotations

from typing import Protocol


class PortDevice(Protocol):
    """A device behind some I/O ports; ``addr`` is relative to its base."""

    def port_read(self, addr: int, size: int) -> int: ...

    def port_write(self, addr: int, size: int, value: int) -> None: ...


class PortBus:
    """Dispatches ``in``/``out`` to the device that claimed the port."""

    def __init__(self) -> None:
        self._ranges: list[tuple[int, int, PortDevice]] = []
        #: What answers a port no range claims (a PCI device's I/O BAR), with
        #: absolute addresses; None: all ones.
        self.fallback: PortDevice | None = None

    def register(self, base: int, length: int, device: PortDevice) -> None:
        self._ranges.append((base, length, device))

    def _find(self, addr: int) -> tuple[int, PortDevice] | None:
        for base, length, device in self._ranges:
            if base <= addr < base + length:
                return base, device
        return None

    def inp(self, addr: int, size: int) -> int:
        found = self._find(addr)
        if found is None and self.fallback is not None:
            return self.fallback.port_read(addr, size)
        if found is None:
            return (1 << (8 * size)) - 1
        base, device = found
        return device.port_read(addr - base, size)

    def outp(self, addr: int, size: int, value: int) -> None:
        found = self._find(addr)
        if found is not None:
            base, device = found
            device.port_write(addr - base, size, value)
        elif self.fallback is not None:
            self.fallback.port_write(addr, size, value)
