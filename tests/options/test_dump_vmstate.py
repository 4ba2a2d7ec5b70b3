"""``-dump-vmstate FILE``: QEMU 7.2's recorded description written once the machine is made.

The file is created when the option is met (its error at the option's
location, fuzz case 27); after parse_numa_opts the description is written
and the run ends with status 0.  tools/record_vmstate.py recorded the text.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from qmonitor.machine.vmstate_dump import vmstate_json
from qmonitor.options.cmdline import CmdlineError, parse_args

PROG = "qemu-system-x86_64"


def _dump(tmp_path: Path, *argv: str) -> str:
    out = tmp_path / "vmstate.json"
    with pytest.raises(CmdlineError) as info:
        parse_args(["-display", "none", "-nodefaults", *argv, "-dump-vmstate", str(out)], PROG)
    assert (info.value.status, info.value.message) == (0, "")
    return out.read_text()


def test_the_machine_types_name_first(tmp_path: Path) -> None:
    text = _dump(tmp_path, "-M", "pc")
    assert text == vmstate_json("pc-i440fx-7.2")
    assert json.loads(text)["vmschkmachine"] == {"Name": "pc-i440fx-7.2"}
    assert json.loads(_dump(tmp_path, "-M", "none"))["vmschkmachine"] == {"Name": "none"}


def test_a_file_that_cannot_be_opened() -> None:
    with pytest.raises(CmdlineError) as info:
        parse_args(["-M", "none", "-dump-vmstate", ""], PROG)
    assert info.value.message == f"{PROG}: -dump-vmstate : open : No such file or directory\n"


def test_errors_before_it_still_end_the_run(tmp_path: Path) -> None:
    out = tmp_path / "v.json"
    with pytest.raises(CmdlineError) as info:
        parse_args(["-M", "none", "-dump-vmstate", str(out), "-mon", "nosuch"], PROG)
    assert info.value.status == 1
    assert out.read_text() == ""  # created when the option was met


@pytest.mark.skipif(shutil.which("qemu-system-x86_64") is None, reason="needs QEMU 7.2")
def test_same_bytes_as_qemu(tmp_path: Path) -> None:
    theirs = tmp_path / "q.json"
    subprocess.run(
        ["qemu-system-x86_64", "-M", "q35", "-display", "none", "-nodefaults",
         "-dump-vmstate", str(theirs)],
        check=True, timeout=60,
    )  # fmt: skip
    assert _dump(tmp_path, "-M", "q35") == theirs.read_text()
