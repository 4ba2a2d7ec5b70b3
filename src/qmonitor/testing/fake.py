"""FakeQemu: a qmonitor machine in a thread of its own, scripted by a test.

The machine runs on its own main loop in a background thread, with a QMP
monitor on a unix socket in a private directory.  Clients connect to
:attr:`FakeQemu.socket_path`, where a proxy (:mod:`qmonitor.testing.proxy`)
logs what they send and applies transport faults.  The handle's methods
may be called from any thread (the test's, or its asyncio loop's); they
hand the work to the machine's loop and wait for it.

Without a script the fake is qmonitor's null machine: QEMU 7.2's greeting,
negotiation, ``query-*`` commands, ``stop``/``cont``, CommandNotFound for
commands it does not know, byte for byte.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from qmonitor.chardev.socket import SocketChardev
from qmonitor.errors import QmonitorError
from qmonitor.machine.extensions import register_extensions
from qmonitor.machine.guest_actions import register_guest
from qmonitor.machine.machine import Machine, MachineOptions
from qmonitor.machine.runstate import RunState, ShutdownCause
from qmonitor.monitor.qmp import MonitorQMP
from qmonitor.mux.address import Address
from qmonitor.options.optgroups import QUERYABLE_OPTION_LISTS
from qmonitor.qapi.error import QapiError
from qmonitor.testing.log import RequestLog, Sent
from qmonitor.testing.proxy import Faults, Proxy
from qmonitor.testing.script import Action, AfterEvent, ReplyFunction, Rule, Script, make_error
from qmonitor.util.mainloop import new_main_loop
from qmonitor.version import DEFAULT_QEMU_VERSION

T = TypeVar("T")

#: How long the handle waits for the machine's loop to do something (s).
CALL_TIMEOUT = 10.0

_UNSET: Any = object()


class FakeQemuError(QmonitorError):
    """Misuse of the fake (not running, bad argument) or a failure to start it."""


class _LogView:
    """Log and fault methods shared by the in-process and subprocess fakes."""

    socket_path: str
    log: RequestLog
    faults: Faults

    @property
    def sent(self) -> list[Sent]:
        """Every message clients sent, in order."""
        return self.log.entries()

    @property
    def requests(self) -> list[Any]:
        """The values clients sent, in order (None for malformed input)."""
        return [entry.value for entry in self.log.entries()]

    @property
    def commands(self) -> list[str]:
        """The command names clients sent, in order (``qmp_capabilities`` included)."""
        return [name for entry in self.log.entries() if (name := entry.command) is not None]

    def clear_log(self) -> None:
        self.log.clear()

    def wait_for_command(self, name: str, timeout: float = 5.0, count: int = 1) -> Sent:
        """Block until clients have sent ``name`` ``count`` times; the last of them."""

        def enough(entries: list[Sent]) -> bool:
            return sum(1 for e in entries if e.command == name) >= count

        entries = self.log.wait_for(enough, timeout)
        return [e for e in entries if e.command == name][count - 1]

    async def wait_for_command_async(self, name: str, timeout: float = 5.0, count: int = 1) -> Sent:
        """:meth:`wait_for_command` for a test running its own asyncio loop."""
        return await asyncio.to_thread(self.wait_for_command, name, timeout, count)


class FakeQemu(_LogView):
    """A fake QEMU in this process.  Use as a context manager, or start()/close().

    :param name: ``-name`` (query-name).
    :param start_paused: ``-S``: start in prelaunch.
    :param qemu_version: the version the greeting and query-version report.
    :param oob: offer the ``oob`` capability (the monitor I/O thread); False
        runs the monitor on the main loop, as on a chardev without GCONTEXT.
    :param extensions: add the ``x-qmonitor-emit-event(s)`` commands.
    :param guest: add the opt-in guest's ``x-qmonitor-guest-*`` commands
        (``-qmonitor-guest``; on this device-less machine, reset, shutdown).
    :param directory: where the sockets go (default: a new temp directory).
    """

    def __init__(
        self,
        *,
        name: str | None = None,
        start_paused: bool = False,
        qemu_version: tuple[int, int, int] = DEFAULT_QEMU_VERSION,
        oob: bool = True,
        extensions: bool = False,
        guest: bool = False,
        directory: str | Path | None = None,
    ) -> None:
        self.options = MachineOptions(
            name=name,
            start_paused=start_paused,
            qemu_version=qemu_version,
            use_io_thread=oob,
            command_line_options=QUERYABLE_OPTION_LISTS,
        )
        self._extensions = extensions
        self._guest = guest
        self._own_dir = directory is None
        self.directory = Path(directory or tempfile.mkdtemp(prefix="qmon-fake-"))
        self.socket_path = str(self.directory / "qmp.sock")
        self._upstream_path = str(self.directory / ".monitor.sock")
        self.log = RequestLog()
        self.faults = Faults()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._machine: Machine | None = None
        self._script: Script | None = None
        self._proxy: Proxy | None = None
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._stop: asyncio.Event | None = None
        #: Why the machine shut down (a client's ``quit``...), once it has.
        self.shutdown_cause: ShutdownCause | None = None
        self._closed = False

    # -- life cycle -----------------------------------------------------------

    def start(self) -> FakeQemu:
        """Start the machine's thread and wait until the socket takes clients."""
        if self._thread is not None:
            raise FakeQemuError("the fake QEMU is already started")
        self._thread = threading.Thread(target=self._thread_main, name="fake-qemu", daemon=True)
        self._thread.start()
        if not self._ready.wait(CALL_TIMEOUT):
            raise FakeQemuError("the fake QEMU did not start")
        if self._startup_error is not None:
            self._thread.join(CALL_TIMEOUT)
            raise FakeQemuError(f"the fake QEMU failed to start: {self._startup_error}")
        return self

    def close(self) -> None:
        """Stop the machine (no SHUTDOWN event: like killing QEMU) and clean up."""
        if self._closed:
            return
        self._closed = True
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stop.set)
        if self._thread is not None:
            self._thread.join(CALL_TIMEOUT)
        if self._own_dir:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> FakeQemu:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def running(self) -> bool:
        """The machine still runs (no client made it quit, not closed)."""
        return self._thread is not None and self._thread.is_alive() and not self._closed

    @property
    def machine(self) -> Machine:
        """The machine itself (touch it only through :meth:`call`)."""
        if self._machine is None:
            raise FakeQemuError("the fake QEMU is not running")
        return self._machine

    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the machine's main loop (holding its big lock); its result."""
        loop = self._loop
        if loop is None or not self.running:
            raise FakeQemuError("the fake QEMU is not running")
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            try:
                future.set_result(fn())
            except BaseException as exc:
                future.set_exception(exc)

        loop.call_soon_threadsafe(run)
        return future.result(CALL_TIMEOUT)

    def _thread_main(self) -> None:
        try:
            with asyncio.Runner(loop_factory=new_main_loop) as runner:
                runner.run(self._amain())
        except BaseException as exc:
            if not self._ready.is_set():
                self._startup_error = exc
                self._ready.set()
            else:  # pragma: no cover - reported to the test through a dead handle
                raise

    async def _amain(self) -> None:
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._stop = asyncio.Event()
        machine = Machine(self.options, loop)
        if self._extensions:
            register_extensions(machine)
        if self._guest:
            register_guest(machine)
        self._machine = machine
        self._script = Script(machine)
        chr = SocketChardev("compat_monitor0", path=self._upstream_path, server=True, wait=False)
        machine.add_qmp_monitor(chr)
        proxy = Proxy(
            Address(path=self.socket_path), Address(path=self._upstream_path), self.log, self.faults
        )
        await proxy.start()
        self._proxy = proxy
        run = asyncio.ensure_future(machine.run())
        stop = asyncio.ensure_future(self._stop.wait())
        self._ready.set()
        try:
            await asyncio.wait({run, stop}, return_when=asyncio.FIRST_COMPLETED)
            if not run.done():
                machine.exit_now()
            self.shutdown_cause = await run
        finally:
            stop.cancel()
            await proxy.close()

    # -- scripting --------------------------------------------------------------

    def reply(
        self,
        command: str,
        value: Any = None,
        *,
        error: QapiError | str | tuple[str, str] | None = None,
        delay: float = 0.0,
        times: int | None = None,
    ) -> None:
        """Answer ``command`` with ``value`` (or ``error``, or ``value(arguments)``).

        ``value`` may be a function of the request's arguments; it returns
        the reply's value (or an awaitable of it) or raises
        :class:`~qmonitor.qapi.error.QapiError`.  ``error`` is ``"text"``
        (GenericError) or ``("ClassName", "text")``.  ``delay`` (s) holds
        the reply back; later requests wait behind it, as in QEMU.
        ``times`` limits the rule to that many requests (one-shot rules are
        used before permanent ones); afterwards the command answers as
        before.  Scripting a command the machine lacks adds it.
        """
        function: ReplyFunction | None = value if callable(value) else None
        rule = Rule(
            Action.REPLY,
            value=None if function is not None else value,
            error=make_error(error) if error is not None else None,
            function=function,
            delay=delay,
            times=times,
        )
        self._add_rule(command, rule)

    def unscript(self, command: str | None = None) -> None:
        """Forget what was scripted for ``command`` (or for every command)."""
        self.call(lambda: self._require_script().reset(command))

    def emit(
        self,
        event: str,
        data: dict[str, Any] | None = None,
        *,
        after_ms: float | None = None,
        after_command: str | None = None,
        times: int | None = 1,
    ) -> None:
        """Raise ``event`` now, ``after_ms`` from now, or after ``after_command``'s reply.

        Events go through QEMU's throttle and to every negotiated client, as
        a device's would.  ``times`` applies to ``after_command``: how many
        of its runs raise the event (None: all).
        """
        if after_command is not None:
            after = AfterEvent(event, data, (after_ms or 0) / 1000, times)
            self.call(lambda: self._require_script().add_event(after_command, after))
            return

        def emit() -> None:
            machine = self.machine
            if after_ms:
                machine.loop.call_later(after_ms / 1000, machine.emit_event, event, data)
            else:
                machine.emit_event(event, data)

        self.call(emit)

    @property
    def runstate(self) -> str:
        """The run state query-status reports."""
        return self.call(lambda: self.machine.runstate.value)

    def set_runstate(self, state: str | RunState) -> None:
        """Move the machine to ``state``: ``running`` resumes (RESUME), a
        stop state from running pauses (STOP); between stop states the
        state just changes, as QEMU's ``runstate_set``.
        """
        target = RunState(state)

        def change() -> None:
            machine = self.machine
            if target is RunState.RUNNING:
                machine.vm_start()
            elif machine.runstate.is_running:
                machine.vm_stop(target)
            else:
                machine.runstate = target

        self.call(change)

    def shutdown(self, reason: str = "guest-shutdown") -> None:
        """Shut the machine down as QEMU would (SHUTDOWN event, then exit)."""
        cause = ShutdownCause(reason)
        self.call(lambda: self.machine.shutdown(cause))
        if self._thread is not None:
            self._thread.join(CALL_TIMEOUT)

    # -- command faults -------------------------------------------------------

    def drop_at_command(self, command: str, *, times: int | None = 1) -> None:
        """Cut the client's connection where the reply to ``command`` would be."""
        self._add_rule(command, Rule(Action.DROP, times=times), first=True)

    def garbage(
        self, command: str, data: bytes = b"\xff{garbage}\r\n", *, times: int | None = 1
    ) -> None:
        """Send ``data``, as it is, in place of ``command``'s reply."""
        self._add_rule(command, Rule(Action.GARBAGE, garbage=data, times=times), first=True)

    def stall(self, command: str, *, times: int | None = 1) -> None:
        """Leave ``command`` unanswered until :meth:`release` (it then answers as usual).

        In-band requests after it wait too: the monitor looks hung.
        """
        self._add_rule(command, Rule(Action.STALL, times=times), first=True)

    def release(self) -> None:
        """Let stalled commands answer, and stalled output flow."""
        self.call(lambda: self._require_script().release())
        self.stall_output(False)

    # -- transport faults ------------------------------------------------------

    def stall_output(self, stalled: bool = True) -> None:
        """Hold every byte for clients (True) until ``stall_output(False)``."""
        self.call(lambda: self._require_proxy().stall(stalled))

    def inject(self, data: bytes) -> int:
        """Write raw ``data`` to every connected client now; how many there were."""
        return self.call(lambda: self._require_proxy().inject(data))

    def disconnect(self) -> int:
        """Cut every client connection now; how many there were."""
        return self.call(lambda: self._require_proxy().disconnect_all())

    @property
    def connections(self) -> int:
        """How many clients are connected."""
        return self.call(lambda: self._require_proxy().connections)

    @property
    def monitor(self) -> MonitorQMP | None:
        """The QMP monitor behind the proxy."""
        for mon in self.machine.registry.monitors:
            if isinstance(mon, MonitorQMP):
                return mon
        return None

    # -- helpers ------------------------------------------------------------------

    def _add_rule(self, command: str, rule: Rule, *, first: bool = False) -> None:
        self.call(lambda: self._require_script().add_rule(command, rule, first=first))

    def _require_script(self) -> Script:
        if self._script is None:
            raise FakeQemuError("the fake QEMU is not running")
        return self._script

    def _require_proxy(self) -> Proxy:
        if self._proxy is None:
            raise FakeQemuError("the fake QEMU is not running")
        return self._proxy
