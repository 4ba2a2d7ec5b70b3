"""Dirty bitmaps (machine/block/bitmaps.py), sans IO.

The texts and the digest are QEMU 7.2's (tests/golden/qmp/nodes.json,
cases ``nodes_bitmaps*``, has them as QEMU answered); these tests pin the
rules behind them, including those no recording reaches (qcow2 v2 images,
bitmaps too large to store, busy bitmaps, undoing for a transaction).
"""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from qmonitor.machine.block import bitmaps
from qmonitor.machine.block.commands import blockdev_add
from qmonitor.machine.block.graph import BlockGraph
from qmonitor.machine.block.qcow2 import Qcow2Header
from qmonitor.machine.block.queries import named_nodes
from qmonitor.qapi.error import QapiError


def _graph(**null: int) -> BlockGraph:
    graph = BlockGraph(random.Random(3))
    blockdev_add(graph, {"driver": "null-co", "node-name": "n0", **null})
    return graph


def _error(fn: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(QapiError) as info:
        fn(*args, **kwargs)  # type: ignore[operator]
    return info.value.desc


def test_add_checks_in_qemus_order() -> None:
    g = _graph()
    assert _error(bitmaps.add, g, "nope", "") == "Bitmap name cannot be empty"
    assert _error(bitmaps.add, g, "nope", "b") == "Cannot find device='nope' nor node-name='nope'"
    assert _error(bitmaps.add, g, "n0", "b", 4096 + 512) == (
        "Granularity must be power of 2 and at least 512"
    )
    assert _error(bitmaps.add, g, "n0", "b", persistent=True) == (
        "Can't store persistent bitmaps to n0: Operation not supported"
    )
    bitmaps.add(g, "n0", "b")
    assert _error(bitmaps.add, g, "n0", "b", 256) == (
        "Granularity must be power of 2 and at least 512"
    )
    assert _error(bitmaps.add, g, "n0", "b") == "Bitmap already exists: b"
    assert _error(bitmaps.add, g, "n0", "x" * 1024) == "Bitmap name too long: " + "x" * 1024


def test_listed_newest_first_with_their_state() -> None:
    g = _graph()
    bitmaps.add(g, "n0", "a", 512)
    bitmaps.add(g, "n0", "b", disabled=True)
    (info,) = named_nodes(g, flat=True)
    assert info["dirty-bitmaps"] == [
        {"name": "b", "count": 0, "granularity": 65536, "recording": False, "busy": False,
         "persistent": False},
        {"name": "a", "count": 0, "granularity": 512, "recording": True, "busy": False,
         "persistent": False},
    ]  # fmt: skip
    bitmaps.remove(g, "n0", "a")
    bitmaps.remove(g, "n0", "b")
    assert "dirty-bitmaps" not in named_nodes(g, flat=True)[0]


def test_sha256_hashes_the_lowest_level_words() -> None:
    g = _graph()
    bitmap = bitmaps.add(g, "n0", "b")
    # 1 GiB in 64 KiB granules: 16384 bits, 256 words (QEMU's digest, recorded).
    assert bitmap.words() == 256
    assert bitmaps.sha256(g, "n0", "b") == {
        "sha256": "e5a00aa9991ac8a5ee3109844d84a55583bd20572ad3ffcd42792f3c36b183ad"
    }
    assert replace(bitmap, size=0).words() == 1
    assert replace(bitmap, size=65536 * 64 + 1).words() == 2


def test_qcow2_default_granularity_follows_the_cluster_size() -> None:
    g = _graph()
    node = g.nodes["n0"]
    for bits, want in ((9, 4096), (16, 65536), (21, 65536), (14, 16384)):
        node.header = Qcow2Header(3, bits, node.size)
        assert bitmaps.default_granularity(node) == want


def test_persistence_needs_a_qcow2_v3_image_within_its_limits() -> None:
    g = _graph()
    node = g.nodes["n0"]
    node.driver = "qcow2"
    node.header = Qcow2Header(2, 16, node.size)
    assert _error(bitmaps.add, g, "n0", "p", persistent=True) == (
        "Can't make bitmap 'p' persistent in 'n0': Cannot store dirty bitmaps in qcow2 v2 files"
    )
    node.header = Qcow2Header(3, 9, 1 << 62)
    node.size = 1 << 62
    assert _error(bitmaps.add, g, "n0", "p", 512, persistent=True) == (
        "Can't make bitmap 'p' persistent in 'n0': Too much space will be occupied by the"
        " bitmap. Use larger granularity"
    )
    assert _error(bitmaps.add, g, "n0", "p", 1 << 32, persistent=True).endswith(
        "Granularity exceeds maximum (2147483648 bytes)"
    )
    node.size = 1 << 20
    bitmaps.add(g, "n0", "p", persistent=True)
    assert _error(bitmaps.add, g, "n0", "p", persistent=True) == "Bitmap already exists: p"
    assert _error(bitmaps.add, g, "n0", "x" * 1024, persistent=True) == (
        "Can't make bitmap '" + "x" * 1024 + "' persistent in 'n0': Name length exceeds"
        " maximum (1023 characters)"
    )
    assert bitmaps.find(node, "p") is not None and bitmaps.find(node, "p").persistent  # type: ignore[union-attr]


def test_busy_bitmaps_are_left_alone() -> None:
    g = _graph()
    bitmaps.add(g, "n0", "b")
    bitmaps.set_busy(g.nodes["n0"], "b", True)
    busy = "Bitmap 'b' is currently in use by another operation and cannot be used"
    for op in (bitmaps.remove, bitmaps.clear, bitmaps.enable, bitmaps.disable):
        assert _error(op, g, "n0", "b") == busy
    # No source: nothing is checked or changed (QEMU 7.2 itself aborts on an empty list).
    assert bitmaps.merge(g, "n0", "b", [])[1].busy
    bitmaps.add(g, "n0", "c")
    assert _error(bitmaps.merge, g, "n0", "c", ["b"]) == busy


def test_merge_checks_each_source_and_sizes() -> None:
    g = _graph()
    blockdev_add(g, {"driver": "null-co", "node-name": "n1", "size": 4096})
    bitmaps.add(g, "n0", "t")
    bitmaps.add(g, "n0", "s")
    bitmaps.add(g, "n1", "small")
    bitmaps.merge(g, "n0", "t", ["s", {"node": "n0", "name": "s"}])
    assert _error(bitmaps.merge, g, "n0", "t", ["s", "zz"]) == "Dirty bitmap 'zz' not found"
    assert _error(bitmaps.merge, g, "n0", "zz", ["s"]) == "Dirty bitmap 'zz' not found"
    assert _error(bitmaps.merge, g, "n0", "t", [{"node": "no", "name": "s"}]) == (
        "Node 'no' not found"
    )
    assert _error(bitmaps.merge, g, "n0", "t", [{"node": "n1", "name": "small"}]) == (
        "Bitmaps are of different sizes (destination size is 1073741824, source size is"
        " 4096) and can't be merged"
    )


def test_undo_for_a_transaction() -> None:
    g = _graph()
    bitmaps.add(g, "n0", "b")
    node, before = bitmaps.disable(g, "n0", "b")
    assert not bitmaps.find(node, "b").recording  # type: ignore[union-attr]
    bitmaps.restore(node, before)
    assert bitmaps.find(node, "b").recording  # type: ignore[union-attr]
    node, removed = bitmaps.remove(g, "n0", "b")
    assert bitmaps.find(node, "b") is None
    bitmaps.restore(node, removed)
    assert bitmaps.find(node, "b") == removed


def test_bitmaps_follow_their_node_length() -> None:
    g = _graph(size=1 << 20)
    bitmaps.add(g, "n0", "b")
    node = g.nodes["n0"]
    node.size = 2 << 20
    bitmaps.resized(node)
    assert bitmaps.find(node, "b").size == 2 << 20  # type: ignore[union-attr]


def test_writes_mark_enabled_bitmaps_only() -> None:
    g = _graph(size=1 << 20)
    node = g.nodes["n0"]
    bitmaps.add(g, "n0", "on", 4096)
    bitmaps.add(g, "n0", "off", 4096, disabled=True)
    bitmaps.mark(node, 4095, 2)
    assert [b.info()["count"] for b in node.bitmaps] == [0, 8192]
    assert bitmaps.sha256(g, "n0", "on") != bitmaps.sha256(g, "n0", "off")


def test_clear_and_merge_take_new_bits_and_an_abort_puts_the_old_back() -> None:
    g = _graph(size=1 << 20)
    blockdev_add(g, {"driver": "null-co", "node-name": "n1", "size": 1 << 20})
    node = g.nodes["n0"]
    bitmaps.add(g, "n0", "t", 65536)
    bitmaps.add(g, "n1", "s", 512)
    bitmaps.mark(node, 0, 1)
    bitmaps.mark(g.nodes["n1"], 70000, 1)
    _, before = bitmaps.merge(g, "n0", "t", [{"node": "n1", "name": "s"}])
    assert bitmaps.find(node, "t").bits.dirty_areas() == [(0, 131072)]  # type: ignore[union-attr]
    bitmaps.restore(node, before)
    assert bitmaps.find(node, "t").info()["count"] == 65536  # type: ignore[union-attr]
    _, before = bitmaps.clear(g, "n0", "t")
    assert bitmaps.find(node, "t").info()["count"] == 0  # type: ignore[union-attr]
    bitmaps.restore(node, before)
    assert bitmaps.find(node, "t").info()["count"] == 65536  # type: ignore[union-attr]


def test_a_successor_records_while_the_bitmap_is_held() -> None:
    g = _graph(size=1 << 20)
    node = g.nodes["n0"]
    bitmaps.add(g, "n0", "b")
    bitmaps.mark(node, 0, 1)
    held = bitmaps.create_successor(node, "b")
    assert held.busy and held.recording and held.disabled
    assert [i.get("name") for i in bitmaps.dirty_bitmaps_info(node)] == [None, "b"]
    bitmaps.mark(node, 1 << 19, 1)
    assert bitmaps.reclaim(node, "b") is not None
    assert bitmaps.find(node, "b").info()["count"] == 2 * 65536  # type: ignore[union-attr]
    bitmaps.create_successor(node, "b")
    bitmaps.mark(node, 1 << 18, 1)
    bitmaps.abdicate(node, "b")
    (only,) = bitmaps.dirty_bitmaps_info(node)
    assert only["name"] == "b" and only["count"] == 65536 and not only["busy"]


def test_a_drive_name_finds_its_medium() -> None:
    g = _graph()
    g.drive_medium = lambda name: (True, g.nodes["n0"]) if name == "d0" else (False, None)
    bitmaps.add(g, "d0", "b")
    assert bitmaps.lookup(g, "d0", "b")[0] is g.nodes["n0"]
    g.drive_medium = lambda name: (True, None) if name == "e0" else (False, None)
    assert _error(bitmaps.add, g, "e0", "b") == "Device 'e0' has no medium"
    assert _error(bitmaps.lookup, g, "e0", "b") == "Node 'e0' not found"


def test_a_backup_checks_sync_bitmap_and_mode_together() -> None:
    from qmonitor.machine.block import backup_bitmap

    g = _graph(size=1 << 20)
    node = g.nodes["n0"]
    bitmaps.add(g, "n0", "b")

    def check(**args: object) -> str:
        return _error(backup_bitmap.check, node, args)

    assert check(sync="bitmap") == "must provide a valid bitmap name for 'bitmap' sync mode"
    assert check(sync="incremental", bitmap="b", **{"bitmap-mode": "always"}) == (
        "Bitmap sync mode must be 'on-success' when using sync mode 'incremental'"
    )
    assert check(sync="full", **{"bitmap-mode": "never"}) == (
        "Cannot specify bitmap sync mode without a bitmap"
    )
    assert check(sync="full", bitmap="x", **{"bitmap-mode": "never"}) == (
        "Bitmap 'x' could not be found"
    )
    sync = backup_bitmap.check(node, {"sync": "incremental", "bitmap": "b"})
    assert sync is not None and sync.selects and sync.mode == "on-success"
    bitmaps.mark(node, 70000, 1)
    assert sync.start(65536) == 65536
    assert sync.plan == [(65536, 65536)]
    assert bitmaps.find(node, "b").busy  # type: ignore[union-attr]
    bitmaps.mark(node, 0, 1)  # while the job runs: the successor's
    sync.finish(False)  # a failed on-success job keeps everything
    assert bitmaps.find(node, "b").info()["count"] == 2 * 65536  # type: ignore[union-attr]
