"""The order of ``info chardev``: QEMU's /chardevs hash table, iterated and reversed.

The expected orders are what QEMU 7.2 printed for the same chardevs created
in the same order (``-qmp`` first, then the options in command-line order,
a mux's base before the mux); tests/golden/hmp/chardev.json has more, and
tests/monitor/test_hmp_golden.py replays them against qmonitor.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qmonitor.chardev.base import Chardev, NullChardev
from qmonitor.chardev.container import listing_order
from qmonitor.chardev.file import FileChardev
from qmonitor.chardev.mux import MuxChardev
from qmonitor.chardev.stdio import StdioChardev
from qmonitor.util.ghash import g_str_hash
from qmonitor_testsupport.hmp_golden import load_theme

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "hmp" / "chardev.json"


@pytest.mark.parametrize(
    ("created", "listed"),
    [
        (["compat_monitor0", "v", "n", "f", "p"], ["v", "f", "p", "n", "compat_monitor0"]),
        (
            ["compat_monitor0", "serial0-base", "serial0"],
            ["serial0", "compat_monitor0", "serial0-base"],
        ),
        (
            ["compat_monitor0", "cl", "tc", "ts", "ts2", "ts3", "ts4"],
            ["ts2", "ts4", "ts", "tc", "ts3", "compat_monitor0", "cl"],
        ),
        # Eight entries: the table grows (in place, by eviction).
        (
            ["compat_monitor0", "compat_monitor1", "t1", "n1", "f1", "p1", "c-base", "c"],
            ["c", "compat_monitor0", "n1", "p1", "c-base", "compat_monitor1", "f1", "t1"],
        ),
        # Twenty-one: it grows twice (QEMU's qom-list /chardevs, less "type").
        (
            ["compat_monitor0", *(f"c{i}" for i in range(20))],
            [f"c{i}" for i in (6, 17, 3, 14, 0, 11, 8, 19, 5, 16, 2, 13, 10, 7, 18, 4, 15, 1)]
            + ["compat_monitor0", "c12", "c9"],
        ),
    ],
)
def test_listing_order_is_qemus(created: list[str], listed: list[str]) -> None:
    assert listing_order(created) == listed


def test_listing_order_of_the_recorded_sessions() -> None:
    """The golden sessions: the HMP socket is compat_monitor0, then the options."""
    theme = load_theme(GOLDEN)
    checked = 0
    for case in theme["cases"]:
        args = case["args"]
        created = ["compat_monitor0"]
        monitors = 1
        for opt, value in zip(args[::2], args[1::2], strict=True):
            if opt == "-chardev":
                ident = next(p[3:] for p in value.split(",") if p.startswith("id="))
                created += [f"{ident}-base", ident] if "mux=on" in value else [ident]
            elif opt in ("-qmp", "-monitor"):
                created.append(f"compat_monitor{monitors}")
                monitors += 1
            elif opt == "-serial":
                created += ["serial0-base", "serial0"]
        listing = case["steps"][1]["recv"].split("\r\n")[1:-1]
        assert listing_order(created) == [line.split(":")[0] for line in listing]
        checked += 1
    assert checked >= 6


def test_g_str_hash_is_glibs() -> None:
    # djb2 over signed chars, in 32 bits; 0 and 1 are reserved by the table.
    assert g_str_hash("") == 5381
    assert g_str_hash("a") == 5381 * 33 + 97
    assert g_str_hash("\udcff") == (5381 * 33 - 1) & 0xFFFFFFFF


def test_listing_order_ignores_repeats() -> None:
    assert listing_order(["a", "b", "a"]) == listing_order(["a", "b"])


@pytest.mark.parametrize(
    ("chardev", "filename"),
    [
        (NullChardev("n"), "null"),
        (NullChardev("v", driver="vc"), "vc"),
        (MuxChardev("c", NullChardev("c-base")), "mux"),
    ],
)
def test_filenames(chardev: Chardev, filename: str) -> None:
    assert chardev.filename == filename


def test_file_and_stdio_filenames(tmp_path: Path) -> None:
    file = FileChardev("f", str(tmp_path / "out.txt"))
    null = os.open(os.devnull, os.O_RDWR)
    stdio = StdioChardev("s", rfd=null, wfd=null)
    try:
        assert (file.filename, stdio.filename) == ("file", "stdio")
    finally:
        file.close()
        stdio.close()
        os.close(null)
