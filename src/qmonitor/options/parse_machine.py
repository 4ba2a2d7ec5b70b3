"""The machine option group: ``-machine``, ``-accel``, ``-display``, ``-cpu``, ``-smp``, ``-m``, ...

The options that describe the machine and its guest -- machine type and
properties (keyval), accelerators, display, CPU, SMP and memory, actions,
``-name``, ``-uuid``, ``-msg``, ``-audiodev`` and the options QEMU checks
but qmonitor does not model (``-rtc``, ``-overcommit``, ``-sandbox``,
``-boot``) -- and the late stages that check them (softmmu/vl.c,
softmmu/runstate-action.c, hw/core/machine.c).
"""

from __future__ import annotations

import errno
import os
import re

from qmonitor.machine.guest import (
    DEFAULT_CPU_MODEL,
    DEFAULT_RAM_SIZE,
    MACHINE_CPU_MODELS,
    GuestConfig,
    GuestObject,
    SmpConfig,
    smp_limits,
)
from qmonitor.machine.memdev import NO_DEFAULT_RAM
from qmonitor.options.checks import CheckError, check_boot, check_rtc, check_sandbox
from qmonitor.options.config import CmdlineError
from qmonitor.options.guest import (
    GuestOptionError,
    memory_limits,
    parse_cpu,
    ram_size,
    smp_config,
)
from qmonitor.options.machines import (
    ACCEL_HELP_TEXT,
    ACCELERATORS,
    DEFAULT_MACHINE,
    deprecation_warning,
    machine_help_text,
    machine_known,
    machine_typename,
)
from qmonitor.options.optlists import BOOT_HELP_OPTS, RUNSTATE_ACTIONS, SMP_HELP_OPTS
from qmonitor.options.parser_state import ParserState
from qmonitor.options.texts import (
    ACCEL_FALLBACK,
    ACCEL_INCOMPATIBLE,
    ACCEL_PROPERTY_NOT_FOUND,
    INVALID_ACCELERATOR,
    MACHINE_HINT,
    NO_BOOT_SET_HANDLER,
    UNSUPPORTED_MACHINE,
    UUID_WRONG_FORMAT,
    VNC_NEEDS_DISPLAY,
)
from qmonitor.qjson import qdict_order
from qmonitor.util.error import Diagnostic, QemuOptsError
from qmonitor.util.keyval import DISPLAY_HELP_TEXT, check_display, keyval_parse, keyval_put
from qmonitor.util.qemuopts import OptsGroup, OptsListSpec, is_help_option
from qmonitor.util.texts import ENUM_VALUE


class MachineGroup(ParserState):
    """Parsing and checking the options that describe the machine and its guest."""

    #: -vnc's options (made by MiscGroup): ``-display vnc=`` adds to them.
    vnc_group: OptsGroup

    def __init__(self, argv: list[str], prog: str) -> None:
        super().__init__(argv, prog)
        #: The machine's ``smp`` once qemu_apply_machine_options set it.
        self._smp: SmpConfig | None = None
        #: The last ``-display`` had ``window-close`` (only GTK and SDL take it).
        self.display_window_close = False
        #: The last ``-display``'s members (the display's early initialisation reads them).
        self.display_options: dict[str, object] = {}

    def _opt_machine(self, arg: str | None, loc: str) -> None:
        assert arg is not None
        try:
            values, want_help = keyval_parse(arg, "type")
        except QemuOptsError as exc:
            raise self._fail(exc.diagnostic, loc) from None
        self._keyval_merge(self.machine_opts, values, loc)
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
            # vnc_parse(): the same list as -vnc's, so a remote display.
            self._parse_noisily(self.vnc_group, arg[4:], loc, not is_help_option(arg[4:]))
            self.unmodelled.append(loc)
            return
        if arg.startswith("{"):
            self._display_json(arg, loc)
            return
        try:
            values, _ = keyval_parse(arg, "type", help_allowed=False)
            kind, gl = check_display(values)
        except QemuOptsError as exc:
            raise self._fail(exc.diagnostic, loc) from None
        self.display = kind
        self.display_gl = gl
        self.display_window_close = "window-close" in values
        self.display_options = dict(values)

    def _display_json(self, arg: str, loc: str) -> None:
        """parse_display_qapi(): a JSON argument visited as DisplayOptions."""
        from qmonitor.machine.schema import machine_schema
        from qmonitor.options.qapi_option import QapiOptionError, visit_option
        from qmonitor.qapi.binding import schema_type

        try:
            opts = visit_option(arg, schema_type(machine_schema(), "DisplayOptions"), "type")
        except QapiOptionError as exc:
            raise self._fail(exc.message, loc) from None
        self.display = str(opts["type"])
        self.display_gl = opts.get("gl", "off") not in ("off", False)
        self.display_window_close = "window-close" in opts
        self.display_options = dict(opts)

    def _opt_accel(self, arg: str | None, loc: str) -> None:
        assert arg is not None
        opts = self._parse_opts(self.accel_group, arg, loc)
        accel = opts.get("accel")
        if accel is None or is_help_option(accel):
            raise self._stdout(ACCEL_HELP_TEXT)

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

    def _opt_name(self, arg: str | None, loc: str) -> None:
        assert arg is not None
        self._parse_opts(self.name_group, arg, loc)

    def _opt_msg(self, arg: str | None, loc: str) -> None:
        """configure_msg(): the last ``-msg`` decides; bad values are errors here."""
        assert arg is not None
        opts = self._parse_opts(self.msg_group, arg, loc)
        try:
            self.msg_timestamp = opts.get_bool("timestamp", False)
        finally:
            self.msg_group.remove(opts)

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
        self._machine_property_help(arg, loc, SMP_HELP_OPTS)
        self._parse_opts(self.smp_group, arg, loc, keep_loc=True)

    def _machine_property_help(self, arg: str, loc: str, spec: OptsListSpec) -> None:
        """machine_parse_property_opt(): keyval's ``help`` lists the options, status 0.

        Keyval's syntax errors end the run here, before QemuOpts reads the
        argument into the group that is checked later.
        """
        try:
            _, want_help = keyval_parse(arg, spec.implied_opt_name)
        except QemuOptsError as exc:
            raise self._fail(exc.diagnostic, loc) from None
        if want_help:
            raise self._stdout(spec.help_text())

    def _opt_m(self, arg: str | None, loc: str) -> None:
        assert arg is not None
        opts = self._parse_opts(self.memory_group, arg, loc, keep_loc=True)
        opts.loc = loc
        if set(opts.as_dict()) - {"size"}:
            self.unmodelled.append(loc)

    def _opt_audiodev(self, arg: str | None, loc: str) -> None:
        """``-audiodev``: checked now (audio_parse_option), recorded as not modelled."""
        assert arg is not None
        if is_help_option(arg):
            from qmonitor.options.help import recorded_listing

            raise self._stdout(recorded_listing("audiodev"))
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
        if name == "boot":
            self._machine_property_help(arg, loc, BOOT_HELP_OPTS)
        opts = self._parse_opts(self.checked_groups[name], arg, loc, keep_loc=True)
        if not opts.loc:
            opts.loc = loc
        self.unmodelled.append(loc)

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

    def _opt_no_reboot(self, arg: str | None, loc: str) -> None:
        """``-no-reboot``: ``-action reboot=shutdown`` (a guest reset shuts down)."""
        self._set_action("reboot", "shutdown", loc)

    def _opt_no_shutdown(self, arg: str | None, loc: str) -> None:
        """``-no-shutdown``: ``-action shutdown=pause`` (a shutdown stops the VM)."""
        self._set_action("shutdown", "pause", loc)

    def _set_action(self, name: str, value: str, loc: str) -> None:
        opts = self.action_group.create(None)
        if not opts.loc:
            opts.loc = loc
        opts.set(name, value)

    def _check_early(self) -> None:
        """parse_sandbox() and configure_rtc(), right after the option loop."""
        rtc = self.checked_groups["rtc"].find(None)
        try:
            # Each -sandbox is a group of its own (the list does not merge).
            for sandbox in self.checked_groups["sandbox"].entries:
                try:
                    check_sandbox(sandbox.as_dict())
                except CheckError as exc:
                    raise self._fail(exc.message, sandbox.loc) from None
            if rtc is not None:
                check_rtc(rtc.as_dict())
        except CheckError as exc:
            raise self._fail(Diagnostic(exc.message, exc.hint), "") from None

    def _opt_add_fd(self, arg: str | None, loc: str) -> None:
        assert arg is not None
        opts = self._parse_opts(self.add_fd_group, arg, loc)
        opts.loc = loc

    def _process_add_fds(self) -> tuple[tuple[int, int, str | None], ...]:
        """parse_add_fd then cleanup_add_fd: duplicates of the ``-add-fd`` descriptors.

        The first error is fatal; once all are duplicated the inherited
        descriptors are closed.
        """
        from qmonitor.machine.qmp_fds import close_add_fd_options, dup_add_fd_option
        from qmonitor.qapi.error import QapiError

        added: list[tuple[int, int, str | None]] = []
        entries = list(self.add_fd_group.entries)
        for opts in entries:
            fd = opts.get_number("fd", -1)
            fdset_id = opts.get_number("set", -1)
            try:
                dup = dup_add_fd_option(fd, fdset_id)
            except QapiError as exc:
                for done, _set, _opaque in added:
                    os.close(done)
                raise self._fail(str(exc), opts.loc) from None
            added.append((dup, fdset_id, opts.get("opaque")))
        close_add_fd_options([opts.get_number("fd", -1) for opts in entries])
        return tuple(added)

    def _process_actions(self) -> dict[str, str]:
        """qemu_process_early_options(): check ``-action``; returns the actions given."""
        opts = self.action_group.find(None)
        if opts is None:
            return {}
        values = opts.as_dict()
        for name, choices in RUNSTATE_ACTIONS.items():
            value = values.get(name)
            if value is not None and value not in choices:
                raise self._fail(ENUM_VALUE.format(name, value), opts.loc)
        if "panic" in values:
            self.unmodelled.append(opts.loc)
        return {name: values[name] for name in RUNSTATE_ACTIONS if name in values}

    def _cpu_help(self) -> None:
        """qemu_process_help_options(): ``-cpu help`` lists the CPU models, before -device help."""
        if self.cpu_arg is not None and is_help_option(self.cpu_arg):
            from qmonitor.machine.cpu_models import cpu_help_text

            raise self._stdout(cpu_help_text())

    def _select_machine(self) -> str:
        machine = self.machine_opts.get("type")
        if machine is None:
            return DEFAULT_MACHINE
        if not machine_known(machine):
            raise self._fail(Diagnostic(UNSUPPORTED_MACHINE, MACHINE_HINT), "")
        return machine

    def _warn_deprecated(self, machine: str, accel: str | None) -> None:
        """qemu_init() warns of a deprecated machine type once the accelerator is set."""
        warning = deprecation_warning(machine)
        if warning is not None and accel != "qtest":
            self._print(Diagnostic(warning, warning=True), "")

    def _apply_machine_options(self, machine: str) -> None:
        """qemu_apply_machine_options(): the machine's properties set, in the QDict's order.

        It runs once the early backends exist; ``-smp`` and ``-boot`` are
        the machine's ``smp`` and ``boot`` properties and are checked in
        their turn among the others, the first error ending the run.
        """
        typename = machine_typename(machine)
        heads = list(dict.fromkeys(key.split(".", 1)[0] for key in self.machine_opts))
        for name, group in (("smp", self.smp_group), ("boot", self.checked_groups["boot"])):
            if group.entries and name not in heads:
                heads.append(name)
        for head in qdict_order(heads):
            if head == "boot":
                self._check_boot(machine)
            elif head == "smp":
                self._smp = self._smp_config(typename)
            elif typename is not None:
                from qmonitor.machine.machine_props import check_machine_properties

                try:
                    check_machine_properties(typename, [head])
                except ValueError as exc:
                    raise self._fail(str(exc), "") from None

    def _smp_config(self, typename: str | None) -> SmpConfig:
        """The machine's ``smp`` property: -smp visited and resolved (warnings printed)."""
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
        return smp

    def _check_boot(self, machine: str) -> None:
        """The machine's ``boot`` property from ``-boot`` (qemu_apply_machine_options).

        ``once`` is set at once (qemu_boot_set), which needs the boot-order
        handler every PC registers and the ``none`` machine has not.
        """
        boot = self.checked_groups["boot"].find(None)
        if boot is not None:
            try:
                check_boot(boot.as_dict())
            except CheckError as exc:
                raise self._fail(exc.message, "") from None
            if machine == "none" and boot.get("once") is not None:
                raise self._fail(NO_BOOT_SET_HANDLER, "")

    def _init_accel(self, accel: str, loc: str = "") -> bool:
        """Start an accelerator as do_configure_accelerator does; False (and said) if it fails.

        Only KVM can fail: its device is opened and its API version read.
        Under qtest a missing device is not worth a word (qtest_with_kvm).
        """
        if accel != "kvm":
            return True
        failure = self.kvm_probe()
        if failure is None:
            return True
        self.stderr.append(failure.raw)
        if self.qtest_spec is None or failure.errno != errno.ENOENT:
            self._print(Diagnostic(failure.message), loc)
        return False

    def _configure_accelerators(self) -> str | None:
        wanted = self.machine_opts.get("accel")
        if not self.accel_group.entries:
            if wanted is None:
                return None
            failed = False
            valid = []
            for accel in wanted.split(":"):
                if accel in ACCELERATORS:
                    valid.append(accel)
                else:
                    failed = True
                    self._print(Diagnostic(INVALID_ACCELERATOR.format(accel)), "")
            chosen = None
            for accel in valid:
                if self._init_accel(accel):
                    chosen = accel
                    break
                failed = True
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
            if not self._init_accel(accel, opts.loc):
                failed = True
                continue
            if failed and self.qtest_spec is None:
                self._print(Diagnostic(ACCEL_FALLBACK.format(accel)), "")
            return accel
        raise CmdlineError("".join(self.stderr), 1, "stderr")

    def _guest(self, machine: str) -> GuestConfig:
        """The guest the options describe (checked as QEMU checks them when building it)."""
        memory = self.memory_group.find(None)
        try:
            # The null machine has no RAM unless -m gives it some (default_ram_size 0).
            default = 0 if machine in NO_DEFAULT_RAM else DEFAULT_RAM_SIZE
            size = ram_size(memory.get("size") if memory is not None else None, default)
            # QemuOpts already checked both (a number, a size).
            slots, maxmem = memory_limits(
                size,
                memory.get("slots") if memory is not None else None,
                memory.get("maxmem") if memory is not None else None,
            )
        except GuestOptionError as exc:
            where = memory.loc if memory is not None and exc.located else ""
            raise self._fail(exc.diagnostic, where) from None
        typename = machine_typename(machine)
        smp = self._smp if self._smp is not None else self._smp_config(typename)
        cpu = parse_cpu(self.cpu_arg or MACHINE_CPU_MODELS.get(machine, DEFAULT_CPU_MODEL))
        names = self.name_group.find(None)
        debug_threads = names is not None and names.get_bool("debug-threads", False)
        props = tuple((k, v) for k, v in self.machine_opts.items() if k not in ("type", "accel"))
        return GuestConfig(
            cpu_model=cpu.model,
            cpu_props=cpu.props,
            smp=smp,
            ram_size=size,
            ram_slots=slots,
            maxram_size=maxmem,
            mem_path=self.mem_path,
            mem_prealloc=self.mem_prealloc,
            devices=tuple(self.guest_devices),
            objects=tuple(
                GuestObject(o.qom_type, o.id, tuple(o.props.items())) for o in self.objects
            ),
            debug_threads=debug_threads,
            machine_typename=machine_typename(machine),
            machine_props=props,
        )

    def _keyval_merge(self, target: dict[str, str], values: dict[str, str], loc: str) -> None:
        """keyval_merge(): a later ``-machine`` adds to (and overrides) the earlier ones."""
        for key, value in values.items():
            try:
                keyval_put(target, key, value)
            except QemuOptsError as exc:
                raise self._fail(exc.diagnostic, loc) from None
