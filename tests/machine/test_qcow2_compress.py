"""Compressed qcow2 clusters (machine/block/qcow2_compress.py): entries, sharing, reading back.

QEMU's own answers for the same writes are the golden qemu-io session
``qcow2_compressed`` (tests/golden/qemu_io/cases.json), whose images pass
``qemu-img check``; these tests pin the layout rules.
"""

from __future__ import annotations

import errno
import random
import zlib
from pathlib import Path

from qmonitor.machine.block import qcow2_data
from qmonitor.machine.block.commands import blockdev_add
from qmonitor.machine.block.graph import BlockGraph, BlockNode
from qmonitor.machine.block.qcow2_compress import compress, decompress, entry_for
from qmonitor.machine.block.qcow2_image import create
from qmonitor.machine.block.qcow2_meta import COMPRESSED, OFFSET_MASK, Qcow2Meta

CLUSTER = 65536


def _node(tmp_path: Path, size: int = 1 << 20) -> tuple[BlockNode, str]:
    path = str(tmp_path / "disk.qcow2")
    create(path, size)
    graph = BlockGraph(random.Random(1))
    blockdev_add(graph, {"driver": "qcow2", "node-name": "q",
                         "file": {"driver": "file", "filename": path}})  # fmt: skip
    return graph.nodes["q"], path


def test_entry_round_trip() -> None:
    data = bytes(range(256)) * 256
    packed = compress(data, CLUSTER - 1)
    assert packed is not None
    entry = entry_for(0x30200, len(packed), 16)
    assert entry & COMPRESSED

    def pread(offset: int, length: int) -> bytes:
        assert offset == 0x30200
        return packed.ljust(length, b"\0")

    assert decompress(entry, 16, pread) == data


def test_incompressible_data_is_not_smaller() -> None:
    noise = random.Random(7).randbytes(CLUSTER)
    assert compress(noise, CLUSTER - 1) is None
    assert zlib.decompressobj(-12).decompress(
        compress(bytes(CLUSTER), CLUSTER - 1) or b""
    ) == bytes(CLUSTER)


def test_two_clusters_share_one_host_cluster(tmp_path: Path) -> None:
    node, path = _node(tmp_path)
    assert qcow2_data.write_compressed(node, 0, b"\x11" * CLUSTER) == 0
    assert qcow2_data.write_compressed(node, CLUSTER, b"\x22" * CLUSTER) == 0
    first, second = qcow2_data.entry_at(node, 0), qcow2_data.entry_at(node, CLUSTER)
    assert first & COMPRESSED and second & COMPRESSED
    shift = 62 - (16 - 8)
    host_a, host_b = first & ((1 << shift) - 1), second & ((1 << shift) - 1)
    assert host_a >> 16 == host_b >> 16  # the same host cluster, counted twice
    meta = Qcow2Meta(path)
    try:
        assert meta.refcount(host_a >> 16) == 2
    finally:
        meta.close()
    assert qcow2_data.read(node, 0, 2 * CLUSTER) == b"\x11" * CLUSTER + b"\x22" * CLUSTER


def test_allocated_cluster_refuses_and_unaligned_is_invalid(tmp_path: Path) -> None:
    node, _ = _node(tmp_path)
    assert qcow2_data.write_compressed(node, 4096, bytes(CLUSTER)) == errno.EINVAL
    assert qcow2_data.write_compressed(node, 0, bytes(4096)) == errno.EINVAL
    assert qcow2_data.write_compressed(node, 0, b"\x01" * CLUSTER) == 0
    assert qcow2_data.write_compressed(node, 0, b"\x01" * CLUSTER) == errno.EIO


def test_incompressible_cluster_is_written_plain(tmp_path: Path) -> None:
    node, _ = _node(tmp_path)
    noise = random.Random(3).randbytes(CLUSTER)
    assert qcow2_data.write_compressed(node, 0, noise) == 0
    entry = qcow2_data.entry_at(node, 0)
    assert not entry & COMPRESSED and entry & OFFSET_MASK
    assert qcow2_data.read(node, 0, CLUSTER) == noise
