"""Opening block nodes: the drivers a machine without storage can back.

Each driver's opener gets the node and its options (one branch of
BlockdevOptions, as ``blockdev-add`` visited them), opens its children
through the graph and returns the node's length.  Protocol drivers
(null-co, null-aio, blkdebug, file) get their node name before they open,
format drivers (raw) after their child opened, as in QEMU.  Host files are
opened as QEMU opens them, on the calling (main loop) thread: a FIFO given
as a blkdebug config file blocks until a writer opens it, exactly as
QEMU's main loop blocks.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from qmonitor.machine.block.blkdebug_config import parse_blkdebug_config
from qmonitor.machine.block.graph import BlockGraph, BlockNode
from qmonitor.qapi.error import QapiError

# Texts of QEMU 7.2: block.c (bdrv_find_format), block/blkdebug.c (read_config),
# block/file-posix.c (raw_open_common), block/raw-format.c (raw_apply_options).
UNKNOWN_DRIVER = "Unknown driver '{}'"
BLKDEBUG_CONFIG = "Could not read blkdebug config file: {}"
CONFIG_READ = "Cannot read config file: {}"
FILE_OPEN = "Could not open '{}': {}"
NOT_REGULAR = "'file' driver requires '{}' to be a regular file"
RAW_OFFSET = "Offset ({}) cannot be greater than size of the containing file ({})"
RAW_SUM = (
    "The sum of offset ({}) and size ({}) has to be smaller or equal to the "
    " actual size of the containing file ({})"
)
RAW_ALIGN = "Specified size is not multiple of 512"
# Texts of bdrv_open_common and bdrv_parse_detect_zeroes (block.c).
FORCE_SHARE_RW = "force-share=on can only be used with read-only images"
DETECT_ZEROES_UNMAP = (
    "setting detect-zeroes to unmap is not allowed without setting discard operation to unmap"
)

#: block/null.c's default length: 1 GiB.
NULL_DEFAULT_SIZE = 1 << 30

Opener = Callable[[BlockGraph, BlockNode, dict[str, Any]], int]


@dataclass(frozen=True)
class Driver:
    """What the graph and the queries need to know of a block driver."""

    opener: Opener
    #: A protocol driver (bdrv_file_open): named before it opens.
    protocol: bool
    #: A filter: its child is shown as its backing image.
    filter: bool = False
    #: Options that make up its identity (QEMU's strong runtime options).
    strong: tuple[str, ...] = ()


def open_node(graph: BlockGraph, options: dict[str, Any], *, root: bool) -> BlockNode:
    """Open a node (and its inline children) and add it to the graph."""
    driver = DRIVERS.get(options["driver"])
    if driver is None:
        # The drivers of QEMU's block modules that this machine has not installed.
        raise QapiError(UNKNOWN_DRIVER.format(options["driver"]))
    node = graph.new_node(options["driver"], options, root=root)
    try:
        if driver.protocol:
            _name(graph, node, options)
            node.size = driver.opener(graph, node, options)
        else:
            node.size = driver.opener(graph, node, options)
            _name(graph, node, options)
    except QapiError:
        graph.unref(node)
        raise
    return node


def _name(graph: BlockGraph, node: BlockNode, options: dict[str, Any]) -> None:
    """bdrv_open_common's checks of the generic options, then the node's name."""
    if options.get("force-share") and not node.read_only:
        raise QapiError(FORCE_SHARE_RW)
    if options.get("detect-zeroes") == "unmap" and options.get("discard") != "unmap":
        raise QapiError(DETECT_ZEROES_UNMAP)
    graph.assign_name(node, options.get("node-name"))


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
        parse_blkdebug_config(read_blkdebug_config(config))
    return open_child(graph, node, "image", options["image"]).size


def read_blkdebug_config(path: str) -> str:
    """Read a blkdebug config file whole, blocking as QEMU's fopen() and reads do.

    A directory opens (as fopen() opens it) and fails when read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as err:
        raise QapiError(BLKDEBUG_CONFIG.format(os.strerror(err.errno or 0))) from None
    chunks: list[bytes] = []
    try:
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
    except OSError as err:
        raise QapiError(CONFIG_READ.format(os.strerror(err.errno or 0))) from None
    finally:
        os.close(fd)
    return b"".join(chunks).decode("utf-8", errors="replace")


def _file(graph: BlockGraph, node: BlockNode, options: dict[str, Any]) -> int:
    filename = options["filename"]
    flags = (os.O_RDONLY if node.read_only else os.O_RDWR) | os.O_CLOEXEC
    try:
        fd = os.open(filename, flags)
    except OSError as err:
        raise QapiError(FILE_OPEN.format(filename, os.strerror(err.errno or 0))) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise QapiError(NOT_REGULAR.format(filename))
        return os.lseek(fd, 0, os.SEEK_END)
    finally:
        os.close(fd)


def _raw(graph: BlockGraph, node: BlockNode, options: dict[str, Any]) -> int:
    real = open_child(graph, node, "file", options["file"]).size
    offset = int(options.get("offset", 0))
    if offset > real:
        raise QapiError(RAW_OFFSET.format(offset, real))
    if "size" not in options:
        return real - offset
    size = int(options["size"])
    if real - offset < size:
        raise QapiError(RAW_SUM.format(offset, size, real))
    if size % 512:
        raise QapiError(RAW_ALIGN)
    return size


_NULL = Driver(_null, protocol=True, strong=("size", "read-zeroes"))
_BLKDEBUG_STRONG = (
    "config", "inject-error", "set-state", "align", "max-transfer", "opt-write-zero",
    "max-write-zero", "opt-discard", "max-discard",
)  # fmt: skip

DRIVERS: dict[str, Driver] = {
    "blkdebug": Driver(_blkdebug, protocol=True, filter=True, strong=_BLKDEBUG_STRONG),
    "file": Driver(_file, protocol=True),
    "null-aio": _NULL,
    "null-co": _NULL,
    "raw": Driver(_raw, protocol=False, strong=("offset", "size")),
}
