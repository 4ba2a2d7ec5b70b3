"""The default devices a ``-device`` or ``-global`` driver turns off, against QEMU 7.2.

QEMU leaves out its default CD-ROM, floppy drive, serial port and display
adapter when the command line names a driver of softmmu/vl.c's default_list
(qmonitor.options.default_list).  Each command line runs on QEMU and on
qmonitor; the devices ``info qtree`` lists (as a multiset) and the drives
``query-block`` lists must be the same.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from qmonitor_testsupport.procs import qmonitor_cmd, qmp_replies

QEMU = shutil.which("qemu-system-x86_64")

pytestmark = [
    pytest.mark.qemu,
    pytest.mark.skipif(QEMU is None, reason="qemu-system-x86_64 is not installed"),
]

BASE = ["-M", "pc", "-S", "-display", "none"]

CASES = {
    "ide-cd": ["-device", "ide-cd,id=cd9"],
    "ide-hd": ["-drive", "if=none,id=d,file={img},format=raw", "-device", "ide-hd,drive=d"],
    "floppy": ["-device", "floppy"],
    "vga": ["-device", "VGA"],
    "cirrus": ["-device", "cirrus-vga"],
    "vga-global": ["-global", "VGA.vgamem_mb=16"],
    "vga-json": ["-device", '{"driver": "VGA"}'],
    "vga-and-vga-option": ["-vga", "std", "-device", "VGA"],
    "isa-serial": ["-device", "isa-serial"],
    "isa-parallel": ["-chardev", "null,id=p", "-device", "isa-parallel,chardev=p"],
    "q35-ide-hd": [
        "-M", "q35", "-drive", "if=none,id=d,file={img},format=raw", "-device", "ide-hd,drive=d",
    ],
}  # fmt: skip

REQUESTS = [
    {"execute": "qmp_capabilities"},
    {"execute": "human-monitor-command", "arguments": {"command-line": "info qtree"}},
    {"execute": "query-block"},
    {"execute": "quit"},
]


def _machine(cmd: list[str], args: list[str], cwd: Path) -> tuple[Counter[str], list[str]]:
    replies = [json.loads(line) for line in qmp_replies(cmd, args, REQUESTS, cwd)]
    qtree, block = replies[1]["return"], replies[2]["return"]
    return Counter(re.findall(r"dev: ([\w-]+)", qtree)), [b["device"] for b in block]


@pytest.mark.parametrize("name", sorted(CASES))
def test_default_devices_as_qemu(name: str, tmp_path: Path) -> None:
    img = tmp_path / "disk.img"
    img.write_bytes(bytes(1 << 20))
    args = [*BASE, *(a.replace("{img}", str(img)) for a in CASES[name])]
    assert QEMU is not None
    assert _machine(qmonitor_cmd(), args, tmp_path) == _machine([QEMU], args, tmp_path)
