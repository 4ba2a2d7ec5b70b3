"""The block graph, sans IO: node names, drivers, blockdev-del and the queries.

Texts and shapes are QEMU 7.2's (tests/golden/qmp/block.json has them as
QEMU answered; these tests pin the rules behind them).
"""

from __future__ import annotations

import os
import random
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from qmonitor.machine.block.commands import blockdev_add
from qmonitor.machine.block.drivers import open_node, read_blkdebug_config
from qmonitor.machine.block.graph import BlockGraph, id_wellformed
from qmonitor.machine.block.queries import (
    blockstats,
    debug_graph,
    filename,
    named_nodes,
)
from qmonitor.machine.migration import MigrationState
from qmonitor.qapi.error import QapiError


def _graph() -> BlockGraph:
    return BlockGraph(random.Random(7))


def _error(graph: BlockGraph, **options: Any) -> str:
    with pytest.raises(QapiError) as info:
        blockdev_add(graph, {k.replace("_", "-"): v for k, v in options.items()})
    return info.value.desc


def _add(graph: BlockGraph, **options: Any) -> None:
    blockdev_add(graph, {k.replace("_", "-"): v for k, v in options.items()})


@pytest.mark.parametrize(
    ("name", "ok"),
    [("a", True), ("a.b_c-1", True), ("1a", False), ("", False), ("a b", False), ("-a", False)],
)
def test_id_wellformed(name: str, ok: bool) -> None:
    assert id_wellformed(name) is ok


def test_root_names_and_their_errors() -> None:
    g = _graph()
    assert _error(g, driver="null-co") == "'node-name' must be specified for the root node"
    assert _error(g, driver="null-co", node_name="1a") == "Invalid node-name: '1a'"
    assert _error(g, driver="null-co", node_name="a" * 32) == "Node name too long"
    _add(g, driver="null-co", node_name="b" * 31)
    _add(g, driver="null-co", node_name="n0")
    assert _error(g, driver="null-aio", node_name="n0") == "Duplicate nodes with node-name='n0'"
    assert _error(g, driver="qcow", node_name="q") == "Unknown driver 'qcow'"
    assert list(g.nodes) == ["b" * 31, "n0"]


def test_inline_children_get_generated_names() -> None:
    g = _graph()
    _add(g, driver="raw", node_name="r0", file={"driver": "null-co"})
    child = g.nodes["r0"].children["file"]
    # util/id.c counts from 0 (tests/golden/block/snapshot_overlay.json: the first is #block0NN).
    assert child.name.startswith("#block0") and len(child.name) == len("#block0") + 2
    assert not child.monitor_owned


def test_format_child_is_named_before_its_parent_protocol_after() -> None:
    g = _graph()
    _add(g, driver="raw", node_name="r0", file={"driver": "null-co", "node-name": "c0"})
    assert list(g.nodes) == ["c0", "r0"]
    _add(g, driver="blkdebug", node_name="b0", image={"driver": "null-co", "node-name": "i0"})
    assert list(g.nodes)[2:] == ["b0", "i0"]
    # blkdebug is named first, so its child cannot take the same name.
    err = _error(
        g, driver="blkdebug", node_name="b1", image={"driver": "null-co", "node-name": "b1"}
    )
    assert err == "Duplicate nodes with node-name='b1'"
    assert "b1" not in g.nodes


def test_a_failed_parent_drops_its_inline_child() -> None:
    g = _graph()
    _add(g, driver="null-co", node_name="r0")
    err = _error(g, driver="raw", node_name="r0", file={"driver": "null-co", "node-name": "c"})
    assert err == "Duplicate nodes with node-name='r0'"
    assert list(g.nodes) == ["r0"]


def test_blockdev_del_checks_in_qemus_order() -> None:
    g = _graph()
    with pytest.raises(QapiError, match="Failed to find node with node-name='x'"):
        g.delete("x")
    _add(g, driver="null-co", node_name="n0")
    _add(g, driver="raw", node_name="r0", file="n0")
    _add(g, driver="raw", node_name="r1", file={"driver": "null-co", "node-name": "c1"})
    with pytest.raises(QapiError, match=r"^Block device n0 is in use$"):
        g.delete("n0")
    with pytest.raises(QapiError, match=r"^Node c1 is not owned by the monitor$"):
        g.delete("c1")
    g.delete("r1")
    assert "c1" not in g.nodes
    g.delete("r0")
    g.delete("n0")
    assert not g.nodes
    with pytest.raises(QapiError, match="Cannot find device='n0' nor node-name='n0'"):
        _add(g, driver="raw", node_name="r2", file="n0")


def test_file_driver_opens_as_qemu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    g = _graph()
    img = tmp_path / "img"
    img.write_bytes(b"x" * 1536)
    monkeypatch.chdir(tmp_path)
    assert _error(g, driver="file", node_name="f", filename="nope") == (
        "Could not open 'nope': No such file or directory"
    )
    assert _error(g, driver="file", node_name="f", filename=".") == (
        "Could not open '.': Is a directory"
    )
    assert _error(g, driver="file", node_name="f", filename="/dev/null") == (
        "'file' driver requires '/dev/null' to be a regular file"
    )
    _add(g, driver="file", node_name="f", filename="img")
    assert g.nodes["f"].size == 1536
    assert _error(g, driver="raw", node_name="r", file="f", offset=2048) == (
        "Offset (2048) cannot be greater than size of the containing file (1536)"
    )
    assert _error(g, driver="raw", node_name="r", file="f", offset=512, size=1536) == (
        "The sum of offset (512) and size (1536) has to be smaller or equal to the "
        " actual size of the containing file (1536)"
    )
    assert _error(g, driver="raw", node_name="r", file="f", size=100) == (
        "Specified size is not multiple of 512"
    )
    _add(g, driver="raw", node_name="r", file="f", offset=512)
    assert g.nodes["r"].size == 1024


def test_blkdebug_config_fifo_blocks_until_a_writer_comes(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(read_blkdebug_config(str(fifo))))
    reader.start()
    time.sleep(0.1)
    assert reader.is_alive() and not got
    os.close(os.open(fifo, os.O_WRONLY))
    reader.join(5)
    assert got == [""]


def test_blkdebug_config_errors(tmp_path: Path) -> None:
    g = _graph()
    image = {"driver": "null-co"}
    assert _error(g, driver="blkdebug", node_name="b", image=image, config=str(tmp_path)) == (
        "Cannot read config file: Is a directory"
    )
    assert _error(g, driver="blkdebug", node_name="b", image=image, config="/nope") == (
        "Could not read blkdebug config file: No such file or directory"
    )
    assert not g.nodes


def test_filenames_as_qemu_refreshes_them() -> None:
    g = _graph()
    _add(g, driver="null-co", node_name="n0")
    _add(g, driver="null-aio", node_name="n1", size=1048576, read_only=True)
    _add(g, driver="raw", node_name="r0", file="n1")
    _add(g, driver="blkdebug", node_name="b0", image="n0")
    _add(g, driver="raw", node_name="r1", file="n0", size=512)
    names = {name: filename(node) for name, node in g.nodes.items()}
    assert names == {
        "n0": "null-co://",
        "n1": 'json:{"driver": "null-aio", "size": 1048576}',
        "r0": 'json:{"driver": "raw", "file": {"driver": "null-aio", "size": 1048576}}',
        "b0": "blkdebug::null-co://",
        "r1": 'json:{"driver": "raw", "size": 512, "file": {"driver": "null-co"}}',
    }


def test_named_nodes_newest_first_and_filters_show_their_child() -> None:
    g = _graph()
    _add(g, driver="null-co", node_name="n0")
    _add(g, driver="blkdebug", node_name="b0", image="n0")
    nodes = named_nodes(g, flat=False)
    assert [n["node-name"] for n in nodes] == ["b0", "n0"]
    assert nodes[0]["backing_file_depth"] == 1
    assert nodes[0]["image"]["backing-image"]["filename"] == "null-co://"
    assert "actual-size" not in nodes[0]["image"] and nodes[1]["image"]["actual-size"] == 0
    flat = named_nodes(g, flat=True)
    assert flat[0]["backing_file_depth"] == 0 and "backing-image" not in flat[0]["image"]


def test_debug_graph_and_node_stats() -> None:
    g = _graph()
    _add(g, driver="null-co", node_name="n0")
    _add(g, driver="raw", node_name="r0", file="n0")
    graph = debug_graph(g)
    assert [(n["id"], n["name"]) for n in graph["nodes"]] == [(2, "r0"), (1, "n0")]
    assert [(e["parent"], e["child"], e["name"], e["perm"]) for e in graph["edges"]] == [
        (2, 1, "file", [])
    ]
    assert blockstats(g, query_nodes=False) == []
    stats = blockstats(g, query_nodes=True)
    assert [s["node-name"] for s in stats] == ["n0", "r0"]
    assert stats[1]["parent"]["node-name"] == "n0"
    assert stats[0]["stats"]["rd_bytes"] == 0 and stats[0]["stats"]["timed_stats"] == []


def test_open_node_by_hand_counts_parents() -> None:
    g = _graph()
    child = open_node(g, {"driver": "null-co", "node-name": "c"}, root=True)
    _add(g, driver="raw", node_name="r0", file="c")
    _add(g, driver="raw", node_name="r1", file="c")
    assert child.parents == 2


def test_migrate_pause_refuses_without_postcopy() -> None:
    with pytest.raises(QapiError) as info:
        MigrationState().pause()
    assert info.value.desc == (
        "migrate-pause is currently only supported during postcopy-active state"
    )
