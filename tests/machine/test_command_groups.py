"""The lazily registered command families (qmonitor.machine.command_groups)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator

import pytest

from qmonitor.machine.command_groups import LAZY_GROUPS, command_rank
from qmonitor.machine.machine import Machine, MachineOptions
from qmonitor.qapi.commands import QmpCommand, QmpCommandList


@pytest.fixture
def machine() -> Iterator[Machine]:
    loop = asyncio.new_event_loop()
    try:
        yield Machine(MachineOptions(use_io_thread=False), loop=loop)
    finally:
        loop.close()


def _registered(full: QmpCommandList) -> set[str]:
    return set(full._commands)


@pytest.mark.parametrize("where", list(LAZY_GROUPS))
def test_each_group_registers_exactly_its_names(machine: Machine, where: str) -> None:
    full = machine.commands.full
    names = LAZY_GROUPS[where]
    before = _registered(full)
    assert not before & set(names), "declared lazily, registered at once"
    assert full.find(names[-1]) is not None
    assert _registered(full) - before == set(names)


def test_the_groups_are_qemus_commands_and_do_not_overlap() -> None:
    everything = [n for names in LAZY_GROUPS.values() for n in names]
    assert len(everything) == len(set(everything))
    assert set(everything) <= set(command_rank())


def test_listing_loads_nothing_and_names_every_command(machine: Machine) -> None:
    full = machine.commands.full
    before = _registered(full)
    names = full.names()
    assert _registered(full) == before
    assert sorted(names) == sorted(command_rank())
    assert len(full) == len(names)


def test_a_fresh_machine_imports_no_lazy_family() -> None:
    probe = (
        "import asyncio, sys\n"
        "from qmonitor.machine.machine import Machine, MachineOptions\n"
        "async def main():\n"
        "    Machine(MachineOptions(use_io_thread=False))\n"
        "asyncio.run(main())\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    modules = {where.partition(":")[0] for where in LAZY_GROUPS} - {"qmonitor.machine.qmp_commands"}
    assert not modules & set(out)
    families = ("qmonitor.machine.block", "qmonitor.machine.migrate")
    assert not [m for m in out if m.startswith(families)]


def _command(name: str) -> QmpCommand:
    return QmpCommand(name, lambda: name)


def test_a_lazy_group_loads_once_on_first_lookup() -> None:
    cmds = QmpCommandList()
    loads: list[str] = []

    def load() -> None:
        loads.append("x")
        cmds.register(_command("a"))
        cmds.register(_command("b"))

    cmds.register_lazy(("a", "b"), load)
    assert loads == [] and len(cmds) == 2 and sorted(cmds.names()) == ["a", "b"]
    found = cmds.find("b")
    assert found is not None and found.call({}) == "b"
    assert cmds.find("a") is not None and loads == ["x"]
    assert cmds.find("c") is None


def test_replacing_a_lazy_command_loads_its_group_first() -> None:
    cmds = QmpCommandList()
    cmds.register_lazy(("a", "b"), lambda: [cmds.register(_command(n)) for n in "ab"] and None)
    mine = cmds.register(QmpCommand("a", lambda: "mine"))
    assert cmds.find("a") is mine
    assert cmds.find("b") is not None
    cmds.register_lazy(("c",), lambda: cmds.register(_command("c")) and None)
    cmds.unregister("c")
    assert cmds.find("c") is None and "c" not in cmds.names()


def test_a_failing_loader_leaves_its_names_pending() -> None:
    cmds = QmpCommandList()
    calls: list[int] = []

    def load() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("boom")
        cmds.register(_command("a"))

    cmds.register_lazy(("a",), load)
    with pytest.raises(RuntimeError):
        cmds.find("a")
    assert cmds.names() == ["a"]
    assert cmds.find("a") is not None
