"""HMP command tables an embedder extends, and a monitor that knows its machine only as HmpHost."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path
from typing import Any

import pytest

from qmonitor.machine.hmp_commands import HMP_CMDS
from qmonitor.machine.machine import Machine, MachineOptions
from qmonitor.monitor.hmp import MonitorHMP
from qmonitor.monitor.hmp_table import HMPCommand, extend_table, sort_table

SRC = Path(__file__).resolve().parents[2] / "src" / "qmonitor"


def _say(text: str) -> Any:
    def handler(mon: MonitorHMP[Any], args: dict[str, Any]) -> None:
        mon.printf(text)

    return handler


def _run(table: tuple[HMPCommand, ...] | None, line: str) -> str:
    async def go() -> str:
        machine = Machine(MachineOptions(use_io_thread=False))
        if table is not None:
            machine.hmp_commands = table
        mon = MonitorHMP(machine, None, use_readline=False)
        mon.handle_command(line)
        return bytes(mon.outbuf).decode().replace("\r\n", "\n")

    return asyncio.run(go())


def test_extend_table_adds_commands_and_info_subcommands_in_qemu_order() -> None:
    table = extend_table(
        HMP_CMDS,
        [HMPCommand("zap", "", "", "zap it", _say("zapped\n"))],
        info=[HMPCommand("lamp", "", "", "show the lamp", _say("lamp: on\n"))],
    )
    assert [c.name for c in table] == [c.name for c in sort_table(table)]
    assert len(table) == len(HMP_CMDS) + 1
    assert _run(table, "zap") == "zapped\n"
    assert _run(table, "info lamp") == "lamp: on\n"
    assert "info lamp  -- show the lamp\n" in _run(table, "help info")
    # The machine's own table is left as it was.
    assert _run(None, "zap") == "unknown command: 'zap'\n"


def test_extend_table_replaces_a_command_of_the_same_name() -> None:
    table = extend_table(HMP_CMDS, [HMPCommand("stop|s", "", "", "stop", _say("no\n"))])
    assert len(table) == len(HMP_CMDS)
    assert _run(table, "s") == "no\n"


def test_extend_table_needs_an_info_command_for_info_subcommands() -> None:
    plain = tuple(c for c in HMP_CMDS if c.name != "info")
    with pytest.raises(ValueError, match="no 'info' command"):
        extend_table(plain, info=[HMPCommand("x", "", "", "", _say(""))])


def _imports(package: str) -> set[str]:
    """Every qmonitor module a package imports, TYPE_CHECKING blocks left out."""
    found: set[str] = set()
    for path in (SRC / package).rglob("*.py"):
        tree = ast.parse(path.read_text())
        skip = {
            id(n)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")
            for stmt in node.body
            for n in ast.walk(stmt)
        }
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
    return found


@pytest.mark.parametrize(
    ("package", "above"),
    [("qapi", ("qmonitor.monitor", "qmonitor.machine")), ("monitor", ("qmonitor.machine",))],
)
def test_lower_layers_do_not_import_higher_ones(package: str, above: tuple[str, ...]) -> None:
    bad = sorted(m for m in _imports(package) if m.startswith(above))
    assert bad == []
