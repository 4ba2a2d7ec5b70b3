"""``-incoming URI`` that cannot start: qmonitor prints what QEMU 7.2 prints and exits alike.

Run against the installed QEMU side by side (skipped without it).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from qmonitor_testsupport.procs import QEMU

pytestmark = pytest.mark.skipif(QEMU is None, reason="qemu-system-x86_64 is not installed")

URIS = (
    "foo:bar",
    "tcp:nohostport",
    "unix:{tmp}/no/such/dir/x.sock",
    "fd:nosuch",
    "fd:",
)


def _run(command: list[str], uri: str) -> tuple[int, str]:
    args = [*command, "-M", "none", "-display", "none", "-nodefaults", "-incoming", uri]
    proc = subprocess.run(
        args, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL
    )
    # Both name themselves first: compare what follows.
    return proc.returncode, proc.stderr.split(": ", 1)[-1]


@pytest.mark.parametrize("uri", URIS)
def test_bad_incoming_uri_as_qemu(uri: str, tmp_path: Path) -> None:
    uri = uri.format(tmp=tmp_path)
    assert QEMU is not None
    assert _run([sys.executable, "-m", "qmonitor"], uri) == _run([QEMU], uri)
