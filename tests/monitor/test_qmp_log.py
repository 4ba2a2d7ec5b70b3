"""Per-connection loggers: QMP and HMP ``-->`` and ``<--`` DEBUG lines, silent unless asked."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest

from qmonitor.chardev.base import ChrEvent
from qmonitor.machine.machine import Machine, MachineOptions
from qmonitor.monitor.events import qapi_event_emit
from qmonitor.monitor.qmp import MonitorQMP
from qmonitor.util.mainloop import new_main_loop
from qmonitor_testsupport.fakes import FakeChardev


@pytest.fixture
def mon() -> Iterator[MonitorQMP]:
    loop = new_main_loop()
    try:
        # No I/O thread: one left running would take the signals later tests send themselves.
        machine = Machine(MachineOptions(use_io_thread=False), loop=loop)
        chr = FakeChardev("mon0")
        mon = machine.add_qmp_monitor(chr)
        mon.dispatcher._busy = False  # as if started: queued requests wake it
        yield mon
    finally:
        loop.close()
        asyncio.set_event_loop(None)


def settle(mon: MonitorQMP) -> None:
    """Let the main loop run the queued requests."""
    mon.dispatcher.loop.run_until_complete(asyncio.sleep(0.05))


def lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "qmonitor.qmp.mon0"]


def test_every_message_in_and_out_is_logged(
    mon: MonitorQMP, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="qmonitor.qmp.mon0")
    mon._event(ChrEvent.OPENED)
    mon._read(b'{"execute": "qmp_capabilities"}{"execute": "nope", "id": 1}')
    settle(mon)
    got = lines(caplog)
    assert got[0].startswith('<-- {"QMP": {"version": ')
    assert got[1:] == [
        '--> {"execute": "qmp_capabilities"}',
        '<-- {"return": {}}',
        '--> {"execute": "nope", "id": 1}',
        '<-- {"id": 1, "error": {"class": "CommandNotFound", '
        '"desc": "The command nope has not been found"}}',
    ]
    qapi_event_emit(mon.registry, "STOP", None)
    last = lines(caplog)[-1]
    assert last.startswith('<-- {"timestamp": {"seconds": ')
    assert last.endswith('"event": "STOP"}')


def test_silent_unless_asked(mon: MonitorQMP, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="qmonitor")
    mon._event(ChrEvent.OPENED)
    mon._read(b'{"execute": "qmp_capabilities"}{"execute": "query-status"}')
    settle(mon)
    assert isinstance(mon.chr, FakeChardev)
    assert b'"running"' in mon.chr.written
    assert lines(caplog) == []
    assert logging.getLogger("qmonitor.qmp.mon0").name.startswith("qmonitor.")


def test_hmp_logs_each_line_run_and_each_output_chunk(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="qmonitor.hmp.hmp0")

    async def main() -> None:
        machine = Machine(MachineOptions(use_io_thread=False))
        chr = FakeChardev("hmp0")
        machine.add_hmp_monitor(chr)
        await asyncio.sleep(0.01)
        chr.be_event(ChrEvent.OPENED)
        await asyncio.sleep(0.01)
        chr.be_write(b"info status\n")
        await asyncio.sleep(0.01)

    asyncio.run(main())
    got = [r.getMessage() for r in caplog.records if r.name == "qmonitor.hmp.hmp0"]
    assert "--> info status" in got
    assert any(line.startswith("<-- ") and "VM status: running" in line for line in got)


def test_no_logger_is_made_until_debug_is_asked_for(caplog: pytest.LogCaptureFixture) -> None:
    # A logging.Logger lives as long as the process: a hundred monitors, or a
    # listener's thousands of connections, must not each leave one behind.
    caplog.set_level(logging.INFO, logger="qmonitor")
    loop = new_main_loop()
    try:
        machine = Machine(MachineOptions(use_io_thread=False), loop=loop)
        mon = machine.add_qmp_monitor(FakeChardev("unlogged"))
        mon.dispatcher._busy = False
        mon._event(ChrEvent.OPENED)
        mon._read(b'{"execute": "qmp_capabilities"}')
        settle(mon)
        assert "qmonitor.qmp.unlogged" not in logging.Logger.manager.loggerDict
        caplog.set_level(logging.DEBUG, logger="qmonitor.qmp")  # the parent: every connection
        mon._read(b'{"execute": "query-status"}')
        settle(mon)
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    got = [r.getMessage() for r in caplog.records if r.name == "qmonitor.qmp.unlogged"]
    assert got[0] == '--> {"execute": "query-status"}'


def test_debug_turned_on_during_a_connection_is_seen_at_the_next_input(
    mon: MonitorQMP, caplog: pytest.LogCaptureFixture
) -> None:
    """The per-chunk check trusts logging's cached "no" only until a level changes."""
    mon._event(ChrEvent.OPENED)
    mon._read(b'{"execute": "qmp_capabilities"}')
    settle(mon)
    assert lines(caplog) == []
    caplog.set_level(logging.DEBUG, logger="qmonitor.qmp")
    mon._read(b'{"execute": "query-status", "id": 7}')
    settle(mon)
    assert '--> {"execute": "query-status", "id": 7}' in lines(caplog)
    caplog.set_level(logging.INFO, logger="qmonitor.qmp")
    before = len(lines(caplog))
    mon._read(b'{"execute": "query-status", "id": 8}')
    settle(mon)
    assert len(lines(caplog)) == before


def test_a_connection_logger_set_to_debug_is_seen(
    mon: MonitorQMP, caplog: pytest.LogCaptureFixture
) -> None:
    mon._event(ChrEvent.OPENED)
    mon._read(b'{"execute": "qmp_capabilities"}')
    settle(mon)
    caplog.set_level(logging.DEBUG, logger="qmonitor.qmp.mon0")
    mon._read(b'{"execute": "query-status", "id": 9}')
    settle(mon)
    assert '--> {"execute": "query-status", "id": 9}' in lines(caplog)
