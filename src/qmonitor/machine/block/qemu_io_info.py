"""The qemu-io commands about the image: length, info, alloc, map; and the debugging ones.

``info`` prints the driver's names, then what bdrv_get_info gives (a
raw node asks its file, whose answer is all zeroes; a qcow2 image its
cluster size and where its VM state goes) and a qcow2 image's
format-specific information, whose lines QEMU prints on the monitor.
``alloc`` and ``map`` ask whether ranges are allocated in the node
itself (bdrv_is_allocated).  The blkdebug breakpoints fail with
``ENOTSUP`` on a node without blkdebug under it, as in QEMU.
"""

from __future__ import annotations

import errno
from collections.abc import Callable

from qmonitor.machine.block import block_io
from qmonitor.machine.block.qemu_io import Context, Getopt
from qmonitor.machine.block.qemu_io_fmt import (
    NumberError,
    cvtnum,
    cvtnum_error,
    cvtstr,
    dump_qobject,
)
from qmonitor.machine.block.qemu_io_req import NO_MEDIUM_CRASH, NOT_MODELLED, number, strerror
from qmonitor.util.cutils import c_strtoll, c_strtoull


def length_f(ctx: Context, words: list[str]) -> None:
    node = ctx.target.node
    if node is None:
        ctx.out(f"getlength: {strerror(errno.ENOMEDIUM)}\n")
        return
    ctx.out(cvtstr(float(node.size)) + "\n")


#: Drivers with a protocol name besides their format name (BlockDriver.protocol_name).
_PROTOCOLS = ("file", "host_device", "null-co", "null-aio", "blkdebug")
#: Drivers whose bdrv_get_info says nothing (all zero): file-posix's.
_ZERO_INFO = ("file", "host_device")


def info_f(ctx: Context, words: list[str]) -> None:
    node = ctx.target.node
    if node is None:
        ctx.output.report(NO_MEDIUM_CRASH.format("info"))
        return
    ctx.out(f"format name: {node.driver}\n")
    if node.driver in _PROTOCOLS:
        ctx.out(f"format name: {node.driver}\n")
    # bdrv_get_info: raw asks its file, a filter its child; null has none (ENOTSUP).
    info = node
    while info.driver in ("raw", "blkdebug"):
        info = info.children.get("file") or info.children["image"]
    if info.driver in _ZERO_INFO:
        ctx.out("cluster size: 0 bytes\nvm state offset: 0 bytes\n")
    elif info.driver == "qcow2" and info.header is not None:
        from qmonitor.machine.block.qcow2_snapshots import vm_state_offset

        ctx.out(f"cluster size: {cvtstr(float(info.header.cluster_size))}\n")
        ctx.out(f"vm state offset: {cvtstr(float(_vm_state_offset(info, vm_state_offset)))}\n")
    if node.driver == "qcow2" and node.header is not None:
        ctx.out("Format specific information:\n")
        ctx.output.monitor(dump_qobject(node.header.format_specific(), 1))


def _vm_state_offset(node: object, compute: Callable[..., int]) -> int:
    from qmonitor.machine.block.graph import BlockNode
    from qmonitor.machine.block.qcow2_meta import Qcow2Meta

    assert isinstance(node, BlockNode)
    meta = Qcow2Meta(str(node.children["file"].options["filename"]))
    try:
        return compute(meta)
    finally:
        meta.close()


def _is_allocated(ctx: Context, offset: int, nbytes: int) -> tuple[bool, int]:
    """bdrv_is_allocated on the root: nothing at or past the end."""
    node = ctx.target.node
    assert node is not None
    if offset >= node.size:
        return False, 0
    return block_io.allocated(node, offset, min(nbytes, node.size - offset))


def alloc_f(ctx: Context, words: list[str]) -> None:
    if ctx.target.node is None:
        ctx.output.report(NO_MEDIUM_CRASH.format("alloc"))
        return
    start = offset = number(ctx, words[1])
    count = number(ctx, words[2]) if len(words) == 3 else 512
    remaining, total = count, 0
    while remaining:
        try:
            hit, num = _is_allocated(ctx, offset, remaining)
        except block_io.IoFailed as failed:
            ctx.out(f"is_allocated failed: {strerror(failed.errno)}\n")
            return
        offset += num
        remaining -= num
        if hit:
            total += num
        if num == 0:
            count -= remaining
            remaining = 0
    ctx.out(f"{total}/{count} bytes allocated at offset {cvtstr(float(start))}\n")


def map_f(ctx: Context, words: list[str]) -> None:
    node = ctx.target.node
    if node is None:
        ctx.output.report(f"Failed to query image length: {strerror(errno.ENOMEDIUM)}")
        return
    offset, remaining = 0, node.size
    while remaining:
        try:
            hit, num = _is_allocated(ctx, offset, remaining)
            while num < remaining:
                more_hit, more = _is_allocated(ctx, offset + num, remaining - num)
                if more_hit != hit or not more:
                    break
                num += more
        except block_io.IoFailed as failed:
            ctx.output.report(f"Failed to get allocation status: {strerror(failed.errno)}")
            return
        if not num:
            ctx.output.report("Unexpected end of image")
            return
        status = "    allocated" if hit else "not allocated"
        ctx.out(
            f"{cvtstr(float(num))} (0x{num:x}) bytes {status} at offset "
            f"{cvtstr(float(offset))} (0x{offset:x})\n"
        )
        offset += num
        remaining -= num


def sigraise_f(ctx: Context, words: list[str]) -> None:
    import signal

    sig = number(ctx, words[1])
    if sig > 65:  # NSIG
        ctx.out(f"signal argument '{words[1]}' is too large to be a valid signal\n")
        return
    if sig:
        signal.raise_signal(sig)


#: LONG_MAX: what strtol gives a number too big for it.
_LONG_MAX = 2**63 - 1


def sleep_f(ctx: Context, words: list[str]) -> None:
    """Hold the monitor for the milliseconds given (``strtol`` in base 0, not negative)."""
    value = words[1]
    ms = 0 if value == "" else c_strtoll(value)
    if ms is None:
        # strtol clamps a positive number too big for it (and sleeps that long).
        big = c_strtoull(value)
        ms = _LONG_MAX if big is not None and not value.lstrip().startswith("-") else None
    if ms is None or ms < 0:
        ctx.out(f"{value} is not a valid number\n")
        return
    ctx.output.wait(ms / 1000)


def abort_f(ctx: Context, words: list[str]) -> None:
    """abort(3), as qemu-io does: the whole process ends on SIGABRT, saying nothing."""
    ctx.output.abort()


def debug(fail: str) -> Callable[[Context, list[str]], None]:
    """break, remove_break, resume: ENOTSUP without a blkdebug node down the primary children."""

    def handler(ctx: Context, words: list[str]) -> None:
        node = ctx.target.node
        while node is not None and node.driver != "blkdebug":
            node = node.children.get("file") or node.children.get("image")
        if node is not None:
            ctx.output.report(NOT_MODELLED.format(f"{words[0]} on blkdebug"))
            return
        ctx.out(fail.format(*words[1:2], strerror(errno.ENOTSUP)) + "\n")

    return handler


def not_modelled(name: str) -> Callable[[Context, list[str]], None]:
    def handler(ctx: Context, words: list[str]) -> None:
        ctx.output.report(NOT_MODELLED.format(name))

    return handler


#: PreallocMode's values (qapi/block-core.json).
_PREALLOC = ("off", "metadata", "falloc", "full")


def truncate_f(ctx: Context, words: list[str]) -> None:
    """blk_truncate to a new length (preallocated on files; not modelled on qcow2)."""
    getopt = Getopt(words, "m:", ctx)
    prealloc = "off"
    for letter, arg in getopt:
        if letter == "?":
            ctx.usage("truncate")
            return
        if arg not in _PREALLOC:
            ctx.output.report(f"Invalid preallocation mode '{arg}'")
            return
        prealloc = arg
    if not getopt.operands:
        ctx.output.report(NOT_MODELLED.format("truncate without a length (QEMU crashes)"))
        return
    try:
        # As QEMU, a bad length is reported with the first word after the command.
        size = cvtnum(getopt.operands[0])[0]
    except NumberError as err:
        ctx.out(cvtnum_error(err, words[1]))
        return
    node, graph = ctx.target.node, ctx.target.graph
    if node is None or not ctx.target.available or graph is None:
        ctx.output.report("No medium inserted")
        return
    below = node
    while below.driver in ("raw", "blkdebug") and below.children:
        below = below.children.get("file") or below.children["image"]
    if prealloc != "off" and below.driver == "qcow2":
        ctx.output.report(NOT_MODELLED.format(f"truncate -m {prealloc} on qcow2"))
        return
    from qmonitor.machine.block.node_cmds import truncate
    from qmonitor.qapi.error import QapiError

    try:
        truncate(graph, node, size, prealloc)
    except QapiError as err:
        ctx.output.report(err.desc)
