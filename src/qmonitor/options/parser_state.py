"""The state one run of the command-line parser shares between its option groups.

QEMU's ``softmmu/vl.c`` keeps its option handling in file-scope variables
that every option group reads and writes; :class:`ParserState` is that
state for one run, plus QEMU's way of reporting (``PROG: -opt arg: message``
prefixes, warnings kept in order, errors ending the run).  The option
groups (:mod:`qmonitor.options.parse_chardevs`,
:mod:`qmonitor.options.parse_machine`, :mod:`qmonitor.options.parse_devices`)
build on it and the driver (:mod:`qmonitor.options.parser`) combines them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qmonitor.machine.guest import GuestDevice
from qmonitor.options.checks import BOOT_OPTS, OVERCOMMIT_OPTS, RTC_OPTS, SANDBOX_OPTS
from qmonitor.options.config import ChardevConfig, CmdlineError, MonitorConfig
from qmonitor.options.guest import MEMORY_OPTS, SMP_OPTS
from qmonitor.options.optlists import (
    ACCEL_OPTS,
    ACTION_OPTS,
    ADD_FD_OPTS,
    CHARDEV_OPTS,
    DEVICE_OPTS,
    MON_OPTS,
    MSG_OPTS,
    NAME_OPTS,
)
from qmonitor.options.readconfig import FileLocation
from qmonitor.util.error import Diagnostic, QemuOptsError, QemuOptsHelp
from qmonitor.util.qemuopts import OptsGroup, QemuOpts
from qmonitor.version import DEFAULT_QEMU_VERSION, PACKAGE

if TYPE_CHECKING:
    from collections.abc import Callable

    from qmonitor.machine.kvm_host import KvmUnavailable
    from qmonitor.options.objects import ObjectConfig, TlsCredsX509


def msg_timestamp() -> str:
    """The prefix ``-msg timestamp=on`` gives messages (util/qemu-error.c: real_time_iso8601)."""
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1e6):06d}Z "


@dataclass(slots=True)
class PortConfig:
    """One ``-serial`` or ``-parallel`` (or a default one): its short form and location."""

    spec: str
    loc: str


def _probe_kvm() -> KvmUnavailable | None:
    """Whether KVM can start on this host (imported when asked: it opens /dev/kvm)."""
    from qmonitor.machine.kvm_host import probe_kvm

    return probe_kvm()


class ParserState:
    """The option groups' shared state and QEMU's reporting; see the module docstring."""

    def __init__(self, argv: list[str], prog: str) -> None:
        self.argv = argv
        self.prog = prog
        self.stderr: list[str] = []
        #: What the options printed on stdout as they were met (QEMU's printf).
        self.stdout_notes: list[str] = []
        self.chardev_group = OptsGroup(CHARDEV_OPTS)
        self.mon_group = OptsGroup(MON_OPTS)
        self.name_group = OptsGroup(NAME_OPTS)
        self.accel_group = OptsGroup(ACCEL_OPTS)
        self.action_group = OptsGroup(ACTION_OPTS)
        self.add_fd_group = OptsGroup(ADD_FD_OPTS)
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
        #: ``-mem-path`` (the last one given) and ``-mem-prealloc``.
        self.mem_path: str | None = None
        self.mem_prealloc = False
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
        #: The defaults -device and -global drivers turn off (qmonitor.options.default_list).
        self.defaults_off: frozenset[str] = frozenset()
        self.default_monitor = True
        self.serials: list[PortConfig] = []
        self.parallels: list[PortConfig] = []
        self.machine_opts: dict[str, str] = {}
        self.uuid: str | None = None
        self.start_paused = False
        self.extensions = False
        self.guest_commands = False
        self.display: str | None = None
        self.display_gl = False
        self.nographic = False
        self.daemonize = False
        self.pidfile: str | None = None
        self.qtest_spec: str | None = None
        #: Whether KVM can start here: None, or why not (opens /dev/kvm when asked).
        self.kvm_probe: Callable[[], KvmUnavailable | None] = _probe_kvm
        self.unmodelled: list[str] = []
        self.version = DEFAULT_QEMU_VERSION
        self.package = PACKAGE
        self.warned_aliases: set[str] = set()
        # Chardevs as created: id -> config, and how many frontends each has.
        self.chardevs: dict[str, ChardevConfig] = {}
        self.frontends: dict[str, int] = {}
        self.monitors: list[MonitorConfig] = []

    # -- reporting ---------------------------------------------------------

    def _prefix(self, loc: str | FileLocation) -> str:
        if isinstance(loc, FileLocation):
            prefix = f"{self.prog}:{loc}: "  # a line of a -readconfig file (LOC_FILE)
        else:
            prefix = f"{self.prog}: {loc}: " if loc else f"{self.prog}: "
        return msg_timestamp() + prefix if self.msg_timestamp else prefix

    def _print(self, diag: Diagnostic, loc: str | FileLocation) -> None:
        self.stderr.append(diag.render(self._prefix(loc)))

    def _fail(self, diag: Diagnostic | str, loc: str | FileLocation) -> CmdlineError:
        if isinstance(diag, str):
            diag = Diagnostic(diag)
        self._print(diag, loc)
        return CmdlineError("".join(self.stderr), 1, "stderr", stdout="".join(self.stdout_notes))

    def _stdout(self, text: str, status: int = 0) -> CmdlineError:
        notes = "".join(self.stdout_notes)
        return CmdlineError(notes + text, status, "stdout", "".join(self.stderr))

    def _parse_opts(
        self, group: OptsGroup, arg: str, loc: str, *, keep_loc: bool = False
    ) -> QemuOpts:
        """qemu_opts_parse_noisily(): warnings printed, errors and help fatal.

        ``keep_loc``: the options merge into a group that keeps the location
        it was created at (a ``merge_lists`` list such as ``-action``).
        """
        opts = self._parse_noisily(group, arg, loc, True)
        if not keep_loc:
            opts.loc = loc
        return opts

    def _parse_noisily(self, group: OptsGroup, arg: str, loc: str, permit_abbrev: bool) -> QemuOpts:
        """qemu_opts_parse_noisily() with QEMU's ``permit_abbrev`` for the option."""
        warnings: list[Diagnostic] = []
        try:
            opts = group.parse(arg, permit_abbrev, warnings)
        except QemuOptsError as exc:
            for warning in warnings:
                self._print(warning, loc)
            raise self._fail(exc.diagnostic, loc) from None
        except QemuOptsHelp as exc:
            raise self._stdout(exc.text, exc.status) from None
        for warning in warnings:
            self._print(warning, loc)
        return opts
