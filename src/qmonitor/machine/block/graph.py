"""Block nodes and their names (QEMU 7.2's block.c and util/id.c)."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from qmonitor.qapi.error import QapiError

# Texts of bdrv_assign_node_name (block.c) and qmp_blockdev_del (blockdev.c).
INVALID_NODE_NAME = "Invalid node-name: '{}'"
DUPLICATE_NODE_NAME = "Duplicate nodes with node-name='{}'"
NODE_NAME_TOO_LONG = "Node name too long"
NODE_NOT_FOUND = "Failed to find node with node-name='{}'"
NODE_IN_USE = "Node {} is in use"
NOT_MONITOR_OWNED = "Node {} is not owned by the monitor"
NO_DEVICE_NOR_NODE = "Cannot find device='{}' nor node-name='{}'"

#: A BlockDriverState's node_name buffer holds 31 characters.
NODE_NAME_MAX = 31

#: util/id.c's id_wellformed: a letter, then letters, digits, '-', '.' or '_'.
_WELLFORMED = re.compile(r"[A-Za-z][A-Za-z0-9._-]*\Z")


def id_wellformed(name: str) -> bool:
    """Whether a user may give this name to a node (or any other object with an id)."""
    return _WELLFORMED.match(name) is not None


@dataclass(eq=False)
class BlockNode:
    """One open block node."""

    name: str
    driver: str
    #: Its size in bytes, as the driver reports it.
    size: int = 0
    read_only: bool = False
    #: The options it was opened with (blockdev-add's arguments for it).
    options: dict[str, Any] = field(default_factory=dict)
    #: Its children by role name ("file", "image", ...).
    children: dict[str, BlockNode] = field(default_factory=dict)
    #: Whether blockdev-add made it as a root (only those blockdev-del removes).
    monitor_owned: bool = False
    #: How many parents (nodes or devices) hold it.
    parents: int = 0


class BlockGraph:
    """The named block nodes, in the order they were made (QEMU's graph_bdrv_states)."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self.nodes: dict[str, BlockNode] = {}
        self._counter = 0
        self._rng = rng or random.Random()

    def generate_name(self) -> str:
        """util/id.c's id_generate(ID_BLOCK): '#block', a counter, two random digits."""
        self._counter += 1
        return f"#block{self._counter}{self._rng.randrange(100):02d}"

    def check_name(self, name: str | None) -> str:
        """The name a new node gets, or QEMU's error for the one asked."""
        if name is None:
            return self.generate_name()
        if not id_wellformed(name):
            raise QapiError(INVALID_NODE_NAME.format(name))
        if name in self.nodes:
            raise QapiError(DUPLICATE_NODE_NAME.format(name))
        if len(name.encode()) > NODE_NAME_MAX:
            raise QapiError(NODE_NAME_TOO_LONG)
        return name

    def add(self, node: BlockNode) -> None:
        self.nodes[node.name] = node

    def lookup(self, reference: str) -> BlockNode:
        """A node named by a reference (a child given as a string)."""
        node = self.nodes.get(reference)
        if node is None:
            raise QapiError(NO_DEVICE_NOR_NODE.format(reference, reference))
        return node

    def delete(self, name: str) -> None:
        """``blockdev-del``: remove an unused root node and the children only it held."""
        node = self.nodes.get(name)
        if node is None:
            raise QapiError(NODE_NOT_FOUND.format(name))
        if node.parents:
            raise QapiError(NODE_IN_USE.format(name))
        if not node.monitor_owned:
            raise QapiError(NOT_MONITOR_OWNED.format(name))
        self._drop(node)

    def _drop(self, node: BlockNode) -> None:
        del self.nodes[node.name]
        for child in node.children.values():
            child.parents -= 1
            if not child.parents and not child.monitor_owned:
                self._drop(child)
