"""Commands on block nodes (QEMU 7.2's blockdev.c, block/qapi-sysemu.c, block/write-threshold.c).

- ``block_resize``: a file node's host file really changes length
  (ftruncate), a raw node resizes its file (plus its offset), a qcow2
  node's header gets the new size; null-co and null-aio cannot resize;
  the temporary user needs the ``resize`` permission, so a read-only node
  or one whose parent does not share resizing refuses, with QEMU's texts.
- ``block-set-write-threshold``: kept on the node, shown by the queries.
- ``blockdev-snapshot-sync`` / ``blockdev-snapshot``: the external
  overlay on top of a node; the overlay is made (a qcow2 file naming the
  node's filename as backing), put above the node, and the node turns
  read-only.  As in QEMU, an overlay that nothing holds (the node had no
  parent) is closed again at once.
- internal snapshots, ``change-backing-file``, ``x-blockdev-change``,
  ``x-blockdev-set-iothread``, ``blockdev-reopen``: QEMU's checks, in
  QEMU's order, on a graph whose nodes have no device above them.
- ``block-latency-histogram-set`` acts on devices (BlockBackends); it
  answers DeviceNotFound as QEMU does for an unknown one
  (``block_set_io_throttle`` is in :mod:`.backend_cmds`).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import Any

from qmonitor.machine.block import bitmaps, qcow2_image
from qmonitor.machine.block.drivers import DRIVERS, open_node
from qmonitor.machine.block.graph import BlockGraph, BlockNode
from qmonitor.machine.block.qcow2 import HEADER_READ, parse_header
from qmonitor.qapi.error import ErrorClass, QapiError

#: What a transaction calls to take back an action that succeeded (its abort).
Undo = Callable[[], None]

# Texts of blockdev.c, block.c, block/io.c and the drivers (QEMU 7.2).
NO_DEVICE_NOR_NODE = "Cannot find device='{}' nor node-name='{}'"
BAD_SIZE = "Parameter 'size' expects a >0 size"
DEVICE_IN_USE = "Device '{}' is in use"
NO_RESIZE = "Image format driver does not support resize"
READ_ONLY_IMAGE = "Image is read-only"
FIXED_RAW = "Cannot resize fixed-size raw disks"
QCOW2_MULTIPLE = "The new size must be a multiple of 512"
PERM_CONFLICT = (
    "Permission conflict on node '{}': permissions 'resize' are both required by an"
    " unnamed block device (uses node '{}' as 'root' child) and unshared by node '{}'"
    " (uses node '{}' as '{}' child)."
)
DEVICE_NOT_FOUND = "Device '{}' not found"
NEED_DEVICE_OR_ID = "Need exactly one of 'device' and 'id'"
NEED_ROOT = "Need a root block node"
SNAPSHOT_READ_ONLY = "Device '{}' is read only"
NO_INTERNAL = "Block format '{}' used by device '{}' does not support internal snapshots"
NAME_EMPTY = "Name is empty"
SNAPSHOT_EXISTS = "Snapshot with name '{}' already exists on device '{}'"
NAME_OR_ID = "Name or id must be provided"
SNAPSHOT_MISSING = "Snapshot with id '{}' and name '{}' does not exist on device '{}'"
OVERLAY_NAME_MISSING = "New overlay node-name missing"
OVERLAY_NAME_USED = "New overlay node-name already in use"
OVERLAY_IN_USE = "The overlay is already in use"
OVERLAY_FILTER = "Filters cannot be used as overlays"
OVERLAY_HAS_BACKING = "The overlay already has a backing image"
OVERLAY_NO_BACKING = "The overlay does not support backing images"
IMAGE_NOT_FOUND = "image file not found"
NO_BACKING_FILE = "not allowing backing file change on an image without a backing file"
NOT_SAME_CHAIN = "'{}' and image file are not in the same chain"
CHILD_AND_NODE = "The parameters child and node are in conflict"
CHILD_OR_NODE = "Either child or node must be specified"
NO_SUCH_CHILD = "Node '{}' does not have child '{}'"
NODE_NOT_FOUND = "Node '{}' not found"
CANNOT_ADD_CHILD = "The node {} does not support adding a child"
CANNOT_DEL_CHILD = "The node {} does not support removing a child"
FIND_NODE = "Failed to find node with node-name='{}'"
NO_IOTHREAD = "Cannot find iothread {}"
HAS_BACKEND = (
    "Node {} is associated with a BlockBackend and could be in use"
    " (use force=true to override this check)"
)
REOPEN_NO_NAME = "node-name not specified"
CANNOT_CHANGE = "Cannot change the option '{}'"

#: file-posix's MAX_BLOCKSIZE: the most allocate_first_block writes.
FIRST_BLOCK_MAX = 4096

#: The options blockdev-reopen may change (bdrv_reopen_prepare's generic ones).
REOPEN_MUTABLE = frozenset(
    {"node-name", "driver", "read-only", "auto-read-only", "cache", "discard",
     "detect-zeroes", "force-share"}
)  # fmt: skip


def lookup(graph: BlockGraph, device: str | None, node_name: str | None) -> BlockNode:
    """bdrv_lookup_bs: by device name (there are none) or node name."""
    node = graph.nodes.get(node_name) if node_name is not None else None
    if node is None:
        raise QapiError(NO_DEVICE_NOR_NODE.format(device or "", node_name or ""))
    return node


def parents(graph: BlockGraph, node: BlockNode) -> list[tuple[BlockNode, str]]:
    """The nodes above ``node`` and the role they hold it in."""
    return [
        (parent, role)
        for parent in graph.all_nodes()
        for role, child in parent.children.items()
        if child is node
    ]


def _shares_resize(parent: BlockNode, role: str) -> bool:
    """Whether a parent lets others resize this child (queries._perms's rule)."""
    return not (parent.driver == "qcow2" and role in ("file", "backing"))


# ------------------------------------------------------------------ resize


def block_resize(graph: BlockGraph, device: str | None, node_name: str | None, size: int) -> None:
    """``block_resize``."""
    node = graph.lookup_bs(device, node_name)
    if size < 0:
        raise QapiError(BAD_SIZE)
    if any(p.children.get("backing") is node for p in graph.all_nodes()):
        raise QapiError(DEVICE_IN_USE.format(device if device is not None else "(null)"))
    if node.read_only:
        raise QapiError(READ_ONLY_IMAGE)
    for parent, role in parents(graph, node):
        if not _shares_resize(parent, role):
            raise QapiError(
                PERM_CONFLICT.format(node.name, node.name, parent.name, node.name, role)
            )
    truncate(graph, node, size)


def truncate(graph: BlockGraph, node: BlockNode, size: int, prealloc: str = "off") -> None:
    """bdrv_co_truncate on one node, then its new length (and its bitmaps') recorded.

    ``prealloc`` other than ``off`` reaches only a file (through raw and
    blkdebug nodes); a qcow2 node's is the caller's to refuse.
    """
    if node.driver == "file" and prealloc != "off":
        from qmonitor.machine.block.file_prealloc import grow_with_prealloc

        with open(node.options["filename"], "r+b") as f:
            first = 512 if size < FIRST_BLOCK_MAX else FIRST_BLOCK_MAX
            grow_with_prealloc(f.fileno(), size, prealloc, first)
        node.size = (size + 511) & ~511
    elif node.driver == "file":
        with open(node.options["filename"], "r+b") as f:
            empty = os.fstat(f.fileno()).st_size == 0
            f.truncate(size)
            if empty and size > 0:
                # file-posix's allocate_first_block: one block written to help probing.
                f.write(bytes(512 if size < FIRST_BLOCK_MAX else FIRST_BLOCK_MAX))
        node.size = (size + 511) & ~511
    elif node.driver == "raw":
        if "size" in node.options:
            raise QapiError(FIXED_RAW)
        offset = int(node.options.get("offset", 0))
        truncate(graph, node.children["file"], offset + size, prealloc)
        node.size = node.children["file"].size - offset
    elif node.driver == "blkdebug":
        truncate(graph, node.children["image"], size, prealloc)
        node.size = node.children["image"].size
    elif node.driver == "qcow2" and node.header is not None:
        if size % 512:
            raise QapiError(QCOW2_MULTIPLE)
        from qmonitor.machine.block.qcow2_bitmaps import truncate_check

        truncate_check(node)
        bits = node.header.cluster_bits
        _rewrite_qcow2(node, lambda path: qcow2_image.set_size(path, size, bits))
        # qcow2_co_truncate ends writing the header's size field through its file.
        file = node.children["file"]
        file.wr_highest_offset = max(file.wr_highest_offset, qcow2_image.SIZE_END)
    else:
        raise QapiError(NO_RESIZE)
    bitmaps.resized(node)


def _rewrite_qcow2(node: BlockNode, write: Any) -> None:
    """Apply a header change to a qcow2 node's file and read the header again."""
    file = node.children["file"]
    path = file.options.get("filename")
    if file.driver != "file" or not isinstance(path, str) or not write(path):
        raise QapiError(NO_RESIZE)
    with open(path, "rb") as f:
        node.header = parse_header(f.read(HEADER_READ))
    node.size = node.header.size
    file.size = (os.path.getsize(path) + 511) & ~511


# ------------------------------------------------------- device commands


def device_not_found(name: str) -> QapiError:
    return QapiError(DEVICE_NOT_FOUND.format(name), ErrorClass.DEVICE_NOT_FOUND)


def block_latency_histogram_set(id: str, **_: Any) -> None:
    """``block-latency-histogram-set``: a device by qdev id or drive name (there is none)."""
    raise device_not_found(id)


def set_write_threshold(graph: BlockGraph, node_name: str, write_threshold: int) -> None:
    """``block-set-write-threshold``: a node by its node name (0 clears it)."""
    node = graph.nodes.get(node_name)
    if node is None:
        raise QapiError(DEVICE_NOT_FOUND.format(node_name))
    node.write_threshold = write_threshold


# ---------------------------------------------------- internal snapshots


def root_node(graph: BlockGraph, name: str) -> BlockNode:
    """qmp_get_root_bs: a node no other node holds."""
    node = graph.nodes.get(name)
    if node is None:
        raise QapiError(NO_DEVICE_NOR_NODE.format(name, name))
    if parents(graph, node):
        raise QapiError(NEED_ROOT)
    return node


def snapshot_internal(graph: BlockGraph, device: str, name: str, vm_clock_ns: int = 0) -> Undo:
    """``blockdev-snapshot-internal-sync``: into the node's image (kept on the node if none)."""
    from qmonitor.machine.block import snapshots
    from qmonitor.machine.block.qcow2_snapshots import Qcow2Snapshot

    node = root_node(graph, device)
    if node.read_only:
        raise QapiError(SNAPSHOT_READ_ONLY.format(device))
    if node.driver != "qcow2":
        raise QapiError(NO_INTERNAL.format(node.driver, device))
    if not name:
        raise QapiError(NAME_EMPTY)
    on_image = snapshots.has_image(node)
    existing = snapshots.infos(node) if on_image else node.snapshots
    if any(s["name"] == name for s in existing):
        raise QapiError(SNAPSHOT_EXISTS.format(name, device))
    now = time.time_ns()
    seconds, micro = now // 1_000_000_000, now // 1000 % 1_000_000
    if on_image:
        made = Qcow2Snapshot(
            "", name, date_sec=seconds, date_nsec=micro * 1000, vm_clock_nsec=vm_clock_ns
        )
        try:
            snapshots.create_one(node, made)
        except QapiError as err:
            text = f"Failed to create snapshot '{name}' on device '{device}': {err.desc}"
            raise QapiError(text) from None

        def undo_image() -> None:
            snapshots.delete_one(node, made.id, made.name)

        return undo_image
    ids = [int(str(s["id"])) for s in node.snapshots if str(s["id"]).isdigit()]
    snap = {
        "id": str(max(ids, default=0) + 1),
        "name": name,
        "vm-state-size": 0,
        "date-sec": seconds,
        "date-nsec": micro * 1000,
        "vm-clock-sec": vm_clock_ns // 1_000_000_000,
        "vm-clock-nsec": vm_clock_ns % 1_000_000_000,
    }
    node.snapshots.append(snap)

    def undo() -> None:
        if snap in node.snapshots:
            node.snapshots.remove(snap)

    return undo


def snapshot_delete_internal(
    graph: BlockGraph, device: str, id: str | None = None, name: str | None = None
) -> dict[str, Any]:
    """``blockdev-snapshot-delete-internal-sync``: the deleted snapshot's SnapshotInfo."""
    from qmonitor.machine.block import snapshots

    node = root_node(graph, device)
    if id is None and name is None:
        raise QapiError(NAME_OR_ID)
    on_image = snapshots.has_image(node)
    for snap in snapshots.infos(node) if on_image else node.snapshots:
        if (id is None or snap["id"] == id) and (name is None or snap["name"] == name):
            if on_image:
                snapshots.delete_one(node, id, name)
            else:
                node.snapshots.remove(snap)
            return dict(snap)
    raise QapiError(
        SNAPSHOT_MISSING.format(
            id if id is not None else "null", name if name is not None else "null", device
        )
    )


# ---------------------------------------------------- external snapshots


def snapshot_sync(
    graph: BlockGraph,
    device: str | None,
    node_name: str | None,
    snapshot_file: str,
    snapshot_node_name: str | None = None,
    format: str = "qcow2",
    mode: str = "absolute-paths",
) -> Undo:
    """``blockdev-snapshot-sync``: make the overlay's image, open it, put it on top."""
    from qmonitor.machine.block.queries import filename

    node = lookup(graph, device, node_name)
    graph.check_not_backing(node)
    if node_name is not None and snapshot_node_name is None:
        raise QapiError(OVERLAY_NAME_MISSING)
    if snapshot_node_name is not None and snapshot_node_name in graph.nodes:
        raise QapiError(OVERLAY_NAME_USED)
    if mode != "existing":
        if format != "qcow2":
            raise QapiError(
                f"Unknown file format '{format}'"
                if format not in DRIVERS
                else (f"Backing file not supported for file format '{format}'")
            )
        backing = filename(node)
        try:
            qcow2_image.create(snapshot_file, node.size, backing, node.driver)
        except OSError as err:
            raise QapiError(
                f"Could not create '{snapshot_file}': {os.strerror(err.errno or 0)}"
            ) from None
        sys.stdout.write(qcow2_image.creation_line(snapshot_file, node.size, backing, node.driver))
        sys.stdout.flush()
    options: dict[str, Any] = {
        "driver": format,
        "file": {"driver": "file", "filename": snapshot_file},
    }
    if snapshot_node_name is not None:
        options["node-name"] = snapshot_node_name
    options["backing"] = None
    overlay = open_node(graph, options, root=False)
    return _append(graph, node, overlay)


def snapshot(graph: BlockGraph, node: str, overlay: str) -> Undo:
    """``blockdev-snapshot``: an existing overlay node without backing goes on top of ``node``."""
    base = graph.nodes.get(node)
    if base is None:
        raise QapiError(NO_DEVICE_NOR_NODE.format(node, node))
    graph.check_not_backing(base)
    top = graph.nodes.get(overlay)
    if top is None:
        raise QapiError(NO_DEVICE_NOR_NODE.format(overlay, overlay))
    if parents(graph, top):
        raise QapiError(OVERLAY_IN_USE)
    if DRIVERS[top.driver].filter:
        raise QapiError(OVERLAY_FILTER)
    if "backing" in top.children:
        raise QapiError(OVERLAY_HAS_BACKING)
    if top.driver != "qcow2":
        raise QapiError(OVERLAY_NO_BACKING)
    top.parents += 1  # the transaction's own reference while it runs
    undo = _append(graph, base, top)
    top.parents -= 1
    return undo


def _append(graph: BlockGraph, base: BlockNode, overlay: BlockNode) -> Undo:
    """bdrv_append: the overlay takes the base's parents and the base as backing.

    The base then turns read-only; an overlay nothing holds is closed again.
    Returns what puts the graph back as it was (a transaction's abort).
    """
    from qmonitor.machine.block.queries import filename

    moved = parents(graph, base)
    was_read_only = base.read_only
    for parent, role in moved:
        parent.children[role] = overlay
        overlay.parents += 1
        base.parents -= 1
    overlay.children["backing"] = base
    base.parents += 1
    # A json: filename unless the image names this backing file itself.
    named = overlay.header.backing_file if overlay.header is not None else ""
    overlay.backing_overridden = not named or filename(base) != named
    overlay.backing_name = filename(base)
    base.read_only = True
    if not overlay.parents and not overlay.monitor_owned:
        graph.unref(overlay)

    def undo() -> None:
        for parent, role in moved:
            parent.children[role] = base
            base.parents += 1
            overlay.parents -= 1
        if overlay.children.get("backing") is base:
            del overlay.children["backing"]
            base.parents -= 1
        overlay.backing_overridden, overlay.backing_name = bool(named), ""
        base.read_only = was_read_only
        if not overlay.parents and not overlay.monitor_owned:
            graph.unref(overlay)

    return undo


# -------------------------------------------------------- graph changes


def change_backing_file(
    graph: BlockGraph, device: str, image_node_name: str, backing_file: str
) -> None:
    """``change-backing-file``: rewrite the name an image in the device's chain records."""
    top = root_node(graph, device)
    image = graph.nodes.get(image_node_name)
    if image is None:
        raise QapiError(NO_DEVICE_NOR_NODE.format("", image_node_name))
    if "backing" not in image.children:
        raise QapiError(NO_BACKING_FILE)
    chain: list[BlockNode] = []
    walk: BlockNode | None = top
    while walk is not None:
        chain.append(walk)
        walk = walk.children.get("backing")
    if image not in chain:
        raise QapiError(NOT_SAME_CHAIN.format(device))
    # QEMU 7.2 records the image's own format as the backing file's format.
    fmt = image.driver
    _rewrite_qcow2(image, lambda path: qcow2_image.set_backing(path, backing_file, fmt))


def x_blockdev_change(
    graph: BlockGraph, parent: str, child: str | None = None, node: str | None = None
) -> None:
    """``x-blockdev-change``: only quorum nodes take or give up children."""
    owner = graph.nodes.get(parent)
    if owner is None:
        raise QapiError(NO_DEVICE_NOR_NODE.format(parent, parent))
    if (child is None) == (node is None):
        raise QapiError(CHILD_AND_NODE if child is not None else CHILD_OR_NODE)
    if child is not None:
        if child not in owner.children:
            raise QapiError(NO_SUCH_CHILD.format(parent, child))
        raise QapiError(CANNOT_DEL_CHILD.format(owner.name))
    assert node is not None
    if node not in graph.nodes:
        raise QapiError(NODE_NOT_FOUND.format(node))
    raise QapiError(CANNOT_ADD_CHILD.format(owner.name))


def x_blockdev_set_iothread(
    graph: BlockGraph,
    iothreads: set[str],
    node_name: str,
    iothread: str | None,
    force: bool = False,
) -> None:
    """``x-blockdev-set-iothread``: a node without a device moves to an I/O thread or back."""
    node = graph.nodes.get(node_name)
    if node is None:
        raise QapiError(FIND_NODE.format(node_name))
    if node.backends and not force:
        raise QapiError(HAS_BACKEND.format(node_name))
    if iothread is not None and iothread not in iothreads:
        raise QapiError(NO_IOTHREAD.format(iothread))


def blockdev_reopen(graph: BlockGraph, options: list[dict[str, Any]]) -> None:
    """``blockdev-reopen``: all nodes checked first, then all changed."""
    queue: list[tuple[BlockNode, dict[str, Any]]] = []
    for opts in options:
        name = opts.get("node-name")
        if name is None:
            raise QapiError(REOPEN_NO_NAME)
        node = graph.nodes.get(name)
        if node is None:
            raise QapiError(FIND_NODE.format(name))
        queue.append((node, opts))
    for node, opts in queue:
        _check_reopen(node, opts)
    for node, opts in queue:
        was_read_only = node.read_only
        node.read_only = bool(opts.get("read-only", False))
        if node.driver == "qcow2" and graph.keeps_bitmaps:
            from qmonitor.machine.block.qcow2_bitmaps import reopened

            reopened(node, was_read_only)
        kept = {k: v for k, v in node.options.items() if k not in REOPEN_MUTABLE}
        node.options = {**kept, **{k: v for k, v in opts.items() if k in REOPEN_MUTABLE}}


def _check_reopen(node: BlockNode, opts: dict[str, Any]) -> None:
    if opts["driver"] != node.driver:
        raise QapiError(CANNOT_CHANGE.format("driver"))
    for key, value in opts.items():
        if key in REOPEN_MUTABLE:
            continue
        if key in node.children:
            child = node.children[key]
            if value != child.name:
                raise QapiError(CANNOT_CHANGE.format(key))
        elif node.options.get(key) != value:
            raise QapiError(CANNOT_CHANGE.format(key))
