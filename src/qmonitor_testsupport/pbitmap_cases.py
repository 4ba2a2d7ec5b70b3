"""Persistent-bitmap cases that tools/record_pbitmaps.py plays against QEMU 7.2.

Bitmaps stored into qcow2 images when a node closes (quit, blockdev-del,
drive_del), loaded when one opens (-drive, -blockdev, blockdev-add, a
backing image), in use while open read-write, inconsistent after a crash,
read-only on a read-only node, removed from the image at once; images
made by ``qemu-img bitmap``; the errors of persistent bitmaps (raw node,
qcow2 v2, long names, read-only image); block_resize with bitmaps in the
image; the anonymous bitmaps backup and mirror jobs keep on their source
while they run.
"""

from __future__ import annotations

from typing import Any

MIB = 1 << 20
IMG = "a.qcow2"


def qmp(execute: str, pick: str = "", **arguments: Any) -> dict[str, Any]:
    step: dict[str, Any] = {"qmp": {"execute": execute, "arguments": arguments}}
    if pick:
        step["pick"] = pick
    return step


def hmp(line: str) -> dict[str, Any]:
    return {"hmp": line}


def img(*args: str) -> dict[str, Any]:
    return {"img": list(args)}


def add(node: str, name: str, **more: Any) -> dict[str, Any]:
    return qmp("block-dirty-bitmap-add", node=node, name=name, persistent=True, **more)


def sha(node: str, name: str) -> dict[str, Any]:
    return qmp("x-debug-block-dirty-bitmap-sha256", node=node, name=name)


BITMAPS = qmp("query-named-block-nodes", "bitmaps", flat=True)
BLOCK = qmp("query-block", "block")
INFO_U = img("info", "-U", "--output=json", IMG)
DRIVE = ["-drive", f"if=none,id=d0,file={IMG},format=qcow2,node-name=n0"]
DRIVE_RO = ["-drive", f"if=none,id=d0,file={IMG},format=qcow2,node-name=n0,readonly=on"]
BLOCKDEV = ["-blockdev", f"driver=qcow2,node-name=n0,file.driver=file,file.filename={IMG}"]
QCOW2_4M = [{"name": IMG, "format": "qcow2", "size": 4 * MIB}]


def io(device: str, *commands: str) -> list[dict[str, Any]]:
    return [hmp(f'qemu-io {device} "{c}"') for c in commands]


def _reopen(args: list[str], *names: str, node: str = "n0") -> dict[str, Any]:
    """A run that opens the image again and shows what it loaded."""
    return {"args": args, "steps": [BITMAPS, INFO_U, *(sha(node, n) for n in names)]}


_JOB_ARGS = [
    *DRIVE,
    "-blockdev",
    "driver=qcow2,node-name=tgt,file.driver=file,file.filename=t.qcow2",
]


def _job_run(*steps: dict[str, Any]) -> dict[str, Any]:
    """A run that starts a job on d0 (with a persistent bitmap b0 on it) and looks at it."""
    prepare = [
        *io("d0", "write 0 1M"),
        qmp("block-dirty-bitmap-add", node="n0", name="b0"),
        *io("d0", "write 0 2M"),
    ]
    return {"args": _JOB_ARGS, "steps": [*prepare, *steps]}


def _reopen_ro(read_only: bool) -> dict[str, Any]:
    options = {"driver": "qcow2", "node-name": "n0", "file": "f0", "read-only": read_only}
    return qmp("blockdev-reopen", options=[options])


_WRITTEN = {
    "args": DRIVE,
    "steps": [
        add("n0", "b0"),
        add("n0", "b1", granularity=512, disabled=True),
        add("n0", "b2", granularity=1 << 20),
        qmp("block-dirty-bitmap-add", node="n0", name="t0"),
        *io("d0", "write 0 64k", "write 1M 4k", "write 3M 512"),
        qmp("block-dirty-bitmap-enable", node="n0", name="b1"),
        *io("d0", "write 2M 1k"),
        BITMAPS,
        INFO_U,
        sha("n0", "b0"),
        sha("n0", "b1"),
        sha("n0", "b2"),
    ],
}

CASES: list[dict[str, Any]] = [
    {
        "name": "store_on_quit_and_load",
        "images": QCOW2_4M,
        "runs": [
            _WRITTEN,
            _reopen(DRIVE, "b0", "b1", "b2"),
            _reopen(BLOCKDEV, "b0", "b1", "b2"),
            img("check", IMG),
        ],
    },
    {
        "name": "store_again_after_more_writes",
        "images": QCOW2_4M,
        "runs": [
            _WRITTEN,
            {
                "args": DRIVE,
                "steps": [
                    *io("d0", "write 512k 8k"),
                    qmp("block-dirty-bitmap-disable", node="n0", name="b0"),
                    qmp("block-dirty-bitmap-clear", node="n0", name="b2"),
                    *io("d0", "write 3M 64k"),
                    add("n0", "b3"),
                    BITMAPS,
                ],
            },
            _reopen(DRIVE, "b0", "b1", "b2", "b3"),
        ],
    },
    {
        "name": "remove_from_image_at_once",
        "images": QCOW2_4M,
        "runs": [
            _WRITTEN,
            {
                "args": DRIVE,
                "steps": [
                    qmp("block-dirty-bitmap-remove", node="n0", name="b1"),
                    INFO_U,
                    qmp("block-dirty-bitmap-remove", node="n0", name="b0"),
                    qmp("block-dirty-bitmap-remove", node="n0", name="b2"),
                    INFO_U,
                    BITMAPS,
                ],
            },
            _reopen(DRIVE),
        ],
    },
    {
        "name": "crash_leaves_bitmaps_inconsistent",
        "images": QCOW2_4M,
        "runs": [
            _WRITTEN,
            {"args": DRIVE, "steps": [*io("d0", "write 0 4k"), INFO_U], "end": "kill"},
            img("info", "--output=json", IMG),
            {
                "args": DRIVE,
                "steps": [
                    BITMAPS,
                    BLOCK,
                    INFO_U,
                    sha("n0", "b0"),
                    qmp("block-dirty-bitmap-clear", node="n0", name="b0"),
                    qmp("block-dirty-bitmap-merge", node="n0", target="b0", bitmaps=["b1"]),
                    qmp("block_resize", node_name="n0", size=8 * MIB),
                    qmp("block-dirty-bitmap-remove", node="n0", name="b1"),
                    add("n0", "b1"),
                    *io("d0", "write 0 4k"),
                ],
            },
            _reopen(DRIVE, "b1"),
        ],
    },
    {
        "name": "qemu_img_bitmap_made",
        "images": QCOW2_4M,
        "runs": [
            _WRITTEN,
            img("bitmap", "--add", "-g", "128k", IMG, "q0"),
            img("bitmap", "--merge", "b0", IMG, "q0"),
            img("bitmap", "--merge", "b2", IMG, "q0"),
            img("bitmap", "--add", "--disable", IMG, "q1"),
            img("bitmap", "--disable", IMG, "b0"),
            img("bitmap", "--enable", IMG, "b1"),
            img("bitmap", "--clear", IMG, "b2"),
            img("bitmap", "--remove", IMG, "t0"),
            _reopen(DRIVE, "q0", "q1", "b0", "b1", "b2"),
        ],
    },
    {
        "name": "read_only_node",
        "images": QCOW2_4M,
        "runs": [
            _WRITTEN,
            {
                "args": DRIVE_RO,
                "steps": [
                    BITMAPS,
                    INFO_U,
                    sha("n0", "b0"),
                    qmp("block-dirty-bitmap-clear", node="n0", name="b0"),
                    qmp("block-dirty-bitmap-disable", node="n0", name="b2"),
                    qmp("block-dirty-bitmap-remove", node="n0", name="b0"),
                    add("n0", "r0"),
                    BITMAPS,
                ],
            },
            _reopen(DRIVE, "b0", "b1", "b2"),
        ],
    },
    {
        "name": "blockdev_add_del_stores",
        "images": QCOW2_4M,
        "runs": [
            {
                "args": [],
                "steps": [
                    qmp(
                        "blockdev-add",
                        driver="qcow2",
                        **{"node-name": "n1"},
                        file={"driver": "file", "filename": IMG},
                    ),
                    add("n1", "x0", granularity=4096),
                    *io("n1", "write 100k 300k"),
                    INFO_U,
                    qmp("blockdev-del", **{"node-name": "n1"}),
                    img("info", "--output=json", IMG),
                    qmp(
                        "blockdev-add",
                        driver="qcow2",
                        **{"node-name": "n1"},
                        file={"driver": "file", "filename": IMG},
                    ),
                    BITMAPS,
                    sha("n1", "x0"),
                    INFO_U,
                ],
            },
            _reopen(BLOCKDEV, "x0"),
        ],
    },
    {
        "name": "drive_del_stores",
        "images": QCOW2_4M,
        "runs": [
            {
                "args": DRIVE,
                "steps": [
                    add("n0", "y0"),
                    *io("d0", "write 1M 1M"),
                    hmp("drive_del d0"),
                    img("info", "--output=json", IMG),
                ],
            },
            _reopen(DRIVE, "y0"),
        ],
    },
    {
        "name": "backing_image_bitmaps",
        "images": [
            {"name": IMG, "format": "qcow2", "size": 4 * MIB},
            {
                "name": "top.qcow2",
                "format": "qcow2",
                "size": 4 * MIB,
                "options": ["-b", IMG, "-F", "qcow2"],
            },
        ],
        "runs": [
            _WRITTEN,
            {
                "args": ["-drive", "if=none,id=d1,file=top.qcow2,format=qcow2,node-name=top"],
                "steps": [
                    BITMAPS,
                    INFO_U,
                    *io("d1", "write 0 4k"),
                    add("top", "z0"),
                    *io("d1", "write 8k 4k"),
                    BITMAPS,
                ],
            },
            _reopen(
                ["-drive", "if=none,id=d1,file=top.qcow2,format=qcow2,node-name=top"],
                "z0",
                node="top",
            ),
        ],
    },
    {
        "name": "migration_stores_and_cont_loads",
        "images": QCOW2_4M,
        "runs": [
            _WRITTEN,
            {
                "args": DRIVE,
                "steps": [
                    *io("d0", "write 1M 64k"),
                    add("n0", "m0"),
                    qmp(
                        "migrate-set-capabilities",
                        capabilities=[{"capability": "events", "state": True}],
                    ),
                    qmp("migrate", uri="exec:cat > /dev/null"),
                    {"event": "MIGRATION"},
                    {"event": "MIGRATION"},
                    {"event": "MIGRATION"},
                    BITMAPS,
                    INFO_U,
                    qmp("cont"),
                    BITMAPS,
                    INFO_U,
                    sha("n0", "b0"),
                    *io("d0", "write 2M 64k"),
                ],
            },
            _reopen(DRIVE, "b0", "b1", "m0"),
        ],
    },
    {
        "name": "migration_carries_bitmaps",
        "images": QCOW2_4M,
        "runs": [
            _WRITTEN,
            {
                "args": DRIVE,
                "steps": [
                    qmp(
                        "migrate-set-capabilities",
                        capabilities=[
                            {"capability": "events", "state": True},
                            {"capability": "dirty-bitmaps", "state": True},
                        ],
                    ),
                    qmp("migrate", uri="exec:cat > /dev/null"),
                    {"event": "MIGRATION"},
                    {"event": "MIGRATION"},
                    {"event": "MIGRATION"},
                    BITMAPS,
                    INFO_U,
                ],
            },
            _reopen(DRIVE, "b0"),
        ],
    },
    {
        "name": "job_bitmaps",
        "images": [
            {"name": IMG, "format": "qcow2", "size": 4 * MIB},
            # Jobs do not write qcow2 targets here (see job_drivers): not compared.
            {"name": "t.qcow2", "format": "qcow2", "size": 4 * MIB, "inspect": False},
        ],
        "runs": [
            _job_run(
                qmp(
                    "blockdev-backup",
                    device="d0",
                    target="tgt",
                    sync="full",
                    speed=1,
                    **{"job-id": "j1"},
                ),
                {**BITMAPS, "only": ["n0", "tgt"]},
            ),
            _job_run(
                qmp(
                    "blockdev-backup",
                    device="d0",
                    target="tgt",
                    sync="bitmap",
                    bitmap="b0",
                    **{"bitmap-mode": "on-success"},
                    speed=1,
                    **{"job-id": "j2"},
                ),
                {**BITMAPS, "only": ["n0", "tgt"]},
            ),
            _job_run(
                qmp(
                    "blockdev-mirror",
                    device="d0",
                    target="tgt",
                    sync="full",
                    speed=1,
                    **{"job-id": "j3"},
                ),
                BITMAPS,
                BLOCK,
            ),
            _job_run(
                qmp(
                    "blockdev-mirror",
                    device="d0",
                    target="tgt",
                    sync="full",
                    granularity=4096,
                    **{"job-id": "j4"},
                ),
                {"event": "BLOCK_JOB_READY"},
                BITMAPS,
                *io("d0", "write 2M 4k"),
                BITMAPS,
                BLOCK,
                qmp("block-job-cancel", device="j4"),
                {"event": "BLOCK_JOB_COMPLETED"},
                BITMAPS,
            ),
            _reopen(DRIVE, "b0"),
        ],
    },
    *(
        {
            "name": f"damaged_{name}",
            "images": QCOW2_4M,
            "runs": [
                _WRITTEN,
                {"poke": {"image": IMG, **spec}},
                _reopen(DRIVE, "b0"),
                {
                    "args": [],
                    "steps": [
                        qmp(
                            "blockdev-add",
                            driver="qcow2",
                            **{"node-name": "n1"},
                            file={"driver": "file", "filename": IMG},
                        ),
                        BITMAPS,
                    ],
                },
            ],
        }
        for name, spec in (
            ("no_autoclear", {"field": "autoclear", "value": 0}),
            ("flags", {"entry": 1, "field": "flags", "value": 4}),
            ("type", {"entry": 0, "field": "type", "value": 2}),
            ("granularity", {"entry": 2, "field": "granularity_bits", "value": 8}),
            ("table_size", {"entry": 0, "field": "table_size", "value": 2}),
            ("table_offset", {"entry": 0, "field": "table_offset", "value": 4096}),
            ("table_entry", {"entry": 0, "field": "table0", "value": 0x2001}),
            ("all_ones", {"entry": 1, "field": "table0", "value": 1}),
            ("in_use", {"entry": 1, "field": "flags", "value": 3}),
        )
    ),
    {
        "name": "quit_while_a_backup_holds_a_bitmap",
        "images": [
            {"name": IMG, "format": "qcow2", "size": 4 * MIB},
            {"name": "t.qcow2", "format": "qcow2", "size": 4 * MIB, "inspect": False},
        ],
        "runs": [
            _WRITTEN,
            {
                "args": _JOB_ARGS,
                "steps": [
                    qmp(
                        "blockdev-backup",
                        device="d0",
                        target="tgt",
                        sync="bitmap",
                        bitmap="b2",
                        **{"bitmap-mode": "on-success"},
                        speed=1,
                        **{"job-id": "j1"},
                    ),
                    *io("d0", "write 3M 4k"),
                ],
            },
            _reopen(DRIVE, "b0", "b1", "b2"),
        ],
    },
    {
        "name": "reopen_read_only_and_back",
        "images": QCOW2_4M,
        "runs": [
            _WRITTEN,
            {
                "args": [
                    "-blockdev",
                    f"driver=file,node-name=f0,filename={IMG}",
                    "-blockdev",
                    "driver=qcow2,node-name=n0,file=f0",
                ],
                "steps": [
                    *io("n0", "write 0 4k"),
                    _reopen_ro(True),
                    INFO_U,
                    qmp("block-dirty-bitmap-clear", node="n0", name="b0"),
                    qmp("block-dirty-bitmap-add", node="n0", name="x", persistent=True),
                    _reopen_ro(False),
                    INFO_U,
                    qmp("block-dirty-bitmap-clear", node="n0", name="b1"),
                    sha("n0", "b0"),
                    BITMAPS,
                ],
            },
            _reopen(DRIVE, "b0", "b1"),
        ],
    },
    {
        "name": "errors",
        "images": [
            {"name": "disk.raw", "size": MIB},
            {"name": IMG, "format": "qcow2", "size": 4 * MIB},
            {"name": "v2.qcow2", "format": "qcow2", "size": MIB, "options": ["-o", "compat=0.10"]},
            {
                "name": "c512.qcow2",
                "format": "qcow2",
                "size": 4 * MIB,
                "options": ["-o", "cluster_size=512"],
            },
        ],
        "runs": [
            {
                "args": [
                    "-drive",
                    "if=none,id=r0,file=disk.raw,format=raw,node-name=raw0",
                    *DRIVE,
                    "-drive",
                    "if=none,id=d2,file=v2.qcow2,format=qcow2,node-name=v2",
                    "-drive",
                    "if=none,id=d3,file=c512.qcow2,format=qcow2,node-name=c5",
                ],
                "steps": [
                    add("raw0", "x"),
                    add("r0", "x"),
                    add("v2", "x"),
                    add("n0", "n" * 1024),
                    add("n0", "n" * 1023),
                    add("n0", "g", granularity=256),
                    add("n0", "g", granularity=1 << 32),
                    add("c5", "big", granularity=512),
                    add("n0", "dup"),
                    add("n0", "dup"),
                    qmp("block-dirty-bitmap-add", node="n0", name="dup2"),
                    add("n0", "dup2"),
                    BITMAPS,
                ],
            },
            _reopen(DRIVE, "n" * 1023),
        ],
    },
]
