"""Write an empty qcow2 image, as blockdev-create's qcow2 driver lays one out.

The image is version 3 (or 2 with ``version: v2``), 64 KiB clusters unless
asked otherwise, 16-bit refcounts: the header in cluster 0 (with the
backing file's name and format, if any), the refcount table in cluster 1,
one refcount block in cluster 2 and the L1 table after it, where the file
ends.  Every cluster the metadata uses has refcount 1, so ``qemu-img
check`` finds it clean and ``qemu-img info`` reads it.
"""

from __future__ import annotations

import struct

from qmonitor.machine.block.qcow2 import EXT_BACKING_FORMAT, MAGIC, V2_LENGTH

#: The v3 header with the compression type field, padded to 8 bytes.
V3_HEADER_LENGTH = 112


#: qcow2_grow_l1_table's limit: QCOW_MAX_L1_SIZE (32 MiB) of 8-byte entries.
MAX_L1_ENTRIES = 32 * 1024 * 1024 // 8
#: Its error when an image's size needs more.
TOO_LARGE = "Could not resize image: Failed to grow the L1 table: File too large"


def l1_entries(size: int, cluster_size: int = 65536) -> int:
    """How many L1 entries an image of ``size`` bytes needs."""
    return max(1, -(-size // (cluster_size * (cluster_size // 8))))


def qcow2_image(
    size: int,
    cluster_size: int = 65536,
    version: int = 3,
    backing_file: str = "",
    backing_format: str = "",
) -> bytes:
    """The bytes of an empty qcow2 image of ``size`` bytes (over a backing file, if named)."""
    cluster_bits = cluster_size.bit_length() - 1
    l1_size = l1_entries(size, cluster_size)
    l1_clusters = -(-(l1_size * 8) // cluster_size)
    reftable, refblock, l1 = cluster_size, 2 * cluster_size, 3 * cluster_size
    clusters = 3 + l1_clusters
    # The file ends with the L1 table's last sector, as blockdev-create leaves it.
    length = l1 + -(-(l1_size * 8) // 512) * 512
    # The extensions: the backing file's format (padded to 8 bytes), then the end.
    extensions = b""
    if backing_format:
        fmt = backing_format.encode()
        extensions += struct.pack(">II", EXT_BACKING_FORMAT, len(fmt))
        extensions += fmt + bytes(-len(fmt) % 8)
    extensions += struct.pack(">II", 0, 0)
    fixed = V3_HEADER_LENGTH if version >= 3 else V2_LENGTH
    name = backing_file.encode()
    name_offset = fixed + len(extensions) if name else 0
    header = struct.pack(
        ">4sIQIIQIIQQIIQ",
        MAGIC,
        version,
        name_offset,
        len(name),
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
    header += extensions + name
    image = bytearray(length)
    image[: len(header)] = header
    struct.pack_into(">Q", image, reftable, refblock)
    for index in range(clusters):
        struct.pack_into(">H", image, refblock + 2 * index, 1)
    return bytes(image)
