"""The source side: ``migrate``, its state machine, and the thread that sends.

The status moves as QEMU 7.2's migration thread moves it: ``setup``
(set by the command), ``active`` once the channel is open (after the
first dirty-bitmap sync, MIGRATION_PASS 1), then the VM stops
(``finish-migrate``, STOP if it ran), ``pre-switchover`` and ``device``
with the pause-before-switchover capability (``migrate-continue`` lets
it on), the device state is written (MIGRATION_PASS 2) and the status
becomes ``completed`` with the VM in ``postmigrate``.  ``migrate_cancel``
goes through ``cancelling`` to ``cancelled``; an error makes it
``failed``.  In both cases a VM the migration stopped runs again.

State changes and events happen on the main loop; connecting, the
paced RAM pass (:mod:`.stats`) and writing happen in a thread of the
migration's own, so the monitors keep answering.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol

from qmonitor.errors import QmonitorError
from qmonitor.machine.migrate import postcopy
from qmonitor.machine.migrate import state as machine_state
from qmonitor.machine.migrate.channels import (
    connect_socket,
    exec_process,
    monitor_fd_param,
    run_on_loop,
)
from qmonitor.machine.migrate.stats import FINAL_SYNC_COUNT, Plan, acpi_enabled, ram_total
from qmonitor.machine.migrate.stream import (
    ACCEPTED,
    TRAILER,
    encode_body,
    encode_postcopy_state,
)
from qmonitor.machine.migrate.uri import BAD_PROTOCOL_OUT, parse_uri
from qmonitor.machine.runstate import RunState
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    import subprocess

    from qmonitor.machine.machine import Machine
    from qmonitor.machine.migration import MigrationState

# QEMU 7.2's texts (migration/migration.c, qapi/qmp/qerror.h).
NO_PAUSED_MIGRATION = "Cannot resume if there is no paused migration"
RELEASE_RAM_RESUME = "Postcopy recovery cannot work when release-ram capability is set"
MIGRATION_ACTIVE = "There's a migration process in progress"
SNAPSHOT_BLOCK = "Block migration and snapshots are incompatible"
WAITING_INCOMING = "Guest is waiting for an incoming migration"
POSTMIGRATE = "Can't migrate the vm that was paused due to previous migration"
COLO_DISK = "No disk migration is required in COLO mode"
BLOCK_OPTIONS = "Command options are incompatible with current migration capabilities"
NOT_IN_STATE = "Migration not in expected state: {}"
# io/channel-*.c: a write the channel refused.
WRITE_FAILED = "Unable to write to {}: {}"

#: migration_is_running's states: a new ``migrate`` is refused in these.
RUNNING_STATES = frozenset(
    {
        "setup",
        "active",
        "postcopy-active",
        "postcopy-paused",
        "postcopy-recover",
        "pre-switchover",
        "device",
        "wait-unplug",
        "cancelling",
    }
)
#: The states whose query-migrate shows the statistics of a migration under way.
ACTIVE_STATES = frozenset(
    {
        "active",
        "cancelling",
        "pre-switchover",
        "device",
        "postcopy-active",
        "postcopy-paused",
        "postcopy-recover",
    }
)
#: QEMU's rate limiter lets max-bandwidth through in slices of this (BUFFER_DELAY, ms).
SLICE_MS = 100


class Sink(Protocol):
    """Where the stream goes."""

    #: How QEMU names the channel in "Unable to write to ...".
    channel: str

    def write(self, data: bytes) -> None: ...
    def wait_accepted(self) -> None: ...
    def close(self) -> None: ...
    def abort(self) -> None: ...


class SocketSink:
    channel = "socket"

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def wait_accepted(self) -> None:
        """Wait until the destination took the configuration (or hung up: EPIPE).

        A qmonitor destination answers the header on a socket with one
        byte once the machine type and RAM size match, so that a refused
        stream fails the source as it fails QEMU's, whose RAM pages meet
        the closed socket.
        """
        if self.sock.recv(1) != ACCEPTED:
            raise OSError(errno.EPIPE, os.strerror(errno.EPIPE))

    def write(self, data: bytes) -> None:
        self.sock.sendall(data)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_WR)
        self.sock.close()

    def abort(self) -> None:
        # Unblock a sendall() in the migration thread (QEMU: qemu_file_shutdown).
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)


class FdSink:
    channel = "file"

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def wait_accepted(self) -> None:
        """One-way channels have nobody to answer."""

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view) :]

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)

    def abort(self) -> None:
        # A socket passed with getfd may block a write: shut it down.  Writes
        # to files and pipes do not wait on the peer for long.
        with contextlib.suppress(OSError):
            sock = socket.socket(fileno=os.dup(self.fd))
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.detach()


class ExecSink(FdSink):
    channel = "command"

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdin is not None
        super().__init__(proc.stdin.fileno())
        self.proc = proc

    def close(self) -> None:
        assert self.proc.stdin is not None
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        self.proc.wait()

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self.proc.kill()


class Cancelled(QmonitorError):
    """``migrate_cancel`` came while the thread worked."""


class Outgoing:
    """One machine's outgoing migration (QEMU's MigrationState, source half)."""

    def __init__(self, machine: Machine, settings: MigrationState) -> None:
        self.machine = machine
        self.settings = settings
        self.status = "none"
        self.error: str | None = None
        self.plan: Plan | None = None
        self.sent_pages = 0
        self.syncs = 0
        self.started_ns = 0
        self.setup_ms = 0
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._continue = threading.Event()
        self._sink: Sink | None = None
        self._old_runstate = RunState.RUNNING
        self._was_running = False
        self._postcopy_started = False
        self._remove_block_options = False
        # Postcopy (:mod:`.postcopy`): the thread reads these.
        self.lock = self._lock
        self.cancel_requested = self._cancel
        self.start_postcopy_requested = threading.Event()
        self.pause_requested = threading.Event()
        self.resume_requested = threading.Event()
        self.resume_opener: Callable[[], Sink] | None = None

    # -- main loop ------------------------------------------------------------

    def set_status(self, status: str) -> None:
        """migrate_set_state: the new status, and MIGRATION when events are on."""
        self.status = status
        self.settings.status = status
        if self.settings.capabilities["events"]:
            self.machine.emit_event("MIGRATION", {"status": status})

    def _pass(self) -> None:
        self.syncs += 1
        if self.settings.capabilities["events"]:
            self.machine.emit_event("MIGRATION_PASS", {"pass": self.syncs})

    def prepare(self, blk: bool, inc: bool, resume: bool) -> None:
        """migrate_prepare's checks, in QEMU's order; then the status is ``setup``."""
        caps = self.settings.capabilities
        if resume:
            if self.status != "postcopy-paused":
                raise QapiError(NO_PAUSED_MIGRATION)
            if caps["release-ram"]:
                raise QapiError(RELEASE_RAM_RESUME)
            return
        if self.status in RUNNING_STATES:
            raise QapiError(MIGRATION_ACTIVE)
        runstate = self.machine.runstate
        if runstate is RunState.INMIGRATE:
            raise QapiError(WAITING_INCOMING)
        if runstate is RunState.POSTMIGRATE:
            raise QapiError(POSTMIGRATE)
        if self.settings.blockers:
            # migration_is_blocked: the newest blocker's text.
            raise QapiError(self.settings.blockers[-1])
        if blk or inc:
            if caps["x-colo"]:
                raise QapiError(COLO_DISK)
            if caps["block"] or self.settings.parameters["block-incremental"]:
                raise QapiError(BLOCK_OPTIONS)
            caps["block"] = True
            self._remove_block_options = True
        if inc:
            self.settings.parameters["block-incremental"] = True
        self._init()

    def _init(self) -> None:
        """migrate_init: every figure reset, then the status is ``setup``."""
        self.error = None
        self._postcopy_started = False
        self.plan = None
        self.sent_pages = self.syncs = 0
        self.setup_ms = 0
        self._cancel.clear()
        self._continue.clear()
        self.start_postcopy_requested.clear()
        self.pause_requested.clear()
        self.resume_requested.clear()
        self.started_ns = time.monotonic_ns()
        self.set_status("setup")

    def savevm(self, device_bytes: int) -> None:
        """qemu_savevm_state's part: a migration into the snapshot, whole in one go.

        ``savevm`` and ``snapshot-save`` go through the migration state:
        refused while a migration runs or with the ``block`` capability,
        else ``setup``, the setup sync and the final sync (MIGRATION_PASS 1
        and 2) and ``completed`` (events when the ``events`` capability is
        on), and ``query-migrate`` then shows the figures of that save.
        """
        if self.status in RUNNING_STATES:
            raise QapiError(MIGRATION_ACTIVE)
        if self.settings.capabilities["block"]:
            raise QapiError(SNAPSHOT_BLOCK)
        self._init()
        options = self.machine.options
        acpi = acpi_enabled(options.guest.machine_props)
        total = ram_total(options.machine_type, options.guest.ram_size, acpi=acpi)
        plan = Plan(total, 0, device_bytes)  # written without max-bandwidth's limit
        with self._lock:
            self.plan = plan
        self._pass()
        with self._lock:
            self.sent_pages = plan.pages
        self._pass()
        self.set_status("completed")

    def start(self, uri: str, blk: bool = False, inc: bool = False, resume: bool = False) -> None:
        """qmp_migrate: checks, ``setup``, then the channel opens in the thread."""
        self.prepare(blk, inc, resume)
        try:
            parsed = parse_uri(uri, incoming=False)
            opener: Callable[[], Sink]
            if parsed.kind in ("tcp", "unix"):
                address = (
                    f"{parsed.target}:{parsed.port}" if parsed.kind == "tcp" else parsed.target
                )

                def opener() -> Sink:
                    return SocketSink(connect_socket(parsed, address))

            elif parsed.kind == "fd":
                sink: Sink = FdSink(monitor_fd_param(parsed.target))

                def opener() -> Sink:
                    return sink

            else:
                proc_sink: Sink = ExecSink(exec_process(parsed.target, write=True))

                def opener() -> Sink:
                    return proc_sink

        except QapiError as exc:
            if resume:
                raise
            # QEMU keeps every error as the migration's but a bad protocol's.
            self._failed(None if exc.desc == BAD_PROTOCOL_OUT else exc.desc)
            raise
        if resume:
            if parsed.kind in ("fd", "exec"):
                # Connected at once (migrate_fd_connect within the command): the
                # state is ``postcopy-recover`` before the reply; a socket's
                # connection completes later, in the thread.
                self.set_status("postcopy-recover")
            # The paused migration thread takes the new channel.
            self.resume_opener = opener
            self.resume_requested.set()
            return
        threading.Thread(
            target=self._run, args=(opener,), name="live_migration", daemon=True
        ).start()

    def cancel(self) -> None:
        """migrate_cancel: a running migration goes to ``cancelling``."""
        if self.status not in RUNNING_STATES or self.status == "cancelling":
            return
        self.set_status("cancelling")
        self._cancel.set()
        sink = self._sink
        if sink is not None:
            sink.abort()

    def start_postcopy(self) -> None:
        """qmp_migrate_start_postcopy: the thread switches when it next looks."""
        if not postcopy.postcopy_enabled(self.settings.capabilities):
            raise QapiError(postcopy.NOT_ENABLED)
        if self.status == "none":
            raise QapiError(postcopy.NOT_STARTED)
        # Not an error once the migration is over: that would race with it.
        self.start_postcopy_requested.set()

    def pause(self) -> bool:
        """migrate-pause on the source (any thread): shut the channel down if in postcopy."""
        if self.status != "postcopy-active":
            return False
        self.pause_requested.set()
        sink = self._sink
        if sink is not None:
            sink.abort()
        return True

    def resume_switchover(self, state: str) -> None:
        """migrate-continue: only from the state the migration waits in."""
        if self.status != state:
            raise QapiError(NOT_IN_STATE.format(self.status))
        # QEMU's migration thread wakes and moves on to ``device`` while the
        # reply leaves; here the move is made before the reply.
        if state == "pre-switchover":
            self.set_status("device")
        self._continue.set()

    def _failed(self, error: str | None) -> None:
        self.error = error
        self.set_status("failed")
        self._end()

    def _end(self) -> None:
        """What a failed or cancelled migration undoes (migration_iteration_finish)."""
        if self._was_running:
            self.machine.vm_start()
        elif self.machine.runstate is RunState.FINISH_MIGRATE:
            if self._postcopy_started:
                self.machine.runstate = RunState.POSTMIGRATE
            else:
                self.machine.runstate = self._old_runstate
        self._was_running = False
        self._block_cleanup()

    def _inactivate_images(self) -> None:
        """bdrv_inactivate_all before ``completed``: the images' bitmaps are stored."""
        from qmonitor.machine.block.graph import BlockGraph

        graph = self.machine.existing_part(BlockGraph)
        if graph is not None:
            graph.inactivate_all(migrated=bool(self.settings.capabilities["dirty-bitmaps"]))

    def _block_cleanup(self) -> None:
        if self._remove_block_options:
            self.settings.capabilities["block"] = False
            self.settings.parameters["block-incremental"] = False
            self._remove_block_options = False

    def _activate(self) -> None:
        """The channel is open: the first sync, then ``active``."""
        options = self.machine.options
        acpi = acpi_enabled(options.guest.machine_props)
        total = ram_total(options.machine_type, options.guest.ram_size, acpi=acpi)
        bandwidth = self.settings.parameters["max-bandwidth"]
        self._old_runstate = self.machine.runstate
        device = encode_body(machine_state.capture(self.machine, self._old_runstate.value))
        with self._lock:
            self.plan = Plan(total, bandwidth, len(device), self._old_runstate.is_running)
        self._pass()
        self.set_status("active")

    def _stop_vm(self) -> bytes:
        """migration_completion: store the run state, stop the VM, make the stream."""
        runstate = self.machine.runstate
        self._old_runstate = runstate
        self._was_running = runstate.is_running
        stream = encode_body(machine_state.capture(self.machine, runstate.value))
        if runstate.is_running:
            self.machine.vm_stop(RunState.FINISH_MIGRATE)
        else:
            self.machine.runstate = RunState.FINISH_MIGRATE
        if self.settings.capabilities["pause-before-switchover"]:
            self.set_status("pre-switchover")
        return stream

    def _complete(self) -> None:
        self._pass()
        self._inactivate_images()
        self._was_running = False
        self.set_status("completed")
        self.machine.runstate = RunState.POSTMIGRATE
        self._block_cleanup()

    def _cancelled(self) -> None:
        self.set_status("cancelled")
        self._end()

    # -- the migration thread ----------------------------------------------------

    def _on_loop(self, func: Callable[[], Any]) -> Any:
        return run_on_loop(self.machine.loop, func)

    def _run(self, opener: Callable[[], Sink]) -> None:
        try:
            sink = opener()
        except QapiError as exc:
            desc = exc.desc
            self._on_loop(lambda: self._failed(desc))
            return
        self._sink = sink
        try:
            if self._cancel.is_set():
                raise Cancelled
            # The header goes first; a qmonitor destination on a socket
            # answers it once it is active and the configuration fits, so
            # that its ``active`` comes before the source's, as QEMU's
            # destination goes active on accept.  A refusal fails the
            # source only once it is active, as QEMU's fails on its pages.
            sink.write(machine_state.header(self.machine))
            refused: OSError | None = None
            try:
                sink.wait_accepted()
            except OSError as exc:
                refused = exc
            if self._cancel.is_set():
                raise Cancelled
            self._on_loop(self._activate)
            if refused is not None:
                raise refused
            if self._ram_pass():
                self._run_postcopy(sink)
                return
            stream = self._on_loop(self._stop_vm)
            if self.settings.capabilities["pause-before-switchover"]:
                while not self._continue.wait(0.05):
                    if self._cancel.is_set():
                        raise Cancelled
            sink.write(stream)
            if self._cancel.is_set():
                raise Cancelled
            sink.close()
            self._sink = None
            self._on_loop(self._complete)
        except Cancelled:
            sink.abort()
            sink.close()
            self._sink = None
            self._on_loop(self._cancelled)
        except OSError as exc:
            sink.abort()
            sink.close()
            self._sink = None
            if self._cancel.is_set():
                self._on_loop(self._cancelled)
            else:
                error = WRITE_FAILED.format(sink.channel, exc.strerror)
                self._on_loop(lambda: self._failed(error))

    def _run_postcopy(self, sink: Sink) -> None:
        """From postcopy_start to the end, through any pauses (:mod:`.postcopy`)."""
        current: Sink | None = sink
        try:
            frame = self._on_loop(self._postcopy_start)
            with contextlib.suppress(OSError):  # a broken channel pauses below
                sink.write(frame)
            while True:
                assert current is not None
                try:
                    postcopy.postcopy_ram(self, current)
                    current.write(TRAILER)
                    current.close()
                    self._sink = None
                    self._on_loop(self._postcopy_complete)
                    return
                except (postcopy.ChannelLost, OSError):
                    postcopy.close_quietly(current)
                    self._sink = None
                    if self._cancel.is_set():
                        current = None
                        raise Cancelled from None
                    current = self._postcopy_pause()
                    if current is None:
                        raise Cancelled from None
        except Cancelled:
            if current is not None:
                postcopy.close_quietly(current)
            self._sink = None
            self._on_loop(self._cancelled)

    def _postcopy_pause(self) -> Sink | None:
        """postcopy_pause: ``postcopy-paused`` until a resumed channel is up (None: cancelled)."""
        self._on_loop(lambda: self.set_status("postcopy-paused"))
        self.pause_requested.clear()
        while True:
            try:
                sink = postcopy.wait_for_resume(self)
            except QapiError:
                continue  # the destination was not there: still paused
            if sink is None:
                return None
            self._sink = sink
            if self.status != "postcopy-recover":
                self._on_loop(lambda: self.set_status("postcopy-recover"))
            try:
                postcopy.handshake(sink)
            except OSError:
                postcopy.close_quietly(sink)
                self._sink = None
                self._on_loop(lambda: self.set_status("postcopy-paused"))
                continue
            self._on_loop(lambda: self.set_status("postcopy-active"))
            return sink

    def _postcopy_start(self) -> bytes:
        """postcopy_start: ``postcopy-active``, the VM stops, a last sync; the state to send."""
        machine = self.machine
        runstate = machine.runstate
        self._old_runstate = runstate
        # postcopy_start leaves vm_was_running as migrate_init set it (false):
        # a cancelled postcopy does not run the source again, it stays stopped
        # for good (postmigrate), running before or not.
        self._was_running = False
        self._postcopy_started = True
        state = machine_state.capture(machine, runstate.value)
        with self._lock:
            if self.plan is not None:
                self.plan = replace(self.plan, postcopy_from=self.sent_pages)
        self.set_status("postcopy-active")
        if runstate.is_running:
            machine.vm_stop(RunState.FINISH_MIGRATE)
        else:
            machine.runstate = RunState.FINISH_MIGRATE
        self._pass()
        return encode_postcopy_state(state)

    def _postcopy_complete(self) -> None:
        self._inactivate_images()
        self._was_running = False
        self.set_status("completed")
        self.machine.runstate = RunState.POSTMIGRATE
        self._block_cleanup()

    def _ram_pass(self) -> bool:
        """Send the RAM at max-bandwidth: ``transfer_ms`` of wall time in slices.

        True when ``migrate-start-postcopy`` came first (the rest goes in postcopy).
        """
        plan = self.plan
        assert plan is not None
        start = time.monotonic()
        total_ms = plan.transfer_ms
        while True:
            elapsed = (time.monotonic() - start) * 1000
            done = min(1.0, elapsed / total_ms) if total_ms else 1.0
            with self._lock:
                self.sent_pages = int(plan.pages * done)
            if done >= 1.0:
                return False
            if self.start_postcopy_requested.is_set() and postcopy.postcopy_enabled(
                self.settings.capabilities
            ):
                return True
            if self._cancel.wait(min(SLICE_MS, total_ms - elapsed) / 1000):
                raise Cancelled

    # -- query-migrate ------------------------------------------------------------

    def query(self) -> dict[str, Any]:
        """The source's part of ``query-migrate`` (fill_source_migration_info)."""
        status = self.status
        out: dict[str, Any] = {}
        if self.settings.blockers:
            out["blocked-reasons"] = list(self.settings.blockers)
        if status == "none":
            return out
        out["status"] = status
        with self._lock:
            plan, sent, syncs = self.plan, self.sent_pages, self.syncs
        if status in ACTIVE_STATES and plan is not None:
            elapsed = (time.monotonic_ns() - self.started_ns) // 1_000_000
            out["setup-time"] = self.setup_ms
            out["total-time"] = min(elapsed, plan.transfer_ms)
            out["expected-downtime"] = self.settings.parameters["downtime-limit"]
            out["ram"] = plan.ram_info(sent, syncs, completed=False)
        elif status == "completed" and plan is not None:
            out["setup-time"] = self.setup_ms
            out["downtime"] = plan.downtime_ms
            out["total-time"] = self.setup_ms + plan.transfer_ms + plan.downtime_ms
            out["ram"] = plan.ram_info(plan.pages, FINAL_SYNC_COUNT, completed=True)
        elif status == "failed" and self.error is not None:
            out["error-desc"] = self.error
        return out
