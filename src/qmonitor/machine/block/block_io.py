"""Guest data through a block node: reads, writes, zero writes, discards, allocation.

What QEMU 7.2's block layer (block/io.c) does with a request once it has
passed a BlockBackend's checks, for the drivers this machine backs:
``file`` reads and writes its host file, ``raw`` passes the request to
its file at its ``offset``, ``blkdebug`` to its image, ``null-co`` and
``null-aio`` read zeroes only with ``read-zeroes`` (else the caller's
buffer stays as it was) and drop writes, ``qcow2`` maps guest clusters
through its L1 and L2 tables (:mod:`.qcow2_data`).  Every node a write or
discard reaches finishes it as bdrv_co_write_req_finish does: a write
raises the node's highest offset written, both mark the node's enabled
dirty bitmaps (:func:`.bitmaps.mark`), and the caller hears of each node
(for the write threshold).  A discard acts only on a node opened with
``discard=unmap`` (BDRV_O_UNMAP) and, on a host file, leaves zeroes.

Failures raise :class:`IoFailed` with the errno QEMU's request returns.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable

from qmonitor.errors import QmonitorError
from qmonitor.machine.block import bitmaps
from qmonitor.machine.block.graph import BlockNode
from qmonitor.qapi.error import QapiError

#: Told of each node a write reaches: (node, offset, bytes), before it is written.
WriteHook = Callable[[BlockNode, int, int], None]


class IoFailed(QmonitorError):
    """A request failed with an errno (its text is ``os.strerror``)."""

    def __init__(self, err: int, text: str = "") -> None:
        super().__init__(text or os.strerror(err))
        self.errno = err


def _nothing(node: BlockNode, offset: int, nbytes: int) -> None:
    return None


def _child(node: BlockNode) -> tuple[BlockNode, int] | None:
    """The node a pass-through driver hands a request to, and the offset it adds."""
    if node.driver == "raw":
        start = node.options.get("offset", 0)
        return node.children["file"], int(start) if not isinstance(start, str) else _size(start)
    if node.driver == "blkdebug":
        return node.children["image"], 0
    return None


def _size(text: str) -> int:
    from qmonitor.machine.block.drivers import size_option

    return size_option({"offset": text}, "offset")


def _host_io(node: BlockNode, do: Callable[[int], bytes | None]) -> bytes | None:
    flags = (os.O_RDONLY if node.read_only else os.O_RDWR) | os.O_CLOEXEC
    try:
        fd = os.open(str(node.options["filename"]), flags)
    except OSError as err:
        raise IoFailed(err.errno or errno.EIO) from None
    try:
        return do(fd)
    except OSError as err:
        raise IoFailed(err.errno or errno.EIO) from None
    finally:
        os.close(fd)


def read(node: BlockNode, offset: int, length: int) -> bytes | None:
    """The node's bytes at ``offset``; None where a null node leaves the buffer alone."""
    through = _child(node)
    if through is not None:
        return read(through[0], through[1] + offset, length)
    if node.driver in ("file", "host_device"):
        data = _host_io(node, lambda fd: os.pread(fd, length, offset))
        assert data is not None
        return data.ljust(length, b"\0")
    if node.driver == "qcow2":
        from qmonitor.machine.block import qcow2_data

        return _qcow2(lambda: qcow2_data.read(node, offset, length)) or bytes(length)
    if node.options.get("read-zeroes"):
        return bytes(length)
    return None


def _qcow2(do: Callable[[], bytes | None]) -> bytes | None:
    try:
        return do()
    except OSError as err:
        raise IoFailed(err.errno or errno.EIO) from None
    except QapiError as err:
        # What qcow2 does and this machine does not (a text of its own).
        raise IoFailed(errno.ENOTSUP, err.desc) from None


def write(
    node: BlockNode,
    offset: int,
    length: int,
    data: bytes | None,
    hook: WriteHook = _nothing,
    unmap: bool = False,
) -> None:
    """Write ``data`` (None: ``length`` zeroes, ``unmap``: BDRV_REQ_MAY_UNMAP) down the path."""
    if node.read_only:
        raise IoFailed(errno.EPERM)
    hook(node, offset, length)
    # bdrv_co_pwrite_zeroes: no unmapping on a node opened without discard=unmap.
    unmap = unmap and unmaps(node)
    try:
        through = _child(node)
        if through is not None:
            write(through[0], through[1] + offset, length, data, hook, unmap)
        elif node.driver in ("file", "host_device"):
            _host_io(node, lambda fd: _pwrite(fd, data, offset, length))
        elif node.driver == "qcow2":
            from qmonitor.machine.block import qcow2_data

            _qcow2(lambda: qcow2_data.write(node, offset, length, data, unmap))
    finally:
        # bdrv_co_write_req_finish runs whether the driver failed or not.
        if length:
            node.wr_highest_offset = max(node.wr_highest_offset, offset + length)
            bitmaps.mark(node, offset, length)


#: How many zeroes a zero write hands the host at a time.
ZERO_CHUNK = 1 << 20


def mark_written(node: BlockNode, offset: int, length: int) -> None:
    """A job wrote the range through ``node``: the bitmaps of each node on its path see it."""
    while length > 0:
        bitmaps.mark(node, offset, length)
        through = _child(node)
        if through is None:
            return
        node, offset = through[0], through[1] + offset


def _pwrite(fd: int, data: bytes | None, offset: int, length: int) -> None:
    """All of ``data`` (None: ``length`` zeroes, a chunk at a time) at ``offset``."""
    if data is None:
        done = 0
        while done < length:
            step = min(ZERO_CHUNK, length - done)
            _pwrite(fd, bytes(step), offset + done, step)
            done += step
        return
    done = 0
    while done < len(data):
        done += os.pwrite(fd, data[done:], offset + done)


def discard(node: BlockNode, offset: int, length: int) -> None:
    """bdrv_co_pdiscard: nothing unless the node was opened with ``discard=unmap``.

    The children inherit the flag (bdrv_inherited_options), so only the
    node asked is checked.
    """
    if node.read_only:
        raise IoFailed(errno.EPERM)
    if not unmaps(node):
        return
    _discard(node, offset, length)


def unmaps(node: BlockNode) -> bool:
    """Whether the node was opened with BDRV_O_UNMAP: ``discard=unmap``, the default of a
    child opened inline (bdrv_inherited_options); not of a root or a drive's medium."""
    inline = not node.monitor_owned and not node.backends
    return node.options.get("discard", "unmap" if inline else "ignore") in ("unmap", "on")


def _discard(node: BlockNode, offset: int, length: int) -> None:
    through = _child(node)
    if through is not None:
        _discard(through[0], through[1] + offset, length)
    elif node.driver in ("file", "host_device"):
        # A hole punched: the range reads as zeroes.
        _host_io(node, lambda fd: _pwrite(fd, None, offset, length))
    elif node.driver == "qcow2":
        from qmonitor.machine.block import qcow2_data

        _qcow2(lambda: qcow2_data.discard(node, offset, length))
    if length:
        bitmaps.mark(node, offset, length)


def allocated(node: BlockNode, offset: int, length: int) -> tuple[bool, int]:
    """bdrv_is_allocated: whether the range's start is allocated in this node, and for how long."""
    through = _child(node)
    if node.driver == "qcow2":
        from qmonitor.machine.block import qcow2_data

        try:
            return qcow2_data.allocated(node, offset, length)
        except (OSError, QapiError):
            raise IoFailed(errno.EIO) from None
    if through is not None or node.driver in ("file", "host_device"):
        return True, length
    # A null node's data is neither data nor zeroes unless it reads zeroes.
    return bool(node.options.get("read-zeroes")), length
