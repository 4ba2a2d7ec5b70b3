"""Guest data of a qcow2 node over a host file: read, write, discard, allocation.

Reads map each guest cluster through the active L1 and L2 tables: a data
cluster is read from the image, a zero cluster reads zeroes, an
unallocated one reads from the backing node (zeroes past its end, or
without one).  Writes go through :class:`~.qcow2_meta.Qcow2Meta`, which
allocates L2 tables and data clusters first-fit with their refcounts as
QEMU's qcow2 driver does, so ``qemu-img check`` finds the image clean and
``qemu-img compare`` finds the same guest data as after QEMU's writes.
A write is widened to whole clusters with the data the node reads there
(its own, its backing's, or zeroes): QEMU's copy on write leaves the same
bytes.  A zero write makes zero clusters where QEMU does
(:mod:`.qcow2_zeroes`).  A discard frees the whole clusters it covers (qcow2 ignores the
rest of a request it cannot align).  Compressed clusters are read
inflated and written by compressed writes (:mod:`.qcow2_compress`).  Not
modelled: refcount structures that would have to grow, writing over a
compressed cluster, extended L2 entries and external data files (an
``x-qmonitor`` error from Qcow2Meta).  The
image file's node sees each host write (its highest offset written, its
bitmaps).
"""

from __future__ import annotations

import errno
import os
import struct

from qmonitor.machine.block import bitmaps, qcow2_zeroes
from qmonitor.machine.block.graph import BlockNode
from qmonitor.machine.block.qcow2_meta import COMPRESSED, OFFSET_MASK, ZERO, Qcow2Meta


def _path(node: BlockNode) -> str:
    file = node.children["file"]
    if file.driver != "file":
        raise OSError(95, os.strerror(95))
    return str(file.options["filename"])


class _Tables:
    """The active L1 table and the L2 entries it leads to, read-only."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        head = os.pread(self.fd, 48, 0)
        self.cluster_bits = struct.unpack_from(">I", head, 20)[0]
        self.cluster_size = 1 << self.cluster_bits
        l1_size, self.l1_offset = struct.unpack_from(">IQ", head, 36)
        raw = os.pread(self.fd, 8 * l1_size, self.l1_offset).ljust(8 * l1_size, b"\0")
        self.l1 = struct.unpack(f">{l1_size}Q", raw)

    def close(self) -> None:
        os.close(self.fd)

    def entry(self, offset: int) -> int:
        """The L2 entry of the guest cluster at ``offset`` (0: unallocated)."""
        l1_index = offset >> (self.cluster_bits * 2 - 3)
        if l1_index >= len(self.l1) or not self.l1[l1_index] & OFFSET_MASK:
            return 0
        l2 = self.l1[l1_index] & OFFSET_MASK
        index = (offset >> self.cluster_bits) & (self.cluster_size // 8 - 1)
        raw = os.pread(self.fd, 8, l2 + 8 * index).ljust(8, b"\0")
        return int(struct.unpack(">Q", raw)[0])

    def pread(self, offset: int, length: int) -> bytes:
        return os.pread(self.fd, length, offset).ljust(length, b"\0")


def _backing_read(node: BlockNode, offset: int, length: int) -> bytes:
    backing = node.children.get("backing")
    if backing is None or offset >= backing.size:
        return bytes(length)
    from qmonitor.machine.block import block_io

    inside = min(length, backing.size - offset)
    data = block_io.read(backing, offset, inside) or bytes(inside)
    return data + bytes(length - inside)


def read(node: BlockNode, offset: int, length: int) -> bytes:
    tables = _Tables(_path(node))
    try:
        out = bytearray()
        pos, end = offset, offset + length
        while pos < end:
            stop = min(end, (pos | (tables.cluster_size - 1)) + 1)
            entry = tables.entry(pos)
            if entry & COMPRESSED:
                from qmonitor.machine.block.qcow2_compress import decompress

                cluster = decompress(entry, tables.cluster_bits, tables.pread)
                within = pos & (tables.cluster_size - 1)
                out += cluster[within : within + stop - pos]
                pos = stop
                continue
            host = entry & OFFSET_MASK
            if entry & ZERO:
                out += bytes(stop - pos)
            elif host:
                out += tables.pread(host + (pos & (tables.cluster_size - 1)), stop - pos)
            else:
                out += _backing_read(node, pos, stop - pos)
            pos = stop
        return bytes(out)
    finally:
        tables.close()


class _Traced(Qcow2Meta):
    """An image whose writes to its file are noted (the file node finishes each of them)."""

    def __init__(self, path: str, has_backing: bool) -> None:
        super().__init__(path, has_backing=has_backing)
        self.written: list[tuple[int, int]] = []

    def pwrite(self, offset: int, data: bytes) -> None:
        super().pwrite(offset, data)
        self.written.append((self.base + offset, len(data)))


def _finish_file(node: BlockNode, written: list[tuple[int, int]]) -> None:
    """bdrv_co_write_req_finish on the file node for each host write."""
    file = node.children["file"]
    for offset, length in written:
        if length:
            file.wr_highest_offset = max(file.wr_highest_offset, offset + length)
            bitmaps.mark(file, offset, length)


def write(
    node: BlockNode, offset: int, length: int, data: bytes | None, unmap: bool = False
) -> None:
    """Write guest data, whole clusters at a time; None: a zero write (:mod:`.qcow2_zeroes`)."""
    path = _path(node)
    meta = _Traced(path, has_backing="backing" in node.children)
    try:
        if data is None:

            def fallback(at: int, count: int) -> None:
                _write_data(node, meta, at, bytes(count))

            qcow2_zeroes.write_zeroes(node, meta, offset, length, unmap, fallback)
        else:
            _write_data(node, meta, offset, data)
    finally:
        meta.close()
        _finish_file(node, meta.written)
    file = node.children["file"]
    file.size = (os.path.getsize(path) + 511) & ~511


def write_compressed(node: BlockNode, offset: int, data: bytes) -> int:
    """qcow2_co_pwritev_compressed_part: whole clusters (or the image's last), an errno or 0."""
    from qmonitor.machine.block.qcow2_compress import NOT_SMALLER, write_cluster

    path = _path(node)
    meta = _Traced(path, has_backing="backing" in node.children)
    size = meta.cluster_size
    try:
        if offset % size or (len(data) % size and offset + len(data) != node.size):
            return errno.EINVAL
        for start in range(0, len(data), size):
            chunk = data[start : start + size]
            err = write_cluster(node, meta, offset + start, chunk)
            if err == NOT_SMALLER:
                _write_data(node, meta, offset + start, chunk)
            elif err:
                return err
        return 0
    finally:
        meta.close()
        _finish_file(node, meta.written)
        node.children["file"].size = (os.path.getsize(path) + 511) & ~511


def _write_data(node: BlockNode, meta: Qcow2Meta, offset: int, data: bytes) -> None:
    """Data written over whole clusters: what the node reads there around it."""
    size = meta.cluster_size
    length = len(data)
    start = offset & ~(size - 1)
    end = min(-(-(offset + length) // size) * size, max(node.size, offset + length))
    if start != offset or end != offset + length:
        widened = bytearray(read(node, start, end - start))
        widened[offset - start : offset - start + length] = data
        data = bytes(widened)
    meta.write(start, data)


def entry_at(node: BlockNode, offset: int) -> int:
    """The L2 entry of the node's cluster at ``offset`` (0: unallocated)."""
    tables = _Tables(_path(node))
    try:
        return tables.entry(offset)
    finally:
        tables.close()


def discard(node: BlockNode, offset: int, length: int) -> None:
    """The whole clusters of the range become zero clusters (their data freed)."""
    path = _path(node)
    meta = _Traced(path, has_backing="backing" in node.children)
    try:
        size = meta.cluster_size
        start = -(-offset // size) * size
        end = offset + length if offset + length >= node.size else (offset + length) & ~(size - 1)
        if end > start:
            meta.discard(start, end - start)
    finally:
        meta.close()
        _finish_file(node, meta.written)


def allocated(node: BlockNode, offset: int, length: int) -> tuple[bool, int]:
    """Whether the cluster at ``offset`` is allocated here, and how far that lasts."""
    tables = _Tables(_path(node))
    try:
        size = tables.cluster_size
        first = tables.entry(offset) != 0
        pos, end = offset, offset + length
        while pos < end and (tables.entry(pos) != 0) == first:
            pos = min(end, (pos | (size - 1)) + 1)
        return first, pos - offset
    finally:
        tables.close()
