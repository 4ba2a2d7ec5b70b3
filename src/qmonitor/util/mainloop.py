"""The main loop and its big lock (QEMU's BQL, ``qemu_mutex_lock_iothread``).

QEMU's main loop holds the big lock whenever it runs anything and drops it
only while it waits for file descriptors and timers.  Another thread that
takes the lock may therefore touch machine state as if it ran on the main
loop.  qmonitor's main loop does the same: :func:`new_main_loop` makes an
asyncio loop whose selector releases :attr:`MainLoop.bql` around each
wait.  The monitor I/O thread uses that to answer a simple in-band request
itself when the main loop is idle, sparing the hop to the main loop and
back (see :meth:`QmpDispatcher.try_run_here`).
"""

from __future__ import annotations

import asyncio
import selectors
import threading
from typing import Any


class _BqlSelector(selectors.DefaultSelector):
    """A selector that lets go of the big lock while it waits."""

    def __init__(self, bql: threading.Lock) -> None:
        super().__init__()
        self._bql = bql
        self._held = False

    def select(self, timeout: float | None = None) -> Any:
        if self._held:
            self._held = False
            self._bql.release()
        try:
            return super().select(timeout)
        finally:
            self._bql.acquire()
            self._held = True

    def close(self) -> None:
        if self._held:
            self._held = False
            self._bql.release()
        super().close()


class MainLoop(asyncio.SelectorEventLoop):
    """An asyncio loop that runs its callbacks holding :attr:`bql`."""

    def __init__(self) -> None:
        self.bql = threading.Lock()
        super().__init__(_BqlSelector(self.bql))


def new_main_loop() -> MainLoop:
    """A loop for ``asyncio.Runner(loop_factory=...)``."""
    return MainLoop()


def big_lock(loop: asyncio.AbstractEventLoop) -> threading.Lock | None:
    """The big lock of ``loop``, or None for a loop that has none."""
    return loop.bql if isinstance(loop, MainLoop) else None
