"""The early greeter: QMP sockets that greet before the machine is built.

Importing the command-line parser, asyncio and the machine takes a Python
process far longer than QEMU takes to reach its main loop; a client that
connects meanwhile would wait for its greeting.  For the plainest command
lines (``-qmp unix:PATH,server=on,wait=off`` and ``-display none``, with only
options that cannot fail beside them), this module binds the QMP sockets at once, before anything
heavy is imported, and a thread of its own accepts one client per socket
(QEMU's socket chardev serves one at a time) and writes it the greeting.
Start-up then hands each listener, with its client if one came, to the
socket chardev (:class:`~qmonitor.chardev.socket.SocketChardev`'s
``listener``/``greeted``), which swallows the greeting when the monitor
writes it.  Whatever the client sent meanwhile waits in the socket, in order.

Anything outside that narrow set of command lines takes the ordinary road,
so every error, warning and help text stays the parser's.  This module
imports nothing heavy: only the standard library's socket, select, signal
and threading, :mod:`qmonitor.version` and :mod:`qmonitor.util.unixsock`.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import threading
from collections.abc import Sequence

from qmonitor.util.unixsock import unix_listen
from qmonitor.version import DEFAULT_QEMU_VERSION, PACKAGE

#: Options that take no argument and cannot fail, alone or beside the others here.
_FLAGS = frozenset({"-nodefaults", "-S", "-no-user-config", "-no-shutdown"})
#: Options with an argument, and the arguments taken here.
_VALUES = {"-M": {"none", "pc", "q35"}, "-machine": {"none", "pc", "q35"}, "-display": {"none"}}
_QMP_PREFIX = "unix:"
_QMP_SUFFIX = ",server=on,wait=off"
#: The listen backlog of QEMU's socket chardev.
_BACKLOG = 1
#: What start-up's signal watcher takes (qmonitor.util.sigwatch, not imported here).
_TERMINATION_SIGNALS = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP}
#: A unix socket file's mode as the socket chardev makes it.
_UNIX_MODE = 0o600


def greeting_bytes(
    version: tuple[int, int, int] = DEFAULT_QEMU_VERSION, package: str = PACKAGE
) -> bytes:
    """The greeting a QMP monitor on a socket writes, as the monitor encodes it.

    ``package`` is printable ASCII (:func:`early_plan` sees to it): only
    ``"`` and ``\\`` need escaping there.
    """
    major, minor, micro = version
    text = package.replace("\\", "\\\\").replace('"', '\\"')
    return (
        f'{{"QMP": {{"version": {{"qemu": {{"micro": {micro}, "minor": {minor}, '
        f'"major": {major}}}, "package": "{text}"}}, "capabilities": ["oob"]}}}}\r\n'
    ).encode()


class EarlyPlan:
    """What the early greeter serves: the QMP socket paths and the version it greets with."""

    __slots__ = ("package", "paths", "version")

    def __init__(self, paths: list[str], version: tuple[int, int, int], package: str) -> None:
        self.paths = paths
        self.version = version
        self.package = package


def _version(text: str) -> tuple[int, int, int] | None:
    """``-qmonitor-version MAJOR.MINOR.MICRO`` as the parser reads it; None if it refuses it."""
    parts = text.split(".")
    if len(parts) != 3 or not all(p and all(c in "0123456789" for c in p) for p in parts):
        return None
    return int(parts[0]), int(parts[1]), int(parts[2])


def early_plan(args: Sequence[str]) -> EarlyPlan | None:
    """What a command line the early greeter may serve asks for; None if it is not one."""
    paths: list[str] = []
    version, package = DEFAULT_QEMU_VERSION, PACKAGE
    # Without -display none, QEMU picks GTK, which may fail once the machine is made.
    headless = False
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in _FLAGS:
            i += 1
            continue
        if i + 1 >= len(args):
            return None
        value = args[i + 1]
        if arg == "-qmp":
            if not (value.startswith(_QMP_PREFIX) and value.endswith(_QMP_SUFFIX)):
                return None
            path = value[len(_QMP_PREFIX) : -len(_QMP_SUFFIX)]
            if not path or "," in path or "=" in path or path in paths:
                return None
            paths.append(path)
        elif arg == "-qmonitor-version":
            parsed = _version(value)
            if parsed is None:
                return None
            version = parsed
        elif arg == "-qmonitor-package":
            if not all(" " <= c <= "~" for c in value):
                return None
            package = value
        elif value not in _VALUES.get(arg, ()):
            return None
        headless = headless or arg == "-display"
        i += 2
    return EarlyPlan(paths, version, package) if paths and headless else None


class EarlySocket:
    """One QMP socket bound early, and the client it greeted (if one came)."""

    __slots__ = ("conn", "listener", "path")

    def __init__(self, path: str, listener: socket.socket) -> None:
        self.path = path
        self.listener = listener
        self.conn: socket.socket | None = None


class EarlyGreeter:
    """Binds the sockets at once and greets their first clients until :meth:`stop`."""

    def __init__(
        self,
        paths: Sequence[str],
        version: tuple[int, int, int] = DEFAULT_QEMU_VERSION,
        package: str = PACKAGE,
    ) -> None:
        self.greeting = greeting_bytes(version, package)
        self.sockets: dict[str, EarlySocket] = {}
        self._wake_r, self._wake_w = os.pipe()
        self._thread: threading.Thread | None = None
        try:
            for path in paths:
                self.sockets[path] = EarlySocket(path, _listen(path))
        except OSError:
            self.abandon()
            raise

    def start(self) -> None:
        """Start the accepting thread (with the termination signals blocked, as they are)."""
        self._thread = threading.Thread(target=self._serve, name="early-greeter", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        poller = select.poll()
        poller.register(self._wake_r, select.POLLIN)
        by_fd = {s.listener.fileno(): s for s in self.sockets.values()}
        for fd in by_fd:
            poller.register(fd, select.POLLIN)
        while by_fd:
            for fd, _ in poller.poll():
                if fd == self._wake_r:
                    return
                early = by_fd.pop(fd)
                poller.unregister(fd)
                try:
                    conn, _addr = early.listener.accept()
                except OSError:
                    by_fd[fd] = early
                    poller.register(fd, select.POLLIN)
                    continue
                # A client gone already: the chardev sees the end and listens again.
                with contextlib.suppress(OSError):
                    conn.sendall(self.greeting)
                early.conn = conn
        # Every socket has its client: nothing more to do until stop().

    def stop(self) -> None:
        """Stop accepting; the sockets stay for :meth:`take`."""
        if self._thread is not None:
            with contextlib.suppress(OSError):
                os.write(self._wake_w, b"x")
            self._thread.join()
            self._thread = None
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._wake_r = self._wake_w = -1

    def take(self, path: str) -> EarlySocket | None:
        """The early socket bound at ``path``, now the caller's."""
        return self.sockets.pop(path, None)

    def abandon(self) -> None:
        """Close what was not taken and remove its socket files (the ordinary road binds anew)."""
        self.stop()
        for early in self.sockets.values():
            if early.conn is not None:
                early.conn.close()
            early.listener.close()
            with contextlib.suppress(OSError):
                os.unlink(early.path)
        self.sockets.clear()


def _listen(path: str) -> socket.socket:
    """A unix stream listener at ``path``, made as the socket chardev makes one."""
    return unix_listen(path, _UNIX_MODE, _BACKLOG, lambda step, exc: exc)


def start_early_greeter(args: Sequence[str]) -> EarlyGreeter | None:
    """Greet early on this command line's QMP sockets if it is one of the plain ones.

    ``QMONITOR_NO_EARLY_GREETER`` in the environment turns it off.  Any
    failure to bind leaves the sockets to the ordinary road, which reports
    the error as QEMU does.
    """
    if os.environ.get("QMONITOR_NO_EARLY_GREETER"):
        return None
    plan = early_plan(args)
    if plan is None:
        return None
    # Blocked before the sockets exist, in this thread and so in the
    # greeter's, and left blocked: a signal that comes from now on stays
    # pending until start-up's signal watcher
    # (:class:`~qmonitor.util.sigwatch.SignalWatcher`, which blocks them
    # anyway) takes it, sender and all, and shuts the machine down, as QEMU
    # does with a signal that comes as soon as its sockets exist (it sets up
    # its signal handling before its chardevs).
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _TERMINATION_SIGNALS)
    try:
        greeter = EarlyGreeter(plan.paths, plan.version, plan.package)
    except OSError:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
        return None
    greeter.start()
    return greeter
