"""Start-up's objects are out of the cyclic collector's way once the machine runs."""

from __future__ import annotations

import subprocess
import sys

#: Runs the machine with an HMP monitor on stdio until ``quit``; at exit,
#: how many objects the collector's permanent generation holds, and how
#: many a full collection would still walk.
SCRIPT = """
import atexit, gc, sys
atexit.register(lambda: sys.stderr.write(
    f"frozen={gc.get_freeze_count()} walked={len(gc.get_objects())}\\n"))
from qmonitor.cli import main
sys.exit(main(["qmonitor", "-M", "none", "-display", "none", "-nodefaults",
               "-monitor", "stdio"]))
"""


def _counts(stdin: bytes) -> dict[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], input=stdin, capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    line = done.stderr.decode().strip().splitlines()[-1]
    return {k: int(v) for k, v in (item.split("=") for item in line.split())}


def test_startup_objects_are_frozen() -> None:
    # A full collection during a command walks only what start-up did not
    # build (the schema, command tables and QOM types are frozen).
    counts = _counts(b"info status\nquit\n")
    assert counts["frozen"] > 10_000
    assert counts["walked"] < counts["frozen"] // 4


def test_commands_still_work_after_freezing() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        input=b"info status\nquit\n",
        capture_output=True,
        timeout=60,
    )
    assert b"VM status: running" in done.stdout
