"""Descriptors handed to the monitor: each monitor's named fds and the fd sets.

QEMU 7.2 keeps both in monitor/misc.c.  ``getfd`` names a descriptor the
client sent with SCM_RIGHTS in the table of the monitor that received it
(:class:`MonitorFds`); it stays there, across the client's connections,
until ``closefd`` or a command that takes it by name.  ``add-fd`` (and
``-add-fd``) put descriptors into the fd sets shared by all monitors
(:class:`FdSets`), from which ``/dev/fdset/N`` is opened by duplicating a
member of the right access mode (:meth:`FdSets.qemu_open`).

A set's rules, as QEMU's ``monitor_fdset_cleanup``: while the machine
runs, a member is closed once it was removed (``remove-fd``), or once no
monitor has a client (``mon_refcount`` is 0) and nothing duplicated from
the set is open; a set with no member and no open duplicate is freed.
The check runs when a monitor's client leaves, after ``remove-fd`` and
when the last open duplicate of a set is closed.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from qmonitor.qapi.error import QapiError
from qmonitor.util.texts import INVALID_PARAMETER_VALUE

# Texts of QEMU 7.2 (monitor/misc.c, util/osdep.c).
NO_FD_SUPPLIED = "No file descriptor supplied via SCM_RIGHTS"
FD_NOT_FOUND = "File descriptor named '{}' not found"
FD_NOT_FOUND_BY_NAME = "File descriptor named '{}' has not been found"
INVALID_FD_NUMBER = "Invalid file descriptor number '{}'"
FDNAME_DIGIT = "a name not starting with a digit"
FDSET_ID_NEGATIVE = "a non-negative value"
FDSET_UNPARSABLE = "Could not parse fdset {}"
FDSET_NO_DUP = "Could not dup FD for {} flags {:x}"
FDSET_PREFIX = "/dev/fdset/"

_INT_MAX = (1 << 31) - 1


def parse_fd(text: str) -> int:
    """A descriptor number as ``qemu_parse_fd`` reads it: -1 when it is none.

    ``strtol`` base 10 (leading blanks and a sign allowed), the whole
    text, 0 to INT_MAX.
    """
    body = text.lstrip(" \t\n\v\f\r")
    digits = body[1:] if body[:1] in ("+", "-") else body
    if not digits or not digits.isascii() or not digits.isdigit():
        return -1
    value = int(body)
    if value < 0 or value > _INT_MAX:
        return -1
    return value


def _close(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)


class MonitorFds:
    """One monitor's descriptors by name (``mon->fds``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fds: dict[str, int] = {}

    def getfd(self, fdname: str, fd: int) -> None:
        """Name a received descriptor (``qmp_getfd`` once it has one).

        ``fd`` is -1 when none was received.  A name already in use gets
        the new descriptor and its old one is closed; a name starting with
        a digit is refused and the descriptor closed.
        """
        if fd == -1:
            raise QapiError(NO_FD_SUPPLIED)
        if fdname[:1].isascii() and fdname[:1].isdigit():
            _close(fd)
            raise QapiError(INVALID_PARAMETER_VALUE.format("fdname", FDNAME_DIGIT))
        with self._lock:
            old = self._fds.get(fdname)
            self._fds[fdname] = fd
        if old is not None:
            _close(old)

    def closefd(self, fdname: str) -> None:
        """Close a named descriptor (``qmp_closefd``)."""
        with self._lock:
            fd = self._fds.pop(fdname, None)
        if fd is None:
            raise QapiError(FD_NOT_FOUND.format(fdname))
        _close(fd)

    def take(self, fdname: str) -> int:
        """Hand a named descriptor to its user, who owns it now (``monitor_get_fd``)."""
        with self._lock:
            fd = self._fds.pop(fdname, None)
        if fd is None:
            raise QapiError(FD_NOT_FOUND_BY_NAME.format(fdname))
        return fd

    def names(self) -> list[str]:
        with self._lock:
            return list(self._fds)

    def close_all(self) -> None:
        """Close every named descriptor (not done by QEMU: for embedders' teardown)."""
        with self._lock:
            fds, self._fds = list(self._fds.values()), {}
        for fd in fds:
            _close(fd)


def fd_param(fds: MonitorFds | None, fdname: str) -> int:
    """A descriptor by name or number (``monitor_fd_param``); the caller owns it."""
    if fds is not None and not (fdname[:1].isascii() and fdname[:1].isdigit()):
        return fds.take(fdname)
    fd = parse_fd(fdname)
    if fd == -1:
        raise QapiError(INVALID_FD_NUMBER.format(fdname))
    return fd


@dataclass(slots=True)
class _Member:
    fd: int
    opaque: str | None = None
    removed: bool = False


@dataclass(slots=True)
class _FdSet:
    id: int
    #: Newest first, as QEMU inserts at the head.
    fds: list[_Member] = field(default_factory=list)
    #: Descriptors duplicated from the set and still open.
    dup_fds: list[int] = field(default_factory=list)


class FdSets:
    """The fd sets all monitors share (``mon_fdsets``) and ``mon_refcount``.

    :param running: whether the machine runs (``runstate_is_running``):
        members are closed only then.
    """

    def __init__(self, running: Callable[[], bool] | None = None) -> None:
        self._lock = threading.RLock()
        #: Ordered by id.
        self._sets: list[_FdSet] = []
        self.running: Callable[[], bool] = running or (lambda: True)
        #: Monitors whose client is connected (``mon_refcount``).
        self.refcount = 0

    # -- monitors come and go -------------------------------------------

    def monitor_opened(self) -> None:
        with self._lock:
            self.refcount += 1

    def monitor_closed(self) -> None:
        """A monitor's client left: count it and tidy every set."""
        with self._lock:
            self.refcount -= 1
            self.cleanup_all()

    # -- add-fd, remove-fd, query-fdsets --------------------------------------

    def add_fd(
        self, fd: int, fdset_id: int | None = None, opaque: str | None = None
    ) -> dict[str, int]:
        """Put ``fd`` into a set (``monitor_fdset_add_fd``): AddfdInfo.

        Without ``fdset_id`` a new set gets the lowest free id.  On error
        the caller still owns ``fd``.
        """
        with self._lock:
            fdset = None
            if fdset_id is not None:
                fdset = next((s for s in self._sets if s.id == fdset_id), None)
            if fdset is None:
                if fdset_id is not None and fdset_id < 0:
                    raise QapiError(INVALID_PARAMETER_VALUE.format("fdset-id", FDSET_ID_NEGATIVE))
                if fdset_id is None:
                    fdset_id = 0
                    for s in self._sets:
                        if s.id != fdset_id:
                            break
                        fdset_id += 1
                fdset = _FdSet(fdset_id)
                pos = next(
                    (i for i, s in enumerate(self._sets) if s.id > fdset_id), len(self._sets)
                )
                self._sets.insert(pos, fdset)
            fdset.fds.insert(0, _Member(fd, opaque))
            return {"fdset-id": fdset.id, "fd": fd}

    def remove_fd(self, fdset_id: int, fd: int | None = None) -> None:
        """Mark one member, or all, removed, then tidy the set (``qmp_remove_fd``)."""
        with self._lock:
            for fdset in self._sets:
                if fdset.id != fdset_id:
                    continue
                if fd is None:
                    for member in fdset.fds:
                        member.removed = True
                else:
                    member_found = next((m for m in fdset.fds if m.fd == fd), None)
                    if member_found is None:
                        break
                    member_found.removed = True
                self._cleanup(fdset)
                return
        what = f"fdset-id:{fdset_id}" if fd is None else f"fdset-id:{fdset_id}, fd:{fd}"
        raise QapiError(FD_NOT_FOUND.format(what))

    def query(self) -> list[dict[str, Any]]:
        """query-fdsets: the sets from the highest id, their members oldest first."""
        with self._lock:
            out = []
            for fdset in reversed(self._sets):
                fds = []
                for member in reversed(fdset.fds):
                    info: dict[str, Any] = {"fd": member.fd}
                    if member.opaque is not None:
                        info["opaque"] = member.opaque
                    fds.append(info)
                out.append({"fdset-id": fdset.id, "fds": fds})
            return out

    def cleanup_all(self) -> None:
        """Tidy every set (``monitor_fdsets_cleanup``)."""
        with self._lock:
            for fdset in list(self._sets):
                self._cleanup(fdset)

    def _cleanup(self, fdset: _FdSet) -> None:
        running = self.running()
        keep = []
        for member in fdset.fds:
            if running and (member.removed or (not fdset.dup_fds and self.refcount == 0)):
                _close(member.fd)
            else:
                keep.append(member)
        fdset.fds = keep
        if not fdset.fds and not fdset.dup_fds:
            self._sets.remove(fdset)

    # -- /dev/fdset/N ---------------------------------------------------------

    def dup_fd_add(self, fdset_id: int, flags: int) -> int:
        """Duplicate a member whose access mode is ``flags``'s (``monitor_fdset_dup_fd_add``).

        Raises OSError: ENOENT without such a set, EACCES without such a
        member, else what duplicating or setting the flags failed with.
        """
        with self._lock:
            fdset = next((s for s in self._sets if s.id == fdset_id), None)
            if fdset is None:
                raise OSError(errno.ENOENT, os.strerror(errno.ENOENT))
            src = -1
            for member in fdset.fds:
                mode = fcntl.fcntl(member.fd, fcntl.F_GETFL)
                if (flags & os.O_ACCMODE) == (mode & os.O_ACCMODE):
                    src = member.fd
                    break
            if src == -1:
                raise OSError(errno.EACCES, os.strerror(errno.EACCES))
            dup = _dup_flags(src, flags)
            fdset.dup_fds.insert(0, dup)
            return dup

    def dup_fd_find(self, fd: int) -> int:
        """The set ``fd`` was duplicated from, or -1 (``monitor_fdset_dup_fd_find``)."""
        with self._lock:
            for fdset in self._sets:
                if fd in fdset.dup_fds:
                    return fdset.id
        return -1

    def dup_fd_remove(self, fd: int) -> None:
        """A duplicate was closed; the last one of a set lets it be tidied."""
        with self._lock:
            for fdset in self._sets:
                if fd in fdset.dup_fds:
                    fdset.dup_fds.remove(fd)
                    if not fdset.dup_fds:
                        self._cleanup(fdset)
                    return

    def qemu_open(self, name: str, flags: int, mode: int = 0o666) -> int:
        """Open a path as QEMU's ``qemu_open``/``qemu_create``; ``/dev/fdset/N`` from the sets.

        The descriptor is close-on-exec.  Raises :class:`QapiError` with
        QEMU's text (the errno text appended as ``error_setg_errno`` does).
        """
        if name.startswith(FDSET_PREFIX):
            fdset_id = parse_fd(name[len(FDSET_PREFIX) :])
            if fdset_id == -1:
                raise QapiError(FDSET_UNPARSABLE.format(name))
            try:
                return self.dup_fd_add(fdset_id, flags)
            except OSError as exc:
                text = FDSET_NO_DUP.format(name, flags)
                raise QapiError(f"{text}: {os.strerror(exc.errno or 0)}") from None
        try:
            return os.open(name, flags | os.O_CLOEXEC, mode)
        except OSError as exc:
            action = "create" if flags & os.O_CREAT else "open"
            raise QapiError(f"Could not {action} '{name}': {exc.strerror}") from None

    def qemu_close(self, fd: int) -> None:
        """Close a descriptor, telling its set when it was a duplicate (``qemu_close``)."""
        if self.dup_fd_find(fd) != -1:
            os.close(fd)
            self.dup_fd_remove(fd)
            return
        os.close(fd)


def _dup_flags(fd: int, flags: int) -> int:
    """Duplicate with ``flags`` as ``qemu_dup_flags`` (O_SYNC must agree; may truncate)."""
    dup = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 0)
    try:
        dup_flags = fcntl.fcntl(dup, fcntl.F_GETFL)
        if (flags & os.O_SYNC) != (dup_flags & os.O_SYNC):
            raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))
        fcntl.fcntl(dup, fcntl.F_SETFL, flags)
        if flags & os.O_TRUNC or (flags & (os.O_CREAT | os.O_EXCL)) == (os.O_CREAT | os.O_EXCL):
            os.ftruncate(dup, 0)
    except BaseException:
        _close(dup)
        raise
    return dup
