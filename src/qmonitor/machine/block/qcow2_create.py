"""Write an empty qcow2 image, as blockdev-create's qcow2 driver lays one out.

The image is version 3 (or 2 with ``version: v2``), 64 KiB clusters unless
asked otherwise, 16-bit refcounts, no backing file: the header in cluster
0, the refcount table in cluster 1, one refcount block in cluster 2 and
the L1 table after it, where the file ends.  Every cluster the metadata
uses has refcount 1, so ``qemu-img check`` finds it clean and ``qemu-img
info`` reads it.
"""

from __future__ import annotations

import struct

from qmonitor.machine.block.qcow2 import MAGIC

#: The v3 header with the compression type field, padded to 8 bytes.
V3_HEADER_LENGTH = 112


def qcow2_image(size: int, cluster_size: int = 65536, version: int = 3) -> bytes:
    """The bytes of an empty qcow2 image of ``size`` bytes."""
    cluster_bits = cluster_size.bit_length() - 1
    l2_entries = cluster_size // 8
    l1_size = max(1, -(-size // (cluster_size * l2_entries)))
    l1_clusters = -(-(l1_size * 8) // cluster_size)
    reftable, refblock, l1 = cluster_size, 2 * cluster_size, 3 * cluster_size
    clusters = 3 + l1_clusters
    # The file ends where the L1 table does, as QEMU leaves it.
    length = l1 + l1_size * 8
    header = struct.pack(
        ">4sIQIIQIIQQIIQ",
        MAGIC,
        version,
        0,
        0,
        cluster_bits,
        size,
        0,
        l1_size,
        l1,
        reftable,
        1,
        0,
        0,
    )
    if version >= 3:
        # incompatible, compatible, autoclear features; refcount order 4; header
        # length; compression type zlib (0) and padding.
        header += struct.pack(">QQQII", 0, 0, 0, 4, V3_HEADER_LENGTH) + bytes(8)
    header += struct.pack(">II", 0, 0)  # end of the header extensions
    image = bytearray(length)
    image[: len(header)] = header
    struct.pack_into(">Q", image, reftable, refblock)
    for index in range(clusters):
        struct.pack_into(">H", image, refblock + 2 * index, 1)
    return bytes(image)
