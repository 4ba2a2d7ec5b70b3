"""The proxy between a test's client and the fake's monitor: log and faults.

Every client connection gets its own connection to the monitor behind.
Client bytes go through unchanged; they are also parsed with QEMU's JSON
streamer into the :class:`~qmonitor.testing.log.RequestLog`.  Monitor
output goes to the client message by message (each compact QMP message
ends with ``\\r\\n``, which strings always escape), through the faults of
a :class:`Faults`: cut after N bytes, stalled, written in small pieces,
events doubled or swapped.

Command-level faults are asked for by the fake's monitor itself: a
scripted command writes a *sentinel line* in its place in the output, so
that the proxy acts exactly where the reply would have been (drop the
connection there, or write garbage and swallow the reply).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

from qmonitor.errors import QmonitorError
from qmonitor.mux.address import Address, connect_retrying, start_server
from qmonitor.qjson import NEED_DATA, JsonMessage, JsonParseError, JsonStreamer
from qmonitor.testing.log import RequestLog

log = logging.getLogger(__name__)

#: How much the proxy reads at once.
READ_CHUNK = 65536

#: How long a client's connection waits for a monitor that does not listen yet (s).
UPSTREAM_CONNECT_TIMEOUT = 2.0

#: Start of a sentinel line (the rest: ``drop`` or ``garbage HEX``).
SENTINEL_PREFIX = b"\x00qmonitor-testing:"


@dataclass
class Faults:
    """Transport faults the proxy applies to monitor → client traffic.

    Change them from any thread; they take effect at the next message.
    """

    #: Cut every connection once its client has received this many bytes.
    drop_after_bytes: int | None = None
    #: Slow writes: at most this many bytes per write ...
    chunk_size: int | None = None
    #: ... with this pause (s) after each piece.
    chunk_interval: float = 0.0
    #: Send every event twice.
    duplicate_events: bool = False
    #: Hold each event until the next one, then send the two swapped.
    reorder_events: bool = False
    #: Longest an event is held for swapping (s) before it goes out anyway.
    reorder_hold: float = 0.2

    def clear(self) -> None:
        """Back to a faultless transport."""
        self.drop_after_bytes = None
        self.chunk_size = None
        self.chunk_interval = 0.0
        self.duplicate_events = False
        self.reorder_events = False


class Tap(Protocol):
    """Sees the traffic of every proxied connection (a cassette recorder)."""

    def opened(self, connection: int) -> None:
        """A client connected (and the proxy reached the monitor)."""

    def client_message(self, connection: int, value: Any, parse_error: str | None) -> None:
        """A message (or QEMU's parse error for malformed input) from a client."""

    def server_line(self, connection: int, line: bytes) -> None:
        """A message from the monitor, before any fault applies."""

    def closed(self, connection: int) -> None:
        """The connection ended."""


class _Dropped(QmonitorError):
    """The connection is to be cut here."""


@dataclass(eq=False)
class _Connection:
    number: int
    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter
    sent: int = 0
    swallow_reply: bool = False
    held: bytes | None = None
    held_until: float = 0.0
    streamer: JsonStreamer = field(default_factory=JsonStreamer)


class Proxy:
    """Listens on ``listen``; connects each client to ``upstream``; runs on one loop."""

    def __init__(
        self,
        listen: Address,
        upstream: Address,
        log_: RequestLog,
        faults: Faults,
        tap: Tap | None = None,
    ) -> None:
        self.listen = listen
        self.tap = tap
        self.upstream = upstream
        self.log = log_
        self.faults = faults
        self._server: asyncio.Server | None = None
        self._conns: set[_Connection] = set()
        self._numbers = itertools.count(1)
        self._tasks: set[asyncio.Task[None]] = set()
        self._unstalled = asyncio.Event()
        self._unstalled.set()

    async def start(self) -> None:
        self._server = await start_server(self.listen, self._on_client)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for conn in list(self._conns):
            _close(conn)
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=2)
            for task in pending:
                task.cancel()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    # -- control (call on the proxy's loop) ----------------------------------

    def stall(self, stalled: bool) -> None:
        """Hold (True) or release (False) all output to clients."""
        if stalled:
            self._unstalled.clear()
        else:
            self._unstalled.set()

    def inject(self, data: bytes) -> int:
        """Write ``data`` to every connected client now; how many got it."""
        for conn in self._conns:
            conn.client.write(data)
        return len(self._conns)

    def disconnect_all(self) -> int:
        """Cut every client connection now; how many there were."""
        conns = list(self._conns)
        for conn in conns:
            _close(conn)
        return len(conns)

    @property
    def connections(self) -> int:
        return len(self._conns)

    # -- connections ------------------------------------------------------------

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._serve(reader, writer)
        except asyncio.CancelledError:
            pass  # the proxy is closing: the stream machinery must not see it
        finally:
            self._tasks.discard(task)

    async def _serve(self, creader: asyncio.StreamReader, cwriter: asyncio.StreamWriter) -> None:
        number = next(self._numbers)
        try:
            # A monitor that is still starting may not listen yet: retry briefly.
            ureader, uwriter = await connect_retrying(self.upstream, UPSTREAM_CONNECT_TIMEOUT)
        except OSError as exc:
            log.warning("proxy: cannot reach %s: %s", self.upstream, exc)
            cwriter.close()
            return
        conn = _Connection(number, cwriter, uwriter)
        if self.tap is not None:
            self.tap.opened(number)
        self._conns.add(conn)
        up = asyncio.ensure_future(self._client_to_upstream(conn, creader))
        down = asyncio.ensure_future(self._upstream_to_client(conn, ureader))
        try:
            await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._conns.discard(conn)
            if self.tap is not None:
                self.tap.closed(conn.number)
            for task in (up, down):
                task.cancel()
            await asyncio.gather(up, down, return_exceptions=True)
            _close(conn)

    async def _client_to_upstream(self, conn: _Connection, reader: asyncio.StreamReader) -> None:
        streamer = conn.streamer
        with contextlib.suppress(OSError):
            while data := await reader.read(READ_CHUNK):
                streamer.feed(data)
                while (ev := streamer.next_event()) is not NEED_DATA:
                    if isinstance(ev, JsonMessage):
                        self.log.append(conn.number, ev.value, None)
                        if self.tap is not None:
                            self.tap.client_message(conn.number, ev.value, None)
                    elif isinstance(ev, JsonParseError):
                        self.log.append(conn.number, None, ev.message)
                        if self.tap is not None:
                            self.tap.client_message(conn.number, None, ev.message)
                conn.upstream.write(data)
                await conn.upstream.drain()

    async def _upstream_to_client(self, conn: _Connection, reader: asyncio.StreamReader) -> None:
        loop = asyncio.get_running_loop()
        buf = b""
        try:
            while True:
                if conn.held is not None:
                    timeout = max(0.0, conn.held_until - loop.time())
                    try:
                        data = await asyncio.wait_for(reader.read(READ_CHUNK), timeout)
                    except TimeoutError:
                        held, conn.held = conn.held, None
                        await self._send(conn, held)
                        continue
                else:
                    data = await reader.read(READ_CHUNK)
                if not data:
                    if conn.held is not None:
                        await self._send(conn, conn.held)
                    if buf:
                        await self._send(conn, buf)
                    return
                buf += data
                start = 0
                while (end := buf.find(b"\r\n", start)) >= 0:
                    await self._line(conn, buf[start : end + 2])
                    start = end + 2
                buf = buf[start:]
        except (_Dropped, OSError):
            return

    async def _line(self, conn: _Connection, line: bytes) -> None:
        if self.tap is not None and not line.startswith(SENTINEL_PREFIX):
            self.tap.server_line(conn.number, line)
        if line.startswith(SENTINEL_PREFIX):
            words = line[len(SENTINEL_PREFIX) :].split()
            if words[:1] == [b"drop"]:
                raise _Dropped
            if words[:1] == [b"garbage"]:
                conn.swallow_reply = True
                await self._send(conn, bytes.fromhex(words[1].decode()) if len(words) > 1 else b"")
            return
        faults = self.faults
        event = (
            conn.swallow_reply or faults.duplicate_events or faults.reorder_events
        ) and _is_event(line)
        if conn.swallow_reply and not event:
            conn.swallow_reply = False
            return
        if event and faults.reorder_events:
            if conn.held is None:
                conn.held = line
                conn.held_until = asyncio.get_running_loop().time() + faults.reorder_hold
                return
            held, conn.held = conn.held, None
            await self._send(conn, line)
            line = held
        await self._send(conn, line)
        if event and faults.duplicate_events:
            await self._send(conn, line)

    async def _send(self, conn: _Connection, data: bytes) -> None:
        await self._unstalled.wait()
        faults = self.faults
        limit = faults.drop_after_bytes
        cut = False
        if limit is not None and conn.sent + len(data) >= limit:
            data = data[: max(0, limit - conn.sent)]
            cut = True
        writer = conn.client
        size = faults.chunk_size
        if size is not None and size > 0:
            for i in range(0, len(data), size):
                writer.write(data[i : i + size])
                await writer.drain()
                if faults.chunk_interval > 0:
                    await asyncio.sleep(faults.chunk_interval)
        elif data:
            writer.write(data)
            await writer.drain()
        conn.sent += len(data)
        if cut:
            raise _Dropped


def _is_event(line: bytes) -> bool:
    if b'"event"' not in line:
        return False
    try:
        msg: Any = json.loads(line)
    except ValueError:
        return False
    return isinstance(msg, dict) and "event" in msg and "return" not in msg and "error" not in msg


def _close(conn: _Connection) -> None:
    for writer in (conn.client, conn.upstream):
        with contextlib.suppress(Exception):
            writer.close()
