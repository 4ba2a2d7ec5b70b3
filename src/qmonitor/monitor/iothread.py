"""The shared monitor I/O thread (QEMU's ``mon_iothread``).

QMP monitors whose chardev can run on any loop do their reading, parsing
and out-of-band commands here, so that a client can still talk OOB while
the main loop is busy with an in-band command.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

from qmonitor.util.pollsel import PollingSelector

#: How long the monitor I/O thread polls before it blocks, at most.  Longer
#: than QEMU's iothread default (32 µs): a client on the loopback reads a
#: reply and sends its next request in 30 to 60 µs on a 2-vCPU guest, and
#: catching that request without a wake-up is what the polling is for.  A
#: client slower than this gets no polling after its first wait.
MONITOR_POLL_MAX_NS = 128_000


class IOThread:
    """A thread running its own asyncio loop until :meth:`stop`."""

    def __init__(self, name: str = "mon_iothread", poll_max_ns: int = MONITOR_POLL_MAX_NS) -> None:
        self.name = name
        # Polls before blocking, as QEMU's iothreads do (qmonitor.util.pollsel).
        self.loop = asyncio.SelectorEventLoop(PollingSelector(poll_max_ns))
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._started = False

    def start(self) -> None:
        if not self._started:
            self._started = True
            self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
        finally:
            with contextlib.suppress(Exception):
                self.loop.run_until_complete(self.loop.shutdown_asyncgens())

    def stop(self) -> None:
        """Stop the loop and join the thread (``iothread_stop``); the loop stays open."""
        if not self._started or not self._thread.is_alive():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=10)

    def destroy(self) -> None:
        """Close the loop after :meth:`stop` (``iothread_destroy``)."""
        self.stop()
        if not self.loop.is_closed() and not self.loop.is_running():
            self.loop.close()
