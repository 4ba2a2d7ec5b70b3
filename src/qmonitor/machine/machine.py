"""The null machine: run state, no CPU, and everything its monitors need.

A :class:`Machine` owns what QEMU keeps in globals for its monitors: the
monitor registry and event state, the QMP command lists, the in-band
dispatcher on the main loop and the monitor I/O thread.  Its run state
moves as QEMU's does (``-S`` → prelaunch, ``stop`` → paused, ``cont`` →
running, a reset while not running → prelaunch) and raises QEMU's events.
Its devices (the PC's RTC, ``-device ib700``) sit on an I/O port bus that
qtest drives; device timers run on QEMU_CLOCK_VIRTUAL, which is qtest's
clock under ``-accel qtest`` and otherwise follows host time while the VM
runs (:mod:`qmonitor.machine.vclock`).  Machine types with CPUs (all but
``none`` and ``x-remote``) get the vCPUs the command line asked for
(:mod:`qmonitor.machine.guest`), each with an idle thread of its own
(:mod:`qmonitor.machine.vcpu`).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from qmonitor.chardev.base import Chardev
from qmonitor.machine.guest import GuestConfig
from qmonitor.machine.irq import GpioDevice
from qmonitor.machine.pcboard import PcBoard, board_layout, resolve_gpio_device
from qmonitor.machine.ports import PortBus
from qmonitor.machine.qtest import AddressSpace, BadRequest, QTestServer, QTestSession
from qmonitor.machine.rtc import MC146818
from qmonitor.machine.rtc_time import RtcSettings
from qmonitor.machine.runstate import RunState, ShutdownCause
from qmonitor.machine.vclock import RunningClock
from qmonitor.machine.vcpu import VcpuThreads
from qmonitor.machine.watchdog import (
    IB700_BASE,
    IB700_PORTS,
    WATCHDOG_DEBUG_MESSAGE,
    Ib700,
    WatchdogAction,
)
from qmonitor.monitor.events import (
    Clock,
    EventState,
    RealtimeClock,
    VirtualClock,
    qapi_event_emit,
)
from qmonitor.monitor.iothread import IOThread
from qmonitor.monitor.monitor import MonitorRegistry
from qmonitor.monitor.qmp import MonitorQMP, QmpCommandSets, QmpDispatcher
from qmonitor.qapi.error import QapiError
from qmonitor.util.qemuopts import OptsListSpec
from qmonitor.version import DEFAULT_QEMU_VERSION, PACKAGE

if TYPE_CHECKING:
    from qmonitor.machine.devices.board import DefaultDevices
    from qmonitor.machine.qom import QomSource
    from qmonitor.monitor.hmp import MonitorHMP
    from qmonitor.monitor.hmp_table import HMPCommand

log = logging.getLogger(__name__)

_Part = TypeVar("_Part")

#: softmmu/vl.c: qmp_x_exit_preconfig once the machine is built.
EXIT_PRECONFIG_TOO_LATE = "The command is permitted only before machine initialization"

#: Seconds between the end of the main loop and closing the monitors.
CLOSE_GRACE = 0.002

#: Machine types without CPUs (MachineClass max_cpus of 0 or no CPU type).
CPULESS_MACHINES = frozenset({"none", "x-remote"})


@dataclass(frozen=True)
class MachineOptions:
    """What the command line says about the machine itself."""

    name: str | None = None
    uuid: str | None = None
    start_paused: bool = False
    machine_type: str = "none"
    qemu_version: tuple[int, int, int] = DEFAULT_QEMU_VERSION
    package: str = PACKAGE
    target_arch: str = "x86_64"
    #: The accelerator: ``qtest`` puts events on the virtual clock.
    accel: str | None = None
    #: Run QMP monitors in the monitor I/O thread (QEMU's way; enables OOB).
    use_io_thread: bool = True
    #: What an expired watchdog does (``-watchdog-action``): a WatchdogAction value.
    watchdog_action: str = "reset"
    #: The display (``-display``; ``none`` with ``-nographic`` or none asked for).
    display: str = "none"
    #: Plug an ib700 watchdog into the ISA bus (``-device ib700``).
    ib700: bool = False
    #: ``-action`` (with ``-no-reboot``, ``-no-shutdown``): (action, value) pairs.
    actions: tuple[tuple[str, str], ...] = ()
    #: ``-rtc``: (option, value) pairs (base, clock, driftfix).
    rtc: tuple[tuple[str, str], ...] = ()
    #: ``-nodefaults``: no default devices (moves a PC's devices in the QOM tree).
    nodefaults: bool = False
    #: A PC's default devices (``-vga``, ``-net``, ``-serial`` ...); None: all of
    #: them, or none with ``-nodefaults``.
    default_devices: DefaultDevices | None = None
    #: The guest's CPUs, memory, devices and objects (``-cpu``, ``-m``, ...).
    guest: GuestConfig = field(default_factory=GuestConfig)
    #: The command line's option lists, as ``query-command-line-options`` shows
    #: them: given by whoever builds the machine from a command line (the
    #: machine sits below the command line and knows none of its own).
    command_line_options: tuple[OptsListSpec, ...] = ()
    #: ``--preconfig``: wait, not built, until ``x-exit-preconfig``.
    preconfig: bool = False
    #: The SPICE server's options (``-spice``), None without SPICE.
    spice: tuple[tuple[str, str], ...] | None = None
    #: ``-incoming``: wait for an incoming migration (a URI, or ``defer``).
    incoming: str | None = None
    #: ``-netdev``, ``-nic``, ``-net``: (option, argument) in command-line order.
    net: tuple[tuple[str, str], ...] = ()

    @property
    def has_cpus(self) -> bool:
        """Whether the machine type has vCPUs (every type but ``none`` and ``x-remote``)."""
        return self.machine_type not in CPULESS_MACHINES


class Machine:
    """A null machine with its monitors, living on one asyncio main loop.

    Create it inside the running main loop (or pass ``loop``), add monitors,
    then ``await machine.run()`` until something shuts it down.
    """

    def __init__(
        self, options: MachineOptions | None = None, loop: asyncio.AbstractEventLoop | None = None
    ) -> None:
        self.options = options or MachineOptions()
        self.loop = loop or asyncio.get_running_loop()
        self.registry = MonitorRegistry()
        #: QEMU_CLOCK_VIRTUAL when qtest drives time, else None.
        self.virtual_clock = VirtualClock() if self.options.accel == "qtest" else None
        self.registry.events = EventState(self.virtual_clock or RealtimeClock(self.loop))
        #: QEMU_CLOCK_VIRTUAL as devices see it: qtest's clock, or one that
        #: follows host time while the VM runs.
        self.running_clock: RunningClock | None = None
        if self.virtual_clock is not None:
            self.guest_clock: Clock = self.virtual_clock
        else:
            self.running_clock = RunningClock(
                self.loop,
                running=not (
                    self.options.start_paused or self.options.preconfig or self.options.incoming
                ),
            )
            self.guest_clock = self.running_clock
        self.watchdog_action = WatchdogAction(self.options.watchdog_action)
        actions = dict(self.options.actions)
        #: What a guest reset does (``reboot``) and a guest shutdown (``shutdown``).
        self.reboot_action = actions.get("reboot", "reset")
        self.shutdown_action = actions.get("shutdown", "poweroff")
        #: What a guest's panic does (``-action panic=``; only the opt-in guest panics).
        self.panic_action = actions.get("panic", "shutdown")
        self.ports = PortBus()
        self.board: PcBoard | None = None
        self.rtc: MC146818 | None = None
        mtype = self.options.guest.machine_typename or self.options.machine_type
        layout = board_layout(mtype, self.options.nodefaults)
        if layout is not None:
            self.board = PcBoard(
                layout,
                guest_clock=self.guest_clock,
                loop=self.loop,
                ports=self.ports,
                emit=self.emit_event,
                ram_size=self.options.guest.ram_size,
                rtc_settings=RtcSettings.configure(
                    *(dict(self.options.rtc).get(k) for k in ("base", "clock", "driftfix"))
                ),
                floppy=not self.options.nodefaults and "q35" not in mtype,
                q35="q35" in mtype,
            )
            self.rtc = self.board.rtc
        self.ib700: Ib700 | None = None
        if self.options.ib700:
            self.ib700 = Ib700(self.guest_clock, self.watchdog_perform_action)
            self.ports.register(IB700_BASE, IB700_PORTS, self.ib700)
        self.commands = QmpCommandSets()
        #: The state of subsystems made on first use (see :meth:`part`).
        self._parts: dict[type, Any] = {}
        self._hmp_commands: tuple[HMPCommand, ...] | None = None
        if self.board is not None:
            from qmonitor.machine.devices.state import register_config_ports

            register_config_ports(self)
        self.dispatcher = QmpDispatcher(self.registry, self.loop)
        self.iothread: IOThread | None = IOThread() if self.options.use_io_thread else None
        #: The chardevs by id, in creation order (a mux's base before the mux).
        self.chardevs: dict[str, Chardev] = {}
        #: Waiting in preconfig: the machine is not built (PHASE_MACHINE_READY not reached).
        self.in_preconfig = self.options.preconfig
        self.runstate = (
            RunState.INMIGRATE
            if self.options.incoming is not None
            else RunState.PRELAUNCH
            if self.options.start_paused or self.in_preconfig
            else RunState.RUNNING
        )
        #: QEMU's ``autostart``: run once built, or once an incoming migration is done.
        self.autostart = not self.options.start_paused
        #: The process's exit status (1 after a failed incoming migration, as QEMU).
        self.exit_status = 0
        self.shutdown_cause: ShutdownCause | None = None
        self._vcpus: VcpuThreads | None = None
        #: Recorded vCPUs by CPU model (a persona's), for the QOM tree.
        self.vcpu_records: Mapping[str, QomSource] = {}
        self._exit = asyncio.Event()
        self._exit_hooks: list[Callable[[], None]] = []
        self._qtest_servers: list[QTestServer] = []
        #: Set by exit_now(): the process ends as after C's exit(), skipping cleanup logs.
        self._exited_abruptly = False
        from qmonitor.machine.qmp_commands import register_commands

        register_commands(self)
        self.commands.full.preconfig = self.in_preconfig

    # -- monitors ---------------------------------------------------------

    def part(self, kind: type[_Part], make: Callable[[], _Part]) -> _Part:
        """The machine's one ``kind`` of subsystem state, made by ``make`` on first use.

        Subsystems whose commands register on the machine (QOM, chardevs,
        network back-ends, dumps) keep their state here instead of in
        attributes of their own.
        """
        part = self._parts.get(kind)
        if part is None:
            part = self._parts[kind] = make()
        return part

    def existing_part(self, kind: type[_Part]) -> _Part | None:
        """The machine's ``kind`` of subsystem state if it was made (None: never used)."""
        part: _Part | None = self._parts.get(kind)
        return part

    def add_qmp_monitor(
        self, chr: Chardev, *, pretty: bool = False, start: bool = True
    ) -> MonitorQMP:
        """Create a QMP monitor on ``chr`` (``monitor_init_qmp``); ``start=False``: not yet."""
        if self.iothread is not None and chr.supports_gcontext:
            self.iothread.start()
            io_loop: asyncio.AbstractEventLoop | None = self.iothread.loop
        else:
            io_loop = None
        mon = MonitorQMP(
            self.registry,
            chr,
            commands=self.commands,
            greeting_version=self.query_version,
            dispatcher=self.dispatcher,
            pretty=pretty,
            iothread_loop=io_loop,
        )
        if start:
            mon.start()
        return mon

    @property
    def hmp_commands(self) -> tuple[HMPCommand, ...]:
        """The HMP command table new HMP monitors get (QEMU's, as qmonitor models it).

        Set it to extend the table (see
        :func:`qmonitor.monitor.hmp_table.extend_table`).
        """
        if self._hmp_commands is None:
            # Imported on first use: a start without HMP does not load it.
            from qmonitor.machine.hmp_commands import HMP_CMDS

            self._hmp_commands = HMP_CMDS
        return self._hmp_commands

    @hmp_commands.setter
    def hmp_commands(self, table: tuple[HMPCommand, ...]) -> None:
        self._hmp_commands = table

    def add_hmp_monitor(self, chr: Chardev) -> MonitorHMP[Machine]:
        """Create an interactive HMP monitor on ``chr`` (``monitor_init_hmp``)."""
        from qmonitor.monitor.hmp import MonitorHMP

        mon = MonitorHMP(self, chr)
        mon.start()
        return mon

    @property
    def qemu_version(self) -> tuple[int, int, int]:
        """The QEMU version the machine claims to be (``-qmonitor-version``)."""
        return self.options.qemu_version

    def request_quit(self) -> None:
        """Shut down as ``quit`` does (QMP, HMP, or C-a x on a mux)."""
        self.shutdown(ShutdownCause.HOST_QMP_QUIT)

    # -- events -------------------------------------------------------------

    def add_qtest(self, chr: Chardev, log: TextIO | None = None) -> QTestServer:
        """Serve the qtest protocol on ``chr`` (``-qtest``), logging to ``log``."""
        session = QTestSession(
            self.ports,
            self.virtual_clock,
            log=log,
            memory=self._qtest_memory(),
            resolve_device=self.resolve_gpio_device,
            loaded_modules=frozenset({"accel-qtest-x86_64"} if self.virtual_clock else ()),
        )
        server = QTestServer(session, chr)
        server.start(self.loop)
        self._qtest_servers.append(server)
        if self.board is not None:
            self.board.start_observed()
        return server

    def _qtest_memory(self) -> AddressSpace | None:
        """The board's memory with the PCI devices' mapped BARs on top (none without a board)."""
        if self.board is None:
            return None
        from qmonitor.machine.devices.state import qtest_memory

        return qtest_memory(self, self.board.memory)

    def resolve_gpio_device(self, path: str) -> GpioDevice | None:
        """The device at QOM ``path`` with its GPIO lines, for qtest.

        Devices qmonitor wires interrupts for come first; any other device
        of the QOM tree has no lines; an object that is not a device is an
        error (QEMU would abort).
        """
        if self.board is not None:
            dev, ambiguous = resolve_gpio_device(self.board.gpio_devices(), path)
            if dev is not None or ambiguous:
                return dev
        from qmonitor.machine.qom_commands import machine_qom

        obj, _ = machine_qom(self).resolve(path)
        if obj is None:
            return None
        if not any(prop.name == "realized" for prop in obj.props):
            raise BadRequest(f"'{path}' is not a device")
        return GpioDevice(obj.path())

    def emit_event(self, event: str, data: dict[str, Any] | None = None) -> None:
        """Emit a QAPI event to every negotiated QMP monitor, from any thread."""
        qapi_event_emit(self.registry, event, data)

    # -- facts ---------------------------------------------------------------

    def query_version(self) -> dict[str, Any]:
        major, minor, micro = self.options.qemu_version
        return {
            "qemu": {"major": major, "minor": minor, "micro": micro},
            "package": self.options.package,
        }

    def vcpu_thread_ids(self) -> list[int]:
        """The kernel thread ids of the vCPUs, their threads started on first use."""
        if not self.options.has_cpus:
            return []
        if self._vcpus is None:
            guest = self.options.guest
            self._vcpus = VcpuThreads(guest.smp.cpus, self.options.accel, guest.debug_threads)
        return self._vcpus.thread_ids

    # -- run state --------------------------------------------------------

    def vm_stop(self, state: RunState = RunState.PAUSED) -> None:
        """Pause a running machine and raise STOP (do_vm_stop)."""
        if self.runstate.is_running:
            if self.running_clock is not None:
                self.running_clock.stop()
            if self.virtual_clock is not None:
                # pause_all_vcpus: no virtual-clock timer fires while stopped.
                self.virtual_clock.enabled = False
            self.runstate = state
            self.emit_event("STOP")

    def vm_start(self) -> None:
        """Resume the machine, raising RESUME (vm_start)."""
        if self.runstate.is_running:
            return
        self.emit_event("RESUME")
        self.runstate = RunState.RUNNING
        if self.running_clock is not None:
            self.running_clock.start()
        if self.virtual_clock is not None and not self.virtual_clock.enabled:
            # resume_all_vcpus: timers that fell due meanwhile fire from the
            # main loop, after the command that resumed.
            self.virtual_clock.enabled = True
            self.loop.call_soon_threadsafe(self.virtual_clock.run_due)

    def exit_preconfig(self) -> None:
        """Build the machine and start it unless ``-S`` (qmp_x_exit_preconfig).

        :raises QapiError: once the machine is built.
        """
        if not self.in_preconfig:
            raise QapiError(EXIT_PRECONFIG_TOO_LATE)
        self.in_preconfig = False
        self.commands.full.preconfig = False
        self.vcpu_thread_ids()  # QEMU makes its vCPU threads with the board
        if not self.options.start_paused and self.options.incoming is None:
            self.vm_start()

    def cont(self) -> None:
        """The ``cont`` command (qmp_cont)."""
        if self.runstate.needs_reset:
            raise QapiError("Resetting the Virtual Machine is required")
        if self.runstate is RunState.SUSPENDED:
            return
        if self.runstate is RunState.FINISH_MIGRATE:
            raise QapiError("Migration is not complete")
        from qmonitor.machine.block.graph import BlockGraph

        graph = self.existing_part(BlockGraph)
        if graph is not None:
            graph.activate_all()  # images a completed migration handed over come back
        if self.runstate is RunState.INMIGRATE:
            # qmp_cont: run once the incoming migration is done.
            self.autostart = True
            return
        self.vm_start()

    def system_reset_request(self, cause: ShutdownCause) -> None:
        """A reset request (qemu_system_reset_request): ``-no-reboot`` makes it a shutdown."""
        if self.reboot_action == "shutdown" and cause is not ShutdownCause.SUBSYSTEM_RESET:
            self.shutdown_request(cause)
        else:
            self.system_reset(cause)

    def shutdown_request(self, cause: ShutdownCause) -> None:
        """A shutdown request: SHUTDOWN, then exit, or stop with ``-no-shutdown``."""
        if self.shutdown_action == "pause":
            self.emit_event("SHUTDOWN", {"guest": cause.by_guest, "reason": cause.value})
            self.vm_stop(RunState.SHUTDOWN)
        else:
            self.shutdown(cause)

    def system_reset(self, cause: ShutdownCause) -> None:
        """Reset the machine (qemu_system_reset and the main loop's follow-up)."""
        if self.ib700 is not None:
            self.ib700.reset()
        if self.board is not None:
            self.board.reset()
            from qmonitor.machine.devices.state import reset_devices
            from qmonitor.machine.devices.virtio_mem_pci import reset_virtio_mem

            reset_devices(self)
            reset_virtio_mem(self)
        self.emit_event("RESET", {"guest": cause.by_guest, "reason": cause.value})
        if self.board is not None:
            from qmonitor.machine.devices.state import finish_unplugs

            finish_unplugs(self)
        if self.runstate not in (RunState.RUNNING, RunState.INMIGRATE, RunState.FINISH_MIGRATE):
            self.runstate = RunState.PRELAUNCH

    def system_powerdown(self) -> None:
        """Ask the guest to power down; the null machine has nobody to ask."""
        self.emit_event("POWERDOWN")

    def shutdown(self, cause: ShutdownCause) -> None:
        """Shut down: raise SHUTDOWN and let the main loop end (qemu_system_shutdown)."""
        if self.shutdown_cause is not None:
            return
        self.shutdown_cause = cause
        self.emit_event("SHUTDOWN", {"guest": cause.by_guest, "reason": cause.value})
        # QEMU's main loop ends here: no further in-band request is run.
        self.dispatcher.stop_taking_requests()
        self.loop.call_soon_threadsafe(self._exit.set)

    def watchdog_perform_action(self) -> None:
        """An expired watchdog: WATCHDOG, then the action (watchdog_perform_action)."""
        action = self.watchdog_action
        self.emit_event("WATCHDOG", {"action": action.value})
        if action is WatchdogAction.RESET:
            self.system_reset_request(ShutdownCause.GUEST_RESET)
        elif action is WatchdogAction.SHUTDOWN:
            self.system_powerdown()
        elif action is WatchdogAction.POWEROFF:
            # QEMU calls exit(0) here: no SHUTDOWN event, the monitors just go.
            self.exit_now()
        elif action is WatchdogAction.PAUSE:
            self.vm_stop(RunState.WATCHDOG)
        elif action is WatchdogAction.DEBUG:
            sys.stderr.write(WATCHDOG_DEBUG_MESSAGE)
            sys.stderr.flush()
        # NONE: the event only; INJECT_NMI: an NMI no monitor can see.

    def keep_socket_files(self) -> None:
        """Leave the unix servers' socket files when the chardevs close, as QEMU's exit() does."""
        from qmonitor.chardev.socket import SocketChardev

        for chr in self.chardevs.values():
            if isinstance(chr, SocketChardev):
                chr.keep_socket_file()

    def exit_now(self, status: int = 0) -> None:
        """End the process as QEMU's ``exit(status)`` does: no event, no further request.

        Nor are the chardevs finalized: unix servers' socket files stay.
        """
        self.exit_status = status
        self.keep_socket_files()
        self._exited_abruptly = True
        self.dispatcher.stop_taking_requests()
        self.loop.call_soon_threadsafe(self._exit.set)

    # -- life cycle -----------------------------------------------------------

    def on_exit(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` after the monitors are gone (e.g. remove a pidfile)."""
        self._exit_hooks.append(hook)

    async def run(self) -> ShutdownCause | None:
        """Serve until shut down, then clean up as the seed's ``monitor_cleanup``."""
        self.dispatcher.start()
        # QEMU creates its vCPU threads with the machine, before the main loop
        # (with --preconfig, when x-exit-preconfig builds it).
        if not self.in_preconfig:
            self.vcpu_thread_ids()
        try:
            await self._exit.wait()
        finally:
            await self.cleanup()
        return self.shutdown_cause

    async def cleanup(self) -> None:
        """Stop the dispatcher, then the I/O thread, then flush and destroy monitors."""
        await self.dispatcher.shutdown()
        if not self._exited_abruptly:
            for server in self._qtest_servers:
                server.shutdown()
        if self.iothread is not None:
            self.iothread.stop()
        # QEMU tears a whole machine down before its monitors close: a
        # client that hangs up right after quit's reply finds the
        # connection still open.  Leave it that much time too.
        await asyncio.sleep(CLOSE_GRACE)
        self.registry.destroy_all()
        if self.iothread is not None:
            self.iothread.destroy()
        if self._vcpus is not None:
            self._vcpus.stop()
        for hook in self._exit_hooks:
            try:
                hook()
            except Exception:  # an exit hook must not hide the others
                log.exception("exit hook failed")
