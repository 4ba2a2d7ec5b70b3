"""``-daemonize`` and ``-pidfile``, as QEMU 7.2's os-posix.c and util/oslib-posix.c do them.

:func:`daemonize` forks before anything is opened.  The parent waits on a
pipe and exits 0 only when the daemon writes one zero byte to it, which
:meth:`Daemon.ready` does once every chardev and monitor is up (QEMU's
``os_setup_post``); if the daemon dies first, the parent exits 1.  The
daemon leaves the session (``setsid`` and a second fork), uses umask 027,
and when ready changes to ``/`` and puts ``/dev/null`` on its standard
streams.  :func:`write_pidfile` creates, locks and fills the pidfile as
``qemu_write_pidfile`` does; the pidfile is removed at exit.
"""

from __future__ import annotations

import contextlib
import fcntl
import os

from qmonitor.errors import QmonitorError

#: The texts of qemu_write_pidfile() (util/oslib-posix.c) and qemu_maybe_daemonize().
PIDFILE_PREFIX = "cannot create PID file: "
#: os_setup_post (os-posix.c): -chroot's directory could not be entered.
CHROOT_FAILED = "chroot failed"


def chroot_possible(path: str) -> bool:
    """Whether chroot(``path``) would succeed: a directory, and the privilege to do it.

    qmonitor does not enter it (its own modules and the monitors' paths
    stay where they are); only QEMU's failure is reproduced.
    """
    return os.path.isdir(path) and os.geteuid() == 0


COULD_NOT_CREATE = "Could not create '{}'"
CANNOT_LOCK = "Cannot lock pid file"
CANNOT_STAT = "Cannot stat file"


class PidfileError(QmonitorError):
    """The pidfile could not be written; the message is QEMU's."""


class Daemon:
    """The daemon side of :func:`daemonize`: tell the waiting parent we are ready."""

    def __init__(self, pipe_fd: int) -> None:
        self._pipe_fd: int | None = pipe_fd

    def ready(self) -> None:
        """os_setup_post(): chdir to ``/``, release the parent, detach from the terminal."""
        if self._pipe_fd is None:
            return
        with contextlib.suppress(OSError):
            os.chdir("/")
        null = os.open(os.devnull, os.O_RDWR)
        with contextlib.suppress(OSError):
            os.write(self._pipe_fd, b"\0")
        os.close(self._pipe_fd)
        self._pipe_fd = None
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.close(null)


def daemonize() -> Daemon:
    """os_daemonize(): fork; the parent never returns (it exits with the daemon's verdict).

    Call it before any thread or event loop exists.
    """
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid > 0:
        os.close(write_fd)
        status = b""
        while True:
            try:
                status = os.read(read_fd, 1)
            except InterruptedError:
                continue
            break
        os._exit(0 if status == b"\0" else 1)
    os.close(read_fd)
    os.setsid()
    pid = os.fork()
    if pid > 0:
        os._exit(0)
    os.umask(0o027)
    return Daemon(write_fd)


def write_pidfile(path: str) -> int:
    """qemu_write_pidfile(): create, lock and fill ``path``; returns the locked fd.

    :raises PidfileError: with QEMU's text (without the ``cannot create PID
        file:`` prefix, which :data:`PIDFILE_PREFIX` holds).
    """
    while True:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        except OSError as exc:
            raise PidfileError(f"{COULD_NOT_CREATE.format(path)}: {exc.strerror}") from None
        try:
            before = os.fstat(fd)
        except OSError as exc:
            os.close(fd)
            raise PidfileError(f"{CANNOT_STAT}: {exc.strerror}") from None
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            raise PidfileError(f"{CANNOT_LOCK}: {exc.strerror}") from None
        try:
            after = os.stat(path)
        except OSError:
            os.close(fd)  # removed meanwhile: someone else raced us, try again
            continue
        if after.st_ino == before.st_ino:
            break
        os.close(fd)
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def remove_pidfile(path: str, fd: int) -> None:
    """Unlink the pidfile at exit (QEMU's qemu_unlink_pidfile notifier)."""
    with contextlib.suppress(OSError):
        os.unlink(path)
    with contextlib.suppress(OSError):
        os.close(fd)
