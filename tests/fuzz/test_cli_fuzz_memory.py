"""The in-process command-line fuzz lets go of each machine it builds.

A million inputs build tens of thousands of machines in one process; one
kept alive each (by what it scheduled on a loop that never runs) grew the
run past half a gigabyte.
"""

from __future__ import annotations

import gc
from pathlib import Path

from qmonitor.machine.machine import Machine
from qmonitor_testsupport.cli_fuzz import check_argv


def _machines() -> int:
    gc.collect()
    return sum(isinstance(obj, Machine) for obj in gc.get_objects())


def test_the_machines_checked_are_freed(tmp_path: Path) -> None:
    before = _machines()
    for machine_type in ("pc", "q35", "none"):
        outcome = check_argv(["-M", machine_type, "-display", "none", "-S"], str(tmp_path))
        assert outcome.status is None  # accepted: a machine was built and checked
    assert _machines() == before
