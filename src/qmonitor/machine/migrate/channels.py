"""Opening a migration's channel: sockets, fds passed with getfd, shell commands.

Blocking calls (connect, accept) are made from the migration threads,
never from the main loop.  Error texts are QEMU 7.2's
(util/qemu-sockets.c, migration/socket.c, monitor/fds.c).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import socket
from typing import TYPE_CHECKING, Any

from qmonitor.machine.migrate.uri import MigrationUri
from qmonitor.monitor.fds import fd_param
from qmonitor.monitor.monitor import current_monitor
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    import asyncio
    import subprocess
    from collections.abc import Callable

CONNECT_FAILED = "Failed to connect to '{}': {}"
BIND_UNIX = "Failed to bind socket to {}: {}"
NO_PORT = "Failed to find an available port: {}"
#: QEMU's listen backlog for incoming migration (socket_start_incoming_migration).
BACKLOG = 1


def connect_socket(uri: MigrationUri, address: str) -> socket.socket:
    """Connect to a ``tcp:`` or ``unix:`` destination (blocking; from a thread)."""
    try:
        if uri.kind == "unix":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            target: Any = uri.target
        else:
            infos = socket.getaddrinfo(uri.target, uri.port, type=socket.SOCK_STREAM)
            family, _, _, _, target = infos[0]
            sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError as exc:
        raise QapiError(CONNECT_FAILED.format(address, exc.strerror)) from None
    try:
        sock.connect(target)
    except OSError as exc:
        sock.close()
        raise QapiError(CONNECT_FAILED.format(address, exc.strerror)) from None
    return sock


def listen_socket(uri: MigrationUri) -> socket.socket:
    """Listen for a source on ``tcp:`` or ``unix:`` (QEMU's errors)."""
    if uri.kind == "unix":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        with contextlib.suppress(OSError):
            os.unlink(uri.target)
        try:
            sock.bind(uri.target)
            sock.listen(BACKLOG)
        except OSError as exc:
            sock.close()
            raise QapiError(BIND_UNIX.format(uri.target, exc.strerror)) from None
        return sock
    try:
        infos = socket.getaddrinfo(uri.target or None, uri.port, type=socket.SOCK_STREAM)
        family, _, _, _, target = infos[0]
        sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError as exc:
        raise QapiError(NO_PORT.format(exc.strerror)) from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(target)
        sock.listen(BACKLOG)
    except OSError as exc:
        sock.close()
        raise QapiError(NO_PORT.format(exc.strerror)) from None
    return sock


def monitor_fd_param(name: str) -> int:
    """monitor_fd_param: a descriptor named with getfd on this monitor, or a number.

    Outside a monitor (``-incoming fd:N``) only a number will do.
    """
    mon = current_monitor()
    return fd_param(mon.fds if mon is not None else None, name)


def exec_process(command: str, *, write: bool) -> subprocess.Popen[bytes]:
    """``/bin/sh -c COMMAND`` with its stdin (source) or stdout (destination) ours."""
    import subprocess  # exec: migrations only (start-up time)

    try:
        if write:
            return subprocess.Popen(["/bin/sh", "-c", command], stdin=subprocess.PIPE)
        return subprocess.Popen(
            ["/bin/sh", "-c", command], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE
        )
    except OSError as exc:
        raise QapiError(f"Unable to start '{command}': {exc.strerror}") from None


def run_on_loop(loop: asyncio.AbstractEventLoop, func: Callable[[], Any]) -> Any:
    """Run ``func`` on the main loop from a migration thread and wait for it (QEMU takes the BQL).

    :raises SystemExit: the loop is gone, and so is the machine: the thread ends.
    """
    done: concurrent.futures.Future[Any] = concurrent.futures.Future()

    def call() -> None:
        try:
            done.set_result(func())
        except BaseException as exc:  # handed to the thread
            done.set_exception(exc)

    try:
        loop.call_soon_threadsafe(call)
    except RuntimeError:  # the main loop is gone: so is the machine
        raise SystemExit from None
    return done.result()
