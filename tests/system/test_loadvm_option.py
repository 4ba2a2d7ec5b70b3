"""``-loadvm NAME``: start-up loads the snapshot once the machine is made (qmp_x_exit_preconfig).

Its error is fatal, printed without a location (fuzz cases 91, 123, 178 recorded
QEMU's text for a machine with no drive; migration/savevm.c's for a drive
without the snapshot).  A snapshot the machine saved loads, and the run goes on.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from qmonitor.machine.block.qcow2_create import qcow2_image
from qmonitor_testsupport.cli_fuzz_cases import run_exit_case

NONE = ["-M", "none", "-display", "none", "-nodefaults"]
CMD = [sys.executable, "-m", "qmonitor"]


def _refused(*argv: str) -> dict[str, object]:
    got = run_exit_case(CMD, [*NONE, *argv], None, seconds=60.0)
    assert not got["started"]
    return got


def test_no_block_device_for_the_vm_state() -> None:
    got = _refused("-loadvm", "snap")
    assert got["status"] == 1
    assert got["stderr"] == "qmonitor: no block device can store vmstate for snapshot\n"


def test_a_drive_without_the_snapshot(tmp_path: Path) -> None:
    image = tmp_path / "d.qcow2"
    _qcow2(image)
    got = _refused("-drive", f"file={image},if=none", "-loadvm", "snap")
    assert got["stderr"] == "qmonitor: Snapshot 'snap' does not exist in one or more devices\n"


def test_a_saved_snapshot_is_loaded(tmp_path: Path) -> None:
    image = tmp_path / "d.qcow2"
    _qcow2(image)
    drive = ["-drive", f"file={image},if=none"]
    subprocess.run(
        [*CMD, *NONE, *drive, "-monitor", "stdio"],
        input="savevm snap\nquit\n", capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    script = '{"execute":"qmp_capabilities"}\n{"execute":"query-status"}\n{"execute":"quit"}\n'
    done = subprocess.run(
        [*CMD, *NONE, *drive, "-loadvm", "snap", "-qmp", "stdio"],
        input=script, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    replies = [json.loads(line) for line in done.stdout.splitlines()]
    assert replies[2]["return"]["status"] == "running"


def _qcow2(path: Path) -> None:
    """An empty 1 MiB qcow2 image, as blockdev-create makes it."""
    path.write_bytes(qcow2_image(1 << 20))
