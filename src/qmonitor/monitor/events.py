"""QAPI events: emission, broadcast to QMP monitors, and QEMU's throttling.

This is the event half of the seed.  An event is stamped when it is emitted,
goes through a per-thread queue so that emitting from inside delivery is
safe (QEMU's ``__thread`` queue and ``reentered`` flag), and is then either
broadcast at once or, for throttled events, rate limited per key: the first
event of a key goes out and arms a timer; later ones are stored (the last
one wins) and sent when the timer fires, which re-arms it; a timer that
finds nothing stored frees the key's state.

An event is encoded once, when it is emitted: data that QEMU's JSON writer
could not represent (a set, bytes, an object) raises :class:`TypeError` to
the emitter, before anything is queued or written.  Floats that are not
finite go out as QEMU prints them (``inf``, ``nan``: ``%.17g``), which is
not JSON, as in QEMU.  Each monitor then gets the same bytes through
:meth:`Monitor.write_event`, which bounds what a client that stops reading
can pile up (README, "Slow readers").
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from qmonitor.monitor.monitor import encode_output
from qmonitor.monitor.qmp import MonitorQMP
from qmonitor.qjson.encode import encode, qdict_order, quote
from qmonitor.util.guard import call_guarded

if TYPE_CHECKING:
    from qmonitor.monitor.monitor import MonitorRegistry

log = logging.getLogger(__name__)

#: One second in nanoseconds (QEMU's SCALE_MS * 1000).
SECOND_NS = 1_000_000_000

#: Minimum time between two events of a key, in ns (monitor.c's
#: ``monitor_qapi_event_conf``): guest-triggerable events, 1 per second.
DEFAULT_EVENT_RATES_NS: dict[str, int] = {
    "RTC_CHANGE": SECOND_NS,
    "WATCHDOG": SECOND_NS,
    "BALLOON_CHANGE": SECOND_NS,
    "QUORUM_REPORT_BAD": SECOND_NS,
    "QUORUM_FAILURE": SECOND_NS,
    "VSERPORT_CHANGE": SECOND_NS,
    "MEMORY_DEVICE_SIZE_CHANGE": SECOND_NS,
}

#: The data member that, besides the event name, identifies a throttle key
#: (``qapi_event_throttle_hash/equal``).  QUORUM_FAILURE is keyed by name only.
THROTTLE_KEY_MEMBER: dict[str, str] = {
    "VSERPORT_CHANGE": "id",
    "QUORUM_REPORT_BAD": "node-name",
    "MEMORY_DEVICE_SIZE_CHANGE": "qom-path",
}


class TimerHandle(Protocol):
    """A pending timer that can be cancelled."""

    def cancel(self) -> None: ...


class Clock(Protocol):
    """Where throttle timers run: QEMU_CLOCK_REALTIME, or VIRTUAL under qtest."""

    def now_ns(self) -> int:
        """Current time of this clock in nanoseconds."""
        ...

    def call_at(self, when_ns: int, callback: Callable[[], None]) -> TimerHandle:
        """Run ``callback`` once the clock reaches ``when_ns`` (from any thread)."""
        ...


class RealtimeClock:
    """Host monotonic time; timers run on the machine's main loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def now_ns(self) -> int:
        return time.monotonic_ns()

    def call_at(self, when_ns: int, callback: Callable[[], None]) -> TimerHandle:
        delay = max(0.0, (when_ns - time.monotonic_ns()) / 1e9)
        return _ThreadsafeTimer(self.loop, delay, callback)


class _ThreadsafeTimer:
    def __init__(
        self, loop: asyncio.AbstractEventLoop, delay: float, callback: Callable[[], None]
    ) -> None:
        self._handle: asyncio.TimerHandle | None = None
        self._cancelled = False
        self._loop = loop
        try:
            running = asyncio.get_running_loop() is loop
        except RuntimeError:
            running = False
        if running:
            self._arm(delay, callback)
        else:
            loop.call_soon_threadsafe(self._arm, delay, callback)

    def _arm(self, delay: float, callback: Callable[[], None]) -> None:
        if not self._cancelled:
            self._handle = self._loop.call_later(
                delay, call_guarded, log, "realtime clock", "timer", callback
            )

    def cancel(self) -> None:
        self._cancelled = True
        if self._handle is not None:
            self._handle.cancel()


class VirtualClock:
    """QEMU_CLOCK_VIRTUAL under qtest: time moves only when told to.

    Timers fire, in deadline order, from :meth:`step` / :meth:`set`, on the
    caller's thread; that makes throttle tests deterministic.  While the
    clock is disabled (QEMU disables it while the VM is stopped) time still
    moves but no timer fires; :meth:`run_due` catches up once it is enabled.
    """

    def __init__(self, start_ns: int = 0) -> None:
        self._now = start_ns
        self._timers: list[tuple[int, int, _VirtualTimer]] = []
        self._seq = 0
        self._lock = threading.Lock()
        #: QEMUClock.enabled: cleared while the VM is stopped.
        self.enabled = True

    def now_ns(self) -> int:
        return self._now

    def call_at(self, when_ns: int, callback: Callable[[], None]) -> TimerHandle:
        timer = _VirtualTimer(callback)
        with self._lock:
            self._seq += 1
            self._timers.append((when_ns, self._seq, timer))
            self._timers.sort(key=lambda t: (t[0], t[1]))
        return timer

    def next_deadline_ns(self) -> int | None:
        """When the next pending timer fires (None: no timer)."""
        with self._lock:
            pending = [t[0] for t in self._timers if not t[2].cancelled]
        return min(pending) if pending else None

    def step(self, ns: int) -> int:
        """Advance by ``ns`` (qtest ``clock_step``); returns the new time."""
        return self.set(self._now + ns)

    def run_due(self) -> None:
        """Fire the timers whose deadline has passed (after re-enabling)."""
        self.set(self._now)

    def set(self, target_ns: int) -> int:
        """Advance to ``target_ns`` (qtest ``clock_set``), firing due timers."""
        while self.enabled:
            with self._lock:
                due = next(
                    (t for t in self._timers if t[0] <= target_ns and not t[2].cancelled), None
                )
                if due is None:
                    self._timers = [t for t in self._timers if not t[2].cancelled]
                    break
                self._timers.remove(due)
                self._now = max(self._now, due[0])
            # A device's bug must not stop the clock: later timers still fire.
            call_guarded(log, "virtual clock", "timer", due[2].callback)
        self._now = max(self._now, target_ns)
        return self._now


class _VirtualTimer:
    __slots__ = ("callback", "cancelled")

    def __init__(self, callback: Callable[[], None]) -> None:
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


def wall_clock_timestamp() -> dict[str, int]:
    """The ``timestamp`` member of an event: host wall-clock time."""
    ns = time.time_ns()
    return {"seconds": ns // 1_000_000_000, "microseconds": (ns // 1000) % 1_000_000}


# The members of an event message in QEMU's output order (qmp_event_build_dict
# inserts "event", "timestamp", then the generated code adds "data").
_ORDER_NO_DATA = tuple(qdict_order(("event", "timestamp")))
_ORDER_DATA = tuple(qdict_order(("event", "timestamp", "data")))
_TIMESTAMP_KEYS = ("seconds", "microseconds")
_TIMESTAMP_ORDER = tuple(qdict_order(_TIMESTAMP_KEYS))


def _template(order: tuple[str, ...]) -> str:
    """A %-format of the envelope with its members in ``order`` (``%s`` for each value)."""
    return "{" + ", ".join(f'"{k}": %s' for k in order) + "}"


def _positions(order: tuple[str, ...]) -> tuple[int, ...]:
    """Where each of event, timestamp (and data) goes in ``order``."""
    return tuple(order.index(k) for k in ("event", "timestamp", "data") if k in order)


_TEMPLATE_NO_DATA = _template(_ORDER_NO_DATA)
_TEMPLATE_DATA = _template(_ORDER_DATA)
_AT_NO_DATA = _positions(_ORDER_NO_DATA)
_AT_DATA = _positions(_ORDER_DATA)
_TIMESTAMP_TEMPLATE = _template(_TIMESTAMP_ORDER).replace("%s", "%d")
_TIMESTAMP_SECONDS_FIRST = _TIMESTAMP_ORDER[0] == "seconds"


def _encode_compact(name: str, timestamp: dict[str, int], data: dict[str, Any] | None) -> str:
    """The compact text of an event message, as ``encode`` writes it, but faster.

    The envelope has a fixed shape, so only the data goes through the
    generic encoder.
    """
    seconds = timestamp.get("seconds")
    micros = timestamp.get("microseconds")
    if len(timestamp) == 2 and type(seconds) is int and type(micros) is int:
        pair = (seconds, micros) if _TIMESTAMP_SECONDS_FIRST else (micros, seconds)
        ts = _TIMESTAMP_TEMPLATE % pair
    else:
        ts = encode(timestamp)
    if data is None:
        values = [quote(name), ts]
        at, template = _AT_NO_DATA, _TEMPLATE_NO_DATA
    else:
        values = [quote(name), ts, encode(data)]
        at, template = _AT_DATA, _TEMPLATE_DATA
    ordered = [""] * len(values)
    for value, index in zip(values, at, strict=True):
        ordered[index] = value
    return template % tuple(ordered)


class QapiEvent:
    """One emitted event: its message and its bytes on the wire, per output form."""

    __slots__ = ("_pretty", "compact", "msg", "name")

    def __init__(self, name: str, msg: dict[str, Any], compact: bytes) -> None:
        self.name = name
        self.msg = msg
        #: The compact form, ``\r\n`` included.
        self.compact = compact
        self._pretty: bytes | None = None

    def wire(self, pretty: bool) -> bytes:
        """The bytes a monitor writes (pretty form encoded on first use)."""
        if not pretty:
            return self.compact
        data = self._pretty
        if data is None:
            text = encode(self.msg, True) + "\n"
            data = self._pretty = encode_output(text.replace("\n", "\r\n"))
        return data


def build_event(name: str, timestamp: dict[str, int], data: dict[str, Any] | None) -> QapiEvent:
    """Build and encode an event message; :class:`TypeError` if it cannot be encoded."""
    msg: dict[str, Any] = {"event": name, "timestamp": timestamp}
    if data is not None:
        msg["data"] = data
    text = _encode_compact(name, timestamp, data)
    return QapiEvent(name, msg, encode_output(text + "\r\n"))


@dataclass(slots=True)
class _ThrottleState:
    """MonitorQAPIEventState: a key's timer and the event held for it."""

    event: str
    key: tuple[str, object]
    timer: TimerHandle | None = None
    held: QapiEvent | None = None


@dataclass
class EventState:
    """Throttle configuration and state of one machine (guarded by the registry lock)."""

    clock: Clock
    rates_ns: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_EVENT_RATES_NS))
    timestamp: Callable[[], dict[str, int]] = wall_clock_timestamp
    throttled: dict[tuple[str, object], _ThrottleState] = field(default_factory=dict)


_local = threading.local()


def qapi_event_emit(registry: MonitorRegistry, event: str, data: dict[str, Any] | None) -> None:
    """Emit an event now, from any thread; safe to call from inside delivery.

    Events emitted while this thread is already delivering one are queued
    and delivered after it, in order (the seed's reentrancy work-around).
    The event is encoded here: data that cannot be encoded raises
    :class:`TypeError` and nothing is sent.  ``data`` must not be changed
    afterwards (a throttled event may be held and sent later).  An event
    no throttle watches, emitted while no monitor could receive it, is
    dropped unencoded (as QEMU, which encodes per receiving monitor).
    """
    state = registry.events
    if (state is None or event not in state.rates_ns) and not _has_receivers(registry):
        return
    timestamp = state.timestamp() if state is not None else wall_clock_timestamp()
    try:
        ev = build_event(event, timestamp, data)
    except RecursionError:
        raise TypeError(f"cannot encode the data of event {event}: nested too deeply") from None
    queue: deque[tuple[MonitorRegistry, QapiEvent]] | None = getattr(_local, "queue", None)
    if queue is not None:
        queue.append((registry, ev))
        return
    queue = deque(((registry, ev),))
    _local.queue = queue
    try:
        while queue:
            reg, item = queue.popleft()
            _queue_no_reenter(reg, item)
    finally:
        _local.queue = None


def _has_receivers(registry: MonitorRegistry) -> bool:
    """Whether any monitor would be sent an event now (see :func:`broadcast_locked`)."""
    for mon in registry.monitors:
        if isinstance(mon, MonitorQMP):
            if not mon.negotiating:
                return True
        elif getattr(mon, "send_event", None) is not None:
            return True
    return False


def _throttle_key(event: str, data: Any) -> object:
    member = THROTTLE_KEY_MEMBER.get(event)
    if member is None:
        return None
    return data.get(member) if isinstance(data, dict) else None


def _queue_no_reenter(registry: MonitorRegistry, ev: QapiEvent) -> None:
    state = registry.events
    event = ev.name
    with registry.lock:
        rate = state.rates_ns.get(event, 0) if state is not None else 0
        if not rate or state is None:
            broadcast_locked(registry, ev)
            return
        key = (event, _throttle_key(event, ev.msg.get("data")))
        evstate = state.throttled.get(key)
        if evstate is not None:
            # A timer is pending: hold this one, replacing any held before.
            evstate.held = ev
            return
        now = state.clock.now_ns()
        broadcast_locked(registry, ev)
        evstate = _ThrottleState(event, key)
        state.throttled[key] = evstate
        evstate.timer = state.clock.call_at(
            now + rate, lambda: _throttle_timer_fired(registry, evstate)
        )


def _throttle_timer_fired(registry: MonitorRegistry, evstate: _ThrottleState) -> None:
    state = registry.events
    if state is None:
        return
    with registry.lock:
        if state.throttled.get(evstate.key) is not evstate:
            return
        if evstate.held is not None:
            now = state.clock.now_ns()
            ev, evstate.held = evstate.held, None
            rate = state.rates_ns.get(evstate.event, 0)
            # Re-arm first: whatever happens in delivery, the key keeps working.
            evstate.timer = state.clock.call_at(
                now + rate, lambda: _throttle_timer_fired(registry, evstate)
            )
            broadcast_locked(registry, ev)
        else:
            del state.throttled[evstate.key]


def broadcast_locked(registry: MonitorRegistry, ev: QapiEvent) -> None:
    """Send an event to every QMP monitor past negotiation (registry lock held).

    As the seed's ``monitor_qapi_event_emit``: HMP monitors and QMP monitors
    still in capabilities negotiation get nothing.  A monitor whose output
    fails does not keep the event from the others.
    """
    texts: dict[bool, str] | None = None
    compact = ev.compact
    for mon in registry.monitors:
        try:
            if isinstance(mon, MonitorQMP):
                # The client negotiated now is the one to get it: read which
                # connection that is before its mode (a reconnection sets
                # the mode first), and the monitor drops the event if
                # another client has connected since.
                connection = mon.connection
                if not mon.negotiating:
                    data = ev.wire(True) if mon.session.pretty else compact
                    mon.write_event(data, connection)
                    if mon.debug_log:
                        mon.log_event(data)
                continue
            # Any other monitor that takes events (a test double, an embedder's).
            send_event = getattr(mon, "send_event", None)
            if send_event is not None:
                if texts is None:
                    texts = {False: ev.compact.decode()[:-2] + "\n"}
                send_event(ev.msg, texts)
        except Exception:  # one monitor's failure must not reach the emitter
            log.exception("delivering event %s to monitor %s failed", ev.name, mon)
