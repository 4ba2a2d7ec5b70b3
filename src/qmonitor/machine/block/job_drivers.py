"""What each kind of block job does: mirror, backup, commit, stream (block/mirror.c, ...).

Data really moves only where the null machine can back it: a mirror or a
backup between nodes over host files (file, raw over file, blkdebug over
either) copies the source's bytes into the target, so at completion the
target file equals the source.  null-co nodes read zeroes and discard
writes, so their copies move nothing.  qcow2 images are not written: a
commit or a stream changes the graph (the chain gets shorter, the node's
backing goes away) but the clusters, and the backing file name in the
image's header, stay as they were.

Timing follows QEMU's coroutines: work on null nodes completes
synchronously (its events come before the command's reply), work on host
files waits for the thread pool once (after the reply), a mirror copies
16 MiB per iteration and, when it finishes, drains its source first, so
its completion always comes after the reply that asked for it.

While it runs, a job lists its own anonymous bitmap on its source: a
mirror's dirty bitmap records the source's writes (what a ready mirror
copies before it ends, adding to its length and progress), a backup's
copy bitmap holds the clusters still to copy.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import ClassVar

from qmonitor.errors import QmonitorError
from qmonitor.machine.block.backup_bitmap import SyncBitmap
from qmonitor.machine.block.bitmaps import DirtyBitmap, default_granularity
from qmonitor.machine.block.block_io import mark_written
from qmonitor.machine.block.graph import BlockGraph, BlockNode
from qmonitor.machine.block.jobs import Job, Step

#: Moves every user of the first node (a device's BlockBackend) over to the second.
Replace = Callable[[BlockNode, BlockNode], None]

# Texts of block/mirror.c and block/backup.c.
DIFFERENT_SIZES = "Source and target image have different sizes"

#: block/mirror.c's DEFAULT_MIRROR_BUF_SIZE: what one iteration copies at most.
MIRROR_BUF = 16 * 1024 * 1024
#: What one rate-limited slice of a copy moves (block-copy's largest chunk).
RATE_CHUNK = 1024 * 1024
#: block/backup.c's default cluster size when the target says none.
BACKUP_CLUSTER = 65536


def host_file(node: BlockNode) -> tuple[str, int] | None:
    """The host file under a node and where the node's data starts in it, if any."""
    offset = 0
    while True:
        if node.driver == "file":
            return str(node.options["filename"]), offset
        if node.driver == "raw":
            offset += int(node.options.get("offset", 0))
            node = node.children["file"]
        elif node.driver == "blkdebug":
            node = node.children["image"]
        else:
            return None


class CopyError(QmonitorError):
    """A host file failed a copy: which side (``read`` or ``write``) and the errno text."""

    def __init__(self, operation: str, err: OSError) -> None:
        super().__init__(os.strerror(err.errno or 0))
        self.operation = operation
        self.text = os.strerror(err.errno or 0)


def copy_range(source: BlockNode, target: BlockNode, offset: int, length: int) -> None:
    """Copy ``length`` bytes at ``offset`` from one node's image to another's."""
    dest = host_file(target)
    if dest is None or length <= 0:
        return
    src = host_file(source)
    if src is None:
        data = bytes(length)
    else:
        try:
            fd = os.open(src[0], os.O_RDONLY | os.O_CLOEXEC)
            try:
                data = os.pread(fd, length, src[1] + offset)
            finally:
                os.close(fd)
        except OSError as err:
            raise CopyError("read", err) from None
        data = data.ljust(length, b"\0")
    try:
        fd = os.open(dest[0], os.O_WRONLY | os.O_CLOEXEC)
        try:
            os.pwrite(fd, data, dest[1] + offset)
        finally:
            os.close(fd)
    except OSError as err:
        raise CopyError("write", err) from None


def async_io(*nodes: BlockNode) -> bool:
    """Whether I/O on these nodes waits for the thread pool (host files do)."""
    return any(n.driver == "file" or async_io(*n.children.values()) for n in nodes)


@dataclass
class CopyJob:
    """A copy from a source node to a target node: the part mirror and backup share."""

    graph: BlockGraph
    source: BlockNode
    target: BlockNode
    #: The largest piece one step copies without a rate limit.
    chunk: int = MIRROR_BUF
    #: The run failed before copying (an error text).
    run_error: str | None = None
    _steps: int = field(default=0)
    #: Whether zeroes read from the source are written as zeroes to a qcow2
    #: target (a mirror's mirror_do_zero_or_discard; a backup skips them).
    zeroes_qcow2: ClassVar[bool] = False
    #: What moves the source's users (the devices' BlockBackends) over to the
    #: target when a mirror completes; None where nothing uses the source.
    replace: Replace | None = None
    #: The anonymous bitmap the job keeps on its source while it runs (a
    #: mirror's dirty bitmap, a backup's copy bitmap), listed among the node's.
    job_bitmap: DirtyBitmap | None = None

    def hold_bitmap(self, bitmap: DirtyBitmap) -> None:
        """bdrv_create_dirty_bitmap(source, ..., NULL): the job's own bitmap, newest first."""
        self.job_bitmap = bitmap
        self.source.bitmaps.insert(0, bitmap)

    def release_bitmap(self) -> None:
        """bdrv_release_dirty_bitmap as the job cleans up (once)."""
        bitmap, self.job_bitmap = self.job_bitmap, None
        if bitmap is not None:
            self.source.bitmaps[:] = [b for b in self.source.bitmaps if b is not bitmap]

    def copied(self, offset: int, length: int) -> None:
        """A piece reached the target: a backup's copy bitmap no longer has it."""
        if self.job_bitmap is not None and self.job_bitmap.disabled:
            self.job_bitmap.bits.reset(offset, length)

    def copy_step(self, job: Job) -> bool:
        """Copy the next piece; whether everything is copied now."""
        limit = RATE_CHUNK if job.speed else self.chunk
        length = min(limit, job.total - job.current)
        try:
            copy_range(self.source, self.target, job.current, length)
            if self.zeroes_qcow2 and host_file(self.source) is None:
                zero_qcow2(self.target, job.current, length)
            mark_written(self.target, job.current, min(length, self.target.size - job.current))
            self.copied(job.current, length)
        except CopyError as err:
            # on-source-error/on-target-error "report" (the default): the job
            # reports the error (BLOCK_JOB_ERROR) and fails with it; the other
            # policies (ignore, stop, enospc) are not modelled.
            job.error = err.text
            job.data["io_error"] = err.operation
            return True
        job.current += length
        job.data["moved"] = length
        return job.current >= job.total


def zero_qcow2(target: BlockNode, offset: int, length: int) -> None:
    """Zeroes written to a qcow2 image over a host file: its clusters read as zeroes."""
    if target.driver != "qcow2" or target.children.get("file") is None:
        return
    file = target.children["file"]
    if file.driver != "file" or "backing" in target.children:
        return
    from qmonitor.machine.block import qcow2_image

    path = str(file.options["filename"])
    try:
        qcow2_image.zero_clusters(path, offset, length)
    except OSError as err:
        raise CopyError("write", err) from None
    file.size = (os.path.getsize(path) + 511) & ~511


class Mirror(CopyJob):
    """blockdev-mirror / drive-mirror: copy, become ready, then switch over or not."""

    zeroes_qcow2 = True

    job_type = "mirror"
    block = True
    check_sizes = True

    def step(self, job: Job) -> Step:
        self._steps += 1
        first = self._steps == 1
        if job.cancel_requested or job.should_complete or self.run_error:
            if job.ready and not job.data.get("drained"):
                self.copy_dirty(job)
            # mirror_exit_common drains the source from the coroutine: it yields once.
            if not job.data.get("drained"):
                job.data["drained"] = True
                return Step.YIELD
            if self.run_error:
                job.error = self.run_error
            return Step.DONE
        if first and self.check_sizes and self.source.size != self.target.size:
            self.run_error = DIFFERENT_SIZES
            job.total = job.current = 0
            return self.step(job)
        if first and self.waits() and job.current < job.total:
            # The first copy waits for the thread pool (nothing to copy: no wait).
            return Step.YIELD
        if job.current >= job.total:
            return Step.READY
        done = self.copy_step(job)
        if job.error is not None:
            self.run_error, job.error = job.error, None
            return self.step(job)
        if done and (first or (self._steps == 2 and self.waits())):
            return Step.READY
        return Step.MORE if job.speed else Step.YIELD

    def waits(self) -> bool:
        """Whether the copy waits for the thread pool: it reads a host file, or writes
        zeroes a null source reads (``read-zeroes``) into one.  A null source without
        ``read-zeroes``, or a qcow2 image (its clusters unallocated here), has nothing
        the target must get written.
        """
        if host_file(self.source) is not None:
            return True
        return bool(self.source.options.get("read-zeroes")) and async_io(self.target)

    def complete(self, job: Job) -> None:
        """Nothing to check: the switch to the target comes when the job finishes."""

    def cancel(self, job: Job, force: bool) -> bool:
        return force or not job.ready

    def copy_dirty(self, job: Job) -> None:
        """What the source took since the mirror was ready goes across before it ends.

        mirror_run's loop copies the areas its dirty bitmap marks: each adds to
        the job's length and progress, and is cleared.
        """
        bitmap = self.job_bitmap
        if bitmap is None:
            return
        for offset, length in bitmap.bits.dirty_areas():
            try:
                copy_range(self.source, self.target, offset, length)
                mark_written(self.target, offset, length)
            except CopyError as err:
                self.run_error = err.text
                return
            job.total += length
            job.current += length
        bitmap.bits.reset_all()

    def hold_dirty_bitmap(self, granularity: int) -> None:
        """mirror_start_job: a recording bitmap of the target's default granularity."""
        granularity = granularity or default_granularity(self.target)
        self.hold_bitmap(DirtyBitmap("", granularity, self.source.size))

    def prepare(self, job: Job) -> str | None:
        """mirror_exit_common: a completed (not cancelled) mirror's source users
        take the target (bdrv_replace_node)."""
        self.release_bitmap()
        if job.should_complete and not job.cancelled and self.replace is not None:
            self.replace(self.source, self.target)
        return None

    def abort(self, job: Job) -> None:
        self.release_bitmap()


@dataclass
class Backup(CopyJob):
    """blockdev-backup / drive-backup: copy all (or a bitmap's clusters) once, then finish."""

    job_type = "backup"
    block = True
    #: The dirty bitmap it syncs (:mod:`.backup_bitmap`), if any.
    sync_bitmap: SyncBitmap | None = None

    def copy_step(self, job: Job) -> bool:
        """With ``sync: bitmap``, the next piece of the bitmap's clusters."""
        sync = self.sync_bitmap
        if sync is None or not sync.selects:
            return super().copy_step(job)
        if not sync.plan:
            return True
        offset, length = sync.plan[0]
        piece = min(RATE_CHUNK if job.speed else self.chunk, length)
        try:
            copy_range(self.source, self.target, offset, piece)
            mark_written(self.target, offset, piece)
            self.copied(offset, piece)
        except CopyError as err:
            job.error = err.text
            job.data["io_error"] = err.operation
            return True
        if piece < length:
            sync.plan[0] = (offset + piece, length - piece)
        else:
            sync.plan.pop(0)
        job.current += piece
        job.data["moved"] = piece
        return not sync.plan

    def step(self, job: Job) -> Step:
        self._steps += 1
        if self._steps == 1 and async_io(self.source, self.target):
            return Step.YIELD
        done = self.copy_step(job)
        if job.error is not None:
            return Step.DONE
        if done:
            return Step.DONE
        return Step.MORE if job.speed else Step.YIELD

    def complete(self, job: Job) -> None:
        raise AssertionError("a backup is never ready")

    def cancel(self, job: Job, force: bool) -> bool:
        return True

    def hold_copy_bitmap(self, cluster: int) -> None:
        """block_copy_state_new and backup_init_bcs_bitmap: what is left to copy, by cluster."""
        bitmap = DirtyBitmap("", cluster, self.source.size, disabled=True)
        sync = self.sync_bitmap
        if sync is not None and sync.selects:
            for offset, length in sync.plan:
                bitmap.bits.set(offset, length)
        else:
            bitmap.bits.set(0, self.source.size)
        self.hold_bitmap(bitmap)

    def prepare(self, job: Job) -> str | None:
        """backup_commit: a synced bitmap as the job succeeded."""
        self.release_bitmap()
        if self.sync_bitmap is not None:
            self.sync_bitmap.finish(True)
        return None

    def abort(self, job: Job) -> None:
        """backup_abort: a synced bitmap as the job failed."""
        self.release_bitmap()
        if self.sync_bitmap is not None:
            self.sync_bitmap.finish(False)


def _rewrite_backing(node: BlockNode, base: BlockNode | None) -> None:
    """The image now names ``base`` as its backing file (bdrv_change_backing_file).

    The header in memory always follows; on disk only dropping the backing
    file is written (its offset and length zeroed), naming another one is not.
    """
    node.backing_overridden = False
    if node.header is None:
        return
    name = ""
    if base is not None:
        name = str(base.children.get("file", base).options.get("filename", base.name))
    fmt = "" if base is None else base.driver
    node.header = replace(node.header, backing_file=name, backing_format=fmt)
    where = host_file(node.children["file"]) if "file" in node.children else None
    if base is None and where is not None:
        fd = os.open(where[0], os.O_WRONLY | os.O_CLOEXEC)
        try:
            os.pwrite(fd, bytes(12), where[1] + 8)
        finally:
            os.close(fd)


@dataclass
class ChainJob:
    """block-stream and block-commit: data moves along a backing chain; the chain shortens.

    ``top`` is the node whose backing chain down to (not including)
    ``base`` goes away when the job finalizes: stream copies the data up
    into ``top`` (``top`` keeps ``base`` as its backing), commit copies
    ``top``'s chain into ``base`` and the node above ``top`` takes ``base``
    as its backing (``above`` None: ``top`` was the active layer).
    """

    graph: BlockGraph
    top: BlockNode
    base: BlockNode | None
    above: BlockNode | None = None
    _steps: int = 0

    def step(self, job: Job) -> Step:
        self._steps += 1
        if self._steps == 1 and async_io(self.top):
            return Step.YIELD
        job.current = job.total
        return Step.DONE

    def complete(self, job: Job) -> None:
        job.should_complete = True

    def cancel(self, job: Job, force: bool) -> bool:
        return True

    def prepare(self, job: Job) -> str | None:
        """Drop the chain between the node that stays and ``base``."""
        keeper = self.top if self.job_type == "stream" else self.above
        if keeper is None:
            return None
        old = keeper.children.pop("backing", None)
        if self.base is not None:
            keeper.children["backing"] = self.base
            self.base.parents += 1
        _rewrite_backing(keeper, self.base)
        if old is not None:
            old.parents -= 1
            if not old.parents and not old.monitor_owned:
                self.graph.unref(old)
        return None

    def abort(self, job: Job) -> None:
        return None

    job_type = "stream"
    block = True


class Stream(ChainJob):
    """block-stream: ``top`` takes the data of its backing chain above ``base``."""

    job_type = "stream"


class Commit(ChainJob):
    """block-commit of an intermediate node: ``above`` gets ``base`` as its backing."""

    job_type = "commit"


class ActiveCommit(Mirror):
    """block-commit of the active layer: a mirror into ``base`` that becomes ready."""

    job_type = "commit"
    #: The base grows to the top's size if it must: sizes may differ.
    check_sizes = False

    def step(self, job: Job) -> Step:
        if self._steps == 0 and self.target.size < self.source.size:
            # mirror_run truncates a smaller base up to the top's length first,
            # I/O that waits for the thread pool.
            from qmonitor.machine.block.node_cmds import truncate

            self._steps += 1
            truncate(self.graph, self.target, self.source.size)
            return Step.YIELD
        return super().step(job)
