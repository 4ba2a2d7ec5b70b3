"""Embedding: QEMU's monitor for a Python emulator's own commands and events.

A :class:`MonitorServer` is a null machine (run state, QEMU's standard
commands and events, QMP and HMP monitors) extended with the embedder's
schema: schema files in QEMU's schema language, code-first definitions
(:class:`~qmonitor.qapi.codefirst.CodeFirstSchema`), or both.  Monitors
and chardevs come from QEMU's command line, parsed by qmonitor's parser
with QEMU's error texts::

    server = MonitorServer("toycpu.json", args=["-qmp", "unix:/tmp/t.sock,server=on,wait=off"])

    @server.command("query-toycpu")
    def query_toycpu() -> dict[str, Any]:
        return {"counter": cpu.counter}

    server.start()                                # main loop in its own thread
    server.emit("TOYCPU_HALTED", counter=5)       # from any thread
    server.stop()

Monitors may also be asked for without QEMU's syntax: ``MonitorServer(...,
qmp=["/tmp/t.sock"], hmp=["/tmp/h.sock"])`` or :meth:`MonitorServer.add_monitor`
listen on unix sockets, as ``-qmp unix:PATH,server=on,wait=off`` would.
:meth:`MonitorServer.hmp_command` adds HMP commands beside QEMU's, and
:meth:`MonitorServer.vm_stop` / :meth:`MonitorServer.vm_start` pause and
resume the machine (raising ``STOP`` and ``RESUME``) from any thread.

Handlers run where QEMU runs them: plain ones on the main loop, ``async
def`` ones (``'coroutine': true``) awaited on the main loop, ``allow-oob``
ones in the monitor I/O thread (they must not block); all of them see
the monitor they serve through :func:`current_monitor`.  Handlers raise
:class:`~qmonitor.qapi.error.QapiError` for errors the client should get.
``query-qmp-schema`` and ``query-commands`` describe the composed schema.

:func:`main` is the whole ``__main__`` of an emulator: parse the command
line, print its errors as QEMU does, serve until shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import inspect
import logging
import os
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from qmonitor.chardev.base import Chardev
from qmonitor.machine.compose import ComposedSchema, compose_schema
from qmonitor.machine.extensions import register_extensions
from qmonitor.machine.hmp_commands import HMP_CMDS
from qmonitor.machine.machine import Machine
from qmonitor.machine.runstate import RunState, ShutdownCause
from qmonitor.monitor.events import qapi_event_emit
from qmonitor.monitor.hmp import MonitorHMP
from qmonitor.monitor.hmp_table import HMPCommand, HmpHandler, extend_table
from qmonitor.monitor.monitor import current_monitor
from qmonitor.options.cmdline import CmdlineError, Config, parse_args
from qmonitor.options.config import print_warnings
from qmonitor.qapi.binding import SchemaBindingError, bind_command, check_event
from qmonitor.qapi.codefirst import CodeFirstSchema, to_wire
from qmonitor.qapi.commands import Handler
from qmonitor.qapi.introspect import schema_info
from qmonitor.qapi.schema import Schema
from qmonitor.system.startup import (
    StartupError,
    apply_start_states,
    close_chardevs,
    install_signal_handlers,
    machine_options,
    open_monitors,
)
from qmonitor.util.mainloop import new_main_loop

__all__ = ["HmpHandler", "MonitorHMP", "MonitorServer", "current_monitor", "main"]

log = logging.getLogger(__name__)

_H = TypeVar("_H", bound=Handler)
_HH = TypeVar("_HH", bound=HmpHandler)

#: :meth:`MonitorServer.add_monitor`'s modes: QMP, or HMP with its line editor.
MONITOR_MODES = ("control", "readline")

#: How long :meth:`MonitorServer.start` and :meth:`MonitorServer.stop` wait.
START_TIMEOUT = 30.0


class MonitorServer:
    """A null machine with the embedder's commands and events, and its monitors.

    :param sources: schema file paths and :class:`CodeFirstSchema` objects,
        composed after the null machine's own schema.
    :param args: QEMU command-line options (``-qmp``, ``-monitor``, ``-mon``,
        ``-chardev``, ``-serial mon:stdio``, ``-name``, ``-S``, ...),
        without the program name.
    :param prog: the program name error messages start with.
    :param defined: configuration symbols the schemas' ``if`` conditions test.
    :param qmp: unix socket paths to serve QMP on (see :meth:`add_monitor`).
    :param hmp: unix socket paths to serve HMP on, with the line editor.
    :raises CmdlineError: ``args`` are bad (QEMU's text and exit status).
    :raises QapiSchemaError: a schema is bad (QEMU's message).
    """

    def __init__(
        self,
        *sources: str | os.PathLike[str] | CodeFirstSchema,
        args: Sequence[str] = (),
        prog: str = "qmonitor",
        defined: Sequence[str] = (),
        qmp: Sequence[str | os.PathLike[str]] = (),
        hmp: Sequence[str | os.PathLike[str]] = (),
    ) -> None:
        self.prog = prog
        self._args = list(args)
        #: What the command line said (qmonitor.options.cmdline.Config).
        self.config: Config = parse_args(self._args, prog)
        self.composed: ComposedSchema = compose_schema(
            sources, defined, extensions=self.config.extensions
        )
        #: The whole schema: the null machine's and the embedder's.
        self.schema: Schema = self.composed.schema
        self._own_commands = self.composed.own_commands()
        self._handlers: dict[str, tuple[Handler, bool]] = {}
        for source in sources:
            if isinstance(source, CodeFirstSchema):
                for cmd in source.commands:
                    self._handlers[cmd.name] = (cmd.handler, False)
        #: The machine, once the server runs (None before and after).
        self.machine: Machine | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._shutdown_cause: ShutdownCause | None = None
        self._chardevs: dict[str, Chardev] = {}
        self._hmp_commands: list[HMPCommand] = []
        for path in qmp:
            self.add_monitor(path)
        for path in hmp:
            self.add_monitor(path, mode="readline")

    # -- monitors -------------------------------------------------------

    def add_monitor(
        self, path: str | os.PathLike[str], *, mode: str = "control", pretty: bool = False
    ) -> None:
        """Serve a monitor on a unix socket at ``path``, created when the server starts.

        As ``-qmp unix:PATH,server=on,wait=off`` (``-qmp-pretty`` with
        ``pretty``) or, for ``mode="readline"``, ``-monitor unix:...``: one
        client at a time, the socket file made with mode 0600 and removed
        at shutdown.  Monitors come after those of ``args``, in call order.

        :param mode: ``"control"`` (QMP) or ``"readline"`` (HMP).
        :param pretty: QMP replies in QEMU's pretty form (QMP only).
        :raises ValueError: a bad mode, ``pretty`` for HMP, or a path with a
            comma (QEMU's option syntax could not carry it).
        """
        if self.machine is not None or self._thread is not None:
            raise RuntimeError("add monitors before the server starts")
        if mode not in MONITOR_MODES:
            raise ValueError(f"mode must be one of {', '.join(MONITOR_MODES)}, not {mode!r}")
        if pretty and mode != "control":
            raise ValueError("'pretty' is not compatible with HMP monitors")
        where = os.fspath(path)
        if "," in where:
            raise ValueError(f"a monitor socket path may not contain a comma: {where!r}")
        option = "-monitor" if mode == "readline" else "-qmp-pretty" if pretty else "-qmp"
        args = [*self._args, option, f"unix:{where},server=on,wait=off"]
        self.config = parse_args(args, self.prog)
        self._args = args

    def hmp_command(
        self,
        name: str,
        handler: HmpHandler | None = None,
        *,
        args_type: str = "",
        params: str = "",
        help: str = "",
    ) -> Any:
        """Add an HMP command beside QEMU's (``help`` lists it; completion knows it).

        The handler gets the :class:`MonitorHMP` (``mon.printf`` writes to the
        client) and the arguments parsed by QEMU's rules from ``args_type``
        (``"value:i,name:s?"``: see ``HMPCommand`` in
        :mod:`qmonitor.machine.hmp_commands`); it runs on the main loop.
        ``params`` and ``help`` are the synopsis and text ``help`` shows.
        Without ``handler`` this is a decorator.

        :raises ValueError: one of ``name``'s names (``|``-separated
            aliases) is already a command.
        """
        if handler is None:

            def wrap(func: _HH) -> _HH:
                self.hmp_command(name, func, args_type=args_type, params=params, help=help)
                return func

            return wrap
        if self.machine is not None or self._thread is not None:
            raise RuntimeError("add HMP commands before the server starts")
        for alias in name.split("|"):
            if any(cmd.matches(alias) for cmd in (*HMP_CMDS, *self._hmp_commands)):
                raise ValueError(f"there is already an HMP command '{alias}'")
        self._hmp_commands.append(HMPCommand(name, args_type, params, help, handler))
        return None

    # -- commands and events --------------------------------------------

    def bind(self, name: str, handler: Handler, *, any_thread: bool = False) -> None:
        """Run ``handler`` for the embedder's schema command ``name``.

        The handler gets the arguments as keyword arguments (``-`` becomes
        ``_``; a ``boxed`` command's handler gets one dict) and returns the
        ``returns`` value (None for ``{}``).  It must be ``async def`` exactly
        when the command is ``'coroutine': true``.  ``any_thread`` says it
        needs only the big lock, not the main loop's thread, so the monitor
        I/O thread may answer it itself while the main loop is idle.

        :raises SchemaBindingError: ``name`` is not one of the embedder's
            commands, or the handler does not fit its flags.
        """
        if self.machine is not None:
            raise RuntimeError("bind commands before the server starts")
        if name not in self._own_commands:
            raise SchemaBindingError(f"the embedder's schema has no command '{name}'")
        cmd = self.schema.lookup_entity(name)
        coroutine = bool(getattr(cmd, "coroutine", False))
        if coroutine and not inspect.iscoroutinefunction(handler):
            raise SchemaBindingError(f"command '{name}' has 'coroutine': true: use async def")
        if not coroutine and inspect.iscoroutinefunction(handler):
            raise SchemaBindingError(
                f"command '{name}' has an async handler but no 'coroutine': true"
            )
        self._handlers[name] = (handler, any_thread)

    def command(self, name: str, *, any_thread: bool = False) -> Callable[[_H], _H]:
        """Decorator form of :meth:`bind`."""

        def wrap(handler: _H) -> _H:
            self.bind(name, handler, any_thread=any_thread)
            return handler

        return wrap

    def emit(self, event: str, data: Mapping[str, Any] | None = None, /, **members: Any) -> None:
        """Emit ``event`` to every negotiated QMP monitor, from any thread.

        Data is ``data`` and/or keyword members (``_`` becomes ``-``; a None
        member is left out; enums and dataclasses are converted as
        code-first handlers' results are).
        It is checked against the schema first; QEMU's throttling applies.
        Before the server starts and after it stops the event goes nowhere.

        :raises SchemaBindingError: no such event, or data that does not fit.
        """
        wire: dict[str, Any] = {k: to_wire(v) for k, v in (data or {}).items()}
        wire.update((k.replace("_", "-"), to_wire(v)) for k, v in members.items() if v is not None)
        payload = wire or None
        check_event(self.schema, event, payload)
        machine = self.machine
        if machine is not None:
            qapi_event_emit(machine.registry, event, payload)

    def call_soon(self, fn: Callable[..., object], *args: Any) -> None:
        """Run ``fn(*args)`` on the main loop, from any thread (e.g. ``machine.vm_stop``)."""
        machine = self.machine
        if machine is None:
            raise RuntimeError("the server is not running")
        machine.loop.call_soon_threadsafe(fn, *args)

    def vm_stop(self, state: RunState = RunState.PAUSED) -> None:
        """Pause the machine as ``stop`` does (``STOP`` if it was running), from any thread.

        On the main loop (in a handler) it happens now; from another thread
        it is queued to the main loop, as a vCPU asks QEMU for a stop.
        """
        self._on_main_loop(lambda machine: machine.vm_stop(state))

    def vm_start(self) -> None:
        """Resume the machine as ``cont`` does (``RESUME``), from any thread.

        Unlike ``cont`` it does not refuse a machine that needs a reset.
        """
        self._on_main_loop(lambda machine: machine.vm_start())

    def _on_main_loop(self, fn: Callable[[Machine], object]) -> None:
        machine = self.machine
        if machine is None:
            raise RuntimeError("the server is not running")
        try:
            here = asyncio.get_running_loop() is machine.loop
        except RuntimeError:
            here = False
        if here:
            fn(machine)
        else:
            machine.loop.call_soon_threadsafe(fn, machine)

    @property
    def running(self) -> bool:
        """Whether the machine's run state is a running one (False when not serving)."""
        machine = self.machine
        return machine is not None and machine.runstate.is_running

    # -- life cycle -----------------------------------------------------

    async def serve(self) -> ShutdownCause | None:
        """Build the machine on the running loop and serve until it shuts down.

        Use a loop from :func:`qmonitor.util.mainloop.new_main_loop` (as :meth:`run`
        does) to get QEMU's big lock and the I/O thread's short road.
        """
        return await self._serve(install_signals=False)

    async def _serve(self, install_signals: bool) -> ShutdownCause | None:
        try:
            machine = self._build(install_signals)
        except BaseException as exc:
            self._startup_error = exc
            self._ready.set()
            raise
        self._ready.set()
        try:
            self._shutdown_cause = await machine.run()
        finally:
            self.machine = None
            chardevs, self._chardevs = self._chardevs, {}
            close_chardevs(chardevs)
        return self._shutdown_cause

    def run(self) -> ShutdownCause | None:
        """Serve in this thread until shutdown (``quit``, a signal, :meth:`shutdown`).

        In the main thread SIGTERM, SIGINT and SIGHUP shut the machine down
        as they do QEMU (``PROG: terminating on signal N``).
        """
        main_thread = threading.current_thread() is threading.main_thread()

        async def serve_with_signals() -> ShutdownCause | None:
            return await self._serve(install_signals=main_thread)

        with asyncio.Runner(loop_factory=new_main_loop) as runner:
            return runner.run(serve_with_signals())

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Serve in a new thread; return once the monitors are listening.

        :raises: what building the machine raised (e.g. :class:`StartupError`
            for a chardev that cannot be opened).
        """
        if self._thread is not None:
            raise RuntimeError("the server was already started")
        self._thread = threading.Thread(target=self._thread_main, name="qmonitor-main", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError("the monitor server did not start")
        if self._startup_error is not None:
            self._thread.join(timeout)
            raise self._startup_error

    def _thread_main(self) -> None:
        with contextlib.suppress(Exception):  # start() re-raises startup errors
            self.run()

    def shutdown(self, cause: ShutdownCause = ShutdownCause.HOST_SIGNAL) -> None:
        """Shut the machine down (raises SHUTDOWN), from any thread."""
        machine = self.machine
        if machine is not None:
            machine.loop.call_soon_threadsafe(machine.shutdown, cause)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a :meth:`start`-ed server to end; True when it has."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def stop(self, timeout: float = START_TIMEOUT) -> None:
        """Shut down a :meth:`start`-ed server and wait until its monitors are gone."""
        self.shutdown()
        if not self.wait(timeout):
            raise TimeoutError("the monitor server did not stop")

    @property
    def shutdown_cause(self) -> ShutdownCause | None:
        """Why the machine shut down (None while it runs, or after :meth:`Machine.exit_now`)."""
        return self._shutdown_cause

    def __enter__(self) -> MonitorServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- building ---------------------------------------------------------

    def _build(self, install_signals: bool) -> Machine:
        missing = [name for name in self._own_commands if name not in self._handlers]
        if missing:
            raise SchemaBindingError(f"no handler for command '{missing[0]}'")
        config = self.config
        if config.qtest is not None:
            raise StartupError("-qtest: not available in an embedded machine")
        machine = Machine(machine_options(config), asyncio.get_running_loop())
        if config.extensions:
            register_extensions(machine)
        apply_start_states(machine, config)
        self._register(machine)
        if install_signals:
            install_signal_handlers(machine, self.prog)
        if self._hmp_commands:
            # Every HMP monitor of the machine, human-monitor-command's too, gets this table.
            machine.hmp_commands = extend_table(machine.hmp_commands, self._hmp_commands)
        self._chardevs = open_monitors(machine, config, self.prog)
        self.machine = machine
        return machine

    def _register(self, machine: Machine) -> None:
        full = machine.commands.full
        # In schema order: query-commands lists commands as QEMU registers
        # them, in the order of the schema.
        for name in self._own_commands:
            handler, any_thread = self._handlers[name]
            full.register(bind_command(self.schema, name, handler, any_thread=any_thread))
        info = tuple(schema_info(self.schema))

        def query_qmp_schema() -> list[dict[str, Any]]:
            return copy.deepcopy(list(info))

        full.register(
            bind_command(self.schema, "query-qmp-schema", query_qmp_schema, any_thread=True)
        )


def main(
    setup: Callable[[MonitorServer], object],
    *sources: str | os.PathLike[str] | CodeFirstSchema,
    argv: Sequence[str] | None = None,
    prog: str | None = None,
) -> int:
    """Run an emulator's monitor from QEMU's command line; return the exit status.

    Parses ``argv`` (default ``sys.argv``), prints errors and ``-h`` as QEMU
    does, composes ``sources`` with the null machine's schema, calls
    ``setup(server)`` to bind handlers and start the emulator, then serves
    until shutdown.  ``setup`` may return a callable, which is called after
    the monitors are gone (to stop the emulator's threads).
    """
    args = list(sys.argv if argv is None else argv)
    name = prog or os.path.basename(args[0] if args else "") or "qmonitor"
    try:
        server = MonitorServer(*sources, args=args[1:], prog=name)
    except CmdlineError as exc:
        return exc.report()
    print_warnings(server.config.warnings)
    cleanup = setup(server)
    try:
        server.run()
    except StartupError as exc:
        sys.stderr.write(f"{name}: {exc}\n")
        return 1
    except KeyboardInterrupt:
        return 1
    finally:
        if callable(cleanup):
            cleanup()
    return 0
