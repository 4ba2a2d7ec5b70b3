"""Writing qcow2 images: a new empty overlay, a new length, a new backing file name.

What QEMU 7.2 writes when ``blockdev-snapshot-sync`` creates an overlay
(bdrv_img_create with qcow2's defaults: version 3, 64 KiB clusters,
16-bit refcounts, zlib): the header, the backing format and feature name
extensions, the backing file's name, one refcount table cluster, one
refcount block counting the first four clusters and an empty L1 table.
``block_resize`` rewrites the header's size (and the L1 table's length,
which stays within its cluster); ``change-backing-file`` rewrites the
backing file name and format.  The image's data clusters are never
touched: the null machine's guest does no I/O.
"""

from __future__ import annotations

import os
import struct
from typing import Any

from qmonitor.machine.block.qcow2 import EXT_BACKING_FORMAT, MAGIC, V3_LENGTH

#: qcow2's defaults (block/qcow2.c: qcow2_co_create).
CLUSTER_BITS = 16
CLUSTER_SIZE = 1 << CLUSTER_BITS
REFCOUNT_ORDER = 4
#: Header length with the compression type byte, padded to 8 (QCowHeader of 7.2).
HEADER_LENGTH = V3_LENGTH + 8
EXT_FEATURE_TABLE = 0x6803F857
#: The feature name table QEMU writes: (type, bit, name); 0 incompatible, 1 compatible, 2 autoclear.
FEATURES = (
    (0, 0, "dirty bit"), (0, 1, "corrupt bit"), (0, 2, "external data file"),
    (0, 3, "compression type"), (0, 4, "extended L2 entries"), (1, 0, "lazy refcounts"),
    (2, 0, "bitmaps"), (2, 1, "raw external data"),
)  # fmt: skip
#: Where the tables of a new image go: clusters 1, 2 and 3.
REFCOUNT_TABLE, REFCOUNT_BLOCK, L1_TABLE = CLUSTER_SIZE, 2 * CLUSTER_SIZE, 3 * CLUSTER_SIZE
#: An L1 entry's table offset bits, and its "refcount is exactly one" flag.
L1_OFFSET_MASK = 0x00FFFFFFFFFFFE00
COPIED = 1 << 63
# Header field offsets.
_BACKING_OFFSET, _SIZE, _L1_SIZE = 8, 24, 36
#: An L2 entry's flag: the cluster reads as zeroes (QCOW_OFLAG_ZERO).
ZERO_FLAG = 1
#: Where a new virtual size written into the header ends (a resize's last write).
SIZE_END = _SIZE + 8


def l1_entries(size: int, cluster_bits: int = CLUSTER_BITS) -> int:
    """How many L1 entries cover ``size`` bytes (one L2 table maps cluster_size/8 clusters)."""
    per_l2 = 1 << (2 * cluster_bits - 3)
    return max((size + per_l2 - 1) // per_l2, 0)


def _extension(kind: int, data: bytes) -> bytes:
    return struct.pack(">II", kind, len(data)) + data + bytes(-len(data) % 8)


def image_bytes(size: int, backing: str = "", backing_format: str = "") -> bytes:
    """A new empty qcow2 image of ``size`` bytes over ``backing``."""
    exts = b""
    if backing_format:
        exts += _extension(EXT_BACKING_FORMAT, backing_format.encode())
    table = b"".join(
        struct.pack(">BB46s", kind, bit, name.encode()) for kind, bit, name in FEATURES
    )
    exts += _extension(EXT_FEATURE_TABLE, table) + struct.pack(">II", 0, 0)
    backing_raw = backing.encode()
    backing_offset = HEADER_LENGTH + len(exts) if backing_raw else 0
    l1_size = l1_entries(size)
    header = struct.pack(
        ">4sIQIIQIIQQIIQQQQII",
        MAGIC, 3, backing_offset, len(backing_raw), CLUSTER_BITS, size, 0, l1_size,
        L1_TABLE, REFCOUNT_TABLE, 1, 0, 0, 0, 0, 0, REFCOUNT_ORDER, HEADER_LENGTH,
    )  # fmt: skip
    head = header + bytes(HEADER_LENGTH - len(header)) + exts + backing_raw
    image = bytearray(L1_TABLE + max(l1_size, 1) * 8)
    image[: len(head)] = head
    struct.pack_into(">Q", image, REFCOUNT_TABLE, REFCOUNT_BLOCK)
    for cluster in range(4):
        struct.pack_into(">H", image, REFCOUNT_BLOCK + 2 * cluster, 1)
    return bytes(image)


def create(path: str, size: int, backing: str = "", backing_format: str = "") -> None:
    """Write a new image at ``path`` (replacing any file there)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
    try:
        os.write(fd, image_bytes(size, backing, backing_format))
    finally:
        os.close(fd)


def creation_line(path: str, size: int, backing: str, backing_format: str) -> str:
    """What bdrv_img_create prints on standard output for the new image."""
    line = (
        f"Formatting '{path}', fmt=qcow2 cluster_size={CLUSTER_SIZE} extended_l2=off"
        f" compression_type=zlib size={size}"
    )
    if backing:
        line += f" backing_file={backing}"
        if backing_format:
            line += f" backing_fmt={backing_format}"
    return line + " lazy_refcounts=off refcount_bits=16\n"


def set_size(path: str, size: int, cluster_bits: int) -> bool:
    """Write a new virtual size (and L1 length); False if the L1 table would outgrow its cluster.

    Shrinking discards the clusters past the new end as qcow2_co_truncate
    does: each L2 table covering them is allocated (zeroed) if it was not,
    at the end of the file, with its refcount set.
    """
    cluster = 1 << cluster_bits
    with open(path, "r+b") as f:
        header = f.read(V3_LENGTH)
        (old_size,) = struct.unpack_from(">Q", header, _SIZE)
        (l1_size, l1_offset) = struct.unpack_from(">IQ", header, _L1_SIZE)
        needed = l1_entries(size, cluster_bits)
        if needed * 8 > cluster:
            return False
        start = (size + cluster - 1) & ~(cluster - 1)
        if start < old_size:
            per_l2 = 1 << (2 * cluster_bits - 3)
            for index in range(start // per_l2, (old_size - 1) // per_l2 + 1):
                if index < l1_size:
                    _allocate_l2(f, header, cluster_bits, l1_offset + 8 * index)
        f.seek(_SIZE)
        f.write(struct.pack(">Q", size))
        if needed > l1_size:
            f.seek(_L1_SIZE)
            f.write(struct.pack(">I", needed))
    return True


def zero_clusters(path: str, offset: int, length: int) -> None:
    """Write zeroes over a range of an image without backing (qcow2_cluster_zeroize).

    Each L2 table covering the range is allocated if it was not, and its
    unallocated clusters are marked as reading zeroes.
    """
    with open(path, "r+b") as f:
        header = f.read(V3_LENGTH)
        cluster_bits = struct.unpack_from(">I", header, 20)[0]
        (l1_size, l1_offset) = struct.unpack_from(">IQ", header, _L1_SIZE)
        cluster = 1 << cluster_bits
        per_l2 = 1 << (cluster_bits - 3)
        first, end = offset >> cluster_bits, (offset + length + cluster - 1) >> cluster_bits
        for index in range(first // per_l2, (end - 1) // per_l2 + 1 if end > first else 0):
            if index >= l1_size:
                break
            _allocate_l2(f, header, cluster_bits, l1_offset + 8 * index)
            f.seek(l1_offset + 8 * index)
            table = struct.unpack(">Q", f.read(8))[0] & L1_OFFSET_MASK
            if not table:
                continue
            for n in range(max(first, index * per_l2), min(end, (index + 1) * per_l2)):
                f.seek(table + 8 * (n % per_l2))
                if struct.unpack(">Q", f.read(8))[0] == 0:
                    f.seek(table + 8 * (n % per_l2))
                    f.write(struct.pack(">Q", ZERO_FLAG))


def _allocate_l2(f: Any, header: bytes, cluster_bits: int, entry_offset: int) -> None:
    """Give an L1 entry a zeroed L2 table at the end of the file (refcount 1)."""
    cluster = 1 << cluster_bits
    f.seek(entry_offset)
    (entry,) = struct.unpack(">Q", f.read(8))
    if entry & L1_OFFSET_MASK:
        return
    end = f.seek(0, os.SEEK_END)
    table = (end + cluster - 1) & ~(cluster - 1)
    (refcount_table,) = struct.unpack_from(">Q", header, 48)
    f.seek(refcount_table)
    (block,) = struct.unpack(">Q", f.read(8))
    index = table >> cluster_bits
    if not block or index >= cluster // 2:
        return
    f.seek(table)
    f.write(bytes(cluster))
    f.seek(entry_offset)
    f.write(struct.pack(">Q", table | COPIED))
    f.seek(block + 2 * index)
    f.write(struct.pack(">H", 1))


def set_backing(path: str, backing: str, backing_format: str) -> bool:
    """Rewrite the backing file name and format in the header cluster (bdrv_change_backing_file).

    The other header extensions are kept; False if the result would not fit
    in the first cluster.
    """
    with open(path, "r+b") as f:
        head = bytearray(f.read(1 << 21))
        cluster_bits, header_length = struct.unpack_from(">I", head, 20)[0], HEADER_LENGTH
        if struct.unpack_from(">I", head, 4)[0] >= 3:
            header_length = struct.unpack_from(">I", head, 100)[0]
        cluster = 1 << cluster_bits
        old_offset = struct.unpack_from(">Q", head, _BACKING_OFFSET)[0]
        limit = old_offset if old_offset else cluster
        kept, offset = [], (header_length + 7) & ~7
        while offset + 8 <= limit:
            kind, length = struct.unpack_from(">II", head, offset)
            if kind == 0:
                break
            if kind != EXT_BACKING_FORMAT:
                kept.append(_extension(kind, bytes(head[offset + 8 : offset + 8 + length])))
            offset += 8 + ((length + 7) & ~7)
        exts = b""
        if backing_format and backing:
            exts += _extension(EXT_BACKING_FORMAT, backing_format.encode())
        exts += b"".join(kept) + struct.pack(">II", 0, 0)
        name = backing.encode()
        start = (header_length + 7) & ~7
        end = start + len(exts) + len(name)
        if end > cluster:
            return False
        old_end = max(end, old_offset + struct.unpack_from(">I", head, 16)[0], offset + 8)
        area = bytearray(old_end - start)
        area[: len(exts) + len(name)] = exts + name
        struct.pack_into(">QI", head, _BACKING_OFFSET, start + len(exts) if name else 0, len(name))
        f.seek(0)
        f.write(bytes(head[:start]) + bytes(area))
    return True
