"""qcow2 headers read as QEMU 7.2's qcow2_do_open reads them (sans IO, synthesized images)."""

from __future__ import annotations

import struct

import pytest

from qmonitor.machine.block.qcow2 import EXT_BACKING_FORMAT, V3_LENGTH, parse_header
from qmonitor.qapi.error import QapiError


def _image(
    version: int = 3,
    cluster_bits: int = 16,
    size: int = 1 << 20,
    incompatible: int = 0,
    compatible: int = 0,
    refcount_order: int = 4,
    backing: bytes = b"",
    backing_format: bytes = b"",
    header_length: int = V3_LENGTH,
) -> bytes:
    data = bytearray(1 << cluster_bits if cluster_bits <= 16 else 4096)
    backing_offset = 1024 if backing else 0
    struct.pack_into(
        ">4sIQIIQ", data, 0, b"QFI\xfb", version, backing_offset, len(backing), cluster_bits, size
    )
    if version >= 3:
        struct.pack_into(
            ">QQQII", data, 72, incompatible, compatible, 0, refcount_order, header_length
        )
    ext = (header_length + 7) & ~7 if version >= 3 else 72
    if backing_format:
        struct.pack_into(">II", data, ext, EXT_BACKING_FORMAT, len(backing_format))
        data[ext + 8 : ext + 8 + len(backing_format)] = backing_format
    if backing:
        data[1024 : 1024 + len(backing)] = backing
    return bytes(data)


def test_version_3_features() -> None:
    header = parse_header(_image(incompatible=1 | 16, compatible=1, refcount_order=0))
    assert header.size == 1 << 20 and header.cluster_size == 65536 and header.dirty
    assert header.format_specific() == {
        "compat": "1.1",
        "extended-l2": True,
        "lazy-refcounts": True,
        "corrupt": False,
        "refcount-bits": 1,
        "compression-type": "zlib",
    }


def test_version_2() -> None:
    header = parse_header(_image(version=2, cluster_bits=12))
    assert header.format_specific() == {
        "compat": "0.10",
        "refcount-bits": 16,
        "compression-type": "zlib",
    }
    assert not header.dirty


def test_backing_file_and_format() -> None:
    header = parse_header(_image(backing=b"base.qcow2", backing_format=b"qcow2"))
    assert (header.backing_file, header.backing_format) == ("base.qcow2", "qcow2")


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (bytes(512), "Image is not in qcow2 format"),
        (b"QFI", "Image is not in qcow2 format"),
        (_image(version=4), "Unsupported qcow2 version 4"),
        (_image(version=1), "Unsupported qcow2 version 1"),
        (_image(cluster_bits=8), "Unsupported cluster size: 2^8"),
        (_image(header_length=100), "qcow2 header too short"),
        (_image(cluster_bits=9, header_length=1024), "qcow2 header exceeds cluster size"),
    ],
)
def test_errors(data: bytes, error: str) -> None:
    with pytest.raises(QapiError) as info:
        parse_header(data)
    assert info.value.desc == error
