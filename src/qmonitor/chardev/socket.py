"""``-chardev socket``: unix and TCP, server and client, one peer at a time.

As QEMU's char-socket: a server listens when created (blocking for its first
client when ``wait=on``), serves a single connection, stops accepting while
that connection lasts and accepts the next one after a disconnect.  A unix
socket server is created with mode 0600 unless asked otherwise; an existing
file at its path is unlinked first, as QEMU does.

With ``fd`` the socket is an inherited file descriptor (libvirt passes
its monitor socket this way): a server makes it listen (or takes it as it
is when it already does) and serves it as one it created; a client takes
it as the connection.  Without ``path``, ``port`` or ``fd`` a server has
nothing to listen on, as QEMU's ``fd=`` with no number.  A server's
unix socket file is unlinked when the chardev closes, whoever created it
(QEMU's socket_listen_cleanup).

With ``tls`` (an SSL context from ``-object tls-creds-x509``) a TCP
connection is reported to the frontend only once the TLS handshake is
done, and a failed handshake drops it (chardev/char-socket.c).  As an
extension, ``peer_uid`` makes a unix server accept only clients of that
user (SO_PEERCRED); others are disconnected at once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from qmonitor.chardev.base import READ_CHUNK, ChardevError, ChrEvent, call_on
from qmonitor.chardev.fdio import FdChardev
from qmonitor.chardev.msgfds import MsgFds, recv_with_fds
from qmonitor.util.guard import call_guarded
from qmonitor.util.sigwatch import unwatched
from qmonitor.util.unixsock import unix_listen

if TYPE_CHECKING:
    # TLS (and with it ssl) is loaded by the sockets that use it.
    import ssl

    from qmonitor.chardev.tls import TlsSession

log = logging.getLogger("qmonitor.chardev")

#: Listen backlog (QEMU's char-socket listens with a backlog of 1).
LISTEN_BACKLOG = 1

#: Mode of a unix socket created by a server, unless configured otherwise.
DEFAULT_UNIX_MODE = 0o600

#: QEMU's texts about an ``fd=`` socket (util/qemu-sockets.c).
FD_NOT_SOCKET = "File descriptor '{}' is not a socket"
FD_LISTEN_FAILED = "Failed to listen on fd socket: {}"

#: Longest unix socket name (sizeof sun_path): an abstract name shorter
#: than this is "tight".
UNIX_PATH_MAX = 108


class SocketChardev(FdChardev):
    """A stream socket chardev.

    At most one of ``path`` (unix), ``port`` (TCP, with ``host``) or ``fd``
    (an inherited socket, ``fd_name`` as the command line spelled it) is
    given; a server given none of them has no socket to listen on.
    ``conn`` instead serves one connection already accepted by a server
    (:class:`~qmonitor.chardev.listener.SocketListener`'s).  ``info`` prints
    QEMU's informational lines (the ``wait=on`` notice).  ``backlog`` is
    the listen backlog (QEMU's is 1).

    A server may also be handed a ``listener`` already listening (the early
    greeter's, :mod:`qmonitor.system.early`), with the ``conn`` it accepted
    and the bytes ``greeted`` it already wrote there: the first writes to
    that connection drop those bytes instead of sending them again.
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
        conn: socket.socket | None = None,
        listener: socket.socket | None = None,
        greeted: bytes = b"",
        server: bool = False,
        wait: bool = True,
        nodelay: bool = False,
        ipv4: bool = False,
        ipv6: bool = False,
        unix_mode: int = DEFAULT_UNIX_MODE,
        info: Callable[[str], None] | None = None,
        tls: ssl.SSLContext | None = None,
        peer_uid: int | None = None,
        backlog: int = LISTEN_BACKLOG,
    ) -> None:
        super().__init__(label)
        self._tls_ctx = tls
        self._tls: TlsSession | None = None
        # Between a new connection and the OPENED its frontend is told of,
        # only OPENED's own handler (the greeting) may write to it: anything
        # else (an event from another thread, meant for the previous client
        # whose session the monitor still has) is refused, as if the
        # connection were not there yet.
        self._connecting = False
        self._opening_thread: int | None = None
        self.peer_uid = peer_uid
        #: Connections refused because of their peer's uid (``peer_uid``).
        self.peers_refused = 0
        self.path = path
        self.host = host
        self.port = port
        self.is_server = server
        self.nodelay = nodelay
        self.ipv4, self.ipv6 = ipv4, ipv6
        #: Called on the handler loop once a connection has ended (after CLOSED).
        self.on_disconnect: Callable[[], None] | None = None
        self._fd_name = fd_name if fd_name is not None else ("" if fd is None else str(fd))
        self._by_fd = conn is None and path is None and port is None
        self._listener: socket.socket | None = None
        self._listener_addr: dict[str, object] | None = None
        self._keep_socket_file = False
        self._conn: socket.socket | None = None
        #: Descriptors received with the connection's input (unix only).
        self._msgfds = MsgFds()
        self._fd_pass = False
        self._peer = ""
        self._accepting = False
        #: What an early greeter already wrote to the connection it accepted.
        self._greeted = b""
        family = socket.AF_UNIX if path is not None else socket.AF_UNSPEC
        if ipv4 and not ipv6:
            family = socket.AF_INET
        elif ipv6 and not ipv4:
            family = socket.AF_INET6
        if conn is not None and listener is None:
            self._set_conn(conn, _peer_of(conn))
            self.be_open = self._tls is None
            self._connecting = not self.be_open
        elif server:
            if listener is not None:
                self._listener = listener
            elif path is not None:
                self._listener = _unix_listen(path, unix_mode, backlog)
            elif port is not None:
                self._listener = _inet_listen(host, port, family, backlog)
            elif fd is not None:
                self._listener = _fd_listen(fd, self._fd_name, backlog)
            if self._listener is not None:
                # As QEMU, a server's address is from now on the one it
                # really listens on (a port chosen, localhost resolved).
                self._listener_addr = _local_address(self._listener)
            if conn is not None:
                self._set_conn(conn, _peer_of(conn))
                self._greeted = greeted
                self.be_open = True
                self._connecting = False
            elif wait:
                conn, addr = self._wait_for_client(info)
                self._set_conn(conn, addr)
                self.be_open = self._tls is None
                self._connecting = not self.be_open
        else:
            if path is not None:
                conn = _unix_connect(path)
            elif port is not None:
                conn = _inet_connect(host, port)
            else:
                conn = _socket_from_fd(fd, self._fd_name)
            self._set_conn(conn, None)
            self.be_open = self._tls is None
            self._connecting = not self.be_open

    def _wait_for_client(self, info: Callable[[str], None] | None) -> tuple[socket.socket, object]:
        """Say so (QEMU's notice) and block until an allowed client connects (``wait=on``)."""
        with _signals_end_process():
            if info is not None:
                info(f"QEMU waiting for connection on: {self.filename}")
            if self._listener is None:
                # QEMU waits for ever on a listener with no socket; so does
                # this (until a signal ends the process).
                while True:
                    signal.pause()
            self._listener.setblocking(True)  # an inherited one may not be
            while True:
                conn, addr = self._listener.accept()
                if self._peer_allowed(conn):
                    return conn, addr

    # -- description -------------------------------------------------------

    @property
    def address(self) -> str:
        """``unix:PATH``, ``tcp:HOST:PORT`` or ``fd:N`` as QEMU prints it.

        For a server, the address it listens on.
        """
        if self._listener_addr is not None:
            return _describe(self._listener_addr)
        if self.path is not None:
            return f"unix:{self.path}"
        if self._by_fd:
            return f"fd:{self._fd_name}"
        return f"tcp:{self.host}:{self.port}"

    @property
    def socket_address(self) -> dict[str, object]:
        """The chardev's ``addr`` property as QEMU's QOM shows it (a SocketAddress).

        A server's is the address it listens on; a client's is what it was
        given (a unix one with QEMU's implied ``tight`` and ``abstract``).
        """
        if self._listener_addr is not None:
            return dict(self._listener_addr)
        if self.path is not None:
            return {"type": "unix", "path": self.path, "tight": True, "abstract": False}
        if self._by_fd:
            return {"type": "fd", "str": self._fd_name}
        addr: dict[str, object] = {"type": "inet", "host": self.host, "port": str(self.port)}
        if self.ipv4:
            addr["ipv4"] = True
        if self.ipv6:
            addr["ipv6"] = True
        return addr

    @property
    def filename(self) -> str:
        """QEMU's ``filename`` of the chardev (query-chardev, waiting notice).

        As char-socket.c computes it: while disconnected, the address a
        server really listens on (``localhost`` resolved, port 0 chosen,
        an ``fd=`` socket's own address); once connected, the connection's
        own addresses (a unix client's local address has no path, so it
        shows ``unix:``).
        """
        suffix = ",server=on" if self.is_server else ""
        conn = self._conn
        if conn is None:
            return f"disconnected:{self.address}{suffix}"
        if conn.family == socket.AF_UNIX:
            local = self.path if self.is_server and self.path is not None else ""
            with contextlib.suppress(OSError):
                local = _unix_name(conn.getsockname())
            return f"unix:{local}{suffix}"
        try:
            mine, peer = conn.getsockname(), conn.getpeername()
        except OSError:
            return f"{self.address}{suffix} <-> {self._peer}"
        if conn.family == socket.AF_INET6:
            return f"tcp:[{mine[0]}]:{mine[1]}{suffix} <-> [{peer[0]}]:{peer[1]}"
        return f"tcp:{mine[0]}:{mine[1]}{suffix} <-> {peer[0]}:{peer[1]}"

    @property
    def listen_address(self) -> tuple[str, int] | str | None:
        """Where a server listens (useful when port 0 picked a free port)."""
        if self._listener is None:
            return None
        addr = self._listener.getsockname()
        if isinstance(addr, tuple):
            return (str(addr[0]), int(addr[1]))
        if isinstance(addr, bytes):
            return addr.decode("utf-8", "surrogateescape")
        return str(addr)

    def keep_socket_file(self) -> None:
        """Leave a unix server's socket file behind when closed.

        For a process that ends as QEMU's ``exit()`` does (a startup error):
        QEMU then does not finalize its chardevs, so the file stays.
        """
        self._keep_socket_file = True

    # -- connection management (on the handler loop) -------------------------

    def _set_conn(self, conn: socket.socket, addr: object) -> None:
        conn.setblocking(False)
        if conn.family in (socket.AF_INET, socket.AF_INET6) and self.nodelay:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._conn = conn
        self._fd_pass = conn.family == socket.AF_UNIX
        self._connecting = True
        if isinstance(addr, tuple):
            self._peer = f"{addr[0]}:{addr[1]}"
        fd = conn.fileno()
        self._rfd = self._wfd = fd
        if self._tls_ctx is not None:
            from qmonitor.chardev.tls import TlsSession

            self._tls = TlsSession(self._tls_ctx, server=self.is_server, hostname=self.host or None)

    def _peer_allowed(self, conn: socket.socket) -> bool:
        """The ``peer_uid`` check (unix only); a refused peer is disconnected."""
        if self.peer_uid is None or conn.family != socket.AF_UNIX:
            return True
        try:
            creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
            pid, uid, _gid = struct.unpack("3i", creds)
        except OSError:
            pid, uid = 0, -1
        if uid == self.peer_uid:
            return True
        self.peers_refused += 1
        log.warning("%s: refused a client with uid %d (pid %d)", self.label, uid, pid)
        with contextlib.suppress(OSError):
            conn.close()
        return False

    def _attach(self) -> None:
        if self._conn is not None:
            self._start_reading()
            tls = self._tls
            if tls is not None and not self.is_server and not tls.established:
                from qmonitor.chardev.tls import TlsError

                with self._write_lock:
                    try:
                        tls.start()
                        self._flush_tls()
                    except (TlsError, OSError) as exc:
                        log.debug("%s: TLS handshake failed: %s", self.label, exc)
        else:
            self._listen_for_client()

    def _listen_for_client(self) -> None:
        if self._listener is None or self._accepting or self.loop is None or self._closed:
            return
        self._listener.setblocking(False)
        self._accepting = True
        self.loop.add_reader(self._listener.fileno(), self._on_accept)

    def _stop_accepting(self) -> None:
        if self._accepting and self._listener is not None and self.loop is not None:
            self.loop.remove_reader(self._listener.fileno())
        self._accepting = False

    def _on_accept(self) -> None:
        if self._listener is None:
            return
        try:
            conn, addr = self._listener.accept()
        except (BlockingIOError, InterruptedError, ConnectionAbortedError):
            return
        except OSError:
            return
        if not call_guarded(log, self.label, "accept", self._take_client, conn, addr):
            self._drop_client(conn)

    def _drop_client(self, conn: socket.socket) -> None:
        """Taking a client failed half way (a bug): let it go, listen again."""
        if self._conn is conn:
            call_guarded(log, self.label, "disconnect", self._disconnect)
        else:
            with contextlib.suppress(OSError):
                conn.close()
        if self._conn is None and self.is_server:
            self._listen_for_client()

    def _take_client(self, conn: socket.socket, addr: object) -> None:
        if not self._peer_allowed(conn):
            return
        self._stop_accepting()
        with self._write_lock:
            self._set_conn(conn, addr)
        if self._tls is None:
            self._opened()
        # With TLS the client's hello comes first; OPENED follows the handshake.
        self._start_reading()

    def _recv(self, fd: int) -> bytes:
        conn = self._conn
        if conn is None:
            return b""
        if self._fd_pass:
            data, fds = recv_with_fds(conn, READ_CHUNK)
            if fds:
                self._msgfds.arrived(fds)
            return data
        data = conn.recv(READ_CHUNK)
        tls = self._tls
        if tls is None or not data:
            return data
        from qmonitor.chardev.tls import TlsError

        with self._write_lock:
            try:
                plain, opened = tls.receive(data)
            except EOFError:
                return b""
            except TlsError as exc:
                log.debug("%s: TLS error: %s", self.label, exc)  # QEMU says nothing
                with contextlib.suppress(OSError):
                    self._flush_tls()
                raise OSError(str(exc)) from None
            with contextlib.suppress(OSError):
                self._flush_tls()
        if opened:
            self._opened()
        if not plain:
            raise BlockingIOError
        return plain

    def get_msgfd(self) -> int:
        fds = self._msgfds.take(1)
        return fds[0] if fds else -1

    def _opened(self) -> None:
        """Tell the frontend of the new connection (on the handler loop)."""
        with self._write_lock:
            self._opening_thread = threading.get_ident()
        try:
            self.be_event(ChrEvent.OPENED)
        finally:
            with self._write_lock:
                self._connecting = False
                self._opening_thread = None

    def _chr_write(self, data: bytes) -> int:
        if self._connecting and self._opening_thread != threading.get_ident():
            return -1
        return super()._chr_write(data)

    def _send(self, fd: int, data: bytes) -> int:
        conn = self._conn
        if conn is None:
            return -1
        tls = self._tls
        if tls is None:
            if self._greeted:
                return self._send_after_greeting(conn, data)
            return conn.send(data, socket.MSG_NOSIGNAL)
        # Under the write lock.  One write's ciphertext at most waits here:
        # while some does, take no more (the frontend keeps its output).
        if not tls.established or (tls.outgoing and self._flush_tls()):
            raise BlockingIOError
        tls.send(data)
        if self._flush_tls():
            self._want_writable()
        return len(data)

    def _send_after_greeting(self, conn: socket.socket, data: bytes) -> int:
        """Send ``data`` less what the early greeter already sent of it (write lock held)."""
        sent = self._greeted
        n = min(len(sent), len(data))
        if data[:n] != sent[:n]:
            # Not the greeting written early: the monitor's own output wins.
            log.warning("%s: the first output is not the early greeting", self.label)
            self._greeted = b""
            return conn.send(data, socket.MSG_NOSIGNAL)
        self._greeted = sent[n:]
        if n == len(data):
            return n
        try:
            return n + conn.send(data[n:], socket.MSG_NOSIGNAL)
        except BlockingIOError:
            return n

    def _flush_tls(self) -> bool:
        """Write pending ciphertext (write lock held); True if some is left."""
        tls, conn = self._tls, self._conn
        if tls is None or conn is None:
            return False
        out = tls.outgoing
        while out:
            try:
                n = conn.send(out, socket.MSG_NOSIGNAL)
            except (BlockingIOError, InterruptedError):
                return True
            del out[:n]
        return False

    def _want_writable(self) -> None:
        """Have :meth:`_on_writable` run when the socket takes more (any thread)."""
        loop = self.loop
        if loop is None:
            return
        call_on(loop, self._ensure_writer)

    def _ensure_writer(self) -> None:
        wfd = self._wfd
        if self._writer_fd is None and wfd is not None and self.loop is not None:
            self._writer_fd = wfd
            self.loop.add_writer(wfd, self._on_writable)

    def _on_writable(self) -> None:
        if self._tls is not None:
            with self._write_lock:
                try:
                    left = self._flush_tls()
                except OSError:
                    left = False
            if left:
                return  # the writer stays: more ciphertext to go first
        super()._on_writable()

    def _write_failed(self) -> None:
        # As QEMU: when nobody reads, disconnect now; else the reader will
        # see the error or EOF and disconnect properly.
        loop = self.loop
        if loop is not None and not self._reading:
            loop.call_soon_threadsafe(self._disconnect)

    def _on_eof(self) -> None:
        self._disconnect()

    def _disconnect(self) -> None:
        if self._conn is None:
            return
        self._stop_reading()
        with self._write_lock:
            conn, self._conn = self._conn, None
            self._rfd = self._wfd = None
            self._peer = ""
            self._tls = None
            self._connecting = False
            self._greeted = b""
        self._msgfds.clear()
        self._fire_watchers()
        with contextlib.suppress(OSError):
            conn.close()
        self.be_event(ChrEvent.CLOSED)
        if self.is_server:
            self._listen_for_client()
        hook = self.on_disconnect
        if hook is not None:
            call_guarded(log, self.label, "disconnect hook", hook)

    def yank(self) -> None:
        """Cut the connection at once (QEMU's yank): the peer sees it end."""
        conn = self._conn
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def _chr_close(self) -> None:
        self._stop_reading()
        self._stop_accepting()
        self._remove_writer()
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.close()
            self._conn = None
            self._rfd = self._wfd = None
        self._msgfds.clear()
        if self._listener is not None:
            listener, self._listener = self._listener, None
            self._close_listener(listener)

    def _close_listener(self, listener: socket.socket) -> None:
        """Close the listening socket, unlinking its unix path (socket_listen_cleanup).

        QEMU does so for any listening unix socket it closes, an inherited
        one too; an abstract name has no file.
        """
        path = None
        if listener.family == socket.AF_UNIX and not self._keep_socket_file:
            with contextlib.suppress(OSError):
                name = listener.getsockname()
                if isinstance(name, str) and name:
                    path = name
        with contextlib.suppress(OSError):
            listener.close()
        if path is not None:
            with contextlib.suppress(FileNotFoundError):
                try:
                    os.unlink(path)
                except OSError as exc:
                    log.debug("%s: cannot unlink %s: %s", self.label, path, exc.strerror)


def _unix_listen(path: str, mode: int, backlog: int = LISTEN_BACKLOG) -> socket.socket:
    def error(step: str, exc: OSError) -> ChardevError:
        if step == "unlink":
            return ChardevError(f"Failed to unlink socket {path}: {exc.strerror}")
        return ChardevError(f"Failed to bind socket to {path}: {exc.strerror}")

    return unix_listen(path, mode, backlog, error)


def _unix_connect(path: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError as exc:
        sock.close()
        raise ChardevError(f"Failed to connect to '{path}': {exc.strerror}") from None
    return sock


def _resolve(host: str, port: str, family: int, passive: bool) -> list[tuple[int, object]]:
    flags = socket.AI_PASSIVE if passive else 0
    try:
        infos = socket.getaddrinfo(host or None, port, family, socket.SOCK_STREAM, 0, flags)
    except socket.gaierror as exc:
        raise ChardevError(f"address resolution failed for {host}:{port}: {exc.strerror}") from None
    return [(info[0], info[4]) for info in infos]


def _first_address_that_works(
    candidates: list[tuple[int, object]],
    setup: Callable[[socket.socket, object], None],
    failure: str,
) -> socket.socket:
    """Try each resolved address in turn, as QEMU's inet_listen/inet_connect."""
    last: OSError | None = None
    for fam, addr in candidates:
        sock = socket.socket(fam, socket.SOCK_STREAM)
        try:
            setup(sock, addr)
        except OSError as exc:
            sock.close()
            last = exc
            continue
        return sock
    reason = f": {last.strerror}" if last is not None else ""
    raise ChardevError(failure + reason)


def _inet_listen(host: str, port: str, family: int, backlog: int = LISTEN_BACKLOG) -> socket.socket:
    def setup(sock: socket.socket, addr: object) -> None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if sock.family == socket.AF_INET6:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind(addr)  # type: ignore[arg-type]
        sock.listen(backlog)

    candidates = _resolve(host, port, family, passive=True)
    return _first_address_that_works(candidates, setup, "Failed to find an available port")


def _inet_connect(host: str, port: str) -> socket.socket:
    def setup(sock: socket.socket, addr: object) -> None:
        sock.connect(addr)  # type: ignore[arg-type]

    candidates = _resolve(host, port, socket.AF_UNSPEC, passive=False)
    return _first_address_that_works(candidates, setup, f"Failed to connect to '{host}:{port}'")


#: Signals that end QEMU while it blocks for its first client.
_TERMINATING_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


@contextlib.contextmanager
def _signals_end_process() -> Iterator[None]:
    """While blocking for a first client, a signal ends the process at once.

    So it does QEMU's (killed by the signal, nothing printed, the socket
    file left); the main loop that would handle it is not running yet.
    Signals set to be ignored stay ignored.  Only in the main thread,
    where handlers can be changed.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    handlers = [(signum, signal.getsignal(signum)) for signum in _TERMINATING_SIGNALS]
    saved = [(signum, handler) for signum, handler in handlers if handler is not signal.SIG_IGN]
    for signum, _handler in saved:
        signal.signal(signum, signal.SIG_DFL)
    try:
        # The command's signal watcher (qmonitor.util.sigwatch) passes them on.
        with unwatched():
            yield
    finally:
        for signum, handler in saved:
            signal.signal(signum, handler)


def _socket_from_fd(fd: int | None, name: str) -> socket.socket:
    """Take over an inherited socket (socket_get_fd); QEMU's text if it is none."""
    if fd is None or fd < 0:
        raise ChardevError(FD_NOT_SOCKET.format(name))
    try:
        return socket.socket(fileno=fd)
    except OSError:
        raise ChardevError(FD_NOT_SOCKET.format(name)) from None


def _fd_listen(fd: int, name: str, backlog: int) -> socket.socket:
    """Make an inherited socket listen (QEMU does even when it already does:
    that only sets the backlog); a connected or unbound one cannot."""
    sock = _socket_from_fd(fd, name)
    try:
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        raise ChardevError(FD_LISTEN_FAILED.format(exc.strerror)) from None
    return sock


def _unix_name(name: object) -> str:
    """A unix socket's name as C prints ``sun_path`` (an abstract one is empty)."""
    if isinstance(name, bytes):
        return "" if name[:1] == b"\0" else name.decode("utf-8", "surrogateescape")
    return str(name)


def _local_address(sock: socket.socket) -> dict[str, object]:
    """A listening socket's own address as a QAPI SocketAddress (socket_local_address)."""
    name = sock.getsockname()
    if sock.family == socket.AF_UNIX:
        if isinstance(name, bytes) and name[:1] == b"\0":
            return {
                "type": "unix",
                "path": name[1:].decode("utf-8", "surrogateescape"),
                "abstract": True,
                "tight": len(name) < UNIX_PATH_MAX,
            }
        return {"type": "unix", "path": _unix_name(name)}
    host, port = name[0], name[1]
    version = "ipv6" if sock.family == socket.AF_INET6 else "ipv4"
    return {"type": "inet", "host": str(host), "port": str(port), version: True}


def _describe(addr: dict[str, object]) -> str:
    """A SocketAddress as char-socket.c prints it (no brackets around IPv6)."""
    if addr["type"] == "unix":
        extra = ""
        if addr.get("abstract"):
            extra = ",abstract=on" + (",tight=on" if addr.get("tight") else "")
        return f"unix:{addr['path']}{extra}"
    return f"tcp:{addr['host']}:{addr['port']}"


def _peer_of(conn: socket.socket) -> object:
    try:
        return conn.getpeername()
    except OSError:
        return None
