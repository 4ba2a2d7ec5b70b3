"""``-cpu`` refused by the ``qmonitor`` process as by QEMU: after its chardevs are open.

QEMU checks ``-cpu`` once it has opened the chardevs and exits without
closing them, so a unix server's socket file stays behind.  The texts come
from tests/golden/cli/cases.json (recorded from QEMU 7.2); with QEMU
installed, the socket file it leaves is checked too.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from qmonitor_testsupport.procs import QEMU, qmonitor_cmd

GOLDEN = json.loads((Path(__file__).resolve().parent.parent / "golden/cli/cases.json").read_text())
CASES = {case["name"]: case for case in GOLDEN["cases"]}
NAMES = ["cpu_on_null_machine", "cpu_ambiguous", "cpu_pc_host_on_tcg", "cpu_unknown_model"]


def _run(cmd: list[str], case: dict[str, object], tmp: Path) -> subprocess.CompletedProcess[str]:
    argv = [str(a).replace("{tmp}", str(tmp)) for a in case["argv"]]  # type: ignore[attr-defined]
    qmp = f"unix:{tmp}/qmp.sock,server=on,wait=off"
    return subprocess.run(
        [*cmd, *argv, "-qmp", qmp],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.parametrize("name", NAMES)
def test_qmonitor_refuses_late_and_leaves_the_socket(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    done = _run(qmonitor_cmd(), case, tmp_path)
    assert done.returncode == case["status"] == 1
    want = case["stderr"].replace(f"{GOLDEN['qemu']}: ", "qmonitor: ")
    assert done.stderr == want
    assert (tmp_path / "qmp.sock").exists()


@pytest.mark.qemu
@pytest.mark.skipif(QEMU is None, reason="qemu-system-x86_64 is not installed")
@pytest.mark.parametrize("name", NAMES)
def test_qemu_leaves_the_socket_too(name: str, tmp_path: Path) -> None:
    assert QEMU is not None
    done = _run([QEMU], CASES[name], tmp_path)
    assert done.returncode == 1
    assert (tmp_path / "qmp.sock").exists()


def test_msg_timestamps_start_the_late_lines(tmp_path: Path) -> None:
    case = dict(CASES["cpu_ambiguous"])
    case["argv"] = ["-msg", "timestamp=on", *case["argv"]]
    done = _run(qmonitor_cmd(), case, tmp_path)
    lines = done.stderr.splitlines(keepends=True)
    stamp = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z ")
    assert all(stamp.match(line) for line in lines)
    want = CASES["cpu_ambiguous"]["stderr"].replace(f"{GOLDEN['qemu']}: ", "qmonitor: ")
    assert "".join(stamp.sub("", line) for line in lines) == want
