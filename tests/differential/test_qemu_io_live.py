"""HMP qemu-io and dirty bitmap sessions played against real QEMU 7.2 and qmonitor, same run.

Each session of qmonitor_testsupport.qemu_io_cases (also recorded in
tests/golden/qemu_io) runs on fresh images in both programs: the
replies, qemu-io's standard output and error, and the images afterwards
(raw bytes; a qcow2 image's guest data and ``qemu-img check``'s verdict)
must agree.  Skipped without QEMU and qemu-img.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from typing import Any

import pytest

from qmonitor_testsupport.qemu_io_cases import CASES
from qmonitor_testsupport.qemu_io_session import run_session

QEMU = shutil.which("qemu-system-x86_64")
QEMU_IMG = shutil.which("qemu-img")
pytestmark = [
    pytest.mark.qemu,
    pytest.mark.slow,
    pytest.mark.skipif(QEMU is None or QEMU_IMG is None, reason="QEMU is not installed"),
]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_same_session_same_results(case: dict[str, Any]) -> None:
    assert QEMU is not None
    theirs = run_session([QEMU], case)
    ours = run_session([sys.executable, "-m", "qmonitor"], case)
    for i, (want, have) in enumerate(zip(theirs["replies"], ours["replies"], strict=True)):
        assert have == want, f"step {i}: {case['steps'][i]}"
    assert ours["stdout"] == theirs["stdout"]
    assert ours["stderr"] == theirs["stderr"]
    assert ours["after"] == theirs["after"]


def _abort_status(binary: list[str]) -> tuple[int, str, str]:
    """qemu-io ``abort`` through human-monitor-command: exit status, stdout, stderr."""
    requests = (
        '{"execute": "qmp_capabilities"}\n'
        '{"execute": "human-monitor-command", '
        '"arguments": {"command-line": "qemu-io d0 \\"abort\\""}}\n'
    )
    proc = subprocess.run(
        [*binary, "-M", "none", "-display", "none", "-nodefaults", "-drive",
         "if=none,id=d0,driver=null-co", "-qmp", "stdio"],
        input=requests, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    # Only the greeting and the negotiation's reply: the command's never comes.
    lines = [line for line in proc.stdout.splitlines() if '"QMP"' not in line]
    return proc.returncode, "\n".join(lines), proc.stderr


def test_abort_ends_the_process_as_qemu() -> None:
    assert QEMU is not None
    theirs = _abort_status([QEMU])
    assert theirs[0] == -signal.SIGABRT
    assert _abort_status([sys.executable, "-m", "qmonitor"]) == theirs
