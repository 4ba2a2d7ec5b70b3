"""The chardev and monitor option group: ``-chardev``, ``-mon``, ``-qmp``, ``-monitor``, ...

``-chardev`` and ``-mon`` are parsed into their option lists when they
appear; the short forms of ``-qmp``, ``-qmp-pretty``, ``-monitor``,
``-serial``, ``-parallel`` and ``-qtest`` become chardevs later, in QEMU's
order: default devices, chardevs, the qtest chardev, monitors, then serial
and parallel ports (softmmu/vl.c, monitor/monitor.c, chardev/char.c).
qmonitor's own ``x-qmonitor-*`` chardev options are taken out first.
"""

from __future__ import annotations

from qmonitor.options.chardev_checks import check_chardev, translate_chardev_alias
from qmonitor.options.chardev_compat import CompatParseError, chardev_parse_compat
from qmonitor.options.config import ChardevConfig, MonitorConfig
from qmonitor.options.machines import MAX_MUX, NO_DEFAULT_PORTS
from qmonitor.options.parser_state import ParserState, PortConfig
from qmonitor.options.texts import (
    CHARDEV_NOT_FOUND,
    DEVICE_IN_USE,
    MONITOR_PARSE_ERROR,
    NOGRAPHIC_DAEMONIZE,
    PRETTY_HMP,
    QTEST_INIT_FAILED,
)
from qmonitor.util.error import Diagnostic, QemuOptsError, QemuOptsHelp
from qmonitor.util.qemuopts import QemuOpts
from qmonitor.util.texts import ENUM_VALUE, MISSING_PARAMETER

#: The chardev short form QEMU uses for default serial, parallel and monitor.
DEFAULT_VC = "vc:80Cx24C"


class ChardevGroup(ParserState):
    """Parsing and creating chardevs, monitors and serial and parallel ports."""

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
        self.serials.append(PortConfig(arg, loc))
        self.default_serial = False
        if arg.startswith("mon:"):
            self.default_monitor = False

    def _opt_parallel(self, arg: str | None, loc: str) -> None:
        assert arg is not None
        self.parallels.append(PortConfig(arg, loc))
        self.default_parallel = False
        if arg.startswith("mon:"):
            self.default_monitor = False

    def _opt_qtest(self, arg: str | None, loc: str) -> None:
        self.qtest_spec = arg

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

    def _default_devices(self, machine: str) -> None:
        """qemu_disable_default_devices() and qemu_create_default_devices()."""
        serial = self.default_serial and self.has_defaults and machine not in NO_DEFAULT_PORTS
        parallel = self.default_parallel and self.has_defaults and machine not in NO_DEFAULT_PORTS
        serial = serial and "serial" not in self.defaults_off
        parallel = parallel and "parallel" not in self.defaults_off
        monitor = self.default_monitor and self.has_defaults
        if self.daemonize and self.nographic and (parallel or serial or monitor):
            raise self._fail(NOGRAPHIC_DAEMONIZE, "")
        if self.nographic:
            if parallel:
                self.parallels.append(PortConfig("null", ""))
            if serial and monitor:
                self.serials.append(PortConfig("mon:stdio", ""))
            else:
                if serial:
                    self.serials.append(PortConfig("stdio", ""))
                if monitor:
                    self._monitor_parse("stdio", "readline", False, "")
        else:
            if serial:
                self.serials.append(PortConfig(DEFAULT_VC, ""))
            if parallel:
                self.parallels.append(PortConfig(DEFAULT_VC, ""))
            if monitor:
                self._monitor_parse(DEFAULT_VC, "readline", False, "")

    def _tls_lookup(self, creds_id: str, server: bool) -> str | None:
        from qmonitor.options.objects import tls_lookup

        return tls_lookup(self.objects, creds_id, server)

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

    def _create_port(self, port: PortConfig, label: str, connect: str) -> None:
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
