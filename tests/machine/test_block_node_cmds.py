"""Commands on block nodes and removable media (node_cmds.py, qcow2_image.py, media.py).

The replies are replayed against QEMU 7.2's recordings in tests/golden
(theme ``nodes``); these tests look at what the recordings cannot show:
the bytes written to image files, graphs with parents above a snapshotted
node, and the tray logic for drives that a device model would register.
"""

from __future__ import annotations

import os
import random
import struct
from pathlib import Path
from typing import Any

import pytest

from qmonitor.machine.block import media, node_cmds, qcow2_image
from qmonitor.machine.block.commands import blockdev_add
from qmonitor.machine.block.graph import BlockGraph
from qmonitor.machine.block.qcow2 import parse_header
from qmonitor.qapi.error import QapiError


def _graph() -> BlockGraph:
    return BlockGraph(random.Random(5))


def _raw(graph: BlockGraph, path: Path, name: str = "r0", size: int = 0) -> None:
    path.write_bytes(bytes(size))
    file = {"driver": "file", "filename": str(path), "node-name": f"f{name}"}
    blockdev_add(graph, {"driver": "raw", "node-name": name, "file": file})


def test_new_qcow2_image_reads_back() -> None:
    data = qcow2_image.image_bytes(1 << 20, "base.raw", "raw")
    header = parse_header(data)
    assert (header.version, header.size, header.cluster_size) == (3, 1 << 20, 65536)
    assert (header.backing_file, header.backing_format) == ("base.raw", "raw")
    # Four clusters in use (header, refcount table and block, L1), one L1 entry.
    assert len(data) == 3 * 65536 + 8
    assert struct.unpack_from(">4H", data, 2 * 65536) == (1, 1, 1, 1)


def test_growing_an_empty_file_writes_its_first_block(tmp_path: Path) -> None:
    g = _graph()
    _raw(g, tmp_path / "img.raw", size=0)
    node_cmds.block_resize(g, None, "r0", 1 << 20)
    assert os.path.getsize(tmp_path / "img.raw") == 1 << 20
    assert os.stat(tmp_path / "img.raw").st_blocks > 0
    node_cmds.block_resize(g, None, "r0", 1000)
    assert os.path.getsize(tmp_path / "img.raw") == 1000
    assert (g.nodes["r0"].size, g.nodes["fr0"].size) == (1024, 1024)


def test_resize_refusals(tmp_path: Path) -> None:
    g = _graph()
    blockdev_add(g, {"driver": "null-co", "node-name": "n0"})
    with pytest.raises(QapiError, match=r"^Image format driver does not support resize$"):
        node_cmds.block_resize(g, None, "n0", 512)
    with pytest.raises(QapiError, match=r"^Cannot find device='' nor node-name='x'$"):
        node_cmds.block_resize(g, None, "x", -1)
    with pytest.raises(QapiError, match=r"^Parameter 'size' expects a >0 size$"):
        node_cmds.block_resize(g, None, "n0", -1)


def _qcow2(g: BlockGraph, tmp_path: Path) -> Path:
    _raw(g, tmp_path / "base.raw", size=1 << 20)
    node_cmds.snapshot_sync(g, None, "r0", str(tmp_path / "ov.qcow2"), "ov0")
    file = {"driver": "file", "filename": str(tmp_path / "ov.qcow2"), "node-name": "qf"}
    blockdev_add(g, {"driver": "qcow2", "node-name": "q0", "backing": None, "file": file})
    return tmp_path / "ov.qcow2"


def test_snapshot_sync_writes_the_overlay_and_drops_it_when_unheld(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    g = _graph()
    path = _qcow2(g, tmp_path)
    header = parse_header(path.read_bytes()[:65536])
    assert header.backing_file == str(tmp_path / "base.raw") and header.backing_format == "raw"
    assert "ov0" not in g.nodes and g.nodes["r0"].read_only
    assert capsys.readouterr().out.startswith(f"Formatting '{path}', fmt=qcow2 cluster_size=65536")


def test_snapshot_sync_puts_the_overlay_under_the_parents(tmp_path: Path) -> None:
    g = _graph()
    _raw(g, tmp_path / "base.raw", size=1 << 20)
    blockdev_add(g, {"driver": "raw", "node-name": "top", "file": "r0"})
    node_cmds.snapshot_sync(g, None, "r0", str(tmp_path / "ov.qcow2"), "ov0")
    overlay = g.nodes["ov0"]
    assert g.nodes["top"].children["file"] is overlay
    assert overlay.children["backing"] is g.nodes["r0"]
    with pytest.raises(
        QapiError, match=r"^Node 'r0' is busy: node is used as backing hd of 'ov0'$"
    ):
        node_cmds.snapshot_sync(g, None, "r0", str(tmp_path / "b.qcow2"), "ov1")
    with pytest.raises(QapiError, match=r"^Node 'r0' is busy"):
        g.delete("r0")


def test_qcow2_resize_and_shrink_allocate_an_l2_table(tmp_path: Path) -> None:
    g = _graph()
    path = _qcow2(g, tmp_path)
    node_cmds.block_resize(g, None, "q0", 4 << 20)
    assert parse_header(path.read_bytes()[:4096]).size == 4 << 20
    node_cmds.block_resize(g, None, "q0", 1 << 19)
    data = path.read_bytes()
    assert len(data) == 5 * 65536
    assert struct.unpack_from(">Q", data, 3 * 65536)[0] == (1 << 63) | (4 * 65536)
    assert struct.unpack_from(">H", data, 2 * 65536 + 8)[0] == 1
    assert g.nodes["q0"].size == 1 << 19 and g.nodes["qf"].size == 5 * 65536
    with pytest.raises(QapiError, match=r"^The new size must be a multiple of 512$"):
        node_cmds.block_resize(g, None, "q0", 1000)


def test_change_backing_file_rewrites_the_header(tmp_path: Path) -> None:
    g = _graph()
    path = _qcow2(g, tmp_path)
    blockdev_add(g, {"driver": "null-co", "node-name": "n0"})
    node_cmds.snapshot(g, "n0", "q0")
    node_cmds.change_backing_file(g, "q0", "q0", "other.img")
    header = parse_header(path.read_bytes()[:65536])
    # QEMU 7.2 writes the image's own format as the backing format.
    assert (header.backing_file, header.backing_format) == ("other.img", "qcow2")
    assert header.size == 1 << 20
    with pytest.raises(QapiError, match=r"^Need a root block node$"):
        node_cmds.change_backing_file(g, "n0", "q0", "x")


def test_internal_snapshots_on_a_qcow2_root() -> None:
    g = _graph()
    blockdev_add(g, {"driver": "null-co", "node-name": "n0"})
    node = g.nodes["n0"]
    with pytest.raises(QapiError, match=r"^Block format 'null-co' used by device 'n0' does not"):
        node_cmds.snapshot_internal(g, "n0", "s")
    node.driver = "qcow2"
    with pytest.raises(QapiError, match=r"^Name is empty$"):
        node_cmds.snapshot_internal(g, "n0", "")
    node_cmds.snapshot_internal(g, "n0", "s")
    with pytest.raises(QapiError, match=r"^Snapshot with name 's' already exists on device 'n0'$"):
        node_cmds.snapshot_internal(g, "n0", "s")
    # STR_OR_NULL: recorded from QEMU in tests/golden/qmp/snapshots.json (hmp-delete-again).
    with pytest.raises(QapiError, match=r"^Snapshot with id 'null' and name 't' does not"):
        node_cmds.snapshot_delete_internal(g, "n0", name="t")
    info = node_cmds.snapshot_delete_internal(g, "n0", id="1")
    assert (info["id"], info["name"], info["vm-state-size"]) == ("1", "s", 0)


def test_reopen_changes_only_what_may_change() -> None:
    g = _graph()
    blockdev_add(g, {"driver": "null-co", "node-name": "n0", "size": 512})
    blockdev_add(g, {"driver": "raw", "node-name": "r0", "file": "n0"})
    node_cmds.blockdev_reopen(g, [{"driver": "raw", "node-name": "r0", "file": "n0",
                                   "read-only": True}])  # fmt: skip
    assert g.nodes["r0"].read_only
    with pytest.raises(QapiError, match=r"^Cannot change the option 'size'$"):
        node_cmds.blockdev_reopen(g, [{"driver": "null-co", "node-name": "n0", "size": 1024}])
    with pytest.raises(QapiError, match=r"^Cannot change the option 'file'$"):
        node_cmds.blockdev_reopen(g, [{"driver": "raw", "node-name": "r0", "file": "x"}])
    node_cmds.blockdev_reopen(g, [])
    node_cmds.blockdev_reopen(g, [{"driver": "raw", "node-name": "r0", "file": "n0"}])
    assert not g.nodes["r0"].read_only


def _drives(**drive: Any) -> tuple[media.Drives, list[bool]]:
    moved: list[bool] = []
    cd = media.Drive(
        "ide0-cd0", "cd0", on_tray_moved=lambda _d, open_: moved.append(open_), **drive
    )
    return media.Drives({"ide0-cd0": cd}), moved


def test_media_commands_without_devices() -> None:
    g = _graph()
    drives = media.Drives(devices=lambda ident: ident == "disk0")
    with pytest.raises(QapiError, match=r"^Device 'cd0' not found$") as info:
        media.eject(g, drives, id="cd0")
    assert info.value.error_class.value == "DeviceNotFound"
    with pytest.raises(QapiError, match=r"^Device does not have a block device backend$"):
        media.open_tray(drives, id="disk0")
    with pytest.raises(QapiError, match=r"^Need exactly one of 'device' and 'id'$"):
        media.close_tray(drives)


def test_tray_of_a_cdrom_drive() -> None:
    g = _graph()
    blockdev_add(g, {"driver": "null-co", "node-name": "iso"})
    drives, moved = _drives(removable=True, has_tray=True, locked=True)
    with pytest.raises(QapiError, match=r"^Tray of device 'cd0' is not open$"):
        media.remove_medium(g, drives, "cd0")
    media.open_tray(drives, id="cd0")  # locked: the guest is asked, no error
    assert moved == []
    with pytest.raises(QapiError, match=r"is locked and force was not specified"):
        media.eject(g, drives, id="cd0")
    media.open_tray(drives, id="cd0", force=True)
    assert moved == [True]
    media.insert_medium(g, drives, "cd0", "iso")
    with pytest.raises(QapiError, match=r"^Node 'iso' is already in use$"):
        media.insert_medium(g, drives, "cd0", "iso")
    media.close_tray(drives, id="cd0")
    assert moved == [True, False] and g.nodes["iso"].parents == 1
    media.eject(g, drives, id="cd0", force=True)
    assert drives.by_name["ide0-cd0"].medium is None and g.nodes["iso"].parents == 0


def test_trayless_and_fixed_drives() -> None:
    g = _graph()
    blockdev_add(g, {"driver": "null-co", "node-name": "n0"})
    drives, moved = _drives(removable=True)
    media.insert_medium(g, drives, "cd0", "n0")
    assert moved == [] and drives.by_name["ide0-cd0"].medium is g.nodes["n0"]
    media.eject(g, drives, id="cd0")  # no tray: still ejected
    assert drives.by_name["ide0-cd0"].medium is None and moved == [True]
    fixed, _ = _drives()
    with pytest.raises(QapiError, match=r"^Device 'cd0' is not removable$"):
        media.eject(g, fixed, id="cd0")


def test_snapshot_actions_can_be_taken_back(tmp_path: Path) -> None:
    g = _graph()
    _raw(g, tmp_path / "base.raw", size=1 << 20)
    blockdev_add(g, {"driver": "raw", "node-name": "top", "file": "r0"})
    undo = node_cmds.snapshot_sync(g, None, "r0", str(tmp_path / "ov.qcow2"), "ov0")
    assert g.nodes["top"].children["file"] is g.nodes["ov0"]
    undo()
    assert g.nodes["top"].children["file"] is g.nodes["r0"]
    assert "ov0" not in g.nodes and not g.nodes["r0"].read_only
    assert g.nodes["r0"].parents == 1
    g.nodes["r0"].driver = "qcow2"
    g.nodes["top"].children.clear()
    g.nodes["r0"].parents = 0
    undo = node_cmds.snapshot_internal(g, "r0", "s")
    undo()
    assert g.nodes["r0"].snapshots == []
