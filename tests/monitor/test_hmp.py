"""HMP command parsing and output texts, compared with QEMU 7.2's."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from qmonitor.machine.runstate import RunState, ShutdownCause
from qmonitor.monitor.hmp import MonitorHMP, get_str
from qmonitor.monitor.monitor import MonitorRegistry


@dataclass
class Options:
    name: str | None = "foo"
    uuid: str | None = None
    qemu_version: tuple[int, int, int] = (7, 2, 22)
    package: str = "Debian 1:7.2+dfsg-7+deb12u18+b3"


@dataclass
class FakeMachine:
    """Enough of a Machine for HMP: run state transitions are recorded."""

    registry: MonitorRegistry = field(default_factory=MonitorRegistry)
    options: Options = field(default_factory=Options)
    runstate: RunState = RunState.RUNNING
    loop: Any = None
    calls: list[str] = field(default_factory=list)

    def vm_stop(self) -> None:
        self.calls.append("stop")
        self.runstate = RunState.PAUSED

    def cont(self) -> None:
        self.calls.append("cont")
        self.runstate = RunState.RUNNING

    def system_reset(self, cause: ShutdownCause) -> None:
        self.calls.append(f"reset:{cause.value}")

    def system_powerdown(self) -> None:
        self.calls.append("powerdown")

    def shutdown(self, cause: ShutdownCause) -> None:
        self.calls.append(f"shutdown:{cause.value}")


def run(line: str, machine: FakeMachine | None = None) -> str:
    mon = MonitorHMP(machine or FakeMachine(), None, use_readline=False)  # type: ignore[arg-type]
    mon.handle_command(line)
    return mon.outbuf.decode()


# Recorded from QEMU 7.2 (-name foo) through human-monitor-command.
@pytest.mark.parametrize(
    ("line", "out"),
    [
        ("info status", "VM status: running\r\n"),
        ("info name", "foo\r\n"),
        ("info uuid", "00000000-0000-0000-0000-000000000000\r\n"),
        ("info version", "7.2.22Debian 1:7.2+dfsg-7+deb12u18+b3\r\n"),
        ("bogus", "unknown command: 'bogus'\r\n"),
        ("info bogus", "unknown command: 'info bogus'\r\n"),
        ("help stop", "stop|s  -- stop emulation\r\n"),
        ("help q", "quit|q  -- quit the emulator\r\n"),
        ("help bogus", "unknown command: 'bogus'\r\n"),
        (
            "stop extra",
            "stop|s: extraneous characters at the end of line\r\n"
            'Try "help stop" for more information\r\n',
        ),
        (
            "info status x",
            "status: extraneous characters at the end of line\r\n"
            'Try "help info status" for more information\r\n',
        ),
        ("", ""),
        ("  ", ""),
    ],
)
def test_outputs_match_qemu(line: str, out: str) -> None:
    assert run(line) == out


def test_info_lists_info_table_like_help_info() -> None:
    listing = run("info")
    assert listing == run("help info")
    assert "info status  -- show the current VM status (running|paused)\r\n" in listing


def test_state_commands_and_aliases() -> None:
    m = FakeMachine()
    assert run("s", m) == ""
    assert run("info status", m) == "VM status: paused\r\n"
    run("c", m)
    run("system_reset", m)
    run("system_powerdown", m)
    assert m.calls == ["stop", "cont", "reset:host-qmp-system-reset", "powerdown"]


def test_paused_with_reason() -> None:
    m = FakeMachine(runstate=RunState.PRELAUNCH)
    assert run("info status", m) == "VM status: paused (prelaunch)\r\n"


def test_no_name_prints_nothing() -> None:
    m = FakeMachine(options=Options(name=None))
    assert run("info name", m) == ""


@pytest.mark.parametrize(
    ("text", "result"),
    [
        ("abc def", ("abc", 3)),
        ('  "a b" x', ("a b", 7)),
        ('"a\\"b"', ('a"b', 6)),
        ('"open', "unterminated string\n"),
        ('"bad\\q"', "unsupported escape code: '\\q'\n"),
    ],
)
def test_get_str(text: str, result: object) -> None:
    assert get_str(text, 0) == result
