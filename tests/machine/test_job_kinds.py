"""blockdev-create's images, the snapshot jobs' errors, and a stream rewriting a qcow2 header.

``qemu-img`` (when installed) is the judge of the images written.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from qmonitor.machine.block.commands import blockdev_add
from qmonitor.machine.block.graph import BlockGraph
from qmonitor.machine.block.job_cmds import JobCommands
from qmonitor.machine.block.job_kinds import Create
from qmonitor.machine.block.jobs import JobList
from qmonitor.machine.block.qcow2 import parse_header
from qmonitor.machine.block.qcow2_create import qcow2_image
from qmonitor.machine.savevm import SnapshotJob
from qmonitor.qapi.error import ErrorClass, QapiError

MIB = 1048576
QEMU_IMG = shutil.which("qemu-img")


class Jobs:
    def __init__(self) -> None:
        self.graph = BlockGraph(random.Random(1))
        self.events: list[str] = []
        self.pending: list[Callable[[], None]] = []
        self.jobs = JobList(self._emit, self)
        self.cmds = JobCommands(self.graph, self.jobs, lambda text: None)

    def _emit(self, event: str, data: dict[str, Any] | None = None) -> None:
        assert data is not None
        self.events.append(data.get("status", event))

    def later(self, delay_ns: int, callback: Callable[[], None]) -> None:
        self.pending.append(callback)

    def settle(self) -> None:
        for _ in range(1000):
            if not self.pending:
                return
            self.pending.pop(0)()
        raise AssertionError("jobs never settle")

    def one_shot(self, kind: type[Create], job_type: str, job_id: str, **args: Any) -> None:
        job = self.jobs.create(
            job_id, kind(self.graph, args, job_type), total=1, auto_dismiss=False
        )
        self.jobs.start(job)
        self.settle()


def _info(path: Path) -> dict[str, Any]:
    """``qemu-img info`` of an image the machine may hold open (and locked, as QEMU does)."""
    assert QEMU_IMG is not None
    out = subprocess.run(
        [QEMU_IMG, "info", "-U", "--output=json", str(path)], capture_output=True, check=True
    )
    info: dict[str, Any] = json.loads(out.stdout)
    return info


@pytest.mark.parametrize("version", [2, 3])
def test_qcow2_image_reads_back(version: int) -> None:
    header = parse_header(qcow2_image(4 * MIB, version=version, backing_file="b.qcow2"))
    assert (header.version, header.size, header.cluster_size) == (version, 4 * MIB, 65536)
    assert header.backing_file == "b.qcow2"


@pytest.mark.skipif(QEMU_IMG is None, reason="qemu-img is not installed")
def test_blockdev_create_writes_images_qemu_img_reads(tmp_path: Path) -> None:
    j = Jobs()
    image = tmp_path / "new.img"
    j.one_shot(
        Create, "create", "c1", options={"driver": "file", "filename": str(image), "size": MIB}
    )
    assert image.stat().st_size == MIB
    assert j.events == ["created", "running", "waiting", "pending", "concluded"]
    blockdev_add(j.graph, {"driver": "file", "node-name": "f", "filename": str(image)})
    j.one_shot(
        Create,
        "create",
        "c2",
        options={
            "driver": "qcow2",
            "file": "f",
            "size": 4 * MIB,
            "backing-file": "base.qcow2",
            "backing-fmt": "qcow2",
        },
    )
    info = _info(image)
    assert (info["format"], info["virtual-size"]) == ("qcow2", 4 * MIB)
    assert (info["backing-filename"], info["backing-filename-format"]) == ("base.qcow2", "qcow2")
    assert j.graph.nodes["f"].size == image.stat().st_size
    (tmp_path / "base.qcow2").write_bytes(qcow2_image(4 * MIB))
    check = subprocess.run([QEMU_IMG, "check", str(image)], capture_output=True)
    assert check.returncode == 0, check.stdout


def test_blockdev_create_errors_are_the_jobs(tmp_path: Path) -> None:
    j = Jobs()
    j.one_shot(Create, "create", "c0", options={"driver": "qcow2", "file": "nope", "size": MIB})
    # The lookup fails before the job's first wait: no waiting, no pending.
    assert j.events == ["created", "running", "aborting", "concluded"]
    assert j.jobs.query_jobs()[0]["error"] == "Cannot find device='nope' nor node-name='nope'"
    missing = tmp_path / "no" / "dir.img"
    j.one_shot(
        Create, "create", "c1", options={"driver": "file", "filename": str(missing), "size": 1}
    )
    assert j.jobs.query_jobs()[0]["error"] == (
        f"Could not create '{missing}': No such file or directory"
    )


@pytest.mark.parametrize(
    ("devices", "error"),
    [
        ([], "At least one device is required for snapshot"),
        (["nope"], "No block device node 'nope'"),
        (["n0"], "Device 'n0' is writable but does not support snapshots"),
    ],
)
def test_snapshot_jobs_fail_as_qemus_do(devices: list[str], error: str) -> None:
    j = Jobs()
    blockdev_add(j.graph, {"driver": "null-co", "node-name": "n0"})
    j.jobs.check_id("s0")
    args = {"tag": "t", "vmstate": "n0", "devices": devices}
    job = j.jobs.create("s0", SnapshotJob(j.graph, args, "snapshot-save"), total=1)
    j.jobs.start(job)
    assert j.events == ["created", "running"]  # its work runs in a bottom half, after the reply
    j.settle()
    assert j.events[2:] == ["aborting", "concluded", "null"]


@pytest.mark.skipif(QEMU_IMG is None, reason="qemu-img is not installed")
def test_stream_drops_the_backing_file(tmp_path: Path) -> None:
    base, top = tmp_path / "base.qcow2", tmp_path / "top.qcow2"
    base.write_bytes(qcow2_image(MIB))
    top.write_bytes(qcow2_image(MIB, backing_file=str(base), backing_format="qcow2"))
    j = Jobs()
    blockdev_add(
        j.graph,
        {"driver": "qcow2", "node-name": "top", "file": {"driver": "file", "filename": str(top)}},
    )
    assert "backing" in j.graph.nodes["top"].children
    j.cmds.block_stream({"job-id": "st", "device": "top"})
    j.settle()
    assert "backing" not in j.graph.nodes["top"].children
    assert "backing-filename" not in _info(top)
    assert len(j.graph.nodes) == 2  # top and its file: the inline backing nodes are gone


def test_commits_shorten_the_chain(tmp_path: Path) -> None:
    """An intermediate commit drops a node from the chain; an active one becomes ready."""
    c1, c2, c3 = (tmp_path / f"c{i}.qcow2" for i in (1, 2, 3))
    c1.write_bytes(qcow2_image(MIB))
    c2.write_bytes(qcow2_image(MIB, backing_file=str(c1), backing_format="qcow2"))
    c3.write_bytes(qcow2_image(MIB, backing_file=str(c2), backing_format="qcow2"))
    j = Jobs()
    blockdev_add(
        j.graph,
        {"driver": "qcow2", "node-name": "top", "file": {"driver": "file", "filename": str(c3)}},
    )
    top = j.graph.nodes["top"]
    middle = top.children["backing"]
    j.cmds.block_commit({"job-id": "c", "device": "top", "top": str(c2)})
    assert j.events == ["created", "running"]  # qcow2 over host files: after the reply
    j.settle()
    assert j.events[2:] == ["waiting", "pending", "BLOCK_JOB_COMPLETED", "concluded", "null"]
    base = top.children["backing"]
    assert base is not middle and "backing" not in base.children
    assert top.header is not None and top.header.backing_file == str(c1)
    j.events.clear()
    j.cmds.block_commit({"job-id": "a", "device": "top"})
    # Nothing allocated to copy: ready at once; the base turned read-write.
    assert j.events == ["created", "running", "ready", "BLOCK_JOB_READY"]
    assert base.read_only is False
    j.jobs.complete(j.jobs.find("a"))
    j.settle()
    assert j.events[-1] == "null"
    with pytest.raises(QapiError) as info:
        j.cmds.block_commit({"job-id": "x", "device": "nope"})
    assert (info.value.error_class, info.value.desc) == (
        ErrorClass.DEVICE_NOT_FOUND,
        "Device 'nope' not found",
    )


def test_create_checks_and_host_errors(tmp_path: Path) -> None:
    j = Jobs()
    blockdev_add(j.graph, {"driver": "null-co", "node-name": "n0"})
    j.one_shot(Create, "create", "c0", options={"driver": "qcow2", "file": "n0", "size": 1000})
    assert j.jobs.query_jobs()[0]["error"] == "Image size must be a multiple of 512 bytes"
    j.one_shot(
        Create,
        "create",
        "c1",
        options={"driver": "qcow2", "file": "n0", "size": MIB, "cluster-size": 1000},
    )
    assert j.jobs.query_jobs()[0]["error"] == (
        "Cluster size must be a power of two between 512 and 2048k"
    )
    # Checked before the job's first wait: every event before the reply.
    assert j.events[-4:] == ["created", "running", "aborting", "concluded"]
    big = tmp_path / "big.img"
    j.one_shot(
        Create, "create", "c2", options={"driver": "file", "filename": str(big), "size": 1 << 62}
    )
    assert j.jobs.query_jobs()[0]["error"] == "Could not resize file: File too large"


def test_a_copy_whose_file_went_away_fails(tmp_path: Path) -> None:
    j = Jobs()
    for name in ("a", "b"):
        (tmp_path / f"{name}.img").write_bytes(bytes(MIB))
        blockdev_add(
            j.graph,
            {
                "driver": "raw",
                "node-name": name,
                "file": {"driver": "file", "filename": str(tmp_path / f"{name}.img")},
            },
        )
    j.cmds.blockdev_mirror({"job-id": "m", "device": "a", "target": "b", "sync": "full"})
    (tmp_path / "b.img").unlink()
    j.settle()
    # The error is reported, then the job fails: BLOCK_JOB_COMPLETED with the error.
    assert j.events[-5:] == [
        "BLOCK_JOB_ERROR",
        "aborting",
        "BLOCK_JOB_COMPLETED",
        "concluded",
        "null",
    ]


def test_a_qcow2_image_too_large_for_its_l1_table(tmp_path: Path) -> None:
    j = Jobs()
    image = tmp_path / "big.qcow2"
    image.write_bytes(b"")
    blockdev_add(j.graph, {"driver": "file", "node-name": "f", "filename": str(image)})
    j.one_shot(Create, "create", "c", options={"driver": "qcow2", "file": "f", "size": 1 << 60})
    assert j.jobs.query_jobs()[0]["error"] == (
        "Could not resize image: Failed to grow the L1 table: File too large"
    )
    # (QEMU has written an empty image by then; the file is left untouched here.)
