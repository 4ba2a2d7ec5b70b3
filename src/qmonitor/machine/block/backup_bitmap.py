"""A backup's dirty bitmap: which clusters it copies and what becomes of the bitmap (QEMU 7.2).

blockdev.c's do_backup_common checks ``sync``, ``bitmap`` and
``bitmap-mode`` together (``incremental`` is ``bitmap`` with
``on-success``); block/backup.c's backup_job_create gives the bitmap a
successor that records the writes made while the job runs.  With
``sync: bitmap`` the job copies only the clusters the bitmap marks (its
bits merged into a bitmap of the job's cluster size; the job's length is
their count in bytes).  When the job ends, backup_cleanup_sync_bitmap
either lets the successor take the bitmap's place (the job succeeded, or
``always``; not with ``never``) or merges it back; a failed ``always``
job also marks again what it did not copy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from qmonitor.machine.block import bitmaps
from qmonitor.machine.block.graph import BlockNode
from qmonitor.machine.block.hbitmap import HBitmap
from qmonitor.qapi.error import QapiError

# Texts of blockdev.c (do_backup_common).
NEEDS_BITMAP = "must provide a valid bitmap name for '{}' sync mode"
INCREMENTAL_MODE = "Bitmap sync mode must be 'on-success' when using sync mode 'incremental'"
NOT_FOUND = "Bitmap '{}' could not be found"
NEEDS_MODE = "Bitmap sync mode must be given when providing a bitmap"
NONE_USELESS = "sync mode '{}' does not produce meaningful bitmap outputs"
NEVER_USELESS = "Bitmap sync mode '{}' has no meaningful effect when combined with sync mode '{}'"
MODE_WITHOUT_BITMAP = "Cannot specify bitmap sync mode without a bitmap"


@dataclass
class SyncBitmap:
    """The bitmap a backup syncs, and how."""

    node: BlockNode
    name: str
    #: on-success, always or never.
    mode: str
    #: Whether the job copies only the bitmap's clusters (``sync: bitmap``).
    selects: bool
    #: The clusters still to copy (bytes ranges), when it selects.
    plan: list[tuple[int, int]] = field(default_factory=list)

    def start(self, cluster: int) -> int:
        """backup_job_create and backup_init_bcs_bitmap: the successor; the job's length."""
        held = bitmaps.create_successor(self.node, self.name)
        if not self.selects:
            return -(-self.node.size // cluster) * cluster
        copy = HBitmap.for_granule(self.node.size, cluster)
        copy.merge(held.bits)
        self.plan = [(o, min(n, self.node.size - o)) for o, n in copy.dirty_areas()]
        return copy.count()

    def finish(self, ok: bool) -> None:
        """backup_cleanup_sync_bitmap."""
        if (ok or self.mode == "always") and self.mode != "never":
            bitmaps.abdicate(self.node, self.name)
            if not ok and self.plan:
                bitmap = bitmaps.find(self.node, self.name)
                if bitmap is not None:
                    for offset, length in self.plan:
                        bitmap.bits.set(offset, length)
        else:
            bitmaps.reclaim(self.node, self.name)


def check(source: BlockNode, args: dict[str, Any]) -> SyncBitmap | None:
    """do_backup_common's checks of ``sync``, ``bitmap`` and ``bitmap-mode``."""
    sync = args.get("sync", "full")
    name = args.get("bitmap")
    mode = args.get("bitmap-mode")
    if sync in ("bitmap", "incremental") and name is None:
        raise QapiError(NEEDS_BITMAP.format(sync))
    if sync == "incremental":
        if mode is not None and mode != "on-success":
            raise QapiError(INCREMENTAL_MODE)
        sync, mode = "bitmap", "on-success"
    if name is None:
        if mode is not None:
            raise QapiError(MODE_WITHOUT_BITMAP)
        return None
    bitmap = bitmaps.find(source, name)
    if bitmap is None:
        raise QapiError(NOT_FOUND.format(name))
    if mode is None:
        raise QapiError(NEEDS_MODE)
    bitmaps.check(bitmap, ro=False)
    if sync == "none":
        raise QapiError(NONE_USELESS.format(sync))
    if mode == "never" and sync != "bitmap":
        raise QapiError(NEVER_USELESS.format(mode, sync))
    return SyncBitmap(source, name, mode, selects=sync == "bitmap")


def check_writable(sync: SyncBitmap) -> None:
    """backup_job_create: a bitmap the job will write to must be writable."""
    if sync.mode != "never":
        bitmap = bitmaps.find(sync.node, sync.name)
        assert bitmap is not None
        bitmaps.check(bitmap)
