"""QEMU_CLOCK_VIRTUAL of a machine that is not driven by qtest.

Without ``-accel qtest`` (and without icount) QEMU's virtual clock counts
host time while the VM runs and stands still while it is stopped: it
starts at zero, ``-S`` keeps it at zero until ``cont``, ``stop`` freezes it
and ``cont`` lets it go on from where it stopped.  Device timers on it (the
ib700's) fire on the machine's main loop once the clock reaches their
deadline, so stopping the VM delays them by the time it was stopped.

Timers are armed and fire on the main loop thread only.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import time
from collections.abc import Callable

from qmonitor.util.guard import call_guarded

log = logging.getLogger("qmonitor.machine")


class RunningClock:
    """A clock that runs with host time only between :meth:`start` and :meth:`stop`."""

    def __init__(self, loop: asyncio.AbstractEventLoop, *, running: bool = False) -> None:
        self.loop = loop
        self._base_ns = 0
        #: Host monotonic time when the clock last started, None while stopped.
        self._since: int | None = None
        self._timers: list[tuple[int, int, _Timer]] = []
        self._seq = itertools.count()
        self._wakeup: asyncio.TimerHandle | None = None
        if running:
            self.start()

    @property
    def running(self) -> bool:
        return self._since is not None

    def now_ns(self) -> int:
        if self._since is None:
            return self._base_ns
        return self._base_ns + time.monotonic_ns() - self._since

    def start(self) -> None:
        """The VM runs: the clock follows host time from here (``cpu_enable_ticks``)."""
        if self._since is None:
            self._since = time.monotonic_ns()
            self._reschedule()

    def stop(self) -> None:
        """The VM stopped: freeze the clock (``cpu_disable_ticks``)."""
        if self._since is not None:
            self._base_ns = self.now_ns()
            self._since = None
            self._reschedule()

    def call_at(self, when_ns: int, callback: Callable[[], None]) -> _Timer:
        """Run ``callback`` once the clock reaches ``when_ns``."""
        timer = _Timer(self, callback)
        heapq.heappush(self._timers, (when_ns, next(self._seq), timer))
        self._reschedule()
        return timer

    def next_deadline_ns(self) -> int | None:
        self._prune()
        return self._timers[0][0] if self._timers else None

    def _prune(self) -> None:
        while self._timers and self._timers[0][2].cancelled:
            heapq.heappop(self._timers)

    def _reschedule(self) -> None:
        if self._wakeup is not None:
            self._wakeup.cancel()
            self._wakeup = None
        deadline = self.next_deadline_ns()
        if deadline is None or self._since is None:
            return
        delay = max(0.0, (deadline - self.now_ns()) / 1e9)
        self._wakeup = self.loop.call_later(delay, self._run_due)

    def _run_due(self) -> None:
        self._wakeup = None
        while self._since is not None:
            self._prune()
            if not self._timers or self._timers[0][0] > self.now_ns():
                break
            _, _, timer = heapq.heappop(self._timers)
            timer.cancelled = True
            # A device's bug must not stop the clock: later timers still fire.
            call_guarded(log, "virtual clock", "timer", timer.callback)
        self._reschedule()


class _Timer:
    __slots__ = ("callback", "cancelled", "clock")

    def __init__(self, clock: RunningClock, callback: Callable[[], None]) -> None:
        self.clock = clock
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        if not self.cancelled:
            self.cancelled = True
            self.clock._reschedule()


class HostClock:
    """QEMU_CLOCK_HOST: host wall-clock time; timers fire on the main loop.

    The RTC follows it by default (``-rtc clock=host``).  Timers are armed
    and fire on the main loop thread only.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def now_ns(self) -> int:
        return time.time_ns()

    def call_at(self, when_ns: int, callback: Callable[[], None]) -> asyncio.TimerHandle:
        delay = max(0.0, (when_ns - time.time_ns()) / 1e9)
        return self.loop.call_later(delay, call_guarded, log, "host clock", "timer", callback)
