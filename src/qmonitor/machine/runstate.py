"""Run states of a machine and the ones QMP reports (qapi/run-state.json)."""

from __future__ import annotations

from enum import Enum


class RunState(Enum):
    """QEMU's RunState; the value is the name ``query-status`` reports."""

    #: Stopped by a debugger.
    DEBUG = "debug"
    #: Waiting for an incoming migration.
    INMIGRATE = "inmigrate"
    #: An internal error stopped the machine; it must be reset.
    INTERNAL_ERROR = "internal-error"
    #: An I/O error paused the machine.
    IO_ERROR = "io-error"
    #: Paused by ``stop``.
    PAUSED = "paused"
    #: Paused after an outgoing migration.
    POSTMIGRATE = "postmigrate"
    #: Created but never started (``-S``, or reset while paused).
    PRELAUNCH = "prelaunch"
    #: Finishing an outgoing migration.
    FINISH_MIGRATE = "finish-migrate"
    #: Restoring a snapshot.
    RESTORE_VM = "restore-vm"
    #: Running.
    RUNNING = "running"
    #: Saving a snapshot.
    SAVE_VM = "save-vm"
    #: Shut down with ``-no-shutdown``; needs a reset.
    SHUTDOWN = "shutdown"
    #: Suspended to RAM by the guest.
    SUSPENDED = "suspended"
    #: Paused by a watchdog action.
    WATCHDOG = "watchdog"
    #: The guest panicked.
    GUEST_PANICKED = "guest-panicked"
    #: COLO fault tolerance.
    COLO = "colo"

    @property
    def is_running(self) -> bool:
        return self is RunState.RUNNING

    @property
    def needs_reset(self) -> bool:
        """``runstate_needs_reset``: only a reset leaves these states."""
        return self in (RunState.INTERNAL_ERROR, RunState.SHUTDOWN)


class ShutdownCause(Enum):
    """Why the machine shut down or reset (ShutdownCause), as events report it."""

    NONE = "none"
    HOST_ERROR = "host-error"
    HOST_QMP_QUIT = "host-qmp-quit"
    HOST_QMP_SYSTEM_RESET = "host-qmp-system-reset"
    HOST_SIGNAL = "host-signal"
    HOST_UI = "host-ui"
    GUEST_SHUTDOWN = "guest-shutdown"
    GUEST_RESET = "guest-reset"
    GUEST_PANIC = "guest-panic"
    SUBSYSTEM_RESET = "subsystem-reset"
    SNAPSHOT_LOAD = "snapshot-load"

    @property
    def by_guest(self) -> bool:
        """``shutdown_caused_by_guest``: the ``guest`` member of the events."""
        return self in (
            ShutdownCause.GUEST_SHUTDOWN,
            ShutdownCause.GUEST_RESET,
            ShutdownCause.GUEST_PANIC,
        )
