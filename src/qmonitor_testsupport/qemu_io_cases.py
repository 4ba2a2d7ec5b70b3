"""The sessions tools/record_qemu_io.py plays against QEMU 7.2 (see :mod:`.qemu_io_session`).

HMP ``qemu-io`` on drives and nodes (raw, qcow2, null, empty and
read-only drives; its commands, their options and errors; the drive's
statistics), and dirty bitmaps marked by those writes (count, SHA-256,
clear, merge across nodes and granularities, enable/disable,
transactions, block_resize, backups that sync a bitmap).
"""

from __future__ import annotations

from typing import Any

MIB = 1 << 20


def hmp(line: str) -> dict[str, Any]:
    return {"hmp": line}


def qmp(execute: str, pick: str = "", **arguments: Any) -> dict[str, Any]:
    step: dict[str, Any] = {"qmp": {"execute": execute, "arguments": arguments}}
    if pick:
        step["pick"] = pick
    return step


def io(device: str, *commands: str) -> list[dict[str, Any]]:
    return [hmp(f'qemu-io {device} "{c}"') for c in commands]


BITMAPS = qmp("query-named-block-nodes", "bitmaps", flat=True)
STATS = qmp("query-blockstats", "stats")


def sha(node: str, name: str) -> dict[str, Any]:
    return qmp("x-debug-block-dirty-bitmap-sha256", node=node, name=name)


def _raw_drive(name: str = "d0", image: str = "disk.raw", extra: str = "") -> list[str]:
    return ["-drive", f"if=none,id={name},file={image},format=raw{extra}"]


def _file_raw(node: str, image: str, **raw: Any) -> dict[str, Any]:
    return qmp(
        "blockdev-add",
        driver="raw",
        **{"node-name": node},
        file={"driver": "file", "filename": image},
        **raw,
    )


RAW_1M = [{"name": "disk.raw", "size": MIB}]

CASES: list[dict[str, Any]] = [
    {
        "name": "raw_io",
        "images": [{"name": "disk.raw", "size": MIB, "fill": [[8192, 0x33, 4096]]}],
        "args": _raw_drive(),
        "steps": [
            *io(
                "d0",
                "write -P 0x5e 0 4k",
                "read -P 0x5e 0 4k",
                "read -P 0x5f 0 512",
                "read -v 8190 20",
                "read -P 0x33 -s 2 -l 100 8190 200",
                "write -z 12k 4k",
                "read -P 0 12k 4k",
                "readv -P 0x33 8192 1k 2k",
                "writev -P 7 65536 1k 1k 512",
                "readv -v 66000 16",
                "aio_write -P 0x11 131072 4k 4k",
                "aio_flush",
                "aio_read -P 0x11 131072 8k",
                "aio_read -P 0x12 131072 512",
                "write -C 512 512",
                "read -q 0 1",
                "w 200k 1",
                "r -v 200k 2",
                "write -s disk.raw 300k 9k",
                "write -z -u 400k 64k",
                "aio_write -z 500k 1k",
                "discard 0 4k",
                "flush",
                "length",
                "info",
                "map",
                "alloc 0",
                "alloc 0 2M",
                "a 1M 4k",
            ),
            STATS,
        ],
    },
    {
        "name": "errors",
        "images": RAW_1M,
        "args": _raw_drive(),
        "steps": [
            hmp('qemu-io nodev "read 0 1"'),
            hmp('qemu-io -d nodev "read 0 1"'),
            hmp('qemu-io -d d0 "read 0 1"'),
            *io(
                "d0",
                "",
                "bogus 1 2",
                "read",
                "read 0",
                "read 0 1 2",
                "read 0 1x",
                "read -P 256 0 1",
                "read -P x 0 1",
                "read -l 1 0 512",
                "read -x 0 1",
                "read -P 1 -s 600 0 512",
                "read 1M 1",
                "read -- 0 512",
                "read 0 -- 512",
                "write 0 2g",
                "write 2M 512",
                "write -1 1",
                "write 0x10k 1",
                "write -b -z 0 1",
                "write -f -c 0 512",
                "write -n 0 1",
                "write -u 0 1",
                "write -z -P 1 0 1",
                "write -P 1 -s x 0 1",
                "write -s nofile 0 1",
                "readv 0",
                "readv 0 1 3g",
                "readv 0 2g 2g",
                "writev 0 2g 2g",
                "aio_read -i",
                "aio_read 0 2g 2g",
                "aio_read 2M 512",
                "aio_write -i",
                "aio_write 0 4g",
                "aio_write -z 0 1 2",
                "aio_write -u 0 1",
                "aio_write 1M 512",
                "discard 0",
                "discard 0 4g",
                "discard 2M 512",
                "alloc",
                "alloc x",
                "alloc 0 1 2",
                "map 1",
                "length 1",
                "help bogus",
                "help",
                "help r",
                "? write",
                "help aio_write",
                "help map",
                "break write_aio A",
                "remove_break A",
                "resume A",
                "sigraise 99",
                "sigraise x",
                "truncate",
            ),
            STATS,
        ],
    },
    {
        "name": "read_only_and_empty",
        "images": RAW_1M,
        "args": [*_raw_drive("ro", extra=",readonly=on"), "-drive", "if=none,id=e0"],
        "steps": [
            *io(
                "ro",
                "write 0 512",
                "read 0 512",
                "discard 0 512",
                "aio_write 0 1",
                "writev 0 1",
                "length",
            ),
            *io(
                "e0",
                "read 0 512",
                "write 0 512",
                "length",
                "map",
                "aio_read 0 1",
                "aio_flush",
                "flush",
            ),
            STATS,
        ],
    },
    {
        "name": "null_nodes",
        "args": [
            "-blockdev",
            "null-co,node-name=n0,size=1048576",
            "-blockdev",
            "null-co,node-name=z0,size=1048576,read-zeroes=on",
        ],
        "steps": [
            *io(
                "n0",
                "read -v 0 16",
                "read -P 0xab 0 4k",
                "write 0 4k",
                "map",
                "alloc 0 1M",
                "info",
                "length",
            ),
            *io("z0", "read -P 0 0 4k", "map", "alloc 0 1M"),
            qmp("block-dirty-bitmap-add", node="n0", name="b0", granularity=512),
            *io("n0", "write 1000 10", "write -z 4096 100", "aio_write 8k 1"),
            BITMAPS,
            sha("n0", "b0"),
        ],
    },
    {
        "name": "bitmaps_marked",
        "images": [{"name": "disk.raw", "size": 4 * MIB}, {"name": "other.raw", "size": 4 * MIB}],
        "args": [],
        "steps": [
            _file_raw("fmt", "disk.raw"),
            _file_raw("oth", "other.raw"),
            qmp("block-dirty-bitmap-add", node="fmt", name="def"),
            qmp("block-dirty-bitmap-add", node="fmt", name="small", granularity=512),
            qmp("block-dirty-bitmap-add", node="fmt", name="big", granularity=2 * MIB),
            qmp("block-dirty-bitmap-add", node="fmt", name="off", disabled=True),
            qmp("block-dirty-bitmap-add", node="oth", name="o", granularity=4096),
            BITMAPS,
            *io(
                "fmt",
                "write 0 64k",
                "write 100000 1",
                "write -z 1M 70k",
                "aio_write 3M 4k",
                "discard 0 1M",
                "writev 2000000 512 512",
            ),
            *io("oth", "write 65535 2", "write 4190000 4304"),
            BITMAPS,
            sha("fmt", "def"),
            sha("fmt", "small"),
            sha("fmt", "big"),
            sha("fmt", "off"),
            sha("oth", "o"),
            qmp("block-dirty-bitmap-enable", node="fmt", name="off"),
            qmp("block-dirty-bitmap-disable", node="fmt", name="def"),
            *io("fmt", "write 3500000 1"),
            BITMAPS,
            sha("fmt", "off"),
            qmp(
                "block-dirty-bitmap-merge",
                node="fmt",
                target="off",
                bitmaps=["small", {"node": "oth", "name": "o"}],
            ),
            sha("fmt", "off"),
            qmp(
                "block-dirty-bitmap-merge",
                node="oth",
                target="o",
                bitmaps=[{"node": "fmt", "name": "big"}],
            ),
            sha("oth", "o"),
            qmp("block-dirty-bitmap-merge", node="fmt", target="def", bitmaps=["small", "nope"]),
            sha("fmt", "def"),
            qmp("block-dirty-bitmap-clear", node="fmt", name="small"),
            sha("fmt", "small"),
            qmp(
                "transaction",
                actions=[
                    {"type": "block-dirty-bitmap-clear", "data": {"node": "fmt", "name": "big"}},
                    {
                        "type": "block-dirty-bitmap-merge",
                        "data": {"node": "fmt", "target": "small", "bitmaps": ["off"]},
                    },
                    {"type": "abort", "data": {}},
                ],
            ),
            BITMAPS,
            sha("fmt", "big"),
            sha("fmt", "small"),
            qmp(
                "transaction",
                actions=[
                    {"type": "block-dirty-bitmap-clear", "data": {"node": "fmt", "name": "big"}},
                    {
                        "type": "block-dirty-bitmap-merge",
                        "data": {"node": "fmt", "target": "small", "bitmaps": ["off"]},
                    },
                ],
            ),
            BITMAPS,
            sha("fmt", "big"),
            sha("fmt", "small"),
        ],
    },
    {
        "name": "bitmaps_resize",
        "images": [{"name": "disk.raw", "size": MIB + 512}],
        "args": [*_raw_drive()],
        "steps": [
            qmp("block-dirty-bitmap-add", node="d0", name="a", granularity=65536),
            qmp("block-dirty-bitmap-add", node="d0", name="b", granularity=512),
            *io("d0", "write 1M 512", "write 0 1"),
            qmp("query-block", "block"),
            sha("d0", "a"),
            sha("d0", "b"),
            qmp("block_resize", device="d0", size=8 * MIB),
            *io("d0", "write 7M 1M"),
            qmp("query-block", "block"),
            sha("d0", "a"),
            sha("d0", "b"),
            qmp("block_resize", device="d0", size=MIB),
            qmp("query-block", "block"),
            sha("d0", "a"),
            sha("d0", "b"),
        ],
    },
    {
        "name": "qcow2_io",
        "images": [
            {"name": "base.raw", "size": 2 * MIB, "fill": [[0, 0x41, MIB + 512]]},
            {
                "name": "top.qcow2",
                "format": "qcow2",
                "size": 2 * MIB,
                "options": ["-b", "base.raw", "-F", "raw"],
            },
            {"name": "plain.qcow2", "format": "qcow2", "size": 2 * MIB},
        ],
        "args": [
            "-drive",
            "if=none,id=q0,file=top.qcow2,format=qcow2",
            "-drive",
            "if=none,id=p0,file=plain.qcow2,format=qcow2,discard=unmap",
        ],
        "steps": [
            *io(
                "q0",
                "read -P 0x41 0 4k",
                "write -P 0x42 1000 100",
                "read -P 0x41 0 1000",
                "read -P 0x42 1000 100",
                "read -P 0x41 1100 1000",
                "map",
                "alloc 0 2M",
                "write -z 1M 64k",
                "read -P 0 1M 64k",
                "read -P 0x41 960k 64k",
                "discard 0 64k",
                "length",
                "info",
            ),
            *io(
                "p0",
                "write -P 1 0 64k",
                "write -P 2 70000 100000",
                "write -P 3 2096640 512",
                "map",
                "alloc 0 2M",
                "read -P 2 70000 100000",
                "read -P 0 65536 4464",
                "discard 0 128k",
                "read -P 0 0 128k",
                "map",
            ),
        ],
    },
    {
        "name": "backup_bitmaps",
        "images": [
            {"name": "src.raw", "size": 4 * MIB, "fill": [[0, 0x61, 4 * MIB]]},
            {"name": "inc.raw", "size": 4 * MIB},
            {"name": "never.raw", "size": 4 * MIB},
            {"name": "full.raw", "size": 4 * MIB},
        ],
        "args": [],
        "steps": [
            _file_raw("src", "src.raw"),
            _file_raw("inc", "inc.raw"),
            _file_raw("never", "never.raw"),
            _file_raw("full", "full.raw"),
            qmp("block-dirty-bitmap-add", node="src", name="b0"),
            qmp("block-dirty-bitmap-add", node="src", name="b1", granularity=4096),
            *io("src", "write -P 0x62 0 4k", "write -P 0x63 1M 70k", "write -P 0x64 4190000 100"),
            BITMAPS,
            qmp(
                "blockdev-backup",
                device="src",
                target="inc",
                sync="incremental",
                bitmap="b0",
                **{"bitmap-mode": "never"},
            ),
            qmp("blockdev-backup", device="src", target="inc", sync="bitmap", bitmap="b0"),
            qmp(
                "blockdev-backup",
                device="src",
                target="inc",
                sync="none",
                bitmap="b0",
                **{"bitmap-mode": "always"},
            ),
            qmp(
                "blockdev-backup",
                device="src",
                target="inc",
                sync="full",
                bitmap="b0",
                **{"bitmap-mode": "never"},
            ),
            qmp(
                "blockdev-backup",
                device="src",
                target="inc",
                sync="full",
                **{"bitmap-mode": "never"},
            ),
            qmp(
                "blockdev-backup",
                device="src",
                target="inc",
                sync="bitmap",
                bitmap="nope",
                **{"bitmap-mode": "never"},
            ),
            qmp(
                "blockdev-backup",
                device="src",
                target="inc",
                sync="incremental",
                bitmap="b0",
                **{"job-id": "j1"},
            ),
            {"event": "BLOCK_JOB_COMPLETED"},
            BITMAPS,
            sha("src", "b0"),
            qmp(
                "blockdev-backup",
                device="src",
                target="never",
                sync="bitmap",
                bitmap="b1",
                **{"job-id": "j2", "bitmap-mode": "never"},
            ),
            {"event": "BLOCK_JOB_COMPLETED"},
            BITMAPS,
            sha("src", "b1"),
            qmp(
                "blockdev-backup",
                device="src",
                target="full",
                sync="full",
                bitmap="b1",
                **{"job-id": "j3", "bitmap-mode": "on-success"},
            ),
            {"event": "BLOCK_JOB_COMPLETED"},
            BITMAPS,
            sha("src", "b1"),
        ],
    },
    {
        "name": "qdev",
        "images": [{"name": "disk.raw", "size": MIB}, {"name": "ide.raw", "size": MIB}],
        "args": [
            "-M",
            "pc",
            "-S",
            *_raw_drive(),
            *_raw_drive("i0", "ide.raw"),
            "-device",
            "virtio-blk-pci,drive=d0,id=vd0",
            "-device",
            "ide-hd,drive=i0,id=hd0",
            "-device",
            "e1000,id=nic0",
        ],
        "steps": [
            *io("-d vd0", "write -P 1 0 512"),
            *io("-d nic0", "read 0 1"),
            *io(
                "-d hd0",
                "write -P 1 0 512",
                "aio_write -P 2 512 512",
                "aio_read -P 2 512 512",
                "read -P 1 0 512",
                "info",
                "length",
            ),
            *io("d0", "aio_write 4k 4k", "aio_flush"),
            STATS,
        ],
    },
]
