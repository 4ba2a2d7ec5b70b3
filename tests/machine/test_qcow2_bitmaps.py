"""Persistent bitmaps in qcow2 images (machine/block/qcow2_bitmaps.py), without qemu-img.

tests/golden/pbitmap holds what QEMU 7.2 does with the same images (and
tests/machine/test_pbitmap_golden.py replays it byte for byte); these
tests pin the rules on images qmonitor writes itself: a bitmap survives
a close and an open with its bits, flags and state; an image open
read-write shows its bitmaps in use; a damaged directory is refused with
QEMU's texts; all-ones table entries; a stale extension; removal; the
inactivation of a migration.
"""

from __future__ import annotations

import random
import struct
from pathlib import Path

import pytest

from qmonitor.machine.block import bitmaps, qcow2_bitmaps
from qmonitor.machine.block.commands import blockdev_add
from qmonitor.machine.block.graph import BlockGraph, BlockNode
from qmonitor.machine.block.qcow2_image import image_bytes
from qmonitor.qapi.error import QapiError

MIB = 1 << 20


def _image(tmp_path: Path, size: int = 4 * MIB) -> Path:
    path = tmp_path / "a.qcow2"
    path.write_bytes(image_bytes(size))
    return path


def _open(path: Path, **options: object) -> tuple[BlockGraph, BlockNode]:
    graph = BlockGraph(random.Random(1))
    file = {"driver": "file", "filename": str(path)}
    blockdev_add(graph, {"driver": "qcow2", "node-name": "n0", "file": file, **options})
    return graph, graph.nodes["n0"]


def _directory(path: Path) -> list[qcow2_bitmaps.Entry]:
    data = path.read_bytes()
    ext = qcow2_bitmaps.read_extension(data[:65536])
    raw = data[ext.directory_offset : ext.directory_offset + ext.directory_size]
    return qcow2_bitmaps.read_directory(raw, ext.nb_bitmaps, 65536, 4 * MIB)


def _crash(path: Path) -> None:
    """Open the image read-write and go away without closing it properly."""
    graph, _node = _open(path)
    graph.keeps_bitmaps = False
    graph.delete("n0")


def _written(path: Path) -> dict[str, str]:
    """Three persistent bitmaps with bits, stored as the node closes; their digests."""
    graph, node = _open(path)
    bitmaps.add(graph, "n0", "b0", persistent=True)
    bitmaps.add(graph, "n0", "b1", 512, persistent=True, disabled=True)
    bitmaps.add(graph, "n0", "t0")
    for b in node.bitmaps:
        b.bits.set(0, 70000)
        b.bits.set(3 * MIB, 1)
    digests = {b.name: b.sha256() for b in node.bitmaps}
    graph.delete("n0")
    return digests


def test_stored_on_close_and_loaded_with_their_bits(tmp_path: Path) -> None:
    path = _image(tmp_path)
    digests = _written(path)
    assert [(e.name, e.flags, e.granularity_bits) for e in _directory(path)] == [
        ("b1", 0, 9),
        ("b0", qcow2_bitmaps.FLAG_AUTO, 16),
    ]
    graph, node = _open(path)
    assert [(b.name, b.disabled, b.persistent, b.inconsistent) for b in node.bitmaps] == [
        ("b0", False, True, False),
        ("b1", True, True, False),
    ]
    assert {b.name: b.sha256() for b in node.bitmaps} == {
        k: v for k, v in digests.items() if k != "t0"
    }
    # Open read-write: every entry is in use until the node stores them again.
    assert all(e.flags & qcow2_bitmaps.FLAG_IN_USE for e in _directory(path))
    graph.delete("n0")
    assert not any(e.flags & qcow2_bitmaps.FLAG_IN_USE for e in _directory(path))


def test_in_use_after_a_crash_is_inconsistent_and_disabled(tmp_path: Path) -> None:
    path = _image(tmp_path)
    _written(path)
    _crash(path)
    graph, node = _open(path)
    assert [(b.name, b.inconsistent, b.disabled, b.bits.count()) for b in node.bitmaps] == [
        ("b0", True, True, 0),
        ("b1", True, True, 0),
    ]
    with pytest.raises(QapiError, match="Bitmap 'b0' is inconsistent and cannot be used"):
        bitmaps.clear(graph, "n0", "b0")
    # Not stored again: the image keeps them in use.
    graph.delete("n0")
    assert all(e.flags & qcow2_bitmaps.FLAG_IN_USE for e in _directory(path))


def test_read_only_node_neither_marks_nor_stores(tmp_path: Path) -> None:
    path = _image(tmp_path)
    _written(path)
    before = path.read_bytes()
    graph, node = _open(path, **{"read-only": True})
    assert all(b.readonly for b in node.bitmaps)
    assert path.read_bytes() == before
    with pytest.raises(QapiError, match="Bitmap 'b0' is readonly and cannot be modified"):
        bitmaps.clear(graph, "n0", "b0")
    graph.delete("n0")
    assert path.read_bytes() == before


def test_all_ones_table_entry(tmp_path: Path) -> None:
    path = _image(tmp_path)
    _written(path)
    (b1, _b0) = _directory(path)
    with path.open("r+b") as f:
        f.seek(b1.table_offset)
        f.write(struct.pack(">Q", qcow2_bitmaps.TABLE_ALL_ONES))
    _graph, node = _open(path)
    assert bitmaps.find(node, "b1") is not None
    assert bitmaps.find(node, "b1").bits.count() == 4 * MIB  # type: ignore[union-attr]


def test_remove_takes_it_out_of_the_image_at_once(tmp_path: Path) -> None:
    path = _image(tmp_path)
    _written(path)
    graph, _node = _open(path)
    bitmaps.remove(graph, "n0", "b1")
    assert [e.name for e in _directory(path)] == ["b0"]
    bitmaps.remove(graph, "n0", "b0")
    assert qcow2_bitmaps.read_extension(path.read_bytes()[:65536]).nb_bitmaps == 0


@pytest.mark.parametrize(
    ("damage", "text"),
    [
        ((12, ">I", 4), "Bitmap 'b1' doesn't satisfy the constraints"),
        ((16, ">B", 2), "Bitmap 'b1' doesn't satisfy the constraints"),
        ((17, ">B", 8), "Bitmap 'b1' doesn't satisfy the constraints"),
        ((8, ">I", 2), "Could not read bitmap 'b1' from image: Invalid argument"),
    ],
)
def test_damaged_entries_refused(tmp_path: Path, damage: tuple[int, str, int], text: str) -> None:
    path = _image(tmp_path)
    _written(path)
    ext = qcow2_bitmaps.read_extension(path.read_bytes()[:65536])
    where, fmt, value = damage
    with path.open("r+b") as f:
        f.seek(ext.directory_offset + where)
        f.write(struct.pack(fmt, value))
    with pytest.raises(QapiError) as info:
        _open(path)
    assert info.value.desc == text


def test_directory_texts() -> None:
    entry = qcow2_bitmaps.Entry("x", 0, 16, 65536, 1).pack()
    read = qcow2_bitmaps.read_directory
    with pytest.raises(QapiError, match="Requested bitmap directory size is zero"):
        read(b"", 1, 65536, MIB)
    with pytest.raises(QapiError, match="More bitmaps found than specified in header extension"):
        read(entry * 2, 1, 65536, MIB)
    with pytest.raises(QapiError, match="Less bitmaps found than specified in header extension"):
        read(entry, 2, 65536, MIB)
    with pytest.raises(QapiError, match="Broken bitmap directory"):
        read(entry[:-8], 1, 65536, MIB)
    extra = bytearray(entry)
    struct.pack_into(">I", extra, 20, 8)
    with pytest.raises(QapiError, match="Bitmap extra data is not supported"):
        read(bytes(extra) + bytes(8), 1, 65536, MIB)


def test_stale_extension_warned_and_dropped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _image(tmp_path)
    _written(path)
    with path.open("r+b") as f:
        f.seek(88)
        f.write(bytes(8))
    _graph, node = _open(path)
    assert node.bitmaps == []
    err = capsys.readouterr().err
    assert err.endswith(
        "warning: a program lacking bitmap support modified this file, so all bitmaps are "
        "now considered inconsistent\nSome clusters may be leaked, run 'qemu-img check -r' "
        "on the image file to fix."
    )
    ext = qcow2_bitmaps.read_extension(path.read_bytes()[:65536])
    assert (ext.stale, ext.nb_bitmaps) == (False, 0)


def test_migration_inactivates_and_cont_loads_again(tmp_path: Path) -> None:
    path = _image(tmp_path)
    digests = _written(path)
    graph, node = _open(path)
    bitmaps.add(graph, "n0", "t1")
    graph.inactivate_all()
    assert [b.name for b in node.bitmaps] == ["t1"]
    assert not any(e.flags & qcow2_bitmaps.FLAG_IN_USE for e in _directory(path))
    graph.activate_all()
    assert [b.name for b in node.bitmaps] == ["b0", "b1", "t1"]
    assert bitmaps.sha256(graph, "n0", "b0")["sha256"] == digests["b0"]


def test_migrated_bitmaps_are_neither_stored_nor_released(tmp_path: Path) -> None:
    path = _image(tmp_path)
    _written(path)
    graph, node = _open(path)
    graph.inactivate_all(migrated=True)
    assert [b.name for b in node.bitmaps] == ["b0", "b1"]
    assert all(e.flags & qcow2_bitmaps.FLAG_IN_USE for e in _directory(path))
    graph.close_all()  # an inactive image is left as it is
    assert all(e.flags & qcow2_bitmaps.FLAG_IN_USE for e in _directory(path))


def test_resize_refused_with_an_unusable_bitmap_in_the_image(tmp_path: Path) -> None:
    from qmonitor.machine.block.node_cmds import block_resize

    path = _image(tmp_path)
    _written(path)
    _crash(path)
    graph, _node = _open(path)
    with pytest.raises(QapiError, match="Bitmap 'b1' is inconsistent and cannot be used"):
        block_resize(graph, None, "n0", 8 * MIB)


def _data_clusters(path: Path) -> list[int]:
    data = path.read_bytes()
    out = []
    for entry in _directory(path):
        raw = data[entry.table_offset : entry.table_offset + 8 * entry.table_size]
        table = struct.unpack(f">{entry.table_size}Q", raw)
        out += [t & qcow2_bitmaps.TABLE_OFFSET_MASK for t in table if t]
    return out


@pytest.mark.parametrize(("own_file_node", "zeroed"), [(False, True), (True, False)])
def test_old_data_clusters_discarded_only_where_the_file_unmaps(
    tmp_path: Path, own_file_node: bool, zeroed: bool
) -> None:
    path = _image(tmp_path)
    _written(path)
    old = _data_clusters(path)
    graph = BlockGraph(random.Random(1))
    if own_file_node:
        blockdev_add(graph, {"driver": "file", "node-name": "f0", "filename": str(path)})
        blockdev_add(graph, {"driver": "qcow2", "node-name": "n0", "file": "f0"})
    else:
        file = {"driver": "file", "filename": str(path)}
        blockdev_add(graph, {"driver": "qcow2", "node-name": "n0", "file": file})
    graph.delete("n0")
    data = path.read_bytes()
    assert old and all((data[c : c + 65536] == bytes(65536)) is zeroed for c in old)


def test_reopen_read_only_stores_and_back_marks_in_use(tmp_path: Path) -> None:
    from qmonitor.machine.block.node_cmds import blockdev_reopen

    path = _image(tmp_path)
    _written(path)
    graph = BlockGraph(random.Random(1))
    blockdev_add(graph, {"driver": "file", "node-name": "f0", "filename": str(path)})
    blockdev_add(graph, {"driver": "qcow2", "node-name": "n0", "file": "f0"})
    options = {"driver": "qcow2", "node-name": "n0", "file": "f0"}
    blockdev_reopen(graph, [{**options, "read-only": True}])
    assert not any(e.flags & qcow2_bitmaps.FLAG_IN_USE for e in _directory(path))
    with pytest.raises(QapiError, match="Bitmap 'b0' is readonly and cannot be modified"):
        bitmaps.clear(graph, "n0", "b0")
    blockdev_reopen(graph, [{**options, "read-only": False}])
    assert all(e.flags & qcow2_bitmaps.FLAG_IN_USE for e in _directory(path))
    bitmaps.clear(graph, "n0", "b0")
