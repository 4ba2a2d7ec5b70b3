"""The ib700 watchdog, the watchdog actions, the running virtual clock and the qtest log."""

from __future__ import annotations

import asyncio
import io
import re
from typing import Any

import pytest

from qmonitor.machine.machine import Machine, MachineOptions
from qmonitor.machine.ports import PortBus
from qmonitor.machine.qtest import QTestSession
from qmonitor.machine.runstate import RunState, ShutdownCause
from qmonitor.machine.vclock import RunningClock
from qmonitor.machine.watchdog import IB700_TIMEOUTS_S, Ib700
from qmonitor.monitor.events import SECOND_NS, VirtualClock
from qmonitor.monitor.monitor import Monitor, MonitorRegistry


class Sink(Monitor):
    is_qmp = True

    def __init__(self, registry: MonitorRegistry) -> None:
        super().__init__(registry, None, skip_flush=True)
        self.got: list[dict[str, Any]] = []

    def send_event(self, msg: dict[str, Any], encoded: object) -> None:
        self.got.append(msg)

    def names(self) -> list[str]:
        return [m["event"] for m in self.got]


# -- the device on its own -------------------------------------------------------


def ib700() -> tuple[Ib700, VirtualClock, list[int]]:
    clock = VirtualClock()
    fired: list[int] = []
    return Ib700(clock, lambda: fired.append(clock.now_ns())), clock, fired


def test_ib700_timeouts_follow_qemus_table() -> None:
    dev, clock, fired = ib700()
    for nibble, seconds in enumerate(IB700_TIMEOUTS_S):
        start = clock.now_ns()
        dev.port_write(2, 1, 0xF0 | nibble)  # only the low nibble counts
        clock.step(31 * SECOND_NS)
        assert fired[-1] - start == seconds * SECOND_NS
        assert not dev.armed
    assert len(fired) == 16


def test_ib700_disarm_and_rearm() -> None:
    dev, clock, fired = ib700()
    dev.port_write(2, 1, 0x0E)
    clock.step(SECOND_NS)
    dev.port_write(0, 1, 0x55)  # 0x441: any value disarms
    clock.step(5 * SECOND_NS)
    assert fired == []
    dev.port_write(3, 1, 0x0E)  # 0x444 arms too
    dev.port_write(1, 1, 0)  # 0x442 disarms too
    clock.step(5 * SECOND_NS)
    assert fired == []
    dev.port_write(2, 1, 0x0C)  # 6 s
    clock.step(3 * SECOND_NS)
    dev.port_write(2, 1, 0x0E)  # re-arming restarts: 2 s from now
    clock.step(2 * SECOND_NS)
    assert fired == [11 * SECOND_NS + 5 * SECOND_NS]


def test_ib700_wide_accesses_as_qemus_portio() -> None:
    """As recorded in tests/golden/events/ib700_wide_writes.json."""
    dev, clock, fired = ib700()
    assert dev.port_read(2, 1) == 0xFF and dev.port_read(0, 2) == 0xFFFF
    dev.port_write(2, 2, 0x0E0F)  # 0x0f then 0x0e to the enable register: 2 s
    clock.step(SECOND_NS)
    assert fired == []
    clock.step(SECOND_NS)
    assert fired == [2 * SECOND_NS]
    dev.port_write(1, 2, 0x0F00)  # crosses into the enable register: disarm only
    clock.step(SECOND_NS)
    dev.port_write(2, 4, 0x0F0F0F0F)  # a long write reaches nothing
    clock.step(40 * SECOND_NS)
    assert fired == [2 * SECOND_NS]


# -- actions on a machine under -accel qtest --------------------------------------


def machine_with(action: str, **kw: Any) -> tuple[Machine, Sink]:
    machine = Machine(
        MachineOptions(
            machine_type="pc",
            accel="qtest",
            ib700=True,
            watchdog_action=action,
            use_io_thread=False,
            **kw,
        ),
        asyncio.new_event_loop(),
    )
    sink = Sink(machine.registry)
    machine.registry.append(sink)
    return machine, sink


def expire(machine: Machine, value: int = 0x0E) -> None:
    machine.ports.outp(0x443, 1, value)
    assert machine.virtual_clock is not None
    machine.virtual_clock.step(2 * SECOND_NS)


def test_action_reset_is_a_guest_reset() -> None:
    machine, sink = machine_with("reset")
    expire(machine)
    assert sink.names() == ["WATCHDOG", "RESET"]
    assert sink.got[0]["data"] == {"action": "reset"}
    assert sink.got[1]["data"] == {"guest": True, "reason": "guest-reset"}
    assert machine.runstate is RunState.RUNNING
    machine.ports.outp(0x443, 1, 0x0E)
    machine.system_reset(ShutdownCause.HOST_QMP_SYSTEM_RESET)
    assert machine.ib700 is not None and not machine.ib700.armed  # a reset disarms


def test_action_pause_stops_in_watchdog_state() -> None:
    machine, sink = machine_with("pause")
    expire(machine)
    assert sink.names() == ["WATCHDOG", "STOP"]
    assert machine.runstate is RunState.WATCHDOG
    machine.cont()
    assert sink.names()[-1] == "RESUME" and machine.runstate is RunState.RUNNING


def test_action_shutdown_is_a_powerdown_request() -> None:
    machine, sink = machine_with("shutdown")
    expire(machine)
    assert sink.names() == ["WATCHDOG", "POWERDOWN"]


def test_action_poweroff_exits_without_shutdown_event() -> None:
    machine, sink = machine_with("poweroff")
    expire(machine)
    assert sink.names() == ["WATCHDOG"]
    machine.loop.run_until_complete(asyncio.wait_for(machine._exit.wait(), 1))
    assert machine.shutdown_cause is None


def test_action_debug_prints(capsys: pytest.CaptureFixture[str]) -> None:
    machine, sink = machine_with("debug")
    expire(machine)
    assert sink.names() == ["WATCHDOG"]
    assert capsys.readouterr().err == "watchdog: timer fired\n"


@pytest.mark.parametrize("action", ["none", "inject-nmi"])
def test_actions_with_only_the_event(action: str) -> None:
    machine, sink = machine_with(action)
    expire(machine)
    assert sink.got == [
        {"event": "WATCHDOG", "timestamp": sink.got[0]["timestamp"], "data": {"action": action}}
    ]
    assert machine.runstate is RunState.RUNNING


def test_watchdog_events_throttled_on_the_virtual_clock() -> None:
    machine, sink = machine_with("none")
    clock = machine.virtual_clock
    assert clock is not None
    for _ in range(3):
        machine.ports.outp(0x443, 1, 0x0F)  # 0 s: expires at the next step
        clock.step(1)
    assert sink.names() == ["WATCHDOG"]
    clock.step(SECOND_NS)
    assert sink.names() == ["WATCHDOG", "WATCHDOG"]


# -- the virtual clock of a machine without qtest ----------------------------------


def test_running_clock_stands_still_while_stopped() -> None:
    async def main() -> list[tuple[str, float]]:
        loop = asyncio.get_running_loop()
        clock = RunningClock(loop)  # stopped, as with -S
        assert clock.now_ns() == 0
        fired: list[tuple[str, float]] = []
        start = loop.time()
        clock.call_at(100_000_000, lambda: fired.append(("a", loop.time() - start)))
        cancelled = clock.call_at(50_000_000, lambda: fired.append(("x", 0.0)))
        cancelled.cancel()
        await asyncio.sleep(0.15)
        assert fired == [] and clock.now_ns() == 0
        clock.start()
        await asyncio.sleep(0.06)
        clock.stop()
        frozen = clock.now_ns()
        await asyncio.sleep(0.1)
        assert clock.now_ns() == frozen and fired == []
        clock.start()
        await asyncio.sleep(0.1)
        return fired

    fired = asyncio.run(main())
    assert [name for name, _ in fired] == ["a"]
    # 0.15 s stopped + 0.06 s running + 0.1 s stopped + the remaining 0.04 s.
    assert 0.33 <= fired[0][1] < 0.45


def test_machine_clock_follows_run_state() -> None:
    async def main() -> None:
        machine = Machine(
            MachineOptions(machine_type="pc", start_paused=True, ib700=True, use_io_thread=False)
        )
        clock = machine.running_clock
        assert clock is not None and not clock.running
        machine.vm_start()
        assert clock.running
        machine.vm_stop()
        assert not clock.running
        machine.registry.destroy_all()

    asyncio.run(main())


# -- the qtest log -------------------------------------------------------------------

_LINE = re.compile(r"^\[(I|R|S) (\+)?([0-9]+\.[0-9]{6})\]( .*)?$")


def test_qtest_log_format() -> None:
    log = io.StringIO()
    session = QTestSession(PortBus(), None, log=log)
    session.opened()
    assert session.feed(b"inb 0x80\nbogus  x\nendianness\n") == (
        b"OK 0x00ff\nFAIL Unknown command 'bogus'\nOK little\n"
    )
    session.closed()
    session.closed()  # once only
    lines = log.getvalue().splitlines()
    parsed = [_LINE.match(line) for line in lines]
    assert all(parsed), lines
    assert [(m.group(1), m.group(2), m.group(4)) for m in parsed if m] == [
        ("I", None, " OPENED"),
        ("R", "+", " inb 0x80"),
        ("S", "+", " OK 0x00ff"),
        ("R", "+", " bogus  x"),
        ("S", "+", " FAIL Unknown command 'bogus'"),
        ("R", "+", " endianness"),
        ("S", "+", " OK little"),
        ("I", "+", " CLOSED"),
    ]
    assert lines[0] == "[I 0.000000] OPENED"


def test_qtest_log_before_open_has_no_replies() -> None:
    log = io.StringIO()
    session = QTestSession(PortBus(), None, log=log)
    assert session.feed(b"endianness\n") == b"OK little\n"
    assert log.getvalue() == "[R +0.000000] endianness\n"


# -- QMP: watchdog-set-action and set-action ---------------------------------------


def test_qmp_set_actions_with_qemus_errors() -> None:
    from qmonitor.chardev.base import ChrEvent
    from qmonitor_testsupport.fakes import FakeChardev

    requests = [
        b'{"execute":"watchdog-set-action","arguments":{"action":"foo"}}',
        b'{"execute":"watchdog-set-action","arguments":{}}',
        b'{"execute":"watchdog-set-action","arguments":{"action":"pause","x":1}}',
        b'{"execute":"set-action","arguments":{"watchdog":"foo"}}',
        b'{"execute":"set-action","arguments":{"reboot":"bogus","watchdog":"none"}}',
        b'{"execute":"set-action","arguments":{}}',
        b'{"execute":"watchdog-set-action","arguments":{"action":"pause"}}',
    ]

    async def main() -> tuple[list[str], list[str]]:
        machine = Machine(
            MachineOptions(machine_type="pc", accel="qtest", ib700=True, use_io_thread=False)
        )
        chr = FakeChardev()
        machine.add_qmp_monitor(chr)
        await asyncio.sleep(0)
        chr.be_event(ChrEvent.OPENED)
        run = asyncio.ensure_future(machine.run())
        chr.be_write(b'{"execute":"qmp_capabilities"}')
        for request in requests:
            chr.be_write(request)
            await asyncio.sleep(0.02)
        actions = [machine.watchdog_action.value]
        chr.be_write(b'{"execute":"set-action","arguments":{"watchdog":"inject-nmi"}}')
        await asyncio.sleep(0.02)
        actions.append(machine.watchdog_action.value)
        machine.exit_now()
        await run
        return bytes(chr.written).decode().split("\r\n")[2:-1], actions

    replies, actions = asyncio.run(main())
    assert replies[:7] == [
        '{"error": {"class": "GenericError", '
        "\"desc\": \"Parameter 'action' does not accept value 'foo'\"}}",
        '{"error": {"class": "GenericError", "desc": "Parameter \'action\' is missing"}}',
        '{"error": {"class": "GenericError", "desc": "Parameter \'x\' is unexpected"}}',
        '{"error": {"class": "GenericError", '
        "\"desc\": \"Parameter 'watchdog' does not accept value 'foo'\"}}",
        '{"error": {"class": "GenericError", '
        "\"desc\": \"Parameter 'reboot' does not accept value 'bogus'\"}}",
        '{"return": {}}',
        '{"return": {}}',
    ]
    assert actions == ["pause", "inject-nmi"]


def test_qtest_log_option(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """-qtest-log: stderr by default, ``none``, a file; a file that cannot be opened: no log."""
    import sys

    from qmonitor.system.startup import _add_qtest
    from qmonitor_testsupport.fakes import FakeChardev

    async def main() -> list[object]:
        machine = Machine(MachineOptions(machine_type="pc", use_io_thread=False))
        logs: list[object] = []
        for name in (None, "none", str(tmp_path / "q.log"), str(tmp_path / "no/such/dir")):
            _add_qtest(machine, FakeChardev(), name)
            logs.append(machine._qtest_servers[-1].session.log)
        await machine.cleanup()
        return logs

    logs = asyncio.run(main())
    assert logs[0] is sys.stderr and logs[1] is None and logs[3] is None
    assert (tmp_path / "q.log").exists()


def test_no_reboot_turns_the_watchdog_reset_into_a_shutdown() -> None:
    """-no-reboot (-action reboot=shutdown): SHUTDOWN with reason guest-reset, then exit."""
    machine, sink = machine_with("reset", actions=(("reboot", "shutdown"),))
    expire(machine)
    assert sink.names() == ["WATCHDOG", "SHUTDOWN"]
    assert sink.got[1]["data"] == {"guest": True, "reason": "guest-reset"}
    machine.loop.run_until_complete(asyncio.wait_for(machine._exit.wait(), 1))
    assert machine.shutdown_cause is ShutdownCause.GUEST_RESET


def test_no_reboot_and_no_shutdown_stop_in_shutdown_state() -> None:
    actions = (("reboot", "shutdown"), ("shutdown", "pause"))
    machine, sink = machine_with("reset", actions=actions)
    expire(machine)
    assert sink.names() == ["WATCHDOG", "SHUTDOWN", "STOP"]
    assert machine.runstate is RunState.SHUTDOWN and not machine._exit.is_set()


def test_a_reset_request_follows_the_reboot_action() -> None:
    machine, sink = machine_with("none")
    machine.system_reset_request(ShutdownCause.HOST_QMP_SYSTEM_RESET)
    assert sink.names() == ["RESET"]
    machine.reboot_action = "shutdown"
    machine.system_reset_request(ShutdownCause.HOST_QMP_SYSTEM_RESET)
    assert sink.names() == ["RESET", "SHUTDOWN"]


def test_command_line_actions_reach_the_machine() -> None:
    from qmonitor.options.parser import Parser

    argv = ["-no-reboot", "-no-shutdown", "-watchdog-action", "pause", "-display", "none"]
    config = Parser(argv, "qemu-system-x86_64").run()
    assert dict(config.actions) == {"reboot": "shutdown", "shutdown": "pause", "watchdog": "pause"}


def test_hmp_watchdog_action() -> None:
    from qmonitor.machine.hmp_exec import run_hmp_command
    from qmonitor.machine.watchdog import WatchdogAction

    machine, _ = machine_with("reset")
    assert run_hmp_command(machine, "watchdog_action PAUSE", None) == ""
    assert machine.watchdog_action is WatchdogAction.PAUSE
    out = run_hmp_command(machine, "watchdog_action bogus", None)
    assert out == "Error: invalid parameter value: bogus\r\n"
    assert machine.watchdog_action is WatchdogAction.PAUSE
