"""qcow2 and file nodes: real QEMU 7.2 and qmonitor answer the same block queries.

Images made by ``qemu-img`` (version 2 and 3, lazy refcounts, narrow
refcounts, a backing chain, a backing format), then opened by blockdev-add
in both programs, one after the other in the same directory, each image
either writable or read-only, its backing file named in the image, cut
off (``backing: null``) or auto-opened.  Generated node names have random
digits: they are compared as ``#block``.  Skipped without QEMU.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Any

import pytest

from qmonitor_testsupport.procs import BASE_ARGS, qmonitor_cmd, qmp_replies

QEMU = shutil.which("qemu-system-x86_64")
QEMU_IMG = shutil.which("qemu-img")
pytestmark = [
    pytest.mark.qemu,
    pytest.mark.slow,
    pytest.mark.skipif(QEMU is None or QEMU_IMG is None, reason="QEMU is not installed"),
]


def _images(tmp: Path) -> None:
    def img(*args: str) -> None:
        assert QEMU_IMG is not None
        subprocess.run([QEMU_IMG, "create", "-q", "-f", "qcow2", *args], cwd=tmp, check=True)

    img("a.qcow2", "1M")
    img("-o", "compat=0.10,cluster_size=4096", "b.qcow2", "64M")
    img("-o", "lazy_refcounts=on,refcount_bits=1", "c.qcow2", "1G")
    img("-b", "a.qcow2", "-F", "qcow2", "d.qcow2")
    img("-b", "c.qcow2", "-F", "qcow2", "e.qcow2", "2G")
    shutil.copy(tmp / "a.qcow2", tmp / "g.qcow2")
    (tmp / "z.img").write_bytes(bytes(512))
    v4 = bytearray(512)
    v4[:4] = b"QFI\xfb"
    struct.pack_into(">I", v4, 4, 4)
    (tmp / "v4.img").write_bytes(bytes(v4))
    big = bytearray(512)
    big[:4] = b"QFI\xfb"
    struct.pack_into(">IQII", big, 4, 3, 0, 0, 30)
    (tmp / "cb.img").write_bytes(bytes(big))


def _qcow2(name: str, filename: str, **opts: Any) -> dict[str, Any]:
    file = {"driver": "file", "filename": filename, "node-name": f"f{name}"}
    args = {"driver": "qcow2", "node-name": name, "file": file}
    args.update({k.replace("_", "-"): v for k, v in opts.items()})
    return {"execute": "blockdev-add", "arguments": args, "id": name}


REQUESTS = [
    {"execute": "qmp_capabilities"},
    _qcow2("a", "a.qcow2"),
    _qcow2("b", "b.qcow2", read_only=True),
    _qcow2("d", "d.qcow2", backing=None),
    _qcow2("z", "z.img"),
    _qcow2("e", "e.qcow2"),
    _qcow2("v4", "v4.img"),
    _qcow2("cb", "cb.img"),
    _qcow2("g", "g.qcow2", read_only=True),
    {
        "execute": "blockdev-add",
        "arguments": {"driver": "qcow2", "node-name": "n", "file": {"driver": "null-co"}},
    },
    {"execute": "query-named-block-nodes", "arguments": {"flat": True}},
    {"execute": "query-named-block-nodes"},
    {"execute": "x-debug-query-block-graph"},
    {"execute": "query-blockstats", "arguments": {"query-nodes": True}},
    {"execute": "blockdev-del", "arguments": {"node-name": "e"}},
    {"execute": "query-named-block-nodes", "arguments": {"flat": True}},
]


def _normal(reply: bytes) -> bytes:
    return re.sub(rb"#block\d+", b"#block", reply)


def test_qcow2_nodes_as_qemu(tmp_path: Path) -> None:
    assert QEMU is not None
    _images(tmp_path)
    qemu = qmp_replies([QEMU], BASE_ARGS, REQUESTS, tmp_path)
    ours = qmp_replies(qmonitor_cmd(), BASE_ARGS, REQUESTS, tmp_path)
    for request, want, got in zip(REQUESTS, qemu, ours, strict=True):
        assert _normal(got) == _normal(want), request


def _chain_args(tmp: Path) -> tuple[str, ...]:
    """libvirt's way: each layer a file node and a qcow2 node naming its backing node."""
    import json

    args: list[str] = ["-M", "pc", "-S", "-display", "none", "-nodefaults"]
    below: str | None = None
    for index, name in ((4, "base"), (3, "mid"), (2, "top")):
        file = {"driver": "file", "filename": str(tmp / f"{name}.qcow2"),
                "node-name": f"s{index}"}  # fmt: skip
        fmt = {"driver": "qcow2", "node-name": f"f{index}", "file": f"s{index}", "backing": below}
        args += ["-blockdev", json.dumps(file), "-blockdev", json.dumps(fmt)]
        below = f"f{index}"
    return (*args, "-device", "virtio-blk-pci,drive=f2,id=vd0")


CHAIN_REQUESTS = [
    {"execute": "qmp_capabilities"},
    {"execute": "query-block"},
    {"execute": "query-blockstats"},
    {"execute": "query-named-block-nodes"},
    {"execute": "human-monitor-command", "arguments": {"command-line": "info block"}},
    # A resize writes the new size into the image's header: its file's stats show it.
    {"execute": "block_resize", "arguments": {"node-name": "f2", "size": 2097152}},
    {"execute": "query-blockstats"},
    {"execute": "query-blockstats", "arguments": {"query-nodes": True}},
]


def test_explicit_backing_chain_as_qemu(tmp_path: Path) -> None:
    """A chain given node by node, as the images name it: plain filenames, every level's stats."""
    assert QEMU is not None and QEMU_IMG is not None

    def images() -> None:  # made again for each run: the resize changes them
        below = None
        for name in ("base", "mid", "top"):
            backing = ["-b", str(tmp_path / f"{below}.qcow2"), "-F", "qcow2"] if below else []
            subprocess.run([QEMU_IMG, "create", "-q", "-f", "qcow2", *backing,
                            str(tmp_path / f"{name}.qcow2"), "1M"], check=True)  # fmt: skip
            below = name

    args = _chain_args(tmp_path)
    images()
    qemu = qmp_replies([QEMU], args, CHAIN_REQUESTS, tmp_path)
    images()
    ours = qmp_replies(qmonitor_cmd(), args, CHAIN_REQUESTS, tmp_path)
    assert b'"file": "' + str(tmp_path / "top.qcow2").encode() in qemu[1]
    for request, want, got in zip(CHAIN_REQUESTS, qemu, ours, strict=True):
        assert got == want, request


def _txn(*actions: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "execute": "transaction",
        "arguments": {"actions": [{"type": kind, "data": data} for kind, data in actions]},
    }


BITMAP_TXN_REQUESTS = [
    {"execute": "qmp_capabilities"},
    {"execute": "blockdev-add",
     "arguments": {"driver": "null-co", "node-name": "n0", "size": 1048576}},
    _txn(("block-dirty-bitmap-add", {"node": "n0", "name": "b0", "persistent": False,
                                     "disabled": False})),
    _txn(("block-dirty-bitmap-add", {"node": "n0", "name": "b1"}),
         ("block-dirty-bitmap-disable", {"node": "n0", "name": "b0"}),
         ("abort", {})),
    {"execute": "query-named-block-nodes"},
    _txn(("block-dirty-bitmap-add", {"node": "n0", "name": "b1", "granularity": 512}),
         ("block-dirty-bitmap-disable", {"node": "n0", "name": "b1"}),
         ("block-dirty-bitmap-clear", {"node": "n0", "name": "b0"}),
         ("block-dirty-bitmap-merge", {"node": "n0", "target": "b0", "bitmaps": ["b1"]})),
    {"execute": "query-named-block-nodes"},
    _txn(("block-dirty-bitmap-remove", {"node": "n0", "name": "b0"}),
         ("block-dirty-bitmap-remove", {"node": "n0", "name": "nope"})),
    _txn(("block-dirty-bitmap-add", {"node": "nowhere", "name": "x"})),
    _txn(("block-dirty-bitmap-remove", {"node": "nowhere", "name": "x"})),
    _txn(("block-dirty-bitmap-enable", {"node": "n0", "name": "b1"}),
         ("block-dirty-bitmap-remove", {"node": "n0", "name": "b0"})),
    {"execute": "query-named-block-nodes"},
]  # fmt: skip


def test_bitmap_transactions_as_qemu(tmp_path: Path) -> None:
    """Dirty bitmap actions in a transaction (libvirt's block jobs use them), aborts undone."""
    assert QEMU is not None
    qemu = qmp_replies([QEMU], BASE_ARGS, BITMAP_TXN_REQUESTS, tmp_path)
    ours = qmp_replies(qmonitor_cmd(), BASE_ARGS, BITMAP_TXN_REQUESTS, tmp_path)
    assert b'"name": "b0"' in qemu[4]
    for request, want, got in zip(BITMAP_TXN_REQUESTS, qemu, ours, strict=True):
        assert got == want, request
