"""MonitorQMP: negotiation, the request queue, the dispatcher and OOB (monitor/qmp.c).

Input is parsed on the monitor's loop (the monitor I/O thread when the
chardev allows it).  Out-of-band requests run there at once; in-band ones
go to the monitor's queue and the dispatcher, a task on the main loop,
runs them one at a time, taking requests round-robin from all monitors.
Without OOB a monitor takes no further input until its request is done,
and with OOB it stops reading when its queue is full
(:data:`QMP_REQ_QUEUE_LEN_MAX`), as QEMU does: no request is refused,
flow control is the client's back-pressure.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from logging import DEBUG
from typing import TYPE_CHECKING, Any

from qmonitor.chardev.base import Chardev, ChrEvent
from qmonitor.monitor.connlog import ConnectionLog
from qmonitor.monitor.monitor import Monitor, MonitorRegistry, encode_output
from qmonitor.qapi.commands import (
    ID_FROM_TEXT,
    QmpCommand,
    QmpCommandList,
    current_monitor_var,
    error_response,
    internal_error,
    plain_reply_text,
    qmp_dispatch,
    run_plain,
)
from qmonitor.qjson import NEED_DATA, JsonMessage, JsonParseError, NeedData, encode
from qmonitor.qjson.streamer import plain_request
from qmonitor.qmp.session import (
    QmpSession,
    Road,
    parse_error_reply,
    plain_shape,
    runs_at_once,
)
from qmonitor.qmp.texts import QMP_CAPABILITIES
from qmonitor.util.mainloop import big_lock

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

#: Most in-band requests queued per monitor (QMP_REQ_QUEUE_LEN_MAX, monitor-internal.h).
QMP_REQ_QUEUE_LEN_MAX = 8

#: Output (bytes) waiting for a client past which its QMP monitor takes no
#: further requests until the client has read some: a client that sends
#: without reading cannot make replies pile up without bound (QEMU's buffer
#: has no bound).  Nothing is dropped; the client's own requests wait.
REPLY_BACKLOG_LIMIT = 1 << 20

#: Most in-band requests the dispatcher runs while other monitors' output is
#: held (their events then leave in one write per monitor, not one each).
DISPATCH_HOLD_MAX = 32

#: Longest the dispatcher holds output (ns): a run of quick commands still
#: leaves in one write, but a slow command's reply is not kept waiting for
#: the next ones, and the main loop keeps making the blocking writes at
#: which the monitor I/O thread (out-of-band commands) gets the interpreter.
DISPATCH_HOLD_NS = 200_000

#: Most plain queries answered under one hold of the big lock (the main loop
#: waits meanwhile: a few milliseconds at most).
PLAIN_BURST_MAX = 256

_QMP_LOG = logging.getLogger("qmonitor.qmp")
# Compared on every request: module globals, not class attribute reads
# (an enum member read through its class is slow on Python 3.11).
_SHORT = Road.SHORT
_MAIN = Road.MAIN


@dataclass(slots=True)
class QMPRequest:
    """A queued in-band request, or the parse error to report in its place."""

    mon: MonitorQMP
    req: Any
    err: str | None
    #: The connection that sent it (:attr:`MonitorQMP.connection` then).
    connection: int


class QmpCommandSets:
    """The two command lists of a machine: negotiation mode and full."""

    def __init__(self) -> None:
        self.cap_negotiation = QmpCommandList()
        self.full = QmpCommandList()


class MonitorQMP(Monitor):
    """A QMP monitor on a chardev.

    :param commands: the machine's command lists.
    :param greeting_version: builds the ``version`` member of the greeting
        (the reply of query-version).
    :param dispatcher: the machine's dispatcher (in-band requests).
    :param iothread_loop: the monitor I/O thread's loop; None runs the
        monitor on the main loop, without OOB (QEMU's non-GCONTEXT case).
    """

    is_qmp = True

    def __init__(
        self,
        registry: MonitorRegistry,
        chr: Chardev,
        *,
        commands: QmpCommandSets,
        greeting_version: Callable[[], dict[str, Any]],
        dispatcher: QmpDispatcher,
        pretty: bool = False,
        iothread_loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        use_io_thread = iothread_loop is not None and chr.supports_gcontext
        super().__init__(registry, chr, use_io_thread=use_io_thread)
        #: The protocol state: negotiation, capabilities, the input parser.
        self.session = QmpSession(pretty=pretty)
        self.command_sets = commands
        #: The current command list; follows the session (set when it opens
        #: and when negotiation ends).
        self.commands = commands.cap_negotiation
        self._greeting_version = greeting_version
        self.dispatcher = dispatcher
        #: ``-->`` / ``<--`` DEBUG lines for every message in and out.
        #: The connection's ``-->`` / ``<--`` lines (``qmonitor.qmp.<chardev>``).
        self.qmp_log = ConnectionLog(_QMP_LOG, chr.label)
        #: Whether qmp_log is on (read when a connection opens and once per
        #: chunk of input): every message in and out is logged.
        self.debug_log = False
        self.qmp_queue_lock = threading.Lock()
        self.qmp_requests: deque[QMPRequest] = deque()
        # Guards the streamer: input is parsed on the monitor's loop, and by
        # the dispatcher when it resumes the monitor (no thread hop then).
        self._input_lock = threading.Lock()
        self.loop = iothread_loop if use_io_thread else dispatcher.loop
        #: Input stopped because too much output waits (REPLY_BACKLOG_LIMIT).
        self._backlogged = False

    def start(self) -> None:
        """Attach to the chardev and join the monitor list (monitor_init_qmp)."""
        assert self.chr is not None and self.loop is not None
        self.chr.set_echo(True)
        self.chr.set_handlers(self.can_read, self._read, self._event, self.loop)
        self.registry.append(self)

    # -- state ----------------------------------------------------------

    @property
    def negotiating(self) -> bool:
        """Still in capabilities negotiation mode."""
        return self.commands is self.command_sets.cap_negotiation

    def oob_enabled(self) -> bool:
        return self.session.oob

    @property
    def pretty(self) -> bool:
        """Replies and events are pretty-printed (``-mon pretty=on``)."""
        return self.session.pretty

    @property
    def capab(self) -> frozenset[str]:
        """The capabilities negotiation enabled."""
        return self.session.enabled

    @property
    def capab_offered(self) -> tuple[str, ...]:
        """The capabilities the greeting offered."""
        return self.session.offered

    def accept_capabilities(self, enable: list[str]) -> None:
        """qmp_capabilities: enable what was asked, or fail listing what is missing."""
        self.session.accept_capabilities(enable)
        self.commands = self.command_sets.full

    # -- output ---------------------------------------------------------

    def send_response(self, rsp: dict[str, Any], connection: int | None = None) -> None:
        """Write one message (qmp_send_response).

        While the monitor's loop works through a run of requests that came
        in together (a pipelining client), replies collect in the output
        buffer and go out in one write when the run ends, instead of one
        write each.  The bytes on the wire are the same.  A reply to a
        request of ``connection`` is dropped if that connection is gone.
        """
        self.send_text(self.session.text(rsp), connection)

    def send_text(self, text: str, connection: int | None = None) -> None:
        """Write an encoded message (its newlines already ``\\r\\n``; none at the end)."""
        data = encode_output(text + "\r\n")
        with self.mon_lock:
            if connection is not None and connection != self.connection:
                return  # its client left: the next one must not read it
            if self.debug_log:
                self.qmp_log.debug("<-- %s", text)
            self.outbuf += data
            if not self._corked:
                self._flush_locked()

    def greeting(self) -> dict[str, Any]:
        return self.session.greeting(self._greeting_version())

    def log_event(self, data: bytes) -> None:
        """The ``<--`` DEBUG line of an event sent (written when :attr:`debug_log` is on)."""
        self.qmp_log.debug("<-- %s", data.decode("utf-8", "replace").rstrip("\r\n"))

    # -- chardev handlers (on self.loop) --------------------------------------

    def _event(self, event: ChrEvent) -> None:
        if event is ChrEvent.OPENED or event is ChrEvent.CLOSED:
            with self.mon_lock:
                if event is ChrEvent.OPENED:
                    # Before the new connection's number: an emitter that
                    # reads the number and then the mode sees this mode.
                    self.commands = self.command_sets.cap_negotiation
                self.connection += 1
                # Output still held (corked) was meant for the client that
                # left, or for none: the next client must not read it.
                self.outbuf.clear()
        if event is ChrEvent.OPENED:
            self.debug_log = self.qmp_log.enabled()
            self.session.open(QMP_CAPABILITIES if self.use_io_thread else ())
            self.send_response(self.greeting())
            self.registry.fdsets.monitor_opened()
        elif event is ChrEvent.CLOSED:
            self._cleanup_queue_and_resume()
            with self._input_lock:
                self.session.close()
            self.registry.fdsets.monitor_closed()

    def _read(self, data: bytes) -> None:
        with self._input_lock:
            # Once per chunk, not per message: the fast roads pay nothing.
            # logging's cached "no" for the parent is read inline (see
            # ConnectionLog.parent_cache): this runs for every read.
            log = self.qmp_log
            cache = log.parent_cache
            self.debug_log = (
                not (log.logger is None and cache is not None and cache.get(DEBUG) is False)
                and log.enabled()
            )
            self.session.streamer.feed(data)
            self._pump()

    def _pump(self) -> None:
        """Handle complete messages while the monitor takes input (input lock held)."""
        while self._pump_run():
            # The run stopped at the reply backlog, and writing the corked
            # replies cleared it: go on, and let the chardev read again.
            self._backlogged = False
            if self.chr is not None and not self.suspend_cnt:
                self.chr.accept_input()

    def _pump_run(self) -> bool:
        """One corked run of messages; True if it stopped at a backlog now gone."""
        streamer = self.session.streamer
        self.cork()
        try:
            # Suspension stops reading further bytes; events the last byte
            # read already completed are still handled, as QEMU handles every
            # value a byte finishes before it looks at suspension again.
            while (not self.suspend_cnt and not self._reply_backlog()) or streamer.has_ready():
                ev = streamer.next_event()
                if type(ev) is JsonMessage and self.debug_log:
                    # Logged one by one: no run of plain queries.
                    self.qmp_log.debug("--> %s", encode(ev.value))
                    rest: JsonMessage | JsonParseError | NeedData | None = ev
                else:
                    rest = self._plain_burst(ev) if type(ev) is JsonMessage else ev
                if rest is NEED_DATA:
                    return False
                if type(rest) is JsonMessage:
                    self._handle_command(rest.value, None)
                elif isinstance(rest, JsonParseError):
                    self._handle_command(None, rest.message)
        finally:
            self.uncork()
        return self._backlogged and len(self.outbuf) < REPLY_BACKLOG_LIMIT

    def _plain_burst(self, first: JsonMessage) -> JsonMessage | JsonParseError | NeedData | None:
        """Answer a run of plain queries here, under one hold of the big lock.

        The requests that :meth:`QmpDispatcher.try_run_here` would answer by
        the short road (``{"execute": NAME[, "id": ID]}`` for an enabled
        ``any_thread`` command without arguments), answered the same way,
        with the per-request costs paid once per run.  Returns the first
        event it did not take (for the usual path), or None when it stopped
        for the pump to look at its conditions again.
        """
        dispatcher = self.dispatcher
        bql = dispatcher.bql
        if bql is None or self.commands.preconfig:
            # Before the machine is built each command is checked in full.
            return first
        session = self.session
        find = self.commands.find
        next_event = self.session.streamer.next_event
        if not bql.acquire(blocking=False):
            return first
        try:
            # As try_run_here: nothing queued or running that this could overtake.
            if dispatcher._busy or dispatcher._shutdown or self.qmp_requests:
                return first
            var = current_monitor_var()
            token = var.set(self)
            # Replies of the run go out together, in order, when it ends;
            # events meanwhile wait their turn (after the replies before).
            texts: list[str] = []
            events: list[bytes] = []
            with self.mon_lock:
                self.event_hold = events
            held = len(self.outbuf)
            plain: dict[str, QmpCommand] = {}
            answered = 0
            next_plain = self.session.streamer.next_plain
            ev: JsonMessage | None = first
            try:
                # The first request came parsed; those after it are read by
                # the short road while they are plain, by the long one else.
                # ``ev`` is None for one read by the short road.
                shape = plain_shape(first.value)
                if shape is None:
                    return first
                name, id_text, req_id = shape
                while True:
                    cmd = plain.get(name)
                    if cmd is None:
                        found = find(name)
                        if found is None or session.road(found) is not _SHORT:
                            return ev or JsonMessage(plain_request(name, id_text))
                        plain[name] = cmd = found
                    text = plain_reply_text(cmd, id_text, req_id)
                    if events:
                        # An event came while the command ran: it goes after
                        # the replies before and before this one.
                        self._release_held(texts, events)
                    answered += 1
                    if text is not None:
                        texts.append(text)
                        held += len(text) + 2
                    if (
                        answered >= PLAIN_BURST_MAX
                        or self.suspend_cnt
                        or held >= REPLY_BACKLOG_LIMIT
                    ):
                        return None
                    short = next_plain()
                    if short is not None:
                        name, id_text = short
                        req_id = ID_FROM_TEXT
                        ev = None
                        continue
                    nxt = next_event()
                    if type(nxt) is not JsonMessage:
                        return nxt
                    ev = nxt
                    shape = plain_shape(nxt.value)
                    if shape is None:
                        return ev
                    name, id_text, req_id = shape
            finally:
                var.reset(token)
                self._release_held(texts, events, done=True)
        finally:
            bql.release()

    def _release_held(self, texts: list[str], events: list[bytes], done: bool = False) -> None:
        """Move a run's replies, then the events that came after them, to the buffer."""
        data = encode_output("\r\n".join(texts) + "\r\n") if texts else b""
        with self.mon_lock:
            if done:
                self.event_hold = None
            self.outbuf += data
            for event in events:
                self.outbuf += event
            texts.clear()
            events.clear()

    def _reply_backlog(self) -> bool:
        """Too much output waits for the client: take no more requests for now."""
        if len(self.outbuf) < REPLY_BACKLOG_LIMIT:
            return False
        self._backlogged = True
        return True

    def can_read(self) -> int:
        if self.suspend_cnt or self._reply_backlog():
            return 0
        return 1 << 16

    def _unblocked(self) -> None:
        super()._unblocked()
        if self._backlogged and len(self.outbuf) < REPLY_BACKLOG_LIMIT:
            self._backlogged = False
            self._accept_input()

    def _accept_input(self) -> None:
        with self._input_lock:
            self._pump()
        if not self.suspend_cnt and self.chr is not None:
            self.chr.accept_input()

    def _resume_inline(self) -> bool:
        with self._input_lock:
            self._pump()
            if not self.suspend_cnt:
                # No request taken: the client may be waiting for its reply.
                self.write_held()
        if self.suspend_cnt:
            return True
        chr = self.chr
        return chr is None or not chr.reading_paused

    def _handle_command(self, req: Any, err: str | None) -> None:
        """handle_qmp_command: run OOB now, queue the rest for the dispatcher."""
        if err is None and runs_at_once(req):
            pending = self.dispatch(req)
            if pending is not None:
                # A coroutine command run out of band cannot happen (QEMU
                # asserts); close it rather than leak it.
                pending.close()
            return
        if err is None and self.dispatcher.try_run_here(self, req):
            return
        with self.qmp_queue_lock:
            # Without OOB at most one request is queued; with OOB, stop
            # reading when this request fills the queue.
            if not self.oob_enabled() or len(self.qmp_requests) == QMP_REQ_QUEUE_LEN_MAX - 1:
                self.suspend()
            self.qmp_requests.append(QMPRequest(self, req, err, self.connection))
        self.dispatcher.wake()

    def _cleanup_queue_and_resume(self) -> None:
        with self.qmp_queue_lock:
            need_resume = (
                not self.oob_enabled() or len(self.qmp_requests) == QMP_REQ_QUEUE_LEN_MAX
            ) and bool(self.qmp_requests)
            self.qmp_requests.clear()
        if need_resume:
            self.resume()

    # -- dispatch -------------------------------------------------------

    def dispatch(
        self, req: Any, connection: int | None = None
    ) -> Coroutine[Any, Any, dict[str, Any] | None] | None:
        """Run a request of ``connection`` (None: the current one) and answer it.

        monitor_qmp_dispatch.  A coroutine command is not answered here: its
        coroutine is returned for the dispatcher to await on the main loop.
        """
        rsp = qmp_dispatch(self.commands, req, self.session.oob, self)
        if type(rsp) is dict:
            self._respond(rsp, connection)
        elif inspect.iscoroutine(rsp):
            return rsp
        return None

    def _respond(self, rsp: dict[str, Any] | None, connection: int | None = None) -> None:
        if rsp is None:
            return
        rsp = self.session.fix_reply(rsp)
        try:
            text = self.session.text(rsp)
        except Exception as exc:  # a handler returned what QMP cannot carry
            _QMP_LOG.exception("reply to %r cannot be encoded", rsp.get("id"))
            text = self.session.text(
                error_response(internal_error(exc), rsp.get("id"), "id" in rsp)
            )
        self.send_text(text, connection)

    def respond_error(self, message: str, connection: int | None = None) -> None:
        """Answer a parse error (no id: QEMU cannot know it)."""
        self.send_response(parse_error_reply(message), connection)


class QmpDispatcher:
    """The in-band dispatcher: runs queued requests of all QMP monitors on the main loop.

    QEMU's dispatcher is a coroutine woken through a ``busy`` flag; here a
    callback is scheduled on the main loop when the flag was clear, and it
    reschedules itself after each request while requests are queued.
    ``busy`` is true while it is scheduled or running, so a request queued
    meanwhile is seen without another wake-up.  A coroutine command pauses
    the dispatcher until it is done.
    """

    def __init__(self, registry: MonitorRegistry, loop: asyncio.AbstractEventLoop) -> None:
        self.registry = registry
        self.loop = loop
        self._busy = True
        self._busy_lock = threading.Lock()
        self._shutdown = False
        self._running: asyncio.Task[None] | None = None
        self._loop_thread: int | None = None
        #: The main loop's big lock, when it has one (qmonitor.util.mainloop).
        self.bql = big_lock(loop)
        #: The QMP monitors held for the current run of requests (None: no run).
        self._held: list[MonitorQMP] | None = None
        #: Requests run since the monitors were corked.
        self._held_runs = 0
        self._held_since = 0

    def start(self) -> None:
        """Start dispatching (call on the main loop)."""
        self._loop_thread = threading.get_ident()
        self.loop.call_soon(self._process)

    def wake(self) -> None:
        """Kick the dispatcher after queueing, from any thread (qmp_dispatcher_co_wake)."""
        with self._busy_lock:
            if self._busy:
                return
            self._busy = True
        if threading.get_ident() == self._loop_thread:
            # Queued on the main loop itself: no need to wake it up.
            self.loop.call_soon(self._process)
        else:
            self.loop.call_soon_threadsafe(self._process)

    def try_run_here(self, mon: MonitorQMP, req: Any) -> bool:
        """Run an in-band request in this thread if the main loop is idle.

        That is when the main loop is waiting (its big lock is free), no
        batch is pending or paused (nothing this request could overtake)
        and the command says it needs only the big lock (``any_thread``).
        The reply is then the same as from the dispatcher, without two
        thread hops.  False: queue it as usual.
        """
        bql = self.bql
        if bql is None or self._shutdown or type(req) is not dict or mon.commands.preconfig:
            return False
        name = req.get("execute")
        if type(name) is not str:
            return False
        cmd = mon.commands.find(name)
        road = mon.session.road(cmd)
        if road is _MAIN:
            return False
        if not bql.acquire(blocking=False):
            return False
        try:
            # Under the big lock no batch can start; one that is scheduled
            # or paused on a coroutine command shows as busy.
            if self._busy or self._shutdown or mon.qmp_requests:
                return False
            if (
                road is _SHORT
                and cmd is not None
                and (len(req) == 1 or (len(req) == 2 and "id" in req))
            ):
                text = run_plain(cmd, req, mon)
                if text is not None:
                    mon.send_text(text)
                return True
            pending = mon.dispatch(req)
            if pending is not None:  # cannot happen for any_thread commands
                pending.close()
            return True
        finally:
            bql.release()

    def stop_taking_requests(self) -> None:
        """From now on leave queued requests unanswered (the machine is quitting)."""
        self._shutdown = True

    async def shutdown(self) -> None:
        """Stop taking requests and wait for a running command to finish.

        Queued requests stay unanswered, as in QEMU.
        """
        self._shutdown = True
        self._release_output()
        if self._running is not None:
            await asyncio.wait({self._running})

    def _pop_any(self) -> QMPRequest | None:
        """Take a request round-robin over the QMP monitors (under the registry lock)."""
        registry = self.registry
        with registry.lock:
            for mon in registry.monitors:
                if not isinstance(mon, MonitorQMP):
                    continue
                with mon.qmp_queue_lock:
                    if not mon.qmp_requests:
                        continue
                    req = mon.qmp_requests.popleft()
                    if mon.oob_enabled() and len(mon.qmp_requests) == QMP_REQ_QUEUE_LEN_MAX - 1:
                        mon.resume()
                registry.monitors.remove(mon)
                registry.monitors.append(mon)
                return req
        return None

    def _process(self) -> None:
        """Run one queued request, then let the main loop run (on the main loop).

        As QEMU's dispatcher coroutine reschedules itself after each request
        "so the main loop stays responsive": a signal or timer that comes
        during a command is handled before the next one.
        """
        loop = self.loop
        if self._shutdown:
            self._release_output()
            return
        with self._busy_lock:
            self._busy = False
        req = self._pop_any()
        if req is None:
            self._release_output()
            return
        with self._busy_lock:
            self._busy = True
        mon = req.mon
        oob_enabled = mon.oob_enabled()
        pending = None
        held = self._hold_output()
        try:
            if req.connection != mon.connection:
                pass  # its client left after it was taken from the queue: not run
            elif req.err is not None:
                mon.respond_error(req.err, req.connection)
            else:
                pending = mon.dispatch(req.req, req.connection)
        finally:
            # Output to the client that asked waits only while it has sent
            # its next request: without OOB, resuming takes that request
            # from input already read, or writes what is held before its
            # monitor reads again (a client that sent its last request and
            # then its end of input still reads the reply).  With OOB the
            # monitor reads all along: it gets its reply now.
            if pending is None and not oob_enabled:
                mon.resume(inline=True)
            elif oob_enabled:
                mon.write_held()
            # Resuming took the client's next request if it had sent one.
            self._held_runs += 1
            if (
                pending is not None
                or self._shutdown
                or self._held_runs >= DISPATCH_HOLD_MAX
                or not any(m.qmp_requests for m in held)
                or time.perf_counter_ns() - self._held_since > DISPATCH_HOLD_NS
            ):
                self._release_output()
        if pending is not None:
            # A coroutine command: the dispatcher goes on when it is done.
            self._running = loop.create_task(
                self._finish(pending, mon, oob_enabled, req.connection)
            )
            return
        loop.call_soon(self._process)

    def _hold_output(self) -> list[MonitorQMP]:
        """Hold what the main loop writes to QMP monitors during a run of requests.

        A command's events then wait in each monitor's buffer and a run of
        commands reaches a listening client in one write instead of one
        per event; the bytes and their order are the same.  Output of
        other threads (OOB replies, greetings: the main loop may be busy)
        is not held, and takes what waits before it along.  Held output
        belongs to the connection it was written for: a monitor whose
        client leaves drops it (see :meth:`MonitorQMP._event`).
        """
        held = self._held
        if held is None:
            with self.registry.lock:
                held = [m for m in self.registry.monitors if isinstance(m, MonitorQMP)]
            thread = threading.get_ident()
            for m in held:
                m.hold_output(thread)
            self._held = held
            self._held_runs = 0
            self._held_since = time.perf_counter_ns()
        return held

    def _release_output(self) -> None:
        """End :meth:`_hold_output`: what the monitors held goes out."""
        held, self._held = self._held, None
        if held is not None:
            for m in held:
                m.release_output()

    async def _finish(
        self,
        pending: Coroutine[Any, Any, dict[str, Any] | None],
        mon: MonitorQMP,
        oob: bool,
        connection: int,
    ) -> None:
        try:
            mon._respond(await pending, connection)
        finally:
            if not oob:
                mon.resume(inline=True)
            self._running = None
            if not self._shutdown:
                self.loop.call_soon(self._process)
