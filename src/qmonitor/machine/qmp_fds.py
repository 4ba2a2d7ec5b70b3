"""``getfd``, ``closefd``, ``add-fd``, ``remove-fd``, ``query-fdsets`` and ``-add-fd``.

The commands of QEMU 7.2's monitor/misc.c over :mod:`qmonitor.monitor.fds`:
a command takes the descriptor its client sent with it from the monitor's
chardev (only a unix socket carries any).  The fd sets are the machine's
(its monitor registry's); their members are closed only while the machine
runs, so the set's rules follow its run state.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from typing import TYPE_CHECKING, Any

from qmonitor.machine.runstate import RunState
from qmonitor.machine.schema import machine_schema
from qmonitor.monitor.fds import NO_FD_SUPPLIED, FdSets
from qmonitor.monitor.monitor import Monitor, current_monitor
from qmonitor.qapi.binding import bind_command
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine

# -add-fd's texts (softmmu/vl.c, parse_add_fd).
ADD_FD_FD_REQUIRED = "fd option is required and must be non-negative"
ADD_FD_STDIO = "fd cannot be a standard I/O stream"
ADD_FD_IN_USE = "fd is not valid or already in use"
ADD_FD_SET_REQUIRED = "set option is required and must be non-negative"
ADD_FD_DUP_FAILED = "error duplicating fd: {}"


def _monitor() -> Monitor:
    mon = current_monitor()
    assert mon is not None, "a monitor command runs with its monitor current"
    return mon


def getfd(fdname: str) -> None:
    """qmp_getfd: name the descriptor sent with the command."""
    mon = _monitor()
    mon.fds.getfd(fdname, mon.get_msgfd())


def closefd(fdname: str) -> None:
    """qmp_closefd."""
    _monitor().fds.closefd(fdname)


def register_fd_commands(machine: Machine) -> None:
    """Register the fd commands and make the fd sets follow the run state."""
    fdsets = machine.registry.fdsets
    fdsets.running = lambda: machine.runstate is RunState.RUNNING
    schema = machine_schema()
    full = machine.commands.full

    def add_fd(fdset_id: int | None = None, opaque: str | None = None) -> dict[str, Any]:
        fd = _monitor().get_msgfd()
        if fd == -1:
            raise QapiError(NO_FD_SUPPLIED)
        try:
            return fdsets.add_fd(fd, fdset_id, opaque)
        except QapiError:
            with contextlib.suppress(OSError):
                os.close(fd)
            raise

    def remove_fd(fdset_id: int, fd: int | None = None) -> None:
        fdsets.remove_fd(fdset_id, fd)

    def query_fdsets() -> list[dict[str, Any]]:
        return fdsets.query()

    for name, handler in (
        ("getfd", getfd),
        ("closefd", closefd),
        ("add-fd", add_fd),
        ("remove-fd", remove_fd),
    ):
        full.register(bind_command(schema, name, handler))
    full.register(bind_command(schema, "query-fdsets", query_fdsets, any_thread=True))


def _c_int(value: int, bits: int) -> int:
    """A number as C keeps it in a signed integer of ``bits`` (QemuOpts numbers are uint64)."""
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def dup_add_fd_option(fd: int, fdset_id: int) -> int:
    """Check one ``-add-fd`` and duplicate its descriptor close-on-exec (``parse_add_fd``).

    ``fd`` and ``fdset_id`` as QemuOpts read them (-1 when absent).
    Raises :class:`QapiError` with QEMU's text.
    """
    fd = _c_int(fd, 32)
    fdset_id = _c_int(fdset_id, 64)
    if fd < 0:
        raise QapiError(ADD_FD_FD_REQUIRED)
    if fd <= 2:
        raise QapiError(ADD_FD_STDIO)
    try:
        flags = fcntl.fcntl(fd, fcntl.F_GETFD)
    except OSError:
        flags = -1
    if flags == -1 or flags & fcntl.FD_CLOEXEC:
        raise QapiError(ADD_FD_IN_USE)
    if fdset_id < 0:
        raise QapiError(ADD_FD_SET_REQUIRED)
    try:
        return fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 0)
    except OSError as exc:
        raise QapiError(ADD_FD_DUP_FAILED.format(exc.strerror)) from None


def add_fd_options(fdsets: FdSets, added: tuple[tuple[int, int, str | None], ...]) -> None:
    """Put the duplicates ``-add-fd`` made into the fd sets."""
    for fd, fdset_id, opaque in added:
        fdsets.add_fd(fd, _c_int(fdset_id, 64), opaque)


def close_add_fd_options(fds: list[int]) -> None:
    """Close the descriptors ``-add-fd`` named (``cleanup_add_fd``): the sets hold copies."""
    for fd in fds:
        with contextlib.suppress(OSError, OverflowError):
            os.close(_c_int(fd, 32))
