"""Jobs that are not block jobs: blockdev-create, x-blockdev-amend, snapshot-save/load/delete.

They are listed by query-jobs only, wait to be dismissed (QEMU makes them
with JOB_MANUAL_DISMISS) and count their progress as 0 of 1 until done.

- ``blockdev-create`` really creates ``file`` images (an empty file of the
  size asked) and ``qcow2`` images on a node over a host file (an empty
  image ``qemu-img`` reads, see :mod:`.qcow2_create`); on a null node
  there is nothing to write and the job succeeds as QEMU's does.  Other
  formats on host files are not written: the job fails with a text that
  says so (``x-qmonitor``).
- ``x-blockdev-amend`` changes nothing in the image: the job succeeds.
- The snapshot jobs are :class:`~qmonitor.machine.savevm.SnapshotJob`
  (they need the machine: they stop it and save its state).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from qmonitor.machine.block.graph import BlockGraph
from qmonitor.machine.block.job_cmds import lookup
from qmonitor.machine.block.job_drivers import host_file
from qmonitor.machine.block.jobs import Job, Step
from qmonitor.machine.block.qcow2_create import MAX_L1_ENTRIES, TOO_LARGE, l1_entries, qcow2_image
from qmonitor.qapi.error import QapiError

# Texts of block/file-posix.c, block/amend.c
CREATE_FAILED = "Could not create '{}': {}"
RESIZE_FAILED = "Could not resize file: {}"
QCOW2_SIZE_ALIGN = "Image size must be a multiple of 512 bytes"
QCOW2_CLUSTER_SIZE = "Cluster size must be a power of two between 512 and 2048k"
#: The cluster sizes qcow2 takes: powers of two from 512 bytes to 2 MiB.
QCOW2_CLUSTER_SIZES = frozenset(1 << bits for bits in range(9, 22))
AMEND_DRIVER = "x-blockdev-amend doesn't support changing the block driver"
AMEND_UNSUPPORTED = "Driver does not support x-blockdev-amend"
#: What qmonitor does not write (not QEMU's texts).
NOT_MODELLED_CREATE = "x-qmonitor: creating {} images on host files is not modelled"
NOT_MODELLED_CREATE_NULL = "x-qmonitor: creating {} images on null nodes is not modelled"
#: blockdev-create on a null-co node, driver by driver (QEMU 7.2's answers,
#: tests/golden/qmp/jobs.json case jobs_create_null): errors, and successes.
_NO_RESIZE = "Image format driver does not support resize"
NULL_CREATE_ERRORS = {
    "qcow2": "Image is not in qcow2 format",
    "qed": _NO_RESIZE,
    "vhdx": _NO_RESIZE,
    "vmdk": _NO_RESIZE,
}
NULL_CREATE_OK = frozenset({"vdi", "parallels", "qcow"})

#: Drivers x-blockdev-amend can amend (QEMU 7.2: qcow2 and luks).
AMEND_DRIVERS = frozenset({"qcow2", "luks"})


@dataclass
class OneShot:
    """A job whose work is one piece, done after one wait (or at once when it fails early)."""

    graph: BlockGraph
    args: dict[str, Any]
    job_type: str = "create"
    block = False
    _steps: int = field(default=0)

    def step(self, job: Job) -> Step:
        self._steps += 1
        if self._steps == 1:
            try:
                self.check(job)
            except QapiError as err:
                job.error = err.desc
                job.current = job.total
                return Step.DONE
            return Step.YIELD
        try:
            self.work(job)
        except QapiError as err:
            job.error = err.desc
        job.current = job.total
        return Step.DONE

    def check(self, job: Job) -> None:
        """What fails before the job's first wait."""

    def work(self, job: Job) -> None:
        """The job's work (raise QapiError to fail it)."""

    def complete(self, job: Job) -> None:
        raise AssertionError("never ready")

    def cancel(self, job: Job, force: bool) -> bool:
        return True

    def prepare(self, job: Job) -> str | None:
        return None

    def abort(self, job: Job) -> None:
        return None


class Create(OneShot):
    """blockdev-create."""

    def check(self, job: Job) -> None:
        options = self.args["options"]
        if options["driver"] != "file":
            ref = options["file"]
            if isinstance(ref, str):
                lookup(self.graph, ref, ref)
        if options["driver"] == "qcow2":
            if int(options["size"]) % 512:
                raise QapiError(QCOW2_SIZE_ALIGN)
            cluster = int(options.get("cluster-size", 65536))
            if cluster not in QCOW2_CLUSTER_SIZES:
                raise QapiError(QCOW2_CLUSTER_SIZE)

    def work(self, job: Job) -> None:
        options = self.args["options"]
        driver = options["driver"]
        if driver == "file":
            _create_file(options["filename"], int(options["size"]))
            return
        ref = options["file"]
        node = lookup(self.graph, ref, ref) if isinstance(ref, str) else None
        where = host_file(node) if node is not None else None
        if where is None:
            # On a node that reads zeroes and drops writes (null-co): what QEMU's
            # drivers make of an image they cannot read back.
            if driver in NULL_CREATE_ERRORS:
                raise QapiError(NULL_CREATE_ERRORS[driver])
            if driver not in NULL_CREATE_OK:
                raise QapiError(NOT_MODELLED_CREATE_NULL.format(driver))
            return
        if driver != "qcow2":
            raise QapiError(NOT_MODELLED_CREATE.format(driver))
        cluster = int(options.get("cluster-size", 65536))
        version = 2 if options.get("version") == "v2" else 3
        if l1_entries(int(options["size"]), cluster) > MAX_L1_ENTRIES:
            raise QapiError(TOO_LARGE)
        image = qcow2_image(
            int(options["size"]),
            cluster,
            version,
            options.get("backing-file", ""),
            options.get("backing-fmt", ""),
        )
        fd = os.open(where[0], os.O_WRONLY | os.O_CLOEXEC)
        try:
            os.pwrite(fd, image, where[1])
            # A file node's length is the file's (file-posix asks fstat each time).
            if node is not None and node.driver == "file":
                node.size = os.fstat(fd).st_size
        finally:
            os.close(fd)


def _create_file(filename: str, size: int) -> None:
    try:
        fd = os.open(filename, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as err:
        raise QapiError(CREATE_FAILED.format(filename, os.strerror(err.errno or 0))) from None
    try:
        os.ftruncate(fd, size)
    except OSError as err:
        raise QapiError(RESIZE_FAILED.format(os.strerror(err.errno or 0))) from None
    finally:
        os.close(fd)


class Amend(OneShot):
    """x-blockdev-amend: checked as QEMU checks it; the image is left as it is.

    With nothing to change, QEMU's amend finishes without waiting: all its
    events come before the command's reply.
    """

    def step(self, job: Job) -> Step:
        job.current = job.total
        return Step.DONE
