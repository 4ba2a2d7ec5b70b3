"""Record a client's conversation with QEMU, and replay it to the client later.

:class:`Recorder` is the fake's proxy with a cassette tap: put it between
a client and a real QEMU (or qmonitor), and every connection goes into the
cassette.  :class:`ReplayServer` plays a cassette back as the QEMU it was
recorded from: the same greeting, the recorded replies with the client's
own ids, the events where they came, with the recorded timing (scaled by
``time_scale``).  A request that differs from the recording (ids aside)
is a divergence: the client gets an error reply naming what was expected,
and the test gets :class:`ReplayDivergence` from :meth:`ReplayServer.check`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import shutil
import tempfile
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from qmonitor.errors import QmonitorError
from qmonitor.mux.address import Address, parse_address, start_server
from qmonitor.mux.core import NO_ID, replace_reply_id
from qmonitor.qjson import NEED_DATA, JsonMessage, JsonParseError, JsonStreamer, encode
from qmonitor.testing.cassette import (
    Cassette,
    CassetteRecorder,
    Plan,
    plan,
    same_request,
)
from qmonitor.testing.log import RequestLog
from qmonitor.testing.proxy import Faults, Proxy

#: How long the handles wait for their thread (s).
THREAD_TIMEOUT = 10.0


class ReplayDivergence(AssertionError, QmonitorError):
    """The client did not do what the cassette recorded."""


class _LoopThread:
    """An asyncio loop in a daemon thread, for the handles below."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def run(self, fn: Callable[[], Awaitable[Any]]) -> Any:
        async def call() -> Any:
            return await fn()

        return asyncio.run_coroutine_threadsafe(call(), self.loop).result(THREAD_TIMEOUT)

    def stop(self) -> None:
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(THREAD_TIMEOUT)
        self.loop.close()


class Recorder:
    """A recording proxy: clients of :attr:`socket_path` reach ``upstream``.

    :param upstream: the monitor to record (``unix:PATH`` or ``tcp:H:P``).
    """

    def __init__(self, upstream: str | Address, *, socket_path: str | None = None) -> None:
        self.upstream = parse_address(upstream) if isinstance(upstream, str) else upstream
        self._dir = None if socket_path else tempfile.mkdtemp(prefix="qmon-rec-")
        self.socket_path = socket_path or str(Path(str(self._dir)) / "record.sock")
        self.recorder = CassetteRecorder()
        self.log = RequestLog()
        self._proxy = Proxy(
            Address(path=self.socket_path), self.upstream, self.log, Faults(), self.recorder
        )
        self._thread: _LoopThread | None = None

    @property
    def cassette(self) -> Cassette:
        return self.recorder.cassette

    def start(self) -> Recorder:
        self._thread = _LoopThread("qmp-recorder")
        self._thread.run(self._proxy.start)
        return self

    def close(self) -> None:
        if self._thread is not None:
            self._thread.run(self._proxy.close)
            self._thread.stop()
            self._thread = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)

    def save(self, path: str | Path) -> None:
        self.cassette.save(path)

    def __enter__(self) -> Recorder:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


class ReplayServer:
    """Serves a cassette on :attr:`socket_path`, connection by connection.

    :param cassette: a :class:`Cassette` or the path of one.
    :param time_scale: multiplies the recorded delays (0: no delays at all).
    """

    def __init__(
        self,
        cassette: Cassette | str | Path,
        *,
        time_scale: float = 1.0,
        socket_path: str | None = None,
    ) -> None:
        self.cassette = cassette if isinstance(cassette, Cassette) else Cassette.load(cassette)
        self.plans: list[Plan] = [plan(conn) for conn in self.cassette.connections]
        self.time_scale = time_scale
        self._dir = None if socket_path else tempfile.mkdtemp(prefix="qmon-replay-")
        self.socket_path = socket_path or str(Path(str(self._dir)) / "replay.sock")
        #: Divergences, in the order they happened.
        self.divergences: list[str] = []
        #: How many requests of each recorded connection were replayed.
        self.played: list[int] = [0] * len(self.plans)
        self._numbers = itertools.count()
        self._lock = threading.Lock()
        self._server: asyncio.Server | None = None
        self._thread: _LoopThread | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    # -- life cycle ---------------------------------------------------------------

    def start(self) -> ReplayServer:
        self._thread = _LoopThread("qmp-replay")

        async def listen() -> None:
            self._server = await start_server(Address(path=self.socket_path), self._on_client)

        self._thread.run(listen)
        return self

    def close(self) -> None:
        if self._thread is not None:

            async def stop() -> None:
                if self._server is not None:
                    self._server.close()
                for writer in list(self._writers):
                    writer.close()

            self._thread.run(stop)
            self._thread.stop()
            self._thread = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- verdicts ---------------------------------------------------------------------

    def check(self) -> None:
        """Raise :class:`ReplayDivergence` if a client strayed from the cassette."""
        with self._lock:
            if self.divergences:
                raise ReplayDivergence("; ".join(self.divergences))

    def check_done(self) -> None:
        """:meth:`check`, and every recorded request was replayed."""
        self.check()
        with self._lock:
            for n, (p, played) in enumerate(zip(self.plans, self.played, strict=True)):
                if played < len(p.requests):
                    missing = p.requests[played]
                    raise ReplayDivergence(
                        f"connection {n + 1}: the client never sent request #{played + 1}: "
                        f"{missing.describe()}"
                    )

    # -- serving ------------------------------------------------------------------------

    def _diverge(self, text: str) -> None:
        with self._lock:
            self.divergences.append(text)

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, OSError, asyncio.CancelledError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        number = next(self._numbers)
        if number >= len(self.plans):
            self._diverge(f"connection {number + 1}: the cassette has {len(self.plans)}")
            return
        loop = asyncio.get_running_loop()
        start = loop.time()
        queue: asyncio.Queue[tuple[Any, str | None, float] | None] = asyncio.Queue()
        sender = asyncio.ensure_future(self._send(number, writer, start, queue))
        streamer = JsonStreamer()
        try:
            while data := await reader.read(65536):
                streamer.feed(data)
                while (ev := streamer.next_event()) is not NEED_DATA:
                    if isinstance(ev, JsonMessage):
                        queue.put_nowait((ev.value, None, loop.time()))
                    elif isinstance(ev, JsonParseError):
                        queue.put_nowait((None, ev.message, loop.time()))
        finally:
            queue.put_nowait(None)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(sender, THREAD_TIMEOUT)

    async def _send(
        self,
        number: int,
        writer: asyncio.StreamWriter,
        start: float,
        queue: asyncio.Queue[tuple[Any, str | None, float] | None],
    ) -> None:
        the_plan = self.plans[number]
        scale = self.time_scale
        for out in the_plan.greeting:
            await _sleep_until(start + out.delay * scale)
            writer.write(out.line)
        diverged = False
        while (got := await queue.get()) is not None:
            value, parse_error, arrival = got
            has_id = isinstance(value, dict) and "id" in value
            client_id = value["id"] if has_id else NO_ID
            position = self.played[number]
            recorded = the_plan.requests[position] if position < len(the_plan.requests) else None
            if diverged or recorded is None or not same_request(recorded, value, parse_error):
                what = "malformed input" if parse_error is not None else encode(value)
                if not diverged:
                    expected = recorded.describe() if recorded is not None else "nothing more"
                    text = (
                        f"connection {number + 1}, request #{position + 1}: "
                        f"expected {expected}, got {what}"
                    )
                    self._diverge(text)
                else:
                    text = f"request after a divergence: {what}"
                diverged = True
                rsp: dict[str, Any] = {
                    "error": {"class": "GenericError", "desc": f"qmonitor replay: {text}"}
                }
                if has_id:
                    rsp["id"] = client_id
                writer.write(encode(rsp).encode() + b"\r\n")
                continue
            with self._lock:
                self.played[number] = position + 1
            for out in recorded.outputs:
                await _sleep_until(arrival + out.delay * scale)
                line = out.line
                if out.is_reply:
                    line = replace_reply_id(line, out.reply_id, client_id) or line
                writer.write(line)


async def _sleep_until(when: float) -> None:
    delay = when - asyncio.get_running_loop().time()
    if delay > 0:
        await asyncio.sleep(delay)
