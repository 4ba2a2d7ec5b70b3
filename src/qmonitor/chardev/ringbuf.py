"""``ringbuf`` and ``memory`` chardevs: output kept in memory, in a ring (chardev/char-ringbuf.c).

The ring holds ``size`` bytes (a power of two, 64 KiB unless given); when
it is full the oldest bytes make room for the newest.  ``ringbuf-read``
takes bytes out from the oldest on.
"""

from __future__ import annotations

from qmonitor.chardev.base import Chardev, ChardevError

#: The ring's size when none is given (QEMU's default).
DEFAULT_SIZE = 65536
#: QEMU's refusal of a size that is not a power of two.
NOT_POWER_OF_TWO = "size of ringbuf chardev must be power of two"


class RingbufChardev(Chardev):
    """A ring of ``size`` bytes; writes never block and never fail."""

    driver = "ringbuf"

    def __init__(self, label: str, size: int | None = None, *, driver: str = "ringbuf") -> None:
        super().__init__(label)
        self.driver = driver
        self.size = DEFAULT_SIZE if size is None else size
        # QEMU tests the size as an unsigned number: 0 passes, as it does there.
        if self.size & (self.size - 1):
            raise ChardevError(NOT_POWER_OF_TWO)
        self._ring = bytearray()
        self.be_open = True

    def _attach(self) -> None:
        self.be_open = True

    def _chr_write(self, data: bytes) -> int:
        # Called under the chardev's write lock (write() and ring_write() take it).
        self._ring += data
        # A ring of size 0 keeps nothing (QEMU's count stays 0).
        if len(self._ring) > self.size:
            del self._ring[: len(self._ring) - self.size]
        return len(data)

    def ring_write(self, data: bytes) -> None:
        """Put bytes in the ring as ``ringbuf-write`` does (not through a frontend)."""
        with self._write_lock:
            self._chr_write(data)

    def ring_read(self, size: int) -> bytes:
        """Take up to ``size`` of the oldest bytes out of the ring."""
        with self._write_lock:
            out = bytes(self._ring[:size])
            del self._ring[:size]
        return out

    def count(self) -> int:
        """How many bytes the ring holds."""
        return len(self._ring)
