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
from qmonitor.machine.block.locking import open_lock
from qmonitor.machine.block.qcow2 import HEADER_READ, MAGIC, parse_header
from qmonitor.qapi.error import QapiError
from qmonitor.util.cutils import parse_size
from qmonitor.util.error import QemuOptsError

# Texts of QEMU 7.2: block.c (bdrv_find_format), block/blkdebug.c (read_config),
# block/file-posix.c (raw_open_common), block/raw-format.c (raw_apply_options).
UNKNOWN_DRIVER = "Unknown driver '{}'"
BLKDEBUG_CONFIG = "Could not read blkdebug config file: {}"
CONFIG_READ = "Cannot read config file: {}"
FILE_OPEN = "Could not open '{}': {}"
NOT_REGULAR = "'file' driver requires '{}' to be a regular file"
NOT_DEVICE = "'host_device' driver requires '{}' to be either a character or block device"
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
    #: What it opens once named (a qcow2 image's backing file).
    after_name: Callable[[BlockGraph, BlockNode, dict[str, Any]], None] | None = None


def open_node(graph: BlockGraph, options: dict[str, Any], *, root: bool) -> BlockNode:
    """Open a node (and its inline children) and add it to the graph."""
    if "driver" not in options:
        # bdrv_open_inherit: a child of options alone (``file.x=on``) has neither.
        from qmonitor.machine.block.drive_setup import NO_DRIVER_OR_FILE

        raise QapiError(NO_DRIVER_OR_FILE)
    driver = DRIVERS.get(options["driver"])
    if driver is None:
        # The drivers of QEMU's block modules that this machine has not installed.
        raise QapiError(UNKNOWN_DRIVER.format(options["driver"]))
    node = graph.new_node(options["driver"], options, root=root)
    try:
        if driver.protocol:
            graph.made(node)
            _name(graph, node, options)
            node.size = driver.opener(graph, node, options)
        else:
            node.size = driver.opener(graph, node, options)
            graph.made(node)
            _name(graph, node, options)
        if driver.after_name is not None:
            driver.after_name(graph, node, options)
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


#: Options an inline child takes from its parent unless it sets them (bdrv_inherited_options).
INHERITED = ("read-only", "auto-read-only")
INHERITED_CACHE = ("direct", "no-flush")


def inherit(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """An inline child's options completed with what it inherits from its parent's."""
    out = dict(child)
    for key in INHERITED:
        if key in parent and key not in out:
            out[key] = parent[key]
    cache = parent.get("cache", {})
    if any(key in cache for key in INHERITED_CACHE):
        mine = dict(out.get("cache", {}))
        for key in INHERITED_CACHE:
            if key in cache and key not in mine:
                mine[key] = cache[key]
        out["cache"] = mine
    return out


def open_child(graph: BlockGraph, parent: BlockNode, role: str, ref: Any) -> BlockNode:
    """A child given inline (options) or by reference (a node name)."""
    if isinstance(ref, dict):
        child = open_node(graph, inherit(parent.options, ref), root=False)
    else:
        child = graph.lookup(ref)
    child.parents += 1
    parent.children[role] = child
    if not isinstance(ref, dict):
        # A node that has users already: the new parent must get along with them.
        from qmonitor.machine.block.perms import find_conflict

        problem = find_conflict([*graph.nodes.values(), parent], graph.lock_users())
        if problem is not None:
            child.parents -= 1
            del parent.children[role]
            raise QapiError(problem)
    return child


def size_option(options: dict[str, Any], name: str, default: int = 0) -> int:
    """A size option: an int from blockdev-add, QEMU's size syntax from -drive's text."""
    value = options.get(name, default)
    if isinstance(value, str):
        try:
            return parse_size(name, value)
        except QemuOptsError as exc:
            raise QapiError(exc.message) from None
    return int(value)


def _null(graph: BlockGraph, node: BlockNode, options: dict[str, Any]) -> int:
    return size_option(options, "size", NULL_DEFAULT_SIZE)


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


def _sectors(node: BlockNode, filename: str, kind: Callable[[int], bool], wrong: str) -> int:
    """Open ``filename`` as the node opens it; its size in whole 512-byte sectors.

    ``kind`` tells from the file's mode whether it is what the driver
    takes; else ``wrong`` (a text with the name's place) is the error.
    """
    flags = (os.O_RDONLY if node.read_only else os.O_RDWR) | os.O_CLOEXEC
    try:
        fd = os.open(filename, flags)
    except OSError as err:
        raise QapiError(FILE_OPEN.format(filename, os.strerror(err.errno or 0))) from None
    try:
        if not kind(os.fstat(fd).st_mode):
            raise QapiError(wrong.format(filename))
        # The block layer counts whole 512-byte sectors.
        return (os.lseek(fd, 0, os.SEEK_END) + 511) & ~511
    finally:
        os.close(fd)


def _file(graph: BlockGraph, node: BlockNode, options: dict[str, Any]) -> int:
    size = _sectors(node, options["filename"], stat.S_ISREG, NOT_REGULAR)
    # It holds nothing yet: its users' permissions come once the graph is complete.
    node.image_lock = open_lock(options["filename"], str(options.get("locking", "auto")))
    return size


def _host_device(graph: BlockGraph, node: BlockNode, options: dict[str, Any]) -> int:
    """A character or block device (the protocol a device path is probed as)."""
    return _sectors(
        node, options["filename"], lambda mode: stat.S_ISCHR(mode) or stat.S_ISBLK(mode), NOT_DEVICE
    )


def _raw(graph: BlockGraph, node: BlockNode, options: dict[str, Any]) -> int:
    real = open_child(graph, node, "file", options["file"]).size
    offset = size_option(options, "offset")
    if offset > real:
        raise QapiError(RAW_OFFSET.format(offset, real))
    if "size" not in options:
        return real - offset
    size = size_option(options, "size")
    if real - offset < size:
        raise QapiError(RAW_SUM.format(offset, size, real))
    if size % 512:
        raise QapiError(RAW_ALIGN)
    return size


def read_node(node: BlockNode, offset: int, length: int) -> bytes:
    """Bytes of a node's image, as a parent reading through it gets them."""
    if node.driver == "file":
        fd = os.open(node.options["filename"], os.O_RDONLY | os.O_CLOEXEC)
        try:
            return os.pread(fd, length, offset)
        finally:
            os.close(fd)
    if node.driver == "raw":
        start = size_option(node.options, "offset")
        return read_node(node.children["file"], start + offset, min(length, node.size - offset))
    if node.driver == "blkdebug":
        return read_node(node.children["image"], offset, length)
    # null-co and null-aio give zeroes (without read-zeroes, whatever the buffer held).
    return bytes(max(0, min(length, node.size - offset)))


def _qcow2(graph: BlockGraph, node: BlockNode, options: dict[str, Any]) -> int:
    file = open_child(graph, node, "file", options["file"])
    node.header = parse_header(read_node(file, 0, HEADER_READ))
    node.size = node.header.size
    if graph.keeps_bitmaps:
        from qmonitor.machine.block.qcow2_bitmaps import load

        load(node, graph.location)
    return node.header.size


def full_backing_filename(node: BlockNode) -> str:
    """The image's backing file, relative to the directory of the node's file."""
    assert node.header is not None
    backing = node.header.backing_file
    file = node.children["file"]
    if backing.startswith("/") or file.driver != "file":
        return backing
    return os.path.join(os.path.dirname(str(file.options["filename"])), backing)


def _qcow2_backing(graph: BlockGraph, node: BlockNode, options: dict[str, Any]) -> None:
    """The backing file: the one named in the image, another node, or none (null)."""
    assert node.header is not None
    named = node.header.backing_file
    if "backing" in options:
        ref = options["backing"]
        if ref is None:
            node.backing_overridden = bool(named)
            return
        child = open_child(graph, node, "backing", ref)
        # bdrv_backing_overridden: the image's name against the backing node's
        # filename (a format node's is its file's, unless it is a json: one).
        from qmonitor.machine.block.queries import filename

        node.backing_overridden = not named or filename(child) != named
        return
    if not named:
        return
    full = full_backing_filename(node)
    fmt = node.header.backing_format or _probe(full)
    file = {"driver": "file", "filename": full, "read-only": True}
    open_child(graph, node, "backing", {"driver": fmt, "file": file, "read-only": True})


def _probe(path: str) -> str:
    """The format of an image named without one: qcow2 by its magic, else raw."""
    try:
        with open(path, "rb") as f:
            return "qcow2" if f.read(4) == MAGIC else "raw"
    except OSError:
        return "raw"


_NULL = Driver(_null, protocol=True, strong=("size", "read-zeroes"))
_BLKDEBUG_STRONG = (
    "config", "inject-error", "set-state", "align", "max-transfer", "opt-write-zero",
    "max-write-zero", "opt-discard", "max-discard",
)  # fmt: skip

DRIVERS: dict[str, Driver] = {
    "blkdebug": Driver(_blkdebug, protocol=True, filter=True, strong=_BLKDEBUG_STRONG),
    "file": Driver(_file, protocol=True, strong=("filename",)),
    "host_device": Driver(_host_device, protocol=True, strong=("filename",)),
    "null-aio": _NULL,
    "null-co": _NULL,
    "qcow2": Driver(_qcow2, protocol=False, after_name=_qcow2_backing),
    "raw": Driver(_raw, protocol=False, strong=("offset", "size")),
}
