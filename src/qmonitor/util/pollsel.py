"""Adaptive polling before a loop blocks (QEMU's AioContext ``poll-max-ns``).

A thread that sleeps in ``epoll_wait`` pays the kernel's (and, in a virtual
machine, the hypervisor's) wake-up latency on every request: on a quiet
2-vCPU guest that is tens of microseconds per round trip, more than
qmonitor spends answering ``query-status``.  QEMU's iothreads avoid it by
busy-polling for a while before they block, and by adapting how long: the
polling window grows while events keep arriving within it and collapses
when the thread would have had to poll longer than ``poll_max_ns``.

:class:`PollingSelector` does the same for an asyncio loop: before a wait
that may block it checks its descriptors without blocking for up to
:attr:`PollWindow.ns`, then falls back to the ordinary blocking wait.  An
idle loop costs nothing: after one long wait the window is zero again.
:class:`PollWindow` is the adaptation alone, clock-free, so tests drive it
directly.
"""

from __future__ import annotations

import selectors
import time
from typing import Any

#: QEMU's default ``poll-max-ns`` for an iothread (IOTHREAD_POLL_MAX_NS_DEFAULT).
POLL_MAX_NS_DEFAULT = 32768
#: The first window after a run of successful waits: 4 µs, as QEMU starts.
POLL_NS_INITIAL = 4000
#: The factor the window grows by (QEMU's default ``poll-grow``).
POLL_GROW_DEFAULT = 2


class PollWindow:
    """How long to poll before blocking, adapted to how long waits last.

    :meth:`waited` is told how long each wait took until something was
    ready.  A wait that ended within the current window is the sweet spot
    and changes nothing; one longer than ``max_ns`` means polling would not
    have helped, so the window drops to zero (or shrinks by ``shrink``); one
    shorter than ``max_ns`` but past the window means a longer window would
    have caught it, so the window grows.
    """

    __slots__ = ("grow", "max_ns", "ns", "shrink")

    def __init__(
        self, max_ns: int = POLL_MAX_NS_DEFAULT, grow: int = POLL_GROW_DEFAULT, shrink: int = 0
    ) -> None:
        if max_ns < 0 or grow < 0 or shrink < 0:
            raise ValueError("polling parameters must not be negative")
        self.max_ns = max_ns
        self.grow = grow or POLL_GROW_DEFAULT
        self.shrink = shrink
        self.ns = 0

    def waited(self, block_ns: int) -> None:
        """Adapt after a wait of ``block_ns`` (polling included) that found work."""
        if block_ns <= self.ns:
            return
        if block_ns > self.max_ns:
            self.ns = self.ns // self.shrink if self.shrink else 0
        elif self.ns < self.max_ns:
            self.ns = min(self.ns * self.grow if self.ns else POLL_NS_INITIAL, self.max_ns)


class PollingSelector(selectors.DefaultSelector):
    """A selector that polls for up to :attr:`window` before a blocking wait.

    ``max_ns=0`` turns polling off (the plain selector's behaviour).
    """

    def __init__(self, max_ns: int = POLL_MAX_NS_DEFAULT) -> None:
        super().__init__()
        self.window = PollWindow(max_ns)

    def select(self, timeout: float | None = None) -> Any:
        if timeout is not None and timeout <= 0:
            return super().select(0)
        window = self.window
        if window.max_ns == 0:
            return super().select(timeout)
        start = time.perf_counter_ns()
        if window.ns:
            # Never poll past the loop's own next timer.
            limit = window.ns if timeout is None else min(window.ns, int(timeout * 1e9))
            deadline = start + limit
            while True:
                ready = super().select(0)
                if ready:
                    window.waited(time.perf_counter_ns() - start)
                    return ready
                now = time.perf_counter_ns()
                if now >= deadline:
                    break
            if timeout is not None:
                timeout = max(0.0, timeout - (now - start) / 1e9)
        ready = super().select(timeout)
        # A timer's expiry counts too: after a long quiet wait the window
        # closes, so an idle loop with timers does not keep polling.
        window.waited(time.perf_counter_ns() - start)
        return ready
