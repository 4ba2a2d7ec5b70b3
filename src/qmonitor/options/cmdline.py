"""QEMU's command line, parsed the way ``qemu-system-x86_64`` 7.2 parses it.

:func:`parse_args` turns an argument vector into a :class:`Config`: the
chardevs to open, the monitors to put on them, and the machine settings.  It
opens nothing.  It follows ``softmmu/vl.c``: a first pass over the vector
that rejects unknown options and missing arguments, a second pass that
handles each option in order (and reports QemuOpts syntax errors at once),
then the later stages in QEMU's order -- ``-action``/``-watchdog-action``,
``-device DRIVER,help``, machine type, default devices, chardevs,
accelerators, the qtest chardev, monitors, serial and parallel ports, and
last the ``-device`` devices qmonitor models (the ib700) -- each reporting
the errors QEMU reports there, with QEMU's texts and ``PROG: -opt arg:``
prefixes.  Errors QEMU only meets while opening a device
(a socket that cannot be bound, a file that cannot be created) are left to
whoever opens it.

``-qmonitor-version X.Y.Z`` and ``-qmonitor-package STR`` are qmonitor's
own options: the QEMU version to emulate and the ``package`` string to
report.  They are read before anything else so that ``-version`` sees them.
Options QEMU has but qmonitor does not model are accepted and listed in
:attr:`Config.unmodelled`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from qmonitor.errors import QmonitorError
from qmonitor.machine.guest import (
    DEFAULT_CPU_MODEL,
    DEFAULT_RAM_SIZE,
    MACHINE_CPU_MODELS,
    GuestConfig,
    GuestDevice,
    GuestObject,
    smp_limits,
)
from qmonitor.options.checks import (
    BOOT_OPTS,
    OVERCOMMIT_OPTS,
    RTC_OPTS,
    SANDBOX_OPTS,
    CheckError,
    check_boot,
    check_rtc,
    check_sandbox,
)
from qmonitor.options.guest import (
    MEMORY_OPTS,
    SMP_OPTS,
    GuestOptionError,
    parse_cpu,
    parse_json_device,
    ram_size,
    smp_config,
)
from qmonitor.options.help import help_text, version_text
from qmonitor.util.keyval import (
    DISPLAY_HELP_TEXT,
    ENUM_VALUE,
    check_display,
    keyval_parse,
    keyval_put,
)
from qmonitor.util.qemuopts import (
    ACCEL_OPTS,
    CHARDEV_OPTS,
    MISSING_PARAMETER,
    MON_OPTS,
    NAME_OPTS,
    CompatParseError,
    Diagnostic,
    OptDesc,
    OptsGroup,
    OptsListSpec,
    OptType,
    QemuOpts,
    QemuOptsError,
    QemuOptsHelp,
    TypedOptGetters,
    chardev_parse_compat,
    check_chardev,
    is_help_option,
    translate_chardev_alias,
)
from qmonitor.version import DEFAULT_QEMU_VERSION, PACKAGE

if TYPE_CHECKING:
    # -object's module (TLS credentials) is loaded when an -object needs it.
    from qmonitor.options.objects import ObjectConfig, TlsCredsX509

# --------------------------------------------------------------------------
# QEMU's texts (softmmu/vl.c, monitor/monitor.c, chardev/char-fe.c,
# qapi/qobject-input-visitor.c, util/keyval.c, tests/qtest/... qtest.c).

INVALID_OPTION = "invalid option"
REQUIRES_ARGUMENT = "requires an argument"
UUID_WRONG_FORMAT = "failed to parse UUID string: wrong format"
MONITOR_PARSE_ERROR = "parse error: {}"
UNSUPPORTED_MACHINE = "unsupported machine type"
MACHINE_HINT = "Use -machine help to list supported machines\n"
NOGRAPHIC_DAEMONIZE = "-nographic cannot be used with -daemonize"
INVALID_ACCELERATOR = "invalid accelerator {}"
ACCEL_INCOMPATIBLE = 'The -accel and "-machine accel=" options are incompatible'
ACCEL_FALLBACK = "falling back to {}"
ACCEL_PROPERTY_NOT_FOUND = "Property '{}-accel.{}' not found"
QTEST_INIT_FAILED = 'Failed to initialize device for qtest: "{}"'
#: monitor_init()'s texts (the seed); "Only QMP is supported" never shows in
#: qemu-system, whose monitors may all be HMP.
CHARDEV_NOT_FOUND = 'chardev "{}" not found'
PRETTY_HMP = "'pretty' is not compatible with HMP monitors"
#: qemu_chr_fe_init(): QERR_DEVICE_IN_USE.
DEVICE_IN_USE = "Device '{}' is in use"
SERIAL_CONNECT = "could not connect serial device to character backend '{}'"
PARALLEL_CONNECT = "could not connect parallel device to character backend '{}'"
TOO_MANY_PARALLEL = "too many parallel ports"
VNC_NEEDS_DISPLAY = "VNC requires a display argument vnc=<display>"
OPENGL_UNSUPPORTED = "OpenGL is not supported by the display"
#: -device (softmmu/qdev-monitor.c, hw/core/qdev-properties.c).
DEVICE_NO_BUS = "No '{}' bus found for device '{}'"
DEVICE_BUS_NOT_FOUND = "Bus '{}' not found"
DEVICE_PROPERTY_NOT_FOUND = "Property '{}.{}' not found"
DEVICE_NO_OPTIONS = "There are no options for {}.\n"
#: qmonitor's own option.
BAD_QEMU_VERSION = "expected a version MAJOR.MINOR.MICRO"

#: QEMU's limits (softmmu/vl.c MAX_PARALLEL_PORTS, chardev/char-mux.h MAX_MUX).
MAX_PARALLEL_PORTS = 3
MAX_MUX = 4

#: What ``-accel help`` prints (QEMU omits qtest, which is for tests only).
ACCEL_HELP_TEXT = "Accelerators supported in QEMU binary:\ntcg\nkvm\n"
#: The accelerators qmonitor accepts and the properties each takes.  QEMU 7.2
#: builds have qtest; Debian's 7.2 package leaves it out, qmonitor keeps it.
ACCELERATORS: dict[str, frozenset[str]] = {
    "tcg": frozenset({"thread", "tb-size", "split-wx"}),
    "kvm": frozenset(
        {"kernel-irqchip", "kvm-shadow-mem", "dirty-ring-size", "notify-vmexit", "notify-window"}
    ),
    "qtest": frozenset(),
}

#: x86_64 machine types of QEMU 7.2: (name, alias, description, flags) as ``-machine help``
#: lists them; flags: "d" default, "x" deprecated.
_PC_VERSIONS = ("7.2", "7.1", "7.0", "6.2", "6.1", "6.0", "5.2", "5.1", "5.0", "4.2", "4.1",
                "4.0", "3.1", "3.0", "2.9", "2.8", "2.7", "2.6", "2.5", "2.4", "2.3", "2.2",
                "2.12", "2.11", "2.10", "2.1", "2.0", "1.7", "1.6", "1.5", "1.4")  # fmt: skip
_Q35_VERSIONS = ("7.2", "7.1", "7.0", "6.2", "6.1", "6.0", "5.2", "5.1", "5.0", "4.2", "4.1",
                 "4.0.1", "4.0", "3.1", "3.0", "2.9", "2.8", "2.7", "2.6", "2.5", "2.4", "2.12",
                 "2.11", "2.10")  # fmt: skip
_I440FX = "Standard PC (i440FX + PIIX, 1996)"
_Q35 = "Standard PC (Q35 + ICH9, 2009)"
MACHINES: tuple[tuple[str, str | None, str, str], ...] = (
    ("microvm", None, "microvm (i386)", ""),
    *(
        (f"pc-i440fx-{v}", "pc" if v == "7.2" else None, _I440FX,
         "d" if v == "7.2" else "x" if v.startswith("1.") else "")
        for v in _PC_VERSIONS
    ),
    *((f"pc-q35-{v}", "q35" if v == "7.2" else None, _Q35, "") for v in _Q35_VERSIONS),
    ("isapc", None, "ISA-only PC", ""),
    ("none", None, "empty machine", ""),
    ("x-remote", None, "Experimental remote machine", ""),
)  # fmt: skip
#: Machines without default serial and parallel ports (MachineClass no_serial/no_parallel).
_NO_DEFAULT_PORTS = frozenset({"none", "x-remote"})
#: What qmonitor reports when no -machine is given (QEMU's default is pc-i440fx-7.2).
DEFAULT_MACHINE = "pc"

#: ``-action`` and ``-watchdog-action`` (softmmu/runstate-action.c): one merged
#: group, whose members are the arguments of QMP ``set-action``.
ACTION_OPTS = OptsListSpec(
    "action",
    None,
    tuple(OptDesc(name, OptType.STRING) for name in ("shutdown", "reboot", "panic", "watchdog")),
    merge_lists=True,
)
#: The values each member takes (qapi/run-state.json), in the order QEMU checks them.
RUNSTATE_ACTIONS: dict[str, tuple[str, ...]] = {
    "reboot": ("reset", "shutdown"),
    "shutdown": ("poweroff", "pause"),
    "panic": ("pause", "shutdown", "exit-failure", "none"),
    "watchdog": ("reset", "shutdown", "poweroff", "pause", "debug", "none", "inject-nmi"),
}
#: ``-device`` (softmmu/qdev-monitor.c: qemu_device_opts): any option, implied ``driver``.
DEVICE_OPTS = OptsListSpec("device", "driver", ())
#: ``-msg`` (softmmu/vl.c: qemu_msg_opts).
MSG_OPTS = OptsListSpec(
    "msg", None, (OptDesc("timestamp", OptType.BOOL), OptDesc("guest-name", OptType.BOOL))
)


def msg_timestamp() -> str:
    """The prefix ``-msg timestamp=on`` gives messages (util/qemu-error.c: real_time_iso8601)."""
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1e6):06d}Z "


#: The devices qmonitor models: driver -> (the bus it plugs into, its properties).
DEVICES: dict[str, tuple[str, frozenset[str]]] = {"ib700": ("ISA", frozenset())}
#: The ISA bus of the PC machines, as ``bus=`` names it.
ISA_BUS = "isa.0"

#: The chardev short form QEMU uses for default serial, parallel and monitor.
_DEFAULT_VC = "vc:80Cx24C"


def machine_help_text() -> str:
    """What ``-machine help`` prints."""
    lines = ["Supported machines are:\n"]
    for name, alias, desc, flags in MACHINES:
        if alias is not None:
            lines.append(f"{alias:<20} {desc} (alias of {name})\n")
        suffix = (" (default)" if "d" in flags else "") + (" (deprecated)" if "x" in flags else "")
        lines.append(f"{name:<20} {desc}{suffix}\n")
    return "".join(lines)


def _machine_known(name: str) -> bool:
    return any(name in (m[0], m[1]) for m in MACHINES)


def machine_typename(name: str) -> str | None:
    """The full name of machine type ``name`` (an alias resolved), None if unknown."""
    for full, alias, _, _ in MACHINES:
        if name in (full, alias):
            return full
    return None


# --------------------------------------------------------------------------
# The option table: name -> takes an argument.  Modelled options first, then
# QEMU options that are accepted and recorded in Config.unmodelled.

_MODELLED: dict[str, bool] = {
    "h": False, "help": False, "version": False, "machine": True, "M": True,
    "accel": True, "enable-kvm": False, "no-acpi": False, "name": True, "uuid": True,
    "chardev": True,
    "mon": True, "qmp": True, "qmp-pretty": True, "monitor": True, "serial": True,
    "parallel": True, "S": False, "display": True, "nographic": False,
    "nodefaults": False, "no-user-config": False, "qtest": True, "daemonize": False,
    "pidfile": True, "qmonitor-version": True, "qmonitor-package": True,
    "qmonitor-extensions": False, "device": True, "watchdog-action": True, "action": True,
    "qtest-log": True, "persona": True, "msg": True, "object": True, "cpu": True,
    "smp": True, "m": True, "audiodev": True, "rtc": True, "overcommit": True, "sandbox": True,
    "boot": True,
}  # fmt: skip
_UNMODELLED: dict[str, bool] = {
    **dict.fromkeys(
        ("drive", "blockdev", "netdev", "nic", "net",
         "global", "vga", "k", "L", "bios", "kernel", "initrd",
         "append", "dtb", "D", "d", "trace",
         "incoming", "compat", "seed", "vnc", "debugcon", "icount", "runas", "chroot",
         "gdb", "fw_cfg", "smbios", "numa", "add-fd", "set",
         "readconfig", "mem-path", "plugin", "loadvm", "option-rom",
         "acpitable", "hda", "hdb", "hdc", "hdd", "cdrom", "fda", "fdb", "mtdblock", "sd",
         "pflash", "usbdevice", "echr", "audio", "tpmdev", "fsdev", "virtfs",
         "iscsi", "spice", "dfilter", "dump-vmstate", "rotate"),
        True,
    ),
    **dict.fromkeys(
        ("no-shutdown", "no-reboot", "snapshot", "usb", "no-hpet", "full-screen",
         "only-migratable", "preconfig", "s", "singlestep", "mem-prealloc",
         "enable-sync-profile", "no-fd-bootchk", "win2k-hack", "portrait", "audio-help",
         "async-teardown"),
        False,
    ),
}  # fmt: skip
OPTIONS: dict[str, bool] = {**_MODELLED, **_UNMODELLED}


# --------------------------------------------------------------------------
# Results


class CmdlineError(QmonitorError):
    """parse_args() wants the program to stop: print ``message`` on ``stream``, exit ``status``.

    Raised for errors (status 1, stderr; ``message`` holds everything QEMU
    would have printed so far, warnings included) and for ``-h``,
    ``-version`` and the ``help`` listings (usually status 0, stdout).
    """

    def __init__(self, message: str, status: int, stream: Literal["stdout", "stderr"]) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.stream: Literal["stdout", "stderr"] = stream


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
    warnings: tuple[str, ...] = ()
    #: ``-qmonitor-extensions``: register qmonitor's ``x-qmonitor-*`` commands.
    extensions: bool = False
    #: The devices qmonitor models, in command-line order (other ``-device``
    #: options are in ``unmodelled``).
    devices: tuple[DeviceConfig, ...] = ()
    #: What an expired watchdog does (``-watchdog-action``, ``-action watchdog=``).
    watchdog_action: str = "reset"
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


def parse_args(argv: list[str], prog: str) -> Config:
    """Parse QEMU's command line ``argv`` (without the program name).

    :param prog: the program name QEMU puts in front of its messages.
    :raises CmdlineError: for errors, ``-h``, ``-version`` and help requests,
        with QEMU's text and exit status.
    """
    return _Parser(argv, prog).run()


# --------------------------------------------------------------------------
# The parser


@dataclass(slots=True)
class _PortConfig:
    spec: str
    loc: str


class _Parser:
    """One run of QEMU's option handling; see the module docstring for the stages."""

    def __init__(self, argv: list[str], prog: str) -> None:
        self.argv = argv
        self.prog = prog
        self.stderr: list[str] = []
        self.chardev_group = OptsGroup(CHARDEV_OPTS)
        self.mon_group = OptsGroup(MON_OPTS)
        self.name_group = OptsGroup(NAME_OPTS)
        self.accel_group = OptsGroup(ACCEL_OPTS)
        self.action_group = OptsGroup(ACTION_OPTS)
        self.device_group = OptsGroup(DEVICE_OPTS)
        self.qtest_log: str | None = None
        self.persona: str | None = None
        self.msg_timestamp = False
        self.objects: list[ObjectConfig] = []
        #: ``x-qmonitor-*`` options of -chardev, by chardev id (not QEMU's).
        self.chardev_extensions: dict[str, dict[str, str]] = {}
        self.tls_creds: dict[str, TlsCredsX509] = {}
        self.msg_group = OptsGroup(MSG_OPTS)
        self.memory_group = OptsGroup(MEMORY_OPTS)
        self.smp_group = OptsGroup(SMP_OPTS)
        #: Recorded, not modelled, but checked (qmonitor.options.checks).
        self.checked_groups = {
            name: OptsGroup(spec)
            for name, spec in (("rtc", RTC_OPTS), ("overcommit", OVERCOMMIT_OPTS),
                               ("sandbox", SANDBOX_OPTS), ("boot", BOOT_OPTS))
        }  # fmt: skip
        self.cpu_arg: str | None = None
        #: The JSON -device options, with their locations (created last).
        self.json_devices: list[tuple[GuestDevice, str]] = []
        #: Every -device, both forms, in command-line order: (driver, id).
        self.guest_devices: list[GuestDevice] = []
        self.monitor_index = 0
        self.has_defaults = True
        self.default_serial = True
        self.default_parallel = True
        self.default_monitor = True
        self.serials: list[_PortConfig] = []
        self.parallels: list[_PortConfig] = []
        self.machine_opts: dict[str, str] = {}
        self.uuid: str | None = None
        self.start_paused = False
        self.extensions = False
        self.display: str | None = None
        self.display_gl = False
        self.nographic = False
        self.daemonize = False
        self.pidfile: str | None = None
        self.qtest_spec: str | None = None
        self.unmodelled: list[str] = []
        self.version = DEFAULT_QEMU_VERSION
        self.package = PACKAGE
        self.warned_aliases: set[str] = set()
        # Chardevs as created: id -> config, and how many frontends each has.
        self.chardevs: dict[str, ChardevConfig] = {}
        self.frontends: dict[str, int] = {}
        self.monitors: list[MonitorConfig] = []
        self.handlers: dict[str, Callable[[str | None, str], None]] = {
            "h": self._opt_help, "help": self._opt_help, "version": self._opt_version,
            "machine": self._opt_machine, "M": self._opt_machine, "accel": self._opt_accel,
            "enable-kvm": self._opt_enable_kvm, "no-acpi": self._opt_no_acpi,
            "name": self._opt_name,
            "uuid": self._opt_uuid, "chardev": self._opt_chardev, "mon": self._opt_mon,
            "qmp": self._opt_qmp, "qmp-pretty": self._opt_qmp_pretty,
            "monitor": self._opt_monitor, "serial": self._opt_serial,
            "parallel": self._opt_parallel, "S": self._opt_s, "display": self._opt_display,
            "nographic": self._opt_nographic, "nodefaults": self._opt_nodefaults,
            "no-user-config": self._opt_nothing, "qtest": self._opt_qtest,
            "daemonize": self._opt_daemonize, "pidfile": self._opt_pidfile,
            "qmonitor-version": self._opt_nothing, "qmonitor-package": self._opt_nothing,
            "qmonitor-extensions": self._opt_extensions, "device": self._opt_device,
            "watchdog-action": self._opt_watchdog_action, "action": self._opt_action,
            "qtest-log": self._opt_qtest_log,
            "persona": self._opt_persona, "msg": self._opt_msg,
            "object": self._opt_object, "cpu": self._opt_cpu, "smp": self._opt_smp,
            "m": self._opt_m, "audiodev": self._opt_audiodev, "rtc": self._opt_checked,
            "overcommit": self._opt_checked,
            "sandbox": self._opt_checked, "boot": self._opt_checked,
        }  # fmt: skip

    # -- reporting ---------------------------------------------------------

    def _prefix(self, loc: str) -> str:
        prefix = f"{self.prog}: {loc}: " if loc else f"{self.prog}: "
        return msg_timestamp() + prefix if self.msg_timestamp else prefix

    def _print(self, diag: Diagnostic, loc: str) -> None:
        self.stderr.append(diag.render(self._prefix(loc)))

    def _fail(self, diag: Diagnostic | str, loc: str) -> CmdlineError:
        if isinstance(diag, str):
            diag = Diagnostic(diag)
        self._print(diag, loc)
        return CmdlineError("".join(self.stderr), 1, "stderr")

    def _stdout(self, text: str, status: int = 0) -> CmdlineError:
        return CmdlineError(text, status, "stdout")

    # -- the passes --------------------------------------------------------

    def _lookup(self, index: int) -> tuple[str, str | None, int, str]:
        """QEMU's lookup_opt(): option name, argument, next index, location."""
        raw = self.argv[index]
        name = raw[2:] if raw.startswith("--") else raw[1:]
        if name not in OPTIONS:
            raise self._fail(INVALID_OPTION, raw)
        if not OPTIONS[name]:
            return name, None, index + 1, raw
        if index + 1 >= len(self.argv):
            raise self._fail(REQUIRES_ARGUMENT, raw)
        arg = self.argv[index + 1]
        return name, arg, index + 2, f"{raw} {arg}"

    def run(self) -> Config:
        index = 0
        while index < len(self.argv):
            if not self.argv[index].startswith("-"):
                index += 1
                continue
            name, arg, index, loc = self._lookup(index)
            if name == "qmonitor-version" and arg is not None:
                self._set_version(arg, loc)
            elif name == "qmonitor-package" and arg is not None:
                self.package = arg
        index = 0
        while index < len(self.argv):
            if not self.argv[index].startswith("-"):
                self.unmodelled.append(self.argv[index])
                index += 1
                continue
            name, arg, index, loc = self._lookup(index)
            handler = self.handlers.get(name)
            if handler is None:
                self.unmodelled.append(loc)
            else:
                handler(arg, loc)
        return self._late_stages()

    def _set_version(self, arg: str, loc: str) -> None:
        m = re.fullmatch(r"([0-9]+)\.([0-9]+)\.([0-9]+)", arg)
        if m is None:
            raise self._fail(BAD_QEMU_VERSION, loc)
        self.version = (int(m.group(1)), int(m.group(2)), int(m.group(3)))

    # -- second-pass option handlers ------------------------------------------

    def _opt_nothing(self, arg: str | None, loc: str) -> None:
        """Options whose work was done in the first pass, or that change nothing here."""

    def _opt_help(self, arg: str | None, loc: str) -> None:
        raise self._stdout(help_text(self.prog, self.version, self.package))

    def _opt_version(self, arg: str | None, loc: str) -> None:
        raise self._stdout(version_text(self.version, self.package))

    def _opt_extensions(self, arg: str | None, loc: str) -> None:
        self.extensions = True

    def _opt_s(self, arg: str | None, loc: str) -> None:
        self.start_paused = True

    def _opt_nodefaults(self, arg: str | None, loc: str) -> None:
        self.has_defaults = False

    def _opt_daemonize(self, arg: str | None, loc: str) -> None:
        self.daemonize = True

    def _opt_pidfile(self, arg: str | None, loc: str) -> None:
        self.pidfile = arg

    def _opt_qtest(self, arg: str | None, loc: str) -> None:
        self.qtest_spec = arg

    def _opt_object(self, arg: str | None, loc: str) -> None:
        """object_option_parse(): checked now, created before the chardevs."""
        assert arg is not None
        from qmonitor.options.objects import ObjectError, ObjectHelp, parse_object

        try:
            cfg, warnings = parse_object(arg, loc)
        except ObjectHelp as exc:
            raise self._stdout(exc.text) from None
        except ObjectError as exc:
            raise self._fail(Diagnostic(exc.message, exc.hint), loc) from None
        for message, hint in warnings:
            self._print(Diagnostic(message, hint, True), loc)
        self.objects.append(cfg)
        if cfg.qom_type != "tls-creds-x509":
            self.unmodelled.append(loc)

    def _create_objects(self) -> None:
        """object_create_early for every object: duplicate ids, credentials loaded."""
        if not self.objects:
            return  # none: objects.py need not even be imported
        from qmonitor.options.objects import ObjectError, create_objects

        try:
            self.tls_creds = create_objects(self.objects).tls
        except ObjectError as exc:
            raise self._fail(Diagnostic(exc.message, exc.hint), exc.where) from None

    def _tls_lookup(self, creds_id: str, server: bool) -> str | None:
        from qmonitor.options.objects import tls_lookup

        return tls_lookup(self.objects, creds_id, server)

    def _opt_persona(self, arg: str | None, loc: str) -> None:
        self.persona = arg

    def _opt_msg(self, arg: str | None, loc: str) -> None:
        """configure_msg(): the last ``-msg`` decides; bad values are errors here."""
        assert arg is not None
        opts = self._parse_opts(self.msg_group, arg, loc)
        try:
            self.msg_timestamp = opts.get_bool("timestamp", False)
        finally:
            self.msg_group.remove(opts)

    def _opt_qtest_log(self, arg: str | None, loc: str) -> None:
        self.qtest_log = arg

    def _opt_device(self, arg: str | None, loc: str) -> None:
        assert arg is not None
        if arg.startswith("{"):
            # The JSON form: its driver and id are kept; the device is not modelled.
            try:
                device, _ = parse_json_device(arg)
            except GuestOptionError as exc:
                raise self._fail(exc.diagnostic, loc) from None
            self.guest_devices.append(device)
            self.json_devices.append((device, loc))
            self.unmodelled.append(loc)
            return
        opts = self._parse_opts(self.device_group, arg, loc)
        driver = opts.get("driver")
        if driver is not None and not is_help_option(driver):
            self.guest_devices.append(GuestDevice(driver, opts.id))

    def _opt_cpu(self, arg: str | None, loc: str) -> None:
        """``-cpu``: the last one counts, checked once the chardevs are open.

        The features after the model are checked (check_cpu_option) but
        change nothing but the CPUID version: recorded as not modelled.
        """
        assert arg is not None
        self.cpu_arg = arg
        if "," in arg:
            self.unmodelled.append(loc)

    def _opt_smp(self, arg: str | None, loc: str) -> None:
        assert arg is not None
        self._parse_opts(self.smp_group, arg, loc, keep_loc=True)

    def _opt_m(self, arg: str | None, loc: str) -> None:
        assert arg is not None
        opts = self._parse_opts(self.memory_group, arg, loc, keep_loc=True)
        opts.loc = loc
        if set(opts.as_dict()) - {"size"}:
            self.unmodelled.append(loc)

    def _opt_audiodev(self, arg: str | None, loc: str) -> None:
        """``-audiodev``: checked now (audio_parse_option), recorded as not modelled."""
        assert arg is not None
        from qmonitor.options.audiodev import AudiodevError, check_audiodev

        try:
            check_audiodev(arg)
        except AudiodevError as exc:
            raise self._fail(str(exc), loc) from None
        self.unmodelled.append(loc)

    def _opt_checked(self, arg: str | None, loc: str) -> None:
        """-rtc, -overcommit, -sandbox, -boot: parsed (errors now), recorded, checked later."""
        assert arg is not None
        name = loc.split(" ", 1)[0].lstrip("-")
        opts = self._parse_opts(self.checked_groups[name], arg, loc, keep_loc=True)
        if not opts.loc:
            opts.loc = loc
        self.unmodelled.append(loc)

    def _check_early(self) -> None:
        """parse_sandbox() and configure_rtc(), right after the option loop."""
        sandbox = self.checked_groups["sandbox"].find(None)
        rtc = self.checked_groups["rtc"].find(None)
        try:
            if sandbox is not None:
                try:
                    check_sandbox(sandbox.as_dict())
                except CheckError as exc:
                    raise self._fail(exc.message, sandbox.loc) from None
            if rtc is not None:
                check_rtc(rtc.as_dict())
        except CheckError as exc:
            raise self._fail(Diagnostic(exc.message, exc.hint), "") from None

    def _check_boot(self) -> None:
        """The machine's ``boot`` property from ``-boot`` (qemu_apply_machine_options)."""
        boot = self.checked_groups["boot"].find(None)
        if boot is not None:
            try:
                check_boot(boot.as_dict())
            except CheckError as exc:
                raise self._fail(exc.message, "") from None

    def _guest(self, machine: str) -> GuestConfig:
        """The guest the options describe (checked as QEMU checks them when building it)."""
        memory = self.memory_group.find(None)
        try:
            size = ram_size(memory.get("size") if memory is not None else None, DEFAULT_RAM_SIZE)
        except GuestOptionError as exc:
            raise self._fail(exc.diagnostic, memory.loc if memory is not None else "") from None
        typename = machine_typename(machine)
        if typename is not None:
            from qmonitor.machine.machine_props import check_machine_properties

            try:
                check_machine_properties(typename, list(self.machine_opts))
            except ValueError as exc:
                raise self._fail(str(exc), "") from None
        smp_opts = self.smp_group.find(None)
        warnings: list[str] = []
        limits = smp_limits(typename)
        try:
            smp = smp_config(smp_opts.as_dict() if smp_opts is not None else {}, limits, warnings)
        except GuestOptionError as exc:
            error: GuestOptionError | None = exc
        else:
            error = None
        for warning in warnings:
            self._print(Diagnostic(warning, warning=True), "")
        if error is not None:
            raise self._fail(error.diagnostic, "")
        cpu = parse_cpu(self.cpu_arg or MACHINE_CPU_MODELS.get(machine, DEFAULT_CPU_MODEL))
        names = self.name_group.find(None)
        debug_threads = names is not None and names.get_bool("debug-threads", False)
        props = tuple((k, v) for k, v in self.machine_opts.items() if k not in ("type", "accel"))
        return GuestConfig(
            cpu_model=cpu.model,
            cpu_props=cpu.props,
            smp=smp,
            ram_size=size,
            devices=tuple(self.guest_devices),
            objects=tuple(GuestObject(o.qom_type, o.id) for o in self.objects),
            debug_threads=debug_threads,
            machine_typename=machine_typename(machine),
            machine_props=props,
        )

    def _opt_action(self, arg: str | None, loc: str) -> None:
        assert arg is not None
        opts = self._parse_opts(self.action_group, arg, loc, keep_loc=True)
        if not opts.loc:
            opts.loc = loc

    def _opt_watchdog_action(self, arg: str | None, loc: str) -> None:
        assert arg is not None
        opts = self.action_group.create(None)
        if not opts.loc:
            opts.loc = loc
        opts.set("watchdog", arg)

    def _opt_nographic(self, arg: str | None, loc: str) -> None:
        self.machine_opts["graphics"] = "off"
        self.nographic = True
        self.display = "none"
        self.display_gl = False

    def _opt_no_acpi(self, arg: str | None, loc: str) -> None:
        """``-no-acpi``: the machine's ``acpi`` property off (not modelled beyond that)."""
        self.machine_opts["acpi"] = "off"
        self.unmodelled.append(loc)

    def _opt_enable_kvm(self, arg: str | None, loc: str) -> None:
        self.machine_opts["accel"] = "kvm"

    def _opt_uuid(self, arg: str | None, loc: str) -> None:
        assert arg is not None
        if re.fullmatch(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}", arg) is None:
            raise self._fail(UUID_WRONG_FORMAT, loc)
        self.uuid = arg.lower()

    def _parse_opts(
        self, group: OptsGroup, arg: str, loc: str, *, keep_loc: bool = False
    ) -> QemuOpts:
        """qemu_opts_parse_noisily(): warnings printed, errors and help fatal.

        ``keep_loc``: the options merge into a group that keeps the location
        it was created at (a ``merge_lists`` list such as ``-action``).
        """
        warnings: list[Diagnostic] = []
        try:
            opts = group.parse(arg, True, warnings)
        except QemuOptsError as exc:
            for warning in warnings:
                self._print(warning, loc)
            raise self._fail(exc.diagnostic, loc) from None
        except QemuOptsHelp as exc:
            raise self._stdout(exc.text, exc.status) from None
        for warning in warnings:
            self._print(warning, loc)
        if not keep_loc:
            opts.loc = loc
        return opts

    def _opt_name(self, arg: str | None, loc: str) -> None:
        assert arg is not None
        self._parse_opts(self.name_group, arg, loc)

    def _opt_chardev(self, arg: str | None, loc: str) -> None:
        assert arg is not None
        arg, extensions = split_extensions(arg)
        opts = self._parse_opts(self.chardev_group, arg, loc)
        if extensions and opts.id is not None:
            self.chardev_extensions[opts.id] = extensions

    def _opt_mon(self, arg: str | None, loc: str) -> None:
        assert arg is not None
        self._parse_opts(self.mon_group, arg, loc)
        self.default_monitor = False

    def _opt_accel(self, arg: str | None, loc: str) -> None:
        assert arg is not None
        opts = self._parse_opts(self.accel_group, arg, loc)
        accel = opts.get("accel")
        if accel is None or is_help_option(accel):
            raise self._stdout(ACCEL_HELP_TEXT)

    def _opt_qmp(self, arg: str | None, loc: str) -> None:
        assert arg is not None
        self._monitor_parse(arg, "control", False, loc)
        self.default_monitor = False

    def _opt_qmp_pretty(self, arg: str | None, loc: str) -> None:
        assert arg is not None
        self._monitor_parse(arg, "control", True, loc)
        self.default_monitor = False

    def _opt_monitor(self, arg: str | None, loc: str) -> None:
        assert arg is not None
        self.default_monitor = False
        if not arg.startswith("none"):
            self._monitor_parse(arg, "readline", False, loc)

    def _opt_serial(self, arg: str | None, loc: str) -> None:
        assert arg is not None
        self.serials.append(_PortConfig(arg, loc))
        self.default_serial = False
        if arg.startswith("mon:"):
            self.default_monitor = False

    def _opt_parallel(self, arg: str | None, loc: str) -> None:
        assert arg is not None
        self.parallels.append(_PortConfig(arg, loc))
        self.default_parallel = False
        if arg.startswith("mon:"):
            self.default_monitor = False

    def _monitor_parse(self, spec: str, mode: str, pretty: bool, loc: str) -> None:
        """QEMU's monitor_parse(): a chardev from the short form, and a monitor on it."""
        if spec.startswith("chardev:"):
            label = spec[8:]
        else:
            label = f"compat_monitor{self.monitor_index}"
            try:
                opts = chardev_parse_compat(self.chardev_group, label, spec, True)
            except CompatParseError as exc:
                for diag in exc.diagnostics:
                    self._print(diag, loc)
                raise self._fail(MONITOR_PARSE_ERROR.format(spec), loc) from None
            opts.loc = loc
        try:
            mon = self.mon_group.create(label)
        except QemuOptsError as exc:
            # QEMU passes &error_fatal here, which drops the error's hint.
            raise self._fail(exc.message, loc) from None
        mon.loc = loc
        mon.set("mode", mode)
        mon.set("chardev", label)
        if mode == "control":
            mon.set("pretty", "on" if pretty else "off")
        self.monitor_index += 1

    def _opt_machine(self, arg: str | None, loc: str) -> None:
        assert arg is not None
        try:
            values, want_help = keyval_parse(arg, "type")
        except QemuOptsError as exc:
            raise self._fail(exc.diagnostic, loc) from None
        _keyval_merge(self.machine_opts, values, self, loc)
        if want_help:
            # machine_help_func: a known type's options, else the list of types.
            typename = machine_typename(self.machine_opts.get("type") or "")
            if typename is not None:
                from qmonitor.machine.machine_props import machine_options_help

                raise self._stdout(machine_options_help(typename))
            raise self._stdout(machine_help_text())
        if set(values) - {"type", "accel"}:
            self.unmodelled.append(loc)

    def _opt_display(self, arg: str | None, loc: str) -> None:
        assert arg is not None
        if is_help_option(arg):
            raise self._stdout(DISPLAY_HELP_TEXT)
        if arg.startswith("vnc"):
            if not arg.startswith("vnc="):
                raise self._fail(VNC_NEEDS_DISPLAY, loc)
            self.unmodelled.append(loc)
            return
        try:
            values, _ = keyval_parse(arg, "type", help_allowed=False)
            kind, gl = check_display(values)
        except QemuOptsError as exc:
            raise self._fail(exc.diagnostic, loc) from None
        self.display = kind
        self.display_gl = gl

    # -- the stages after the option loop --------------------------------------

    def _late_stages(self) -> Config:
        self._check_early()
        watchdog_action = self._process_actions()
        self._cpu_help()
        self._device_help()
        machine = self._select_machine()
        self._check_boot()
        self._default_devices(machine)
        if self.display == "none" and self.display_gl:
            raise self._fail(OPENGL_UNSUPPORTED, "")
        self._create_objects()
        for opts in list(self.chardev_group.entries):
            self._create_chardev(opts, opts.loc)
        accel = self._configure_accelerators()
        qtest = self._create_qtest()
        for opts in self.mon_group.entries:
            self._create_monitor(opts)
        # A "none" serial port keeps its index (serial1 stays free after
        # "-serial null -serial none"); a "none" parallel port does not.
        for index, port in enumerate(self.serials):
            if port.spec != "none":
                self._create_port(port, f"serial{index}", SERIAL_CONNECT)
        parallels = [port for port in self.parallels if port.spec != "none"]
        for index, port in enumerate(parallels):
            if index == MAX_PARALLEL_PORTS:
                raise self._fail(TOO_MANY_PARALLEL, port.loc)
            self._create_port(port, f"parallel{index}", PARALLEL_CONNECT)
        devices = self._create_devices(machine)
        guest = self._guest(machine)
        names = self.name_group.find(None)
        return Config(
            chardevs=tuple(self.chardevs.values()),
            monitors=tuple(self.monitors),
            name=names.get("guest") if names is not None else None,
            uuid=self.uuid,
            start_paused=self.start_paused,
            machine=machine,
            accel=accel,
            qtest=qtest,
            nodefaults=not self.has_defaults,
            display=self.display,
            daemonize=self.daemonize,
            pidfile=self.pidfile,
            qemu_version=self.version,
            package=self.package,
            unmodelled=tuple(self.unmodelled),
            nographic=self.nographic,
            extensions=self.extensions,
            warnings=tuple(self.stderr),
            devices=devices,
            watchdog_action=watchdog_action,
            qtest_log=self.qtest_log,
            persona=self.persona,
            msg_timestamp=self.msg_timestamp,
            objects=tuple(self.objects),
            tls_creds=dict(self.tls_creds),
            guest=guest,
            cpu_option=self.cpu_arg,
        )

    def _process_actions(self) -> str:
        """qemu_process_early_options(): check ``-action``; returns the watchdog action."""
        opts = self.action_group.find(None)
        if opts is None:
            return "reset"
        values = opts.as_dict()
        for name, choices in RUNSTATE_ACTIONS.items():
            value = values.get(name)
            if value is not None and value not in choices:
                raise self._fail(ENUM_VALUE.format(name, value), opts.loc)
        if set(values) - {"watchdog"}:
            self.unmodelled.append(opts.loc)
        return values.get("watchdog", "reset")

    def _cpu_help(self) -> None:
        """qemu_process_help_options(): ``-cpu help`` lists the CPU models, before -device help."""
        if self.cpu_arg is not None and is_help_option(self.cpu_arg):
            from qmonitor.machine.cpu_models import cpu_help_text

            raise self._stdout(cpu_help_text())

    def _device_help(self) -> None:
        """qemu_process_help_options(): ``-device DRIVER,help`` for the modelled devices."""
        for opts in self.device_group.entries:
            driver = opts.get("driver")
            if driver in DEVICES and any(is_help_option(key) for key, _ in opts.items):
                raise self._stdout(DEVICE_NO_OPTIONS.format(driver))

    def _create_devices(self, machine: str) -> tuple[DeviceConfig, ...]:
        """qemu_create_cli_devices(), for the devices qmonitor models.

        Other drivers are accepted unchecked and listed as unmodelled.
        """
        devices: list[DeviceConfig] = []
        for opts in self.device_group.entries:
            loc = opts.loc
            values = opts.as_dict()
            driver = values.pop("driver", None)
            if driver is None:
                raise self._fail(MISSING_PARAMETER.format("driver"), loc)
            if driver not in DEVICES:
                self._check_device_type(driver, loc)
                self.unmodelled.append(loc)
                continue
            bus_type, properties = DEVICES[driver]
            bus = values.pop("bus", None)
            has_isa = machine not in _NO_DEFAULT_PORTS
            if bus is not None:
                if not has_isa or bus != ISA_BUS:
                    raise self._fail(DEVICE_BUS_NOT_FOUND.format(bus), loc)
            elif not has_isa:
                raise self._fail(DEVICE_NO_BUS.format(bus_type, driver), loc)
            for name in values:
                if name not in properties:
                    raise self._fail(DEVICE_PROPERTY_NOT_FOUND.format(driver, name), loc)
            devices.append(DeviceConfig(driver, opts.id, loc))
        # QEMU creates the JSON ones after the others.
        for device, loc in self.json_devices:
            self._check_device_type(device.driver, loc)
        return tuple(devices)

    def _check_device_type(self, driver: str, loc: str) -> None:
        """qdev_get_device_class(): the driver must name a device a user may create.

        Checked against QEMU 7.2's device types; a persona's QEMU may have
        others, so with one only the modelled devices are checked.
        """
        if self.persona is not None or is_help_option(driver):
            return  # -device help: QEMU's list of devices is not modelled
        from qmonitor.machine.device_types import device_type_error

        error = device_type_error(driver)
        if error is not None:
            raise self._fail(error, loc)

    def _select_machine(self) -> str:
        machine = self.machine_opts.get("type")
        if machine is None:
            return DEFAULT_MACHINE
        if not _machine_known(machine):
            raise self._fail(Diagnostic(UNSUPPORTED_MACHINE, MACHINE_HINT), "")
        return machine

    def _default_devices(self, machine: str) -> None:
        """qemu_disable_default_devices() and qemu_create_default_devices()."""
        serial = self.default_serial and self.has_defaults and machine not in _NO_DEFAULT_PORTS
        parallel = self.default_parallel and self.has_defaults and machine not in _NO_DEFAULT_PORTS
        monitor = self.default_monitor and self.has_defaults
        if self.daemonize and self.nographic and (parallel or serial or monitor):
            raise self._fail(NOGRAPHIC_DAEMONIZE, "")
        if self.nographic:
            if parallel:
                self.parallels.append(_PortConfig("null", ""))
            if serial and monitor:
                self.serials.append(_PortConfig("mon:stdio", ""))
            else:
                if serial:
                    self.serials.append(_PortConfig("stdio", ""))
                if monitor:
                    self._monitor_parse("stdio", "readline", False, "")
        else:
            if serial:
                self.serials.append(_PortConfig(_DEFAULT_VC, ""))
            if parallel:
                self.parallels.append(_PortConfig(_DEFAULT_VC, ""))
            if monitor:
                self._monitor_parse(_DEFAULT_VC, "readline", False, "")

    def _check_chardev(self, opts: QemuOpts, loc: str) -> ChardevConfig:
        """__qemu_chr_new_from_opts() up to opening: returns the config or raises."""
        warnings: list[Diagnostic] = []
        backend = translate_chardev_alias(opts.get("backend"), self.warned_aliases, warnings)
        for warning in warnings:
            self._print(warning, loc)
        try:
            ident = check_chardev(opts, backend, self._tls_lookup)
        except QemuOptsHelp as exc:
            raise self._stdout(exc.text, exc.status) from None
        assert backend is not None
        values = {k: v for k, v in opts.as_dict().items() if k != "backend"}
        values.update(self.chardev_extensions.get(ident, {}))
        tls = self.tls_creds.get(values.get("tls-creds", ""))
        return ChardevConfig(ident, backend, values, loc, tls)

    def _add_chardev(self, cfg: ChardevConfig) -> None:
        self.chardevs[cfg.id] = cfg
        self.frontends[cfg.id] = 0

    def _create_chardev(self, opts: QemuOpts, loc: str) -> None:
        try:
            cfg = self._check_chardev(opts, loc)
        except QemuOptsError as exc:
            raise self._fail(exc.diagnostic, loc) from None
        self._add_chardev(cfg)

    def _attach(self, chardev: str) -> None:
        """qemu_chr_fe_init(): one frontend per chardev, up to MAX_MUX on a mux."""
        limit = MAX_MUX if self.chardevs[chardev].get_bool("mux", False) else 1
        if self.frontends[chardev] >= limit:
            raise QemuOptsError(DEVICE_IN_USE.format(chardev))
        self.frontends[chardev] += 1

    def _configure_accelerators(self) -> str | None:
        wanted = self.machine_opts.get("accel")
        if not self.accel_group.entries:
            if wanted is None:
                return None
            failed = False
            chosen = None
            for accel in wanted.split(":"):
                if accel in ACCELERATORS:
                    chosen = chosen or accel
                else:
                    failed = True
                    self._print(Diagnostic(INVALID_ACCELERATOR.format(accel)), "")
            if chosen is None:
                raise CmdlineError("".join(self.stderr), 1, "stderr")
            if failed and self.qtest_spec is None:
                self._print(Diagnostic(ACCEL_FALLBACK.format(chosen)), "")
            return chosen
        if wanted is not None:
            raise self._fail(ACCEL_INCOMPATIBLE, "")
        failed = False
        for opts in self.accel_group.entries:
            accel = opts.get("accel") or ""
            if accel not in ACCELERATORS:
                failed = True
                self._print(Diagnostic(INVALID_ACCELERATOR.format(accel)), opts.loc)
                continue
            for key, _ in opts.items:
                if key != "accel" and key not in ACCELERATORS[accel]:
                    raise self._fail(ACCEL_PROPERTY_NOT_FOUND.format(accel, key), opts.loc)
            if set(opts.as_dict()) - {"accel"}:
                self.unmodelled.append(opts.loc)
            if failed and self.qtest_spec is None:
                self._print(Diagnostic(ACCEL_FALLBACK.format(accel)), "")
            return accel
        raise CmdlineError("".join(self.stderr), 1, "stderr")

    def _new_from_spec(self, label: str, spec: str, permit_mux_mon: bool, loc: str) -> str | None:
        """QEMU's __qemu_chr_new(): a chardev from a short form, or an existing one.

        Prints what QEMU prints on failure and returns None; the caller adds
        its own closing error.
        """
        if spec.startswith("chardev:"):
            name = spec[8:]
            return name if name in self.chardevs else None
        try:
            opts = chardev_parse_compat(self.chardev_group, label, spec, permit_mux_mon)
        except CompatParseError as exc:
            for diag in exc.diagnostics:
                self._print(diag, loc)
            return None
        try:
            cfg = self._check_chardev(opts, loc)
            self._add_chardev(cfg)
            if cfg.get_bool("mux", False):
                self._attach(cfg.id)
                self.monitors.append(MonitorConfig(cfg.id, "readline", False, loc))
        except QemuOptsError as exc:
            self._print(exc.diagnostic, loc)
            return None
        finally:
            self.chardev_group.remove(opts)
        return cfg.id

    def _create_qtest(self) -> str | None:
        if self.qtest_spec is None:
            return None
        chardev = self._new_from_spec("qtest", self.qtest_spec, False, "")
        if chardev is None:
            raise self._fail(QTEST_INIT_FAILED.format(self.qtest_spec), "")
        try:
            self._attach(chardev)
        except QemuOptsError as exc:
            raise self._fail(exc.diagnostic, "") from None
        return chardev

    def _create_monitor(self, opts: QemuOpts) -> None:
        """monitor_init_opts() and monitor_init()."""
        loc = opts.loc
        mode = opts.get("mode")
        if mode is not None and mode not in ("readline", "control"):
            raise self._fail(ENUM_VALUE.format("mode", mode), loc)
        pretty = opts.get_bool("pretty", False)
        chardev = opts.get("chardev")
        if chardev is None:
            raise self._fail(MISSING_PARAMETER.format("chardev"), loc)
        if chardev not in self.chardevs:
            raise self._fail(CHARDEV_NOT_FOUND.format(chardev), loc)
        if mode != "control" and pretty:
            raise self._fail(PRETTY_HMP, loc)
        try:
            self._attach(chardev)
        except QemuOptsError as exc:
            raise self._fail(exc.diagnostic, loc) from None
        self.monitors.append(MonitorConfig(chardev, mode, pretty, loc))

    def _create_port(self, port: _PortConfig, label: str, connect: str) -> None:
        if self._new_from_spec(label, port.spec, True, port.loc) is None:
            raise self._fail(connect.format(port.spec), port.loc)


# --------------------------------------------------------------------------
# qmonitor's own -chardev options

#: Options of qmonitor's socket chardev QEMU does not have: they are taken
#: out before QEMU's option table sees the rest (so QEMU's listings of the
#: table, such as query-command-line-options, stay QEMU's).
CHARDEV_EXTENSIONS: tuple[str, ...] = (
    "x-qmonitor-socket-mode",
    "x-qmonitor-peer-uid",
    "x-qmonitor-multi",
    "x-qmonitor-max-clients",
)


def split_extensions(arg: str) -> tuple[str, dict[str, str]]:
    """Take ``x-qmonitor-NAME=VALUE`` elements out of a -chardev argument."""
    elements: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(arg):
        if arg[i] == ",":
            if arg[i + 1 : i + 2] == ",":
                current.append(",,")
                i += 2
                continue
            elements.append("".join(current))
            current = []
        else:
            current.append(arg[i])
        i += 1
    elements.append("".join(current))
    kept: list[str] = []
    found: dict[str, str] = {}
    for element in elements:
        name, eq, value = element.partition("=")
        if eq and name in CHARDEV_EXTENSIONS:
            found[name] = value.replace(",,", ",")
        else:
            kept.append(element)
    return ",".join(kept), found


def _keyval_merge(
    target: dict[str, str], values: dict[str, str], parser: _Parser, loc: str
) -> None:
    for key, value in values.items():
        try:
            keyval_put(target, key, value)
        except QemuOptsError as exc:
            raise parser._fail(exc.diagnostic, loc) from None
