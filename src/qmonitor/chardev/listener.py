"""``x-qmonitor-multi=on``: a socket server whose every client gets a chardev of its own.

Not in QEMU, whose socket chardev serves one client at a time.  A
:class:`SocketListener` owns the listening socket (unix, TCP or an
inherited ``fd=``, with the same options, TLS and ``peer_uid`` as a
:class:`~qmonitor.chardev.socket.SocketChardev` server) and turns each
accepted connection into a connected ``SocketChardev``, handed to the
function given to :meth:`SocketListener.serve` (which puts a monitor on
it).  When the client goes, the function it returned runs (the monitor is
destroyed) and the connection's chardev is closed.

``max_clients`` bounds the connections served at once: at the bound the
listener stops accepting, so further clients wait in the listen backlog
(as QEMU's single-client server makes them wait) and are served in turn as
others leave.  ``max_clients=1`` is QEMU's behaviour.

query-chardev lists the listener alone, under its id, as an idle server
(``disconnected:unix:PATH,server=on``): it is always waiting for one more
client.  The connections are not listed.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import itertools
import logging
import socket
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from qmonitor.chardev.base import ChardevError, call_on
from qmonitor.chardev.socket import DEFAULT_UNIX_MODE, SocketChardev

if TYPE_CHECKING:
    import ssl

log = logging.getLogger("qmonitor.chardev")

#: Listen backlog of a multi-client listener (the kernel caps it at
#: net.core.somaxconn): clients connecting together wait here, not fail.
MULTI_BACKLOG = socket.SOMAXCONN

#: Connections accepted per wake-up, so one busy listener cannot starve
#: the rest of its loop.
ACCEPT_BURST = 64

#: Seconds before accepting again when the process is out of descriptors
#: (EMFILE, ENFILE): the listening socket stays readable meanwhile, and
#: polling it at once would only spin.
ACCEPT_RETRY_DELAY = 0.1

#: Soft RLIMIT_NOFILE a listener raises the limit to when the hard limit
#: is unlimited (Linux's default fs.nr_open).
NOFILE_CEILING = 1 << 20

#: What :meth:`SocketListener.serve`'s function returns: run when the client goes.
Cleanup = Callable[[], None]
#: Puts a frontend (a monitor) on a new connection's chardev.
ConnectionHandler = Callable[[SocketChardev], Cleanup | None]


def raise_nofile_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit; return the soft limit now.

    A listener serving many clients needs a descriptor per client, and
    the usual soft limit is 1024.  QEMU 7.2 does not do this (QEMU 9.0
    does, at start); qmonitor does it only when a multi-client listener is
    created.
    """
    import resource  # only multi-client listeners need it (start-up time)

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = NOFILE_CEILING if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (OSError, ValueError) as exc:
            log.debug("cannot raise RLIMIT_NOFILE to %d: %s", target, exc)
        else:
            soft = target
    return soft


class SocketListener(SocketChardev):
    """A socket server that serves every client at once, each on its own chardev.

    Takes :class:`SocketChardev`'s server options (``server`` is implied).
    With ``wait`` it blocks for a first client as QEMU's ``wait=on`` does
    and serves it once :meth:`serve` is called.  It has no frontend of its
    own: writing to it fails, and a frontend set on it gets no input.

    :param max_clients: most connections served at once (None: no bound).
    """

    def __init__(
        self,
        label: str,
        *,
        path: str | None = None,
        host: str = "",
        port: str | None = None,
        fd: int | None = None,
        fd_name: str | None = None,
        wait: bool = False,
        nodelay: bool = False,
        ipv4: bool = False,
        ipv6: bool = False,
        unix_mode: int = DEFAULT_UNIX_MODE,
        info: Callable[[str], None] | None = None,
        tls: ssl.SSLContext | None = None,
        peer_uid: int | None = None,
        max_clients: int | None = None,
    ) -> None:
        if max_clients is not None and max_clients < 1:
            raise ChardevError(f"x-qmonitor-max-clients: {max_clients} is not a positive number")
        super().__init__(
            label,
            path=path,
            host=host,
            port=port,
            fd=fd,
            fd_name=fd_name,
            server=True,
            wait=False,
            nodelay=nodelay,
            ipv4=ipv4,
            ipv6=ipv6,
            unix_mode=unix_mode,
            tls=tls,
            peer_uid=peer_uid,
            backlog=MULTI_BACKLOG,
        )
        raise_nofile_limit()
        self.max_clients = max_clients
        #: The connections being served, each a chardev of its own.
        self.connections: set[SocketChardev] = set()
        #: Connections accepted since the listener was created.
        self.accepted = 0
        self._lock = threading.Lock()
        self._cleanups: dict[SocketChardev, Cleanup | None] = {}
        self._handler: ConnectionHandler | None = None
        self._serial = itertools.count(1)
        self._retry: asyncio.TimerHandle | None = None
        self._first: tuple[socket.socket, object] | None = None
        if wait:
            self._first = self._wait_for_client(info)

    def serve(self, handler: ConnectionHandler, loop: asyncio.AbstractEventLoop) -> None:
        """Accept clients on ``loop`` and call ``handler`` with each one's chardev.

        ``handler`` runs on ``loop`` and puts a frontend on the chardev
        (its handlers may run on another loop); what it returns is called
        when the client has gone, before the chardev is closed.
        """
        self._handler = handler
        self.loop = loop
        call_on(loop, self._start)

    def _start(self) -> None:
        if self._closed:
            return
        first, self._first = self._first, None
        if first is not None:
            self._new_connection(*first)
        self._listen_for_client()

    def _attach(self) -> None:
        """A frontend set on the listener itself gets nothing: only :meth:`serve` accepts."""

    def _chr_write(self, data: bytes) -> int:
        return -1

    # -- accepting (on the listener's loop) ----------------------------------

    def _full(self) -> bool:
        with self._lock:
            return self.max_clients is not None and len(self.connections) >= self.max_clients

    def _listen_for_client(self) -> None:
        if self._handler is None or self._full():
            return
        super()._listen_for_client()

    def _on_accept(self) -> None:
        listener = self._listener
        if listener is None:
            return
        for _ in range(ACCEPT_BURST):
            if self._full():
                self._stop_accepting()
                return
            try:
                conn, addr = listener.accept()
            except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                return
            except OSError as exc:
                if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    log.warning("%s: cannot accept a client: %s", self.label, exc.strerror)
                    self._pause_accepting()
                return
            if self._peer_allowed(conn):
                self._new_connection(conn, addr)

    def _pause_accepting(self) -> None:
        self._stop_accepting()
        if self.loop is not None and self._retry is None:
            self._retry = self.loop.call_later(ACCEPT_RETRY_DELAY, self._resume_accepting)

    def _resume_accepting(self) -> None:
        self._retry = None
        self._listen_for_client()

    def _new_connection(self, conn: socket.socket, addr: object) -> None:
        """Serve an accepted connection on a chardev of its own."""
        handler = self._handler
        assert handler is not None
        self.accepted += 1
        try:
            chr = SocketChardev(
                f"{self.label}#{next(self._serial)}",
                conn=conn,
                server=True,
                nodelay=self.nodelay,
                tls=self._tls_ctx,
            )
        except OSError as exc:  # the peer may already be gone
            log.debug("%s: dropped a client: %s", self.label, exc)
            with contextlib.suppress(OSError):
                conn.close()
            return
        chr.on_disconnect = lambda: self._connection_ended(chr)
        with self._lock:
            self.connections.add(chr)
        try:
            cleanup = handler(chr)
        except Exception:
            log.exception("%s: cannot serve a client", self.label)
            self._forget(chr)
            return
        with self._lock:
            live = chr in self.connections and not chr._closed
            if live:
                self._cleanups[chr] = cleanup
        if not live:
            # The client went while the handler ran, or the frontend refused
            # it (the machine is shutting down).
            if cleanup is not None:
                cleanup()
            self._forget(chr)

    def _connection_ended(self, chr: SocketChardev) -> None:
        """The client of ``chr`` has gone (on the connection's loop, after CLOSED).

        The frontend is torn down once the disconnect is over, not inside it.
        """
        loop = chr.loop
        if loop is None:
            self._forget(chr)
        else:
            loop.call_soon(self._forget, chr)

    def _forget(self, chr: SocketChardev) -> None:
        with self._lock:
            known = chr in self.connections
            self.connections.discard(chr)
            cleanup = self._cleanups.pop(chr, None)
        if cleanup is not None:
            try:
                cleanup()
            except Exception:
                log.exception("%s: cleanup of a client failed", self.label)
        chr.close()
        if known:
            self._room_again()

    def _room_again(self) -> None:
        """A slot is free: accept again if the bound had stopped it (any thread)."""
        loop = self.loop
        if loop is None or self._closed or self._accepting:
            return
        call_on(loop, self._listen_for_client)

    # -- the listener itself -------------------------------------------------

    @property
    def filename(self) -> str:
        """Always an idle server's: ``disconnected:ADDRESS,server=on``."""
        return f"disconnected:{self.address},server=on"

    def yank(self) -> None:
        """Cut every client's connection (QEMU's yank of a socket chardev)."""
        with self._lock:
            connections = list(self.connections)
        for chr in connections:
            chr.yank()

    def _chr_close(self) -> None:
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None
        first, self._first = self._first, None
        if first is not None:
            with contextlib.suppress(OSError):
                first[0].close()
        super()._chr_close()
        with self._lock:
            cleanups = [(chr, self._cleanups.get(chr)) for chr in self.connections]
            self.connections.clear()
            self._cleanups.clear()
        for chr, cleanup in cleanups:
            if cleanup is not None:
                try:
                    cleanup()
                except Exception:
                    log.exception("%s: cleanup of a client failed", self.label)
            chr.close()
