"""What the command line produces: the :class:`Config` start-up and embedders build from.

:func:`qmonitor.options.cmdline.parse_args` returns a :class:`Config` (the
chardevs to open, the monitors to put on them, the machine settings) or
raises :class:`CmdlineError`.  These types are shared by process start-up
(:mod:`qmonitor.system.startup`) and the library's embedding API
(:mod:`qmonitor.embed`); they hold data only.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from qmonitor.errors import QmonitorError
from qmonitor.machine.guest import GuestConfig
from qmonitor.options.optlists import CHARDEV_OPTS
from qmonitor.util.qemuopts import TypedOptGetters

if TYPE_CHECKING:
    from qmonitor.machine.block.drive_setup import DriveOption

    # -object's module (TLS credentials) is loaded when an -object needs it.
    from qmonitor.options.objects import ObjectConfig, TlsCredsX509


class CmdlineError(QmonitorError):
    """parse_args() wants the program to stop: print ``message`` on ``stream``, exit ``status``.

    Raised for errors (status 1, stderr; ``message`` holds everything QEMU
    would have printed so far, warnings included) and for ``-h``,
    ``-version`` and the ``help`` listings (usually status 0, stdout).
    """

    def __init__(
        self,
        message: str,
        status: int,
        stream: Literal["stdout", "stderr"],
        warnings: str = "",
        stdout: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.stream: Literal["stdout", "stderr"] = stream
        #: For a listing on stdout: the warnings QEMU printed on stderr before it.
        self.warnings = warnings
        #: For an error on stderr: what QEMU printed on stdout before it
        #: (``Bad argument to echr``).
        self.stdout = stdout

    def report(self) -> int:
        """Print the message where QEMU prints it; the exit status."""
        if self.stdout:
            sys.stdout.write(self.stdout)
            sys.stdout.flush()
        if self.warnings:
            sys.stderr.write(self.warnings)
            sys.stderr.flush()
        stream = sys.stdout if self.stream == "stdout" else sys.stderr
        if self.message:
            stream.write(self.message if self.message.endswith("\n") else self.message + "\n")
            stream.flush()
        return self.status


def print_warnings(warnings: Iterable[str], stdout: str = "") -> None:
    """Print the warnings parsing gathered, one line each, on stderr (and ``stdout``'s text)."""
    for warning in warnings:
        sys.stderr.write(warning if warning.endswith("\n") else warning + "\n")
    if stdout:
        sys.stdout.write(stdout)
        sys.stdout.flush()


@dataclass(frozen=True, slots=True)
class ChardevConfig(TypedOptGetters):
    """One chardev to open: its id, backend and raw QemuOpts values.

    ``opts`` holds every option but ``backend`` and ``id``, the last value of
    each winning, as QEMU stored them (so the short flag ``nodelay`` appears
    as ``delay=off``; see :attr:`nodelay`).  ``origin`` is the command-line
    location QEMU prefixes its messages about this chardev with
    (``"-qmp unix:/p,server=on"``), or empty for the defaults.
    """

    id: str
    backend: str
    opts: dict[str, str] = field(hash=False)
    origin: str = ""
    #: The loaded credentials ``tls-creds`` names (a socket's), if any.
    tls: TlsCredsX509 | None = field(default=None, hash=False)

    def get(self, name: str) -> str | None:
        """Option ``name``, or its QEMU default (``tight`` defaults to ``on``)."""
        value = self.opts.get(name)
        if value is None:
            desc = CHARDEV_OPTS.find(name)
            return desc.default if desc is not None else None
        return value

    @property
    def nodelay(self) -> bool:
        """The socket backend's TCP_NODELAY setting, from ``nodelay`` and ``delay``."""
        return not self.get_bool("delay", True) or self.get_bool("nodelay", False)


@dataclass(frozen=True, slots=True)
class MonitorConfig:
    """One monitor: the chardev it runs on, ``control`` (QMP) or ``readline`` (HMP).

    ``mode`` is None when ``-mon`` gave none (QEMU then makes an HMP monitor).
    """

    chardev: str
    mode: str | None
    pretty: bool
    origin: str = ""


@dataclass(frozen=True, slots=True)
class DeviceConfig:
    """One modelled ``-device``: its driver, its ``id`` if any, where it was given."""

    driver: str
    id: str | None = None
    origin: str = ""


@dataclass(frozen=True, slots=True)
class Config:
    """Everything parse_args() found, ready for the machine to be built.

    ``chardevs`` and ``monitors`` are in the order QEMU creates them.
    ``qtest`` is the id of the chardev the qtest protocol runs on (QEMU
    names it ``qtest``; its ChardevConfig is among ``chardevs`` unless it is
    an existing one named with ``-qtest chardev:ID``).  ``accel`` is the
    accelerator QEMU would start, None when none was asked for.
    ``unmodelled`` lists options accepted but not modelled, as written.
    ``warnings`` is the text QEMU prints on stderr for a command line it
    accepts (deprecation warnings, rejected accelerators), ready to print.
    """

    chardevs: tuple[ChardevConfig, ...]
    monitors: tuple[MonitorConfig, ...]
    name: str | None
    uuid: str | None
    start_paused: bool
    machine: str
    accel: str | None
    qtest: str | None
    nodefaults: bool
    display: str | None
    daemonize: bool
    pidfile: str | None
    qemu_version: tuple[int, int, int]
    package: str
    unmodelled: tuple[str, ...]
    nographic: bool = False
    #: The last ``-display``'s members (its initialisation reads some: rendernode, p2p ...).
    display_options: tuple[tuple[str, object], ...] = ()
    #: What a PC's board prints of the -option-rom files it cannot open.
    option_rom_warnings: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    #: ``-qmonitor-extensions``: register qmonitor's ``x-qmonitor-*`` commands.
    extensions: bool = False
    #: ``-qmonitor-guest``: register the opt-in guest's ``x-qmonitor-guest-*`` commands.
    guest_commands: bool = False
    #: The devices qmonitor models, in command-line order (other ``-device``
    #: options are in ``unmodelled``).
    devices: tuple[DeviceConfig, ...] = ()
    #: What an expired watchdog does (``-watchdog-action``, ``-action watchdog=``).
    watchdog_action: str = "reset"
    #: ``-action``, ``-no-reboot``, ``-no-shutdown``: (action, value) given.
    actions: tuple[tuple[str, str], ...] = ()
    #: ``-rtc``: its options (base, clock, driftfix) as given.
    rtc: tuple[tuple[str, str], ...] = ()
    #: ``-qtest-log``: a file name, ``none``, or None for stderr.
    qtest_log: str | None = None
    #: ``-persona FILE``: answer the recorded QEMU's queries from FILE.
    persona: str | None = None
    #: ``-msg timestamp=on``: error messages start with the time.
    msg_timestamp: bool = False
    #: ``-object``: every object, in command-line order (qmonitor.options.objects).
    objects: tuple[ObjectConfig, ...] = ()
    #: The loaded ``tls-creds-x509`` objects, by id.
    tls_creds: dict[str, TlsCredsX509] = field(default_factory=dict)
    #: The guest: CPUs, memory, devices, objects (qmonitor.machine.guest).
    guest: GuestConfig = field(default_factory=GuestConfig)
    #: The last ``-cpu`` as given, None without one (checked by check_cpu_option).
    cpu_option: str | None = None
    #: ``--preconfig``: the machine waits in preconfig until ``x-exit-preconfig``.
    preconfig: bool = False
    #: The SPICE server's options (``-spice``, ``[spice]``), None without SPICE.
    spice: tuple[tuple[str, str], ...] | None = None
    #: ``-add-fd``: (duplicate descriptor, fd set, opaque) to put into the fd sets.
    add_fds: tuple[tuple[int, int, str | None], ...] = ()
    #: ``-d``: the log items chosen (checked; ``trace`` for ``trace:PATTERN``).
    log_items: frozenset[str] = frozenset()
    #: ``-D``: the log file's name as given (a ``%d`` stands for the process id).
    log_file: str | None = None
    #: ``-trace file=``: the log file once the process has daemonized.
    trace_file: str | None = None
    #: The trace events ``-trace`` and ``-d trace:`` turned on.
    trace_enabled: frozenset[str] = frozenset()
    #: ``-blockdev``: (visited BlockdevOptions, the option as given), in order.
    blockdevs: tuple[tuple[dict[str, Any], str], ...] = ()
    #: ``-drive`` and its short forms, in command-line order.
    drives: tuple[DriveOption, ...] = ()
    #: The default devices ``-device``/``-global`` drivers turned off
    #: (:mod:`qmonitor.options.default_list`): ``cdrom``, ``floppy``, ``vga`` ...
    defaults_off: frozenset[str] = frozenset()
    #: ``-chroot``: the directory QEMU would enter once set up (checked, not entered).
    chroot: str | None = None
    #: ``-incoming``: the URI (or ``defer``) of an incoming migration, None without.
    incoming: str | None = None
    #: ``-loadvm NAME``: the snapshot start-up loads once the machine is made.
    loadvm: str | None = None
    #: ``-echr``: the escape character of every mux (Ctrl-A by default).
    escape_char: int = 0x01
    #: What QEMU prints on stdout for a command line it accepts (``-echr`` without a number).
    stdout: str = ""
    #: ``-singlestep``: the machine starts in single-step mode.
    singlestep: bool = False
    #: ``-enable-sync-profile``: synchronization profiling starts on.
    sync_profile: bool = False
