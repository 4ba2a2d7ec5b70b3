"""Guest memory as a bytearray and a medium in memory, for driving virtio and SCSI sans IO."""

from __future__ import annotations


class Ram:
    """Guest RAM: 4 MiB of zeros."""

    def __init__(self, size: int = 4 << 20) -> None:
        self.data = bytearray(size)

    def read(self, addr: int, length: int) -> bytes:
        return bytes(self.data[addr : addr + length])

    def write(self, addr: int, data: bytes) -> None:
        self.data[addr : addr + len(data)] = data


class MemMedium:
    """A drive's medium held in a bytearray; None size: no medium."""

    def __init__(self, size: int | None = 1 << 20, writable: bool = True) -> None:
        self.data = bytearray(size or 0)
        self._size = size
        self._writable = writable
        self.discards: list[tuple[int, int]] = []
        self.unmapped_writes: list[tuple[int, int]] = []

    def size(self) -> int | None:
        return self._size

    def writable(self) -> bool:
        return self._writable

    def read(self, offset: int, length: int) -> bytes:
        return bytes(self.data[offset : offset + length]).ljust(length, b"\0")

    def write(self, offset: int, data: bytes | None, length: int, unmap: bool = False) -> None:
        if unmap:
            self.unmapped_writes.append((offset, length))
        self.data[offset : offset + length] = data if data is not None else bytes(length)

    def discard(self, offset: int, length: int) -> None:
        self.discards.append((offset, length))
