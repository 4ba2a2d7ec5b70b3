"""The block job commands: starting mirror, backup, commit and stream jobs (blockdev.c).

Nodes are found as QEMU finds them (by node name: the null machine has no
drives with devices, so a device name is never found and gives QEMU's
error for it), checked in QEMU's order, and the job is made and started
on the machine's :class:`~qmonitor.machine.block.jobs.JobList`.  Backups
start inside a drained section as QEMU's transactions do: every running
job pauses and resumes first, and the new job starts paused.
"""

from __future__ import annotations

import os
from typing import Any

from qmonitor.machine.block import backup_bitmap
from qmonitor.machine.block.graph import BlockGraph, BlockNode
from qmonitor.machine.block.job_drivers import (
    BACKUP_CLUSTER,
    DIFFERENT_SIZES,
    ActiveCommit,
    Backup,
    Commit,
    Mirror,
    Replace,
    Stream,
    host_file,
)
from qmonitor.machine.block.jobs import Job, JobList, JobTxn
from qmonitor.machine.block.perms import (
    CANT_CREATE_NODE,
    backup_target,
    find_conflict,
    mirror_target,
)
from qmonitor.qapi.error import ErrorClass, QapiError

# Texts of blockdev.c, block.c and block/backup.c.
NEED_ROOT = "Need a root block node"
GRANULARITY_RANGE = "Parameter 'granularity' expects a value in range [512B, 64MB]"
GRANULARITY_POWER = "Parameter 'granularity' expects a power of 2"
BUF_SIZE = "Invalid parameter 'buf-size'"
MIRROR_ITSELF = "Can't mirror node into itself"
COMMIT_ITSELF = "cannot commit an image into itself"
DEVICE_NOT_FOUND = "Device '{}' not found"
TOP_NOT_FOUND = "Top image file {} not found"
NOT_IN_CHAIN = "Can't find '{}' in the backing chain"
NOT_BACKING_OF = "Node '{}' is not a backing image of '{}'"
BASE_AND_BASE_NODE = "'base' and 'base-node' cannot be specified at the same time"
BASE_AND_BOTTOM = "'base' and 'bottom' cannot be specified at the same time"
BOTTOM_AND_BASE_NODE = "'bottom' and 'base-node' cannot be specified at the same time"
STREAM_BACKING_FILE = "backing file specified, but streaming the entire chain"
NO_IMAGE_CREATION = "Format driver '{}' does not support image creation"
CREATE_FAILED = "Could not create '{}': {}"
#: What bdrv_img_create prints on stdout for the images drive-mirror/-backup make.
FORMATTING_RAW = "Formatting '{}', fmt=raw size={}"
FORMATTING_QCOW2 = (
    "Formatting '{}', fmt=qcow2 cluster_size=65536 extended_l2=off compression_type=zlib "
    "size={} lazy_refcounts=off refcount_bits=16"
)
#: Drivers that tell a backup their cluster size (bdrv_get_info): no warning for them.
HAS_INFO = ("file", "raw", "qcow2")
MIB = 1024 * 1024
#: Formats whose images drive-mirror and drive-backup can make here.
CREATABLE = ("raw", "qcow2")
#: block/backup.c warns on stderr when the target's cluster size is a guess.
BACKUP_CLUSTER_WARNING = (
    "The target block device doesn't provide information about the block "
    "size and it doesn't have a backing file. The default block size of {} bytes is "
    "used. If the actual block size of the target exceeds this default, the backup "
    "may be unusable"
)


def lookup(graph: BlockGraph, device: str | None, node: str | None) -> BlockNode:
    """bdrv_lookup_bs: a drive's medium by the drive's name, else a node by its name."""
    return graph.lookup_bs(device, node)


def root_node(graph: BlockGraph, name: str, jobs: JobList) -> BlockNode:
    """qmp_get_root_bs: a node whose only users are block devices (not nodes, not jobs)."""
    node = lookup(graph, name, name)
    # bdrv_is_root_node: every parent is a BlockBackend (a device's drive).
    if node.parents > node.backends or jobs.holder(node) is not None:
        raise QapiError(NEED_ROOT)
    return node


def backing_chain(node: BlockNode) -> list[BlockNode]:
    """The node and its backing chain, top first."""
    chain = [node]
    while "backing" in chain[-1].children:
        chain.append(chain[-1].children["backing"])
    return chain


def parent_in_chain(chain: list[BlockNode], node: BlockNode) -> BlockNode | None:
    index = chain.index(node)
    return chain[index - 1] if index else None


def _filename(node: BlockNode) -> str:
    file = node.children.get("file", node)
    return str(file.options.get("filename", ""))


def find_backing_image(chain: list[BlockNode], name: str) -> BlockNode | None:
    """bdrv_find_backing_image: a node below the top whose file has this name."""
    return next((n for n in chain[1:] if _filename(n) == name), None)


class JobCommands:
    """The handlers of the commands that start block jobs."""

    def __init__(self, graph: BlockGraph, jobs: JobList, warn: Any) -> None:
        self.graph = graph
        self.jobs = jobs
        self._warn = warn
        #: Jobs started in the drained section of the command running now.
        self._drained: list[Job] = []
        #: Moves a node's users (devices) to another when a mirror completes.
        self.replace: Replace | None = None

    def _options(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "speed": int(args.get("speed", 0)),
            "auto_finalize": bool(args.get("auto-finalize", True)),
            "auto_dismiss": bool(args.get("auto-dismiss", True)),
        }

    # -- mirror ------------------------------------------------------------

    def blockdev_mirror(self, args: dict[str, Any]) -> None:
        source = root_node(self.graph, args["device"], self.jobs)
        target = lookup(self.graph, args["target"], args["target"])
        self.mirror(source, target, args, source.size)

    def mirror(
        self, source: BlockNode, target: BlockNode, args: dict[str, Any], total: int
    ) -> None:
        """blockdev_mirror_common and mirror_start_job's checks, then the job."""
        granularity = int(args.get("granularity", 0))
        if granularity and not 512 <= granularity <= 64 * MIB:
            raise QapiError(GRANULARITY_RANGE)
        if granularity & (granularity - 1):
            raise QapiError(GRANULARITY_POWER)
        self.jobs.check_not_busy(source)
        self.jobs.check_not_busy(target)
        if int(args.get("buf-size", 0)) < 0:
            raise QapiError(BUF_SIZE)
        if target is source:
            raise QapiError(MIRROR_ITSELF)
        job_id = args.get("job-id", "")
        self.jobs.check_id(job_id)
        driver = Mirror(self.graph, source, target, replace=self.replace)
        job = self.jobs.create(
            job_id, driver, total=total, nodes=(source, target), **self._options(args)
        )
        # The job exists when its BlockBackend takes the target: a conflict ends it.
        users = [*self.graph.lock_users(), mirror_target(target)]
        problem = find_conflict(self.graph.nodes.values(), users)
        if problem is not None:
            self.jobs.early_fail(job)
            raise QapiError(problem)
        driver.hold_dirty_bitmap(granularity)
        self.jobs.start(job)

    # -- backup ------------------------------------------------------------

    def blockdev_backup(self, args: dict[str, Any], txn: JobTxn | None = None) -> Job:
        source = lookup(self.graph, args["device"], args["device"])
        target = lookup(self.graph, args["target"], args["target"])
        # The action drains its source: jobs on it pause and go on.
        self.jobs.drain(self.jobs.holders(source))
        self.jobs.check_not_busy(source)
        self.jobs.check_not_busy(target)
        sync = backup_bitmap.check(source, args)
        if sync is not None:
            backup_bitmap.check_writable(sync)
        if source.size != target.size:
            raise QapiError(DIFFERENT_SIZES)
        # The copy-before-write filter opens the target before the job is made.
        name = args.get("filter-node-name") or self.graph.generate_name()
        users = [*self.graph.lock_users(), backup_target(target, name)]
        problem = find_conflict(self.graph.nodes.values(), users)
        if problem is not None:
            raise QapiError(CANT_CREATE_NODE.format(problem))
        job_id = args.get("job-id", "")
        self.jobs.check_id(job_id)
        if "backing" not in target.children and target.driver not in HAS_INFO:
            self._warn(BACKUP_CLUSTER_WARNING.format(BACKUP_CLUSTER))
        total = -(-source.size // BACKUP_CLUSTER) * BACKUP_CLUSTER
        if sync is not None:
            total = sync.start(BACKUP_CLUSTER)
        driver = Backup(self.graph, source, target, sync_bitmap=sync)
        driver.hold_copy_bitmap(BACKUP_CLUSTER)
        return self.jobs.create(
            job_id, driver, total=total, txn=txn, nodes=(source, target), **self._options(args)
        )

    def start_paused(self, job: Job) -> None:
        """Start a job inside a drained section: it runs into a pause at once."""
        job.pause_count += 1
        self.jobs.start(job)
        self._drained.append(job)

    def end_drained(self) -> None:
        """The drained section ends: the jobs started in it go on."""
        started, self._drained = self._drained, []
        for job in started:
            self.jobs.end_drain(job)

    def backup_command(self, args: dict[str, Any]) -> None:
        """blockdev-backup: a transaction of one backup action."""
        self.jobs.drain()
        job = self.blockdev_backup(args)
        self.start_paused(job)
        self.end_drained()

    def drive_backup_job(self, args: dict[str, Any], txn: JobTxn | None = None) -> Job:
        source = lookup(self.graph, args["device"], args["device"])
        # drive_backup_prepare drains the source and checks it before making the image.
        self.jobs.drain(self.jobs.holders(source))
        self.jobs.check_not_busy(source)
        target = self.drive_target(source, args)
        return self.blockdev_backup({**args, "device": source.name, "target": target.name}, txn)

    def drive_backup(self, args: dict[str, Any]) -> None:
        """drive-backup: a transaction of one drive-backup action."""
        self.jobs.drain()
        job = self.drive_backup_job(args)
        self.start_paused(job)
        self.end_drained()

    def drive_mirror(self, args: dict[str, Any]) -> None:
        source = root_node(self.graph, args["device"], self.jobs)
        target = self.drive_target(source, args)
        # A new image reads as zeroes: only what the source has allocated is
        # copied (all of a host file; nothing of a null node or, here, a qcow2 image).
        fresh = args.get("mode", "absolute-paths") != "existing"
        total = 0 if fresh and host_file(source) is None else source.size
        self.mirror(source, target, args, total)

    def drive_target(self, source: BlockNode, args: dict[str, Any]) -> BlockNode:
        """The image drive-mirror and drive-backup write to, made unless mode is existing."""
        from qmonitor.machine.block.drivers import _probe as probe_format
        from qmonitor.machine.block.drivers import open_node
        from qmonitor.machine.block.qcow2_create import (
            MAX_L1_ENTRIES,
            TOO_LARGE,
            l1_entries,
            qcow2_image,
        )

        filename = args["target"]
        existing = args.get("mode", "absolute-paths") == "existing"
        fmt = args.get("format") or (probe_format(filename) if existing else source.driver)
        if not existing:
            if fmt not in CREATABLE:
                raise QapiError(NO_IMAGE_CREATION.format(fmt))
            size = source.size
            if fmt == "qcow2":
                if l1_entries(size) > MAX_L1_ENTRIES:
                    raise QapiError(TOO_LARGE)
                data = qcow2_image(size)
                print(FORMATTING_QCOW2.format(filename, size), flush=True)
            else:
                data = b""
                print(FORMATTING_RAW.format(filename, size), flush=True)
            try:
                with open(filename, "wb") as image:
                    image.write(data)
                    image.truncate(max(size, len(data)) if fmt != "qcow2" else len(data))
            except OSError as err:
                raise QapiError(
                    CREATE_FAILED.format(filename, os.strerror(err.errno or 0))
                ) from None
        options: dict[str, Any] = {"driver": fmt, "file": {"driver": "file", "filename": filename}}
        if "node-name" in args:
            options["node-name"] = args["node-name"]
        return open_node(self.graph, options, root=False)

    # -- stream and commit -------------------------------------------------

    def block_stream(self, args: dict[str, Any]) -> None:
        has = {k for k in ("base", "base-node", "bottom") if k in args}
        if {"base", "base-node"} <= has:
            raise QapiError(BASE_AND_BASE_NODE)
        if {"base", "bottom"} <= has:
            raise QapiError(BASE_AND_BOTTOM)
        if {"bottom", "base-node"} <= has:
            raise QapiError(BOTTOM_AND_BASE_NODE)
        device = args["device"]
        top = lookup(self.graph, device, device)
        chain = backing_chain(top)
        base: BlockNode | None = None
        if "base" in args:
            base = find_backing_image(chain, args["base"])
            if base is None:
                raise QapiError(NOT_IN_CHAIN.format(args["base"]))
        if "base-node" in args:
            base = lookup(self.graph, None, args["base-node"])
            if base is top or base not in chain:
                raise QapiError(NOT_BACKING_OF.format(args["base-node"], device))
        if base is None and "backing-file" in args:
            raise QapiError(STREAM_BACKING_FILE)
        job_id = args.get("job-id", "")
        self.jobs.check_id(job_id)
        moved = chain[1 : chain.index(base)] if base is not None else chain[1:]
        for node in (top, *moved):
            self.jobs.check_not_busy(node)
        total = top.size if moved else 0
        driver = Stream(self.graph, top, base)
        job = self.jobs.create(
            job_id, driver, total=total, nodes=(top, *moved), **self._options(args)
        )
        self.jobs.start(job)

    def block_commit(self, args: dict[str, Any]) -> None:
        device = args["device"]
        active = self.graph.nodes.get(device)
        if active is None:
            raise QapiError(DEVICE_NOT_FOUND.format(device), ErrorClass.DEVICE_NOT_FOUND)
        chain = backing_chain(active)
        top = active
        if "top-node" in args:
            top = lookup(self.graph, None, args["top-node"])
            if top not in chain:
                raise QapiError(NOT_BACKING_OF.format(args["top-node"], device))
        elif "top" in args:
            found = active if _filename(active) == args["top"] else None
            found = found or find_backing_image(chain, args["top"])
            if found is None:
                raise QapiError(TOP_NOT_FOUND.format(args["top"]))
            top = found
        below = backing_chain(top)
        base: BlockNode | None
        if "base-node" in args:
            base = lookup(self.graph, None, args["base-node"])
            if base not in below[1:]:
                raise QapiError(NOT_BACKING_OF.format(args["base-node"], top.name))
        elif "base" in args:
            base = find_backing_image(below, args["base"])
            if base is None:
                raise QapiError(NOT_IN_CHAIN.format(args["base"]))
        else:
            base = below[-1]
        if base is top:
            raise QapiError(COMMIT_ITSELF)
        job_id = args.get("job-id", "")
        self.jobs.check_id(job_id)
        held = (*below[: below.index(base) + 1],)
        for node in held:
            self.jobs.check_not_busy(node)
        options = self._options(args)
        if top is active:
            # commit_active_start reopens the base read-write (it stays so).
            for node in (base, *base.children.values()):
                node.read_only = False
            mirror = ActiveCommit(self.graph, top, base, replace=self.replace)
            # Only what the layers above the base allocated is copied: all of a
            # host file, none of a qcow2 image (their clusters are not tracked).
            total = top.size if host_file(top) is not None else 0
            job = self.jobs.create(job_id, mirror, total=total, nodes=held, **options)
        else:
            commit = Commit(self.graph, top, base, parent_in_chain(chain, top))
            job = self.jobs.create(job_id, commit, total=top.size, nodes=held, **options)
        self.jobs.start(job)
