"""The bits of a dirty bitmap: QEMU 7.2's HBitmap (util/hbitmap.c) at its lowest level.

An HBitmap keeps one bit per granule (``1 << granularity`` bytes) of a
length in bytes, in 64-bit words, with upper levels that only speed up
searches.  What a client can see of it is the lowest level: how many
granules are set (``count``, reported in bytes: granules times the
granule size) and the SHA-256 digest of its words as the host keeps them
(little-endian x86_64 ``unsigned long``\\ s, at least one word), which
``x-debug-block-dirty-bitmap-sha256`` returns.  Here the lowest level is
a Python integer whose bit *i* is granule *i*, so serialising it is
``to_bytes(words * 8, "little")``.

Operations follow the C ones: :meth:`HBitmap.set` and :meth:`reset`
take byte ranges and touch every granule the range overlaps;
:meth:`truncate` drops the granules past a smaller length and adds clear
ones for a larger; :meth:`merge` ORs two bitmaps of one length, granule
for granule when their granularities agree, else dirty area by dirty
area (hbitmap_sparse_merge).
"""

from __future__ import annotations

#: An unsigned long of x86_64: the width of a level's words.
WORD_BITS = 64


class HBitmap:
    """One level of granule bits over ``size`` bytes (an HBitmap's lowest level)."""

    __slots__ = ("bits", "granularity", "orig_size")

    def __init__(self, size: int, granularity: int, bits: int = 0) -> None:
        #: The length covered, in bytes (hb->orig_size).
        self.orig_size = size
        #: log2 of the granule size in bytes.
        self.granularity = granularity
        #: Bit *i* set: granule *i* is dirty.
        self.bits = bits

    @classmethod
    def for_granule(cls, size: int, granule: int) -> HBitmap:
        """An empty bitmap of ``size`` bytes with ``granule``-byte granules (a power of 2)."""
        return cls(size, granule.bit_length() - 1)

    def copy(self) -> HBitmap:
        return HBitmap(self.orig_size, self.granularity, self.bits)

    @property
    def granule(self) -> int:
        return 1 << self.granularity

    @property
    def size(self) -> int:
        """How many granules the bitmap has (hb->size)."""
        return (self.orig_size + self.granule - 1) >> self.granularity

    def words(self) -> int:
        """How many words the lowest level has: at least one."""
        return max((self.size + WORD_BITS - 1) // WORD_BITS, 1)

    def count(self) -> int:
        """hbitmap_count: the dirty granules, in bytes."""
        return self.bits.bit_count() << self.granularity

    def serialize(self) -> bytes:
        """The lowest level's words as the host holds them."""
        return self.bits.to_bytes(self.words() * 8, "little")

    def sha256(self) -> str:
        # Imported here: hashlib loads OpenSSL (4 MiB resident) into every VM.
        import hashlib

        return hashlib.sha256(self.serialize()).hexdigest()

    def _mask(self, start: int, count: int) -> int:
        """The granules a byte range overlaps, clipped to the bitmap."""
        if count <= 0 or start >= self.size << self.granularity:
            return 0
        first = start >> self.granularity
        last = min((start + count - 1) >> self.granularity, self.size - 1)
        return ((1 << (last - first + 1)) - 1) << first

    def set(self, start: int, count: int) -> None:
        """hbitmap_set: mark every granule of ``count`` bytes at ``start``."""
        self.bits |= self._mask(start, count)

    def reset(self, start: int, count: int) -> None:
        """hbitmap_reset: clear every granule of the range."""
        self.bits &= ~self._mask(start, count)

    def reset_all(self) -> None:
        self.bits = 0

    def get(self, offset: int) -> bool:
        return bool(self.bits >> (offset >> self.granularity) & 1)

    def truncate(self, size: int) -> None:
        """hbitmap_truncate: a new length; granules past it are dropped, new ones clear."""
        self.orig_size = size
        self.bits &= (1 << self.size) - 1

    def dirty_areas(self) -> list[tuple[int, int]]:
        """The dirty runs as (offset, bytes), clipped to the length (hbitmap_next_dirty_area)."""
        out: list[tuple[int, int]] = []
        bits, index = self.bits, 0
        while bits:
            skip = (bits & -bits).bit_length() - 1
            bits >>= skip
            index += skip
            run = (~bits & (bits + 1)).bit_length() - 1
            start = index << self.granularity
            end = min((index + run) << self.granularity, self.orig_size)
            out.append((start, end - start))
            bits >>= run
            index += run
        return out

    def merge(self, other: HBitmap) -> None:
        """hbitmap_merge(self, other, self): OR ``other`` (of the same length) into this one."""
        if other.granularity == self.granularity:
            self.bits |= other.bits
            return
        for start, count in other.dirty_areas():
            self.set(start, count)
