"""Zero writes to a qcow2 image: zero clusters where QEMU 7.2 makes them (qcow2_co_pwrite_zeroes).

The block layer splits a zero write at cluster boundaries.  A whole
cluster, or a piece of one whose rest already reads as zeroes (and whose
cluster is unallocated or a zero cluster), becomes a zero cluster: its
L2 entry gets the zero flag, with no data cluster allocated
(qcow2_subcluster_zeroize; ``-u`` on a node opened with ``discard=unmap``
also frees an allocated cluster's data); a version 2 image has no zero
flag, and discards the cluster instead when it has no backing file.  Any
other piece is written as zeroes (the block layer's fallback).  "Reads
as zeroes" is the block status QEMU asks: a zero cluster, an unallocated
cluster without a backing file, or one whose backing reads as zeroes
there (a hole of a host file, zero clusters).
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable

from qmonitor.machine.block.graph import BlockNode
from qmonitor.machine.block.qcow2_meta import COMPRESSED, OFFSET_MASK, ZERO, Qcow2Meta

#: Writes the piece (offset, length) as zeroes the ordinary way.
Fallback = Callable[[int, int], None]


def is_zero(node: BlockNode, offset: int, length: int) -> bool:
    """Whether the block status of the range is all zeroes (block/qcow2.c's is_zero)."""
    if length <= 0:
        return True
    if offset >= node.size:
        return True
    length = min(length, node.size - offset)
    if node.driver == "qcow2":
        from qmonitor.machine.block.qcow2_data import entry_at

        size = 1 << (node.header.cluster_bits if node.header is not None else 16)
        pos, end = offset, offset + length
        while pos < end:
            stop = min(end, (pos | (size - 1)) + 1)
            entry = entry_at(node, pos)
            if entry & ZERO:
                pass
            elif entry & (OFFSET_MASK | COMPRESSED):
                return False
            else:
                backing = node.children.get("backing")
                if backing is not None and not is_zero(backing, pos, stop - pos):
                    return False
            pos = stop
        return True
    if node.driver == "raw":
        start = node.options.get("offset", 0)
        return is_zero(node.children["file"], int(start) + offset, length)
    if node.driver == "blkdebug":
        return is_zero(node.children["image"], offset, length)
    if node.driver in ("file", "host_device"):
        return _hole(str(node.options["filename"]), offset, length)
    return bool(node.options.get("read-zeroes"))


def _hole(path: str, offset: int, length: int) -> bool:
    """Whether a host file has no data in the range (SEEK_DATA finds none before its end)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        try:
            data = os.lseek(fd, offset, os.SEEK_DATA)
        except OSError as err:
            return err.errno == errno.ENXIO
        return data >= offset + length
    finally:
        os.close(fd)


def write_zeroes(
    node: BlockNode, meta: Qcow2Meta, offset: int, length: int, unmap: bool, fallback: Fallback
) -> None:
    """Zero ``length`` bytes at ``offset``: zero clusters where possible, else ``fallback``."""
    size = meta.cluster_size
    pos, end = offset, offset + length
    while pos < end:
        start = pos & ~(size - 1)
        stop = min(end, start + size)
        head, tail = pos - start, start + size - stop
        whole = (not head and not tail) or (
            is_zero(node, start, head) and is_zero(node, stop, tail) and _zero_or_free(meta, start)
        )
        if whole and meta.version >= 3:
            _zeroize(meta, start, unmap)
        elif whole and not meta.has_backing:
            # Version 2 has no zero flag: without a backing file, a discard does.
            meta.discard(start, size)
        else:
            fallback(pos, stop - pos)
        pos = stop


def _entry(meta: Qcow2Meta, offset: int) -> int:
    l1_index = offset >> (meta.cluster_bits * 2 - 3)
    if l1_index >= meta.l1_size or not meta.l1[l1_index] & OFFSET_MASK:
        return 0
    l2 = meta.l1[l1_index] & OFFSET_MASK
    return meta.l2_entry(l2, (offset >> meta.cluster_bits) & (meta.l2_entries - 1))


def _zero_or_free(meta: Qcow2Meta, offset: int) -> bool:
    """The cluster is a zero cluster or unallocated (not data, not compressed)."""
    entry = _entry(meta, offset)
    return bool(entry & ZERO) or not entry & (OFFSET_MASK | COMPRESSED)


def _zeroize(meta: Qcow2Meta, offset: int, unmap: bool) -> None:
    """zero_in_l2_slice for one cluster."""
    l2, index = meta.cluster_table(offset)
    old = meta.l2_entry(l2, index)
    compressed = bool(old & COMPRESSED)
    allocated = compressed or bool(old & OFFSET_MASK)
    drop = compressed or (unmap and allocated)
    new = (0 if drop else old) | ZERO
    if new == old:
        return
    meta.set_l2_entry(l2, index, new)
    if drop:
        meta.free(meta.host_cluster(old), meta.cluster_size)
