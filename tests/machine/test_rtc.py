"""The MC146818 model on its own: -rtc base and clock, alarm and periodic interrupts."""

from __future__ import annotations

import pytest

from qmonitor.machine.irq import GpioDevice
from qmonitor.machine.rtc import MC146818, REG_B, REG_C
from qmonitor.machine.rtc_time import BadRtcDate, RtcSettings, parse_rtc_date
from qmonitor.monitor.events import SECOND_NS, VirtualClock

HOST = 1_700_000_000  # 2023-11-14 22:13:20 UTC


def make(base: str | None = None, clock: str = "vm") -> tuple[MC146818, VirtualClock, list[int]]:
    vclock = VirtualClock()
    settings = RtcSettings.configure(base, clock, host_ns=lambda: HOST * SECOND_NS)
    rtc = MC146818(lambda e, d: None, vclock, settings)
    levels: list[int] = []
    rtc.irq.target = GpioDevice("/x").init_in(lambda n, level: levels.append(level), 1)[0]
    return rtc, vclock, levels


def read(rtc: MC146818, reg: int) -> int:
    rtc.port_write(0, 1, reg)
    return rtc.port_read(1, 1)


def write(rtc: MC146818, reg: int, value: int) -> None:
    rtc.port_write(0, 1, reg)
    rtc.port_write(1, 1, value)


def test_base_date_and_virtual_clock() -> None:
    rtc, clock, _ = make("2006-06-17T16:01:21")
    assert [read(rtc, r) for r in (0x09, 0x08, 0x07, 0x04, 0x02, 0x00, 0x32)] == [
        0x06, 0x06, 0x17, 0x16, 0x01, 0x21, 0x20
    ]  # fmt: skip
    clock.step(100 * SECOND_NS)
    assert [read(rtc, r) for r in (0x02, 0x00)] == [0x03, 0x01]
    # With base=DATE, RTC_CHANGE offsets count from that date as host time goes
    # on (here the host clock stands still): 100 s of guest time ahead.
    assert rtc.settings.timedate_diff(rtc.date()) == 100


def test_base_date_formats() -> None:
    assert parse_rtc_date("2006-06-17") == parse_rtc_date("2006-06-17T00:00:00")
    with pytest.raises(BadRtcDate):
        parse_rtc_date("yesterday")


def test_update_ended_interrupt_and_reading_c_lowers_it() -> None:
    rtc, clock, levels = make()
    write(rtc, REG_B, 0x12)  # UIE, 24 h, BCD
    clock.step(SECOND_NS)
    assert levels[-1] == 1 and read(rtc, REG_C) == 0x90
    assert levels[-1] == 0 and read(rtc, REG_C) == 0


def test_periodic_interrupt_at_the_rate_of_register_a() -> None:
    rtc, clock, levels = make()
    write(rtc, 0x0A, 0x2F)  # 2 Hz
    write(rtc, REG_B, 0x42)  # PIE
    clock.step(SECOND_NS // 2 + 1000)
    assert read(rtc, REG_C) & 0x40 and levels.count(1) == 1
    clock.step(SECOND_NS // 2)
    assert read(rtc, REG_C) & 0x40 and levels.count(1) == 2


def test_twelve_hour_mode_and_pm_flag() -> None:
    rtc, clock, _ = make("2020-01-01T23:59:59")
    write(rtc, REG_B, 0x00)  # 12 h BCD
    assert read(rtc, 0x04) == 0x91  # 11 PM
    clock.step(SECOND_NS)
    assert read(rtc, 0x04) == 0x12 and read(rtc, 0x07) == 0x02  # 12 AM the next day
