"""The MC146818 RTC of a PC, as far as its ports and RTC_CHANGE need.

Port 0x70 selects a CMOS register (bit 7 masks NMI), port 0x71 reads or
writes it.  The clock runs on host time plus an offset; while register B's
SET bit is on, the time registers hold what the guest writes, and clearing
SET makes that the new time and raises RTC_CHANGE with the new offset from
host time, in seconds, and the device's QOM path (as hw/rtc/mc146818rtc.c).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

REG_SECONDS, REG_MINUTES, REG_HOURS = 0x00, 0x02, 0x04
REG_WDAY, REG_MDAY, REG_MONTH, REG_YEAR = 0x06, 0x07, 0x08, 0x09
REG_A, REG_B, REG_C, REG_D = 0x0A, 0x0B, 0x0C, 0x0D
REG_CENTURY = 0x32
REG_B_SET, REG_B_DM, REG_B_24H = 0x80, 0x04, 0x02

#: The RTC's QOM path on QEMU 7.2's ``-M pc -nodefaults``.
PC_RTC_QOM_PATH = "/machine/unattached/device[9]"


class MC146818:
    """CMOS RTC on ports 0x70/0x71."""

    def __init__(
        self,
        emit: Callable[[str, dict[str, Any]], None],
        qom_path: str = PC_RTC_QOM_PATH,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._emit = emit
        self.qom_path = qom_path
        self._now = now
        self.offset = 0  # guest time - host time, seconds
        self.index = 0
        self.cmos = bytearray(128)
        self.cmos[REG_A] = 0x26
        self.cmos[REG_B] = REG_B_24H
        self.cmos[REG_D] = 0x80

    # -- time <-> registers --------------------------------------------------

    def _to_reg(self, value: int) -> int:
        if self.cmos[REG_B] & REG_B_DM:
            return value & 0xFF
        return ((value // 10) << 4) | (value % 10)

    def _from_reg(self, value: int) -> int:
        if self.cmos[REG_B] & REG_B_DM:
            return value
        return ((value >> 4) & 0x0F) * 10 + (value & 0x0F)

    def _guest_tm(self) -> time.struct_time:
        return time.gmtime(int(self._now()) + self.offset)

    def _update_time_registers(self) -> None:
        tm = self._guest_tm()
        hour = tm.tm_hour
        if not self.cmos[REG_B] & REG_B_24H:
            pm = hour >= 12
            hour = hour % 12 or 12
            self.cmos[REG_HOURS] = self._to_reg(hour) | (0x80 if pm else 0)
        else:
            self.cmos[REG_HOURS] = self._to_reg(hour)
        self.cmos[REG_SECONDS] = self._to_reg(tm.tm_sec)
        self.cmos[REG_MINUTES] = self._to_reg(tm.tm_min)
        self.cmos[REG_WDAY] = self._to_reg((tm.tm_wday + 1) % 7 + 1)
        self.cmos[REG_MDAY] = self._to_reg(tm.tm_mday)
        self.cmos[REG_MONTH] = self._to_reg(tm.tm_mon)
        self.cmos[REG_YEAR] = self._to_reg(tm.tm_year % 100)
        self.cmos[REG_CENTURY] = self._to_reg(tm.tm_year // 100)

    def _registers_time(self) -> int:
        import calendar  # here: only a guest setting the clock needs it (start-up time)

        hour_reg = self.cmos[REG_HOURS]
        if self.cmos[REG_B] & REG_B_24H:
            hour = self._from_reg(hour_reg)
        else:
            hour = self._from_reg(hour_reg & 0x7F) % 12 + (12 if hour_reg & 0x80 else 0)
        year = self._from_reg(self.cmos[REG_YEAR]) + 100 * self._from_reg(self.cmos[REG_CENTURY])
        return calendar.timegm(
            (
                year,
                self._from_reg(self.cmos[REG_MONTH]),
                self._from_reg(self.cmos[REG_MDAY]),
                hour,
                self._from_reg(self.cmos[REG_MINUTES]),
                self._from_reg(self.cmos[REG_SECONDS]),
                0,
                0,
                0,
            )
        )

    # -- ports -----------------------------------------------------------------

    def port_read(self, addr: int, size: int) -> int:
        if addr & 1 == 0:
            return 0xFF
        reg = self.index
        if reg <= REG_YEAR or reg == REG_CENTURY:
            if not self.cmos[REG_B] & REG_B_SET:
                self._update_time_registers()
            return self.cmos[reg]
        if reg == REG_C:
            value = self.cmos[REG_C]
            self.cmos[REG_C] = 0
            return value
        return self.cmos[reg]

    def port_write(self, addr: int, size: int, value: int) -> None:
        value &= 0xFF
        if addr & 1 == 0:
            self.index = value & 0x7F
            return
        reg = self.index
        if reg == REG_B:
            was_set = self.cmos[REG_B] & REG_B_SET
            if value & REG_B_SET and not was_set:
                # Freeze: the registers hold the current time for editing.
                self._update_time_registers()
            self.cmos[REG_B] = value
            if was_set and not value & REG_B_SET:
                self._set_time()
            return
        if reg in (REG_C, REG_D):
            return
        if (reg <= REG_YEAR or reg == REG_CENTURY) and not self.cmos[REG_B] & REG_B_SET:
            self._update_time_registers()
        self.cmos[reg] = value

    def _set_time(self) -> None:
        guest = self._registers_time()
        self.offset = guest - int(self._now())
        self._emit("RTC_CHANGE", {"offset": self.offset, "qom-path": self.qom_path})
