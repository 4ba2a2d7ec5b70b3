"""The multiplexer's asyncio shell: one upstream connection, many client listeners.

:class:`Multiplexer` connects to the upstream monitor, reads its greeting,
negotiates (with ``oob`` when offered) and then serves clients on each
listen address until the upstream goes away, when every client is
disconnected, as they would be by QEMU exiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Sequence

from qmonitor.mux.address import (
    Address,
    bound_address,
    connect_retrying,
    set_nodelay,
    start_server,
)
from qmonitor.mux.core import Greeting, MuxClient, MuxCore, UpstreamError

log = logging.getLogger(__name__)

#: How much is read from a client at once.
READ_CHUNK = 65536

#: A client whose connection holds this much unsent output gets no more
#: events until it reads (replies are never dropped); 1 MiB as qmonitor's
#: own monitors (Monitor.event_outbuf_limit).
EVENT_BACKLOG_LIMIT = 1 << 20

#: How long the upstream may take to greet and negotiate (s).
UPSTREAM_TIMEOUT = 10.0


class Multiplexer:
    """Share the QMP monitor at ``upstream`` among clients of ``listen``."""

    def __init__(
        self, upstream: Address, listen: Sequence[Address], *, connect_timeout: float = 0.0
    ) -> None:
        self.upstream = upstream
        #: How long start() keeps trying to reach an upstream that is not up yet (s).
        self.connect_timeout = connect_timeout
        self.listen = list(listen)
        #: Where the listeners really are (TCP port 0 resolved), after start().
        self.addresses: list[Address] = []
        self.core: MuxCore | None = None
        self._servers: list[asyncio.Server] = []
        self._writers: dict[int, asyncio.StreamWriter] = {}
        self._up_writer: asyncio.StreamWriter | None = None
        self._up_task: asyncio.Task[None] | None = None
        self._client_tasks: set[asyncio.Task[None]] = set()
        self._closed = asyncio.Event()

    async def start(self) -> None:
        """Connect and negotiate upstream, then start listening."""
        reader, writer = await connect_retrying(self.upstream, self.connect_timeout)
        try:
            line = await asyncio.wait_for(reader.readuntil(b"\n"), UPSTREAM_TIMEOUT)
            core = MuxCore(Greeting.parse(line), self._can_take_event)
            writer.write(core.upstream_negotiation)
            while True:
                reply = await asyncio.wait_for(reader.readuntil(b"\n"), UPSTREAM_TIMEOUT)
                if b'"return"' in reply or b'"error"' in reply:
                    break
            if b'"error"' in reply:
                raise UpstreamError(f"upstream refused qmp_capabilities: {reply!r}")
        except (asyncio.IncompleteReadError, TimeoutError) as exc:
            writer.close()
            raise UpstreamError(f"no QMP greeting from {self.upstream}") from exc
        except BaseException:
            writer.close()
            raise
        self.core = core
        self._up_writer = writer
        self._up_task = asyncio.ensure_future(self._read_upstream(reader))
        for addr in self.listen:
            server = await start_server(addr, self._on_client)
            self._servers.append(server)
            self.addresses.append(bound_address(server, addr))

    async def serve_forever(self) -> None:
        """Serve until the upstream goes away or :meth:`close` is called."""
        assert self._up_task is not None
        closed = asyncio.ensure_future(self._closed.wait())
        try:
            await asyncio.wait({self._up_task, closed}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            closed.cancel()
            await self.close()

    async def close(self) -> None:
        """Stop listening, disconnect every client and the upstream."""
        self._closed.set()
        for server in self._servers:
            server.close()
        for writer in list(self._writers.values()):
            with contextlib.suppress(Exception):
                writer.close()
        if self._up_writer is not None:
            with contextlib.suppress(Exception):
                self._up_writer.close()
        if self._up_task is not None and not self._up_task.done():
            self._up_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._up_task
        if self._client_tasks:
            await asyncio.wait(self._client_tasks, timeout=2)
        for addr in self.listen:
            if addr.path is not None:
                with contextlib.suppress(OSError):
                    os.unlink(addr.path)

    # -- upstream --------------------------------------------------------------------

    async def _read_upstream(self, reader: asyncio.StreamReader) -> None:
        core = self.core
        assert core is not None
        try:
            while True:
                try:
                    line = await reader.readuntil(b"\n")
                except asyncio.IncompleteReadError:
                    break
                try:
                    core.upstream_line(line)
                except UpstreamError as exc:
                    log.error("mux: %s", exc)
                    break
                except Exception:
                    # A bug on our side: that one message is lost (logged),
                    # the upstream and every client go on.
                    log.exception("mux: handling an upstream message failed: %.200r", line)
                self._flush_clients()
        except (ConnectionError, OSError) as exc:
            log.info("mux: upstream connection lost: %s", exc)
        finally:
            self._closed.set()

    # -- clients -----------------------------------------------------------------------

    def _can_take_event(self, client: MuxClient) -> bool:
        writer = self._writers.get(client.id)
        return writer is not None and writer.transport.get_write_buffer_size() < EVENT_BACKLOG_LIMIT

    def _flush_clients(self) -> None:
        core = self.core
        assert core is not None
        for client in core.clients.values():
            if client.out:
                writer = self._writers.get(client.id)
                if writer is not None:
                    writer.write(bytes(client.out))
                client.out.clear()

    def _flush_upstream(self) -> None:
        assert self.core is not None and self._up_writer is not None
        data = self.core.take_upstream()
        if data:
            self._up_writer.write(data)

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        core = self.core
        if core is None or self._closed.is_set():
            writer.close()
            return
        self._client_tasks.add(task)
        set_nodelay(writer)
        client = core.connect()
        self._writers[client.id] = writer
        try:
            writer.write(bytes(client.out))
            client.out.clear()
            while data := await reader.read(READ_CHUNK):
                core.receive(client, data)
                self._flush_upstream()
                if client.out:
                    writer.write(bytes(client.out))
                    client.out.clear()
                # Back-pressure: a client that does not read its replies
                # is not read either.
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        except asyncio.CancelledError:
            pass  # closing: the stream machinery must not see it
        finally:
            core.disconnect(client)
            self._writers.pop(client.id, None)
            self._client_tasks.discard(task)
            with contextlib.suppress(Exception):
                writer.close()
