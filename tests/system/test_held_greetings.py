"""A QMP monitor on stdio greets once a PC's board is being made, or once start-up is done.

QEMU's greeting leaves from its monitor I/O thread and races start-up: an
error soon after the monitors (``-loadvm`` on ``-M none``, fuzz case 91)
wins and nothing is greeted; one once a board is being built (an IDE disk
without medium) comes after the greeting, every time (measured 6 of 6).
"""

from __future__ import annotations

import sys

from qmonitor_testsupport.cli_fuzz_cases import run_exit_case

CMD = [sys.executable, "-m", "qmonitor"]
GREETING = '{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": '


def test_no_greeting_before_an_early_error() -> None:
    got = run_exit_case(
        CMD, ["-M", "none", "-display", "none", "-nodefaults", "-loadvm", "x", "-qmp", "stdio"],
        seconds=60.0,
    )  # fmt: skip
    assert (got["status"], got["stdout"]) == (1, "")
    assert got["stderr"] == "qmonitor: no block device can store vmstate for snapshot\n"


def test_greeting_before_a_board_error() -> None:
    # An IDE disk without medium: the board's own device refuses it.
    argv = ["-M", "pc", "-display", "none", "-nodefaults", "-hdd", "", "-qmp", "stdio"]
    got = run_exit_case(CMD, argv, seconds=60.0)
    assert got["status"] == 1
    assert got["stderr"] == "qmonitor: Device needs media, but drive is empty\n"
    assert got["stdout"].startswith(GREETING) and got["stdout"].endswith("\r\n")
    assert got["stdout"].count("\n") == 1


def test_greeting_once_started() -> None:
    got = run_exit_case(CMD, ["-M", "none", "-display", "none", "-qmp", "stdio", "-S"], seconds=8.0)
    assert got["started"] and got["stdout"].startswith(GREETING)
