"""qmonitor.options.cmdline against command lines recorded from real QEMU.

tests/golden/cli/cases.json holds what ``qemu-system-x86_64`` printed for
each command line of tools/record_cli.py.  Rejected command lines must give
the same text, stream and exit status; accepted ones the same warnings, the
chardevs ``query-chardev`` listed, and the Config written down below.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from qmonitor.machine.block.graph import BlockGraph
from qmonitor.options.cmdline import (
    ChardevConfig,
    CmdlineError,
    Config,
    DeviceConfig,
    MonitorConfig,
    parse_args,
)
from qmonitor.options.help import help_text, version_text
from qmonitor.system.cpu_check import check_cpu
from qmonitor.system.startup import StartupError, add_blockdevs
from qmonitor.version import DEFAULT_QEMU_VERSION, PACKAGE
from qmonitor_testsupport import cli_cases as record_cli

#: -device drivers that take a drive: a command line with one is started on a machine.
STORAGE_DEVICES = ("ide-hd", "ide-cd", "floppy", "virtio-blk-pci", "scsi-hd", "scsi-cd")
GOLDEN = json.loads((Path(__file__).resolve().parent.parent / "golden/cli/cases.json").read_text())
PROG = GOLDEN["qemu"]
# "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)"
_VERSION_LINE = GOLDEN["version"]
QEMU_VERSION = _VERSION_LINE.split()[3]
QEMU_PACKAGE = _VERSION_LINE[_VERSION_LINE.index("(") + 1 : -1]
CASES = {case["name"]: case for case in GOLDEN["cases"]}
REJECTED = [name for name, case in CASES.items() if not case["started"]]
ACCEPTED = [name for name, case in CASES.items() if case["started"]]


def replay(case: dict[str, Any]) -> Config:
    """parse_args() on a recorded vector, emulating the recorded QEMU's version.

    Then the checks QEMU makes once its chardevs are open (``-cpu``), as
    the ``qmonitor`` command makes them: their failures and warnings come
    back as parse_args() would give them.
    """
    argv = ["-qmonitor-version", QEMU_VERSION, "-qmonitor-package", QEMU_PACKAGE, *case["argv"]]
    config = parse_args(argv, PROG)
    warnings: list[str] = []
    try:
        if config.drives or any(d.driver in STORAGE_DEVICES for d in config.guest.devices):
            _start_drives(config, warnings)
        else:
            add_blockdevs(BlockGraph(), config)
            check_cpu(config, warn=lambda message: warnings.append(f"{PROG}: warning: {message}\n"))
    except StartupError as exc:
        raise CmdlineError(
            "".join([*config.warnings, *warnings, f"{PROG}: {exc}\n"]), 1, "stderr"
        ) from None
    return dataclasses.replace(config, warnings=(*config.warnings, *warnings))


def _start_drives(config: Config, warnings: list[str]) -> None:
    """Start-up's block stages on a machine: -blockdev, -drive, -cpu, then the devices."""
    from qmonitor.machine.block.commands import graph_of
    from qmonitor.machine.machine import Machine
    from qmonitor.system.startup import (
        add_drives,
        check_devices,
        check_orphaned_drives,
        machine_options,
    )

    async def run() -> None:
        machine = Machine(dataclasses.replace(machine_options(config), use_io_thread=False))
        add_blockdevs(graph_of(machine), config)
        add_drives(machine, config, warnings.append)
        check_cpu(config, warn=lambda message: warnings.append(f"{PROG}: warning: {message}\n"))
        check_devices(machine)
        check_orphaned_drives(machine, config, PROG)

    asyncio.run(run())


def test_golden_file_matches_the_recorder() -> None:
    assert [name for name, _, _ in record_cli.CASES] == list(CASES)
    for name, args, options in record_cli.CASES:
        base = record_cli.BASE if options.get("base", True) else []
        probe = ["-qmp", "unix:{tmp}/probe.sock,server=on,wait=off"] if options.get("probe") else []
        assert CASES[name]["argv"] == [*base, *args, *probe]
    assert len(REJECTED) >= 40
    assert len(ACCEPTED) >= 20


@pytest.mark.parametrize("name", REJECTED)
def test_rejected_like_qemu(name: str) -> None:
    case = CASES[name]
    with pytest.raises(CmdlineError) as info:
        replay(case)
    exc = info.value
    assert exc.status == case["status"]
    if exc.stream == "stdout":
        # "-L help" lists directories beside the program.
        bindir = os.path.dirname(os.path.realpath(sys.argv[0]))
        assert exc.message == case["stdout"].replace("{bindir}", bindir)
        assert exc.warnings == _without_build_noise(case["stderr"])
    else:
        assert exc.message == case["stderr"]
        # What QEMU printed on stdout came from monitors it had already started.
        assert not case["stdout"] or case["stdout"].startswith('{"QMP"')


def _without_build_noise(stderr: str) -> str:
    """What QEMU printed on stderr, less its complaints about modules Debian left uninstalled."""
    return "".join(line for line in stderr.splitlines(True) if not line.startswith("qemu: module "))


def _recorded_backends(case: dict[str, Any]) -> dict[str, str]:
    """query-chardev's labels and the backend each filename shows."""
    result = {}
    for label, filename in case["chardevs"]:
        if filename.startswith(("disconnected:", "unix:", "tcp:")):
            result[label] = "socket"
        else:
            result[label] = filename
    return result


def _config_backends(config: Config) -> dict[str, str]:
    """The chardevs QEMU would create for ``config``: a mux X over X-base."""
    result = {}
    for chardev in config.chardevs:
        if chardev.get_bool("mux", False):
            result[chardev.id] = "mux"
            result[f"{chardev.id}-base"] = chardev.backend
        else:
            result[chardev.id] = chardev.backend
    return result


@pytest.mark.parametrize("name", ACCEPTED)
def test_accepted_like_qemu(name: str) -> None:
    case = CASES[name]
    config = replay(case)
    assert "".join(config.warnings) == case["stderr"]
    if "chardevs" in case:
        assert _config_backends(config) == _recorded_backends(case)


PROBE = "-qmp unix:{tmp}/probe.sock,server=on,wait=off"
PROBE_CHARDEV = {"path": "{tmp}/probe.sock", "server": "on", "wait": "off"}


def qmp_monitor(index: int, origin: str = PROBE, *, pretty: bool = False) -> MonitorConfig:
    return MonitorConfig(f"compat_monitor{index}", "control", pretty, origin)


def probe_chardev(index: int) -> ChardevConfig:
    return ChardevConfig(f"compat_monitor{index}", "socket", PROBE_CHARDEV, PROBE)


#: What the accepted command lines must give, besides the recorded chardevs:
#: Config fields, and for "chardevs"/"monitors" the full tuples.
EXPECTED: dict[str, dict[str, Any]] = {
    "cpu_apic_id_on_null_machine": {"machine": "none", "cpu_option": "qemu64,apic-id=0"},
    "good_qmp_unix": {
        "chardevs": (
            ChardevConfig(
                "compat_monitor0",
                "socket",
                {"path": "{tmp}/qmp.sock", "server": "on", "wait": "off"},
                "-qmp unix:{tmp}/qmp.sock,server=on,wait=off",
            ),
            probe_chardev(1),
        ),
        "monitors": (
            qmp_monitor(0, "-qmp unix:{tmp}/qmp.sock,server=on,wait=off"),
            qmp_monitor(1),
        ),
        "machine": "none",
        "nodefaults": True,
        "display": "none",
        "accel": None,
    },
    "good_qmp_legacy_flags": {
        "chardevs": (
            ChardevConfig(
                "compat_monitor0",
                "socket",
                {"path": "{tmp}/q", "server": "on", "wait": "off"},
                "-qmp unix:{tmp}/q,server,nowait",
            ),
            probe_chardev(1),
        ),
    },
    "good_chardev_legacy_flags": {
        "monitors": (
            MonitorConfig("c", "control", False, "-mon c,mode=control"),
            qmp_monitor(0),
        ),
    },
    "good_nodelay_flag": {
        "monitors": (
            MonitorConfig("c", "control", True, "-mon chardev=c,mode=control,pretty=on"),
            qmp_monitor(0),
        ),
    },
    "good_qmp_pretty": {
        "monitors": (
            qmp_monitor(0, "-qmp-pretty unix:{tmp}/qmp.sock,server=on,wait=off", pretty=True),
        ),
    },
    "good_qmp_tcp": {
        "chardevs": (
            ChardevConfig(
                "compat_monitor0",
                "socket",
                {"host": "127.0.0.1", "port": "0", "server": "on", "wait": "off"},
                "-qmp tcp:127.0.0.1:0,server=on,wait=off",
            ),
            probe_chardev(1),
        ),
    },
    "good_serial_mon_stdio": {
        "chardevs": (
            probe_chardev(0),
            ChardevConfig("serial0", "stdio", {"mux": "on", "signal": "off"}, "-serial mon:stdio"),
        ),
        "monitors": (
            qmp_monitor(0),
            MonitorConfig("serial0", "readline", False, "-serial mon:stdio"),
        ),
    },
    "good_monitor_stdio": {
        "chardevs": (
            ChardevConfig("compat_monitor0", "stdio", {}, "-monitor stdio"),
            probe_chardev(1),
        ),
        "monitors": (
            MonitorConfig("compat_monitor0", "readline", False, "-monitor stdio"),
            qmp_monitor(1),
        ),
    },
    "good_mon_ids": {
        "monitors": (
            MonitorConfig("mon0", "control", False, "-mon chardev=mon0,mode=control,id=mymon"),
            qmp_monitor(0),
        ),
    },
    "good_name_uuid": {
        "name": "vm1",
        "uuid": "12345678-1234-1234-1234-1234567890ab",
        "start_paused": True,
    },
    "good_bool_synonyms": {
        "monitors": (
            MonitorConfig("c", "control", True, "-mon c,mode=control,pretty=true"),
            qmp_monitor(0),
        ),
    },
    "good_escaped_commas": {
        "chardevs": (
            ChardevConfig(
                "c",
                "socket",
                {"path": "{tmp}/a,b", "server": "on", "wait": "off"},
                "-chardev socket,id=c,path={tmp}/a,,b,server=on,wait=off",
            ),
            probe_chardev(0),
        ),
    },
    "good_default_monitor": {
        "chardevs": (ChardevConfig("compat_monitor0", "vc", {"cols": "80", "rows": "24"}),),
        "monitors": (MonitorConfig("compat_monitor0", "readline", False),),
        "nodefaults": False,
    },
    "good_nographic_monitor": {
        "chardevs": (ChardevConfig("compat_monitor0", "stdio", {}),),
        "monitors": (MonitorConfig("compat_monitor0", "readline", False),),
        "nographic": True,
        "display": "none",
    },
    "good_pc_defaults": {
        "machine": "pc",
        "start_paused": True,
        "monitors": (qmp_monitor(0),),
    },
    "good_serial_ports": {
        "chardevs": (
            probe_chardev(0),
            ChardevConfig("serial0", "null", {}, "-serial null"),
            ChardevConfig("serial2", "stdio", {}, "-serial stdio"),
        ),
    },
    "good_parallel_none": {
        "chardevs": (probe_chardev(0), ChardevConfig("parallel0", "null", {}, "-parallel null")),
    },
    "good_serial_none_keeps_index": {
        "chardevs": (probe_chardev(0), ChardevConfig("serial2", "null", {}, "-serial null")),
    },
    "good_machine_accel_fallback": {"accel": "tcg", "machine": "none"},
    "good_monitor_none": {"monitors": (qmp_monitor(0),)},
    "good_qmp_on_chardev": {
        "monitors": (
            MonitorConfig("q", "control", False, "-qmp chardev:q"),
            qmp_monitor(1),
        ),
    },
    "good_tty_alias": {
        "chardevs": (
            ChardevConfig("c", "serial", {"path": "/dev/null"}, "-chardev tty,id=c,path=/dev/null"),
            probe_chardev(0),
        ),
    },
    "good_mux_two_monitors": {
        "monitors": (
            MonitorConfig("c", None, False, "-mon c"),
            MonitorConfig("c", "control", False, "-mon c,mode=control"),
            qmp_monitor(0),
        ),
    },
    "good_unmodelled_options": {
        # -m and -smp shape the guest (Config.guest); -no-shutdown is the shutdown
        # action; the others are only recorded.
        "unmodelled": ("-accel tcg,thread=single",),
        "actions": (("shutdown", "pause"),),
        "accel": "tcg",
    },
    "good_qtest": {
        "qtest": "qtest",
        "chardevs": (
            probe_chardev(0),
            ChardevConfig("qtest", "socket", {"path": "{tmp}/qt", "server": "on", "wait": "off"}),
        ),
        "monitors": (qmp_monitor(0),),
    },
    "good_size_hex_suffix": {
        "chardevs": (
            ChardevConfig("r", "ringbuf", {"size": "0x10k"}, "-chardev ringbuf,id=r,size=0x10k"),
            probe_chardev(0),
        ),
    },
    "good_size_plus_sign": {
        "chardevs": (
            ChardevConfig("r", "ringbuf", {"size": "+1M"}, "-chardev ringbuf,id=r,size=+1M"),
            probe_chardev(0),
        ),
    },
    "good_size_fraction_rounded": {
        "chardevs": (
            ChardevConfig(
                "r",
                "ringbuf",
                {"size": "0.9999999999999999k"},
                "-chardev ringbuf,id=r,size=0.9999999999999999k",
            ),
            probe_chardev(0),
        ),
    },
    "good_size_fraction_of_one": {
        "chardevs": (
            ChardevConfig(
                "r",
                "ringbuf",
                {"size": "1.99999999999999999999k"},
                "-chardev ringbuf,id=r,size=1.99999999999999999999k",
            ),
            probe_chardev(0),
        ),
    },
    "good_double_dash": {
        "name": "x",
        "start_paused": True,
        "monitors": (qmp_monitor(0, "--qmp unix:{tmp}/qmp.sock,server=on,wait=off"),),
    },
    "good_ib700": {
        "machine": "pc",
        "devices": (DeviceConfig("ib700", "wd", "-device ib700,bus=isa.0,id=wd"),),
        "watchdog_action": "pause",
        "unmodelled": (),
    },
    "good_two_ib700_action_merged": {
        "devices": (
            DeviceConfig("ib700", None, "-device ib700"),
            DeviceConfig("ib700", None, "-device driver=ib700"),
        ),
        "watchdog_action": "inject-nmi",
    },
    "good_action_all": {
        "devices": (),
        "watchdog_action": "none",
        "unmodelled": ("-action reboot=shutdown,shutdown=pause,panic=exit-failure,watchdog=none",),
    },
    "good_qtest_log": {
        "qtest": "qtest",
        "qtest_log": "{tmp}/qtest.log",
        "watchdog_action": "reset",
    },
    "good_log_file": {
        "log_items": frozenset({"guest_errors", "unimp"}),
        "log_file": "{tmp}/log",
        "unmodelled": (),
    },
    "good_trace": {
        "trace_file": "{tmp}/t",
        "unmodelled": (),
    },
    "good_trace_unknown_event": {"trace_enabled": frozenset(), "trace_file": None},
    "good_log_trace_unknown_event": {"log_items": frozenset({"trace", "unimp"})},
    "good_global_short": {"unmodelled": ("-global isa-serial.iobase=0x2f8",)},
    "good_vga_none": {"unmodelled": ("-vga none",)},
    "good_vga_std_on_none": {"unmodelled": ("-vga std",)},
    "good_fw_cfg": {"unmodelled": ("-fw_cfg a,string=x", "-fw_cfg opt/b,string=y")},
    "good_runas_ids": {"unmodelled": ("-runas 1:1",)},
    "set_chardev_path": {
        "chardevs": (ChardevConfig("c", "null", {"path": "x"}, "-chardev null,id=c"),)
    },
    "data_dir": {"unmodelled": ("-L /nonexistent",)},
    "rotate_not_a_number": {"unmodelled": ("-rotate x",)},
    "dfilter_zero_length": {"unmodelled": ("-dfilter 0+0",)},
    "seed_good": {"unmodelled": ("-seed 0x10",)},
    "fsdev_synth": {"unmodelled": ("-fsdev synth,id=f",)},
    "fsdev_local_mapped": {
        "unmodelled": ("-fsdev local,id=f,path=/,security_model=mapped,fmode=0600",)
    },
    "virtfs_pc": {"machine": "pc", "unmodelled": ("-virtfs synth,mount_tag=t",)},
    "echr_not_a_number": {
        "unmodelled": ("-echr x",),
        "escape_char": 0,
        "stdout": "Bad argument to echr\n",
    },
    "echr_hex": {"unmodelled": ("-echr 0x14",), "escape_char": 0x14, "stdout": ""},
    "acpitable_no_headers": {"unmodelled": ("-acpitable data=/dev/null",)},
    "acpitable_sig": {"unmodelled": ("-acpitable sig=ABCDEFG,rev=1,data=/dev/null",)},
    "acpitable_last_wins": {"unmodelled": ("-acpitable data=/nonexistent,data=/dev/null,sig=X",)},
    "debugcon_pc": {"machine": "pc", "unmodelled": ("-debugcon null",)},
    "debugcon_mon_pc": {"machine": "pc", "unmodelled": ("-debugcon mon:null",)},
    "usbdevice_pc": {
        "machine": "pc",
        "unmodelled": ("-usbdevice wacom-tablet", "-usbdevice keyboard"),
    },
    "option_rom_help": {"unmodelled": ("-option-rom help",)},
    "option_rom_good": {"unmodelled": ("-option-rom romfile=r,bootindex=2",)},
    "dfilter_good": {"unmodelled": ("-dfilter 0x1000+0x100,0x2000-0x10,010..0x20, 4..5",)},
    "dfilter_empty": {"unmodelled": ("-dfilter ",)},
    "rotate_wraps_to_90": {"unmodelled": ("-rotate 4294967386",)},
    "rotate_trailing_junk": {"unmodelled": ("-rotate  180x",)},
    "good_smbios": {"uuid": "12345678-1234-1234-1234-1234567890ab"},
    "good_icount": {"unmodelled": ("-icount shift=auto,sleep=off",)},
    "good_icount_sleep_only": {"unmodelled": ("-icount sleep=off",)},
    "good_compat": {"unmodelled": ("-compat deprecated-input=reject,deprecated-output=hide",)},
    "good_global_no_device_type": {"machine": "none"},
    "drive_hda_probed_raw": {"machine": "pc"},
    "drive_cdrom_probed_raw": {"machine": "pc"},
    "drive_good": {"machine": "pc"},
    "drive_empty_cdrom_starts": {"machine": "pc"},  # a CD-ROM may be empty
    "drive_none_on_none": {"machine": "none"},
    "good_blockdev": {
        "blockdevs": (
            (
                {
                    "driver": "raw",
                    "node-name": "r",
                    "file": {"driver": "null-co", "node-name": "f", "size": 512},
                },
                "-blockdev raw,node-name=r,file.driver=null-co,file.size=512,file.node-name=f",
            ),
        ),
    },
}


def test_every_accepted_case_has_expectations() -> None:
    assert sorted(EXPECTED) == sorted(ACCEPTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_accepted_config(name: str) -> None:
    config = replay(CASES[name])
    for field_name, want in EXPECTED[name].items():
        assert getattr(config, field_name) == want, field_name
    assert config.qemu_version == tuple(int(n) for n in QEMU_VERSION.split("."))
    assert config.package == QEMU_PACKAGE


# -- behaviour not in the recording -------------------------------------------


def test_defaults_and_version_text() -> None:
    config = parse_args(["-M", "none", "-nodefaults"], "qmonitor")
    assert config.qemu_version == DEFAULT_QEMU_VERSION
    assert config.package == PACKAGE
    assert config.chardevs == () and config.monitors == ()
    assert (config.name, config.uuid, config.accel, config.qtest) == (None, None, None, None)
    assert not (config.start_paused or config.daemonize or config.nographic)
    with pytest.raises(CmdlineError) as info:
        parse_args(["-version"], "qmonitor")
    assert info.value.message == (
        f"QEMU emulator version 7.2.0 ({PACKAGE})\n"
        "Copyright (c) 2003-2022 Fabrice Bellard and the QEMU Project developers\n"
    )
    assert version_text((8, 1, 3), "") == (
        "QEMU emulator version 8.1.3\n"
        "Copyright (c) 2003-2023 Fabrice Bellard and the QEMU Project developers\n"
    )


def test_qmonitor_options_apply_before_version_wherever_they_are() -> None:
    with pytest.raises(CmdlineError) as info:
        parse_args(["-version", "-qmonitor-version", "9.0.1", "-qmonitor-package", "x"], "q")
    assert info.value.message.startswith("QEMU emulator version 9.0.1 (x)\n")
    config = parse_args(["-qmonitor-version", "6.2.0", "-qmonitor-package", ""], "q")
    assert (config.qemu_version, config.package) == ((6, 2, 0), "")


def test_bad_qmonitor_version() -> None:
    with pytest.raises(CmdlineError) as info:
        parse_args(["-qmonitor-version", "7.2"], "qmonitor")
    assert info.value.message == (
        "qmonitor: -qmonitor-version 7.2: expected a version MAJOR.MINOR.MICRO\n"
    )
    assert (info.value.status, info.value.stream) == (1, "stderr")


def test_help_uses_prog_and_version() -> None:
    text = help_text("qmonitor", (7, 2, 0), "pkg")
    assert text.startswith("QEMU emulator version 7.2.0 (pkg)\n")
    assert "usage: qmonitor [options] [disk_image]\n" in text
    assert text == CASES["help"]["stdout"].replace(
        GOLDEN["version"], "QEMU emulator version 7.2.0 (pkg)"
    ).replace(f"usage: {PROG} ", "usage: qmonitor ")
    with pytest.raises(CmdlineError) as info:
        parse_args(["--help"], "qmonitor")
    assert info.value.message == help_text("qmonitor", DEFAULT_QEMU_VERSION, PACKAGE)


def test_pc_defaults_without_nodefaults() -> None:
    config = parse_args(["-display", "none"], "q")
    assert config.machine == "pc"
    vc = {"cols": "80", "rows": "24"}
    assert config.chardevs == (
        ChardevConfig("compat_monitor0", "vc", vc),
        ChardevConfig("serial0", "vc", vc),
        ChardevConfig("parallel0", "vc", vc),
    )
    assert config.monitors == (MonitorConfig("compat_monitor0", "readline", False),)


def test_pc_nographic_muxes_monitor_and_serial() -> None:
    config = parse_args(["-M", "pc", "-nographic"], "q")
    assert config.chardevs == (
        ChardevConfig("serial0", "stdio", {"mux": "on", "signal": "off"}),
        ChardevConfig("parallel0", "null", {}),
    )
    assert config.monitors == (MonitorConfig("serial0", "readline", False),)


def test_nodelay_reads_both_spellings() -> None:
    base = ["-M", "none", "-nodefaults"]
    flag = parse_args([*base, "-chardev", "socket,id=c,path=/p,server=on,nodelay"], "q")
    assert flag.chardevs[0].opts["delay"] == "off"
    assert flag.chardevs[0].nodelay
    explicit = parse_args([*base, "-chardev", "socket,id=c,path=/p,server=on,nodelay=on"], "q")
    assert explicit.chardevs[0].nodelay
    plain = parse_args([*base, "-chardev", "socket,id=c,path=/p,server=on"], "q")
    assert not plain.chardevs[0].nodelay
    assert plain.chardevs[0].get_bool("tight", False)
    assert plain.chardevs[0].get("abstract") is None


def test_disk_images_become_drives_and_unmodelled_options_are_recorded(tmp_path: Path) -> None:
    image = tmp_path / "disk.img"
    image.write_bytes(bytes(512))
    config = parse_args(
        ["-M", "none", "-nodefaults", str(image), "--rtc", "base=utc", "-win2k-hack"], "q"
    )
    assert config.unmodelled == ("--rtc base=utc", "-win2k-hack")
    # A positional argument is the first hard disk's image (checked where
    # configure_blockdev runs, opened for the machine at start-up).
    assert config.drives[0].values == (("media", "disk"), ("index", "0"), ("file", str(image)))
    # -snapshot: each drive that does not say gets snapshot=on (drive_enable_snapshot).
    config = parse_args(["-M", "none", "-nodefaults", str(image), "-snapshot"], "q")
    assert config.unmodelled == ()
    assert config.drives[0].values[-1] == ("snapshot", "on")
    with pytest.raises(CmdlineError, match=r"Could not open 'nosuch\.img'"):
        parse_args(["-M", "none", "-nodefaults", "nosuch.img"], "q")


def test_later_accelerators_are_ignored_once_one_starts() -> None:
    config = parse_args(["-M", "none", "-accel", "qtest", "-accel", "bogus"], "q")
    assert config.accel == "qtest"
    assert config.warnings == ()
    kvm = parse_args(["-M", "none", "-enable-kvm"], "q")
    assert kvm.accel == "kvm"


def test_name_options_merge() -> None:
    config = parse_args(["-name", "a,process=p", "-name", "guest=b"], "q")
    assert config.name == "b"


def test_daemonize_and_pidfile() -> None:
    config = parse_args(["-M", "none", "-nodefaults", "-daemonize", "-pidfile", "/run/q"], "q")
    assert (config.daemonize, config.pidfile) == (True, "/run/q")


def test_qtest_on_an_existing_chardev_takes_its_frontend() -> None:
    argv = ["-M", "none", "-nodefaults", "-chardev", "null,id=t", "-qtest", "chardev:t"]
    config = parse_args(argv, "q")
    assert config.qtest == "t"
    assert [c.id for c in config.chardevs] == ["t"]
    with pytest.raises(CmdlineError) as info:
        parse_args([*argv, "-mon", "t"], "q")
    assert info.value.message == "q: -mon t: Device 't' is in use\n"


def test_mux_chardev_takes_four_frontends() -> None:
    argv = ["-M", "none", "-nodefaults", "-chardev", "null,id=m,mux=on"]
    config = parse_args([*argv, *["-mon", "m"] * 4], "q")
    assert len(config.monitors) == 4
    with pytest.raises(CmdlineError) as info:
        parse_args([*argv, *["-mon", "m"] * 5], "q")
    assert info.value.message == "q: -mon m: Device 'm' is in use\n"


def test_qmonitor_extensions_flag() -> None:
    assert parse_args(["-M", "none"], "qmonitor").extensions is False
    assert parse_args(["-M", "none", "-qmonitor-extensions"], "qmonitor").extensions is True


def test_trace_enable_pattern_turns_on_the_matching_events() -> None:
    config = replay(CASES["good_trace"])
    assert config.trace_enabled
    assert all(name.startswith("qmp_") for name in config.trace_enabled)


def test_trace_events_file_and_disable(tmp_path: Path) -> None:
    events = tmp_path / "events"
    events.write_text("# a comment\n\nqmp_job_*\n-qmp_job_cancel\nnosuch\n")
    config = parse_args(["-trace", f"events={events}"], "q")
    assert "qmp_job_pause" in config.trace_enabled
    assert "qmp_job_cancel" not in config.trace_enabled
    assert config.warnings == (f"q:{events}:5: warning: trace event 'nosuch' does not exist\n",)


def test_log_items_enable_trace_events() -> None:
    config = parse_args(["-d", "trace:qmp_job_pause,unimp"], "q")
    assert config.log_items == frozenset({"trace", "unimp"})
    assert config.trace_enabled == frozenset({"qmp_job_pause"})
