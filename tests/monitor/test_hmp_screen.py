"""The recorded HMP sessions rendered by a terminal emulator: QEMU's screen is qmonitor's.

The byte-for-byte replay (test_hmp_golden.py) already shows that qmonitor
writes what QEMU 7.2 wrote.  This suite shows the same at the level a
person sees: QEMU's recorded output and qmonitor's output for the same
keys are fed, step by step, into two ``pyte`` VT100 screens, and after
every step both screens must show the same lines with the cursor in the
same place.  It also guards the comparison itself: a difference in bytes
that a terminal renders alike would pass here and fail there, and the
other way round cannot happen.

Sessions whose output is stored only as a digest (too long to keep) have
no QEMU bytes to render and are left out; sessions that list the command
line's chardevs run against a real ``python -m qmonitor`` process.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pyte
import pytest
from test_hmp_golden import THEMES, machine_for, qemu_tables

from qmonitor.machine.hmp_commands import HMP_CMDS
from qmonitor.monitor.hmp import MonitorHMP
from qmonitor_testsupport.fakes import FakeChardev
from qmonitor_testsupport.hmp_golden import from_json_text, qmonitor_command, replay_outputs

#: The terminal QEMU's users typically have.
COLUMNS, LINES = 80, 24
#: A narrow, short terminal too: wrapping and scrolling must agree as well.
SMALL = (40, 8)


def _renderable(case: dict[str, Any]) -> bool:
    return (
        case["kind"] == "socket"
        and not case.get("reference_only")
        and all("recv" in step for step in case["steps"])
    )


CASES = [
    pytest.param(theme, case, id=f"{name}/{case['name']}")
    for name, theme in THEMES.items()
    for case in theme["cases"]
    if _renderable(case)
]


class Terminal:
    """A pyte screen fed raw output bytes."""

    def __init__(self, columns: int, lines: int) -> None:
        self.screen = pyte.Screen(columns, lines)
        self.stream = pyte.ByteStream(self.screen)

    def feed(self, data: bytes) -> None:
        self.stream.feed(data)

    def state(self) -> tuple[list[str], tuple[int, int]]:
        """The visible lines and the cursor (column, row)."""
        return list(self.screen.display), (self.screen.cursor.x, self.screen.cursor.y)


async def _qmonitor_in_process(theme: dict[str, Any], case: dict[str, Any]) -> list[bytes]:
    machine = machine_for(theme, case)
    chr = FakeChardev()
    chr.be_open = True
    commands = qemu_tables() if case["qemu_table"] else HMP_CMDS
    mon = MonitorHMP(machine, chr, commands=commands)
    mon.start()
    outputs: list[bytes] = []
    for i, step in enumerate(case["steps"]):
        if i:
            chr.be_write(from_json_text(step["send"]))
        for _ in range(3):
            await asyncio.sleep(0)
        outputs.append(bytes(chr.written))
        chr.written.clear()
    return outputs


def _qmonitor_process(theme: dict[str, Any], case: dict[str, Any]) -> list[bytes]:
    # Each step waits for the recorded number of bytes, not for a quiet
    # window alone: a process that starts slowly on a busy machine would
    # otherwise look as if it had written no banner.
    version, package = theme["qemu"]["version"], theme["qemu"]["package"]
    outputs, _eof, _stdout = replay_outputs(
        case, qmonitor_command(version, package), stop_early=False
    )
    return outputs


def qmonitor_outputs(theme: dict[str, Any], case: dict[str, Any]) -> list[bytes]:
    """What qmonitor writes for each step of ``case`` (the first: before any key)."""
    if case.get("process"):
        return _qmonitor_process(theme, case)
    return asyncio.run(_qmonitor_in_process(theme, case))


def compare_screens(
    theirs: list[bytes], ours: list[bytes], sends: list[str], size: tuple[int, int]
) -> list[str]:
    """Feed both outputs step by step; the steps after which the screens differ."""
    qemu, qmon = Terminal(*size), Terminal(*size)
    problems: list[str] = []
    for index, (want, got) in enumerate(zip(theirs, ours, strict=False)):
        qemu.feed(want)
        qmon.feed(got)
        (want_lines, want_cursor), (got_lines, got_cursor) = qemu.state(), qmon.state()
        if want_lines != got_lines or want_cursor != got_cursor:
            diff = [
                f"  row {row}: QEMU {a!r}\n  row {row}: ours {b!r}"
                for row, (a, b) in enumerate(zip(want_lines, got_lines, strict=True))
                if a != b
            ]
            problems.append(
                f"{size[0]}x{size[1]} step {index} {sends[index][:40]!r}: cursor QEMU"
                f" {want_cursor} ours {got_cursor}\n" + "\n".join(diff)
            )
            break
    if len(theirs) != len(ours):
        problems.append(f"{len(theirs)} steps recorded, qmonitor gave {len(ours)}")
    return problems


@pytest.mark.parametrize(("theme", "case"), CASES)
def test_screens_match(theme: dict[str, Any], case: dict[str, Any]) -> None:
    theirs = [from_json_text(step["recv"]) for step in case["steps"]]
    ours = qmonitor_outputs(theme, case)
    sends = [step["send"] for step in case["steps"]]
    problems = compare_screens(theirs, ours, sends, (COLUMNS, LINES))
    problems += compare_screens(theirs, ours, sends, SMALL)
    assert problems == []


def test_the_comparison_sees_what_a_person_sees() -> None:
    """Different bytes, same screen: equal.  A misplaced cursor: different."""
    redraw = [b"(qemu) ab\x1b[K\x1b[D"]
    same = [b"(qemu) a\x1b[Kb\x1b[D"]
    moved = [b"(qemu) ab\x1b[K"]
    assert compare_screens(redraw, same, ["ab"], (COLUMNS, LINES)) == []
    assert compare_screens(redraw, moved, ["ab"], (COLUMNS, LINES)) != []


def test_only_digested_sessions_are_left_out() -> None:
    left_out = [
        case["name"]
        for theme in THEMES.values()
        for case in theme["cases"]
        if case["kind"] == "socket" and not case.get("reference_only") and not _renderable(case)
    ]
    assert all(
        any("recv_len" in s for s in c["steps"])
        for t in THEMES.values()
        for c in t["cases"]
        if c["name"] in left_out
    )
    assert len(left_out) <= 4
