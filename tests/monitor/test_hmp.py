"""MonitorHMP: argument parsing, error routing, suspend/resume, chardev events.

Command output against QEMU is in test_hmp_golden.py; here are the parts
that recordings reach poorly: argument types no null-machine command uses
(texts from QEMU 7.2's monitor/hmp.c), error_printf routing, the prompt
around suspend/resume, and the mux focus events.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qmonitor.chardev.base import ChrEvent
from qmonitor.machine.hmp_commands import HMP_CMDS, HMPCommand
from qmonitor.machine.hmp_exec import run_hmp_command
from qmonitor.machine.machine import Machine, MachineOptions
from qmonitor.machine.runstate import RunState, ShutdownCause
from qmonitor.monitor.hmp import (
    MonitorHMP,
    get_str,
    parse_arguments,
    parse_words,
)
from qmonitor.monitor.monitor import (
    Monitor,
    current_monitor,
    error_printf,
    error_printf_unless_qmp,
    set_current_monitor,
)
from qmonitor.qapi.error import QapiError
from qmonitor_testsupport.fakes import FakeChardev

BANNER = b"QEMU 7.2.0 monitor - type 'help' for more information\r\n"


def _noop(mon: MonitorHMP, args: dict[str, Any]) -> None:
    return


def cmd(args_type: str, name: str = "t") -> HMPCommand:
    return HMPCommand(name, args_type, "", "", _noop)


def parse(args_type: str, line: bytes) -> dict[str, Any] | str:
    try:
        return parse_arguments(line, 0, cmd(args_type))
    except Exception as exc:
        return str(exc)


# -- get_str and word splitting --------------------------------------------------


@pytest.mark.parametrize(
    ("data", "result"),
    [
        (b"abc def", (b"abc", 3)),
        (b'  "a b" x', (b"a b", 7)),
        (b'"a\\"b\\n\\r\\\\\\\'"', (b"a\"b\n\r\\'", 14)),
        (b"   ", None),
    ],
)
def test_get_str(data: bytes, result: object) -> None:
    assert get_str(data, 0) == result


@pytest.mark.parametrize(
    ("data", "printed"),
    [
        (b'"open', b"unterminated string\n"),
        (b'"bad\\q"', b"unsupported escape code: '\\q'\n"),
        (b'"end\\', b"unsupported escape code: '\\\x00'\n"),
    ],
)
def test_get_str_errors_go_to_stdout(
    data: bytes, printed: bytes, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert get_str(data, 0) is None
    assert capsysbinary.readouterr().out == printed


def test_get_str_keeps_1023_bytes() -> None:
    word, end = get_str(b"x" * 2000 + b" y", 0) or (b"", 0)
    assert (len(word), end) == (1023, 2000)
    word, end = get_str(b'"' + b"y" * 1500 + b'"', 0) or (b"", 0)
    assert (len(word), end) == (1023, 1502)


def test_parse_words_limit() -> None:
    assert parse_words(b" ".join([b"w"] * 16)) == [b"w"] * 16
    assert parse_words(b" ".join([b"w"] * 17)) is None


# -- argument types ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("args_type", "line", "result"),
    [
        ("a:s", b" hello ", {"a": "hello"}),
        ("a:s", b"", "t: string expected\n"),
        ("a:F", b"", "t: filename expected\n"),
        ("a:B", b"", "t: block device name expected\n"),
        ("a:s?", b"  ", {}),
        ("a:s,b:s?", b"x y", {"a": "x", "b": "y"}),
        ("a:S", b"  rest of  line ", {"a": "rest of  line "}),
        ("a:S", b"", "t: string expected\n"),
        ("a:S?", b"", {}),
        ("a:i", b"0x10 ", {"a": 16}),
        ("a:l", b"-1", {"a": -1}),
        ("a:l", b"0x8000000000000000", {"a": -(1 << 63)}),
        ("a:M", b"2", {"a": 2 << 20}),
        ("a:M", b"-2", "enter a positive value\n"),
        ("a:i.", b"", {}),
        ("a:i.", b"5", "t: extraneous characters at the end of line\n"),
        ("a:i.", b". 5", {"a": 5}),
        ("a:b", b"on", {"a": True}),
        ("a:b", b" off ", {"a": False}),
        ("a:b", b"onx", "Expected 'on' or 'off'\n"),
        ("a:-f", b"-f", {"a": True}),
        ("a:-f", b"", {}),
        ("a:-fs", b"-f value", {"a": "value"}),
        ("a:-fs", b"-f", "t: value expected for -f\n"),
        ("a:-f,b:-g", b"-g", {"b": True}),
        ("a:-f,b:-g", b"-g -f", "t: extraneous characters at the end of line\n"),
        ("a:-f", b"-x", "t: unsupported option -x\n"),
        ("a:T", b"1", {"a": 1.0}),
        ("a:o", b"1k", {"a": 1024}),
        ("a:/", b"/3xw", {"count": 3, "format": ord("x"), "size": 4}),
        ("a:z", b"1", "t: unknown type 'z'\n"),
        ("a:l", b"'\xff'", {"a": -1}),
        ("a:i", b"'\xff'", "'t' has failed: integer is for 32-bit values\n"),
        ("a:l", b"-7/2", {"a": -3}),
        ("a:l", b"-7%2", {"a": -1}),
        ("a:l", b"0x7fffffffffffffff+1", {"a": -(1 << 63)}),
    ],
)
def test_argument_types(args_type: str, line: bytes, result: object) -> None:
    assert parse(args_type, line) == result


def test_skipped_option_with_string_value_keeps_qemus_key_quirk() -> None:
    # After "-g" is recognised as another option, QEMU does not step over
    # the "s" of "-fs": the next key read is "s,b".
    assert parse("a:-fs,b:-g", b"-g") == {"s,b": True}


# -- monitors on a fake chardev ---------------------------------------------------------


async def interactive(
    commands: tuple[HMPCommand, ...] = HMP_CMDS, **options: Any
) -> tuple[Machine, FakeChardev, MonitorHMP]:
    machine = Machine(MachineOptions(use_io_thread=False, **options))
    chr = FakeChardev()
    chr.be_open = True
    mon = MonitorHMP(machine, chr, commands=commands)
    mon.start()
    return machine, chr, mon


def take(chr: FakeChardev) -> bytes:
    data = bytes(chr.written)
    chr.written.clear()
    return data


def test_banner_and_prompt_on_open_and_again_on_reconnect() -> None:
    async def main() -> None:
        _, chr, _ = await interactive()
        assert take(chr) == BANNER + b"(qemu) "
        chr.be_write(b"inf")
        take(chr)
        chr.be_event(ChrEvent.CLOSED)
        chr.be_event(ChrEvent.OPENED)
        # A new peer gets a new banner and an empty line.
        assert take(chr) == BANNER + b"(qemu) "
        chr.be_write(b"o")
        assert take(chr) == b"o\x1b[K"

    asyncio.run(main())


def test_nested_suspend_and_resume_show_the_prompt_once() -> None:
    async def main() -> None:
        _, chr, mon = await interactive()
        take(chr)
        mon.suspend()
        mon.suspend()
        chr.be_write(b"info status\r")
        assert take(chr) == b""
        assert mon.can_read() == 0
        mon.resume()
        assert take(chr) == b""
        mon.resume()
        # The prompt is shown at once; held input goes on from the loop.
        assert take(chr) == b"(qemu) "
        await asyncio.sleep(0)
        assert take(chr).endswith(b"info status\x1b[K\r\nVM status: running\r\n(qemu) ")
        assert chr.accept_input_calls >= 1

    asyncio.run(main())


def test_input_stops_at_quit() -> None:
    async def main() -> None:
        machine, chr, mon = await interactive()
        take(chr)
        chr.be_write(b"q\rinfo status\r")
        assert take(chr) == b"q\x1b[K\r\n"
        assert machine.shutdown_cause is ShutdownCause.HOST_QMP_QUIT
        assert mon.suspend_cnt == 1

    asyncio.run(main())


def test_commands_run_with_the_monitor_current_and_errors_routed_to_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    seen: list[object] = []

    def noisy(mon: MonitorHMP, args: dict[str, Any]) -> None:
        seen.append(current_monitor())
        error_printf("to the monitor\n")
        error_printf_unless_qmp("also here\n")
        raise QapiError("it failed")

    table = (*HMP_CMDS, HMPCommand("noisy", "", "", "", noisy))

    async def main() -> None:
        _, chr, mon = await interactive(table)
        take(chr)
        chr.be_write(b"noisy\r")
        assert take(chr) == take_typed(b"noisy") + (
            b"\r\nto the monitor\r\nalso here\r\nError: it failed\r\n(qemu) "
        )
        assert seen == [mon]
        assert current_monitor() is None

    asyncio.run(main())
    # Outside any monitor, errors go to stderr.
    error_printf("nobody's\n")
    assert capsys.readouterr().err == "nobody's\n"


def take_typed(text: bytes) -> bytes:
    """What the editor echoes while ``text`` is typed on an empty line."""
    out = b""
    for i in range(1, len(text) + 1):
        out += b"\x1b[D" * (i - 1) + text[:i] + b"\x1b[K"
    return out


def test_human_monitor_command_output_and_cpu_index() -> None:
    async def main() -> None:
        machine = Machine(MachineOptions(use_io_thread=False, name="vm"))
        assert run_hmp_command(machine, "info name", None) == "vm\r\n"
        assert run_hmp_command(machine, "info history", None) == ""
        # A C string: what follows a NUL is not seen.
        assert run_hmp_command(machine, "info name\0 trailing", None) == "vm\r\n"
        with pytest.raises(QapiError, match="Parameter 'cpu-index' expects a CPU number"):
            run_hmp_command(machine, "info name", 0)
        # quit from QMP cannot suspend a non-interactive monitor, and quits anyway.
        assert run_hmp_command(machine, "quit", None) == ""
        assert machine.shutdown_cause is ShutdownCause.HOST_QMP_QUIT

    asyncio.run(main())


def test_printf_on_non_interactive_monitor_is_captured_not_flushed() -> None:
    async def main() -> None:
        machine = Machine(MachineOptions(use_io_thread=False))
        mon = MonitorHMP(machine, None, use_readline=False)
        assert mon.printf("a\nb") == 3
        assert bytes(mon.outbuf) == b"a\r\nb"
        assert mon.suspend() < 0  # -ENOTTY
        mon.resume()
        assert mon.suspend_cnt == 0

    asyncio.run(main())


# -- mux focus events ----------------------------------------------------------------


def test_mux_out_and_in_after_open() -> None:
    async def main() -> None:
        _, chr, mon = await interactive()
        take(chr)
        chr.be_write(b"ab")
        take(chr)
        mon._event(ChrEvent.MUX_OUT)
        assert take(chr) == b"\r\n"
        assert mon.mux_out and mon.suspend_cnt == 1
        mon.printf("hidden\n")
        assert take(chr) == b""
        mon._event(ChrEvent.MUX_IN)
        # Held output and a new prompt; the line being typed is forgotten.
        assert take(chr) == b"hidden\r\n(qemu) "
        chr.be_write(b"x")
        assert take(chr) == b"x\x1b[K"

    asyncio.run(main())


def test_mux_out_before_open_hides_the_banner_until_focus() -> None:
    async def main() -> None:
        machine = Machine(MachineOptions(use_io_thread=False))
        chr = FakeChardev()
        mon = MonitorHMP(machine, chr)
        mon.start()
        mon._event(ChrEvent.MUX_OUT)
        mon._event(ChrEvent.OPENED)
        assert take(chr) == b""
        mon._event(ChrEvent.MUX_IN)
        assert take(chr) == BANNER + b"(qemu) "

    asyncio.run(main())


def test_mux_in_before_open_just_clears_suspension() -> None:
    async def main() -> None:
        machine = Machine(MachineOptions(use_io_thread=False))
        chr = FakeChardev()
        mon = MonitorHMP(machine, chr)
        mon.start()
        mon._event(ChrEvent.MUX_OUT)
        mon._event(ChrEvent.MUX_OUT)
        mon._event(ChrEvent.MUX_IN)
        assert (mon.suspend_cnt, take(chr)) == (0, b"")

    asyncio.run(main())


def test_run_state_commands() -> None:
    async def main() -> None:
        machine = Machine(MachineOptions(use_io_thread=False, start_paused=True))
        assert run_hmp_command(machine, "info status", None) == "VM status: paused (prelaunch)\r\n"
        run_hmp_command(machine, "c", None)
        assert machine.runstate is RunState.RUNNING
        machine.runstate = RunState.SHUTDOWN
        assert run_hmp_command(machine, "cont", None) == (
            "Error: Resetting the Virtual Machine is required\r\n"
        )

    asyncio.run(main())


def test_stdout_writer_without_buffer(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    assert get_str(b'"x', 0) is None
    assert out.getvalue() == "unterminated string\n"


def test_hmp_run_from_qmp_prints_errors_into_its_output(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """human-monitor-command: inside the HMP command errors are HMP output;
    around it, in the QMP command, error_printf goes to stderr and the
    _unless_qmp variant says nothing."""

    class Qmp(Monitor):
        is_qmp = True

    def noisy(mon: MonitorHMP, args: dict[str, Any]) -> None:
        error_printf("from hmp\n")

    async def main() -> None:
        machine = Machine(MachineOptions(use_io_thread=False))
        qmp = Qmp(machine.registry, None)
        old = set_current_monitor(qmp)
        try:
            mon = MonitorHMP(
                machine,
                None,
                use_readline=False,
                commands=(HMPCommand("noisy", "", "", "", noisy),),
            )
            mon.handle_command("noisy")
            assert bytes(mon.outbuf) == b"from hmp\r\n"
            assert current_monitor() is qmp
            assert error_printf_unless_qmp("hidden\n") == -1
            error_printf("to stderr\n")
        finally:
            set_current_monitor(old)

    asyncio.run(main())
    assert capsys.readouterr().err == "to stderr\n"


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(garbage=st.binary(max_size=300))
def test_any_input_leaves_the_monitor_serving(
    garbage: bytes, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """Control bytes, broken escapes, invalid UTF-8, tabs: no exception, and
    once the line is cleared the monitor answers as before (unless the
    garbage happened to contain a quit)."""

    async def main() -> None:
        machine, chr, _ = await interactive()
        chr.be_write(garbage)
        # Leave any escape sequence, go to the end, delete everything, ask for help.
        chr.be_write(b"\x18\x18\x05" + b"\x7f" * 4100 + b"help help\r")
        if machine.shutdown_cause is None:
            assert bytes(chr.written).endswith(b"help|? [cmd] -- show the help\r\n(qemu) ")

    asyncio.run(main())
    capsysbinary.readouterr()
