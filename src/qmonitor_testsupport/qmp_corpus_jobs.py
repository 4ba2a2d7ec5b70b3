"""The ``jobs`` theme of the QMP golden corpus: block jobs and their commands, with ``-S``.

Each job command with no arguments and with unknown nodes and jobs; whole
runs of mirror, backup, stream and commit on null-co nodes and on raw
images over host files that blockdev-create makes in the case's
directory; the job verbs in every status they meet; blockdev-create,
x-blockdev-amend, the snapshot jobs and transaction.  Events come in the
order QEMU sends them (timestamps are normalised by the driver).  Only
deterministic runs are here: no rate-limited job is queried mid-way, and
no node with a generated name is listed.  Imported by :mod:`.qmp_corpus`.
"""

from __future__ import annotations

from typing import Any

from qmonitor_testsupport.qmp_steps import FLOATING_REPLIES, NEG, PAUSED, PROBE, cmd, hmp, table

MIB = 1048576

#: The job commands, each with no arguments.
JOB_COMMANDS = (
    "block-commit", "drive-backup", "blockdev-backup", "drive-mirror", "blockdev-mirror",
    "block-stream", "block-job-set-speed", "block-job-cancel", "block-job-pause",
    "block-job-resume", "block-job-complete", "block-job-dismiss", "block-job-finalize",
    "blockdev-create", "x-blockdev-amend", "job-pause", "job-resume", "job-cancel",
    "job-complete", "job-dismiss", "job-finalize", "snapshot-save", "snapshot-load",
    "snapshot-delete", "transaction",
)  # fmt: skip


def _null(name: str, size: int | None = MIB) -> Any:
    args: dict[str, Any] = {"driver": "null-co", "node-name": name}
    if size is not None:
        args["size"] = size
    return cmd("blockdev-add", args, f"add-{name}")


def _job(execute: str, rid: str, /, **args: Any) -> Any:
    """Request ``rid`` with its arguments named in Python (``job_id`` for ``job-id``)."""
    return cmd(execute, {k.replace("_", "-"): v for k, v in args.items()}, rid)


def _raw_file(name: str, size: int = MIB) -> tuple[Any, ...]:
    """A host file made by blockdev-create, and a raw node over it."""
    return (
        _job("blockdev-create", f"create-{name}", job_id=f"c-{name}",
             options={"driver": "file", "filename": f"{name}.img", "size": size}),
        cmd("job-dismiss", {"id": f"c-{name}"}, f"dismiss-{name}"),
        cmd("blockdev-add", {"driver": "file", "node-name": f"f-{name}",
                             "filename": f"{name}.img"}, f"add-f-{name}"),
        cmd("blockdev-add", {"driver": "raw", "node-name": name, "file": f"f-{name}"},
            f"add-{name}"),
    )  # fmt: skip


def _qcow2(name: str, backing: str | None = None) -> tuple[Any, ...]:
    """An empty 1 MiB qcow2 image NAME.qcow2 made by blockdev-create (over a backing file)."""
    options: dict[str, Any] = {"driver": "qcow2", "file": f"f-{name}", "size": MIB}
    if backing is not None:
        options.update({"backing-file": backing, "backing-fmt": "qcow2"})
    return (
        _job("blockdev-create", f"create-{name}-file", job_id=f"cf-{name}",
             options={"driver": "file", "filename": f"{name}.qcow2", "size": 0}),
        cmd("blockdev-add", {"driver": "file", "node-name": f"f-{name}",
                             "filename": f"{name}.qcow2"}, f"add-f-{name}"),
        _job("blockdev-create", f"create-{name}", job_id=f"cq-{name}", options=options),
        cmd("blockdev-del", {"node-name": f"f-{name}"}, f"del-f-{name}"),
        cmd("job-dismiss", {"id": f"cf-{name}"}, f"dismiss-f-{name}"),
        cmd("job-dismiss", {"id": f"cq-{name}"}, f"dismiss-{name}"),
    )  # fmt: skip


QUERIES = (cmd("query-jobs", id="jobs"), cmd("query-block-jobs", id="block-jobs"))

table("jobs", [
    ("jobs_no_args", "Every job command without its arguments", NEG,
     *(cmd(name, id=name) for name in JOB_COMMANDS), *QUERIES, PAUSED),
    ("jobs_unknown", "Job commands on unknown nodes and jobs", NEG,
     _job("block-commit", "commit", device="nope"),
     _job("drive-backup", "drive-backup", device="nope", target="x.img", sync="full"),
     _job("blockdev-backup", "backup", device="nope", target="t", sync="full"),
     _job("drive-mirror", "drive-mirror", device="nope", target="x.img", sync="full"),
     _job("blockdev-mirror", "mirror", device="nope", target="t", sync="full"),
     _job("block-stream", "stream", device="nope"),
     _job("block-job-set-speed", "set-speed", device="nope", speed=1),
     *(_job(f"block-job-{v}", v, device="nope")
       for v in ("cancel", "pause", "resume", "complete")),
     _job("block-job-dismiss", "bj-dismiss", id="nope"),
     _job("block-job-finalize", "bj-finalize", id="nope"),
     *(_job(f"job-{v}", f"job-{v}", id="nope")
       for v in ("pause", "resume", "cancel", "complete", "dismiss", "finalize")),
     _job("x-blockdev-amend", "amend", job_id="a0", node_name="nope",
          options={"driver": "qcow2"}),
     _job("blockdev-create", "create", job_id="c0",
          options={"driver": "qcow2", "file": "nope", "size": MIB}),
     *QUERIES, PAUSED),
    ("jobs_checks", "What the job starters check on null-co nodes, in QEMU's order", NEG,
     _null("n0"), _null("n1", 2 * MIB), _null("n2"),
     _job("block-commit", "commit", device="n0"),
     _job("block-commit", "commit-top", device="n0", job_id="x", top="n1"),
     _job("block-commit", "commit-base", device="n0", job_id="x", base="n1"),
     _job("block-stream", "stream-no-id", device="n0"),
     _job("block-stream", "stream-base", device="n0", job_id="x", base="n1"),
     _job("block-stream", "stream-base-node", device="n0", job_id="x", base_node="n1"),
     _job("block-stream", "stream-both", device="n0", job_id="x", base="a", base_node="n1"),
     _job("blockdev-mirror", "mirror-no-id", device="n0", target="n2", sync="full"),
     _job("blockdev-mirror", "mirror-itself", device="n0", target="n0", sync="full",
          job_id="m"),
     _job("blockdev-mirror", "mirror-bad-id", device="n0", target="n2", sync="full",
          job_id="1m"),
     _job("blockdev-backup", "backup-sizes", device="n0", target="n1", sync="full",
          job_id="b"),
     _job("blockdev-backup", "backup-no-id", device="n0", target="n2", sync="full"),
     _job("drive-backup", "drive-backup-fmt", device="n0", target="x.img", sync="full"),
     _job("drive-mirror", "drive-mirror-fmt", device="n0", target="x.img", sync="full"),
     _job("drive-mirror", "drive-mirror-missing", device="n0", target="missing.img",
          sync="full", mode="existing", job_id="d"),
     _job("drive-mirror", "drive-mirror-no-dir", device="n0", target="no/x.img", sync="full",
          format="raw", job_id="d"),
     _job("drive-backup", "drive-backup-no-dir", device="n0", target="no/x.img", sync="full",
          format="raw", job_id="d"),
     *QUERIES, PAUSED),
    ("jobs_mirror_null", "A mirror between null-co nodes: ready at once, then completed",
     NEG, _null("src"), _null("tgt"),
     _job("blockdev-mirror", "mirror", job_id="j0", device="src", target="tgt", sync="full"),
     *QUERIES, cmd("job-complete", {"id": "j0"}, "complete"), *QUERIES, PAUSED),
    ("jobs_mirror_null_big", "A mirror of 1 GiB null-co nodes: ready after the reply; "
     "a cancel finishes it without switching over", NEG, _null("src", None), _null("tgt", None),
     _job("blockdev-mirror", "mirror", job_id="j1", device="src", target="tgt", sync="full"),
     *QUERIES, _job("block-job-cancel", "cancel", device="j1"), *QUERIES, PAUSED),
    ("jobs_mirror_sizes", "A mirror between nodes of different sizes fails in its run", NEG,
     _null("n0"), _null("n1", 2 * MIB),
     _job("blockdev-mirror", "mirror", job_id="m", device="n0", target="n1", sync="full"),
     *QUERIES, PAUSED),
    ("jobs_verbs", "The verbs on a ready mirror kept after it concludes", NEG,
     _null("n0"), _null("n2"),
     _job("blockdev-mirror", "mirror", job_id="m5", device="n0", target="n2", sync="full",
          auto_dismiss=False),
     _job("job-dismiss", "dismiss-ready", id="m5"),
     _job("job-finalize", "finalize-ready", id="m5"),
     _job("job-pause", "pause", id="m5"), _job("job-pause", "pause-again", id="m5"),
     *QUERIES,
     _job("block-job-cancel", "cancel-paused", device="m5"),
     _job("job-complete", "complete-paused", id="m5"),
     _job("job-resume", "resume", id="m5"), _job("job-resume", "resume-again", id="m5"),
     _job("block-job-set-speed", "speed-negative", device="m5", speed=-1),
     _job("block-job-set-speed", "speed", device="m5", speed=MIB),
     _job("blockdev-mirror", "busy", job_id="m6", device="n0", target="n2", sync="full"),
     _job("block-job-cancel", "cancel", device="m5", force=True),
     *QUERIES, _job("job-cancel", "cancel-concluded", id="m5"),
     _job("block-job-dismiss", "dismiss", id="m5"), *QUERIES, PAUSED),
    ("jobs_backup_null", "Backups between null-co nodes: they start drained and finish at once",
     NEG, _null("src"), _null("tgt"), _null("big", None), _null("big2", None),
     _job("blockdev-mirror", "mirror", job_id="m", device="big", target="big2", sync="full"),
     _job("blockdev-backup", "backup", job_id="j0", device="src", target="tgt", sync="full"),
     _job("blockdev-backup", "backup-manual", job_id="j1", device="src", target="tgt",
          sync="full", auto_finalize=False, auto_dismiss=False),
     *QUERIES, _job("job-finalize", "finalize", id="j1"), *QUERIES,
     _job("job-dismiss", "dismiss", id="j1"), *QUERIES, PAUSED),
    ("jobs_stream_null", "A stream of a null-co node without backing: nothing to copy", NEG,
     _null("n0"), _job("block-stream", "stream", job_id="s", device="n0"), *QUERIES, PAUSED),
    ("jobs_raw", "Mirror and backup between raw images over host files", NEG,
     *_raw_file("a"), *_raw_file("b"), *_raw_file("c", 2 * MIB),
     _job("blockdev-mirror", "mirror-file", job_id="m3", device="f-a", target="b",
          sync="full"),
     _job("blockdev-mirror", "mirror", job_id="m2", device="a", target="b", sync="full"),
     *QUERIES, _job("block-job-complete", "complete", device="m2"),
     _job("blockdev-backup", "backup", job_id="b2", device="a", target="b", sync="full"),
     _job("blockdev-backup", "backup-sizes", job_id="b3", device="a", target="c",
          sync="full"),
     _job("blockdev-mirror", "mirror-sizes", job_id="m4", device="a", target="c", sync="full"),
     *QUERIES, PAUSED),
    ("jobs_create", "blockdev-create: files, qcow2 images, x-blockdev-amend, dismissing", NEG,
     _null("n0"),
     _job("blockdev-create", "file", job_id="c1",
          options={"driver": "file", "filename": "new.img", "size": MIB}),
     *QUERIES,
     _job("blockdev-create", "vdi-null", job_id="c2",
          options={"driver": "vdi", "file": "n0", "size": MIB}),
     cmd("blockdev-add", {"driver": "file", "node-name": "f", "filename": "new.img"}, "add-f"),
     _job("blockdev-create", "qcow2", job_id="c3",
          options={"driver": "qcow2", "file": "f", "size": 4 * MIB}),
     _job("blockdev-create", "dup-id", job_id="c3",
          options={"driver": "file", "filename": "new2.img", "size": MIB}),
     *QUERIES,
     _job("job-dismiss", "dismiss", id="c3"), _job("job-dismiss", "dismiss-again", id="c3"),
     cmd("blockdev-add", {"driver": "qcow2", "node-name": "q", "file": "f"}, "add-q"),
     _job("x-blockdev-amend", "amend-raw", job_id="a0", node_name="f",
          options={"driver": "qcow2"}),
     _job("x-blockdev-amend", "amend", job_id="a1", node_name="q",
          options={"driver": "qcow2"}),
     cmd("query-named-block-nodes", {"flat": True}, "nodes"), *QUERIES, PAUSED),
    ("jobs_qcow2_chain", "Streaming a qcow2 image made over a backing file drops the backing",
     NEG,
     _job("blockdev-create", "base-file", job_id="c1",
          options={"driver": "file", "filename": "base.qcow2", "size": 0}),
     _job("blockdev-create", "top-file", job_id="c2",
          options={"driver": "file", "filename": "top.qcow2", "size": 0}),
     cmd("blockdev-add", {"driver": "file", "node-name": "fb", "filename": "base.qcow2"},
         "add-fb"),
     cmd("blockdev-add", {"driver": "file", "node-name": "ft", "filename": "top.qcow2"},
         "add-ft"),
     _job("blockdev-create", "base", job_id="c3",
          options={"driver": "qcow2", "file": "fb", "size": MIB}),
     _job("blockdev-create", "top", job_id="c4",
          options={"driver": "qcow2", "file": "ft", "size": MIB,
                   "backing-file": "base.qcow2", "backing-fmt": "qcow2"}),
     cmd("blockdev-add", {"driver": "qcow2", "node-name": "base", "file": "fb"}, "add-base"),
     cmd("blockdev-add", {"driver": "qcow2", "node-name": "top", "file": "ft",
                          "backing": "base"}, "add-top"),
     _job("block-commit", "commit-active-id", device="top"),
     _job("block-stream", "stream", job_id="st", device="top"),
     cmd("query-named-block-nodes", {"flat": True}, "nodes"), *QUERIES, PAUSED),
    ("jobs_snapshot", "The snapshot jobs on a machine without a disk that can hold snapshots",
     NEG, _null("n0"),
     _job("snapshot-save", "save-none", job_id="s0", tag="t", vmstate="n0", devices=[]),
     _job("snapshot-load", "load-none", job_id="s1", tag="t", vmstate="n0", devices=[]),
     _job("snapshot-delete", "delete-none", job_id="s2", tag="t", devices=[]),
     _job("snapshot-save", "save-null", job_id="s3", tag="t", vmstate="n0", devices=["n0"]),
     _job("snapshot-delete", "delete-nope", job_id="s4", tag="t", devices=["nope"]),
     _job("snapshot-save", "dup", job_id="s4", tag="t", vmstate="n0", devices=["n0"]),
     *QUERIES, PAUSED),
    ("jobs_transaction", "transaction: the abort action, backups alone and grouped", NEG,
     _null("n0"), _null("n2"),
     cmd("transaction", {"actions": []}, "empty"),
     cmd("transaction", {"actions": [{"type": "abort", "data": {}}]}, "abort"),
     cmd("transaction", {"actions": [{"type": "nope", "data": {}}]}, "bad-type"),
     cmd("transaction", {"actions": [{"type": "blockdev-backup", "data": {
         "device": "nope", "target": "t", "sync": "full"}}]}, "unknown"),
     cmd("transaction", {"actions": [{"type": "block-dirty-bitmap-add", "data": {
         "node": "nope", "name": "b"}}]}, "bitmap-unknown"),
     cmd("transaction", {"actions": [
         {"type": "blockdev-backup", "data": {"device": "n0", "target": "n2", "sync": "full",
                                              "job-id": "t1"}},
         {"type": "abort", "data": {}}]}, "backup-abort"),
     cmd("transaction", {"actions": [
         {"type": "blockdev-backup", "data": {"device": "n0", "target": "n2", "sync": "full",
                                              "job-id": "t1", "auto-finalize": False}},
         {"type": "blockdev-backup", "data": {"device": "n2", "target": "n0", "sync": "full",
                                              "job-id": "t2"}}],
         "properties": {"completion-mode": "grouped"}}, "busy"),
     cmd("transaction", {"actions": [
         {"type": "blockdev-backup", "data": {"device": "n0", "target": "n2", "sync": "full",
                                              "job-id": "t3", "auto-finalize": False}}],
         "properties": {"completion-mode": "grouped"}}, "grouped"),
     *QUERIES, _job("job-finalize", "finalize", id="t3"), *QUERIES, PROBE, PAUSED),
    # An active commit is left out: whether QEMU's is ready before its reply varies.
    ("jobs_commit_chain", "Commits down a chain of three qcow2 images, drive-mirror and "
     "drive-backup over them, and what transaction actions check first", NEG,
     *_qcow2("c1"), *_qcow2("c2", "c1.qcow2"), *_qcow2("c3", "c2.qcow2"),
     cmd("blockdev-add", {"driver": "qcow2", "node-name": "top",
                          "file": {"driver": "file", "filename": "c3.qcow2"}}, "add-top"),
     _job("block-commit", "commit-top-nope", device="top", job_id="c", top="nope.qcow2"),
     _job("block-commit", "commit-base-nope", device="top", job_id="c", base="nope.qcow2"),
     _job("block-commit", "commit", device="top", job_id="c", top="c2.qcow2"),
     *QUERIES,
     _job("drive-mirror", "drive-mirror", device="top", target="dm.img", sync="full",
          format="raw", job_id="dm"),
     _job("drive-mirror", "drive-mirror-busy", device="top", target="dm.img", sync="full",
          format="raw", mode="existing", job_id="dm2"),
     _job("drive-backup", "drive-backup-busy", device="top", target="db.img", sync="full",
          format="raw", job_id="db"),
     cmd("transaction", {"actions": [{"type": "blockdev-snapshot-sync", "data": {
         "device": "nope", "snapshot-file": "s.qcow2"}}]}, "snapshot-sync"),
     cmd("transaction", {"actions": [{"type": "blockdev-snapshot", "data": {
         "node": "nope", "overlay": "x"}}]}, "snapshot"),
     cmd("transaction", {"actions": [{"type": "blockdev-snapshot-internal-sync", "data": {
         "device": "nope", "name": "x"}}]}, "snapshot-internal"),
     cmd("transaction", {"actions": [{"type": "block-dirty-bitmap-remove", "data": {
         "node": "nope", "name": "x"}}]}, "bitmap-remove"),
     cmd("transaction", {"actions": [{"type": "block-dirty-bitmap-merge", "data": {
         "node": "nope", "target": "x", "bitmaps": []}}]}, "bitmap-merge"),
     cmd("transaction", {"actions": [{"type": "drive-backup", "data": {
         "device": "nope", "target": "x", "sync": "full"}}]}, "drive-backup"),
     *QUERIES, PAUSED),
    ("jobs_mirror_kinds", "Mirrors from qcow2, null and raw sources; drained sections pause "
     "every job in node order; mirror checks on nodes jobs hold", NEG,
     *_qcow2("q1"),
     cmd("blockdev-add", {"driver": "qcow2", "node-name": "q",
                          "file": {"driver": "file", "filename": "q1.qcow2"}}, "add-q"),
     _null("n"), _null("n2"), *_raw_file("ra"), *_raw_file("rb"),
     _job("blockdev-mirror", "qcow2-null", device="q", target="n", sync="full", job_id="m1"),
     _job("blockdev-mirror", "null-raw", device="n2", target="rb", sync="full", job_id="m2"),
     _job("drive-mirror", "raw-new", device="ra", target="dm.img", sync="full", format="raw",
          job_id="m3"),
     *QUERIES,
     _job("blockdev-backup", "backup-busy", device="q", target="n", sync="full", job_id="b1"),
     _job("blockdev-mirror", "held", device="n", target="q", sync="full", job_id="m4"),
     *QUERIES, PAUSED),
    ("jobs_create_null", "blockdev-create of each image format on a null-co node", NEG,
     _null("n0"),
     *(_job("blockdev-create", fmt, job_id=f"c-{fmt}",
            options={"driver": fmt, "file": "n0", "size": MIB})
       for fmt in ("qcow2", "qed", "vhdx", "vmdk", "vdi", "parallels", "qcow")),
     _job("blockdev-create", "qcow2-huge", job_id="c-huge",
          options={"driver": "qcow2", "file": "n0", "size": 1 << 60}),
     *QUERIES, PAUSED),
    ("jobs_hmp", "The block job HMP commands and info block-jobs", NEG,
     hmp("info block-jobs", "info-none"), _null("n0"), _null("n2"),
     hmp("block_stream n0", "stream"),
     _job("blockdev-mirror", "mirror", job_id="m", device="n0", target="n2", sync="full"),
     hmp("info block-jobs", "info"), hmp("block_job_set_speed m 1024", "speed"),
     hmp("block_job_set_speed m -1", "speed-negative"),
     hmp("block_job_pause m", "pause"), hmp("info block-jobs", "info-paused"),
     hmp("block_job_cancel m", "cancel-paused"), hmp("block_job_resume m", "resume"),
     hmp("block_job_complete m", "complete"), hmp("block_job_cancel nope", "cancel-nope"),
     hmp("info block-jobs", "info-after"), PAUSED),
])  # fmt: skip

# Jobs over qcow2 or file nodes reach READY (or conclude) before or after
# QEMU writes their reply depending on the host's I/O; qmonitor sends the
# recorded order, and live QEMU runs may put the reply anywhere among them.
FLOATING_REPLIES.update(
    {
        "jobs_commit_chain": frozenset({"commit", "drive-mirror"}),
        "jobs_mirror_kinds": frozenset({"qcow2-null", "null-raw", "raw-new"}),
    }
)
