"""Growing an image file with preallocation, as QEMU 7.2's file driver does (file-posix.c).

``truncate -m falloc`` asks the file system for the new blocks
(posix_fallocate), ``-m full`` writes zeroes up to the new end and
flushes; neither shrinks a file, and ``metadata`` means nothing to a
plain file (handle_aiocb_truncate).  A failure puts the old length back.
"""

from __future__ import annotations

import os
from typing import Final

from qmonitor.qapi.error import QapiError

# Texts of block/file-posix.c (handle_aiocb_truncate).
NO_SHRINK: Final = "Cannot use preallocation for shrinking files"
FALLOC_FAILED: Final = "Could not preallocate new data: {}"
RESIZE_FAILED: Final = "Could not resize file: {}"
ZEROES_FAILED: Final = "Could not write zeros for preallocation: {}"
FLUSH_FAILED: Final = "Could not flush file to disk: {}"
UNSUPPORTED: Final = "Unsupported preallocation mode: {}"
#: The zeroes written per write() with ``full`` (its 64 KiB buffer).
_CHUNK: Final = 65536


def grow_with_prealloc(fd: int, size: int, prealloc: str, first_block: int) -> None:
    """Make the file ``size`` bytes long the ``prealloc`` way (``falloc`` or ``full``).

    ``first_block``: how much of a file that was empty to write at its
    start (allocate_first_block), 0 for none.

    :raises QapiError: with QEMU's text.
    """
    current = os.fstat(fd).st_size
    if current > size:
        raise QapiError(NO_SHRINK)
    try:
        if prealloc == "falloc":
            if size != current:
                try:
                    os.posix_fallocate(fd, current, size - current)
                except OSError as err:
                    raise QapiError(FALLOC_FAILED.format(os.strerror(err.errno or 0))) from None
                if current == 0 and first_block:
                    os.pwrite(fd, bytes(first_block), 0)
        elif prealloc == "full":
            _write_zeroes(fd, current, size)
        else:
            raise QapiError(UNSUPPORTED.format(prealloc))
    except QapiError:
        if prealloc in ("falloc", "full"):
            os.ftruncate(fd, current)
        raise


def _write_zeroes(fd: int, current: int, size: int) -> None:
    """``full``: the new length first, then zeroes from the old end, then a flush."""
    try:
        os.ftruncate(fd, size)
    except OSError as err:
        raise QapiError(RESIZE_FAILED.format(os.strerror(err.errno or 0))) from None
    zeroes = bytes(_CHUNK)
    offset = current
    try:
        while offset < size:
            offset += os.pwrite(fd, zeroes[: min(_CHUNK, size - offset)], offset)
    except OSError as err:
        raise QapiError(ZEROES_FAILED.format(os.strerror(err.errno or 0))) from None
    try:
        os.fsync(fd)
    except OSError as err:
        raise QapiError(FLUSH_FAILED.format(os.strerror(err.errno or 0))) from None
