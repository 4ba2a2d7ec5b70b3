"""A qcow2 image's metadata changed in place, in the order QEMU 7.2's qcow2 driver changes it.

Internal snapshots need more of qcow2 than the header: clusters are
allocated first-fit from a free-cluster index that only moves back when a
cluster is freed (block/qcow2-refcount.c), the L1 table grows by half
again into a new cluster, an L2 table with a shared refcount is copied
before it is written (block/qcow2-cluster.c), a discarded cluster becomes
a zero entry.  Doing the same steps in the same order leaves the same
layout, so ``qemu-img check`` finds the image clean and reports the same
image end offset as for an image QEMU changed.

Not modelled (an ``x-qmonitor`` error, the image untouched up to there):
refcount tables or blocks that would have to grow, compressed clusters,
extended L2 entries and external data files.
"""

from __future__ import annotations

import os
import struct

from qmonitor.machine.block.qcow2 import MAGIC, MAX_CLUSTER_BITS, MIN_CLUSTER_BITS, NOT_QCOW2
from qmonitor.qapi.error import QapiError

#: Entry bits (docs/interop/qcow2.txt).
COPIED = 1 << 63
COMPRESSED = 1 << 62
ZERO = 1
OFFSET_MASK = 0x00FFFFFFFFFFFE00
#: Header offsets: L1 size and offset; refcount table offset and clusters; snapshots.
_L1_SIZE, _REFTABLE, _NB_SNAPSHOTS = 36, 48, 60
#: Incompatible features that change the table formats (external data file, extended L2).
_INCOMPAT_DATA_FILE, _INCOMPAT_EXTL2 = 4, 16
#: QCOW_MAX_L1_SIZE: 32 MiB of 8-byte entries.
MAX_L1_ENTRIES = 32 * 1024 * 1024 // 8
#: QCOW_MAX_REFTABLE_SIZE: 8 MiB of refcount table.
MAX_REFTABLE_SIZE = 8 * 1024 * 1024
#: How QEMUFile hands the VM state to the image (migration/qemu-file.c IO_BUF_SIZE).
VMSTATE_CHUNK = 32768

NOT_MODELLED = "x-qmonitor: {} in qcow2 images is not modelled"
CORRUPT = "qcow2: image is corrupt: {}"


class Qcow2Meta:
    """An open qcow2 image: header fields, the active L1 table, refcounts, the free index."""

    def __init__(self, path: str, base: int = 0, has_backing: bool = False) -> None:
        self.path = path
        self.base = base
        self.has_backing = has_backing
        self.fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        head = self.pread(0, 112)

        def field(fmt: str, at: int) -> int:
            return int(struct.unpack_from(fmt, head, at)[0])

        self.version = field(">I", 4)
        self.cluster_bits = field(">I", 20)
        if head[:4] != MAGIC or not MIN_CLUSTER_BITS <= self.cluster_bits <= MAX_CLUSTER_BITS:
            os.close(self.fd)
            raise QapiError(NOT_QCOW2)
        self.size = field(">Q", 24)
        self.l1_size, self.l1_offset = field(">I", _L1_SIZE), field(">Q", _L1_SIZE + 4)
        self.reftable_offset = field(">Q", _REFTABLE)
        self.reftable_clusters = field(">I", _REFTABLE + 8)
        self.nb_snapshots = field(">I", _NB_SNAPSHOTS)
        self.snapshots_offset = field(">Q", _NB_SNAPSHOTS + 4)
        self.refcount_order = 4
        if self.version >= 3:
            incompatible = field(">Q", 72)
            self.refcount_order = field(">I", 96)
            if incompatible & _INCOMPAT_EXTL2:
                raise QapiError(NOT_MODELLED.format("extended L2 entries"))
            if incompatible & _INCOMPAT_DATA_FILE:
                raise QapiError(NOT_MODELLED.format("an external data file"))
        self.cluster_size = 1 << self.cluster_bits
        self.l2_entries = self.cluster_size // 8
        # The limits qcow2_do_open checks before it reads the tables.
        if self.l1_size > MAX_L1_ENTRIES or self.reftable_clusters * self.cluster_size > (
            MAX_REFTABLE_SIZE
        ):
            os.close(self.fd)
            raise QapiError(CORRUPT.format("table too large"))
        raw = self.pread(self.l1_offset, 8 * self.l1_size)
        self.l1 = list(struct.unpack(f">{self.l1_size}Q", raw))
        raw = self.pread(self.reftable_offset, self.reftable_clusters * self.cluster_size)
        self.reftable = list(struct.unpack(f">{len(raw) // 8}Q", raw))
        #: s->free_cluster_index: where the next first-fit search starts.
        self.free_index = 0
        #: s->snapshots_size: the snapshot table's length (measured when first needed).
        self.snapshots_size: int | None = None

    def close(self) -> None:
        os.close(self.fd)

    # ------------------------------------------------------------ file access

    def pread(self, offset: int, length: int) -> bytes:
        data = os.pread(self.fd, length, self.base + offset)
        return data + bytes(length - len(data))

    def pwrite(self, offset: int, data: bytes) -> None:
        os.pwrite(self.fd, data, self.base + offset)

    def write_header_l1(self) -> None:
        self.pwrite(_L1_SIZE, struct.pack(">IQ", self.l1_size, self.l1_offset))

    def write_header_snapshots(self) -> None:
        self.pwrite(_NB_SNAPSHOTS, struct.pack(">IQ", self.nb_snapshots, self.snapshots_offset))

    # ------------------------------------------------------------ refcounts

    def _refcount_place(self, index: int) -> tuple[int, int] | None:
        """The refcount block holding cluster ``index``'s count and the count's bit position."""
        per_block = (self.cluster_size * 8) >> self.refcount_order
        table_index, within = divmod(index, per_block)
        if table_index >= len(self.reftable):
            return None
        block = self.reftable[table_index] & OFFSET_MASK
        if not block:
            return None
        return block, within << self.refcount_order

    def refcount(self, index: int) -> int:
        place = self._refcount_place(index)
        if place is None:
            return 0
        block, bit = place
        width = 1 << self.refcount_order
        byte = bit // 8
        raw = self.pread(block + byte, max(width // 8, 1))
        if width >= 8:
            return int.from_bytes(raw, "big")
        return int(raw[0] >> (8 - width - bit % 8)) & ((1 << width) - 1)

    def _set_refcount(self, index: int, value: int) -> None:
        place = self._refcount_place(index)
        if place is None:
            raise QapiError(NOT_MODELLED.format("growing the refcount structures"))
        block, bit = place
        width = 1 << self.refcount_order
        byte = bit // 8
        if width >= 8:
            self.pwrite(block + byte, value.to_bytes(width // 8, "big"))
            return
        shift = 8 - width - bit % 8
        old = self.pread(block + byte, 1)[0]
        mask = ((1 << width) - 1) << shift
        self.pwrite(block + byte, bytes([(old & ~mask) | (value << shift)]))

    def update_refcount(self, offset: int, length: int, addend: int) -> None:
        """update_refcount: add ``addend`` (negative: take away) to each cluster of a range."""
        if length <= 0:
            return
        first = offset >> self.cluster_bits
        last = (offset + length - 1) >> self.cluster_bits
        limit = (1 << (1 << self.refcount_order)) - 1
        for index in range(first, last + 1):
            value = self.refcount(index) + addend
            if value < 0 or value > limit:
                raise QapiError(CORRUPT.format(f"refcount of cluster {index} out of range"))
            self._set_refcount(index, value)
            if value == 0 and index < self.free_index:
                self.free_index = index

    def alloc(self, size: int) -> int:
        """qcow2_alloc_clusters: the first free run of clusters from the index, counted once."""
        count = -(-size // self.cluster_size)
        found = 0
        while found < count:
            index = self.free_index
            self.free_index += 1
            found = found + 1 if self.refcount(index) == 0 else 0
        offset = (self.free_index - count) << self.cluster_bits
        self.update_refcount(offset, size, 1)
        return offset

    def free(self, offset: int, size: int) -> None:
        self.update_refcount(offset, size, -1)

    # ------------------------------------------------------------ tables

    def write_l1(self) -> None:
        self.pwrite(self.l1_offset, struct.pack(f">{self.l1_size}Q", *self.l1))

    def grow_l1(self, min_size: int, exact: bool) -> None:
        """qcow2_grow_l1_table: a bigger copy of the L1 table in new clusters, the old freed."""
        if min_size <= self.l1_size:
            return
        new_size = min_size
        if not exact:
            new_size = self.l1_size or 1
            while min_size > new_size:
                new_size = -(-new_size * 3 // 2)
        if new_size > MAX_L1_ENTRIES:
            raise QapiError("File too large")
        table = self.l1 + [0] * (new_size - self.l1_size)
        offset = self.alloc(new_size * 8)
        self.pwrite(offset, struct.pack(f">{new_size}Q", *table))
        old_offset, old_size = self.l1_offset, self.l1_size
        self.l1, self.l1_size, self.l1_offset = table, new_size, offset
        self.write_header_l1()
        self.free(old_offset, old_size * 8)

    def l2_entry(self, l2_offset: int, index: int) -> int:
        (entry,) = struct.unpack(">Q", self.pread(l2_offset + 8 * index, 8))
        return int(entry)

    def set_l2_entry(self, l2_offset: int, index: int, entry: int) -> None:
        self.pwrite(l2_offset + 8 * index, struct.pack(">Q", entry))

    def cluster_table(self, offset: int) -> tuple[int, int]:
        """get_cluster_table: the L2 table for a guest offset, grown or copied to be written."""
        l1_index = offset >> (self.cluster_bits * 2 - 3)
        if l1_index >= self.l1_size:
            self.grow_l1(l1_index + 1, False)
        entry = self.l1[l1_index]
        old = entry & OFFSET_MASK
        if old & (self.cluster_size - 1):
            raise QapiError(CORRUPT.format("L2 table offset not aligned"))
        l2_index = (offset >> self.cluster_bits) & (self.l2_entries - 1)
        if old and entry & COPIED:
            return old, l2_index
        # l2_allocate, then the old table loses this reference.
        new = self.alloc(self.cluster_size)
        table = self.pread(old, self.cluster_size) if old else bytes(self.cluster_size)
        self.pwrite(new, table)
        self.l1[l1_index] = new | COPIED
        self.pwrite(self.l1_offset + 8 * l1_index, struct.pack(">Q", new | COPIED))
        if old:
            self.free(old, self.cluster_size)
        return new, l2_index

    def host_cluster(self, entry: int) -> int:
        """The host offset an L2 entry maps to (0: unallocated or a plain zero cluster)."""
        if entry & COMPRESSED:
            raise QapiError(NOT_MODELLED.format("a compressed cluster"))
        return int(entry & OFFSET_MASK)

    # ------------------------------------------------------------ guest data

    def write(self, offset: int, data: bytes) -> None:
        """Write at a guest offset in chunks as QEMUFile flushes the VM state."""
        for start in range(0, len(data), VMSTATE_CHUNK):
            self._write(offset + start, data[start : start + VMSTATE_CHUNK])

    def _write(self, offset: int, data: bytes) -> None:
        pos, end = offset, offset + len(data)
        while pos < end:
            l2, index = self.cluster_table(pos)
            entry = self.l2_entry(l2, index)
            if entry & COPIED and self.host_cluster(entry) and not entry & ZERO:
                # Clusters this image alone holds are written in place.
                pos = self._write_cluster(self.host_cluster(entry), pos, data, offset, end)
                continue
            # A run of clusters needing new ones, in this L2 table.
            first = pos >> self.cluster_bits
            last = min((end - 1) >> self.cluster_bits, first + self.l2_entries - index - 1)
            count = 1
            while first + count <= last:
                nxt = self.l2_entry(l2, index + count)
                if nxt & COPIED and self.host_cluster(nxt) and not nxt & ZERO:
                    break
                count += 1
            host = self.alloc(count << self.cluster_bits)
            olds = []
            for n in range(count):
                old_entry = self.l2_entry(l2, index + n)
                old_host = 0 if old_entry & ZERO else self.host_cluster(old_entry)
                # The parts the write does not cover are copied (or zeroed) on
                # the whole cluster, as QEMU's copy on write leaves it allocated.
                old_data = self.pread(old_host, self.cluster_size) if old_host else None
                self.pwrite(host + (n << self.cluster_bits), old_data or bytes(self.cluster_size))
                pos = self._write_cluster(host + (n << self.cluster_bits), pos, data, offset, end)
                olds.append(self.host_cluster(old_entry))
            for n in range(count):
                self.set_l2_entry(l2, index + n, (host + (n << self.cluster_bits)) | COPIED)
            for old_host in olds:
                if old_host:
                    self.free(old_host, self.cluster_size)

    def _write_cluster(self, host: int, pos: int, data: bytes, offset: int, end: int) -> int:
        within = pos & (self.cluster_size - 1)
        stop = min(end, (pos | (self.cluster_size - 1)) + 1)
        self.pwrite(host + within, data[pos - offset : stop - offset])
        return stop

    def read(self, offset: int, length: int) -> bytes:
        """Read at a guest offset (zeros where nothing is allocated; no backing file read)."""
        out = bytearray()
        pos, end = offset, offset + length
        while pos < end:
            stop = min(end, (pos | (self.cluster_size - 1)) + 1)
            l1_index = pos >> (self.cluster_bits * 2 - 3)
            host = 0
            if l1_index < self.l1_size and self.l1[l1_index] & OFFSET_MASK:
                l2 = self.l1[l1_index] & OFFSET_MASK
                entry = self.l2_entry(l2, (pos >> self.cluster_bits) & (self.l2_entries - 1))
                host = 0 if entry & ZERO else self.host_cluster(entry)
            if host:
                out += self.pread(host + (pos & (self.cluster_size - 1)), stop - pos)
            else:
                out += bytes(stop - pos)
            pos = stop
        return bytes(out)

    def discard(self, offset: int, length: int) -> None:
        """qcow2_cluster_discard (not full): allocated clusters become zero entries, freed."""
        pos, end = offset, offset + length
        while pos < end:
            l2, index = self.cluster_table(pos)
            count = min((end - pos) >> self.cluster_bits, self.l2_entries - index)
            for n in range(count):
                old = self.l2_entry(l2, index + n)
                host = self.host_cluster(old)
                if not (self.has_backing or host):
                    continue
                new = ZERO if self.version >= 3 else 0
                if new == old:
                    continue
                self.set_l2_entry(l2, index + n, new)
                if host:
                    self.free(host, self.cluster_size)
            pos += count << self.cluster_bits

    def update_snapshot_refcount(self, l1_offset: int, l1_size: int, addend: int) -> None:
        """qcow2_update_snapshot_refcount: count a table's clusters again, set COPIED where 1."""
        active = l1_offset == self.l1_offset
        if active:
            l1 = list(self.l1)
        else:
            l1 = list(struct.unpack(f">{l1_size}Q", self.pread(l1_offset, 8 * l1_size)))
        modified = False
        for i in range(l1_size):
            old_l1 = l1[i]
            l2 = old_l1 & OFFSET_MASK
            if not l2:
                continue
            if l2 & (self.cluster_size - 1):
                raise QapiError(CORRUPT.format("L2 table offset not aligned"))
            table = struct.unpack(f">{self.l2_entries}Q", self.pread(l2, self.cluster_size))
            for j, entry in enumerate(table):
                host = self.host_cluster(entry)
                if not host:
                    continue
                if addend:
                    self.update_refcount(host, 1, addend)
                count = self.refcount(host >> self.cluster_bits)
                new = entry | COPIED if count == 1 else entry & ~COPIED
                if new != entry:
                    self.set_l2_entry(l2, j, new)
            if addend:
                self.update_refcount(l2, 1, addend)
            count = self.refcount(l2 >> self.cluster_bits)
            new_l1 = l2 | COPIED if count == 1 else l2
            if new_l1 != old_l1:
                l1[i] = new_l1
                modified = True
        if active:
            self.l1 = l1
        # As QEMU, a table whose counts went down is not written back: it is
        # about to be freed or replaced.
        if modified and addend >= 0:
            self.pwrite(l1_offset, struct.pack(f">{l1_size}Q", *l1))
