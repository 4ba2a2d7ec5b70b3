"""Compressed clusters of qcow2 images, written and read as QEMU 7.2's qcow2 driver does.

A compressed write (qemu-io ``write -c``) deflates each whole cluster
(raw deflate, a 4 KiB window, as block/qcow2-threads.c qcow2_compress)
and, when the result is smaller than a cluster, stores it at a byte
offset handed out by qcow2_alloc_bytes: compressed clusters share host
clusters, each taking one more reference.  The L2 entry then holds that
byte offset, the compressed flag and the count of 512-byte sectors the
data spans (qcow2_alloc_compressed_cluster_offset).  A cluster that is
already allocated refuses it (EIO); a cluster that does not compress is
written as usual.  Reading inflates the sectors back
(qcow2_co_preadv_compressed).

Only zlib images are handled (zstd is not); writing over a compressed
cluster is not modelled (:data:`qmonitor.machine.block.qcow2_meta.NOT_MODELLED`).
"""

from __future__ import annotations

import errno
import zlib
from collections.abc import Callable
from typing import Final
from weakref import WeakKeyDictionary

from qmonitor.machine.block.graph import BlockNode
from qmonitor.machine.block.qcow2_meta import COMPRESSED, OFFSET_MASK, Qcow2Meta

#: The deflate window qcow2 uses (raw deflate, no zlib header).
_WBITS: Final = -12
#: QCOW2_COMPRESSED_SECTOR_SIZE.
SECTOR: Final = 512

#: Each open image's byte allocator position (BDRVQcow2State.free_byte_offset).
_free_byte_offset: WeakKeyDictionary[BlockNode, int] = WeakKeyDictionary()


def compress(data: bytes, limit: int) -> bytes | None:
    """qcow2_compress: raw deflate at the default level; None if it takes ``limit`` or more."""
    engine = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, _WBITS, 9)
    out = engine.compress(data) + engine.flush()
    return out if len(out) < limit else None


def _csize_shift(cluster_bits: int) -> int:
    return 62 - (cluster_bits - 8)


def entry_for(offset: int, size: int, cluster_bits: int) -> int:
    """The L2 entry of compressed data of ``size`` bytes at host ``offset``."""
    sectors = (offset + size - 1) // SECTOR - offset // SECTOR
    return offset | COMPRESSED | (sectors << _csize_shift(cluster_bits))


def decompress(entry: int, cluster_bits: int, pread: Callable[[int, int], bytes]) -> bytes:
    """The cluster a compressed L2 entry stands for (its sectors read with ``pread``)."""
    shift = _csize_shift(cluster_bits)
    offset = entry & ((1 << shift) - 1)
    sectors = ((entry >> shift) & ((1 << (cluster_bits - 8)) - 1)) + 1
    size = sectors * SECTOR - (offset & (SECTOR - 1))
    cluster = 1 << cluster_bits
    engine = zlib.decompressobj(_WBITS)
    try:
        out = engine.decompress(pread(offset, size), cluster)
    except zlib.error:
        raise OSError(errno.EIO, "compressed cluster does not inflate") from None
    if len(out) != cluster:
        raise OSError(errno.EIO, "compressed cluster too short")
    return out


def _alloc_bytes(node: BlockNode, meta: Qcow2Meta, size: int) -> int:
    """qcow2_alloc_bytes: ``size`` bytes after the last ones handed out, else in a new cluster."""
    offset = _free_byte_offset.get(node, 0)
    limit = (1 << (1 << meta.refcount_order)) - 1
    if offset and meta.refcount(offset >> meta.cluster_bits) == limit:
        offset = 0
    free_in_cluster = meta.cluster_size - (offset & (meta.cluster_size - 1))
    if not offset or free_in_cluster < size:
        new_cluster = _alloc_noref(meta)
        if not offset or -(-offset // meta.cluster_size) * meta.cluster_size != new_cluster:
            offset = new_cluster
    meta.update_refcount(offset, size, 1)
    following = offset + size
    _free_byte_offset[node] = following if following & (meta.cluster_size - 1) else 0
    return offset


def _alloc_noref(meta: Qcow2Meta) -> int:
    """alloc_clusters_noref for one cluster: the first free one from the index."""
    while meta.refcount(meta.free_index):
        meta.free_index += 1
    return meta.free_index << meta.cluster_bits


def write_cluster(node: BlockNode, meta: Qcow2Meta, offset: int, data: bytes) -> int:
    """Write one cluster compressed at guest ``offset``; an errno, 0 when done.

    ``data`` is the cluster's bytes (a short last one is padded with
    zeroes).  A cluster whose deflated form is not smaller is the
    caller's to write as usual: :data:`NOT_SMALLER` then.
    """
    cluster = data.ljust(meta.cluster_size, b"\0")
    packed = compress(cluster, meta.cluster_size - 1)
    if packed is None:
        return NOT_SMALLER
    l2, index = meta.cluster_table(offset)
    if meta.l2_entry(l2, index) & OFFSET_MASK:
        return errno.EIO
    host = _alloc_bytes(node, meta, len(packed))
    meta.pwrite(host, packed)
    meta.set_l2_entry(l2, index, entry_for(host, len(packed), meta.cluster_bits))
    return 0


#: write_cluster's answer for a cluster to write uncompressed.
NOT_SMALLER: Final = -1
