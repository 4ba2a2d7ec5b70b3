"""qcow2 images: the header and the extensions QEMU 7.2 reads when it opens one.

Only what the block queries show is read (size, cluster size, version and
feature bits, the backing file and its format, the compression type); the
image's tables are never touched: the null machine does no guest I/O.
Errors are QEMU's (block/qcow2.c, qcow2_do_open) for the checks made
before the tables are read.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from qmonitor.qapi.error import QapiError

MAGIC = b"QFI\xfb"
NOT_QCOW2 = "Image is not in qcow2 format"
UNSUPPORTED_VERSION = "Unsupported qcow2 version {}"
UNSUPPORTED_CLUSTER = "Unsupported cluster size: 2^{}"
HEADER_TOO_SHORT = "qcow2 header too short"
HEADER_EXCEEDS = "qcow2 header exceeds cluster size"
BAD_BACKING_OFFSET = "Invalid backing file offset"

MIN_CLUSTER_BITS, MAX_CLUSTER_BITS = 9, 21
#: Header extension types (the backing file's format; the end marker).
EXT_END, EXT_BACKING_FORMAT = 0, 0xE2792ACA

# Feature bits.
INCOMPAT_DIRTY, INCOMPAT_CORRUPT, INCOMPAT_COMPRESSION, INCOMPAT_EXTL2 = 1, 2, 8, 16
COMPAT_LAZY_REFCOUNTS = 1

_V2 = struct.Struct(">4sIQIIQIIQQIIQ")
_V3 = struct.Struct(">QQQII")
V2_LENGTH, V3_LENGTH = _V2.size, _V2.size + _V3.size

#: How much of the image the header and its extensions may take (one cluster at most).
HEADER_READ = 1 << MAX_CLUSTER_BITS


@dataclass(frozen=True)
class Qcow2Header:
    """What the queries show of a qcow2 image."""

    version: int
    cluster_bits: int
    size: int
    incompatible: int = 0
    compatible: int = 0
    refcount_order: int = 4
    compression_type: int = 0
    backing_file: str = ""
    backing_format: str = ""

    @property
    def cluster_size(self) -> int:
        return 1 << self.cluster_bits

    @property
    def dirty(self) -> bool:
        return bool(self.incompatible & INCOMPAT_DIRTY)

    def format_specific(self) -> dict[str, Any]:
        """ImageInfoSpecificQCow2, as qcow2_get_specific_info fills it."""
        compression = "zstd" if self.compression_type == 1 else "zlib"
        if self.version == 2:
            return {"compat": "0.10", "refcount-bits": 16, "compression-type": compression}
        # In the schema's member order (the reply's order depends on it).
        return {
            "compat": "1.1",
            "extended-l2": bool(self.incompatible & INCOMPAT_EXTL2),
            "lazy-refcounts": bool(self.compatible & COMPAT_LAZY_REFCOUNTS),
            "corrupt": bool(self.incompatible & INCOMPAT_CORRUPT),
            "refcount-bits": 1 << self.refcount_order,
            "compression-type": compression,
        }


def parse_header(data: bytes) -> Qcow2Header:
    """A qcow2 header from the image's first bytes (at least its first cluster if it has one)."""
    if len(data) < V2_LENGTH or data[:4] != MAGIC:
        raise QapiError(NOT_QCOW2)
    fields = _V2.unpack_from(data)
    (_, version, backing_offset, backing_size, cluster_bits, size) = fields[:6]
    if version < 2 or version > 3:
        raise QapiError(UNSUPPORTED_VERSION.format(version))
    if not MIN_CLUSTER_BITS <= cluster_bits <= MAX_CLUSTER_BITS:
        raise QapiError(UNSUPPORTED_CLUSTER.format(cluster_bits))
    cluster_size = 1 << cluster_bits
    incompatible = compatible = 0
    refcount_order, header_length, compression = 4, V2_LENGTH, 0
    if version == 3:
        if len(data) < V3_LENGTH:
            raise QapiError(NOT_QCOW2)
        incompatible, compatible, _, refcount_order, header_length = _V3.unpack_from(
            data, V2_LENGTH
        )
        if header_length < V3_LENGTH:
            raise QapiError(HEADER_TOO_SHORT)
        if header_length > cluster_size:
            raise QapiError(HEADER_EXCEEDS)
        if header_length > V3_LENGTH and len(data) > V3_LENGTH:
            compression = data[V3_LENGTH]
    if backing_offset > cluster_size:
        raise QapiError(BAD_BACKING_OFFSET)
    ext_end = backing_offset if backing_offset else cluster_size
    backing_format = _backing_format(data, (header_length + 7) & ~7, ext_end)
    backing = ""
    if backing_offset and backing_size:
        raw = data[backing_offset : backing_offset + min(backing_size, 1023)]
        backing = raw.decode("utf-8", errors="replace")
    return Qcow2Header(
        version, cluster_bits, size, incompatible, compatible, refcount_order, compression,
        backing, backing_format,
    )  # fmt: skip


def _backing_format(data: bytes, offset: int, end: int) -> str:
    """The backing format extension's text, if the image has one."""
    while offset + 8 <= min(end, len(data)):
        kind, length = struct.unpack_from(">II", data, offset)
        offset += 8
        if kind == EXT_END or offset + length > end:
            return ""
        if kind == EXT_BACKING_FORMAT:
            return data[offset : offset + length].decode("utf-8", errors="replace")
        offset += (length + 7) & ~7
    return ""
