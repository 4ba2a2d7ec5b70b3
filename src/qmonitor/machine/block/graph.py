"""Block nodes and their names (QEMU 7.2's block.c, blockdev.c and util/id.c)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    import random

    from qmonitor.machine.block.bitmaps import DirtyBitmap
    from qmonitor.machine.block.locking import ImageLock, User
    from qmonitor.machine.block.qcow2 import Qcow2Header

# Texts of bdrv_assign_node_name (block.c) and qmp_blockdev_del (blockdev.c).
INVALID_NODE_NAME = "Invalid node-name: '{}'"
DUPLICATE_NODE_NAME = "Duplicate nodes with node-name='{}'"
NODE_NAME_TOO_LONG = "Node name too long"
NODE_NOT_FOUND = "Failed to find node with node-name='{}'"
NOT_MONITOR_OWNED = "Node {} is not owned by the monitor"
BLOCK_DEVICE_IN_USE = "Block device {} is in use"
NODE_IN_USE = "Node {} is in use"
#: bdrv_op_is_blocked's text for a node some other node uses as its backing file.
BACKING_BUSY = "Node '{}' is busy: node is used as backing hd of '{}'"
NO_DEVICE_NOR_NODE = "Cannot find device='{}' nor node-name='{}'"
DEVICE_NO_MEDIUM = "Device '{}' has no medium"

#: A BlockDriverState's node_name buffer holds 31 characters.
NODE_NAME_MAX = 31

#: util/id.c's id_wellformed: a letter, then letters, digits, '-', '.' or '_'.
_WELLFORMED = re.compile(r"[A-Za-z][A-Za-z0-9._-]*\Z")


def id_wellformed(name: str) -> bool:
    """Whether a user may give this name to a node (or any other object with an id)."""
    return _WELLFORMED.match(name) is not None


#: One count for every node and every user of one (BlockBackends, exports): a node's
#: users are listed newest first when their permissions are checked (:mod:`.perms`).
_ORDER = itertools.count(1)


def next_order() -> int:
    """The next place in the order nodes and their users come in."""
    return next(_ORDER)


@dataclass(eq=False)
class BlockNode:
    """One open block node (a BlockDriverState)."""

    driver: str
    #: When it was made, among all nodes (QEMU's all_bdrv_states order): a
    #: protocol node before the children it opens, a format node after its file.
    seq: int = 0
    name: str = ""
    #: Its length in bytes, as the driver reports it.
    size: int = 0
    read_only: bool = False
    #: The options it was opened with (blockdev-add's arguments for it).
    options: dict[str, Any] = field(default_factory=dict)
    #: Its children by role ("file", "image"), in the order they were attached.
    children: dict[str, BlockNode] = field(default_factory=dict)
    #: Whether blockdev-add made it as a root (only those blockdev-del removes).
    monitor_owned: bool = False
    #: References held on it by parents (nodes) besides its own.
    parents: int = 0
    #: A qcow2 node's image header.
    header: Qcow2Header | None = None
    #: Whether its backing differs from the one its image names (a json: filename).
    backing_overridden: bool = False
    #: Its dirty bitmaps, newest first (:mod:`.bitmaps`).
    bitmaps: list[DirtyBitmap] = field(default_factory=list)
    #: block-set-write-threshold's offset (0: none).
    write_threshold: int = 0
    #: The end of the highest write it took (wr_highest_offset; the opt-in guest's writes).
    wr_highest_offset: int = 0
    #: The backing file name kept for it when a backing node was attached
    #: after it opened (blockdev-snapshot): that node's filename.
    backing_name: str = ""
    #: BlockBackends on it (exports; devices' drives): no blockdev-del while any.
    backends: int = 0
    #: Internal snapshots taken through the monitor (SnapshotInfo of each).
    snapshots: list[dict[str, Any]] = field(default_factory=list)
    #: A ``file`` node's lock bytes on its image (:mod:`.locking`), None without.
    image_lock: ImageLock | None = None
    #: When it was made (:func:`next_order`): when it took its children.
    order: int = field(default_factory=next_order)


def _no_device(node: BlockNode) -> str:
    return ""


def _no_drive(name: str) -> tuple[bool, BlockNode | None]:
    return False, None


class BlockGraph:
    """The block nodes: named (QEMU's graph_bdrv_states) in the order they got their names."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self.nodes: dict[str, BlockNode] = {}
        self._seq = 0
        self._counter = 0
        #: Made on the first generated name: most machines have no block node.
        self._rng = rng
        #: The nodes' users outside the graph (drives, devices), for image locking.
        self.lock_users: Callable[[], list[User]] = list
        #: A drive by name: (whether there is one, its medium), set once drives exist.
        self.drive_medium: Callable[[str], tuple[bool, BlockNode | None]] = _no_drive
        #: Whether qcow2 nodes load their persistent bitmaps and store them as they
        #: close (not on the throwaway graph that only checks -drive options).
        self.keeps_bitmaps = True
        #: The command-line option being processed (warnings name it), "" for none.
        self.location = ""
        #: Whether the images were handed over (bdrv_inactivate_all at a migration's end).
        self.inactive = False
        #: The name of a drive whose medium the node is ("" for none), set once drives exist.
        self.device_of: Callable[[BlockNode], str] = _no_device

    def new_node(self, driver: str, options: dict[str, Any], *, root: bool) -> BlockNode:
        read_only = bool(options.get("read-only", False))
        return BlockNode(driver, read_only=read_only, options=options, monitor_owned=root)

    def made(self, node: BlockNode) -> None:
        """Count a node as made now (see :attr:`BlockNode.seq`)."""
        self._seq += 1
        node.seq = self._seq

    def all_nodes(self) -> list[BlockNode]:
        """Every node, in the order they were made."""
        return sorted(self.nodes.values(), key=lambda n: n.seq)

    def generate_name(self) -> str:
        """util/id.c's id_generate(ID_BLOCK): '#block', a counter, two random digits."""
        rng = self._rng
        if rng is None:
            import random  # not at start: its seeding and module cost every process

            rng = self._rng = random.Random()
        # The counter starts at 0 and counts after use (id_counters[id]++).
        number, self._counter = self._counter, self._counter + 1
        return f"#block{number}{rng.randrange(100):02d}"

    def assign_name(self, node: BlockNode, name: str | None) -> None:
        """Name a node as bdrv_assign_node_name does (a generated name when none is given)."""
        if name is None:
            name = self.generate_name()
        elif not id_wellformed(name):
            raise QapiError(INVALID_NODE_NAME.format(name))
        if name in self.nodes:
            raise QapiError(DUPLICATE_NODE_NAME.format(name))
        if len(name.encode()) > NODE_NAME_MAX:
            raise QapiError(NODE_NAME_TOO_LONG)
        node.name = name
        self.nodes[name] = node

    def device_or_node_name(self, node: BlockNode) -> str:
        """bdrv_get_device_or_node_name: the drive it is the medium of, else its node name."""
        return self.device_of(node) or node.name

    def lookup(self, reference: str) -> BlockNode:
        """A node named by a reference (a child given as a string)."""
        node = self.nodes.get(reference)
        if node is None:
            raise QapiError(NO_DEVICE_NOR_NODE.format(reference, reference))
        return node

    def lookup_bs(self, device: str | None, node_name: str | None) -> BlockNode:
        """bdrv_lookup_bs: a drive's medium by the drive's name, else a node by its name."""
        if device is not None:
            found, medium = self.drive_medium(device)
            if found:
                if medium is None:
                    raise QapiError(DEVICE_NO_MEDIUM.format(device))
                return medium
        node = self.nodes.get(node_name) if node_name is not None else None
        if node is None:
            raise QapiError(NO_DEVICE_NOR_NODE.format(device or "", node_name or ""))
        return node

    def delete(self, name: str) -> None:
        """``blockdev-del``: remove an unused root node and the children only it held."""
        node = self.nodes.get(name)
        if node is None:
            raise QapiError(NODE_NOT_FOUND.format(name))
        if node.backends:
            raise QapiError(NODE_IN_USE.format(name))
        self.check_not_backing(node)
        if not node.monitor_owned:
            raise QapiError(NOT_MONITOR_OWNED.format(name))
        if node.parents:
            raise QapiError(BLOCK_DEVICE_IN_USE.format(name))
        self.unref(node)

    def close_all(self) -> None:
        """bdrv_close_all at exit: qcow2 nodes store their persistent bitmaps."""
        if not self.keeps_bitmaps or self.inactive:
            return
        from qmonitor.machine.block.qcow2_bitmaps import store

        for node in self.all_nodes():
            if node.driver == "qcow2":
                store(node)
                node.bitmaps.clear()

    def inactivate_all(self, migrated: bool = False) -> None:
        """bdrv_inactivate_all: qcow2 nodes store their persistent bitmaps and release them.

        ``migrated``: the ``dirty-bitmaps`` capability carries the named,
        usable bitmaps to the destination instead (they are neither stored
        nor released).
        """
        if not self.keeps_bitmaps or self.inactive:
            return
        self.inactive = True
        from qmonitor.machine.block.qcow2_bitmaps import inactivate

        for node in self.all_nodes():
            if node.driver == "qcow2":
                skip = frozenset(
                    b.name for b in node.bitmaps
                    if migrated and b.name and not (b.busy or b.inconsistent)
                )  # fmt: skip
                inactivate(node, skip)

    def activate_all(self) -> None:
        """bdrv_activate_all (``cont`` after a migration): qcow2 nodes load their bitmaps again."""
        if not self.inactive:
            return
        self.inactive = False
        from qmonitor.machine.block.qcow2_bitmaps import load

        for node in self.all_nodes():
            if node.driver == "qcow2":
                load(node)

    def check_not_backing(self, node: BlockNode) -> None:
        """The op blocker a backing file carries: most operations on it are refused."""
        for parent in reversed(self.all_nodes()):
            if parent.children.get("backing") is node:
                raise QapiError(BACKING_BUSY.format(node.name, parent.name))

    def unref(self, node: BlockNode) -> None:
        """Drop a node nothing holds any more, and the children only it held."""
        if self.nodes.get(node.name) is node:
            del self.nodes[node.name]
        if node.driver == "qcow2" and self.keeps_bitmaps and not self.inactive:
            from qmonitor.machine.block.qcow2_bitmaps import store

            store(node)
            node.bitmaps.clear()
        if node.image_lock is not None:
            node.image_lock.close()
            node.image_lock = None
        for child in node.children.values():
            child.parents -= 1
            if not child.parents and not child.monitor_owned:
                self.unref(child)
        node.children.clear()
