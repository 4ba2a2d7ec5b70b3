"""HMP qemu-io and dirty bitmap sessions played against real QEMU 7.2 and qmonitor, same run.

Each session of qmonitor_testsupport.qemu_io_cases (also recorded in
tests/golden/qemu_io) runs on fresh images in both programs: the
replies, qemu-io's standard output and error, and the images afterwards
(raw bytes; a qcow2 image's guest data and ``qemu-img check``'s verdict)
must agree.  Skipped without QEMU and qemu-img.
"""

from __future__ import annotations

import shutil
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
