"""The guest's time of day as ``-rtc`` configures it (softmmu/rtc.c), and C's time arithmetic.

``-rtc base=utc|localtime|DATE`` says where the guest clock starts (host
time in UTC or local time, or a fixed date), ``clock=host|rt|vm`` which
clock it then follows (host wall time, host monotonic time, or
QEMU_CLOCK_VIRTUAL, which qtest's ``clock_step`` moves and which stands
still while the VM is stopped), ``driftfix=slew|none`` the RTC's lost tick
policy.  :class:`RtcSettings` keeps the reference points QEMU computes at
start-up and answers ``qemu_get_timedate`` and ``qemu_timedate_diff``.

The RTC computes with C's integer types; the helpers here do the same in
Python (truncating division, 64-bit wrap-around, ``mktimegm`` and a
``gmtime`` that takes any number of seconds), so that no register value a
guest writes can raise an exception.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from qmonitor.errors import QmonitorError

#: The RTC's clock choices (QEMUClockType for ``-rtc clock=``).
CLOCK_HOST, CLOCK_RT, CLOCK_VM = "host", "rt", "vm"
#: Base choices: ``base=utc``, ``base=localtime``, or a date.
BASE_UTC, BASE_LOCALTIME, BASE_DATETIME = "utc", "localtime", "datetime"

# configure_rtc_base_datetime's accepted formats (sscanf "%d-%d-%dT%d:%d:%d" / "%d-%d-%d").
_INT = r"[ \t\n\v\f\r]*[+-]?[0-9]+"
_DATETIME = re.compile(rf"({_INT})-({_INT})-({_INT})T({_INT}):({_INT}):({_INT})")
_DATE = re.compile(rf"({_INT})-({_INT})-({_INT})")

_U64 = (1 << 64) - 1


def u64(value: int) -> int:
    """``(uint64_t)value``."""
    return value & _U64


def s64(value: int) -> int:
    """``(int64_t)value``."""
    value &= _U64
    return value - (1 << 64) if value >> 63 else value


def cdiv(a: int, b: int) -> int:
    """C's ``a / b`` on integers: the quotient truncated toward zero."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def cmod(a: int, b: int) -> int:
    """C's ``a % b``: the remainder has the sign of ``a``."""
    return a - b * cdiv(a, b)


class Tm(NamedTuple):
    """C's ``struct tm`` (months from 0, years from 1900, weekdays from Sunday)."""

    sec: int
    min: int
    hour: int
    mday: int
    mon: int
    year: int
    wday: int


def mktimegm(tm: Tm) -> int:
    """QEMU's ``mktimegm`` (util/cutils.c): seconds since the epoch, any field range."""
    y, m, d = tm.year + 1900, tm.mon + 1, tm.mday
    if m < 3:
        m += 12
        y -= 1
    days = d + cdiv(153 * m - 457, 5) + 365 * y + cdiv(y, 4) - cdiv(y, 100) + cdiv(y, 400)
    t = s64(86400 * (days - 719469))
    return s64(t + 3600 * tm.hour + 60 * tm.min + tm.sec)


def gmtime(seconds: int) -> Tm:
    """``gmtime_r``: the UTC calendar date of ``seconds`` since the epoch (any value)."""
    days, rem = divmod(seconds, 86400)
    hour, rem = divmod(rem, 3600)
    minute, sec = divmod(rem, 60)
    wday = (days + 4) % 7  # 1970-01-01 was a Thursday
    # Civil date from a day count (proleptic Gregorian, eras of 400 years).
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    mday = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    year = yoe + era * 400 + (month <= 2)
    return Tm(sec, minute, hour, mday, month - 1, year - 1900, wday)


def _localtime(seconds: int) -> Tm:
    try:
        lt = time.localtime(seconds)
    except (OverflowError, OSError, ValueError):
        return gmtime(seconds)
    return Tm(lt.tm_sec, lt.tm_min, lt.tm_hour, lt.tm_mday, lt.tm_mon - 1, lt.tm_year - 1900,
              (lt.tm_wday + 1) % 7)  # fmt: skip


def _mktime_local(tm: Tm) -> int:
    """``mktime`` with ``tm_isdst = -1``: local calendar time to seconds."""
    fields = (tm.year + 1900, tm.mon + 1, tm.mday, tm.hour, tm.min, tm.sec, 0, 0, -1)
    try:
        return int(time.mktime(fields))
    except (OverflowError, OSError, ValueError):
        return mktimegm(tm) + time.timezone


class BadRtcDate(QmonitorError, ValueError):
    """``-rtc base=`` is not a date QEMU reads."""


@dataclass
class RtcSettings:
    """``-rtc``: the base, the clock and the lost tick policy, with QEMU's reference points."""

    base: str = BASE_UTC
    clock: str = CLOCK_HOST
    driftfix: str = "none"
    #: Host wall-clock seconds at start-up, or the ``base=`` date.
    ref_start: int = 0
    #: Host monotonic seconds at start-up (``clock=rt``).
    realtime_offset: int = 0
    #: Host start-up time minus the ``base=`` date (``base=DATE`` only).
    host_datetime_offset: int = -1
    #: QEMU_CLOCK_HOST in nanoseconds (host wall-clock time; tests pass their own).
    host_ns: Callable[[], int] = field(default=time.time_ns, compare=False)

    @classmethod
    def configure(
        cls,
        base: str | None = None,
        clock: str | None = None,
        driftfix: str | None = None,
        *,
        host_ns: Callable[[], int] = time.time_ns,
    ) -> RtcSettings:
        """configure_rtc(): ``-rtc`` values already checked by the command line."""
        settings = cls(
            ref_start=host_ns() // 1_000_000 // 1000,
            realtime_offset=time.monotonic_ns() // 1_000_000 // 1000,
            host_ns=host_ns,
        )
        if base == "localtime":
            settings.base = BASE_LOCALTIME
        elif base not in (None, "utc"):
            start = parse_rtc_date(base)
            settings.base = BASE_DATETIME
            settings.host_datetime_offset = settings.ref_start - start
            settings.ref_start = start
        if clock is not None:
            settings.clock = clock
        if driftfix is not None:
            settings.driftfix = driftfix
        return settings

    def ref_timedate(self, clock: str, clock_ns: int) -> int:
        """qemu_ref_timedate(): the reference time of ``clock`` reading ``clock_ns``."""
        value = clock_ns // 1_000_000 // 1000
        if clock == CLOCK_RT:
            return value - self.realtime_offset + self.ref_start
        if clock == CLOCK_VM:
            return value + self.ref_start
        if self.base == BASE_DATETIME:
            value -= self.host_datetime_offset
        return value

    def get_timedate(self, clock_ns: int) -> Tm:
        """qemu_get_timedate(): the guest's date now, read on the RTC's clock."""
        seconds = self.ref_timedate(self.clock, clock_ns)
        return _localtime(seconds) if self.base == BASE_LOCALTIME else gmtime(seconds)

    def timedate_diff(self, tm: Tm) -> int:
        """qemu_timedate_diff(): seconds from host time to the date ``tm`` (RTC_CHANGE)."""
        seconds = _mktime_local(tm) if self.base == BASE_LOCALTIME else mktimegm(tm)
        diff = (seconds - self.ref_timedate(CLOCK_HOST, self.host_ns())) & 0xFFFFFFFF
        return diff - (1 << 32) if diff >> 31 else diff  # QEMU returns it as an int


def parse_rtc_date(text: str) -> int:
    """configure_rtc_base_datetime(): ``2006-06-17T16:01:21`` or ``2006-06-17`` to seconds."""
    m = _DATETIME.match(text) or _DATE.match(text)
    if m is None:
        raise BadRtcDate(text)
    values = [int(v) for v in m.groups()] + [0, 0, 0]
    year, month, mday, hour, minute, sec = values[:6]
    seconds = mktimegm(Tm(sec, minute, hour, mday, month - 1, year - 1900, 0))
    if seconds == -1:
        raise BadRtcDate(text)
    return seconds
