"""The monitor core of the seed: registry, current monitor, output, suspend/resume.

:class:`Monitor` is what QMP and HMP monitors share (QEMU's ``Monitor``):
an output buffer that turns ``\\n`` into ``\\r\\n`` and is flushed at each
newline, partial writes with a write watch, ``printf``/``printc`` and the
suspend counter behind ``can_read``.  :class:`MonitorRegistry` holds what
QEMU keeps in globals under ``monitor_lock`` (the monitor list, the
"destroyed" flag, the event throttle state), so that several independent
machines can live in one process.

The current monitor (``monitor_cur()``) is qapi's (:mod:`qmonitor.qapi.context`):
dispatch sets it; :func:`current_monitor` here is its view as a :class:`Monitor`.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import sys
import threading
from typing import TYPE_CHECKING, cast

from qmonitor.chardev.base import Chardev
from qmonitor.monitor.fds import FdSets, MonitorFds
from qmonitor.qapi.context import CURRENT_MONITOR, current_is_qmp, set_current_monitor
from qmonitor.qmp.session import encode_output as encode_output  # re-exported

if TYPE_CHECKING:
    from collections.abc import Callable

    from qmonitor.monitor.events import EventState

log = logging.getLogger(__name__)

#: Output a monitor may hold for a client that does not read before events
#: for it are dropped (bytes).  QEMU has no limit: its buffer grows as long
#: as events come.  Replies are never dropped; see README, "Slow readers".
EVENT_OUTBUF_LIMIT = 1 << 20

__all__ = [
    "EVENT_OUTBUF_LIMIT",
    "Monitor",
    "MonitorRegistry",
    "current_is_qmp",
    "current_monitor",
    "encode_output",
    "error_printf",
    "error_printf_unless_qmp",
    "set_current_monitor",
]


def current_monitor() -> Monitor | None:
    """The monitor whose command is running in this thread or task (``monitor_cur``).

    Only monitors are ever made current: this is qapi's variable seen as one.
    """
    return cast("Monitor | None", CURRENT_MONITOR.get())


class MonitorRegistry:
    """What QEMU guards with ``monitor_lock``: the monitor list and event state.

    ``monitors`` is ``mon_list``: new monitors go to the front, as in QEMU.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.monitors: list[Monitor] = []
        self.destroyed = False
        self.events: EventState | None = None
        #: The fd sets every monitor shares, and how many monitors have a client.
        self.fdsets = FdSets()

    def append(self, mon: Monitor) -> bool:
        """Add a monitor (``monitor_list_append``); refused once cleanup began."""
        with self.lock:
            if not self.destroyed:
                self.monitors.insert(0, mon)
                return True
        mon.destroy()
        return False

    def remove(self, mon: Monitor) -> bool:
        """Take a monitor off the list (its client left for good).

        False when it was not on it: cleanup already took it.
        """
        with self.lock:
            try:
                self.monitors.remove(mon)
            except ValueError:
                return False
        return True

    def snapshot(self) -> list[Monitor]:
        """A copy of the monitor list taken under the lock."""
        with self.lock:
            return list(self.monitors)

    def destroy_all(self) -> None:
        """Flush and destroy every monitor; no monitor can be added afterwards.

        As the seed's ``monitor_cleanup``, the lock is dropped around each
        flush so that events raised while a monitor goes away still work.
        """
        with self.lock:
            self.destroyed = True
        while True:
            with self.lock:
                if not self.monitors:
                    return
                mon = self.monitors.pop(0)
            mon.flush()
            mon.destroy()


class Monitor:
    """State and output path common to QMP and HMP monitors.

    :param chr: the chardev the monitor talks through (None for a monitor
        whose output is captured, such as HMP run from QMP).
    :param skip_flush: keep all output in the buffer (captured output).
    :param use_io_thread: run the handlers on the monitor I/O thread.
    """

    is_qmp = False
    #: The descriptors named with ``getfd`` (made on first use: most
    #: monitors never have one, and an instance key costs every monitor).
    _fds: MonitorFds | None = None
    #: Called with the buffer before each flush that may write it (a monitor
    #: sets it on itself while its output is logged); None costs one check.
    _log_output: Callable[[bytearray], None] | None = None

    def __init__(
        self,
        registry: MonitorRegistry,
        chr: Chardev | None,
        *,
        skip_flush: bool = False,
        use_io_thread: bool = False,
    ) -> None:
        self.registry = registry
        self.chr = chr
        self.skip_flush = skip_flush
        self.use_io_thread = use_io_thread
        self.mon_lock = threading.Lock()
        self.outbuf = bytearray()
        self.out_watch = False
        self.mux_out = False
        #: Output waits in the buffer while this is not zero: how many
        #: :meth:`cork` calls (a run of input being handled, the dispatcher
        #: holding events for a run of commands) have no :meth:`uncork` yet.
        self._corked = 0
        #: The thread whose writes stay in the buffer (the dispatcher's, during
        #: a run of requests; see QmpDispatcher): its output goes out with the
        #: next write of another thread or when the hold ends.  None: no hold.
        self._hold_thread: int | None = None
        #: Which connection the chardev has (QMP monitors count opens and
        #: closes), so a request, its reply or an event can tell whether its
        #: client is still there.
        self.connection = 0
        #: While not None, events wait here (see MonitorQMP's runs of queries).
        self.event_hold: list[bytes] | None = None
        self.suspend_cnt = 0
        self._suspend_lock = threading.Lock()
        #: Events are dropped, not queued, while this much output waits
        #: (0: no limit, as QEMU).
        self.event_outbuf_limit = EVENT_OUTBUF_LIMIT
        #: Events dropped for this monitor since it was created.
        self.events_dropped = 0
        self._drop_streak = 0
        #: The loop running this monitor's chardev handlers.
        self.loop: asyncio.AbstractEventLoop | None = None

    @property
    def fds(self) -> MonitorFds:
        """The descriptors named with ``getfd`` on this monitor (``mon->fds``)."""
        fds = self._fds
        if fds is None:
            with self.mon_lock:
                fds = self._fds
                if fds is None:
                    fds = self._fds = MonitorFds()
        return fds

    def get_msgfd(self) -> int:
        """Take the descriptor the client sent with its input, or -1 (``qemu_chr_fe_get_msgfd``)."""
        return self.chr.get_msgfd() if self.chr is not None else -1

    # -- output ----------------------------------------------------------

    def puts(self, text: str) -> int:
        """Queue text for output, ``\\n`` as ``\\r\\n``, flushing at each newline."""
        last_nl = text.rfind("\n")
        with self.mon_lock:
            if last_nl < 0:
                self.outbuf += encode_output(text)
            else:
                self.outbuf += encode_output(text[: last_nl + 1].replace("\n", "\r\n"))
                self._flush_locked()
                if last_nl + 1 < len(text):
                    self.outbuf += encode_output(text[last_nl + 1 :])
        return len(text)

    def printf(self, text: str) -> int:
        """Print formatted text (``monitor_printf``): -1 on QMP monitors."""
        if self.is_qmp:
            return -1
        return self.puts(text)

    def printc(self, c: int) -> None:
        """Print a character quoted and escaped as a C character literal."""
        if c == 0x27:
            body = "\\'"
        elif c == 0x5C:
            body = "\\\\"
        elif c == 0x0A:
            body = "\\n"
        elif c == 0x0D:
            body = "\\r"
        elif 32 <= c <= 126:
            body = chr(c)
        else:
            body = f"\\x{c & 0xFF:02x}"
        self.printf("'" + body + "'")

    def flush(self) -> None:
        """Write out what the chardev takes now (``monitor_flush``)."""
        with self.mon_lock:
            self._flush_locked()

    def cork(self) -> None:
        """Hold output back until the matching :meth:`uncork` (the bytes stay the same).

        Corks nest: output is written when the last one is taken off.
        """
        with self.mon_lock:
            self._corked += 1

    def uncork(self) -> None:
        """Take off one :meth:`cork`; the last one writes out what was held back."""
        with self.mon_lock:
            self._corked -= 1
            self._flush_locked()

    def write_out_held(self) -> None:
        """Write what a cork holds back now, as a process about to die must (best effort)."""
        with self.mon_lock:
            if self.outbuf and self.chr is not None and not self.mux_out:
                self.chr.write(bytes(self.outbuf))
                self.outbuf.clear()

    def hold_output(self, thread: int) -> None:
        """Keep ``thread``'s output in the buffer until :meth:`release_output`."""
        with self.mon_lock:
            self._hold_thread = thread

    def release_output(self) -> None:
        """End :meth:`hold_output`: what it held goes out."""
        with self.mon_lock:
            self._hold_thread = None
            self._flush_locked()

    def write_held(self) -> None:
        """Write out what :meth:`hold_output` holds now; the hold goes on."""
        with self.mon_lock:
            thread, self._hold_thread = self._hold_thread, None
            try:
                self._flush_locked()
            finally:
                self._hold_thread = thread

    def _flush_locked(self) -> None:
        if self._corked or self.skip_flush or not self.outbuf or self.chr is None:
            return
        hold = self._hold_thread
        if hold is not None and hold == threading.get_ident():
            return
        if self._log_output is not None:
            self._log_output(self.outbuf)
        if self.mux_out:
            return
        rc = self.chr.write(bytes(self.outbuf))
        if rc < 0 or rc == len(self.outbuf):
            # All written, or an error: either way the buffer is done with.
            self.outbuf.clear()
            return
        if rc > 0:
            del self.outbuf[:rc]
        if not self.out_watch:
            self.out_watch = self.chr.add_watch(self._unblocked)

    def write_event(self, data: bytes, connection: int | None = None) -> bool:
        """Queue an event's wire bytes and flush; False if it was dropped.

        ``connection``: the client it is for (see ``MonitorQMP.connection``);
        if another has connected since, the event is not written.

        As :meth:`puts` for a complete message, with one difference from
        QEMU: while more than :attr:`event_outbuf_limit` bytes of earlier
        output wait for a client that does not read, the event is dropped
        (counted in :attr:`events_dropped`, logged once per run of drops)
        until the buffer is down to half the limit, so a stalled client
        cannot make the process grow without bound.
        """
        with self.mon_lock:
            if connection is not None and connection != self.connection:
                return True  # its client has gone: not a drop for a slow reader
            outbuf = self.outbuf
            limit = self.event_outbuf_limit
            # Once dropping, go on until half the limit has drained, so a
            # client that reads a trickle gets runs of events, not one in N.
            if limit and (len(outbuf) >= limit or (self._drop_streak and len(outbuf) > limit // 2)):
                self.events_dropped += 1
                self._drop_streak += 1
                if self._drop_streak == 1:
                    log.warning(
                        "monitor %s: client not reading, %d bytes waiting: dropping events",
                        self._label(),
                        len(outbuf),
                    )
                return False
            if self._drop_streak:
                self._end_drop_streak()
            held = self.event_hold
            if held is not None:
                # Replies produced before it are not in the buffer yet.
                held.append(data)
                return True
            chr = self.chr
            if (
                outbuf
                or self._corked
                or self._hold_thread is not None
                or self.skip_flush
                or self.mux_out
                or chr is None
            ):
                # Earlier output waits (for a write watch or a deferred
                # flush): keep the order; only try writing if nothing will.
                outbuf += data
                if not self.out_watch:
                    self._flush_locked()
                return True
            # The common case: nothing waits, write straight from the event.
            rc = chr.write(data)
            if 0 <= rc < len(data):
                outbuf += data[rc:] if rc else data
                if not self.out_watch:
                    self.out_watch = chr.add_watch(self._unblocked)
            return True

    def _end_drop_streak(self) -> None:
        log.warning(
            "monitor %s: delivering events again after dropping %d",
            self._label(),
            self._drop_streak,
        )
        self._drop_streak = 0

    def _label(self) -> str:
        return self.chr.label if self.chr is not None else "(none)"

    def _unblocked(self) -> None:
        with self.mon_lock:
            self.out_watch = False
            self._flush_locked()

    # -- input flow control ---------------------------------------------------

    @property
    def is_hmp_non_interactive(self) -> bool:
        """An HMP monitor without readline (e.g. HMP run through QMP)."""
        return False

    def suspend(self) -> int:
        """Stop taking input until a matching :meth:`resume` (``monitor_suspend``)."""
        if self.is_hmp_non_interactive:
            return -errno.ENOTTY
        with self._suspend_lock:
            self.suspend_cnt += 1
        return 0

    def resume(self, inline: bool = False) -> None:
        """Undo one :meth:`suspend`; at zero, take input again on the monitor's loop.

        ``inline`` lets a monitor continue with input it already holds right
        here, in the caller's thread, when the caller holds no monitor lock.
        """
        if self.is_hmp_non_interactive:
            return
        with self._suspend_lock:
            self.suspend_cnt -= 1
            resumed = self.suspend_cnt == 0
        if resumed:
            self._on_resumed()
            if inline and self._resume_inline():
                return
            loop = self.loop
            if loop is not None:
                loop.call_soon_threadsafe(self._accept_input)

    def _resume_inline(self) -> bool:
        """Take held input now; True if no hop to the monitor's loop is needed."""
        return False

    def can_read(self) -> int:
        """How much input the monitor takes now: all it is given, or none while suspended."""
        return 0 if self.suspend_cnt else 1 << 16

    def _on_resumed(self) -> None:
        """Hook run at the moment the suspend count drops to zero (HMP: prompt)."""

    def _accept_input(self) -> None:
        """On the monitor's loop: continue with buffered input, then read again."""
        if self.chr is not None:
            self.chr.accept_input()

    # -- life cycle ----------------------------------------------------------

    def destroy(self) -> None:
        """Release the chardev and per-monitor state (``monitor_data_destroy``).

        The descriptors named with ``getfd`` are closed too: QEMU leaves
        them to its exit, which is when it destroys its monitors, but a
        per-client monitor (``x-qmonitor-multi``) goes with its client.
        """
        if self.chr is not None:
            self.chr.close()
        fds = self._fds
        if fds is not None:
            fds.close_all()


def error_printf(text: str) -> int:
    """Print an error to the current HMP monitor, else to stderr (``error_vprintf``)."""
    mon = current_monitor()
    if mon is not None and not mon.is_qmp:
        return mon.printf(text)
    sys.stderr.write(text)
    return len(text)


def error_printf_unless_qmp(text: str) -> int:
    """As :func:`error_printf`, but say nothing inside a QMP command."""
    mon = current_monitor()
    if mon is None:
        sys.stderr.write(text)
        return len(text)
    if not mon.is_qmp:
        return mon.printf(text)
    return -1
