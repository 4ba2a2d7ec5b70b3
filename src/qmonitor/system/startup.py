"""``qmonitor``: QEMU's command line → chardevs, monitors and a null machine.

Parsing lives in :mod:`qmonitor.options.cmdline` (QEMU's option table and texts);
this module opens the chardevs in command-line order, creates the monitors
(``monitor_init`` and its three errors), installs QEMU's signal handling
and runs the machine until it shuts down.  Errors print as QEMU prints
them, ``PROG: -opt value: message``, and exit with status 1.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import functools
import logging
import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from qmonitor.chardev.base import Chardev, ChardevError, NullChardev
from qmonitor.chardev.listener import SocketListener
from qmonitor.chardev.mux import MuxChardev
from qmonitor.chardev.socket import DEFAULT_UNIX_MODE, SocketChardev
from qmonitor.errors import QmonitorError
from qmonitor.machine.extensions import register_extensions
from qmonitor.machine.machine import Machine, MachineOptions
from qmonitor.machine.runstate import ShutdownCause
from qmonitor.monitor.monitor import Monitor
from qmonitor.options.chardev_checks import check_fd_number
from qmonitor.options.cmdline import ChardevConfig, Config, msg_timestamp
from qmonitor.options.display import display_init_error
from qmonitor.options.optgroups import QUERYABLE_OPTION_LISTS
from qmonitor.system.daemon import (
    CHROOT_FAILED,
    PIDFILE_PREFIX,
    PidfileError,
    chroot_possible,
    daemonize,
    remove_pidfile,
    write_pidfile,
)
from qmonitor.system.gilswitch import favour_waiting_threads
from qmonitor.system.held_greetings import add_held_qmp_monitor, release_greetings
from qmonitor.system.longlived import settle_startup_objects
from qmonitor.util.error import QemuOptsError
from qmonitor.util.mainloop import new_main_loop
from qmonitor.util.sigwatch import SignalWatcher, ignore_termination_signals, termination_message

if TYPE_CHECKING:
    # Personas are loaded only when -persona asks for one (start-up time).
    from qmonitor.machine.block.graph import BlockGraph
    from qmonitor.machine.devices.board import DefaultDevices
    from qmonitor.machine.hmp_log import LogState
    from qmonitor.persona.store import Variant
    from qmonitor.system.early import EarlyGreeter

log = logging.getLogger("qmonitor")


class StartupError(QmonitorError):
    """A failure while building the machine; printed as QEMU prints it."""


def create_chardev(
    cfg: ChardevConfig, info: Callable[[str], None], early: EarlyGreeter | None = None
) -> Chardev:
    """Open one chardev from its options (qemu_chr_new_from_opts).

    A unix server socket the ``early`` greeter bound is taken over, with
    the client it greeted.

    ``mux=on`` puts a :class:`MuxChardev` with the configured id on top of
    the device, which is then named ``ID-base`` as in QEMU.  A ``vc`` (a
    console of a display qmonitor does not have) swallows output like
    ``null``.
    """
    opts = cfg.opts

    def backend(label: str) -> Chardev:
        if cfg.backend == "socket":
            # qmonitor's extensions: x-qmonitor-socket-mode (octal, for a
            # unix server's socket file) and x-qmonitor-peer-uid.
            mode = opts.get("x-qmonitor-socket-mode")
            bad_mode = f"x-qmonitor-socket-mode: '{mode}' is not an octal mode"
            try:
                unix_mode = DEFAULT_UNIX_MODE if mode is None else int(mode, 8)
            except ValueError:
                raise ChardevError(bad_mode) from None
            if not 0 <= unix_mode <= 0o777:
                raise ChardevError(bad_mode)
            uid = opts.get("x-qmonitor-peer-uid")
            try:
                peer_uid = None if uid is None else int(uid, 0)
            except ValueError:
                raise ChardevError(f"x-qmonitor-peer-uid: '{uid}' is not a number") from None
            # As QEMU: neither path nor host (a port alone too) is the fd
            # address type, whose number may be missing for a server.
            path, host = opts.get("path"), opts.get("host")
            by_fd = path is None and host is None
            fd_name = opts.get("fd") or ""
            fd = check_fd_number(fd_name) if by_fd and fd_name else None
            server = cfg.get_bool("server", False)
            multi, max_clients = _multi_options(cfg)
            if multi and not server:
                raise ChardevError("x-qmonitor-multi=on needs server=on")
            if multi and cfg.get_bool("mux", False):
                raise ChardevError("x-qmonitor-multi=on is incompatible with mux=on")
            if max_clients is not None and not multi:
                raise ChardevError("x-qmonitor-max-clients needs x-qmonitor-multi=on")
            taken = early.take(path) if early is not None and path is not None else None
            open_socket: Callable[..., SocketChardev] = (
                functools.partial(SocketListener, max_clients=max_clients)
                if multi
                else functools.partial(SocketChardev, server=server)
            )
            if taken is not None and server and not multi:
                open_socket = functools.partial(
                    open_socket,
                    listener=taken.listener,
                    conn=taken.conn,
                    greeted=early.greeting if early is not None else b"",
                )
            return open_socket(
                label,
                path=path,
                host=host or "",
                port=None if by_fd else opts.get("port"),
                fd=fd,
                fd_name=fd_name if by_fd else None,
                wait=cfg.get_bool("wait", True),
                nodelay=cfg.nodelay,
                ipv4=cfg.get_bool("ipv4", False),
                ipv6=cfg.get_bool("ipv6", False),
                unix_mode=unix_mode,
                info=info,
                tls=cfg.tls.context() if cfg.tls is not None else None,
                peer_uid=peer_uid,
            )
        if cfg.backend == "stdio":
            from qmonitor.chardev.stdio import StdioChardev  # backends load when used

            return StdioChardev(label, allow_signal=cfg.get_bool("signal", True))
        if cfg.backend == "pty":
            from qmonitor.chardev.pty import PtyChardev

            return PtyChardev(label)
        if cfg.backend == "file":
            path = opts.get("path")
            if path is None:
                raise ChardevError("chardev: file: no filename given")
            from qmonitor.chardev.file import FileChardev

            return FileChardev(label, path, append=cfg.get_bool("append", False))
        if cfg.backend in ("null", "vc"):
            return NullChardev(label)
        raise ChardevError(f"'{cfg.backend}' is not a valid char driver")

    if cfg.get_bool("mux", False):
        return MuxChardev(cfg.id, backend(f"{cfg.id}-base"))
    return backend(cfg.id)


def _multi_options(cfg: ChardevConfig) -> tuple[bool, int | None]:
    """qmonitor's ``x-qmonitor-multi`` and ``x-qmonitor-max-clients`` of a socket."""
    try:
        multi = cfg.get_bool("x-qmonitor-multi", False)
    except QemuOptsError as exc:
        raise ChardevError(exc.message) from None
    value = cfg.opts.get("x-qmonitor-max-clients")
    if value is None:
        return multi, None
    try:
        max_clients = int(value, 10)
    except ValueError:
        max_clients = 0
    if max_clients < 1:
        raise ChardevError(f"x-qmonitor-max-clients: '{value}' is not a positive number")
    return multi, max_clients


def _add_qtest(machine: Machine, chr: Chardev, log_name: str | None) -> None:
    """Serve qtest on ``chr``, logging as ``-qtest-log`` says (QEMU: stderr by default).

    QEMU opens the log with ``fopen(name, "w+")`` and silently logs nothing
    when that fails.
    """
    if log_name is None:
        machine.add_qtest(chr, sys.stderr)
        return
    if log_name == "none":
        machine.add_qtest(chr, None)
        return
    try:
        log_file = open(log_name, "w+", encoding="latin-1")  # noqa: SIM115 - closed at exit
    except OSError:
        machine.add_qtest(chr, None)
        return
    machine.add_qtest(chr, log_file).close_log_on_exit(log_file)


def default_devices(config: Config) -> DefaultDevices | None:
    """The default devices a PC gets from this command line (softmmu/vl.c)."""
    from qmonitor.machine.devices.board import DefaultDevices

    vga: str | None = None if config.nodefaults else "std"
    nic = not config.nodefaults
    for loc in config.unmodelled:
        option, _, value = loc.partition(" ")
        if option == "-vga":
            vga = value if value != "none" else None
        elif option in ("-net", "-nic"):
            nic = False
    # -serial and -parallel name their chardevs serialN and parallelN; each
    # makes its port, -nodefaults or not.
    labels = [chr.id for chr in config.chardevs]
    serials = sum(label.startswith("serial") for label in labels)
    parallels = sum(label.startswith("parallel") for label in labels)
    on = dict(config.guest.machine_props).get("usb") in ("on", "yes", "true", "y")
    usb = "-usb" in config.unmodelled or on
    # -usbdevice's devices come only on a machine with USB on (usb_parse).
    names = tuple(loc[11:] for loc in config.unmodelled if loc.startswith("-usbdevice ") and usb)
    if config.nodefaults:
        return DefaultDevices(vga, False, serials, parallels, False, False, usb, names)
    off = config.defaults_off
    if "vga" in off and not any(loc.startswith("-vga ") for loc in config.unmodelled):
        vga = None  # the user's display adapter instead (vl.c default_vga)
    cdrom, floppy = "cdrom" not in off, "floppy" not in off
    return DefaultDevices(vga, nic, serials, parallels, cdrom, floppy, usb, names)


def check_devices(machine: Machine) -> None:
    """A PC's ``-device`` devices, created as QEMU creates them once the board is built.

    The network options come first (net_init_clients), on every machine.

    :raises StartupError: QEMU's text for the first it could not create.
    """
    from qmonitor.machine.net_cmds import net_clients

    net_error = net_clients(machine).startup_error
    if net_error is not None:
        raise StartupError(net_error)
    if machine.board is None:
        return
    from qmonitor.machine.devices.state import startup_error

    error = startup_error(machine)
    if error is not None:
        raise StartupError(error)


def warn_network(machine: Machine, config: Config, warn: Callable[[str], None]) -> None:
    """net_check_clients() once the machine is made: back-ends and NICs left unjoined."""
    from qmonitor.machine.net.cmdline import check_clients
    from qmonitor.machine.net_cmds import net_clients

    default_net = not machine.options.net and not machine.options.nodefaults
    qtest = config.qtest is not None or config.accel == "qtest"
    for warning in check_clients(net_clients(machine), default_net, qtest):
        warn(warning)


def machine_options(
    config: Config, version: tuple[tuple[int, int, int], str] | None = None
) -> MachineOptions:
    """What the command line says about the machine itself."""
    qemu_version, package = version or (config.qemu_version, config.package)
    return MachineOptions(
        name=config.name,
        uuid=config.uuid,
        start_paused=config.start_paused,
        machine_type=config.machine,
        qemu_version=qemu_version,
        package=package,
        accel=config.accel,
        display=config.display or "none",
        watchdog_action=config.watchdog_action,
        actions=config.actions,
        rtc=config.rtc,
        nodefaults=config.nodefaults,
        default_devices=default_devices(config) if config.machine != "none" else None,
        ib700=any(device.driver == "ib700" for device in config.devices),
        guest=config.guest,
        command_line_options=QUERYABLE_OPTION_LISTS,
        preconfig=config.preconfig,
        spice=config.spice,
        incoming=config.incoming,
        net=net_options(config),
    )


def net_options(config: Config) -> tuple[tuple[str, str], ...]:
    """``-netdev``, ``-nic`` and ``-net`` as given, in order (the machine sets them up)."""
    found = []
    for loc in config.unmodelled:
        option, _, value = loc.partition(" ")
        if option in ("-netdev", "-nic", "-net"):
            found.append((option[1:], value))
    return tuple(found)


def open_monitors(
    machine: Machine, config: Config, prog: str, early: EarlyGreeter | None = None
) -> dict[str, Chardev]:
    """Open the command line's chardevs and put its monitors on them.

    The ``early`` greeter's sockets are taken over (it stops accepting first).

    Raises :class:`StartupError` with QEMU's text, having closed whatever it
    opened.
    """
    from qmonitor.machine.qmp_fds import add_fd_options

    add_fd_options(machine.registry.fdsets, config.add_fds)
    chardevs: dict[str, Chardev] = {}
    if early is not None:
        early.stop()
    try:
        for cfg in config.chardevs:
            where = cfg.origin

            def info(message: str, where: str = where) -> None:
                sys.stderr.write(
                    f"{prog}: {where}: info: {message}\n" if where else f"{prog}: info: {message}\n"
                )
                sys.stderr.flush()

            try:
                dev = create_chardev(cfg, info, early)
            except ChardevError as exc:
                raise StartupError(f"{where}: {exc}" if where else str(exc)) from None
            chardevs[cfg.id] = dev
            backend = dev.base if isinstance(dev, MuxChardev) else dev
            if isinstance(backend, NullChardev):
                backend.driver = cfg.backend  # a vc stands in as null but is listed as vc
            if isinstance(dev, MuxChardev):
                dev.escape_char = config.escape_char
                # C-a x quits (qmp_quit) whatever frontends the mux has.
                dev.quit_handler = functools.partial(machine.shutdown, ShutdownCause.HOST_QMP_QUIT)
            # QEMU creates a mux's base first: both are in the machine's table.
            machine.chardevs[backend.label] = backend
            machine.chardevs[dev.label] = dev
        for mon in config.monitors:
            chr = chardevs.get(mon.chardev)
            if chr is None:
                raise StartupError(f'chardev "{mon.chardev}" not found')
            if mon.mode != "control" and mon.pretty:
                raise StartupError("'pretty' is not compatible with HMP monitors")
            if isinstance(chr, SocketListener):
                serve_monitors(machine, chr, qmp=mon.mode == "control", pretty=mon.pretty)
            elif mon.mode == "control":
                add_held_qmp_monitor(machine, chr, mon.pretty)
            else:
                machine.add_hmp_monitor(chr)
        attach_serial_ports(machine, chardevs)
    except BaseException:
        abandon_chardevs(machine, chardevs)
        raise
    finally:
        if early is not None:
            early.abandon()
    return chardevs


def apply_start_states(machine: Machine, config: Config) -> None:
    """``-singlestep`` and ``-enable-sync-profile``: what the machine starts with."""
    if config.singlestep:
        from qmonitor.machine.singlestep import set_singlestep

        set_singlestep(machine, True)
    if config.sync_profile:
        from qmonitor.machine.hmp_null import SyncProfile

        machine.part(SyncProfile, SyncProfile).enabled = True


def attach_serial_ports(machine: Machine, chardevs: dict[str, Chardev]) -> None:
    """A PC's serial ports take their chardevs as the board is made, after the monitors.

    On a mux (``-serial mon:stdio``) the port is the last frontend and so
    has the focus first, as QEMU's 16550A has.
    """
    from qmonitor.machine.devices.board import SERIAL_PORTS
    from qmonitor.machine.devices.serial_port import SerialReceiver

    defaults = machine.options.default_devices
    serials = 0 if defaults is None else min(defaults.serials, len(SERIAL_PORTS))
    labels = [f"serial{index}" for index in range(serials)]
    # ``-device isa-serial,chardev=ID`` (libvirt's way) opens its chardev the same way.
    labels += [
        dict(device.props).get("chardev", "")
        for device in machine.options.guest.devices
        if device.driver == "isa-serial"
    ]
    for label in labels:
        chr = chardevs.get(label)
        if chr is not None and not isinstance(chr, SocketListener):
            SerialReceiver().attach(chr, machine.loop)


def abandon_chardevs(machine: Machine, chardevs: dict[str, Chardev]) -> None:
    """Close the chardevs of a start-up that failed once they were open.

    QEMU exit()s then without finalizing its chardevs: socket files stay.
    """
    machine.keep_socket_files()
    for chr in chardevs.values():
        chr.close()
    if machine.iothread is not None:
        machine.iothread.destroy()


def serve_monitors(
    machine: Machine, listener: SocketListener, *, qmp: bool, pretty: bool = False
) -> None:
    """Give each client of a multi-client listener a monitor of its own.

    As if each client had a ``-qmp`` (or ``-monitor``) socket to itself:
    its own greeting, negotiation and events.  A QMP client is accepted on
    the monitor I/O thread, where its monitor runs (QEMU accepts on the
    chardev's context); an HMP one on the main loop.  The monitor is
    destroyed when its client goes.
    """
    loop = machine.loop
    if qmp:
        iothread = machine.iothread
        if iothread is not None and listener.supports_gcontext:
            iothread.start()
            loop = iothread.loop

        def new_monitor(chr: SocketChardev) -> Callable[[], None]:
            return functools.partial(_drop_monitor, machine.add_qmp_monitor(chr, pretty=pretty))

    else:

        def new_monitor(chr: SocketChardev) -> Callable[[], None]:
            return functools.partial(_drop_monitor, machine.add_hmp_monitor(chr))

    listener.serve(new_monitor, loop)


def _drop_monitor(mon: Monitor) -> None:
    """Destroy the monitor of a client that has gone (unless the machine's cleanup did)."""
    if mon.registry.remove(mon):
        mon.flush()
        mon.destroy()


def close_chardevs(chardevs: dict[str, Chardev]) -> None:
    """Close the chardevs once the monitors are gone (QEMU's qemu_chr_cleanup).

    That unlinks the socket files of unix servers, and closes the
    chardevs no monitor used.
    """
    for chr in chardevs.values():
        chr.close()


def install_signal_handlers(
    machine: Machine, prog: str, watcher: SignalWatcher | None = None
) -> None:
    """SIGTERM, SIGINT and SIGHUP shut the machine down, as they do QEMU.

    Installed before any chardev is opened, as QEMU does: a signal that
    comes as soon as a socket is there is already handled.  With a
    ``watcher`` (the command's own process) the message names the sender
    as QEMU's does; without one (a machine in someone else's process) the
    loop's signal handlers take the signals and the sender is not known.
    """

    def on_signal(signum: int, pid: int = 0) -> None:
        # QEMU writes the line as it takes the shutdown request: a signal
        # that comes while the machine shuts down adds nothing.
        if machine.shutdown_cause is not None:
            return
        # The terminal may be gone (SIGHUP): a failed message must not stop
        # the shutdown.
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.write(termination_message(prog, signum, pid))
            sys.stderr.flush()
        machine.shutdown(ShutdownCause.HOST_SIGNAL)

    if watcher is not None:
        loop = machine.loop
        watcher.deliver_to(lambda signum, pid: loop.call_soon_threadsafe(on_signal, signum, pid))
        return
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            machine.loop.add_signal_handler(signum, on_signal, signum)


async def _amain(
    config: Config,
    prog: str,
    persona: Variant | None = None,
    on_ready: Callable[[], None] | None = None,
    log_state: LogState | None = None,
    watcher: SignalWatcher | None = None,
    early: EarlyGreeter | None = None,
) -> int:
    loop = asyncio.get_running_loop()
    version = (config.qemu_version, config.package)
    if persona is not None:
        from qmonitor.persona.serve import install_persona, recorded_version

        version = recorded_version(persona) or version
    machine = Machine(machine_options(config, version), loop)
    if log_state is not None:
        machine.part(type(log_state), lambda: log_state)
    if config.trace_enabled:
        from qmonitor.machine.trace_state import enabled_events

        enabled_events(machine).update(config.trace_enabled)
    if config.extensions:
        register_extensions(machine)
    if config.guest_commands:
        from qmonitor.machine.guest_actions import register_guest

        register_guest(machine)
    apply_start_states(machine, config)
    if persona is not None:
        install_persona(machine, persona)
    install_signal_handlers(machine, prog, watcher)
    chardevs = open_monitors(machine, config, prog, early)

    def warn(message: str) -> None:
        sys.stderr.write(f"{message_prefix(config, prog)}warning: {message}\n")

    try:
        if config.blockdevs:
            from qmonitor.machine.block.commands import graph_of

            add_blockdevs(graph_of(machine), config)
        add_drives(machine, config)
        from qmonitor.system.cpu_check import check_cpu

        check_cpu(config, persona, warn)
        if machine.board is not None:
            release_greetings(machine)  # building a board takes QEMU long enough to greet
            sys.stderr.write("".join(config.option_rom_warnings))  # pc_memory_init, not fatal
        check_devices(machine)
        # qemu_machine_creation_done: orphaned drives, then the network's warnings.
        check_orphaned_drives(machine, config, prog)
        warn_network(machine, config, warn)
        if config.loadvm is not None and not config.preconfig:
            load_vm(machine, config.loadvm)
    except StartupError:
        abandon_chardevs(machine, chardevs)
        raise
    if config.qtest is not None:
        qtest_chr = chardevs.get(config.qtest)
        if qtest_chr is not None:
            _add_qtest(machine, qtest_chr, config.qtest_log)
    if config.incoming is not None and config.incoming != "defer":
        from qmonitor.machine.migrate import IncomingError, start_incoming

        try:
            start_incoming(machine, config.incoming)
        except IncomingError as exc:
            abandon_chardevs(machine, chardevs)
            raise StartupError(f"-incoming {config.incoming}: {exc}") from None
    # qemu_init_displays(): GTK and SDL say so themselves, egl and dbus with error_report.
    failed = display_init_error(config.display or "none", dict(config.display_options))
    if failed is not None:
        abandon_chardevs(machine, chardevs)
        prefix = message_prefix(config, prog) if failed.prefixed else ""
        sys.stderr.write("".join(f"{prefix}{line}\n" for line in failed.lines))
        return 1
    if config.chroot is not None and not chroot_possible(config.chroot):
        # os_setup_post(), once everything is set up.
        abandon_chardevs(machine, chardevs)
        raise StartupError(CHROOT_FAILED)
    release_greetings(machine)
    if on_ready is not None:
        on_ready()
    settle_startup_objects()
    favour_waiting_threads()
    try:
        await machine.run()
    finally:
        close_chardevs(chardevs)
    return machine.exit_status


def load_vm(machine: Machine, name: str) -> None:
    """qmp_x_exit_preconfig()'s ``-loadvm``: the snapshot loaded, its error fatal.

    :raises StartupError: QEMU's text, without a location.
    """
    from qmonitor.machine.block.commands import graph_of
    from qmonitor.machine.savevm import load_snapshot
    from qmonitor.qapi.error import QapiError

    try:
        load_snapshot(machine, graph_of(machine), name)
    except QapiError as exc:
        raise StartupError(exc.desc) from None


def _open_log(config: Config) -> LogState | None:
    """qemu_set_log_filename_flags() for ``-d`` and ``-D``: the log file is opened (emptied).

    None when the command line does not log (the machine then makes its
    settings on first use, as QEMU's defaults).
    """
    if not config.log_items and config.log_file is None and config.trace_file is None:
        return None
    from qmonitor.machine.hmp_log import LogState, start_log

    log_state = LogState()
    error = start_log(log_state, config.log_items, config.log_file)
    if error:
        raise StartupError(error)
    return log_state


def add_blockdevs(graph: BlockGraph, config: Config) -> None:
    """configure_blockdev(): open each ``-blockdev`` node as ``blockdev-add`` would.

    :raises StartupError: the first failure, after the option QEMU names.
    """
    from qmonitor.machine.block.commands import blockdev_add
    from qmonitor.qapi.error import QapiError

    for options, where in config.blockdevs:
        try:
            blockdev_add(graph, options)
        except QapiError as exc:
            raise StartupError(f"{where}: {exc.desc}") from None


def add_drives(
    machine: Machine, config: Config, warn: Callable[[str], object] = sys.stderr.write
) -> None:
    """configure_blockdev(): the ``-drive`` drives, then the machine's default ones.

    ``warn`` gets the texts QEMU prints as they are (a probed raw image).

    :raises StartupError: QEMU's text for the first drive that failed.
    """
    pc = machine.board is not None
    # A PC's storage devices follow the drives, none or some.
    if not config.drives and not pc:
        return
    from qmonitor.machine.block.drive_setup import DriveDefaults
    from qmonitor.machine.block.drive_setup import add_drives as open_drives

    defaults = DriveDefaults()
    if pc:
        q35 = "q35" in (config.guest.machine_typename or config.machine)
        on = not config.nodefaults
        defaults = DriveDefaults(
            "ide",
            q35,
            cdrom=on and "cdrom" not in config.defaults_off,
            floppy=on and not q35 and "floppy" not in config.defaults_off,
            sdcard=on,
        )
    error = open_drives(machine, config.drives, defaults, warn)
    if error is not None:
        raise StartupError(error)


def check_orphaned_drives(machine: Machine, config: Config, prog: str) -> None:
    """drive_check_orphaned(): a drive of an interface no device took stops QEMU.

    :raises StartupError: every such drive's text, each on its own line.
    """
    if not config.drives:
        return
    from qmonitor.machine.block.drive_setup import orphaned_drives

    orphans = orphaned_drives(machine)
    if orphans:
        raise StartupError(f"\n{message_prefix(config, prog)}".join(orphans))


def _start_process(
    config: Config,
) -> tuple[Variant | None, Callable[[], None] | None, LogState | None]:
    """Load the persona, open the log, daemonize and write the pidfile, in QEMU's order.

    Returns the persona's variant for the accelerator asked for, what to
    call once the monitors are up, and the log settings (``-d``, ``-D``,
    ``-trace file=``) for the machine.
    """
    persona = None
    if config.persona is not None:
        from qmonitor.persona.store import Persona, PersonaError

        try:
            persona = Persona.load(config.persona).variant(config.accel)
        except PersonaError as exc:
            raise StartupError(f"-persona {config.persona}: {exc}") from None
    log_state = _open_log(config)
    daemon = daemonize() if config.daemonize else None
    if config.pidfile is not None:
        try:
            fd = write_pidfile(config.pidfile)
        except PidfileError as exc:
            raise StartupError(f"{PIDFILE_PREFIX}{exc}") from None
        atexit.register(remove_pidfile, config.pidfile, fd)
    if config.trace_file is not None and log_state is not None:
        # trace_init_file(): -trace file= names the log file, after daemonizing.
        from qmonitor.machine.hmp_log import start_log

        error = start_log(log_state, log_state.items, config.trace_file)
        if error:
            raise StartupError(error)
    return persona, daemon.ready if daemon is not None else None, log_state


def message_prefix(config: Config, prog: str) -> str:
    """What starts QEMU's error and warning lines: the time with ``-msg timestamp=on``, the name."""
    return (msg_timestamp() if config.msg_timestamp else "") + f"{prog}: "


def run(config: Config, prog: str, early: EarlyGreeter | None = None) -> int:
    """Build the machine that ``config`` describes and run it until it ends; the exit status.

    ``early``: the greeter that bound the QMP sockets before the command line
    was parsed (:mod:`qmonitor.system.early`); its sockets are taken over.
    """
    try:
        return _run(config, prog, early)
    finally:
        if early is not None:
            early.abandon()


def _run(config: Config, prog: str, early: EarlyGreeter | None) -> int:
    try:
        started = _start_process(config)
    except StartupError as exc:
        sys.stderr.write(f"{message_prefix(config, prog)}{exc}\n")
        return 1
    try:
        # Before any thread starts: the watcher blocks the signals in all.
        with SignalWatcher(hold=early is not None) as watcher:
            try:
                with asyncio.Runner(loop_factory=new_main_loop) as runner:
                    return runner.run(_amain(config, prog, *started, watcher=watcher, early=early))
            finally:
                # QEMU's handlers take these until it exits: one that comes
                # while the process ends (or is pending) ends nothing.
                ignore_termination_signals()
    except StartupError as exc:
        sys.stderr.write(f"{message_prefix(config, prog)}{exc}\n")
        return 1
    except KeyboardInterrupt:
        return 1
