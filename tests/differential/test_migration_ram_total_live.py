"""query-migrate's RAM total of a saved PC, live against QEMU 7.2, with and without ACPI.

The total counts the RAM blocks a machine migrates: guest RAM, pc.bios,
pc.rom and, when the machine builds ACPI tables, their three blobs.
libvirt starts a domain without ``<acpi/>`` with ``acpi=off``, so the
figure it reads after ``virsh save`` is the smaller one.  Each command
line runs under QEMU and qmonitor, migrates to ``exec:`` and compares
the totals.  Skipped when QEMU is not on PATH.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from qmonitor_testsupport.migration_pair import STEP_TIMEOUT, QmpClient, _process
from qmonitor_testsupport.procs import QEMU

pytestmark = [
    pytest.mark.qemu,
    pytest.mark.skipif(QEMU is None, reason="qemu-system-x86_64 is not installed"),
]

CASES = (
    ("-M", "pc", "-m", "128", "-S"),
    ("-M", "pc,acpi=off", "-m", "128", "-S"),
    ("-M", "pc", "-no-acpi", "-m", "64", "-S"),
    ("-M", "q35,acpi=off", "-m", "128", "-S"),
)


def _ram_total(command: Sequence[str], args: Sequence[str], tmp: Path) -> int:
    """Migrate to a discarding ``exec:`` and return the completed migration's RAM total."""
    with contextlib.ExitStack() as stack:
        qmp = tmp / "qmp.sock"
        stack.enter_context(_process(command, args, qmp))
        client = QmpClient(qmp, "qmp", [])
        stack.callback(client.close)
        client.cmd("migrate", {"uri": "exec:cat > /dev/null"})
        end = time.monotonic() + STEP_TIMEOUT
        while time.monotonic() < end:
            reply = client.cmd("query-migrate")["return"]
            if reply.get("status") in ("completed", "failed"):
                assert reply["status"] == "completed"
                return int(reply["ram"]["total"])
            time.sleep(0.02)
    raise TimeoutError("the migration did not complete")


@pytest.mark.parametrize("args", CASES, ids=" ".join)
def test_ram_total_is_qemus(args: tuple[str, ...], tmp_path: Path) -> None:
    assert QEMU is not None
    (tmp_path / "q").mkdir()
    (tmp_path / "m").mkdir()
    theirs = _ram_total([QEMU], args, tmp_path / "q")
    ours = _ram_total([sys.executable, "-m", "qmonitor"], args, tmp_path / "m")
    assert ours == theirs
