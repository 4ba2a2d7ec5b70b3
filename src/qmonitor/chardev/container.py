"""The order QEMU lists its chardevs in (``info chardev``, ``query-chardev``).

QEMU keeps every chardev as a child of the ``/chardevs`` container, that
is in the container's property table: a GLib ``GHashTable`` keyed by the
chardev's id with ``g_str_hash``.  ``qmp_query_chardev`` walks that table
and prepends each chardev to its answer, so the listing is the table's
iteration order reversed.  The iteration order depends on GLib's open
addressing: the bucket ``(hash * 11) % prime`` in 32-bit unsigned
arithmetic, quadratic probing, and growing the table in place (GLib ≥ 2.59
moves entries by eviction, so collisions settle differently than a fresh
re-insertion would).  Chardevs are never removed here, so the model only
inserts.
"""

from __future__ import annotations

from collections.abc import Iterable

#: The smallest table has 1 << 3 buckets (HASH_TABLE_MIN_SHIFT in glib/ghash.c).
_MIN_SHIFT = 3
#: GLib's ``prime_mod`` table (glib/ghash.c), indexed by the table's shift.
_PRIME_MOD = (
    1, 2, 3, 7, 13, 31, 61, 127, 251, 509, 1021, 2039, 4093, 8191, 16381, 32749,
    65521, 131071, 262139, 524287, 1048573, 2097143, 4194301, 8388593, 16777213,
)  # fmt: skip
_U32 = 0xFFFFFFFF


def g_str_hash(key: str) -> int:
    """GLib's ``g_str_hash``: djb2 over the bytes, read as signed chars; at least 2."""
    h = 5381
    for byte in key.encode("utf-8", "surrogateescape"):
        h = (h * 33 + (byte - 256 if byte > 127 else byte)) & _U32
    # 0 and 1 mark unused and deleted buckets: GLib stores 2 instead.
    return max(h, 2)


class _StrSet:
    """Enough of a string-keyed GHashTable to know where each key sits."""

    def __init__(self) -> None:
        self.shift = _MIN_SHIFT
        self.hashes: list[int] = [0] * (1 << _MIN_SHIFT)
        self.keys: list[str | None] = [None] * (1 << _MIN_SHIFT)
        self.nnodes = 0
        self.noccupied = 0

    @property
    def size(self) -> int:
        return 1 << self.shift

    def _index(self, hash_value: int) -> int:
        return ((hash_value * 11) & _U32) % _PRIME_MOD[self.shift]

    def insert(self, key: str) -> None:
        hash_value = g_str_hash(key)
        mask = self.size - 1
        index = self._index(hash_value)
        step = 0
        while self.hashes[index]:
            if self.hashes[index] == hash_value and self.keys[index] == key:
                return
            step += 1
            index = (index + step) & mask
        self.hashes[index] = hash_value
        self.keys[index] = key
        self.nnodes += 1
        self.noccupied += 1
        if self.size <= self.noccupied + self.noccupied // 16:
            self._grow()

    def _grow(self) -> None:
        """g_hash_table_resize: a bigger table, entries moved in place by eviction."""
        old_size = self.size
        n = int(self.nnodes * 1.333)
        shift = 0
        while n:
            n >>= 1
            shift += 1
        self.shift = max(shift, _MIN_SHIFT)
        self.hashes += [0] * (self.size - old_size)
        self.keys += [None] * (self.size - old_size)
        mask = self.size - 1
        placed = [False] * self.size
        for i in range(old_size):
            if not self.hashes[i] or placed[i]:
                continue
            hash_value, key = self.hashes[i], self.keys[i]
            self.hashes[i], self.keys[i] = 0, None
            while True:
                index = self._index(hash_value)
                step = 0
                while placed[index]:
                    step += 1
                    index = (index + step) & mask
                placed[index] = True
                evicted_hash, evicted_key = self.hashes[index], self.keys[index]
                self.hashes[index], self.keys[index] = hash_value, key
                if not evicted_hash:
                    break
                hash_value, key = evicted_hash, evicted_key
        self.noccupied = self.nnodes


def listing_order(labels: Iterable[str]) -> list[str]:
    """Chardev ids, given in creation order, in the order QEMU lists them."""
    table = _StrSet()
    for label in labels:
        table.insert(label)
    return [key for key in reversed(table.keys) if key is not None]
