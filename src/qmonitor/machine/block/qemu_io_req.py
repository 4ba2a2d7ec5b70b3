"""What the qemu-io commands share: numbers, patterns, options, checked requests, accounting.

Each request passes blk_check_byte_request first (no medium or an open
tray: ``ENOMEDIUM``; a negative offset, a length past the request limit
or past the end: ``EIO``), then goes down the node's path
(:mod:`.block_io`).  A command that ends early after printing raises
:class:`Stop`.
"""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Callable

from qmonitor.errors import QmonitorError
from qmonitor.machine.block import block_io
from qmonitor.machine.block.accounting import IoType
from qmonitor.machine.block.qemu_io import Context, Getopt
from qmonitor.machine.block.qemu_io_fmt import (
    REQUEST_MAX_BYTES,
    NumberError,
    cvtnum,
    cvtnum_error,
    pattern,
)
from qmonitor.util.texts import SIZE_HEX_SUFFIX_DEPRECATED

NOT_MODELLED = "x-qmonitor: qemu-io's {} is not modelled"
NO_MEDIUM_CRASH = "x-qmonitor: qemu-io's {} on a drive without a medium crashes QEMU"
# Texts of qemu-io-cmds.c.
BAD_PATTERN = "{} is not a valid pattern byte\n"
LENGTH_MAX = "length cannot exceed {}, given {}\n"
LENGTH_MAX_N = "length cannot exceed {} without -n, given {}\n"
PATTERN_RANGE = "pattern verification range exceeds end of read data\n"
NOT_ALIGNED = "{} is not a sector-aligned value for '{}'\n"
PATTERN_FAILED = "Pattern verification failed at offset {}, {} bytes\n"
ARG_MAX = "Argument '{}' exceeds maximum size {}\n"
TOTAL_MAX = "The total number of bytes exceed the maximum size {}\n"
FILE_EMPTY = "{}: file is empty\n"


class Stop(QmonitorError):
    """The command ends here (its text is printed)."""


def number(ctx: Context, arg: str) -> int:
    try:
        value, hex_suffix = cvtnum(arg)
    except NumberError as err:
        if err.hex_suffix:
            ctx.output.report("warning: " + SIZE_HEX_SUFFIX_DEPRECATED.format(arg))
        ctx.out(cvtnum_error(err, arg))
        raise Stop from None
    if hex_suffix:
        ctx.output.report("warning: " + SIZE_HEX_SUFFIX_DEPRECATED.format(arg))
    return value


def pattern_byte(ctx: Context, arg: str) -> int:
    value = pattern(arg)
    if value is None:
        ctx.out(BAD_PATTERN.format(arg))
        raise Stop
    return value


def check(ctx: Context, offset: int, nbytes: int) -> int:
    """blk_check_byte_request: 0, or the errno the request fails with."""
    node = ctx.target.node
    if nbytes < 0 or nbytes > REQUEST_MAX_BYTES:
        return errno.EIO
    if node is None or not ctx.target.available:
        return errno.ENOMEDIUM
    if offset < 0 or offset > node.size or node.size - offset < nbytes:
        return errno.EIO
    return 0


def read(ctx: Context, offset: int, nbytes: int) -> tuple[int, bytes]:
    """A read into a buffer filled with 0xab: (errno or 0, the buffer)."""
    fill = b"\xab" * nbytes
    err = check(ctx, offset, nbytes)
    if err:
        return err, fill
    assert ctx.target.node is not None
    try:
        data = block_io.read(ctx.target.node, offset, nbytes)
    except block_io.IoFailed as failed:
        return failed.errno, fill
    return 0, fill if data is None else data


def write(ctx: Context, offset: int, length: int, data: bytes | None, unmap: bool = False) -> int:
    """A write of ``data`` (None: zeroes, ``unmap``: -u): 0 or the errno it failed with."""
    err = check(ctx, offset, length)
    if err:
        return err
    assert ctx.target.node is not None
    try:
        block_io.write(ctx.target.node, offset, length, data, ctx.target.hook, unmap)
    except block_io.IoFailed as failed:
        return failed.errno
    return 0


def strerror(err: int) -> str:
    return os.strerror(err)


def timed(do: Callable[[], int]) -> tuple[int, int]:
    start = time.monotonic_ns()
    err = do()
    return err, time.monotonic_ns() - start


def options(
    ctx: Context, words: list[str], optstring: str, name: str
) -> tuple[dict[str, str], list[str]]:
    """The options (the last of each letter wins) and the operands; usage on a bad option."""
    getopt = Getopt(words, optstring, ctx)
    seen: dict[str, str] = {}
    for letter, arg in getopt:
        if letter == "?":
            ctx.usage(name)
            raise Stop
        if letter == "P":
            assert arg is not None
            pattern_byte(ctx, arg)
        elif letter in "ls" and name == "read":
            assert arg is not None
            number(ctx, arg)
        seen[letter] = "" if arg is None else arg
    return seen, getopt.operands


def vectors(ctx: Context, args: list[str]) -> list[int]:
    """create_iovec: each length checked, then their total."""
    sizes: list[int] = []
    total = 0
    for arg in args:
        length = number(ctx, arg)
        if length > REQUEST_MAX_BYTES:
            ctx.out(ARG_MAX.format(arg, REQUEST_MAX_BYTES))
            raise Stop
        if total > REQUEST_MAX_BYTES - length:
            ctx.out(TOTAL_MAX.format(REQUEST_MAX_BYTES))
            raise Stop
        sizes.append(length)
        total += length
    return sizes


def unsupported(ctx: Context, op: str, what: str) -> None:
    """The VM state and compressed writes: only qcow2 has them (else ENOTSUP)."""
    node = ctx.target.node
    if node is None or not ctx.target.available:
        ctx.out(f"{op} failed: {strerror(errno.ENOMEDIUM)}\n")
        return
    while node.driver in ("raw", "blkdebug"):
        node = node.children.get("file") or node.children["image"]
    if node.driver == "qcow2":
        ctx.output.report(NOT_MODELLED.format(what))
        return
    ctx.out(f"{op} failed: {strerror(errno.ENOTSUP)}\n")


def vmstate(ctx: Context, op: str, offset: int, count: int, data: bytes | None) -> bytes | None:
    """The VM state area of a qcow2 image (blk_save_vmstate / blk_load_vmstate).

    It lies after the guest's disk (qcow2_vm_state_offset), written and
    read through the image's own clusters.  ``data`` None reads ``count``
    bytes; a write returns ``b""``.  None: the failure was said (no
    medium, or no qcow2 image down the primary children).
    """
    node = ctx.target.node
    if node is None or not ctx.target.available:
        ctx.out(f"{op} failed: {strerror(errno.ENOMEDIUM)}\n")
        return None
    while node.driver in ("raw", "blkdebug"):
        node = node.children.get("file") or node.children["image"]
    if node.driver != "qcow2":
        ctx.out(f"{op} failed: {strerror(errno.ENOTSUP)}\n")
        return None
    from qmonitor.machine.block.qcow2_snapshots import vm_state_offset
    from qmonitor.machine.block.snapshots import image
    from qmonitor.qapi.error import QapiError

    try:
        with image(node) as meta:
            base = vm_state_offset(meta)
            if data is None:
                return meta.read(base + offset, count)
            meta.write(base + offset, data)
            return b""
    except QapiError:
        ctx.out(f"{op} failed: {strerror(errno.EIO)}\n")
        return None


def write_compressed(ctx: Context, offset: int, data: bytes) -> int:
    """blk_pwrite_compressed: an errno, 0 when done.

    The request is checked and finished as any write (its range, the
    node's permission, the dirty bitmaps and highest offset); only a
    qcow2 node's driver takes it, no format passes it on (ENOTSUP).
    """
    length = len(data)
    err = check(ctx, offset, length)
    if err:
        return err
    node = ctx.target.node
    assert node is not None
    if node.read_only:
        return errno.EPERM
    ctx.target.hook(node, offset, length)
    from qmonitor.machine.block import bitmaps, qcow2_data
    from qmonitor.qapi.error import QapiError

    try:
        if node.driver != "qcow2":
            return errno.ENOTSUP
        return qcow2_data.write_compressed(node, offset, data)
    except OSError as exc:
        return exc.errno or errno.EIO
    except QapiError as exc:
        ctx.output.report(exc.desc)  # what qcow2 does and this machine does not
        return errno.ENOTSUP
    finally:
        if length:
            node.wr_highest_offset = max(node.wr_highest_offset, offset + length)
            bitmaps.mark(node, offset, length)


def acct_done(ctx: Context, kind: IoType, nbytes: int, start: int, failed: bool) -> None:
    stats = ctx.target.acct
    if stats is None:
        return
    now = ctx.target.now_ns()
    if failed:
        stats.failed(kind, ctx.target.latency_ns(start), now)
    else:
        stats.done(kind, nbytes, ctx.target.latency_ns(start), now)


def acct_invalid(ctx: Context, kind: IoType) -> None:
    if ctx.target.acct is not None:
        ctx.target.acct.invalid(kind, ctx.target.now_ns())
