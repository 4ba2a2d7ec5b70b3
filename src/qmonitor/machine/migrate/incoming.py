"""The destination side: ``-incoming``, ``migrate-incoming`` and loading the stream.

As QEMU 7.2 does: the machine waits in ``inmigrate``; starting the
incoming migration raises MIGRATION ``setup`` whatever the ``events``
capability says (qemu_start_incoming_migration sends it directly) and
may be done once.  When the source's first bytes come the status is
``active``; a stream that loads gives the machine the source's state and
run state (running only if the source ran and ``-S`` was not given or
``cont`` came meanwhile, else ``paused``), then ``completed``.  A stream
that does not load is reported on stderr with QEMU's texts, the status
becomes ``failed`` and the process exits with status 1, as QEMU's does.

Accepting and reading happen in a thread; the state is applied on the
main loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import socket
import sys
import threading
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from qmonitor.machine.migrate import postcopy
from qmonitor.machine.migrate import state as machine_state
from qmonitor.machine.migrate.channels import (
    exec_process,
    listen_socket,
    monitor_fd_param,
    run_on_loop,
)
from qmonitor.machine.migrate.stream import ACCEPTED, LoadError, StreamReader
from qmonitor.machine.migrate.uri import MigrationUri, parse_uri
from qmonitor.machine.runstate import RunState
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    import subprocess

    from qmonitor.machine.machine import Machine
    from qmonitor.machine.migration import MigrationState

# QEMU 7.2's texts (migration/migration.c).
ALREADY_STARTED = "The incoming migration has already been started"
NO_INCOMING = "'-incoming' was not specified on the command line"
#: How much is read at a time.
CHUNK = 65536


def _prog() -> str:
    """The name QEMU's error_report lines start with (argv[0]'s base name)."""
    name = os.path.basename(sys.argv[0] if sys.argv else "")
    return "qmonitor" if name in ("", "__main__.py") else name


class Incoming:
    """One machine's incoming migration (QEMU's MigrationIncomingState)."""

    def __init__(self, machine: Machine, settings: MigrationState) -> None:
        self.machine = machine
        self.settings = settings
        self.status = "none"
        self.started = False
        self.addresses: list[dict[str, Any]] = []
        self._listener: socket.socket | None = None
        #: Where the stream comes from now (migrate-pause shuts it down).
        self._source: _Source | None = None
        #: migrate-recover's listener, for the paused thread.
        self._recover: Callable[[], _Source | None] | None = None
        self._recover_ready = threading.Event()
        #: The postcopy blocktime context exists (query-migrate shows its figures).
        self.blocktime = False

    def set_status(self, status: str) -> None:
        self.status = status
        self.settings.incoming_status = status
        if self.settings.capabilities["events"]:
            self.machine.emit_event("MIGRATION", {"status": status})

    def start(self, uri: str) -> None:
        """qmp_migrate_incoming (and ``-incoming URI`` at start-up)."""
        if self.started:
            raise QapiError(ALREADY_STARTED)
        if self.machine.runstate is not RunState.INMIGRATE:
            raise QapiError(NO_INCOMING)
        self.machine.emit_event("MIGRATION", {"status": "setup"})
        parsed = parse_uri(uri, incoming=True)
        if parsed.kind in ("tcp", "unix"):
            sock = listen_socket(parsed)
            self._listener = sock
            self.addresses = [self._address(parsed, sock)]
            reader: Callable[[], _Source | None] = lambda: self._accept(sock)  # noqa: E731
        elif parsed.kind == "fd":
            fd = monitor_fd_param(parsed.target)
            reader = lambda: _Source(fd, pipe_hup_waits=True)  # noqa: E731
        else:
            proc = exec_process(parsed.target, write=False)
            reader = lambda: _Source(_stdout(proc), pipe_hup_waits=True, proc=proc)  # noqa: E731
        self.started = True
        threading.Thread(target=self._run, args=(reader,), name="mig-incoming", daemon=True).start()

    @staticmethod
    def _address(uri: MigrationUri, sock: socket.socket) -> dict[str, Any]:
        address = uri.socket_address()
        if uri.kind == "tcp":
            address["port"] = str(sock.getsockname()[1])
        return address

    def _accept(self, listener: socket.socket) -> _Source | None:
        # A socket's source is active once connected (QEMU processes the
        # channel on accept).
        try:
            return self._accept_as(listener, "active")
        finally:
            self._listener = None

    def _accept_as(self, listener: socket.socket, status: str) -> _Source | None:
        """The one source ``listener`` accepts, the migration in ``status`` once it connects."""
        try:
            conn, _ = listener.accept()
        except OSError:
            return None
        finally:
            listener.close()
        self._on_loop(lambda: self.set_status(status))
        return _Source(conn.detach(), pipe_hup_waits=False, active=True)

    def close(self) -> None:
        """Stop listening (the machine is going away)."""
        self._recover_ready.set()
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()

    # -- the incoming thread --------------------------------------------------------

    def _on_loop(self, func: Callable[[], Any]) -> Any:
        return run_on_loop(self.machine.loop, func)

    def recover(self, uri: str) -> None:
        """qmp_migrate_recover: listen again for a paused postcopy migration's source."""
        if self.status != "postcopy-paused":
            raise QapiError(postcopy.RECOVER_NOT_PAUSED)
        # migration_incoming_transport_cleanup: the old listening addresses go.
        self.addresses = []
        self.machine.emit_event("MIGRATION", {"status": "setup"})
        parsed = parse_uri(uri, incoming=True)
        if parsed.kind in ("tcp", "unix"):
            sock = listen_socket(parsed)
            self.addresses = [self._address(parsed, sock)]
            self._recover = partial(self._accept_recovery, sock)
        elif parsed.kind == "fd":
            fd = monitor_fd_param(parsed.target)
            self._recover = lambda: _Source(fd, pipe_hup_waits=False, active=True)
        else:
            proc = exec_process(parsed.target, write=False)
            self._recover = lambda: _Source(_stdout(proc), pipe_hup_waits=False, proc=proc)
        self._recover_ready.set()

    def _accept_recovery(self, listener: socket.socket) -> _Source | None:
        """A socket's source: ``postcopy-recover`` as soon as it connects."""
        return self._accept_as(listener, "postcopy-recover")

    def pause(self) -> bool:
        """migrate-pause on the destination (any thread): shut the channel down if in postcopy."""
        source = self._source
        if self.status != "postcopy-active" or source is None:
            return False
        # The channel goes down once this callback of the loop running the
        # command (the I/O thread's, out of band) has queued the reply, so that
        # the reply leaves before ``postcopy-paused``.
        try:
            asyncio.get_running_loop().call_soon(source.shutdown)
        except RuntimeError:  # called outside any loop
            source.shutdown()
        return True

    def _run(self, open_source: Callable[[], _Source | None]) -> None:
        source = open_source()
        if source is None:
            return
        self._source = source
        reader = StreamReader(
            machine_state.machine_type(self.machine), machine_state.ram_size(self.machine)
        )
        try:
            first = source.read_first()
            if first is None:
                # A pipe that ends before its first byte: QEMU waits for
                # G_IO_IN, which a hung-up pipe never raises.
                return
            if not source.active:
                self._on_loop(lambda: self.set_status("active"))
            try:
                data = first
                entered = False
                while True:
                    if not data and entered:
                        # A postcopy channel broke: pause until recovered.
                        source.close()
                        recovered = self._postcopy_pause()
                        if recovered is None:
                            return
                        source, data = recovered
                        self._source = source
                        if not data:
                            data = source.read()
                        continue
                    if not data:
                        reader.eof()
                        break
                    reader.feed(data)
                    if reader.config is not None:
                        source.accept_config()
                    if reader.postcopy_state is not None and not entered:
                        entered = True
                        self._on_loop(partial(self._check, reader.postcopy_state))
                        self._on_loop(partial(self._postcopy_enter, reader.postcopy_state))
                    if reader.state is not None:
                        break
                    data = source.read()
                if entered:
                    self._on_loop(self._postcopy_complete)
                    return
                loaded = reader.state
                assert loaded is not None
                self._on_loop(lambda: self._check(loaded))
            except LoadError as exc:
                error = exc
                self._on_loop(lambda: self._fail(error))
                return
            self._on_loop(lambda: self._complete(loaded))
        finally:
            source.close()

    def _check(self, state: dict[str, Any]) -> None:
        machine_state.check(state)

    def _fail(self, exc: LoadError) -> None:
        """process_incoming_migration_co's failure: report, ``failed``, exit(1)."""
        prog = _prog()
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.write("".join(f"{prog}: {line}\n" for line in exc.report()))
            sys.stderr.flush()
        self.set_status("failed")
        self.machine.exit_now(1)

    def _postcopy_enter(self, state: dict[str, Any]) -> None:
        """loadvm_postcopy_handle_run: the source's state, ``postcopy-active``, then the VM.

        Unlike a precopy destination, a postcopy one runs whenever ``-S``
        was not given (or ``cont`` came), whatever the source's run state.
        """
        machine_state.apply(self.machine, state)
        if self.settings.capabilities["postcopy-blocktime"]:
            # postcopy_ram_incoming_setup makes the blocktime context, kept to the end.
            self.blocktime = True
        self.set_status("postcopy-active")
        if self.machine.autostart:
            self.machine.vm_start()
        else:
            self.machine.runstate = RunState.PAUSED

    def _postcopy_complete(self) -> None:
        self.addresses = []
        self.set_status("completed")

    def _postcopy_pause(self) -> tuple[_Source, bytes] | None:
        """``postcopy-paused`` until migrate-recover's listener has a source that resumes."""
        self._source = None
        self._on_loop(lambda: self.set_status("postcopy-paused"))
        while True:
            self._recover_ready.wait()
            self._recover_ready.clear()
            opener, self._recover = self._recover, None
            if opener is None:
                return None
            source = opener()
            if source is None:
                return None
            # A socket's source went to ``postcopy-recover`` on connecting; an fd's
            # or a command's only once the source's resume request comes.
            listening = self.status == "postcopy-recover"
            magic = b""
            while len(magic) < len(postcopy.RESUME_MAGIC):
                chunk = source.read()
                if not chunk:
                    break
                magic += chunk
            if magic[:4] != postcopy.RESUME_MAGIC:
                source.close()
                if listening:
                    self._on_loop(lambda: self.set_status("postcopy-paused"))
                # else: the state never left postcopy-paused, QEMU says nothing.
                continue
            if not listening:
                self._on_loop(lambda: self.set_status("postcopy-recover"))
            with contextlib.suppress(OSError):
                os.write(source.fd, ACCEPTED)
            self._on_loop(lambda: self.set_status("postcopy-active"))
            return source, magic[4:]

    def _complete(self, state: dict[str, Any]) -> None:
        """process_incoming_migration_bh: state, run state, then ``completed``."""
        self._load(state)
        self.addresses = []
        self.set_status("completed")

    def _load(self, state: dict[str, Any]) -> None:
        """The devices' state and the run state the source had."""
        machine_state.apply(self.machine, state)
        machine = self.machine
        runstate = state["runstate"]
        if runstate == RunState.RUNNING.value:
            if machine.autostart:
                machine.vm_start()
            else:
                machine.runstate = RunState.PAUSED
        else:
            try:
                machine.runstate = RunState(runstate)
            except ValueError:
                machine.runstate = RunState.PAUSED

    def query(self) -> dict[str, Any]:
        """The destination's part of ``query-migrate`` (fill_destination_migration_info)."""
        out: dict[str, Any] = {}
        if self.addresses:
            out["socket-address"] = [dict(a) for a in self.addresses]
        if self.status != "none":
            out["status"] = self.status
        if self.status == "completed" and self.blocktime:
            # fill_destination_postcopy_migration_info: the time vCPUs waited for
            # pages they faulted on; the null guest's vCPUs never touch memory.
            out["postcopy-blocktime"] = 0
            out["postcopy-vcpu-blocktime"] = [0] * self.machine.options.guest.smp.cpus
        return out


def _stdout(proc: subprocess.Popen[bytes]) -> int:
    assert proc.stdout is not None
    return proc.stdout.fileno()


class _Source:
    """The descriptor the stream comes from."""

    def __init__(
        self,
        fd: int,
        *,
        pipe_hup_waits: bool,
        proc: subprocess.Popen[bytes] | None = None,
        active: bool = False,
    ) -> None:
        #: A socket: the status is already ``active`` and the source waits for ACCEPTED.
        self.active = active
        self.accepted = False
        self.fd = fd
        self.pipe_hup_waits = pipe_hup_waits
        self.proc = proc

    def read_first(self) -> bytes | None:
        """The first bytes, b"" for a socket's EOF, None for a pipe that hung up empty."""
        data = self.read()
        if not data and self.pipe_hup_waits and _is_pipe(self.fd):
            return None
        return data

    def accept_config(self) -> None:
        """Tell a source on a socket that its configuration fits (once)."""
        if self.active and not self.accepted:
            self.accepted = True
            with contextlib.suppress(OSError):
                os.write(self.fd, ACCEPTED)

    def shutdown(self) -> None:
        """Make a blocked read return EOF (migrate-pause; QEMU: qemu_file_shutdown)."""
        with contextlib.suppress(OSError):
            sock = socket.socket(fileno=os.dup(self.fd))
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def read(self) -> bytes:
        try:
            select.select([self.fd], [], [])
            return os.read(self.fd, CHUNK)
        except OSError:
            return b""

    def close(self) -> None:
        if self.fd < 0:
            return
        if self.proc is not None:
            self.fd = -1
            assert self.proc.stdout is not None
            self.proc.stdout.close()
            self.proc.wait()
            return
        fd, self.fd = self.fd, -1
        with contextlib.suppress(OSError):
            os.close(fd)


def _is_pipe(fd: int) -> bool:
    import stat

    try:
        return stat.S_ISFIFO(os.fstat(fd).st_mode)
    except OSError:
        return False
