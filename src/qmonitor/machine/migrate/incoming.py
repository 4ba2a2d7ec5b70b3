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

import contextlib
import os
import select
import socket
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

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
        try:
            conn, _ = listener.accept()
        except OSError:
            return None
        finally:
            listener.close()
            self._listener = None
        # A socket's source is active once connected (QEMU processes the
        # channel on accept).
        self._on_loop(lambda: self.set_status("active"))
        return _Source(conn.detach(), pipe_hup_waits=False, active=True)

    def close(self) -> None:
        """Stop listening (the machine is going away)."""
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()

    # -- the incoming thread --------------------------------------------------------

    def _on_loop(self, func: Callable[[], Any]) -> Any:
        return run_on_loop(self.machine.loop, func)

    def _run(self, open_source: Callable[[], _Source | None]) -> None:
        source = open_source()
        if source is None:
            return
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
                while True:
                    if not data:
                        reader.eof()
                        break
                    reader.feed(data)
                    if reader.config is not None:
                        source.accept_config()
                    if reader.state is not None:
                        break
                    data = source.read()
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

    def _complete(self, state: dict[str, Any]) -> None:
        """process_incoming_migration_bh: state, run state, then ``completed``."""
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
        self.addresses = []
        self.set_status("completed")

    def query(self) -> dict[str, Any]:
        """The destination's part of ``query-migrate`` (fill_destination_migration_info)."""
        out: dict[str, Any] = {}
        if self.addresses:
            out["socket-address"] = [dict(a) for a in self.addresses]
        if self.status != "none":
            out["status"] = self.status
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

    def read(self) -> bytes:
        try:
            select.select([self.fd], [], [])
            return os.read(self.fd, CHUNK)
        except OSError:
            return b""

    def close(self) -> None:
        if self.proc is not None:
            assert self.proc.stdout is not None
            self.proc.stdout.close()
            self.proc.wait()
            return
        with contextlib.suppress(OSError):
            os.close(self.fd)


def _is_pipe(fd: int) -> bool:
    import stat

    try:
        return stat.S_ISFIFO(os.fstat(fd).st_mode)
    except OSError:
        return False
