"""Replay HMP sessions recorded from QEMU 7.2 (tests/golden/hmp/) against MonitorHMP.

Each socket case drives a real :class:`MonitorHMP` on a chardev that keeps
what is written, in a real :class:`Machine` claiming the recorded QEMU
version: the banner, every echoed key, redraw, completion listing and
command output must be the recorded bytes, and so must what went to
standard output.  Cases whose output lists QEMU's own command names
(``qemu_table``) run with a command table rebuilt from QEMU's recorded
``help`` and ``info`` listings; every other case runs with qmonitor's.
``hmc`` cases compare ``human-monitor-command`` return values.  Cases
that list the command line's chardevs (``process``) are replayed against
a ``python -m qmonitor`` process started with the recorded options.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from qmonitor.machine.hmp_commands import HMP_CMDS, INFO_CMDS, HMPCommand
from qmonitor.machine.hmp_exec import run_hmp_command
from qmonitor.machine.machine import Machine
from qmonitor.monitor.hmp import MonitorHMP
from qmonitor.monitor.hmp_args import FORMAT_DEFAULTS, FormatDefaults
from qmonitor.options.cmdline import parse_args
from qmonitor.system.startup import machine_options
from qmonitor_testsupport.fakes import FakeChardev
from qmonitor_testsupport.hmp_golden import (
    BASE_ARGS,
    describe_mismatch,
    from_json_text,
    load_theme,
    qmonitor_command,
    recv_matches,
    replay_live,
)

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "hmp"
THEMES = {p.stem: load_theme(p) for p in sorted(GOLDEN.glob("*.json"))}


def _cases(kind: str, *, process: bool = False) -> list[Any]:
    return [
        pytest.param(theme, case, id=f"{name}/{case['name']}")
        for name, theme in THEMES.items()
        for case in theme["cases"]
        if case["kind"] == kind
        and not case.get("reference_only")
        and bool(case.get("process")) == process
    ]


def machine_for(theme: dict[str, Any], case: dict[str, Any]) -> Machine:
    """A machine configured from the case's command line, claiming the recorded QEMU."""
    # The recorder's base options (-nodefaults among them), then the case's.
    config = parse_args([*BASE_ARGS, *case["args"]], "qemu-system-x86_64")
    major, minor, micro = (int(x) for x in theme["qemu"]["version"].split("."))
    options = machine_options(config, ((major, minor, micro), theme["qemu"]["package"]))
    return Machine(replace(options, use_io_thread=False))


def _nothing(mon: MonitorHMP, args: dict[str, Any]) -> None:
    return


def _listed(case_name: str, step: int) -> list[str]:
    """The names in a recorded completion listing (the lines after the typed line)."""
    case = next(c for c in THEMES["completion"]["cases"] if c["name"] == case_name)
    listing = from_json_text(case["steps"][step]["recv"]).decode()
    body = listing[listing.index("\r\n") + 2 : listing.rindex("\r\n")]
    return body.split()


def qemu_tables() -> tuple[HMPCommand, ...]:
    """QEMU's command names, from its recorded completion listings.

    Commands qmonitor has keep their entries (aliases included); QEMU's
    others are names that do nothing, which is all completion looks at.
    """

    def table(names: list[str], ours: tuple[HMPCommand, ...]) -> list[HMPCommand]:
        by_alias = {alias: cmd for cmd in ours for alias in cmd.name.split("|")}
        found: list[HMPCommand] = []
        for name in names:
            cmd = by_alias.get(name) or HMPCommand(name, "", "", "", _nothing)
            if cmd not in found:
                found.append(cmd)
        return found

    info = tuple(table(_listed("info_listing", 1), INFO_CMDS))
    top = table(_listed("empty_line", 1), HMP_CMDS)
    return tuple(
        HMPCommand(c.name, c.args_type, c.params, c.help, c.handler, info)
        if c.name == "info"
        else c
        for c in top
    )


async def _replay(theme: dict[str, Any], case: dict[str, Any]) -> tuple[list[str], Machine]:
    machine = machine_for(theme, case)
    chr = FakeChardev()
    chr.be_open = True
    commands = qemu_tables() if case["qemu_table"] else HMP_CMDS
    mon = MonitorHMP(machine, chr, commands=commands)
    problems: list[str] = []
    mon.start()
    for i, step in enumerate(case["steps"]):
        if i:
            chr.be_write(from_json_text(step["send"]))
        for _ in range(3):
            await asyncio.sleep(0)
        got = bytes(chr.written)
        chr.written.clear()
        if not recv_matches(step, got):
            problems.append(f"step {i} {step['send'][:40]!r}: {describe_mismatch(step, got)}")
            break
    return problems, machine


@pytest.mark.parametrize(("theme", "case"), _cases("socket"))
def test_socket_session(
    theme: dict[str, Any], case: dict[str, Any], capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    problems, machine = asyncio.run(_replay(theme, case))
    assert problems == []
    # QEMU hangs up after quit; here the machine is asked to shut down.
    assert (machine.shutdown_cause is not None) == case["eof"]
    assert capsysbinary.readouterr().out == from_json_text(case["stdout"])


@pytest.mark.parametrize(("theme", "case"), _cases("socket", process=True))
def test_process_session(theme: dict[str, Any], case: dict[str, Any]) -> None:
    """Sessions whose output shows the command line's chardevs (``info chardev``):
    replayed against ``python -m qmonitor`` started with the recorded options."""
    version, package = theme["qemu"]["version"], theme["qemu"]["package"]
    assert replay_live(case, qmonitor_command(version, package)) == []


@pytest.mark.parametrize(("theme", "case"), _cases("hmc"))
def test_human_monitor_command(
    theme: dict[str, Any],
    case: dict[str, Any],
    capsysbinary: pytest.CaptureFixture[bytes],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # QEMU ran in a directory of its own: files the commands name land here.
    monkeypatch.chdir(tmp_path)

    async def run() -> list[tuple[str, Any]]:
        # Each case is a QEMU process of its own: x, xp and print start from
        # its default format.
        FORMAT_DEFAULTS.format, FORMAT_DEFAULTS.size = (
            FormatDefaults().format,
            FormatDefaults().size,
        )
        machine = machine_for(theme, case)
        return [(s["send"], run_hmp_command(machine, s["send"], None)) for s in case["steps"]]

    got = asyncio.run(run())
    assert got == [(s["send"], s["recv"]) for s in case["steps"]]
    assert capsysbinary.readouterr().out == from_json_text(case["stdout"])


def test_help_listing_is_qemus() -> None:
    """``help`` and ``info`` print QEMU's listings byte for byte: every command is there."""
    case = next(c for c in THEMES["completion"]["cases"] if c["name"] == "listing")
    # Each recorded step echoes the typed line first.
    theirs_help = from_json_text(case["steps"][1]["recv"]).decode().split("\r\n", 1)[1]
    theirs_info = from_json_text(case["steps"][2]["recv"]).decode().split("\r\n", 1)[1]

    async def run() -> tuple[str, str]:
        machine = machine_for(THEMES["completion"], case)
        return run_hmp_command(machine, "help", None), run_hmp_command(machine, "info", None)

    ours_help, ours_info = asyncio.run(run())
    assert theirs_help.startswith(ours_help)
    assert theirs_info.startswith(ours_info)
    # What follows the listing in the recording is the next prompt.
    assert theirs_help[len(ours_help) :] == "(qemu) "
    assert theirs_info[len(ours_info) :] == "(qemu) "
