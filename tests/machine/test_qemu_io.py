"""The qemu-io interpreter (machine/block/qemu_io*.py) on nodes of a graph, without a monitor.

QEMU's texts for the same commands are recorded in
tests/golden/qemu_io/cases.json and replayed against a whole qmonitor by
test_qemu_io_golden.py; these tests pin the rules: where each text goes,
what a write changes (the image, the highest offset, the bitmaps, the
statistics of asynchronous requests), how numbers and options are read.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qmonitor.machine.block import bitmaps
from qmonitor.machine.block.accounting import BlockAcctStats, IoType
from qmonitor.machine.block.commands import blockdev_add
from qmonitor.machine.block.graph import BlockGraph, BlockNode
from qmonitor.machine.block.qemu_io import Context, Getopt, Target, breakline, run
from qmonitor.machine.block.qemu_io_cmds import COMMANDS
from qmonitor.machine.block.qemu_io_fmt import cvtnum, cvtstr, dump, report


class Sink:
    def __init__(self) -> None:
        self.stdout = ""
        self.stderr = ""
        self.monitor_text = ""
        self.waited: list[float] = []
        self.aborted = False

    def out(self, text: str) -> None:
        self.stdout += text

    def err(self, text: str) -> None:
        self.stderr += text

    def report(self, text: str) -> None:
        self.monitor_text += text + "\n"

    def monitor(self, text: str) -> None:
        self.monitor_text += text

    def wait(self, seconds: float) -> None:
        self.waited.append(seconds)

    def abort(self) -> None:
        self.aborted = True


def _graph(tmp_path: Path, size: int = 1 << 20, **raw: object) -> BlockGraph:
    image = tmp_path / "disk.raw"
    with image.open("wb") as f:
        f.truncate(size)
    graph = BlockGraph(random.Random(1))
    blockdev_add(graph, {"driver": "raw", "node-name": "fmt", **raw,
                         "file": {"driver": "file", "filename": str(image)}})  # fmt: skip
    return graph


def _target(node: BlockNode | None, acct: BlockAcctStats | None = None) -> Target:
    return Target(node, acct, lambda: 5, lambda start: 7, lambda n, o, b: None)


def _run(target: Target, line: str) -> Sink:
    sink = Sink()
    run(COMMANDS, target, sink, line)
    return sink


def test_write_reaches_the_file_the_offset_and_the_bitmaps(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    node = graph.nodes["fmt"]
    bitmaps.add(graph, "fmt", "b", 4096)
    bitmaps.add(graph, "fmt", "off", 4096, disabled=True)
    sink = _run(_target(node), "write -P 0x5e 4095 2")
    assert sink.stdout.startswith("wrote 2/2 bytes at offset 4095\n2 bytes, 1 ops; ")
    data = (tmp_path / "disk.raw").read_bytes()
    assert data[4094:4098] == b"\x00\x5e\x5e\x00"
    assert node.wr_highest_offset == 4097
    assert node.children["file"].wr_highest_offset == 4097
    assert bitmaps.find(node, "b").bits.count() == 8192  # type: ignore[union-attr]
    assert bitmaps.find(node, "off").bits.count() == 0  # type: ignore[union-attr]
    sink = _run(_target(node), "read -P 0x5e 4095 2")
    assert sink.stdout.startswith("read 2/2 bytes at offset 4095\n")
    sink = _run(_target(node), "read -P 0x5e 4094 2")
    assert "Pattern verification failed at offset 4094, 2 bytes\n" in sink.stdout


def test_texts_go_to_stdout_stderr_or_the_monitor(tmp_path: Path) -> None:
    graph = _graph(tmp_path, **{"read-only": True})
    target = _target(graph.nodes["fmt"])
    assert _run(target, "write 0 1").monitor_text == "Block node is read-only\n"
    assert _run(target, "bogus").stderr == 'command "bogus" not found\n'
    assert _run(target, "read 0").stderr == (
        "bad argument count 1 to read, expected at least 2 arguments\n"
    )
    assert _run(target, "map 1").stderr == "bad argument count 1 to map, expected 0 arguments\n"
    assert _run(target, "alloc").stderr == (
        "bad argument count 0 to alloc, expected between 1 and 2 arguments\n"
    )
    sink = _run(target, "read -x 0 1")
    assert sink.stderr == "read: invalid option -- 'x'\n"
    assert sink.stdout.startswith("read [-abCqv] [-P pattern [-s off] [-l len]] off len -- ")
    assert _run(target, "read 1M 1").stdout == "read failed: Input/output error\n"
    assert _run(target, "read 0 1x").stdout == (
        "Parsing error: non-numeric argument, or extraneous/unrecognized suffix -- 1x\n"
    )


def test_no_medium(tmp_path: Path) -> None:
    target = _target(None)
    assert _run(target, "read 0 1").stdout == "read failed: No medium found\n"
    assert _run(target, "write 0 1").stdout == "write failed: No medium found\n"
    assert _run(target, "length").stdout == "getlength: No medium found\n"


def test_only_asynchronous_requests_are_accounted(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    acct = BlockAcctStats()
    target = _target(graph.nodes["fmt"], acct)
    _run(target, "write 0 512")
    _run(target, "read 0 512")
    assert acct.nr_ops[IoType.WRITE] == acct.nr_ops[IoType.READ] == 0
    _run(target, "aio_write 0 512 512")
    _run(target, "aio_read 0 1k")
    _run(target, "aio_flush")
    _run(target, "aio_write -z 0 512")
    assert acct.nr_bytes[IoType.WRITE] == acct.nr_bytes[IoType.READ] == 1024
    assert acct.nr_ops[IoType.FLUSH] == 1
    assert acct.total_time_ns[IoType.WRITE] == 7
    assert _run(target, "aio_read 2M 512").stdout == "readv failed: Input/output error\n"
    assert acct.failed_ops[IoType.READ] == 1
    assert _run(target, "aio_write -i 0 1").stdout == "injecting invalid write request\n"
    assert acct.invalid_ops[IoType.WRITE] == 1


def test_discard_only_with_unmap(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    node = graph.nodes["fmt"]
    bitmaps.add(graph, "fmt", "b")
    _run(_target(node), "discard 0 4k")
    assert bitmaps.find(node, "b").bits.count() == 0  # type: ignore[union-attr]
    node.options["discard"] = "unmap"
    _run(_target(node), "write -P 1 0 8k")
    (tmp_path / "disk.raw").read_bytes()
    _run(_target(node), "discard 0 4k")
    assert (tmp_path / "disk.raw").read_bytes()[:8192] == bytes(4096) + b"\x01" * 4096


def test_map_and_alloc(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    target = _target(graph.nodes["fmt"])
    assert _run(target, "map").stdout == (
        "1 MiB (0x100000) bytes     allocated at offset 0 bytes (0x0)\n"
    )
    assert (
        _run(target, "alloc 0 2M").stdout == "1048576/1048576 bytes allocated at offset 0 bytes\n"
    )
    blockdev_add(graph, {"driver": "null-co", "node-name": "n0", "size": 4096})
    assert _run(_target(graph.nodes["n0"]), "alloc 512").stdout == (
        "0/512 bytes allocated at offset 512 bytes\n"
    )


def test_getopt_permutes_and_stops_at_double_dash() -> None:
    ctx = Context(_target(None), Sink())
    getopt = Getopt(["read", "0", "-qP", "5", "1", "--", "-v"], "bCl:pP:qs:v", ctx)
    assert list(getopt) == [("q", None), ("P", "5")]
    assert getopt.operands == ["0", "1", "-v"]
    assert breakline("  read  0 1 ") == ["read", "0", "1"]


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "0 bytes"), (512, "512 bytes"), (4096, "4 KiB"), (1536, "1.500 KiB"),
     (1 << 30, "1 GiB"), (float("inf"), "inf EiB")],
)  # fmt: skip
def test_sizes_print_as_qemu_io_prints_them(value: float, text: str) -> None:
    assert cvtstr(value) == text


def test_numbers_and_dumps() -> None:
    assert cvtnum("4k") == (4096, False)
    assert cvtnum("0x10") == (16, False)
    assert dump(b"ab\x00\xff" * 5, 16) == (
        "00000010:  61 62 00 ff 61 62 00 ff 61 62 00 ff 61 62 00 ff  ab..ab..ab..ab..\n"
        "00000020:  61 62 00 ff  ab..\n"
    )
    assert report("read", 1_500_000_000, 0, 512, 512, 1, False) == (
        "read 512/512 bytes at offset 0\n"
        "512 bytes, 1 ops; 0:00:01.50 (341.333333 bytes/sec and 0.6667 ops/sec)\n"
    )
    assert report("wrote", 1_500_000_000, 0, 512, 512, 1, True) == (
        "512,1,0:00:01.50,341.333,0.667\n"
    )


def test_qcow2_writes_allocate_and_zero_writes_make_zero_clusters(tmp_path: Path) -> None:
    from qmonitor.machine.block import qcow2_image
    from qmonitor.machine.block.qcow2_data import entry_at
    from qmonitor.machine.block.qcow2_meta import ZERO

    image = tmp_path / "disk.qcow2"
    qcow2_image.create(str(image), 1 << 20)
    graph = BlockGraph(random.Random(1))
    blockdev_add(graph, {"driver": "qcow2", "node-name": "q",
                         "file": {"driver": "file", "filename": str(image)}})  # fmt: skip
    node = graph.nodes["q"]
    target = _target(node)
    _run(target, "write -P 7 1000 100")
    # Header, refcount table and block, L1 table; then an L2 table and a data cluster.
    assert image.stat().st_size == 6 * 65536
    assert "read 100/100" in _run(target, "read -P 7 1000 100").stdout
    assert "read 1000/1000" in _run(target, "read -P 0 0 1000").stdout
    _run(target, "write -z 131072 65536")
    assert image.stat().st_size == 6 * 65536  # a zero cluster takes no data
    assert entry_at(node, 131072) == ZERO
    assert _run(target, "map").stdout == (
        "64 KiB (0x10000) bytes     allocated at offset 0 bytes (0x0)\n"
        "64 KiB (0x10000) bytes not allocated at offset 64 KiB (0x10000)\n"
        "64 KiB (0x10000) bytes     allocated at offset 128 KiB (0x20000)\n"
        "832 KiB (0xd0000) bytes not allocated at offset 192 KiB (0x30000)\n"
    )
    assert node.children["file"].wr_highest_offset == 6 * 65536


_WORDS = (
    "read", "write", "readv", "writev", "aio_read", "aio_write", "aio_flush", "flush",
    "discard", "length", "info", "map", "alloc", "help", "r", "w", "?", "break",
    "-P", "-z", "-u", "-q", "-v", "-C", "-l", "-s", "-b", "-c", "-n", "-f", "-i", "-x", "--",
    "0", "1", "512", "4k", "1M", "2g", "-1", "0x10", "0x10k", "9223372036854775807",
    "18446744073709551616", "1.5k", "x", "", "disk.raw",
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=7), st.booleans())
def test_no_command_line_raises(words: list[str], medium: bool) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        graph = _graph(Path(tmp), size=1 << 16)
        target = _target(graph.nodes["fmt"] if medium else None, BlockAcctStats())
        sink = _run(target, " ".join(words))
    assert isinstance(sink.stdout, str)


def test_sleep_reads_strtol_base_0_and_waits(tmp_path: Path) -> None:
    target = _target(_graph(tmp_path).nodes["fmt"])
    sink = _run(target, "sleep 0x10")
    assert (sink.stdout, sink.waited) == ("", [0.016])
    for bad in ("08", "-1", "1x", "-"):
        sink = _run(target, f"sleep {bad}")
        assert (sink.stdout, sink.waited) == (f"{bad} is not a valid number\n", [])
    assert _run(target, "sleep 99999999999999999999").waited == [(2**63 - 1) / 1000]
    assert _run(_target(None), "sleep 0").waited == [0.0]  # no medium needed


def test_truncate_prealloc_grows_a_file(tmp_path: Path) -> None:
    graph = _graph(tmp_path)
    target = Target(graph.nodes["fmt"], None, lambda: 5, lambda start: 7, lambda n, o, b: None,
                    graph=graph)  # fmt: skip
    assert _run(target, "truncate -m full 2M").monitor_text == ""
    image = tmp_path / "disk.raw"
    assert image.stat().st_size == 2 << 20
    assert _run(target, "truncate -m metadata 3M").monitor_text == (
        "Unsupported preallocation mode: metadata\n"
    )
    assert _run(target, "truncate -m falloc 1M").monitor_text == (
        "Cannot use preallocation for shrinking files\n"
    )
    assert image.stat().st_size == 2 << 20


def test_abort_asks_the_process_to_abort() -> None:
    sink = _run(_target(None), "abort")
    assert sink.aborted and sink.stdout == ""
