"""The MC146818 RTC and CMOS memory of a PC (ports 0x70/0x71), as QEMU 7.2 models it.

Port 0x70 selects one of 128 CMOS bytes (bit 7 is the NMI mask), port
0x71 reads or writes it.  Bytes 0-9 and the century (0x32; 0x37 is an
alias for it) hold the time of day, in BCD or binary (register B's DM
bit) and 12 or 24 hours (24H); registers A-D control the clock:

* A: the divider (0x60 in bits 4-6 holds it in reset: the time stands
  still; leaving reset starts the first update half a second later), the
  periodic rate (bits 0-3) and UIP, set during the last 244 us before
  each update and latched once read there;
* B: SET (the registers hold what the guest writes; leaving SET makes
  that the new time), the interrupt enables PIE, AIE and UIE, DM, 24H;
* C: the flags PF, AF, UF and IRQF, cleared by reading; D: 0x80.

The time is ``base_rtc`` seconds at ``last_update`` on the RTC's clock
plus an offset in nanoseconds.  Timers on that clock raise the
update-ended and alarm flags (one timer, aimed at the next second or, if
UF is already set, at the alarm) and the periodic flag, and the device's
output raises its ISA interrupt (8) when an enabled flag is set.  Setting
the time raises RTC_CHANGE with the new offset from host time and the
device's QOM path (hw/rtc/mc146818rtc.c).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qmonitor.machine.irq import GpioDevice, GpioOut
from qmonitor.machine.rtc_time import RtcSettings, Tm, cdiv, cmod, gmtime, mktimegm, s64, u64
from qmonitor.monitor.events import SECOND_NS, Clock, TimerHandle

REG_SECONDS, REG_SECONDS_ALARM, REG_MINUTES, REG_MINUTES_ALARM = 0x00, 0x01, 0x02, 0x03
REG_HOURS, REG_HOURS_ALARM, REG_WDAY, REG_MDAY, REG_MONTH, REG_YEAR = (
    0x04,
    0x05,
    0x06,
    0x07,
    0x08,
    0x09,
)
REG_A, REG_B, REG_C, REG_D = 0x0A, 0x0B, 0x0C, 0x0D
REG_CENTURY, REG_PS2_CENTURY = 0x32, 0x37
REG_A_UIP = 0x80
REG_B_SET, REG_B_PIE, REG_B_AIE, REG_B_UIE = 0x80, 0x40, 0x20, 0x10
REG_B_SQWE, REG_B_DM, REG_B_24H = 0x08, 0x04, 0x02
REG_C_IRQF, REG_C_PF, REG_C_AF, REG_C_UF, REG_C_MASK = 0x80, 0x40, 0x20, 0x10, 0x70

#: The registers that hold the time of day.
TIME_REGS = frozenset({REG_SECONDS, REG_MINUTES, REG_HOURS, REG_WDAY, REG_MDAY, REG_MONTH,
                       REG_YEAR, REG_CENTURY})  # fmt: skip

#: The oscillator (Hz) and how long UIP is held before an update (8 of its cycles).
RTC_CLOCK_RATE = 32768
UIP_HOLD_LENGTH = 8 * SECOND_NS // RTC_CLOCK_RATE

#: The RTC's QOM path on QEMU 7.2's ``-M pc -nodefaults``.
PC_RTC_QOM_PATH = "/machine/unattached/device[9]"


def periodic_period_to_clock(code: int) -> int:
    """The periodic interrupt's period, in oscillator cycles, for rate ``code`` (0: none)."""
    if not code:
        return 0
    if code <= 2:
        code += 7
    return 1 << (code - 1)


def periodic_clock_to_ns(clocks: int) -> int:
    return clocks * SECOND_NS // RTC_CLOCK_RATE


class DeviceTimer:
    """A QEMUTimer on a :class:`Clock`: armed at one time at most, or not at all."""

    def __init__(self, clock: Clock, callback: Callable[[], None]) -> None:
        self._clock = clock
        self._callback = callback
        self._handle: TimerHandle | None = None
        #: When it fires, -1 when not armed (timer_expire_time_ns).
        self.expire = -1

    @property
    def pending(self) -> bool:
        return self.expire != -1

    def mod(self, when: int) -> None:
        self.delete()
        self.expire = when
        self._handle = self._clock.call_at(when, self._fire)

    def delete(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self.expire = -1

    def _fire(self) -> None:
        self._handle = None
        self.expire = -1
        self._callback()


class MC146818:
    """The RTC: CMOS bytes, the time-of-day clock, its timers and its interrupt."""

    def __init__(
        self,
        emit: Callable[[str, dict[str, Any]], None],
        clock: Clock,
        settings: RtcSettings | None = None,
        *,
        qom_path: str = PC_RTC_QOM_PATH,
        base_year: int = 2000,
    ) -> None:
        self._emit = emit
        self.clock = clock
        self.settings = settings or RtcSettings.configure()
        self.qom_path = qom_path
        self.gpio = GpioDevice(qom_path)
        #: The interrupt output (connected by the board to ISA interrupt 8).
        self.irq: GpioOut = self.gpio.init_out(1)[0]
        # QEMU stores a base year of 2000 as 0 so that the century byte counts.
        self.base_year = 0 if base_year == 2000 else base_year
        self.index = 0
        self.cmos = bytearray(128)
        self.cmos[REG_A], self.cmos[REG_B], self.cmos[REG_D] = 0x26, 0x02, 0x80
        self.base_rtc = 0
        self.last_update = 0
        self.offset = 0
        self.period = 0
        self.next_periodic_time = 0
        self.next_alarm_time = 0
        self.periodic_timer = DeviceTimer(clock, self._periodic_fired)
        self.update_timer = DeviceTimer(clock, self._update_fired)
        self._set_date_from_host()
        self._check_update_timer()

    # -- helpers ----------------------------------------------------------------

    def _now(self) -> int:
        return self.clock.now_ns()

    @property
    def running(self) -> bool:
        """The time advances: SET clear and the divider not held (rtc_running)."""
        return not self.cmos[REG_B] & REG_B_SET and (self.cmos[REG_A] & 0x70) <= 0x20

    def guest_ns(self) -> int:
        """The guest's time in nanoseconds, as a uint64 (get_guest_rtc_ns)."""
        return u64(self.base_rtc * SECOND_NS + self._now() - self.last_update + self.offset)

    def _to_bcd(self, value: int) -> int:
        if self.cmos[REG_B] & REG_B_DM:
            return value & 0xFF
        return ((cdiv(value, 10) << 4) | cmod(value, 10)) & 0xFF

    def _from_bcd(self, value: int) -> int:
        if value & 0xC0 == 0xC0:
            return -1  # "don't care" in the alarm registers
        if self.cmos[REG_B] & REG_B_DM:
            return value
        return (value >> 4) * 10 + (value & 0x0F)

    def _registers_tm(self) -> Tm:
        """rtc_get_time: the date the time registers hold."""
        c = self.cmos
        hour = self._from_bcd(c[REG_HOURS] & 0x7F)
        if not c[REG_B] & REG_B_24H:
            hour = cmod(hour, 12) + (12 if c[REG_HOURS] & 0x80 else 0)
        year = (self._from_bcd(c[REG_YEAR]) + self.base_year
                + self._from_bcd(c[REG_CENTURY]) * 100 - 1900)  # fmt: skip
        return Tm(self._from_bcd(c[REG_SECONDS]), self._from_bcd(c[REG_MINUTES]), hour,
                  self._from_bcd(c[REG_MDAY]), self._from_bcd(c[REG_MONTH]) - 1, year,
                  self._from_bcd(c[REG_WDAY]) - 1)  # fmt: skip

    def _set_cmos(self, tm: Tm) -> None:
        """rtc_set_cmos: write ``tm`` into the time registers in the current format."""
        c = self.cmos
        c[REG_SECONDS] = self._to_bcd(tm.sec)
        c[REG_MINUTES] = self._to_bcd(tm.min)
        if c[REG_B] & REG_B_24H:
            c[REG_HOURS] = self._to_bcd(tm.hour)
        else:
            hour12 = cmod(tm.hour, 12) or 12
            c[REG_HOURS] = self._to_bcd(hour12) | (0x80 if tm.hour >= 12 else 0)
        c[REG_WDAY] = self._to_bcd(tm.wday + 1)
        c[REG_MDAY] = self._to_bcd(tm.mday)
        c[REG_MONTH] = self._to_bcd(tm.mon + 1)
        year = tm.year + 1900 - self.base_year
        c[REG_YEAR] = self._to_bcd(cmod(year, 100))
        c[REG_CENTURY] = self._to_bcd(cdiv(year, 100))

    def _update_time(self) -> None:
        """rtc_update_time: bring the time registers up to date (unless SET)."""
        guest_sec = cdiv(s64(self.guest_ns()), SECOND_NS)
        if not self.cmos[REG_B] & REG_B_SET:
            self._set_cmos(gmtime(guest_sec))

    def _set_time(self) -> None:
        """rtc_set_time: the registers' date becomes the time; RTC_CHANGE."""
        tm = self._registers_tm()
        self.base_rtc = u64(mktimegm(tm))
        self.last_update = self._now()
        self._emit("RTC_CHANGE", {"offset": self.settings.timedate_diff(tm),
                                  "qom-path": self.qom_path})  # fmt: skip

    def _set_date_from_host(self) -> None:
        tm = self.settings.get_timedate(self._now())
        self.base_rtc = u64(mktimegm(tm))
        self.last_update = self._now()
        self.offset = 0
        self._set_cmos(tm)

    # -- timers ----------------------------------------------------------------------

    def _periodic_ticks(self) -> int:
        if not self.cmos[REG_B] & REG_B_PIE:
            return 0
        return periodic_period_to_clock(self.cmos[REG_A] & 0x0F)

    def _periodic_update(self, now: int, old_period: int, period_change: bool) -> None:
        """periodic_timer_update (lost ticks discarded: the default policy)."""
        period = self._periodic_ticks()
        self.period = period
        if not period:
            self.periodic_timer.delete()
            return
        cur_clock = now * RTC_CLOCK_RATE // SECOND_NS
        lost_clock = 0
        if old_period and period_change:
            next_clock = self.next_periodic_time * RTC_CLOCK_RATE // SECOND_NS
            lost_clock = max(0, cur_clock - (next_clock - old_period))
        lost_clock = min(lost_clock, period)
        next_irq_clock = cur_clock + period - lost_clock
        self.next_periodic_time = periodic_clock_to_ns(next_irq_clock) + 1
        self.periodic_timer.mod(self.next_periodic_time)

    def _periodic_fired(self) -> None:
        self._periodic_update(self.next_periodic_time, self.period, False)
        self.cmos[REG_C] |= REG_C_PF
        if self.cmos[REG_B] & REG_B_PIE:
            self.cmos[REG_C] |= REG_C_IRQF
            self.irq.raise_()

    def _check_update_timer(self) -> None:
        """check_update_timer: aim the update timer at the next second or the alarm."""
        c = self.cmos
        if c[REG_A] & 0x60 == 0x60:
            # Dividers held in reset: no update, no interrupt.
            self.update_timer.delete()
            return
        guest_nsec = self.guest_ns() % SECOND_NS
        next_update = self._now() + SECOND_NS - guest_nsec
        self.next_alarm_time = next_update + (self._next_alarm() - 1) * SECOND_NS
        if not c[REG_A] & REG_A_UIP and c[REG_C] & REG_C_UF:
            if c[REG_B] & REG_B_SET or c[REG_C] & REG_C_AF:
                self.update_timer.delete()
                return
            next_update = self.next_alarm_time
        if next_update != self.update_timer.expire:
            self.update_timer.mod(next_update)

    def _hour24(self, hour: int) -> int:
        if not self.cmos[REG_B] & REG_B_24H:
            hour %= 12
            if self.cmos[REG_HOURS] & 0x80:
                hour += 12
        return hour

    def _next_alarm(self) -> int:
        """get_next_alarm: seconds from the current second to the alarm (1 to a day)."""
        self._update_time()
        c = self.cmos
        a_sec, a_min = self._from_bcd(c[REG_SECONDS_ALARM]), self._from_bcd(c[REG_MINUTES_ALARM])
        a_hour = self._from_bcd(c[REG_HOURS_ALARM])
        a_hour = -1 if a_hour == -1 else self._hour24(a_hour & 0xFF)
        sec, minute = self._from_bcd(c[REG_SECONDS]), self._from_bcd(c[REG_MINUTES])
        hour = self._hour24(self._from_bcd(c[REG_HOURS]) & 0xFF)
        if a_hour == -1:
            a_hour = hour
            if a_min == -1:
                a_min = minute
                if a_sec == -1:
                    a_sec = sec + 1
                elif sec > a_sec:
                    a_min += 1
            elif minute == a_min:
                if a_sec == -1:
                    a_sec = sec + 1
                elif sec > a_sec:
                    a_hour += 1
                if a_sec == 60:
                    a_sec, a_hour = 0, a_hour + 1
            elif minute > a_min:
                a_hour += 1
        elif hour == a_hour:
            if a_min == -1:
                a_min = minute
                if a_sec == -1:
                    a_sec = sec + 1
                elif sec > a_sec:
                    a_min += 1
                if a_sec == 60:
                    a_sec, a_min = 0, a_min + 1
                a_min = cmod(a_min, 60)
            elif minute == a_min:
                if a_sec == -1:
                    a_sec = sec + 1
                a_sec = cmod(a_sec, 60)
        a_min = 0 if a_min == -1 else a_min
        a_sec = 0 if a_sec == -1 else a_sec
        if a_sec == 60:
            a_sec, a_min = 0, a_min + 1
        if a_min == 60:
            a_min, a_hour = 0, a_hour + 1
        a_hour = cmod(a_hour, 24)
        diff = ((a_hour - hour) * 60 + a_min - minute) * 60 + a_sec - sec
        return diff + 86400 if diff <= 0 else diff

    def _update_fired(self) -> None:
        """rtc_update_timer: an update ended; UF, maybe AF, maybe the interrupt."""
        self._update_time()
        c = self.cmos
        c[REG_A] &= ~REG_A_UIP & 0xFF
        irqs = REG_C_UF
        if self._now() >= self.next_alarm_time:
            irqs |= REG_C_AF
        new_irqs = irqs & ~c[REG_C]
        c[REG_C] |= irqs
        if new_irqs & c[REG_B]:
            c[REG_C] |= REG_C_IRQF
            self.irq.raise_()
        self._check_update_timer()

    def _update_in_progress(self) -> bool:
        if not self.running:
            return False
        if self.update_timer.pending and self._now() >= self.update_timer.expire - UIP_HOLD_LENGTH:
            self.cmos[REG_A] |= REG_A_UIP  # latched until the update
            return True
        return cmod(s64(self.guest_ns()), SECOND_NS) >= SECOND_NS - UIP_HOLD_LENGTH

    # -- ports -----------------------------------------------------------------------

    def port_read(self, addr: int, size: int) -> int:
        # One-byte registers: a wider read repeats the access for each byte.
        return sum(self._read_byte(addr + i) << (8 * i) for i in range(size))

    def port_write(self, addr: int, size: int, value: int) -> None:
        for i in range(size):
            self._write_byte(addr + i, (value >> (8 * i)) & 0xFF)

    def _read_byte(self, addr: int) -> int:
        if addr & 1 == 0:
            return 0xFF
        c = self.cmos
        if self.index == REG_PS2_CENTURY:
            self.index = REG_CENTURY
        reg = self.index
        if reg in TIME_REGS:
            if self.running:
                self._update_time()
            return c[reg]
        if reg == REG_A:
            return c[REG_A] | (REG_A_UIP if self._update_in_progress() else 0)
        if reg == REG_C:
            value = c[REG_C]
            self.irq.lower()
            c[REG_C] = 0
            if value & (REG_C_UF | REG_C_AF):
                self._check_update_timer()
            return value
        return c[reg]

    def _write_byte(self, addr: int, data: int) -> None:
        if addr & 1 == 0:
            self.index = data & 0x7F
            return
        c = self.cmos
        if self.index == REG_PS2_CENTURY:
            self.index = REG_CENTURY
        reg = self.index
        if reg in (REG_SECONDS_ALARM, REG_MINUTES_ALARM, REG_HOURS_ALARM):
            c[reg] = data
            self._check_update_timer()
        elif reg in TIME_REGS:
            c[reg] = data
            if self.running:
                self._set_time()
                self._check_update_timer()
        elif reg == REG_A:
            self._write_a(data)
        elif reg == REG_B:
            self._write_b(data)
        elif reg not in (REG_C, REG_D):
            c[reg] = data

    def _write_a(self, data: int) -> None:
        c = self.cmos
        update_periodic = (c[REG_A] ^ data) & 0x0F
        old_period = self._periodic_ticks()
        if data & 0x60 == 0x60:
            if self.running:
                self._update_time()
            c[REG_A] &= ~REG_A_UIP & 0xFF
        elif c[REG_A] & 0x60 == 0x60 and data & 0x70 <= 0x20:
            # Leaving divider reset: the first update comes half a second later.
            if not c[REG_B] & REG_B_SET:
                self.offset = 500_000_000
                self._set_time()
            c[REG_A] &= ~REG_A_UIP & 0xFF
        c[REG_A] = (data & ~REG_A_UIP & 0xFF) | (c[REG_A] & REG_A_UIP)
        if update_periodic:
            self._periodic_update(self._now(), old_period, True)
        self._check_update_timer()

    def _write_b(self, data: int) -> None:
        c = self.cmos
        update_periodic = (c[REG_B] ^ data) & REG_B_PIE
        old_period = self._periodic_ticks()
        if data & REG_B_SET:
            if self.running:
                self._update_time()
            c[REG_A] &= ~REG_A_UIP & 0xFF
            data &= ~REG_B_UIE & 0xFF
        elif c[REG_B] & REG_B_SET and c[REG_A] & 0x70 <= 0x20:
            # Leaving SET: the registers' date is the new time, the second's
            # fraction kept.
            self.offset = self.guest_ns() % SECOND_NS
            self._set_time()
        if data & c[REG_C] & REG_C_MASK:
            c[REG_C] |= REG_C_IRQF
            self.irq.raise_()
        else:
            c[REG_C] &= ~REG_C_IRQF & 0xFF
            self.irq.lower()
        c[REG_B] = data
        if update_periodic:
            self._periodic_update(self._now(), old_period, True)
        self._check_update_timer()

    # -- machine ---------------------------------------------------------------------

    def set_memory(self, addr: int, value: int) -> None:
        """rtc_set_memory: the board fills CMOS bytes (memory sizes, devices)."""
        if 0 <= addr <= 127:
            self.cmos[addr] = value & 0xFF

    def reset(self) -> None:
        """Device reset: interrupts off and flags clear; the time runs on."""
        c = self.cmos
        if c[0x0F] != 0xFE:  # 0xfe: a guest suspending itself asks the BIOS to resume
            c[0x0F] = 0
        c[REG_B] &= ~(REG_B_PIE | REG_B_AIE | REG_B_SQWE) & 0xFF
        c[REG_C] &= ~(REG_C_UF | REG_C_IRQF | REG_C_PF | REG_C_AF) & 0xFF
        self._check_update_timer()
        self.irq.lower()

    def date(self) -> Tm:
        """The guest's date now (the ``date`` property, ``rtc-time`` of the machine)."""
        self._update_time()
        return self._registers_tm()
