"""Save to a file and restore from it (``virsh save``/``restore``), with qmonitor at both ends.

The saved file is qmonitor's stream (checked with the sans-IO reader); the
same file cut short or corrupted makes the destination fail as QEMU's does
(MIGRATION ``failed``, QEMU's lines on stderr, exit status 1).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from qmonitor.machine.migrate.stream import CUT_SHORT, LOAD_FAILED, StreamReader
from qmonitor_testsupport.migration_cases import EVENTS_ON
from qmonitor_testsupport.migration_pair import Scenario, cmd, event, exits, run_scenario

QMONITOR = (sys.executable, "-m", "qmonitor")
PC = ("-M", "pc", "-m", "128")
SAVE = Scenario(
    "save",
    (*PC, "-S"),
    (),
    (
        cmd("src", "migrate-set-capabilities", EVENTS_ON),
        cmd("src", "migrate", {"uri": "exec:cat > {file}"}),
        event("src", "MIGRATION", {"status": "completed"}),
    ),
    no_destination=True,
)
RESTORE = Scenario(
    "restore",
    (),
    (*PC, "-incoming", "defer"),
    (
        cmd("dst", "migrate-set-capabilities", EVENTS_ON),
        cmd("dst", "migrate-incoming", {"uri": "exec:cat {file}"}),
        exits("dst"),
    ),
)


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    work = tmp_path_factory.mktemp("save")
    got = run_scenario(SAVE, QMONITOR, work)
    assert "aborted" not in got
    return (work / "state.bin").read_bytes()


def test_saved_file_is_a_qmonitor_stream(saved: bytes) -> None:
    reader = StreamReader("pc-i440fx-7.2", 128 << 20)
    reader.feed(saved)
    assert reader.state is not None
    assert reader.state["runstate"] == "prelaunch"
    assert len(bytes.fromhex(reader.state["rtc"]["cmos"])) == 128


def _restore(tmp_path: Path, content: bytes) -> dict[str, Any]:
    def prepare(path: Path) -> None:
        path.write_bytes(content)

    scenario = Scenario(RESTORE.name, ("-M", "none"), RESTORE.dst_args, RESTORE.steps)
    return run_scenario(scenario, QMONITOR, tmp_path, prepare)


@pytest.mark.parametrize("cut", [-1, -5, 20])
def test_cut_short_stream_fails_the_destination(saved: bytes, tmp_path: Path, cut: int) -> None:
    got = _restore(tmp_path, saved[:cut])
    statuses = [m["data"]["status"] for m in got["dst"] if m.get("event") == "MIGRATION"]
    assert statuses == ["setup", "active", "failed"]
    assert got["dst-exit"] == 1
    lines = [line.split(": ", 1)[1] for line in str(got["dst-stderr"]).splitlines()]
    assert lines == [CUT_SHORT, LOAD_FAILED.format("Invalid argument")]


def test_quit_while_waiting_for_a_source(tmp_path: Path) -> None:
    """A destination listening (or connected to a silent source) still quits at once."""
    listener = Scenario(
        "quit",
        (),
        ("-M", "none", "-incoming", "unix:{sock}"),
        (cmd("dst", "query-migrate"), cmd("dst", "quit"), exits("dst")),
    )
    got = run_scenario(listener, QMONITOR, tmp_path)
    assert got["dst-exit"] == 0
    assert got["dst"][1] == {"return": {"socket-address": [{"path": "{sock}", "type": "unix"}]}}
