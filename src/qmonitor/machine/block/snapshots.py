"""Internal snapshots over the block graph: which nodes take part, and each node's table.

As QEMU 7.2's block/snapshot.c: without a device list every node the
graph iterates takes part (monitor-owned roots without a BlockBackend,
in the order they were added) when it is writable and nothing holds it;
with a list, exactly the nodes named.  A node can hold snapshots when it
is writable and its driver has them (qcow2), or when it passes them to
the child it filters.  The first such node holds the VM state.

A qcow2 node's table is read from and written to its image each time
(:mod:`.qcow2_snapshots`); only the free-cluster index lives on between
operations, as in QEMU's open image.
"""

from __future__ import annotations

import os
import struct
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from qmonitor.machine.block.graph import BlockGraph, BlockNode
from qmonitor.machine.block.job_drivers import host_file
from qmonitor.machine.block.qcow2_meta import Qcow2Meta
from qmonitor.machine.block.qcow2_snapshots import Qcow2Snapshot, find, read_table
from qmonitor.qapi.error import QapiError

# Texts of block/snapshot.c and migration/savevm.c (QEMU 7.2).
NO_DEVICES = "At least one device is required for snapshot"
NO_NODE = "No block device node '{}'"
NO_SNAPSHOTS = "Device '{}' is writable but does not support snapshots"
VMSTATE_UNSUPPORTED = "vmstate block device '{}' does not support snapshots"
VMSTATE_MISSING = "vmstate block device '{}' does not exist"
NO_VMSTATE_DEVICE = "no block device can store vmstate for snapshot"
CREATE_FAILED = "Could not create snapshot '{}' on '{}'"
DELETE_FAILED = "Could not delete snapshot '{}' on '{}': "
LOAD_FAILED = "Could not load snapshot '{}' on '{}': "
NOT_FOUND = "Can't find the snapshot"
#: What qmonitor does not write (not QEMU's text).
NO_HOST_FILE = "x-qmonitor: internal snapshots of a qcow2 node not over a host file"

#: Drivers that hand snapshot operations to the child they filter (bdrv_snapshot_fallback).
_FALLBACK = {"raw": "file", "blkdebug": "image", "copy-on-read": "file", "throttle": "file"}

#: s->free_cluster_index of each node's open image, kept between operations.
_free_index: weakref.WeakKeyDictionary[BlockNode, int] = weakref.WeakKeyDictionary()


def snapshot_node(node: BlockNode) -> BlockNode | None:
    """The node that really holds a node's snapshots (itself, or what it falls back to)."""
    while node.driver != "qcow2":
        role = _FALLBACK.get(node.driver)
        child = node.children.get(role) if role else None
        if child is None:
            return None
        node = child
    return node


def can_snapshot(node: BlockNode) -> bool:
    """bdrv_can_snapshot: writable, and a driver (or a filtered child) with snapshots."""
    if node.read_only:
        return False
    target = snapshot_node(node)
    return target is not None and not target.read_only


def takes_part(node: BlockNode) -> bool:
    """bdrv_all_snapshots_includes_bs: writable, and held by a device or by nothing."""
    return not node.read_only and (node.backends > 0 or node.parents == 0)


def iterated(graph: BlockGraph) -> list[BlockNode]:
    """bdrv_first/bdrv_next: the BlockBackends' roots, then monitor-owned nodes without one.

    Each root comes once however many backends share it.  The roots are
    taken in the order their nodes were made, which is the backends' order
    wherever a node gets its backend when it is made (``-drive``) or the
    devices follow their nodes (libvirt's ``-blockdev`` then ``-device``).
    """
    nodes = graph.all_nodes()
    roots = [n for n in nodes if n.backends]
    return roots + [n for n in nodes if n.monitor_owned and not n.backends]


def nodes_for(graph: BlockGraph, devices: list[str] | None) -> list[BlockNode]:
    """bdrv_all_get_snapshot_devices."""
    if devices is None:
        return iterated(graph)
    if not devices:
        raise QapiError(NO_DEVICES)
    out = []
    for name in devices:
        node = graph.nodes.get(name)
        if node is None:
            raise QapiError(NO_NODE.format(name))
        out.append(node)
    return out


def included(node: BlockNode, devices: list[str] | None) -> bool:
    return devices is not None or takes_part(node)


def check_all(graph: BlockGraph, devices: list[str] | None) -> None:
    """bdrv_all_can_snapshot."""
    for node in nodes_for(graph, devices):
        if included(node, devices) and not can_snapshot(node):
            raise QapiError(NO_SNAPSHOTS.format(node.name))


def vmstate_node(graph: BlockGraph, vmstate: str | None, devices: list[str] | None) -> BlockNode:
    """bdrv_all_find_vmstate_bs: the node named, or the first that can hold the VM state."""
    for node in nodes_for(graph, devices):
        found = included(node, devices) and can_snapshot(node)
        if vmstate is not None:
            if vmstate == node.name:
                if found:
                    return node
                raise QapiError(VMSTATE_UNSUPPORTED.format(vmstate))
        elif found:
            return node
    if vmstate is not None:
        raise QapiError(VMSTATE_MISSING.format(vmstate))
    raise QapiError(NO_VMSTATE_DEVICE)


@contextmanager
def image(node: BlockNode) -> Iterator[Qcow2Meta]:
    """The node's qcow2 image open for its metadata, its free-cluster index carried over."""
    target = snapshot_node(node)
    file = target.children.get("file") if target is not None else None
    where = host_file(file) if file is not None else None
    if target is None or where is None:
        raise QapiError(NO_HOST_FILE)
    try:
        meta = Qcow2Meta(where[0], where[1], has_backing="backing" in target.children)
    except OSError as err:
        raise QapiError(f"Could not open '{where[0]}': {err.strerror}") from None
    meta.free_index = _free_index.get(target, 0)
    try:
        yield meta
    except (OSError, struct.error, ValueError) as err:
        # An image changed or cut under the node: an error, never a crash.
        raise QapiError(f"x-qmonitor: cannot use the qcow2 image '{where[0]}': {err}") from None
    finally:
        _free_index[target] = meta.free_index
        # file-posix reports the file's length as it is now, in whole sectors
        # (bdrv_getlength counts total_sectors).
        if file is not None and file.driver == "file":
            file.size = -(-os.fstat(meta.fd).st_size // 512) * 512
        meta.close()


def listing(node: BlockNode) -> list[Qcow2Snapshot]:
    """bdrv_snapshot_list: the node's snapshots, in table order."""
    with image(node) as meta:
        return read_table(meta)


def has_all(graph: BlockGraph, name: str, devices: list[str] | None) -> bool:
    """bdrv_all_has_snapshot: whether every node taking part has a snapshot by that id or name."""
    for node in nodes_for(graph, devices):
        if included(node, devices) and find(listing(node), name) is None:
            return False
    return True


def delete_all(graph: BlockGraph, name: str, devices: list[str] | None) -> None:
    """bdrv_all_delete_snapshot: delete it wherever it is found."""
    from qmonitor.machine.block import qcow2_snapshots

    for node in nodes_for(graph, devices):
        if not included(node, devices):
            continue
        with image(node) as meta:
            snap = find(read_table(meta), name)
            if snap is not None:
                try:
                    qcow2_snapshots.delete(meta, snap)
                except QapiError as err:
                    raise QapiError(DELETE_FAILED.format(name, node.name) + err.desc) from None


# ------------------------------------------------ blockdev-snapshot-internal-sync


def has_image(node: BlockNode) -> bool:
    """Whether the node's snapshots live in an image on a host file (else only in memory)."""
    target = snapshot_node(node)
    if target is None or target.header is None:
        return False
    file = target.children.get("file")
    return file is not None and host_file(file) is not None


def infos(node: BlockNode) -> list[dict[str, object]]:
    """The node's snapshots as SnapshotInfo."""
    return [snap.info() for snap in listing(node)]


def any_listed(node: BlockNode) -> bool:
    """Whether the image's header counts any snapshot (one small read, for the queries)."""
    target = snapshot_node(node)
    file = target.children.get("file") if target is not None else None
    where = host_file(file) if file is not None else None
    if where is None:
        return False
    try:
        with open(where[0], "rb") as f:
            f.seek(where[1] + 60)
            head = f.read(4)
    except OSError:
        return False
    return len(head) == 4 and struct.unpack(">I", head)[0] > 0


def create_one(node: BlockNode, snap: Qcow2Snapshot) -> Qcow2Snapshot:
    """bdrv_snapshot_create on one node (the id is chosen as the image's next)."""
    from qmonitor.machine.block import qcow2_snapshots

    with image(node) as meta:
        qcow2_snapshots.create(meta, snap)
    return snap


def delete_one(node: BlockNode, id: str | None, name: str | None) -> None:
    """bdrv_snapshot_delete on one node: the snapshot matching both id and name given."""
    from qmonitor.machine.block import qcow2_snapshots

    with image(node) as meta:
        for snap in read_table(meta):
            if (id is None or snap.id == id) and (name is None or snap.name == name):
                qcow2_snapshots.delete(meta, snap)
                return
    raise QapiError(NOT_FOUND)
