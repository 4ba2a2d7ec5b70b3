"""Permission conflicts between a node's users, alone (block.c bdrv_parent_perms_conflict).

The recorded sessions (test_perms_golden.py) check the texts QEMU gives;
these check the rules behind them: every ordered pair of parents, newest
first; a parent node asking of its child what its own users take.
"""

from __future__ import annotations

import pytest

from qmonitor.machine.block.graph import BlockNode, next_order
from qmonitor.machine.block.locking import (
    ALL,
    CONSISTENT_READ,
    RESIZE,
    WRITE,
    WRITE_UNCHANGED,
    User,
    device_perm,
)
from qmonitor.machine.block.perms import check_perms, find_conflict, perm_names
from qmonitor.qapi.error import QapiError


def _node(name: str, driver: str = "null-co", **children: BlockNode) -> BlockNode:
    return BlockNode(driver, name=name, children=dict(children))


def _device(node: BlockNode, name: str, read_only: bool = False, share_rw: bool = False) -> User:
    return User(
        node, *device_perm(read_only, True, share_rw), f"block device '{name}'", next_order()
    )


def test_permission_names_in_qemus_order() -> None:
    assert perm_names(WRITE | CONSISTENT_READ) == "consistent read, write"
    assert perm_names(RESIZE | WRITE_UNCHANGED) == "write unchanged, resize"


def test_the_older_user_is_named_as_the_one_that_needs_it() -> None:
    n0 = _node("n0")
    first = _device(n0, "a")
    second = _device(n0, "b")
    text = find_conflict([n0], [second, first])  # the list's order does not matter
    assert text == (
        "Permission conflict on node 'n0': permissions 'write' are both required by "
        "block device 'a' (uses node 'n0' as 'root' child) and unshared by block device "
        "'b' (uses node 'n0' as 'root' child)."
    )


def test_a_reader_that_shares_everything_only_fails_when_it_is_refused() -> None:
    n0 = _node("n0")
    writer = _device(n0, "a")
    export = User(n0, CONSISTENT_READ | WRITE, ALL, "an unnamed block device", next_order())
    # The writer does not share write: the newer export is refused, named second.
    assert find_conflict([n0], [writer, export]) == (
        "Permission conflict on node 'n0': permissions 'write' are both required by an "
        "unnamed block device (uses node 'n0' as 'root' child) and unshared by block "
        "device 'a' (uses node 'n0' as 'root' child)."
    )
    reader = User(n0, CONSISTENT_READ, ALL, "an unnamed block device", next_order())
    assert find_conflict([n0], [writer, reader]) is None


def test_share_rw_lets_writers_share() -> None:
    n0 = _node("n0")
    users = [_device(n0, "a", share_rw=True), _device(n0, "b", share_rw=True)]
    assert find_conflict([n0], users) is None
    with pytest.raises(QapiError, match="unshared by block device 'c'"):
        check_perms([n0], [*users, _device(n0, "c")])


def test_a_format_node_keeps_others_from_writing_its_file() -> None:
    n0 = _node("n0")
    user = _device(n0, "a")
    q0 = _node("q0", "qcow2", file=n0)
    assert find_conflict([n0, q0], [user]) == (
        "Permission conflict on node 'n0': permissions 'write' are both required by "
        "block device 'a' (uses node 'n0' as 'root' child) and unshared by node 'q0' "
        "(uses node 'n0' as 'file' child)."
    )


def test_a_raw_node_passes_its_users_permissions_down() -> None:
    n1 = _node("n1")
    cd = _device(n1, "c", read_only=True)
    r1 = _node("r1", "raw", file=n1)
    assert find_conflict([n1, r1], [cd]) is None  # nobody writes through r1 yet
    hd = _device(r1, "hd")
    assert find_conflict([n1, r1], [cd, hd]) == (
        "Permission conflict on node 'n1': permissions 'write' are both required by "
        "node 'r1' (uses node 'n1' as 'file' child) and unshared by block device 'c' "
        "(uses node 'n1' as 'root' child)."
    )
