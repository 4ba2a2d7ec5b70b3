"""MSI-X of a virtio PCI function (hw/pci/msix.c, QEMU 7.2), sans IO.

The table (16 bytes a vector: address, data, control with its mask bit,
every vector masked at reset) and the pending bit array live in the BAR
the capability names.  A vector fires by writing its data to its address
in guest memory, unless the function is masked (the capability's
MASKALL bit) or the vector is: then its pending bit is set, and the
message goes out when it is unmasked.
"""

from __future__ import annotations

from collections.abc import Callable

from qmonitor.machine.virtio.ring import GuestMemory

ENTRY_SIZE = 16
CTRL_MASKBIT = 1
#: The capability's message control bits (include/standard-headers/linux/pci_regs.h).
FLAGS_ENABLE = 0x8000
FLAGS_MASKALL = 0x4000


class Msix:
    """A function's vector table and pending bits; ``control`` reads its message control word."""

    def __init__(self, vectors: int, pba_offset: int, control: Callable[[], int]) -> None:
        self.vectors = vectors
        self.pba_offset = pba_offset
        self.control = control
        self.table = bytearray(ENTRY_SIZE * vectors)
        for n in range(vectors):
            self.table[ENTRY_SIZE * n + 12] = CTRL_MASKBIT
        self.pending = 0

    @property
    def enabled(self) -> bool:
        return bool(self.control() & FLAGS_ENABLE)

    def masked(self, vector: int) -> bool:
        return bool(self.control() & FLAGS_MASKALL) or bool(
            self.table[ENTRY_SIZE * vector + 12] & CTRL_MASKBIT
        )

    def read(self, offset: int, size: int) -> int:
        if offset < len(self.table):
            return int.from_bytes(self.table[offset : offset + size], "little")
        if offset >= self.pba_offset:
            return (self.pending >> (8 * (offset - self.pba_offset))) & ((1 << (8 * size)) - 1)
        return 0

    def write(self, offset: int, size: int, value: int, memory: GuestMemory) -> None:
        """A table write; unmasking a vector with its bit pending sends the message.
        The pending bits are read-only (msix_pba_mmio_write ignores writes)."""
        if offset + size > len(self.table):
            return
        self.table[offset : offset + size] = value.to_bytes(size, "little")
        vector = offset // ENTRY_SIZE
        if self.pending >> vector & 1 and not self.masked(vector):
            self.pending &= ~(1 << vector)
            self._send(vector, memory)

    def notify(self, vector: int, memory: GuestMemory) -> None:
        """msix_notify: the message, or its pending bit while masked."""
        if vector >= self.vectors:
            return
        if self.masked(vector):
            self.pending |= 1 << vector
            return
        self._send(vector, memory)

    def _send(self, vector: int, memory: GuestMemory) -> None:
        entry = self.table[ENTRY_SIZE * vector : ENTRY_SIZE * (vector + 1)]
        address = int.from_bytes(entry[0:8], "little")
        memory.write(address, bytes(entry[8:12]))
