"""What the block queries answer about the graph (QEMU 7.2's block/qapi.c and block.c).

- ``query-named-block-nodes``: every named node, newest first, with its
  image; a filter (blkdebug) shows its child as its backing image unless
  ``flat``;
- ``x-debug-query-block-graph``: the nodes and the child edges, numbered
  in the order the nodes were made and listed newest first;
- ``query-blockstats``: per device (none here) or, with ``query-nodes``,
  per node with the stats of its data child as ``parent``; nothing was
  ever read or written, so every counter is 0.

A node's filename is QEMU's: its own exact filename (``null-co://``, a
file's path, ``blkdebug:CONFIG:CHILD``, or a raw node's child's) when its
options say nothing more, else ``json:`` and its identifying options.
"""

from __future__ import annotations

import os
from typing import Any

from qmonitor.machine.block.bitmaps import dirty_bitmaps_info
from qmonitor.machine.block.drivers import DRIVERS, full_backing_filename
from qmonitor.machine.block.graph import BlockGraph, BlockNode
from qmonitor.qapi.error import QapiError
from qmonitor.qjson import encode

#: The permissions a parent lets others take on a child it only passes requests to.
SHARED_PERMS = ("resize", "write-unchanged", "write", "consistent-read")
#: What a qcow2 node takes on its file (its metadata), writable or read-only, and shares.
QCOW2_FILE_PERMS = {False: ["resize", "write", "consistent-read"], True: ["consistent-read"]}
QCOW2_FILE_SHARED = ["write-unchanged", "consistent-read"]


def _perms(node: BlockNode, role: str) -> tuple[list[str], list[str]]:
    """The permissions a parent takes on a child and those it shares (no device above)."""
    if node.driver == "qcow2" and role == "file":
        return list(QCOW2_FILE_PERMS[node.read_only]), list(QCOW2_FILE_SHARED)
    return [], list(SHARED_PERMS)


_STAT_COUNTERS = (
    "rd_bytes", "wr_bytes", "unmap_bytes", "rd_operations", "wr_operations",
    "flush_operations", "unmap_operations", "rd_total_time_ns", "wr_total_time_ns",
    "flush_total_time_ns", "unmap_total_time_ns", "wr_highest_offset", "rd_merged",
    "wr_merged", "unmap_merged", "failed_rd_operations", "failed_wr_operations",
    "failed_flush_operations", "failed_unmap_operations", "invalid_rd_operations",
    "invalid_wr_operations", "invalid_flush_operations", "invalid_unmap_operations",
)  # fmt: skip
#: The order BlockDeviceStats' members are inserted in: ``idle_time_ns``
#: (present once a request was accounted) where the schema has it.
STATS_ORDER = (
    *_STAT_COUNTERS[: _STAT_COUNTERS.index("unmap_merged") + 1],
    "idle_time_ns",
    *_STAT_COUNTERS[_STAT_COUNTERS.index("unmap_merged") + 1 :],
    "timed_stats", "account_invalid", "account_failed",
)  # fmt: skip


# Member orders of BlockDeviceInfo, ImageInfo and ImageInfoSpecificQCow2: QEMU's
# output visitor inserts members in schema order, which decides the order of
# keys that share a hash bucket in the reply.
_DEVICE_INFO = (
    "file", "node-name", "ro", "drv", "backing_file", "backing_file_depth", "encrypted",
    "detect_zeroes", "bps", "bps_rd", "bps_wr", "iops", "iops_rd", "iops_wr", "image",
    "cache", "write_threshold", "dirty-bitmaps",
)  # fmt: skip
_IMAGE_INFO = (
    "filename", "format", "dirty-flag", "actual-size", "virtual-size", "cluster-size",
    "backing-filename", "full-backing-filename", "backing-filename-format", "snapshots",
    "backing-image", "format-specific",
)  # fmt: skip


def in_order(value: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    """``value`` with its keys inserted in ``order`` (every key must be listed)."""
    assert set(value) <= set(order), set(value) - set(order)
    return {key: value[key] for key in order if key in value}


def full_options(node: BlockNode) -> dict[str, Any]:
    """What identifies a node (QEMU's full_open_options): driver, strong options, children."""
    out: dict[str, Any] = {"driver": node.driver}
    for key in DRIVERS[node.driver].strong:
        if key in node.options:
            out[key] = node.options[key]
    for role, child in node.children.items():
        if role != "backing" or node.backing_overridden:
            out[role] = full_options(child)
    if node.backing_overridden and "backing" not in node.children:
        out["backing"] = None
    return out


def exact_filename(node: BlockNode) -> str:
    """The filename the node can be opened with again, or '' (bdrv_refresh_filename)."""
    opts = node.options
    strong = any(key in opts for key in DRIVERS[node.driver].strong)
    if node.driver in ("null-co", "null-aio"):
        return "" if strong else f"{node.driver}://"
    if node.driver in ("file", "host_device"):
        return str(opts["filename"])
    if node.driver == "blkdebug":
        child = exact_filename(node.children["image"])
        extra = any(key != "config" and key in opts for key in DRIVERS["blkdebug"].strong)
        if not child or extra:
            return ""
        return f"blkdebug:{opts.get('config', '')}:{child}"
    # raw and qcow2: the file's name, unless options make it a different image.
    if strong or node.backing_overridden:
        return ""
    return exact_filename(node.children["file"])


def filename(node: BlockNode) -> str:
    exact = exact_filename(node)
    return exact or "json:" + encode(full_options(node))


def actual_size(node: BlockNode) -> int | None:
    """Bytes allocated on the host (None: the driver cannot tell)."""
    if node.driver in ("null-co", "null-aio"):
        return 0
    if node.driver in ("file", "host_device"):
        try:
            # The open file, as QEMU's fstat: a temporary overlay's name is gone.
            if node.image_lock is not None:
                return os.fstat(node.image_lock.fd).st_blocks * 512
            return os.stat(node.options["filename"]).st_blocks * 512
        except OSError:
            return None
    if node.driver == "blkdebug":
        return None
    sizes = [actual_size(child) for role, child in node.children.items() if role != "backing"]
    if any(size is None for size in sizes):
        return None
    return sum(size for size in sizes if size is not None)


def _has_info(node: BlockNode) -> bool:
    """Whether bdrv_get_info succeeds: the file driver answers, raw asks its file."""
    if node.driver in ("file", "host_device", "qcow2"):
        return True
    return node.driver == "raw" and _has_info(node.children["file"])


def image_info(node: BlockNode, flat: bool) -> tuple[dict[str, Any], int]:
    """The node's ImageInfo, and how many images its backing chain shows."""
    info: dict[str, Any] = {
        "filename": filename(node),
        "format": node.driver,
        "virtual-size": node.size,
    }
    size = actual_size(node)
    if size is not None:
        info["actual-size"] = size
    header = node.header
    if header is not None:
        info["cluster-size"] = header.cluster_size
        info["format-specific"] = {"type": "qcow2", "data": header.format_specific()}
        if header.backing_file:
            info["backing-filename"] = header.backing_file
            info["full-backing-filename"] = full_backing_filename(node)
            if header.backing_format:
                info["backing-filename-format"] = header.backing_format
        listed = _snapshots(node)
        if listed:
            info["snapshots"] = listed
    if _has_info(node):
        info["dirty-flag"] = header.dirty if header is not None else False
    depth = 0
    below_node = _backing(node)
    if not flat and below_node is not None:
        info["backing-image"], below = image_info(below_node, flat)
        depth = below + 1
    return in_order(info, _IMAGE_INFO), depth


def _snapshots(node: BlockNode) -> list[dict[str, object]]:
    """The internal snapshots bdrv_snapshot_list finds in a qcow2 node's image."""
    from qmonitor.machine.block import snapshots

    if not snapshots.has_image(node) or not snapshots.any_listed(node):
        return []
    try:
        return snapshots.infos(node)
    except QapiError:
        return []


def _backing(node: BlockNode) -> BlockNode | None:
    """The node a chain walk goes down to: a filter's child, a COW image's backing."""
    if DRIVERS[node.driver].filter:
        return next(iter(node.children.values()))
    return node.children.get("backing")


def node_info(node: BlockNode, flat: bool) -> dict[str, Any]:
    """One BlockDeviceInfo of query-named-block-nodes."""
    image, depth = image_info(node, flat)
    cache = node.options.get("cache", {})
    info: dict[str, Any] = {
        "file": image["filename"],
        "node-name": node.name,
        "ro": node.read_only,
        "drv": node.driver,
        "backing_file_depth": depth,
        "encrypted": False,
        "detect_zeroes": node.options.get("detect-zeroes", "off"),
        "bps": 0,
        "bps_rd": 0,
        "bps_wr": 0,
        "iops": 0,
        "iops_rd": 0,
        "iops_wr": 0,
        "image": image,
        "cache": {
            "writeback": True,
            "direct": bool(cache.get("direct", False)),
            "no-flush": bool(cache.get("no-flush", False)),
        },
        "write_threshold": node.write_threshold,
    }
    if node.bitmaps:
        info["dirty-bitmaps"] = dirty_bitmaps_info(node)
    backing = node.children.get("backing")
    if backing is not None:
        named = node.header.backing_file if node.header is not None else ""
        info["backing_file"] = node.backing_name or named or filename(backing)
    return in_order(info, _DEVICE_INFO)


def named_nodes(graph: BlockGraph, flat: bool) -> list[dict[str, Any]]:
    return [node_info(node, flat) for node in reversed(list(graph.nodes.values()))]


def debug_graph(graph: BlockGraph) -> dict[str, Any]:
    """x-debug-query-block-graph: nodes and child edges, newest first."""
    ids: dict[int, int] = {}

    def number(node: BlockNode) -> int:
        # Numbered when first met: as a node in creation order, or as a child.
        return ids.setdefault(id(node), len(ids) + 1)

    listed: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    for node in graph.all_nodes():
        listed.append({"id": number(node), "type": "block-driver", "name": node.name})
        # A node's newest child comes first in its list of children.
        for role, child in reversed(node.children.items()):
            perm, shared = _perms(node, role)
            edges.append(
                {
                    "parent": number(node),
                    "child": number(child),
                    "name": role,
                    "perm": perm,
                    "shared-perm": shared,
                }
            )
    return {"nodes": listed[::-1], "edges": edges[::-1]}


def _zero_stats() -> dict[str, Any]:
    stats: dict[str, Any] = dict.fromkeys(_STAT_COUNTERS, 0)
    stats.update(timed_stats=[], account_invalid=False, account_failed=False)
    return stats


def node_stats(node: BlockNode, chain: bool = False) -> dict[str, Any]:
    """One BlockStats of a node, its data child's as ``parent``.

    ``chain`` (a device's stats, bdrv_query_bds_stats's blk_level): its
    backing node's too, as ``backing``, all the way down the chain.
    """
    out: dict[str, Any] = {"node-name": node.name, "stats": _zero_stats()}
    out["stats"]["wr_highest_offset"] = node.wr_highest_offset
    if node.driver == "file":
        out["driver-specific"] = {
            "driver": "file",
            "discard-nb-ok": 0,
            "discard-nb-failed": 0,
            "discard-bytes-ok": 0,
        }
    if node.children:
        out["parent"] = node_stats(next(iter(node.children.values())))
    backing = node.children.get("backing")
    if chain and backing is not None:
        out["backing"] = node_stats(backing, chain)
    return out


def blockstats(graph: BlockGraph, query_nodes: bool) -> list[dict[str, Any]]:
    """query-blockstats: the devices' (there are none) or, with query-nodes, the nodes'."""
    if not query_nodes:
        return []
    return [node_stats(node) for node in graph.nodes.values()]
