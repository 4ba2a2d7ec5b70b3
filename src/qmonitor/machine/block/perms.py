"""Permission conflicts between a node's users (block.c bdrv_parent_perms_conflict, QEMU 7.2).

Every user of a node (a device's or an export's BlockBackend, a job, a
parent node through its child) takes some permissions on it (consistent
read, write, write unchanged, resize) and shares some with the others.
Whenever what someone takes or shares changes, QEMU walks the graph from
the top and, at each node, checks every ordered pair of its parents:
each must share all that the other takes.  The first pair that does not
fails the change with QEMU's text, naming who needs what and who
refuses it.

A node's parents are listed newest first (QEMU inserts at the head of the
node's parent list), so which of two users is named as the one that
"required" a permission follows from which came first.  A parent node
asks of its children what its own users take and share, through the
rules of :func:`qmonitor.machine.block.locking.child_perms`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from qmonitor.machine.block.graph import BlockNode, next_order
from qmonitor.machine.block.locking import (
    ALL,
    PERM_NAMES,
    RESIZE,
    WRITE,
    WRITE_UNCHANGED,
    User,
    child_perms,
)
from qmonitor.qapi.error import QapiError

#: block.c bdrv_a_allow_b's text.
CONFLICT = (
    "Permission conflict on node '{node}': permissions '{perms}' are both required by "
    "{b_user} (uses node '{node}' as '{b_role}' child) and unshared by {a_user} "
    "(uses node '{node}' as '{a_role}' child)."
)
#: bdrv_insert_node's prefix to a filter's failure to open (a backup's copy-before-write).
CANT_CREATE_NODE = "Could not create node: {}"
#: What a BlockBackend says of itself with neither a name nor a device (blk_root_get_parent_desc).
UNNAMED = "an unnamed block device"


@dataclass(frozen=True, slots=True)
class Parent:
    """One parent of a node (a BdrvChild): who, in which role, what it takes and shares."""

    desc: str
    role: str
    perm: int
    shared: int
    #: When it took the node: later ones come first in the node's list.
    order: int


def perm_names(perm: int) -> str:
    """bdrv_perm_names: the names of the permissions in ``perm``, comma separated."""
    return ", ".join(name for i, name in enumerate(PERM_NAMES) if perm & (1 << i))


def backend_desc(name: str, device: str) -> str:
    """How a BlockBackend names itself: by its name, else its device's id or QOM path."""
    if name:
        return f"block device '{name}'"
    if device:
        return f"block device '{device}'"
    return UNNAMED


def node_desc(node: BlockNode) -> str:
    """How a node names itself as the parent of its children (bdrv_child_get_parent_desc)."""
    return f"node '{node.name or node.options.get('node-name', '')}'"


def _first_refusal(node: BlockNode, parents: list[Parent]) -> str | None:
    """bdrv_parent_perms_conflict over the node's parents, newest first."""
    ordered = sorted(parents, key=lambda p: -p.order)
    for a in ordered:
        for b in ordered:
            if a is b or b.perm & a.shared == b.perm:
                continue
            return CONFLICT.format(
                node=node.name,
                perms=perm_names(b.perm & ~a.shared),
                b_user=b.desc,
                b_role=b.role,
                a_user=a.desc,
                a_role=a.role,
            )
    return None


def _top_down(nodes: Iterable[BlockNode]) -> list[BlockNode]:
    """Every node reachable from ``nodes``, each after all of its parents."""
    seen: set[int] = set()
    out: list[BlockNode] = []

    def visit(node: BlockNode) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        for child in node.children.values():
            visit(child)
        out.append(node)

    for node in nodes:
        visit(node)
    return out[::-1]


def find_conflict(nodes: Iterable[BlockNode], users: Iterable[User]) -> str | None:
    """The conflict QEMU reports for this graph and these users, or None.

    Nodes are checked parents first, as bdrv_refresh_perms walks them; a
    node asks of each child what its own parents take and share.
    """
    parents: dict[int, list[Parent]] = {}
    for user in users:
        parents.setdefault(id(user.root), []).append(
            Parent(user.desc, user.role, user.perm, user.shared, user.order)
        )
    for node in _top_down([*nodes, *(u.root for u in users)]):
        mine = parents.get(id(node), [])
        problem = _first_refusal(node, mine)
        if problem is not None:
            return problem
        perm, shared = 0, ALL
        for parent in mine:
            perm |= parent.perm
            shared &= parent.shared
        for role, child in node.children.items():
            cperm, cshared = child_perms(node, role, perm, shared)
            parents.setdefault(id(child), []).append(
                Parent(node_desc(node), role, cperm, cshared, node.order)
            )
    return None


def mirror_target(target: BlockNode) -> User:
    """A mirror job's BlockBackend on its target (mirror_start_job): it writes, shares little."""
    return User(target, WRITE, WRITE_UNCHANGED, UNNAMED, next_order())


def backup_target(target: BlockNode, filter_name: str) -> User:
    """The copy-before-write filter's child on a backup's target (cbw_child_perm)."""
    return User(target, WRITE, ALL & ~RESIZE, f"node '{filter_name}'", next_order(), "target")


def check_perms(nodes: Iterable[BlockNode], users: Iterable[User]) -> None:
    """Refuse the graph and users if some user does not share what another takes."""
    problem = find_conflict(nodes, users)
    if problem is not None:
        raise QapiError(problem)
