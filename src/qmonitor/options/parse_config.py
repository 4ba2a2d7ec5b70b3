"""``-readconfig``, ``-spice``, ``--preconfig`` and the checks QEMU makes of them.

``-readconfig FILE`` is handled where it stands in the option loop, as in
QEMU (softmmu/vl.c: ``qemu_parse_config_group``): each section of the file
(:mod:`qmonitor.options.readconfig`) goes to the option group it names,
as if the options had been given there.  ``object``, ``machine``,
``smp-opts`` and ``boot-opts`` are not QemuOpts groups in QEMU 7.2: an
object is visited as ``-object`` would be, the others merge into the
machine's options.  Every other section fills a QemuOpts list
(``qemu_opts_from_qdict``: the ``id`` first, then the values in the order
of QEMU's hash table, the first bad one reported).  An error stops QEMU at
the file's line (``PROG:FILE:LINE: message``).

``-spice`` (and ``[spice]``) fills QEMU's ``spice`` list, which SPICE's
start-up reads once the machine exists (ui/spice-core.c).
"""

from __future__ import annotations

from typing import Final

from qmonitor.machine.block.drive_setup import DriveOption
from qmonitor.machine.guest import GuestDevice
from qmonitor.options.config import CmdlineError
from qmonitor.options.optlists import SPICE_OPTS
from qmonitor.options.parser_state import ParserState
from qmonitor.options.readconfig import (
    CANNOT_OPEN,
    NO_OPTION_GROUP,
    ConfigFileError,
    ConfigSection,
    FileLocation,
    config_sections,
)
from qmonitor.qjson import qdict_order
from qmonitor.util.error import Diagnostic, QemuOptsError
from qmonitor.util.keyval import keyval_put
from qmonitor.util.qemuopts import OptsGroup, OptsListSpec, is_help_option

#: softmmu/vl.c's texts for option combinations (qemu_validate_options).
LOADVM_INCOMING: Final = "'incoming' and 'loadvm' options are mutually exclusive"
LOADVM_PRECONFIG: Final = "'preconfig' and 'loadvm' options are mutually exclusive"
PRECONFIG_INCOMING: Final = "'preconfig' supports '-incoming defer' only"
#: ui/spice-core.c's texts.
SPICE_PORT_RANGE: Final = "spice port is out of range"
SPICE_TLS_PORT_RANGE: Final = "spice tls-port is out of range"
SPICE_PASSWORD_EXCLUSIVE: Final = "'password' option is mutually exclusive with 'password-secret'"
#: util/qemu-config.c: what a failed read of the file reports.
CANNOT_READ: Final = "Cannot read config file: {}"
#: The highest TCP port.
MAX_PORT: Final = 65535

#: The sections QEMU merges into the machine's options (is_qemuopts_group).
MACHINE_GROUPS: Final = ("smp-opts", "boot-opts")
#: QEMU 7.2's other option lists (vm_config_groups and the modules' lists),
#: which qmonitor does not model: their sections are accepted and recorded.
UNMODELLED_GROUPS: Final = frozenset({
    "netdev", "nic", "net", "global", "trace", "option-rom", "add-fd",
    "tpmdev", "numa", "icount", "semihosting-config", "fw_cfg", "plugin", "vnc",
    "iscsi",
})  # fmt: skip


class ConfigGroup(ParserState):
    """``-readconfig``, ``-spice``, ``--preconfig``; ``-loadvm`` and ``-incoming`` against it."""

    #: The drives (kept by DriveGroup): a ``[drive]`` section is one.
    drives: list[DriveOption]

    def __init__(self, argv: list[str], prog: str) -> None:
        super().__init__(argv, prog)
        self.spice_group = OptsGroup(SPICE_OPTS)
        self.preconfig = False
        self.loadvm: str | None = None
        self.incoming: str | None = None
        self._unmodelled_groups = {name: OptsGroup(_any(name)) for name in UNMODELLED_GROUPS}
        self._last_section = False
        self.spice_given = False

    def _opt_preconfig(self, arg: str | None, loc: str) -> None:
        self.preconfig = True

    def _opt_loadvm(self, arg: str | None, loc: str) -> None:
        self.loadvm = arg

    def _opt_incoming(self, arg: str | None, loc: str) -> None:
        self.incoming = arg
        self.unmodelled.append(loc)

    def _opt_spice(self, arg: str | None, loc: str) -> None:
        assert arg is not None
        self._parse_opts(self.spice_group, arg, loc, keep_loc=True)
        self.spice_given = True  # a remote display (display_remote), unlike a [spice] section

    def _validate_options(self) -> None:
        """qemu_validate_options(): the combinations QEMU refuses, right after the loop."""
        if self.loadvm is not None and self.incoming is not None:
            raise self._fail(LOADVM_INCOMING, "")
        if self.loadvm is not None and self.preconfig:
            raise self._fail(LOADVM_PRECONFIG, "")
        if self.incoming is not None and self.preconfig and self.incoming != "defer":
            raise self._fail(PRECONFIG_INCOMING, "")

    def _vnc_sections(self) -> bool:
        """Whether a ``[vnc]`` section filled QEMU's vnc list (a remote display)."""
        return bool(self._unmodelled_groups["vnc"].entries)

    def _spice(self) -> tuple[tuple[str, str], ...] | None:
        """The SPICE server's options once the machine exists (qemu_spice_init's checks)."""
        opts = self.spice_group.find(None)
        if opts is None:
            return None
        try:
            port = opts.get_number("port", 0)
            tls_port = opts.get_number("tls-port", 0)
        except QemuOptsError as exc:  # pragma: no cover - checked when parsed
            raise self._fail(exc.diagnostic, "") from None
        if port > MAX_PORT:
            raise self._fail(SPICE_PORT_RANGE, "")
        if tls_port > MAX_PORT:
            raise self._fail(SPICE_TLS_PORT_RANGE, "")
        if opts.get("password-secret") is not None and opts.get("password") is not None:
            raise self._fail(SPICE_PASSWORD_EXCLUSIVE, "")
        return tuple(opts.as_dict().items())

    # -- -readconfig -------------------------------------------------------------

    def _opt_readconfig(self, arg: str | None, loc: str) -> None:
        """qemu_read_config_file(): every section, in order, as QEMU takes them."""
        assert arg is not None
        try:
            with open(arg, "rb") as f:
                data = f.read()
        except IsADirectoryError as exc:
            # fopen() opens a directory; the first fgets() fails.
            raise self._fail(CANNOT_READ.format(exc.strerror), loc) from None
        except OSError as exc:
            raise self._fail(CANNOT_OPEN.format(arg, exc.strerror), loc) from None
        try:
            for section in config_sections(data, arg):
                self._last_section = section.last
                self._config_section(section, loc)
        except ConfigFileError as exc:
            raise self._fail(exc.message, exc.location or "") from None
        finally:
            self._last_section = False

    def _config_error(self, diag: Diagnostic | str, where: FileLocation | str) -> CmdlineError:
        """An error in a section, as QEMU reports it.

        QEMU hands the last section of a file on with ``&error_fatal``: an
        error there ends the process before its hint is added.
        """
        if isinstance(diag, str):
            diag = Diagnostic(diag)
        if self._last_section:
            diag = Diagnostic(diag.message)
        return self._fail(diag, where)

    def _config_section(self, section: ConfigSection, loc: str) -> None:
        where: FileLocation | str = section.location or ""
        group, values = section.group, section.values
        if group == "object":
            self._config_object(values, where)
        elif group == "machine":
            for key, value in values.items():
                try:
                    keyval_put(self.machine_opts, key, value)
                except QemuOptsError as exc:
                    raise self._config_error(exc.diagnostic, where) from None
            if set(values) - {"type", "accel"}:
                self.unmodelled.append(f"{loc} [machine]")
        elif group in ("smp-opts", "boot-opts"):
            target = self.smp_group if group == "smp-opts" else self.checked_groups["boot"]
            opts = target.create(None)
            for key, value in values.items():
                try:
                    opts.set(key, value)
                except QemuOptsError as exc:
                    raise self._config_error(exc.diagnostic, where) from None
        else:
            self._config_opts(group, values, where, loc)

    def _config_object(self, values: dict[str, str], where: FileLocation | str) -> None:
        from qmonitor.options.objects import ObjectError, ObjectHelp, parse_object_values

        try:
            cfg = parse_object_values(values, str(where))
        except ObjectHelp as exc:
            raise self._stdout(exc.text) from None
        except ObjectError as exc:
            # Visited with &error_fatal: no hint, whichever section it is.
            raise self._fail(Diagnostic(exc.message), where) from None
        from qmonitor.options.qapi_option import QapiOptionError, check_object_section

        try:
            check_object_section(values)
        except QapiOptionError as exc:
            raise self._fail(Diagnostic(exc.message), where) from None
        self.objects.append(cfg)
        if cfg.qom_type != "tls-creds-x509":
            self.unmodelled.append(f"-object {cfg.qom_type},id={cfg.id}")

    def _config_groups(self) -> dict[str, OptsGroup]:
        """The QemuOpts lists a section can fill, by QEMU's name for each list.

        Every list the option groups keep is one (``find_list`` looks a
        section's group up by the list's name); ``smp-opts`` and
        ``boot-opts`` are not, QEMU merges them into the machine's options.
        """
        lists = dict(self._unmodelled_groups)
        for value in (*vars(self).values(), *self.checked_groups.values()):
            if isinstance(value, OptsGroup):
                lists[value.spec.name] = value
        for name in MACHINE_GROUPS:
            lists.pop(name, None)
        return lists

    def _config_opts(
        self, group: str, values: dict[str, str], where: FileLocation | str, loc: str
    ) -> None:
        """qemu_opts_from_qdict(): the id first, then each value, in QDict order."""
        target = self._config_groups().get(group)
        if target is None:
            raise self._config_error(NO_OPTION_GROUP.format(group), where)
        try:
            opts = target.create(values.get("id"))
        except QemuOptsError as exc:
            raise self._config_error(exc.diagnostic, where) from None
        opts.loc = where
        keys = [key for key in values if key != "id"]
        for key in qdict_order(keys) if len(keys) > 1 else keys:
            try:
                opts.set(key, values[key])
            except QemuOptsError as exc:
                target.remove(opts)
                raise self._config_error(exc.diagnostic, where) from None
        if group == "drive":
            self.drives.append(DriveOption(tuple(opts.items), opts.id, where))
        if group == "device":
            driver = opts.get("driver")
            if driver is not None and not is_help_option(driver):
                props = tuple((k, v) for k, v in opts.items if k not in ("driver", "id"))
                self.guest_devices.append(GuestDevice(driver, opts.id, props))
        if group in UNMODELLED_GROUPS or (group == "memory" and set(opts.as_dict()) - {"size"}):
            self.unmodelled.append(f"{loc} [{group}]")


def _any(name: str) -> OptsListSpec:
    """An option list that takes any option (one qmonitor does not model)."""
    return OptsListSpec(name, None, ())
