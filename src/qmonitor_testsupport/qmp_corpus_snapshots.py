"""The ``snapshots`` theme of the QMP golden corpus: internal snapshots on qcow2 images, ``-S``.

HMP ``savevm``, ``loadvm``, ``delvm`` and ``info snapshots`` (through
human-monitor-command), blockdev-snapshot-internal-sync and the
snapshot-save/-load/-delete jobs on 1 MiB qcow2 images that
blockdev-create makes in the case's directory.  Only what is the same in
every run is here: no listing of snapshots (their dates and VM clocks
vary) and no reply carrying a snapshot's date.  Imported by
:mod:`.qmp_corpus`.
"""

from __future__ import annotations

from typing import Any

from qmonitor_testsupport.qmp_corpus_jobs import QUERIES, _job, _qcow2, _raw_file
from qmonitor_testsupport.qmp_steps import NEG, PAUSED, Opts, cmd, hmp, table


def _node(name: str, image: str, read_only: bool = False) -> Any:
    file = {"driver": "file", "filename": f"{image}.qcow2"}
    args = {"driver": "qcow2", "node-name": name, "file": file, "read-only": read_only}
    return cmd("blockdev-add", args, f"add-{name}")


def _internal(device: str, name: str) -> Any:
    return cmd("blockdev-snapshot-internal-sync", {"device": device, "name": name},
               f"internal-{device}-{name}")  # fmt: skip


table("snapshots", [
    ("snapshots_no_disk", "savevm, loadvm, delvm and info snapshots without any disk", NEG,
     hmp("info snapshots", "info"), hmp("savevm s", "savevm"), hmp("savevm", "savevm-auto"),
     hmp("loadvm s", "loadvm"), hmp("delvm s", "delvm"), PAUSED),
    ("snapshots_qcow2", "Snapshots on two qcow2 images: disk-only ones, savevm over them, "
     "the jobs, deleting on one image only, a read-only image left out", NEG,
     *_qcow2("a"), *_qcow2("b"), *_qcow2("c"),
     _node("qa", "a"), _node("qb", "b"), _node("qc", "c", read_only=True),
     hmp("info snapshots", "info-none"),
     _internal("qa", "d1"), _internal("qa", "d1"), _internal("qc", "d1"),
     hmp("loadvm d1", "loadvm-partial"),
     _internal("qb", "d1"),
     hmp("loadvm d1", "loadvm-disk-only"),
     hmp("savevm d1", "savevm-over"),
     _job("snapshot-save", "save-exists", job_id="j1", tag="d1", vmstate="qa",
          devices=["qa", "qb"]),
     _job("snapshot-load", "load", job_id="j2", tag="d1", vmstate="qa", devices=["qa", "qb"]),
     _job("snapshot-load", "load-disk-only", job_id="j3", tag="d1", vmstate="qb",
          devices=["qa", "qb"]),
     _job("snapshot-save", "save-read-only", job_id="j4", tag="t", vmstate="qc",
          devices=["qc"]),
     _job("snapshot-save", "save-vmstate-outside", job_id="j5", tag="t", vmstate="qb",
          devices=["qa"]),
     _job("snapshot-delete", "delete-one", job_id="j6", tag="d1", devices=["qa"]),
     hmp("loadvm d1", "loadvm-deleted"),
     _job("snapshot-save", "save", job_id="j7", tag="j7", vmstate="qb", devices=["qb"]),
     hmp("loadvm j7", "loadvm-partial-job"),
     hmp("delvm d1", "delvm"), hmp("delvm j7", "delvm-job"), hmp("delvm j7", "delvm-again"),
     hmp("info snapshots", "info-none-again"),
     hmp("snapshot_blkdev_internal qa h1", "hmp-internal"),
     hmp("snapshot_blkdev_internal qa h1", "hmp-internal-again"),
     hmp("snapshot_blkdev_internal qc h1", "hmp-internal-read-only"),
     hmp("snapshot_blkdev_internal nope h1", "hmp-internal-nope"),
     hmp("snapshot_delete_blkdev_internal qa h1 9", "hmp-delete-wrong-id"),
     hmp("snapshot_delete_blkdev_internal qa h1", "hmp-delete"),
     hmp("snapshot_delete_blkdev_internal qa h1", "hmp-delete-again"),
     *_raw_file("r"),
     hmp("savevm x", "savevm-raw"), hmp("info snapshots", "info-raw"),
     *QUERIES, PAUSED),
    ("snapshots_device", "savevm, loadvm and delvm with the image behind a device, as "
     "libvirt attaches it (the node is a BlockBackend's root, not monitor-owned alone)", NEG,
     *_qcow2("a"), _node("qa", "a"),
     cmd("device_add", {"driver": "virtio-blk-pci", "drive": "qa", "id": "vda"}, "attach"),
     hmp("savevm s1", "savevm"), hmp("savevm s1", "savevm-again"),
     hmp("loadvm s1", "loadvm"), hmp("delvm s1", "delvm"), hmp("loadvm s1", "loadvm-deleted"),
     hmp("info snapshots", "info-none"),
     cmd("migrate-set-capabilities",
         {"capabilities": [{"capability": "events", "state": True}]}, "events-on"),
     hmp("savevm s2", "savevm-events"), hmp("delvm s2", "delvm-events"),
     cmd("migrate-set-capabilities",
         {"capabilities": [{"capability": "block", "state": True}]}, "block-on"),
     hmp("savevm s3", "savevm-block"), hmp("info snapshots", "info-none-block"),
     PAUSED, Opts(("-M", "pc"))),
])  # fmt: skip
