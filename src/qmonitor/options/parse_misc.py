"""Options read and checked here, acted on elsewhere or not modelled.

``-blockdev`` is visited now and opened by start-up; ``-smbios`` is
checked now (a type 1 UUID becomes the machine's); ``-compat``, ``-runas``,
``-vnc``, ``-iscsi`` and ``-fw_cfg`` are read and checked as QEMU reads
them, at the stage QEMU does, and change nothing else; ``-chroot`` is
checked by start-up.  ``-vga`` is remembered and chosen once the machine
type is known (select_vgahw): ``help`` lists the VGA models the build has,
marking the machine type's default.  ``-global`` is QEMU's
qemu_global_option(): the ``DRIVER.PROP=VALUE`` short form, else QemuOpts
with ``driver``, ``property`` and ``value`` all required.  The network,
NUMA, TPM and sound options belong to layers qmonitor does not model; only
their help forms are: ``-netdev help`` lists the backends when the network
is set up, ``-nic help``, ``-net help`` and ``-numa help`` are a type QEMU
does not know, ``-tpmdev help`` and ``-audio help`` list the backends.
"""

from __future__ import annotations

import os
import pwd
import re
from typing import Any

from qmonitor.options.config import CmdlineError
from qmonitor.options.help import recorded_listing
from qmonitor.options.machines import machine_typename
from qmonitor.options.parser_state import ParserState
from qmonitor.options.texts import (
    FW_CFG_CANT_LOAD,
    FW_CFG_NAME_TOO_LONG,
    FW_CFG_NEEDS,
    FW_CFG_NOT_OPT,
    FW_CFG_UNAVAILABLE,
    GLOBAL_INVALID_CLASS,
    GLOBAL_REQUIRED,
    ICOUNT_ALIGN_NEEDS_SHIFT,
    ICOUNT_ALIGN_SLEEP,
    ICOUNT_BAD_RR,
    ICOUNT_BAD_SHIFT,
    ICOUNT_NEEDS_TCG,
    ICOUNT_NO_RRFILE,
    RUNAS_UNKNOWN,
    TYPE_BAD_VALUE,
    TYPE_IS_NULL,
    UNKNOWN_VGA,
    VGA_NOT_AVAILABLE,
    VGA_NOT_USED,
)
from qmonitor.options.tpmdev import TPMDEV_OPTS, TpmError, backend_listing, check_tpmdev
from qmonitor.util.cutils import c_strtoll, c_strtoull
from qmonitor.util.error import Diagnostic, QemuOptsError
from qmonitor.util.keyval import keyval_parse
from qmonitor.util.qemuopts import (
    OptDesc,
    OptsGroup,
    OptsListSpec,
    OptType,
    is_help_option,
)
from qmonitor.util.texts import MISSING_PARAMETER

#: ``-global`` (softmmu/qdev-monitor.c: qemu_global_opts).
GLOBAL_OPTS = OptsListSpec(
    "global",
    None,
    (OptDesc("driver", OptType.STRING), OptDesc("property", OptType.STRING),
     OptDesc("value", OptType.STRING)),
)  # fmt: skip
_S, _N, _B = OptType.STRING, OptType.NUMBER, OptType.BOOL
#: ``-vnc`` (ui/vnc.c: qemu_vnc_opts); the display is not modelled, the syntax is checked.
VNC_OPTS = OptsListSpec(
    "vnc",
    "vnc",
    tuple(
        OptDesc(name, kind)
        for name, kind in (
            ("vnc", _S), ("websocket", _S), ("tls-creds", _S), ("share", _S),
            ("display", _S), ("head", _N), ("connections", _N), ("to", _N), ("ipv4", _B),
            ("ipv6", _B), ("password", _B), ("password-secret", _S), ("reverse", _B),
            ("lock-key-sync", _B), ("key-delay-ms", _N), ("sasl", _B), ("tls-authz", _S),
            ("sasl-authz", _S), ("lossy", _B), ("non-adaptive", _B), ("audiodev", _S),
            ("power-control", _B),
        )
    ),
)  # fmt: skip
#: ``-iscsi`` (block/iscsi-opts.c: qemu_iscsi_opts), with the help texts ``-iscsi help`` shows.
ISCSI_OPTS = OptsListSpec(
    "iscsi",
    None,
    (
        OptDesc("user", _S, help="username for CHAP authentication to target"),
        OptDesc("password", _S, help="password for CHAP authentication to target"),
        OptDesc(
            "password-secret",
            _S,
            help="ID of the secret providing password for CHAP authentication to target",
        ),
        OptDesc(
            "header-digest", _S, help="HeaderDigest setting. {CRC32C|CRC32C-NONE|NONE-CRC32C|NONE}"
        ),
        OptDesc("initiator-name", _S, help="Initiator iqn name to use when connecting"),
        OptDesc("timeout", _N, help="Request timeout in seconds (default 0 = no timeout)"),
    ),
)
#: ``-fw_cfg`` (softmmu/vl.c: qemu_fw_cfg_opts), with the help texts QEMU shows.
FW_CFG_OPTS = OptsListSpec(
    "fw_cfg",
    "name",
    (
        OptDesc("name", _S, help="Sets the fw_cfg name of the blob to be inserted"),
        OptDesc(
            "file", _S, help="Sets the name of the file from which the fw_cfg blob will be loaded"
        ),
        OptDesc("string", _S, help="Sets content of the blob to be inserted from a string"),
        OptDesc(
            "gen_id", _S, help="Sets id of the object generating the fw_cfg blob to be inserted"
        ),
    ),
)
#: FW_CFG_MAX_FILE_PATH (include/standard-headers/linux/qemu_fw_cfg.h), with its NUL.
FW_CFG_MAX_FILE_PATH = 56

#: softmmu/vl.c: what -dump-vmstate says of a file it cannot open.
DUMP_VMSTATE_OPEN = "open {}: {}"
#: ``-numa`` (softmmu/vl.c: qemu_numa_opts): any option, ``type`` implied.
NUMA_OPTS = OptsListSpec("numa", "type", ())
#: qapi/machine.json's NumaOptionsType.
NUMA_TYPES = frozenset({"node", "dist", "cpu", "hmat-lb", "hmat-cache"})
#: The machine types whose class leaves ``numa_mem_supported`` unset.
NO_NUMA_MACHINES = frozenset({"none", "x-remote"})
#: hw/core/numa.c: set_numa_options.
NUMA_UNSUPPORTED = "NUMA is not supported by this machine-type"

#: ``-icount`` (softmmu/vl.c: qemu_icount_opts), one merged group.
ICOUNT_OPTS = OptsListSpec(
    "icount",
    "shift",
    (OptDesc("shift", _S), OptDesc("align", _B), OptDesc("sleep", _B), OptDesc("rr", _S),
     OptDesc("rrfile", _S), OptDesc("rrsnapshot", _S)),
    merge_lists=True,
)  # fmt: skip
#: MAX_ICOUNT_SHIFT (softmmu/icount.c).
MAX_ICOUNT_SHIFT = 10

#: The VGA models of QEMU 7.2's x86_64 build, by -vga name, in vga_interfaces' order.
VGA_MODELS = ("none", "std", "cirrus", "vmware", "qxl", "tcx", "cg3", "virtio")
#: Models whose device types the x86_64 build lacks: looking for them makes
#: QEMU look a second, absent, type up (module_load_qom's "type is NULL").
VGA_UNAVAILABLE = {"tcx": "TCX framebuffer", "cg3": "CG3 framebuffer"}
#: ``DRIVER.PROP=VALUE``: at most 63 characters each side of the dot, as sscanf reads them.
_GLOBAL_SHORT = re.compile(r"([^.=]{1,63})\.([^=]{1,63})=")


def default_vga(machine: str) -> str:
    """get_default_vga_model(): ``std`` for q35 and i440fx 2.2 and later, else ``cirrus``."""
    full = machine_typename(machine) or machine
    if full.startswith("pc-q35-"):
        return "std"
    found = re.fullmatch(r"pc-i440fx-(\d+)\.(\d+)", full)
    if found is not None and (int(found.group(1)), int(found.group(2))) >= (2, 2):
        return "std"
    return "cirrus"


def vga_help(machine: str) -> str:
    """``-vga help``: the recorded list (for ``-M none``), the machine's default marked."""
    marker = " (default)"
    lines = [line.removesuffix(marker) for line in recorded_listing("vga").splitlines()]
    wanted = default_vga(machine)
    return "".join(f"{line}{marker if line.split(' ', 1)[0] == wanted else ''}\n" for line in lines)


class MiscGroup(ParserState):
    """``-vga``, ``-global``, and the help forms of ``-netdev``, ``-nic``, ``-numa``."""

    def __init__(self, argv: list[str], prog: str) -> None:
        super().__init__(argv, prog)
        #: The last ``-vga``: checked once the machine is chosen (errors name no option).
        self.vga: str | None = None
        self.global_group = OptsGroup(GLOBAL_OPTS)
        #: Every -global's (driver, property), in order.
        self.globals: list[tuple[str, str]] = []
        self.netdev_help = False
        #: The first ``-nic`` and ``-net`` whose type is ``help`` (QEMU sets -nic up first).
        self.nic_help: dict[str, tuple[str, str]] = {}
        self.vnc_group = OptsGroup(VNC_OPTS)
        self.fw_cfg_group = OptsGroup(FW_CFG_OPTS)
        self.chroot: str | None = None
        self.icount_group = OptsGroup(ICOUNT_OPTS)
        self.iscsi_group = OptsGroup(ISCSI_OPTS)
        self.tpmdev_group = OptsGroup(TPMDEV_OPTS)
        self.numa_group = OptsGroup(NUMA_OPTS)
        #: ``-dump-vmstate``'s file (created when the option was met).
        self.vmstate_dump: str | None = None
        #: ``-blockdev``: the visited BlockdevOptions and where each was given.
        self.blockdevs: list[tuple[dict[str, Any], str]] = []

    def _opt_compat(self, arg: str | None, loc: str) -> None:
        """``-compat``: CompatPolicy, checked (what it changes in QMP is not modelled)."""
        assert arg is not None
        from qmonitor.options.qapi_option import COMPAT_POLICY, QapiOptionError, visit_option

        self.unmodelled.append(loc)
        try:
            visit_option(arg, COMPAT_POLICY, None)
        except QapiOptionError as exc:
            raise self._fail(exc.message, loc) from None

    def _opt_blockdev(self, arg: str | None, loc: str) -> None:
        """Visited now (errors end the run); opened by start-up, in command-line order."""
        assert arg is not None
        from qmonitor.options.qapi_option import QapiOptionError, parse_blockdev

        try:
            self.blockdevs.append((parse_blockdev(arg), loc))
        except QapiOptionError as exc:
            raise self._fail(exc.message, loc) from None

    def _opt_vga(self, arg: str | None, loc: str) -> None:
        assert arg is not None
        self.vga = arg
        self.unmodelled.append(loc)

    def _opt_global(self, arg: str | None, loc: str) -> None:
        assert arg is not None
        self.unmodelled.append(loc)
        short = _GLOBAL_SHORT.match(arg)
        if short is not None:
            self.globals.append((short.group(1), short.group(2)))
            return
        opts = self._parse_opts(self.global_group, arg, loc)
        driver, prop = opts.get("driver"), opts.get("property")
        if driver is None or prop is None or opts.get("value") is None:
            raise self._fail(GLOBAL_REQUIRED, loc)
        self.globals.append((driver, prop))

    def _check_globals(self) -> None:
        """qdev_prop_check_globals(): a global for no device type is reported (a warning).

        The null machine applies no global, so a device type's global is
        never "used"; QEMU's "not used" warning depends on whether the type
        can be hot-plugged, which the recorded type tree does not say: not
        reported.
        """
        if not self.globals:
            return
        from qmonitor.machine.qom_types import DEVICE, type_table

        table = type_table()
        for driver, prop in self.globals:
            if driver not in table.parent or not table.is_a(driver, DEVICE):
                self._print(Diagnostic(GLOBAL_INVALID_CLASS.format(driver, prop), warning=True), "")

    def _warn_vga(self, machine: str) -> None:
        """A -vga other than ``none`` makes no device on a machine without a display (none)."""
        if self.vga is not None and machine == "none" and not self.vga.startswith("none"):
            self._print(Diagnostic(VGA_NOT_USED, warning=True), "")

    def _opt_netdev(self, arg: str | None, loc: str) -> None:
        """Only ``help`` as the type (QemuOpts' implied first value) is acted on."""
        assert arg is not None
        self.unmodelled.append(loc)
        if not arg.startswith("{") and is_help_option(_implied(arg, "type")):
            self.netdev_help = True

    def _opt_nic(self, arg: str | None, loc: str) -> None:
        """``-nic`` and ``-net``: only a ``help`` type is acted on (it is no type)."""
        assert arg is not None
        self.unmodelled.append(loc)
        option = loc.split(" ", 1)[0].lstrip("-")
        if option not in self.nic_help and is_help_option(_implied(arg, "type")):
            self.nic_help[option] = (_implied(arg, "type"), loc)

    def _opt_vnc(self, arg: str | None, loc: str) -> None:
        """vnc_parse(): QemuOpts; a bare ``help`` is help, not the display's address."""
        assert arg is not None
        self.unmodelled.append(loc)
        self._parse_noisily(self.vnc_group, arg, loc, not is_help_option(arg))

    def _opt_iscsi(self, arg: str | None, loc: str) -> None:
        assert arg is not None
        self.unmodelled.append(loc)
        self._parse_noisily(OptsGroup(ISCSI_OPTS), arg, loc, False)

    def _opt_smbios(self, arg: str | None, loc: str) -> None:
        """smbios_entry_add() as the option is met; a type 1 UUID is the machine's."""
        assert arg is not None
        from qmonitor.options.smbios import SMBIOS_OPTS, SmbiosError, check_smbios

        self.unmodelled.append(loc)
        opts = self._parse_noisily(OptsGroup(SMBIOS_OPTS), arg, loc, False)
        try:
            uuid = check_smbios(opts)
        except SmbiosError as exc:
            raise self._fail(exc.message, loc) from None
        if uuid is not None:
            self.uuid = uuid

    def _opt_fw_cfg(self, arg: str | None, loc: str) -> None:
        """Parsed now, checked when the machine's devices are made (parse_fw_cfg)."""
        assert arg is not None
        self.unmodelled.append(loc)
        opts = self._parse_opts(self.fw_cfg_group, arg, loc)
        opts.loc = loc

    def _check_fw_cfg(self, machine: str) -> None:
        """parse_fw_cfg() for each ``-fw_cfg``: the blob's name and source, checked.

        Every x86 machine type but ``none`` has a fw_cfg device; the blobs
        are not modelled (no guest reads them), the files are read.
        """
        for opts in self.fw_cfg_group.entries:
            if machine == "none":
                raise self._fail(FW_CFG_UNAVAILABLE, opts.loc)
            name = opts.get("name") or ""
            sources = [opts.get(key) or "" for key in ("file", "string", "gen_id")]
            if not name or sum(1 for source in sources if source) != 1:
                raise self._fail(FW_CFG_NEEDS, opts.loc)
            if len(name.encode("utf-8", "surrogateescape")) > FW_CFG_MAX_FILE_PATH - 1:
                raise self._fail(FW_CFG_NAME_TOO_LONG.format(FW_CFG_MAX_FILE_PATH - 1), opts.loc)
            file, _, gen_id = sources
            if gen_id:
                continue
            if not name.startswith("opt/"):
                self._print(Diagnostic(FW_CFG_NOT_OPT, warning=True), opts.loc)
            if file:
                try:
                    with open(file, "rb"):
                        pass
                except OSError as err:
                    text = FW_CFG_CANT_LOAD.format(file, file, os.strerror(err.errno or 0))
                    raise self._fail(text, opts.loc) from None

    def _opt_runas(self, arg: str | None, loc: str) -> None:
        """os_parse_cmd_args(): a user name or ``UID:GID`` (the process keeps its user)."""
        assert arg is not None
        self.unmodelled.append(loc)
        if not _runas_valid(arg):
            raise self._fail(RUNAS_UNKNOWN.format(arg), loc)

    def _opt_icount(self, arg: str | None, loc: str) -> None:
        """Parsed now (one merged group, keeping its first location); checked later."""
        assert arg is not None
        self.unmodelled.append(loc)
        opts = self._parse_opts(self.icount_group, arg, loc, keep_loc=True)
        if not opts.loc:
            opts.loc = loc

    def _replay_configure(self) -> None:
        """replay_configure(): ``rr`` must be record or replay, with an ``rrfile``.

        Recording and replaying are not modelled (no guest runs): nothing
        is written or read.
        """
        opts = self.icount_group.find(None)
        rr = opts.get("rr") if opts is not None else None
        if opts is None or rr is None:
            return
        if rr not in ("record", "replay"):
            raise self._fail(ICOUNT_BAD_RR.format(rr), opts.loc)
        if opts.get("rrfile") is None:
            raise self._fail(ICOUNT_NO_RRFILE, opts.loc)

    def _configure_icount(self) -> bool:
        """icount_configure() as configure_accelerators() starts: whether icount is on."""
        opts = self.icount_group.find(None)
        if opts is None:
            return False
        shift = opts.get("shift")
        try:
            sleep = opts.get_bool("sleep", True)
            align = opts.get_bool("align", False)
        except QemuOptsError as exc:
            raise self._fail(exc.diagnostic, opts.loc) from None
        if shift is None:
            if opts.get("align") is not None:
                raise self._fail(ICOUNT_ALIGN_NEEDS_SHIFT, opts.loc)
            return False
        if align and not sleep:
            raise self._fail(ICOUNT_ALIGN_SLEEP, opts.loc)
        if shift != "auto":
            value = c_strtoll(shift)
            if value is None or not 0 <= value <= MAX_ICOUNT_SHIFT:
                raise self._fail(ICOUNT_BAD_SHIFT, opts.loc)
        # shift=auto checks the settings of an earlier icount_configure(),
        # which the command line never makes: align off, sleep on.
        return True

    def _check_icount_accel(self, icount: bool, accel: str | None) -> None:
        """configure_accelerators()'s last check: icount needs TCG (the default here)."""
        if icount and accel not in (None, "tcg"):
            raise self._fail(ICOUNT_NEEDS_TCG, "")

    def _opt_chroot(self, arg: str | None, loc: str) -> None:
        self.chroot = arg
        self.unmodelled.append(loc)

    def _opt_tpmdev(self, arg: str | None, loc: str) -> None:
        """tpm_config_parse(): exactly ``help`` lists the backends on stderr, status 1."""
        assert arg is not None
        if arg == "help":
            self.stderr.append(backend_listing())
            raise CmdlineError("".join(self.stderr), 1, "stderr")
        self._parse_opts(self.tpmdev_group, arg, loc)

    def _init_tpm(self) -> None:
        """tpm_init(), among the late backends: each -tpmdev checked at its location."""
        for index, opts in enumerate(self.tpmdev_group.entries):
            try:
                check_tpmdev(opts, index)
            except TpmError as exc:
                self._print(exc.diagnostic, opts.loc)
                if exc.listing:
                    self.stderr.append(backend_listing())
                raise CmdlineError("".join(self.stderr), 1, "stderr") from None
            self.unmodelled.append(opts.loc)

    def _opt_audio(self, arg: str | None, loc: str) -> None:
        """``-audio``: keyval's ``help`` or a ``help`` driver lists the audio drivers."""
        assert arg is not None
        self.unmodelled.append(loc)
        try:
            values, want_help = keyval_parse(arg, "driver")
        except QemuOptsError as exc:
            raise self._fail(exc.diagnostic, loc) from None
        if want_help or is_help_option(values.get("driver", "")):
            raise self._stdout(recorded_listing("audiodev"))
        if "model" not in values:
            raise self._fail(MISSING_PARAMETER.format("model"), loc)

    def _opt_numa(self, arg: str | None, loc: str) -> None:
        assert arg is not None
        self._parse_opts(self.numa_group, arg, loc)
        self.unmodelled.append(loc)

    def _select_vga(self, machine: str) -> None:
        """select_vgahw(), once the machine type is known."""
        arg = self.vga
        if arg is None:
            return
        if arg == "help":
            for _ in VGA_UNAVAILABLE:
                self._print(Diagnostic(TYPE_IS_NULL), "")
            raise self._stdout(vga_help(machine))
        name = next((m for m in VGA_MODELS if arg.startswith(m)), None)
        if name in VGA_UNAVAILABLE:
            self._print(Diagnostic(TYPE_IS_NULL), "")
            raise self._fail(VGA_NOT_AVAILABLE.format(VGA_UNAVAILABLE[name]), "")
        rest = arg[len(name) :] if name is not None else ""
        if name is None or re.fullmatch(r"(,retrace=(dumb|precise))*", rest) is None:
            raise self._fail(UNKNOWN_VGA.format(arg), "")

    def _opt_dump_vmstate(self, arg: str | None, loc: str) -> None:
        """``-dump-vmstate FILE``: the file is created when the option is met (fopen "w")."""
        assert arg is not None
        try:
            with open(arg, "w"):
                pass
        except OSError as exc:
            raise self._fail(DUMP_VMSTATE_OPEN.format(arg, exc.strerror), loc) from None
        self.vmstate_dump = arg

    def _dump_vmstate(self, machine: str) -> None:
        """Once the NUMA options are parsed: the description written, and QEMU exits 0."""
        if self.vmstate_dump is None:
            return
        from qmonitor.machine.vmstate_dump import vmstate_json

        with open(self.vmstate_dump, "w") as f:
            f.write(vmstate_json(machine_typename(machine) or machine))
        raise self._stdout("", 0)

    def _check_numa(self, machine: str) -> None:
        """parse_numa_opts() while the machine is made: each -numa's NumaOptions union tag.

        The opts visitor reads ``type`` first: missing, or no NumaOptionsType
        (``help`` included), it ends QEMU at the option's location.  The
        members are not modelled; a machine type without NUMA state
        (``numa_mem_supported`` unset) then refuses the option.
        """
        for opts in self.numa_group.entries:
            kind = opts.get("type")
            if kind is None:
                raise self._fail(MISSING_PARAMETER.format("type"), opts.loc)
            if kind not in NUMA_TYPES:
                raise self._fail(TYPE_BAD_VALUE.format(kind), opts.loc)
            if machine in NO_NUMA_MACHINES:
                raise self._fail(NUMA_UNSUPPORTED, opts.loc)

    def _net_help(self) -> None:
        """net_init_clients(): ``-netdev help`` lists the backends, ``-nic help`` is no type."""
        if self.netdev_help:
            raise self._stdout(recorded_listing("netdev"))
        for option in ("nic", "net"):
            if option in self.nic_help:
                value, loc = self.nic_help[option]
                raise self._fail(TYPE_BAD_VALUE.format(value), loc)


def _runas_valid(arg: str) -> bool:
    """A user the system knows, or ``UID:GID`` as two C numbers below 2**32 - 1."""
    try:
        pwd.getpwnam(arg)
    except KeyError:
        pass
    else:
        return True
    uid, colon, gid = arg.partition(":")
    if not colon:
        return False
    for part in (uid, gid):
        number = c_strtoull(part)
        if number is None or number >= 0xFFFFFFFF:
            return False
    return True


def _implied(arg: str, name: str) -> str:
    """The value of the implied first option (or of ``name=``) in a QemuOpts argument."""
    first = arg.split(",", 1)[0]
    return first.split("=", 1)[1] if first.startswith(f"{name}=") else first
