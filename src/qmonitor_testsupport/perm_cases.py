"""The block permission sessions tools/record_perms.py plays against QEMU 7.2 (and tests replay).

:data:`CASES` are (name, arguments, requests): a node taken by a device
and then by a second user that wants to write what the first does not
share, or that does not share what the first writes: a second device
(SCSI, IDE, virtio-blk, with and without ``share-rw``), a format node
opened over a protocol node in use, a writable NBD export of a node a
read-only device uses, a job whose target a device uses.  Each refusal
is QEMU's "Permission conflict" text naming both users.
:data:`CLI_ERRORS` are command lines QEMU refuses for the same reasons.
"""

from __future__ import annotations

from qmonitor_testsupport.pcdev_cases import Request, add, delete, hmp

_NULL = "null-co,node-name={},size={}"


def _qmp(execute: str, **arguments: object) -> Request:
    return (execute, dict(arguments))


def _blockdev(**options: object) -> Request:
    return ("blockdev-add", dict(options))


_NODES = (
    "-blockdev",
    _NULL.format("n0", 1 << 20),
    "-blockdev",
    _NULL.format("n1", 1 << 20),
    "-blockdev",
    _NULL.format("n2", 1 << 20),
)
_NBD_START = _qmp(
    "nbd-server-start", addr={"type": "inet", "data": {"host": "127.0.0.1", "port": "0"}}
)

CASES: list[tuple[str, tuple[str, ...], tuple[Request, ...]]] = [
    (
        "second_device",
        (
            "-M",
            "pc",
            "-nodefaults",
            "-device",
            "virtio-scsi-pci",
            *_NODES,
            "-device",
            "scsi-hd,drive=n0,id=a",
        ),
        (
            add(driver="scsi-hd", drive="n0", id="b"),
            add(driver="scsi-hd", drive="n0"),
            add(driver="scsi-cd", drive="n0", id="cd"),
            add(driver="scsi-hd", drive="n0", id="rw", **{"share-rw": "on"}),
            add(driver="virtio-blk-pci", drive="n0", id="vb"),
            add(driver="virtio-blk-pci", drive="n0"),
            add(driver="ide-hd", drive="n0", id="ide"),
            add(driver="scsi-cd", drive="n1", id="cd1"),
            add(driver="scsi-hd", drive="n1", id="hd1"),
            add(driver="scsi-cd", drive="n1", id="cd2"),
            add(driver="scsi-hd", drive="n2", id="s1", **{"share-rw": "on"}),
            add(driver="scsi-hd", drive="n2", id="s2", **{"share-rw": "on"}),
            add(driver="scsi-hd", drive="n2", id="s3"),
            ("query-block", {}),
            delete("a"),
            add(driver="scsi-hd", drive="n0", id="b"),
            ("query-named-block-nodes", {"flat": True}),
        ),
    ),
    (
        "format_over_used_node",
        (
            "-M",
            "pc",
            "-nodefaults",
            "-device",
            "virtio-scsi-pci",
            *_NODES,
            "-device",
            "scsi-hd,drive=n0,id=a",
            "-device",
            "scsi-cd,drive=n1,id=c",
        ),
        (
            _blockdev(driver="qcow2", **{"node-name": "q0", "file": "n0"}),
            _blockdev(driver="raw", **{"node-name": "r0", "file": "n0"}),
            add(driver="scsi-hd", drive="r0", id="overr0"),
            _blockdev(driver="raw", **{"node-name": "r1", "file": "n1"}),
            add(driver="scsi-hd", drive="r1", id="overr1"),
            add(driver="scsi-cd", drive="r1", id="cdr1"),
            _blockdev(driver="raw", **{"node-name": "r2", "file": "n2", "read-only": True}),
            add(driver="scsi-hd", drive="n2", id="under"),
            _blockdev(driver="qcow2", **{"node-name": "q2", "file": "n2"}),
            ("query-named-block-nodes", {"flat": True}),
        ),
    ),
    (
        "export_writable",
        (
            "-M",
            "pc",
            "-nodefaults",
            "-device",
            "virtio-scsi-pci",
            *_NODES,
            "-device",
            "scsi-cd,drive=n0,id=cd",
            "-device",
            "scsi-hd,drive=n1,id=hd",
        ),
        (
            _NBD_START,
            _qmp("nbd-server-add", device="n0", writable=True),
            _qmp("nbd-server-add", device="n1", writable=True),
            _qmp("nbd-server-add", device="n0"),
            _qmp("block-export-add", type="nbd", id="e1", **{"node-name": "n1", "writable": True}),
            _qmp("nbd-server-add", device="n2", writable=True),
            add(driver="scsi-cd", drive="n2", id="late"),
            add(driver="scsi-hd", drive="n2", id="late2", **{"share-rw": "on"}),
            ("query-block-exports", {}),
        ),
    ),
    (
        "job_target_in_use",
        (
            "-M",
            "pc",
            "-nodefaults",
            "-device",
            "virtio-scsi-pci",
            *_NODES,
            "-device",
            "scsi-hd,drive=n1,id=t",
        ),
        (
            _qmp("blockdev-mirror", device="n0", target="n1", sync="full", **{"job-id": "m"}),
            ("query-jobs", {}),
            _qmp("blockdev-backup", device="n0", target="n1", sync="full", **{"job-id": "b"}),
            ("query-jobs", {}),
            ("query-named-block-nodes", {"flat": True}),
            hmp("info block"),
        ),
    ),
]

#: Command lines QEMU refuses for a permission conflict: its message and status.
CLI_ERRORS: list[tuple[str, tuple[str, ...]]] = [
    (
        "two_disks_one_node",
        (
            "-M",
            "pc",
            "-nodefaults",
            "-device",
            "virtio-scsi-pci",
            "-blockdev",
            _NULL.format("n0", 1 << 20),
            "-device",
            "scsi-hd,drive=n0",
            "-device",
            "scsi-hd,drive=n0",
        ),
    ),
    (
        "virtio_and_ide",
        (
            "-M",
            "pc",
            "-nodefaults",
            "-blockdev",
            _NULL.format("n0", 1 << 20),
            "-device",
            "virtio-blk-pci,drive=n0,id=v",
            "-device",
            "ide-cd,drive=n0,id=i",
        ),
    ),
]
