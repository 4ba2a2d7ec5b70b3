"""Image locking as QEMU's file driver does it (block/file-posix.c raw_check/apply_lock).

A ``file`` node keeps its image open and shows the other processes on the
same image what it uses and what it does not let others use, with
open-file-description (OFD) locks on single bytes: byte 100 + *i* while
the node holds permission *i*, byte 200 + *i* while it does not share
it (the permissions of include/block/block-common.h: consistent read,
write, write unchanged, resize).  Before it takes more, it tests that no
one else has locked the bytes that forbid it, with QEMU's error and hint.
The same bytes, the same lock kind: real QEMU, ``qemu-img`` and other
qmonitors on the same host see these locks and these see theirs.

What a node holds follows from who uses it (QEMU's permission system, as
far as the null machine's graphs go): a device holds consistent read and
(unless read-only) write and shares all but write (and resize, for a
CD-ROM); a ``-drive`` without a device holds consistent read; a qcow2
node's image file is its metadata (written unless read-only, never shared
for writing); a backing file is read only and shared for writing; a raw
node passes its users' permissions to its file.
"""

from __future__ import annotations

import errno
import fcntl
import os
import struct
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qmonitor.machine.block.graph import BlockNode

if TYPE_CHECKING:
    from qmonitor.machine.block.backend import BlockBackend
    from qmonitor.machine.block.graph import BlockGraph
from qmonitor.qapi.error import QapiError

# The permissions (include/block/block-common.h, QEMU 7.2) and their names (block.c).
CONSISTENT_READ = 0x01
WRITE = 0x02
WRITE_UNCHANGED = 0x04
RESIZE = 0x08
ALL = 0x0F
PERM_NAMES = ("consistent read", "write", "write unchanged", "resize")
#: RAW_LOCK_PERM_BASE and RAW_LOCK_SHARED_BASE (block/file-posix.c).
PERM_BASE = 100
SHARED_BASE = 200

# Texts of block/file-posix.c (raw_check_lock_bytes, raw_handle_perm_lock).
LOCK_FAILED = 'Failed to get "{}" lock'
SHARED_LOCK_FAILED = 'Failed to get shared "{}" lock'
IN_USE_HINT = "Is another process using the image [{}]?"
LOCK_BYTE = "Failed to lock byte {}"

#: struct flock on Linux: type, whence, start, length, pid (0 for OFD locks).
_FLOCK = struct.Struct("hhqqi4x")

# Texts of block/file-posix.c raw_open_common (locking=on without OFD locks).
NO_OFD_LOCKS = (
    "File lock requested but OFD locking syscall is unavailable, falling back to POSIX file locks"
)
LOCKS_CAN_BE_LOST = "Due to the implementation, locks can be lost unexpectedly.\n"
#: util/osdep.c qemu_probe_lock_ops.
PROBE_FAILED = "Failed to open /dev/null for OFD lock probing: {}\n"


@dataclass(frozen=True, slots=True)
class LockOps:
    """The fcntl commands locks are taken and tested with (util/osdep.c fcntl_op_*)."""

    setlk: int
    getlk: int

    @property
    def ofd(self) -> bool:
        """Whether these are open-file-description locks (qemu_has_ofd_lock)."""
        return self.setlk == fcntl.F_OFD_SETLK


OFD_OPS = LockOps(fcntl.F_OFD_SETLK, fcntl.F_OFD_GETLK)
#: What QEMU falls back to without OFD locks: per-process POSIX locks, which
#: closing any descriptor of the image in the process drops.
POSIX_OPS = LockOps(fcntl.F_SETLK, fcntl.F_GETLK)
_PROBED: list[LockOps] = []


def probe_lock_ops(call: Callable[[int, int, bytes], bytes] = fcntl.fcntl) -> LockOps:
    """qemu_probe_lock_ops: OFD locks if the kernel tests one on /dev/null, else POSIX ones."""
    try:
        fd = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
    except OSError as err:
        sys.stderr.write(
            f"Failed to open /dev/null for OFD lock probing: {os.strerror(err.errno or 0)}\n"
        )
        return POSIX_OPS
    try:
        call(fd, fcntl.F_OFD_GETLK, _FLOCK.pack(fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0))
    except OSError:
        return POSIX_OPS
    finally:
        os.close(fd)
    return OFD_OPS


def lock_ops() -> LockOps:
    """The lock commands of this process, probed once as QEMU probes them."""
    if not _PROBED:
        _PROBED.append(probe_lock_ops())
    return _PROBED[0]


class LockError(QapiError):
    """Another process holds a lock that forbids the permission: QEMU's error and hint."""

    def __init__(self, desc: str, filename: str) -> None:
        super().__init__(desc)
        self.hint = IN_USE_HINT.format(filename)


def _set(fd: int, offset: int, kind: int, filename: str, ops: LockOps = OFD_OPS) -> None:
    try:
        fcntl.fcntl(fd, ops.setlk, _FLOCK.pack(kind, os.SEEK_SET, offset, 1, 0))
    except OSError as err:
        # raw_lock_error_setg_errno: the errno's text unless the byte is just taken.
        text = LOCK_BYTE.format(offset)
        if err.errno != errno.EAGAIN:
            text += f": {os.strerror(err.errno or 0)}"
        raise LockError(text, filename) from None


def _held_elsewhere(fd: int, offset: int, ops: LockOps = OFD_OPS) -> bool:
    """qemu_lock_fd_test(exclusive): whether another description (or process) locks the byte."""
    reply = fcntl.fcntl(fd, ops.getlk, _FLOCK.pack(fcntl.F_WRLCK, os.SEEK_SET, offset, 1, 0))
    kind: int = _FLOCK.unpack(reply)[0]
    return kind != fcntl.F_UNLCK


def _bits(mask: int) -> Iterable[int]:
    return (i for i in range(len(PERM_NAMES)) if mask & (1 << i))


class ImageLock:
    """The lock bytes one ``file`` node holds on its image, through its own descriptor."""

    def __init__(self, fd: int, filename: str, ops: LockOps = OFD_OPS) -> None:
        self.fd = fd
        self.filename = filename
        self.ops = ops
        #: What the node holds and shares now (nothing held, everything shared at open).
        self.perm = 0
        self.shared = ALL
        self._locked_perm = 0
        self._locked_shared = 0

    def _apply(self, perm_bits: int, shared_bits: int, unlock: bool) -> None:
        """raw_apply_lock_bytes: lock the bytes of the bits; with ``unlock``, free the rest."""
        for i in range(len(PERM_NAMES)):
            bit = 1 << i
            pairs = ((PERM_BASE, perm_bits, "_locked_perm"),
                     (SHARED_BASE, shared_bits, "_locked_shared"))  # fmt: skip
            for base, want, attr in pairs:
                have = getattr(self, attr)
                if want & bit and not have & bit:
                    _set(self.fd, base + i, fcntl.F_RDLCK, self.filename, self.ops)
                    setattr(self, attr, have | bit)
                elif unlock and have & bit and not want & bit:
                    _set(self.fd, base + i, fcntl.F_UNLCK, self.filename, self.ops)
                    setattr(self, attr, have & ~bit)

    def _check(self, perm: int, shared: int) -> None:
        """raw_check_lock_bytes: no one else unshares what we take or holds what we unshare."""
        for i in _bits(perm):
            if _held_elsewhere(self.fd, SHARED_BASE + i, self.ops):
                raise LockError(LOCK_FAILED.format(PERM_NAMES[i]), self.filename)
        for i in _bits(~shared & ALL):
            if _held_elsewhere(self.fd, PERM_BASE + i, self.ops):
                raise LockError(SHARED_LOCK_FAILED.format(PERM_NAMES[i]), self.filename)

    def prepare(self, perm: int, shared: int) -> None:
        """RAW_PL_PREPARE: take the new bytes too and check them; undone on failure."""
        if self.perm | perm == self.perm and self.shared & shared == self.shared:
            return  # only giving up bytes, which cannot fail
        try:
            self._apply(self.perm | perm, ~self.shared & ALL | ~shared & ALL, False)
            self._check(perm, shared)
        except (LockError, OSError):
            self.abort()
            raise

    def abort(self) -> None:
        """RAW_PL_ABORT: back to the bytes of what the node holds now."""
        self._apply(self.perm, ~self.shared & ALL, True)

    def commit(self, perm: int, shared: int) -> None:
        """RAW_PL_COMMIT: exactly the bytes of the new permissions."""
        self._apply(perm, ~shared & ALL, True)
        self.perm, self.shared = perm, shared

    def close(self) -> None:
        """Closing the descriptor frees its locks."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def _warn(text: str) -> None:
    from qmonitor.monitor.monitor import error_printf

    error_printf(text)


def open_lock(
    filename: str,
    locking: str,
    ops: LockOps | None = None,
    warn: Callable[[str], None] = _warn,
) -> ImageLock | None:
    """The lock a ``file`` node keeps (raw_open_common), None where it keeps none.

    ``locking=off`` keeps none; ``auto`` none without OFD locks; ``on``
    without them falls back to POSIX locks, with QEMU's warning (given to
    ``warn``).  ``ops``: the lock commands (default: this process's, probed).
    """
    ops = ops if ops is not None else lock_ops()
    if locking == "off" or (locking == "auto" and not ops.ofd):
        return None
    if not ops.ofd:
        warn(f"warning: {NO_OFD_LOCKS}\n")
        warn(LOCKS_CAN_BE_LOST)
    try:
        fd = os.open(filename, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    return ImageLock(fd, filename, ops)


@dataclass(frozen=True, slots=True)
class User:
    """A node's user outside the graph: a device's drive, a ``-drive`` alone, an export."""

    root: BlockNode
    perm: int
    shared: int
    #: How QEMU names it in a permission conflict (:mod:`.perms`).
    desc: str = ""
    #: When it took the node (:func:`qmonitor.machine.block.graph.next_order`).
    order: int = 0
    #: The name of its child in a permission conflict: a BlockBackend's is its root.
    role: str = "root"


def device_perm(read_only: bool, resizable: bool, share_rw: bool) -> tuple[int, int]:
    """blkconf_apply_backend_options: what a storage device takes and shares of its drive."""
    perm = CONSISTENT_READ if read_only else CONSISTENT_READ | WRITE
    shared = CONSISTENT_READ | WRITE_UNCHANGED
    if resizable:
        shared |= RESIZE
    if share_rw:
        shared |= WRITE
    return perm, shared


def drive_user(root: BlockNode, desc: str = "", order: int = 0) -> User:
    """A ``-drive`` no device took: it reads (what QEMU's locks show)."""
    return User(root, CONSISTENT_READ, ALL, desc, order)


def child_perms(node: BlockNode, role: str, perm: int, shared: int) -> tuple[int, int]:
    """What ``node`` asks of its child in ``role`` when its users ask ``perm``/``shared``."""
    if role == "backing":  # bdrv_default_perms_for_cow
        shared = (WRITE | RESIZE if shared & WRITE else 0) | CONSISTENT_READ | WRITE_UNCHANGED
        return perm & CONSISTENT_READ, shared
    storage = node.driver == "qcow2" and role == "file"
    data = storage or (
        node.driver == "raw"
        and role == "file"
        and ("offset" in node.options or "size" in node.options)
    )
    if storage:  # metadata: written by the format itself unless read-only
        if not node.read_only:
            perm |= WRITE | RESIZE
        perm |= CONSISTENT_READ
        shared &= ~(WRITE | RESIZE)
    if data:
        shared &= ~RESIZE
        if perm & WRITE_UNCHANGED:
            perm |= WRITE
        if perm & WRITE:
            perm |= RESIZE
    return perm, shared


def _wanted(
    nodes: Iterable[BlockNode], users: Iterable[User]
) -> dict[int, tuple[BlockNode, int, int]]:
    """Every node's permissions: the union of what its users take, the meet of what they share."""
    out: dict[int, tuple[BlockNode, int, int]] = {}

    def visit(node: BlockNode, perm: int, shared: int) -> None:
        _, have, share = out.get(id(node), (node, 0, ALL))
        out[id(node)] = (node, have | perm, share & shared)
        for role, child in node.children.items():
            visit(child, *child_perms(node, role, perm, shared))

    for node in nodes:
        visit(node, 0, ALL)
    for user in users:
        visit(user.root, user.perm, user.shared)
    return out


def update_locks(nodes: Iterable[BlockNode], users: Iterable[User]) -> None:
    """Give every locked node the bytes of its permissions now, all or none (QEMU's errors).

    The users' permissions are checked against each other first (:mod:`.perms`), as
    QEMU checks its graph before it takes a lock.
    """
    from qmonitor.machine.block.perms import check_perms

    nodes = list(nodes)
    users = list(users)
    check_perms(nodes, users)
    changes = [
        (lock, perm, shared)
        for node, perm, shared in _wanted(nodes, users).values()
        if (lock := node.image_lock) is not None and (lock.perm, lock.shared) != (perm, shared)
    ]
    done: list[ImageLock] = []
    try:
        for lock, perm, shared in changes:
            lock.prepare(perm, shared)
            done.append(lock)
    except (LockError, OSError):
        for lock in done:
            lock.abort()
        raise
    for lock, perm, shared in changes:
        lock.commit(perm, shared)


def backend_users(backends: Iterable[BlockBackend]) -> list[User]:
    """The users the BlockBackends make: their devices, or a ``-drive`` alone."""
    from qmonitor.machine.block.perms import backend_desc

    out = []
    for blk in backends:
        if blk.medium is None:
            continue
        desc = backend_desc(blk.name, blk.device_name or blk.qdev_id)
        if blk.device_perm is not None:
            out.append(User(blk.medium, *blk.device_perm, desc, blk.order))
        elif blk.name:
            out.append(drive_user(blk.medium, desc, blk.order))
    return out


def relock(graph: BlockGraph) -> None:
    """Bring every node's lock bytes to what its users take now (QEMU's errors)."""
    update_locks(list(graph.nodes.values()), graph.lock_users())
