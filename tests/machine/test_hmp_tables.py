"""The HMP tables: every QEMU 7.2 command, its recorded help text, its argument spec."""

from __future__ import annotations

import asyncio
import json

import pytest

from qmonitor.machine import hmp_spec
from qmonitor.machine.hmp_commands import HMP_CMDS, INFO_CMDS, NOT_MODELLED
from qmonitor.machine.hmp_exec import run_hmp_command
from qmonitor.machine.hmp_print import format_value, printc
from qmonitor.machine.machine import Machine, MachineOptions


def test_every_recorded_command_is_in_the_tables() -> None:
    assert [c.name for c in HMP_CMDS] == [e.name for e in hmp_spec.help_entries("commands")]
    assert [c.name for c in INFO_CMDS] == [e.name for e in hmp_spec.help_entries("info")]
    assert len(HMP_CMDS) == 108
    assert len(INFO_CMDS) == 67


def test_every_recorded_command_has_an_argument_spec() -> None:
    assert set(hmp_spec.ARGS_TYPES) == {e.name for e in hmp_spec.help_entries("commands")}
    assert set(hmp_spec.INFO_ARGS_TYPES) == {e.name for e in hmp_spec.help_entries("info")}


def test_the_help_data_is_qemus_text() -> None:
    with open(hmp_spec.HELP_FILE, encoding="utf-8") as f:
        doc = json.load(f)
    assert doc["qemu"]["version"].startswith("7.2.")
    # QEMU's own newlines, not the monitor's CR LF.
    assert "\r" not in json.dumps(doc)


def test_a_table_without_a_handler_leaves_the_command_out() -> None:
    table = hmp_spec.build_table("info", {"status": lambda mon, args: None})
    assert [c.name for c in table] == ["status"]
    assert table[0].help == "show the current VM status (running|paused)"


@pytest.mark.parametrize(
    ("value", "fmt", "want"),
    [
        (0, "x", "0"),
        (255, "x", "0xff"),
        (0, "o", "0"),
        (8, "o", "010"),
        (-1, "u", "18446744073709551615"),
        (-1, "d", "-1"),
        (2**64 - 1, "d", "-1"),
        (65, "c", "'A'"),
        (10, "c", "'\\n'"),
        (0x27, "c", "'\\''"),
        (200, "c", "'\\xc8'"),
    ],
)
def test_print_formats(value: int, fmt: str, want: str) -> None:
    assert format_value(value, ord(fmt)) == want


def test_printc_escapes_backslash() -> None:
    assert printc(0x5C) == "'\\\\'"


def test_a_command_without_its_qmp_counterpart_fails_as_that_call() -> None:
    async def run() -> str:
        machine = Machine(MachineOptions(use_io_thread=False))
        return run_hmp_command(machine, "chardev-change c0 null", None)

    assert NOT_MODELLED["chardev-change"] == "chardev-change"
    assert asyncio.run(run()) == "Error: The command chardev-change has not been found\r\n"


def test_netdev_del_reaches_the_net_clients() -> None:
    async def run() -> str:
        machine = Machine(MachineOptions(use_io_thread=False))
        return run_hmp_command(machine, "netdev_del net0", None)

    assert asyncio.run(run()) == "Error: Device 'net0' not found\r\n"


def test_parse_errors_come_before_the_handler() -> None:
    async def run() -> str:
        machine = Machine(MachineOptions(use_io_thread=False))
        return run_hmp_command(machine, "netdev_del", None)

    assert asyncio.run(run()) == (
        'netdev_del: string expected\r\nTry "help netdev_del" for more information\r\n'
    )
