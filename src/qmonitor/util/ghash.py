"""The iteration order of a GLib string-keyed GHashTable.

QEMU's input visitor remembers an object's keys in a GHashTable, removes
each member it visits, and reports the first key left when iterating the
table: with several unexpected keys, *which* one is named depends on
GLib's open addressing (``g_str_hash``, ``(hash * 11) % mod``, quadratic
probing, tombstones, resizing in place).  This module reproduces that
order; QEMU's chardev container is such a table too.
"""

from __future__ import annotations

from collections.abc import Iterable

_MIN_SHIFT = 3
#: GLib's prime_mod table (ghash.c), indexed by shift.
_PRIME_MOD = (
    1, 2, 3, 7, 13, 31, 61, 127, 251, 509, 1021, 2039, 4093, 8191, 16381, 32749,
    65521, 131071, 262139, 524287, 1048573, 2097143, 4194301, 8388593, 16777213,
)  # fmt: skip
_UNUSED, _TOMBSTONE = 0, 1
_U32 = 0xFFFFFFFF


_UNUSED, _TOMBSTONE = 0, 1
_U32 = 0xFFFFFFFF


def g_str_hash(key: str) -> int:
    """djb2 over the key's bytes, as GLib's g_str_hash (signed chars)."""
    h = 5381
    for byte in key.encode("utf-8", "surrogateescape"):
        signed = byte - 256 if byte > 127 else byte
        h = (h * 33 + signed) & _U32
    return h


class StrTable:
    """Where the keys of a string-keyed GHashTable sit (GLib 2.74, ghash.c)."""

    def __init__(self) -> None:
        self._set_shift(_MIN_SHIFT)
        self.hashes = [_UNUSED] * self.size
        self.keys: list[str | None] = [None] * self.size
        self.nnodes = 0
        self.noccupied = 0

    def _set_shift(self, shift: int) -> None:
        self.shift = shift
        self.size = 1 << shift
        self.mod = _PRIME_MOD[shift]
        self.mask = self.size - 1

    def _index(self, hash_value: int) -> int:
        # g_hash_table_hash_to_index: the product wraps at 32 bits.
        return ((hash_value * 11) & _U32) % self.mod

    def _lookup(self, key: str, hash_value: int) -> tuple[int, bool]:
        index = self._index(hash_value)
        first_tombstone = -1
        step = 0
        while self.hashes[index] != _UNUSED:
            if self.hashes[index] == hash_value and self.keys[index] == key:
                return index, True
            if self.hashes[index] == _TOMBSTONE and first_tombstone < 0:
                first_tombstone = index
            step += 1
            index = (index + step) & self.mask
        return (first_tombstone if first_tombstone >= 0 else index), False

    @staticmethod
    def _hash(key: str) -> int:
        # 0 and 1 mark unused and deleted buckets: GLib stores 2 instead.
        return max(g_str_hash(key), 2)

    def insert(self, key: str) -> None:
        hash_value = self._hash(key)
        index, found = self._lookup(key, hash_value)
        if found:
            return
        was_unused = self.hashes[index] == _UNUSED
        self.hashes[index] = hash_value
        self.keys[index] = key
        self.nnodes += 1
        if was_unused:
            self.noccupied += 1
            self._maybe_resize()

    def remove(self, key: str) -> None:
        index, found = self._lookup(key, self._hash(key))
        if not found:
            return
        self.hashes[index] = _TOMBSTONE
        self.keys[index] = None
        self.nnodes -= 1
        self._maybe_resize()

    def _maybe_resize(self) -> None:
        if (self.size > self.nnodes * 4 and self.size > 1 << _MIN_SHIFT) or (
            self.size <= self.noccupied + self.noccupied // 16
        ):
            self._resize()

    def _resize(self) -> None:
        """g_hash_table_resize: entries move in place, evicting one another."""
        old_size = self.size
        n = int(self.nnodes * 1.333)
        shift = 0
        while n:
            n >>= 1
            shift += 1
        self._set_shift(max(shift, _MIN_SHIFT))
        if self.size > old_size:
            self.hashes += [_UNUSED] * (self.size - old_size)
            self.keys += [None] * (self.size - old_size)
        placed = [False] * max(self.size, old_size)
        for i in range(old_size):
            hash_value, key = self.hashes[i], self.keys[i]
            if hash_value <= _TOMBSTONE:
                self.hashes[i], self.keys[i] = _UNUSED, None
                continue
            if placed[i]:
                continue
            self.hashes[i], self.keys[i] = _UNUSED, None
            while True:
                index = self._index(hash_value)
                step = 0
                while placed[index]:
                    step += 1
                    index = (index + step) & self.mask
                placed[index] = True
                evicted_hash, evicted_key = self.hashes[index], self.keys[index]
                self.hashes[index], self.keys[index] = hash_value, key
                if evicted_hash <= _TOMBSTONE:
                    break
                hash_value, key = evicted_hash, evicted_key
        if self.size < old_size:
            del self.hashes[self.size :], self.keys[self.size :]
        self.noccupied = self.nnodes

    def live_keys(self) -> list[str]:
        """Keys in array order: GHashTable's iteration order."""
        return [
            k
            for h, k in zip(self.hashes, self.keys, strict=True)
            if h > _TOMBSTONE and k is not None
        ]


def leftover_order(inserted: Iterable[str], removed: Iterable[str]) -> list[str]:
    """Keys still in the table after inserting then removing, in iteration order."""
    table = StrTable()
    for key in inserted:
        table.insert(key)
    for key in removed:
        table.remove(key)
    return table.live_keys()
