"""dump-guest-memory and query-dump: QEMU's checks, and a machine without guest memory.

QEMU checks the arguments, opens the output (``fd:NAME`` named with ``getfd``
on the monitor, or ``file:PATH``), stops a running VM (STOP), looks at the guest memory
and resumes it (RESUME).  A ``-M none`` machine has no guest memory: the
dump fails with QEMU's text and ``query-dump`` says ``failed`` from then
on.  A machine with guest memory would write it: that is not modelled.
"""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING, Any

from qmonitor.machine.runstate import RunState
from qmonitor.machine.schema import machine_schema
from qmonitor.monitor.fds import FD_NOT_FOUND_BY_NAME
from qmonitor.qapi.binding import bind_command
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine

# QEMU 7.2's texts (dump/dump.c, monitor/misc.c, util/osdep.c, qapi/qmp/qerror.h).
IN_MIGRATE = "Dump not allowed during incoming migration."
KDUMP_FILTER = "kdump-compressed format doesn't support paging or filter"
MISSING = "Parameter '{}' is missing"
NO_LZO = "kdump-lzo is not available now"
NO_SNAPPY = "kdump-snappy is not available now"
OPEN_FAILED = "Could not open '{}': {}"
INVALID = "Invalid parameter '{}'"
NO_MEMORY = "dump: no guest memory to dump"


class DumpState:
    """The last dump's status, as ``query-dump`` reports it."""

    def __init__(self) -> None:
        self.status = "none"
        self.completed = 0
        self.total = 0

    def query(self) -> dict[str, Any]:
        return {"status": self.status, "completed": self.completed, "total": self.total}


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
    """The file descriptor a dump would write to (QEMU's protocol parse)."""
    if protocol.startswith("fd:"):
        return monitor_fd(protocol[3:])
    if protocol.startswith("file:"):
        path = protocol[5:]
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
        try:
            return os.open(path, flags, 0o600)
        except OSError as exc:
            raise QapiError(OPEN_FAILED.format(path, exc.strerror)) from None
    raise QapiError(INVALID.format("protocol"))


def register_dump_command(machine: Machine) -> None:
    """dump-guest-memory (query-dump reads :func:`dump_state`)."""
    schema = machine_schema()
    state = dump_state(machine)

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
        try:
            if machine.options.guest.ram_size or machine.options.has_cpus:
                raise QapiError("dump-guest-memory of guest memory is not modelled")
            state.status, state.completed, state.total = "active", 0, 0
            resume = machine.runstate.is_running
            if resume:
                machine.vm_stop(RunState.SAVE_VM)
            try:
                if begin is not None and not length:
                    raise QapiError(INVALID.format("length"))
                raise QapiError(NO_MEMORY)
            finally:
                state.status = "failed"
                if resume:
                    machine.vm_start()
        finally:
            with contextlib.suppress(OSError):
                os.close(fd)

    machine.commands.full.register(bind_command(schema, "dump-guest-memory", dump_guest_memory))
