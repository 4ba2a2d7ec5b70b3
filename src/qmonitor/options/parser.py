"""The command-line parser's driver: QEMU's passes over the argument vector, in order.

It follows ``softmmu/vl.c``: a first pass over the vector that rejects
unknown options and missing arguments (and reads qmonitor's own
``-qmonitor-version`` and ``-qmonitor-package``, so that ``-version`` sees
them wherever they are), a second pass that hands each option to its
group's handler in order (QemuOpts syntax errors are reported at once),
then the later stages in QEMU's order -- ``-action``/``-watchdog-action``,
``-cpu help``, ``-device DRIVER,help``, machine type, default devices,
objects, chardevs, accelerators, the qtest chardev, monitors, serial and
parallel ports, and last the ``-device`` devices qmonitor models.  The work
of each option group is in its own class; this one only sequences them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from functools import partial

from qmonitor.machine.guest import GuestDevice
from qmonitor.options.config import Config
from qmonitor.options.default_list import defaults_turned_off
from qmonitor.options.display import default_display, has_opengl
from qmonitor.options.help import help_text, version_text
from qmonitor.options.machines import MAX_PARALLEL_PORTS
from qmonitor.options.parse_board import DEBUGCON_DUPLICATE, DEBUGCON_INVALID, BoardGroup
from qmonitor.options.parse_chardevs import ChardevGroup
from qmonitor.options.parse_config import ConfigGroup
from qmonitor.options.parse_devices import DeviceGroup
from qmonitor.options.parse_drives import DriveGroup
from qmonitor.options.parse_extra import NOT_FOR_TARGET, OTHER_TARGET_OPTIONS, ExtraGroup
from qmonitor.options.parse_logging import LoggingGroup
from qmonitor.options.parse_machine import MachineGroup
from qmonitor.options.parse_misc import MiscGroup
from qmonitor.options.table import OPTIONS
from qmonitor.options.texts import (
    BAD_QEMU_VERSION,
    INSTALLED_DATA_DIRS,
    INVALID_OPTION,
    OPENGL_UNSUPPORTED,
    OPTION_ROM_OPEN,
    PARALLEL_CONNECT,
    REQUIRES_ARGUMENT,
    SERIAL_CONNECT,
    TOO_MANY_PARALLEL,
    WINDOW_CLOSE_IGNORED,
)
from qmonitor.util.error import Diagnostic

#: Every option name QEMU 7.2's table has, this target's and the others'.
_TABLE: dict[str, bool] = {**OPTIONS, **OTHER_TARGET_OPTIONS}


class Parser(
    ChardevGroup,
    MachineGroup,
    DeviceGroup,
    DriveGroup,
    ConfigGroup,
    LoggingGroup,
    MiscGroup,
    ExtraGroup,
    BoardGroup,
):
    """One run of QEMU's option handling; see the module docstring for the stages."""

    def __init__(self, argv: list[str], prog: str) -> None:
        super().__init__(argv, prog)
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
            "qmonitor-guest": self._opt_guest,
            "watchdog-action": self._opt_watchdog_action, "action": self._opt_action,
            "no-reboot": self._opt_no_reboot, "no-shutdown": self._opt_no_shutdown,
            "qtest-log": self._opt_qtest_log,
            "persona": self._opt_persona, "msg": self._opt_msg,
            "object": self._opt_object, "cpu": self._opt_cpu, "smp": self._opt_smp,
            "m": self._opt_m, "audiodev": self._opt_audiodev, "rtc": self._opt_checked,
            "overcommit": self._opt_checked,
            "sandbox": self._opt_checked, "boot": self._opt_checked,
            "readconfig": self._opt_readconfig, "spice": self._opt_spice,
            "preconfig": self._opt_preconfig, "loadvm": self._opt_loadvm,
            "incoming": self._opt_incoming, "add-fd": self._opt_add_fd,
            "d": self._opt_d, "D": self._opt_D, "trace": self._opt_trace,
            "vga": self._opt_vga, "global": self._opt_global, "netdev": self._opt_netdev,
            "nic": self._opt_nic, "net": self._opt_nic, "numa": self._opt_numa,
            "blockdev": self._opt_blockdev, "vnc": self._opt_vnc, "iscsi": self._opt_iscsi,
            "tpmdev": self._opt_tpmdev, "audio": self._opt_audio, "fw_cfg": self._opt_fw_cfg,
            "runas": self._opt_runas, "compat": self._opt_compat, "smbios": self._opt_smbios,
            "chroot": self._opt_chroot, "icount": self._opt_icount, "drive": self._opt_drive,
            "set": self._opt_set,
            "L": self._opt_L, "audio-help": self._opt_audio_help, "plugin": self._opt_plugin,
            "kernel": self._opt_machine_property, "initrd": self._opt_machine_property,
            "append": self._opt_machine_property, "dtb": self._opt_machine_property,
            "bios": self._opt_machine_property, "no-hpet": self._opt_no_hpet,
            "rotate": self._opt_rotate, "gdb": self._opt_gdb, "s": self._opt_gdb,
            "dfilter": self._opt_dfilter, "seed": self._opt_seed,
            "option-rom": self._opt_option_rom, "usbdevice": self._opt_usbdevice,
            "dump-vmstate": self._opt_dump_vmstate,
            "debugcon": self._opt_debugcon, "acpitable": self._opt_acpitable,
            "echr": self._opt_echr, "fsdev": self._opt_fsdev, "virtfs": self._opt_virtfs,
            "singlestep": self._opt_singlestep, "enable-sync-profile": self._opt_sync_profile,
            "mem-path": self._opt_mem_path, "mem-prealloc": self._opt_mem_prealloc,
        }  # fmt: skip
        for short in (
            "hda",
            "hdb",
            "hdc",
            "hdd",
            "cdrom",
            "fda",
            "fdb",
            "sd",
            "pflash",
            "mtdblock",
        ):
            self.handlers[short] = partial(self._short_drive, short)
        self.handlers["snapshot"] = self._opt_snapshot

    def _lookup(self, index: int) -> tuple[str, str | None, int, str]:
        """QEMU's lookup_opt(): option name, argument, next index, location."""
        raw = self.argv[index]
        name = raw[2:] if raw.startswith("--") else raw[1:]
        if name not in _TABLE:
            raise self._fail(INVALID_OPTION, raw)
        if not _TABLE[name]:
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
                self._opt_image(self.argv[index])
                index += 1
                continue
            name, arg, index, loc = self._lookup(index)
            if name in OTHER_TARGET_OPTIONS:
                raise self._fail(NOT_FOR_TARGET, loc)
            handler = self.handlers.get(name)
            if handler is None:
                self.unmodelled.append(loc)
            else:
                handler(arg, loc)
            self._note_ids(name, arg)
        return self._late_stages()

    def _set_version(self, arg: str, loc: str) -> None:
        m = re.fullmatch(r"([0-9]+)\.([0-9]+)\.([0-9]+)", arg)
        if m is None:
            raise self._fail(BAD_QEMU_VERSION, loc)
        self.version = (int(m.group(1)), int(m.group(2)), int(m.group(3)))

    def _short_drive(self, name: str, arg: str | None, loc: str) -> None:
        assert arg is not None
        self._opt_drive_short(name, arg, loc)

    def _opt_nothing(self, arg: str | None, loc: str) -> None:
        """Options whose work was done in the first pass, or that change nothing here."""

    def _opt_help(self, arg: str | None, loc: str) -> None:
        raise self._stdout(help_text(self.prog, self.version, self.package))

    def _opt_version(self, arg: str | None, loc: str) -> None:
        raise self._stdout(version_text(self.version, self.package))

    def _opt_extensions(self, arg: str | None, loc: str) -> None:
        self.extensions = True

    def _opt_mem_path(self, arg: str | None, loc: str) -> None:
        self.mem_path = arg

    def _opt_mem_prealloc(self, arg: str | None, loc: str) -> None:
        self.mem_prealloc = True

    def _opt_guest(self, arg: str | None, loc: str) -> None:
        self.guest_commands = True

    def _opt_s(self, arg: str | None, loc: str) -> None:
        self.start_paused = True

    def _opt_nodefaults(self, arg: str | None, loc: str) -> None:
        self.has_defaults = False

    def _opt_daemonize(self, arg: str | None, loc: str) -> None:
        self.daemonize = True

    def _opt_pidfile(self, arg: str | None, loc: str) -> None:
        self.pidfile = arg

    def _opt_persona(self, arg: str | None, loc: str) -> None:
        self.persona = arg

    def _opt_qtest_log(self, arg: str | None, loc: str) -> None:
        self.qtest_log = arg

    def _create_debugcons(self) -> None:
        """debugcon_parse(): each ``-debugcon`` makes chardev ``debugcon`` (``mon:`` allowed)."""
        for spec, loc in self.debugcons:
            if "debugcon" in self.chardevs:
                # The second one's chardev takes a name the first one's has.
                self._print(Diagnostic(DEBUGCON_DUPLICATE), loc)
                raise self._fail(DEBUGCON_INVALID.format(spec), loc)
            if self._new_from_spec("debugcon", spec, True, loc) is None:
                raise self._fail(DEBUGCON_INVALID.format(spec), loc)
            # Its device (id "debugcon") comes after the -device ones.
            self.guest_devices.append(
                GuestDevice("isa-debugcon", "debugcon", (("chardev", "debugcon"),), loc)
            )

    def _choose_display(self) -> None:
        """qemu_create_default_devices(): ``default`` becomes the build's first local display.

        A remote display (``-vnc``, ``-display vnc=``, a ``[vnc]`` section,
        ``-spice``) leaves none.
        """
        if self.display not in (None, "default"):
            return
        remote = bool(self.vnc_group.entries) or self._vnc_sections() or self.spice_given
        self.display = default_display(remote)

    def _option_rom_warnings(self) -> tuple[str, ...]:
        """What a PC's board says of each ``-option-rom`` it cannot open (qemu_find_file)."""
        out = []
        for name, _ in self.option_roms:
            dirs = [*self.data_dirs, *INSTALLED_DATA_DIRS]
            path = next((f"{d}/{name}" for d in dirs if os.access(f"{d}/{name}", os.R_OK)), name)
            try:
                os.close(os.open(path, os.O_RDONLY))
            except OSError as exc:
                out.append(OPTION_ROM_OPEN.format(name, os.strerror(exc.errno or 0)))
        return tuple(out)

    def _late_stages(self) -> Config:
        self._validate_kernel()
        self._validate_options()
        self._check_early()
        actions = self._process_actions()
        add_fds = self._process_add_fds()
        self._process_log_options()
        self._list_dirs()
        rtc = self.checked_groups["rtc"].find(None)
        self._cpu_help()
        self._device_help()
        self._replay_configure()
        machine = self._select_machine()
        self.defaults_off = defaults_turned_off(
            [d.driver for d in self.guest_devices] + [driver for driver, _ in self.globals]
        )
        self._default_devices(machine)
        self._select_vga(machine)
        self._choose_display()
        if self.display_window_close and self.display not in ("gtk", "sdl"):
            self._print(Diagnostic(WINDOW_CLOSE_IGNORED), "")
        if self.display_gl and not has_opengl(self.display or "none"):
            raise self._fail(OPENGL_UNSUPPORTED, "")
        self._create_objects()
        for opts in list(self.chardev_group.entries):
            self._create_chardev(opts, opts.loc)
        self._init_fsdevs()
        self._configure_blockdev(machine)
        self._apply_machine_options(machine)
        icount = self._configure_icount()
        accel = self._configure_accelerators()
        self._check_icount_accel(icount, accel)
        self._warn_deprecated(machine, accel)
        qtest = self._create_qtest()
        self._net_help()
        self._init_tpm()
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
        self._create_debugcons()
        if not self.preconfig:
            self._load_plugins()
            self._check_null_kernel(machine)
        self._check_numa(machine)
        self._dump_vmstate(machine)
        self._check_fw_cfg(machine)
        self._check_usbdevices(machine)
        devices = self._create_devices(machine)
        self._check_debugcon_device(machine)
        self._check_gdbstubs(machine)
        self._check_globals()
        self._warn_vga(machine)
        guest = self._guest(machine)
        spice = self._spice()
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
            defaults_off=self.defaults_off,
            display=self.display,
            display_options=tuple(self.display_options.items()),
            option_rom_warnings=self._option_rom_warnings(),
            daemonize=self.daemonize,
            pidfile=self.pidfile,
            qemu_version=self.version,
            package=self.package,
            unmodelled=tuple(self.unmodelled),
            nographic=self.nographic,
            extensions=self.extensions,
            guest_commands=self.guest_commands,
            warnings=tuple(self.stderr),
            devices=devices,
            watchdog_action=actions.get("watchdog", "reset"),
            actions=tuple(actions.items()),
            rtc=tuple(rtc.as_dict().items()) if rtc is not None else (),
            qtest_log=self.qtest_log,
            persona=self.persona,
            msg_timestamp=self.msg_timestamp,
            objects=tuple(self.objects),
            tls_creds=dict(self.tls_creds),
            guest=guest,
            cpu_option=self.cpu_arg,
            preconfig=self.preconfig,
            spice=spice,
            add_fds=add_fds,
            log_items=self.log_items,
            log_file=self.log_file,
            trace_file=self.trace_file,
            trace_enabled=frozenset(self.trace_enabled),
            blockdevs=tuple(self.blockdevs),
            drives=tuple(self.drives),
            chroot=self.chroot,
            incoming=self.incoming,
            loadvm=self.loadvm,
            escape_char=self.escape_char,
            stdout="".join(self.stdout_notes),
            singlestep=self.singlestep,
            sync_profile=self.sync_profile,
        )
