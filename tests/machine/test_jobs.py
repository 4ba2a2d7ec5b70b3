"""Jobs, sans IO: the status and verb tables, the verbs' errors, completion, transactions.

The event sequences are QEMU 7.2's (tests/golden/qmp/jobs.json has them
as QEMU sent them; these tests pin the rules behind them on a job list
driven by hand: events are collected, later slices wait in a list).
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from qmonitor.machine.block.commands import blockdev_add
from qmonitor.machine.block.graph import BlockGraph
from qmonitor.machine.block.job_cmds import JobCommands
from qmonitor.machine.block.jobs import TRANSITIONS, VERBS, JobList, JobStatus, JobVerb
from qmonitor.machine.block.transaction import Transactions
from qmonitor.qapi.error import ErrorClass, QapiError

MIB = 1048576


class Harness:
    """A graph, a job list whose events are recorded, and its pending slices."""

    def __init__(self) -> None:
        self.graph = BlockGraph(random.Random(3))
        self.events: list[tuple[str, dict[str, Any] | None]] = []
        self.pending: list[Callable[[], None]] = []
        self.warnings: list[str] = []
        self.jobs = JobList(self._emit, self)
        self.cmds = JobCommands(self.graph, self.jobs, self.warnings.append)
        self.txn = Transactions(self.graph, self.jobs, self.cmds)

    def _emit(self, event: str, data: dict[str, Any] | None = None) -> None:
        self.events.append((event, data))

    def later(self, delay_ns: int, callback: Callable[[], None]) -> None:
        """The scheduler: slices wait here, whatever their delay."""
        self.pending.append(callback)

    def take(self) -> list[str]:
        """The events so far, short: JOB_STATUS_CHANGE as its status, others by name."""
        out = []
        for event, data in self.events:
            assert data is not None
            out.append(data["status"] if event == "JOB_STATUS_CHANGE" else event)
        self.events.clear()
        return out

    def run_loop(self) -> None:
        """Run the pending slices until there are none (bounded)."""
        for _ in range(10_000):
            if not self.pending:
                return
            self.pending.pop(0)()
        raise AssertionError("jobs never settle")

    def null(self, name: str, size: int = MIB) -> None:
        blockdev_add(self.graph, {"driver": "null-co", "node-name": name, "size": size})


@pytest.fixture
def h() -> Harness:
    return Harness()


def _error(call: Callable[[], Any]) -> str:
    with pytest.raises(QapiError) as info:
        call()
    return info.value.desc


def test_tables_are_qemus() -> None:
    # job.c: a job is created from nothing; nothing follows null; concluded only goes to null.
    assert TRANSITIONS[JobStatus.UNDEFINED] == {JobStatus.CREATED}
    assert TRANSITIONS[JobStatus.NULL] == frozenset()
    assert TRANSITIONS[JobStatus.CONCLUDED] == {JobStatus.NULL}
    assert TRANSITIONS[JobStatus.READY] == {
        JobStatus.STANDBY,
        JobStatus.WAITING,
        JobStatus.ABORTING,
    }
    assert VERBS[JobVerb.COMPLETE] == {JobStatus.READY, JobStatus.STANDBY}
    assert VERBS[JobVerb.DISMISS] == {JobStatus.CONCLUDED}
    assert VERBS[JobVerb.FINALIZE] == {JobStatus.PENDING}
    assert JobStatus.ABORTING not in VERBS[JobVerb.CANCEL]


def test_mirror_on_small_null_nodes_is_ready_before_the_reply(h: Harness) -> None:
    h.null("src")
    h.null("tgt")
    h.cmds.blockdev_mirror({"job-id": "j0", "device": "src", "target": "tgt", "sync": "full"})
    assert h.take() == ["created", "running", "ready", "BLOCK_JOB_READY"]
    job = h.jobs.find("j0")
    h.jobs.complete(job)
    # The mirror drains its source first: its completion comes on the loop.
    assert h.take() == []
    h.run_loop()
    assert h.take() == ["waiting", "pending", "BLOCK_JOB_COMPLETED", "concluded", "null"]
    assert h.jobs.query_jobs() == []


def test_big_mirror_is_ready_later_and_a_soft_cancel_completes(h: Harness) -> None:
    h.null("src", 64 * MIB)
    h.null("tgt", 64 * MIB)
    h.cmds.blockdev_mirror({"job-id": "j1", "device": "src", "target": "tgt", "sync": "full"})
    assert h.take() == ["created", "running"]
    assert h.jobs.query_block_jobs()[0]["offset"] == 16 * MIB
    h.run_loop()
    assert h.take() == ["ready", "BLOCK_JOB_READY"]
    h.jobs.cancel(h.jobs.find_block("j1"), False)
    h.run_loop()
    assert h.take() == ["waiting", "pending", "BLOCK_JOB_COMPLETED", "concluded", "null"]


def test_verbs_and_their_errors(h: Harness) -> None:
    h.null("n0")
    h.null("n2")
    args = {"job-id": "m5", "device": "n0", "target": "n2", "sync": "full", "auto-dismiss": False}
    h.cmds.blockdev_mirror(args)
    job = h.jobs.find("m5")
    h.take()
    refused = "Job 'm5' in state 'ready' cannot accept command verb '{}'"
    assert _error(lambda: h.jobs.dismiss(job)) == refused.format("dismiss")
    assert _error(lambda: h.jobs.finalize(job)) == refused.format("finalize")
    h.jobs.pause(job)
    assert h.take() == ["standby"]
    assert _error(lambda: h.jobs.pause(job)) == "Job is already paused"
    assert h.jobs.query_block_jobs()[0]["paused"] is True
    h.jobs.complete(job)
    h.jobs.resume(job)
    assert h.take() == ["ready"]
    h.run_loop()
    assert h.take() == ["waiting", "pending", "BLOCK_JOB_COMPLETED", "concluded"]
    assert _error(lambda: h.jobs.resume(job)) == "Can't resume a job that was not paused"
    concluded = "Job 'm5' in state 'concluded' cannot accept command verb '{}'"
    assert _error(lambda: h.jobs.set_speed(job, 1)) == concluded.format("set-speed")
    assert _error(lambda: h.jobs.cancel(job, True)) == concluded.format("cancel")
    h.jobs.dismiss(job)
    assert h.take() == ["null"]
    assert _error(lambda: h.jobs.find("m5")) == "Job not found"
    with pytest.raises(QapiError) as info:
        h.jobs.find_block("m5")
    assert info.value.error_class is ErrorClass.DEVICE_NOT_ACTIVE
    assert info.value.desc == "Block job 'm5' not found"


def test_job_ids_and_busy_nodes(h: Harness) -> None:
    h.null("n0")
    h.null("n2")
    mirror = {"device": "n0", "target": "n2", "sync": "full"}
    assert _error(lambda: h.cmds.blockdev_mirror(mirror)) == "Invalid job ID ''"
    assert _error(lambda: h.cmds.blockdev_mirror({**mirror, "job-id": "1m"})) == (
        "Invalid job ID '1m'"
    )
    assert _error(lambda: h.cmds.blockdev_mirror({**mirror, "target": "n0", "job-id": "m"})) == (
        "Can't mirror node into itself"
    )
    h.cmds.blockdev_mirror({**mirror, "job-id": "m"})
    # The job holds its nodes: the source is no root any more, the target is busy.
    assert _error(lambda: h.cmds.blockdev_mirror({**mirror, "job-id": "m2"})) == (
        "Need a root block node"
    )
    h.null("n3")
    other = {**mirror, "device": "n3", "job-id": "m2"}
    assert _error(lambda: h.cmds.blockdev_mirror(other)) == (
        "Node 'n2' is busy: block device is in use by block job: mirror"
    )
    assert _error(lambda: h.cmds.blockdev_mirror({**other, "granularity": 1000})) == (
        "Parameter 'granularity' expects a power of 2"
    )
    assert _error(lambda: h.cmds.blockdev_mirror({**other, "granularity": 256})) == (
        "Parameter 'granularity' expects a value in range [512B, 64MB]"
    )


def test_backup_starts_drained_and_other_jobs_pause(h: Harness) -> None:
    h.null("big", 64 * MIB)
    h.null("big2", 64 * MIB)
    h.null("src")
    h.null("tgt")
    h.cmds.blockdev_mirror({"job-id": "m", "device": "big", "target": "big2", "sync": "full"})
    h.run_loop()
    h.take()
    h.cmds.backup_command({"job-id": "b", "device": "src", "target": "tgt", "sync": "full"})
    assert h.take() == [
        "standby",
        "ready",
        "created",
        "running",
        "paused",
        "running",
        "waiting",
        "pending",
        "BLOCK_JOB_COMPLETED",
        "concluded",
        "null",
    ]
    assert len(h.warnings) == 1 and "65536 bytes" in h.warnings[0]


def test_manual_finalize_emits_pending(h: Harness) -> None:
    h.null("src")
    h.null("tgt")
    args = {"job-id": "b", "device": "src", "target": "tgt", "sync": "full"}
    h.cmds.backup_command({**args, "auto-finalize": False, "auto-dismiss": False})
    assert h.take()[-3:] == ["waiting", "pending", "BLOCK_JOB_PENDING"]
    h.jobs.finalize(h.jobs.find("b"))
    assert h.take() == ["BLOCK_JOB_COMPLETED", "concluded"]


def test_transaction_is_all_or_nothing(h: Harness) -> None:
    h.null("n0")
    h.null("n2")
    backup = {"device": "n0", "target": "n2", "sync": "full", "job-id": "t1"}
    actions = [{"type": "blockdev-backup", "data": backup}, {"type": "abort", "data": {}}]
    assert _error(lambda: h.txn.run({"actions": actions})) == (
        "Transaction aborted using Abort action"
    )
    # The backup was made, never started: cancelled without a BLOCK_JOB_CANCELLED.
    assert h.take() == ["created", "aborting", "concluded", "null"]
    assert h.jobs.query_jobs() == []


def test_grouped_transaction_waits_for_every_job(h: Harness) -> None:
    h.null("n0")
    h.null("n2")
    h.null("n3")
    h.null("n4")
    b1 = {"device": "n0", "target": "n2", "sync": "full", "job-id": "t1", "auto-finalize": False}
    b2 = {"device": "n3", "target": "n4", "sync": "full", "job-id": "t2"}
    h.txn.run(
        {
            "actions": [
                {"type": "blockdev-backup", "data": b1},
                {"type": "blockdev-backup", "data": b2},
            ],
            "properties": {"completion-mode": "grouped"},
        }
    )
    events = h.take()
    # Both wait for each other; t1 needs finalizing, so neither concludes yet.
    assert events.count("waiting") == 2 and events[-1] == "BLOCK_JOB_PENDING"
    assert {j["status"] for j in h.jobs.query_jobs()} == {"pending"}
    h.jobs.finalize(h.jobs.find("t2"))
    assert h.take().count("concluded") == 2


def test_raw_mirror_and_backup_copy_the_data(h: Harness, tmp_path: Path) -> None:
    data = random.Random(5).randbytes(MIB)
    for name, content in (("a", data), ("b", bytes(MIB)), ("c", bytes(MIB))):
        (tmp_path / f"{name}.img").write_bytes(content)
        blockdev_add(
            h.graph,
            {
                "driver": "raw",
                "node-name": name,
                "file": {"driver": "file", "filename": str(tmp_path / f"{name}.img")},
            },
        )
    h.cmds.blockdev_mirror({"job-id": "m", "device": "a", "target": "b", "sync": "full"})
    assert h.take() == ["created", "running"]  # host-file I/O waits: ready comes later
    h.run_loop()
    assert h.take() == ["ready", "BLOCK_JOB_READY"]
    assert (tmp_path / "b.img").read_bytes() == data
    h.jobs.complete(h.jobs.find("m"))
    h.run_loop()
    h.cmds.backup_command({"job-id": "k", "device": "a", "target": "c", "sync": "full"})
    h.run_loop()
    assert (tmp_path / "c.img").read_bytes() == data
    assert h.warnings == []  # raw over a file tells its cluster size


def test_rate_limited_backup_moves_a_chunk_per_slice(h: Harness) -> None:
    h.null("s", 8 * MIB)
    h.null("t", 8 * MIB)
    args = {"job-id": "b", "device": "s", "target": "t", "sync": "full", "speed": MIB}
    h.cmds.backup_command(args)
    assert h.jobs.query_block_jobs()[0]["offset"] == MIB
    h.jobs.set_speed(h.jobs.find("b"), 0)
    assert _error(lambda: h.jobs.set_speed(h.jobs.find("b"), -1)) == (
        "Parameter 'speed' expects a non-negative value"
    )
    h.jobs.cancel(h.jobs.find("b"), True)
    assert h.take()[-4:] == ["aborting", "BLOCK_JOB_CANCELLED", "concluded", "null"]


def test_completed_mirror_moves_its_users_to_the_target(h: Harness) -> None:
    # mirror_exit_common: a completed mirror's source parents take the target
    # (bdrv_replace_node); a cancelled one leaves them where they were.
    moved: list[tuple[str, str]] = []
    h.cmds.replace = lambda old, new: moved.append((old.name, new.name))
    for name in ("src", "tgt", "src2", "tgt2"):
        h.null(name)
    h.cmds.blockdev_mirror({"job-id": "m", "device": "src", "target": "tgt", "sync": "full"})
    h.jobs.complete(h.jobs.find("m"))
    h.run_loop()
    assert moved == [("src", "tgt")]
    h.cmds.blockdev_mirror({"job-id": "n", "device": "src2", "target": "tgt2", "sync": "full"})
    h.jobs.cancel(h.jobs.find("n"), False)
    h.run_loop()
    assert moved == [("src", "tgt")]


@pytest.mark.skipif(shutil.which("qemu-img") is None, reason="needs qemu-img")
def test_active_commit_grows_the_base_then_hands_it_the_users(h: Harness, tmp_path: Path) -> None:
    # mirror_run truncates a smaller base up to the top's length (host I/O:
    # ready only after the reply); completion moves the top's users to the base.
    import subprocess

    base, top = tmp_path / "base.qcow2", tmp_path / "top.qcow2"
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(base), "1M"], check=True)
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", str(base),
                    str(top), "2M"], check=True)  # fmt: skip
    moved: list[tuple[str, str]] = []
    h.cmds.replace = lambda old, new: moved.append((old.name, new.name))
    for name, path, backing in (("b", base, None), ("t", top, "b")):
        file = {"driver": "file", "filename": str(path)}
        blockdev_add(h.graph, {"driver": "qcow2", "node-name": name, "file": file,
                               "backing": backing})  # fmt: skip
    h.cmds.block_commit({"job-id": "c", "device": "t"})
    assert h.take() == ["created", "running"]
    assert h.graph.nodes["b"].size == 2 * MIB
    h.run_loop()
    assert h.take() == ["ready", "BLOCK_JOB_READY"]
    h.jobs.complete(h.jobs.find("c"))
    h.run_loop()
    assert moved == [("t", "b")]


def test_a_node_only_devices_use_is_a_root_node(h: Harness) -> None:
    # qmp_get_root_bs → bdrv_is_root_node: BlockBackend parents do not count.
    h.null("src")
    h.null("tgt")
    h.graph.nodes["src"].parents += 1  # as a device's drive holds it
    h.graph.nodes["src"].backends += 1
    h.cmds.blockdev_mirror({"job-id": "m", "device": "src", "target": "tgt", "sync": "full"})
    assert h.take() == ["created", "running", "ready", "BLOCK_JOB_READY"]
    h.null("child")
    h.null("other")
    h.graph.nodes["child"].parents += 1  # as a node's child
    args = {"job-id": "n", "device": "child", "target": "other", "sync": "full"}
    assert _error(lambda: h.cmds.blockdev_mirror(args)) == "Need a root block node"


@pytest.mark.skipif(shutil.which("qemu-io") is None, reason="needs qemu-io and qemu-img")
@pytest.mark.parametrize(("offset", "length"), [(0, 2 * MIB), (65536, 200_000), (MIB, 512)])
def test_zeroes_into_qcow2_are_qemus(tmp_path: Path, offset: int, length: int) -> None:
    # What a mirror writes where its source reads zeroes: the same image
    # bytes as QEMU's qcow2 zero write (qemu-io write -z).
    import subprocess

    from qmonitor.machine.block.qcow2_image import zero_clusters

    theirs, ours = tmp_path / "theirs.qcow2", tmp_path / "ours.qcow2"
    for path in (theirs, ours):
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(path), "2M"], check=True)
    subprocess.run(["qemu-io", "-c", f"write -z {offset} {length}", str(theirs)],
                   check=True, capture_output=True)  # fmt: skip
    zero_clusters(str(ours), offset, length)
    assert ours.read_bytes() == theirs.read_bytes()
