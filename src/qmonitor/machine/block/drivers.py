"""Opening block nodes: the drivers a machine without storage can back.

Each opener gets the node's options (one branch of BlockdevOptions, as
``blockdev-add`` visited them) and returns its size, opening its children
through the graph.  Host files are opened as QEMU opens them, on the
calling (main loop) thread: a FIFO given as a blkdebug config file blocks
until a writer opens it, exactly as QEMU's main loop blocks.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from qmonitor.machine.block.graph import BlockGraph, BlockNode
from qmonitor.qapi.error import QapiError

# Texts of QEMU 7.2: block.c (bdrv_find_format), block/blkdebug.c (read_config),
# block/file-posix.c (raw_open_common).
UNKNOWN_DRIVER = "Unknown driver '{}'"
BLKDEBUG_CONFIG = "Could not read blkdebug config file: {}"
FILE_OPEN = "Could not open '{}': {}"

#: block/null.c's default size: 1 GiB.
NULL_DEFAULT_SIZE = 1 << 30

Opener = Callable[[BlockGraph, BlockNode, dict[str, Any]], int]


def open_node(graph: BlockGraph, options: dict[str, Any], *, root: bool) -> BlockNode:
    """Open a node (and its inline children) and add it to the graph."""
    driver = options["driver"]
    opener = OPENERS.get(driver)
    if opener is None:
        # The drivers of QEMU's block modules that this machine has not installed.
        raise QapiError(UNKNOWN_DRIVER.format(driver))
    name = graph.check_name(options.get("node-name"))
    node = BlockNode(
        name,
        driver,
        read_only=bool(options.get("read-only", False)),
        options=options,
        monitor_owned=root,
    )
    node.size = opener(graph, node, options)
    graph.add(node)
    return node


def open_child(graph: BlockGraph, parent: BlockNode, role: str, ref: Any) -> BlockNode:
    """A child given inline (options) or by reference (a node name)."""
    child = open_node(graph, ref, root=False) if isinstance(ref, dict) else graph.lookup(ref)
    child.parents += 1
    parent.children[role] = child
    return child


def _null(graph: BlockGraph, node: BlockNode, options: dict[str, Any]) -> int:
    size = options.get("size", NULL_DEFAULT_SIZE)
    assert isinstance(size, int)
    return size


def _blkdebug(graph: BlockGraph, node: BlockNode, options: dict[str, Any]) -> int:
    config = options.get("config")
    if config is not None:
        read_blkdebug_config(config)
    return open_child(graph, node, "image", options["image"]).size


def read_blkdebug_config(path: str) -> str:
    """Read a blkdebug config file whole, blocking as QEMU's fopen() and read do."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError as err:
        raise QapiError(BLKDEBUG_CONFIG.format(os.strerror(err.errno or 0))) from None


def _file(graph: BlockGraph, node: BlockNode, options: dict[str, Any]) -> int:
    filename = options["filename"]
    flags = (os.O_RDONLY if node.read_only else os.O_RDWR) | os.O_CLOEXEC
    try:
        fd = os.open(filename, flags)
    except OSError as err:
        raise QapiError(FILE_OPEN.format(filename, os.strerror(err.errno or 0))) from None
    try:
        return os.lseek(fd, 0, os.SEEK_END)
    finally:
        os.close(fd)


def _raw(graph: BlockGraph, node: BlockNode, options: dict[str, Any]) -> int:
    size = open_child(graph, node, "file", options["file"]).size
    offset = options.get("offset", 0)
    assert isinstance(offset, int)
    wanted = options.get("size")
    return int(wanted) if wanted is not None else max(size - offset, 0)


OPENERS: dict[str, Opener] = {
    "blkdebug": _blkdebug,
    "file": _file,
    "null-aio": _null,
    "null-co": _null,
    "raw": _raw,
}
