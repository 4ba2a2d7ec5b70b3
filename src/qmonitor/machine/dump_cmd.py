"""dump-guest-memory and query-dump: QEMU 7.2's checks, files and events.

QEMU checks the arguments, opens the output (``fd:NAME`` named with
``getfd`` on the monitor, or ``file:PATH`` created read-only for its
owner), stops a running VM (STOP), writes the dump, raises
DUMP_COMPLETED with the figures ``query-dump`` reports and resumes the
VM (RESUME).  With ``detach`` the writing happens in a thread of its own
and the command returns at once; ``query-dump`` follows its progress and
a second dump is refused meanwhile.  The ``elf`` file is QEMU's byte for
byte (:mod:`qmonitor.machine.dump`); ``win-dmp`` fails as it does on a
guest without a vmcoreinfo note; ``kdump-zlib`` is QEMU's flattened kdump
file byte for byte (:mod:`qmonitor.machine.dump.kdump`); ``kdump-lzo`` and
``kdump-snappy`` are not in Debian's build.  A ``-M none`` machine has no guest memory: the
dump fails with QEMU's text.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from qmonitor.machine.dump.elf import elf_chunks
from qmonitor.machine.dump.kdump import kdump_chunks
from qmonitor.machine.dump.layout import filter_blocks, guest_blocks, range_touches_blocks
from qmonitor.machine.dump.notes import cpu_notes
from qmonitor.machine.migration import MigrationState
from qmonitor.machine.runstate import RunState
from qmonitor.machine.schema import machine_schema
from qmonitor.monitor.fds import FD_NOT_FOUND_BY_NAME
from qmonitor.qapi.binding import bind_command
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine

# QEMU 7.2's texts (dump/dump.c, dump/win_dump.c, monitor/misc.c, util/osdep.c,
# qapi/qmp/qerror.h).
IN_MIGRATE = "Dump not allowed during incoming migration."
IN_PROGRESS = "There is a dump in process, please wait."
KDUMP_FILTER = "kdump-compressed format doesn't support paging or filter"
MISSING = "Parameter '{}' is missing"
NO_LZO = "kdump-lzo is not available now"
NO_SNAPPY = "kdump-snappy is not available now"
OPEN_FAILED = "Could not open '{}': {}"
INVALID = "Invalid parameter '{}'"
NO_MEMORY = "dump: no guest memory to dump"
WIN_NO_VMCOREINFO = "win-dump: invalid vmcoreinfo note size"
#: The migration blocker a dump holds while it runs (dump/dump.c).
MIGRATION_BLOCKER = "Live migration disabled: dump-guest-memory in progress"
#: The unit a dump's memory is written and counted in (the target page size).
PROGRESS_PAGE = 4096
#: The mode QEMU creates a ``file:`` dump with (S_IRUSR).
FILE_MODE = 0o400

#: A dump's pieces: bytes to write and how much guest memory they hold.
Chunks = Iterator[tuple[bytes, int]]


class DumpState:
    """The last dump's status and progress, as ``query-dump`` reports it."""

    def __init__(self) -> None:
        self.status = "none"
        self.completed = 0
        self.total = 0
        self._lock = threading.Lock()

    def query(self) -> dict[str, Any]:
        with self._lock:
            return {"status": self.status, "completed": self.completed, "total": self.total}

    def set(self, status: str, completed: int | None = None, total: int | None = None) -> None:
        with self._lock:
            self.status = status
            if completed is not None:
                self.completed = completed
            if total is not None:
                self.total = total

    def advance(self, size: int) -> None:
        with self._lock:
            self.completed += size


def dump_state(machine: Machine) -> DumpState:
    """The machine's dump state, made on first use."""
    return machine.part(DumpState, lambda: DumpState())


def monitor_fd(name: str) -> int:
    """Take the descriptor named ``name`` with ``getfd`` on the current monitor."""
    from qmonitor.monitor.monitor import current_monitor

    mon = current_monitor()
    if mon is None:
        raise QapiError(FD_NOT_FOUND_BY_NAME.format(name))
    return mon.fds.take(name)


def _open_output(protocol: str) -> int:
    """The file descriptor the dump writes to (QEMU's protocol parse)."""
    if protocol.startswith("fd:"):
        return monitor_fd(protocol[3:])
    if protocol.startswith("file:"):
        path = protocol[5:]
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
        try:
            return os.open(path, flags, FILE_MODE)
        except OSError as exc:
            raise QapiError(OPEN_FAILED.format(path, exc.strerror)) from None
    raise QapiError(INVALID.format("protocol"))


def _write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class Dump:
    """One dump in progress: its pieces, its output and what to do at the end."""

    def __init__(
        self, machine: Machine, fd: int, chunks: Chunks | None, error: str | None, resume: bool
    ) -> None:
        self.machine = machine
        self.state = dump_state(machine)
        self.fd = fd
        self.chunks = chunks
        self.error = error
        self.resume = resume

    def write(self) -> str | None:
        """Write the file (dump_process's writing half); the error, if any."""
        if self.chunks is None:
            return self.error
        try:
            for data, memory in self.chunks:
                if memory != len(data):
                    # Headers, or a kdump page (compressed, cached): counted as a whole.
                    _write_all(self.fd, data)
                    self.state.advance(memory)
                    continue
                # Page by page, each counted once written, as QEMU's
                # write_memory does: query-dump shows the same progress.
                view = memoryview(data)
                for offset in range(0, len(view), PROGRESS_PAGE):
                    page = view[offset : offset + PROGRESS_PAGE]
                    _write_all(self.fd, page)
                    self.state.advance(len(page))
        except OSError as exc:
            return f"dump: failed to save memory: {exc.strerror}"
        return None

    def finish(self, error: str | None) -> None:
        """Status, DUMP_COMPLETED, then the fd closes and the VM runs again (main loop)."""
        self.state.set("failed" if error else "completed")
        data: dict[str, Any] = {"result": self.state.query()}
        if error:
            data["error"] = error
        self.machine.emit_event("DUMP_COMPLETED", data)
        with contextlib.suppress(OSError):
            os.close(self.fd)
        _unblock_migration(self.machine)
        if self.resume:
            self.machine.vm_start()


def register_dump_command(machine: Machine) -> None:
    """dump-guest-memory (query-dump reads :func:`dump_state`)."""
    schema = machine_schema()
    state = dump_state(machine)

    def in_progress() -> bool:
        # qemu_system_dump_in_progress: the status, set before DUMP_COMPLETED
        # (not the thread, which may still be ending after it).
        return state.status == "active"

    def dump_guest_memory(
        paging: bool,
        protocol: str,
        detach: bool | None = None,
        begin: int | None = None,
        length: int | None = None,
        format: str | None = None,
    ) -> None:
        if machine.runstate is RunState.INMIGRATE:
            raise QapiError(IN_MIGRATE)
        if in_progress():
            raise QapiError(IN_PROGRESS)
        if format not in (None, "elf") and (paging or begin is not None or length is not None):
            raise QapiError(KDUMP_FILTER)
        if begin is not None and length is None:
            raise QapiError(MISSING.format("length"))
        if begin is None and length is not None:
            raise QapiError(MISSING.format("begin"))
        if format == "kdump-lzo":
            raise QapiError(NO_LZO)
        if format == "kdump-snappy":
            raise QapiError(NO_SNAPPY)
        fd = _open_output(protocol)
        machine.part(MigrationState, MigrationState).blockers.append(MIGRATION_BLOCKER)
        dump = _prepare(machine, fd, begin, length, format)
        if detach:
            thread = threading.Thread(target=_detached, args=(dump,), name="dump_thread")
            thread.daemon = True
            thread.start()
            return
        error = dump.write()
        dump.finish(error)
        if error:
            raise QapiError(error)

    machine.commands.full.register(bind_command(schema, "dump-guest-memory", dump_guest_memory))


def _unblock_migration(machine: Machine) -> None:
    """dump_cleanup's migrate_del_blocker."""
    blockers = machine.part(MigrationState, MigrationState).blockers
    if MIGRATION_BLOCKER in blockers:
        blockers.remove(MIGRATION_BLOCKER)


def _detached(dump: Dump) -> None:
    error = dump.write()
    with contextlib.suppress(RuntimeError):  # the main loop is gone
        dump.machine.loop.call_soon_threadsafe(dump.finish, error)


def _prepare(
    machine: Machine, fd: int, begin: int | None, length: int | None, format: str | None
) -> Dump:
    """dump_init: the VM stops, the blocks and sizes are settled, or the dump fails."""
    state = dump_state(machine)
    state.set("active", 0, 0)
    resume = machine.runstate.is_running
    if resume:
        machine.vm_stop(RunState.SAVE_VM)

    def fail(text: str) -> QapiError:
        state.set("failed")
        with contextlib.suppress(OSError):
            os.close(fd)
        _unblock_migration(machine)
        if resume:
            machine.vm_start()
        return QapiError(text)

    if begin is not None and not length:
        raise fail(INVALID.format("length"))
    board = machine.board
    if board is None:
        if machine.options.guest.ram_size or machine.options.has_cpus:
            raise fail("dump-guest-memory of this machine type's memory is not modelled")
        raise fail(NO_MEMORY)
    blocks = guest_blocks(board.memory)
    every = blocks
    if begin is not None and length is not None:
        blocks = filter_blocks(blocks, begin, length)
    total = sum(b.size for b in blocks)
    state.set("active", 0, total)
    if not total:
        raise fail(NO_MEMORY)
    if begin is not None and length is not None and not range_touches_blocks(every, begin, length):
        raise fail(INVALID.format("begin"))
    chunks: Chunks | None = None
    error: str | None = None
    if format == "win-dmp":
        error = WIN_NO_VMCOREINFO
    else:
        read: Callable[[int, int], bytes] = board.memory.read
        cpus = machine.options.guest.smp.cpus
        if format == "kdump-zlib":
            chunks = kdump_chunks(blocks, cpu_notes(cpus), cpus, read)
        else:
            chunks = elf_chunks(blocks, cpu_notes(cpus), read)
    return Dump(machine, fd, chunks, error, resume)
