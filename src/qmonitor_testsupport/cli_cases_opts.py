"""Recorded command lines for -set, -L, -audio-help, -plugin and other targets' options.

Same format and recorder as :mod:`qmonitor_testsupport.cli_cases` (whose
:data:`CASES` ends with these); replayed by tests/options/test_cmdline.py.
"""

from __future__ import annotations

#: A PC without default devices.
PC = ["-M", "pc", "-display", "none", "-nodefaults"]

OPTS_CASES: list[tuple[str, list[str], dict[str, bool]]] = [
    # options of other targets: refused as the second pass meets them
    ("other_target_g", ["-g", "800x600"], {}),
    ("other_target_flag", ["-semihosting"], {}),
    ("other_target_xen", ["-xen-domid", "1"], {}),
    ("other_target_after_error", ["-uuid", "x", "-prom-env", "a"], {}),
    ("other_target_missing_argument", ["-prom-env"], {}),
    # -set
    ("set_cant_parse", ["-set", "foo"], {}),
    ("set_no_value", ["-set", "a.b.c"], {}),
    ("set_empty_id", ["-set", "chardev..path=x"], {}),
    ("set_no_group", ["-set", "foo.bar.baz=1"], {}),
    ("set_keyval_group", ["-set", "machine.x.y=1"], {}),
    ("set_object_group", ["-set", "object.x.y=1"], {}),
    ("set_no_chardev", ["-set", "chardev.nope.path=x"], {}),
    ("set_before_chardev", ["-set", "chardev.c.path=x", "-chardev", "null,id=c"], {}),
    ("set_bad_parameter", ["-chardev", "null,id=c", "-set", "chardev.c.bogus=1"], {}),
    ("set_bad_bool", ["-chardev", "null,id=c", "-set", "chardev.c.mux=maybe"], {}),
    ("set_no_drive", ["-set", "drive.x.file=y"], {}),
    ("set_merged_group", ["-action", "reboot=shutdown", "-set", "action..reboot=x"], {}),
    (
        "set_chardev_backend",
        ["-chardev", "null,id=c", "-set", "chardev.c.backend=bogus"],
        {},
    ),
    ("set_chardev_path", ["-chardev", "null,id=c", "-set", "chardev.c.path=x"], {}),
    # -L
    ("data_dirs_help", ["-L", "/a", "-L", "help", "-L", "/b", "-L", "/a", "-L", ""], {}),
    ("data_dir", ["-L", "/nonexistent"], {}),
    # -audio-help
    ("legacy_audio_help", ["-audio-help"], {}),
    ("legacy_audio_help_after_error", ["-uuid", "x", "-audio-help"], {}),
    # -plugin
    ("plugin_missing", ["-plugin", "foo"], {}),
    ("plugin_missing_so", ["-plugin", "file=/nonexistent.so"], {}),
    ("plugin_help", ["-plugin", "help"], {}),
    ("plugin_not_elf", ["-plugin", "/etc/passwd"], {}),
    ("plugin_empty_file", ["-plugin", "file="], {}),
    ("plugin_no_file", ["-plugin", "arg=x"], {}),
    ("plugin_arg_deprecated", ["-plugin", "/nonexistent,arg=foo"], {}),
    ("plugin_bool_arg", ["-plugin", "/nonexistent,arg=on"], {}),
    ("plugin_after_bad_machine", ["-plugin", "foo", "-M", "bogus"], {}),
    # options that set machine properties, -rotate, -gdb
    ("append_without_kernel", ["-append", "foo"], {}),
    ("initrd_without_kernel", ["-initrd", "foo"], {}),
    ("machine_append_without_kernel", ["-M", "none,append=foo"], {}),
    ("append_checked_first", ["-initrd", "x", "-append", "y"], {}),
    ("kernel_on_null_machine", ["-kernel", "/nonexistent", "-append", "x", "-dtb", "y"], {}),
    ("no_hpet_null_machine", ["-no-hpet"], {}),
    ("rotate_bad", ["-rotate", "45"], {}),
    ("rotate_not_a_number", ["-rotate", "x"], {}),
    ("rotate_wraps_to_90", ["-rotate", "4294967386"], {}),
    ("rotate_trailing_junk", ["-rotate", " 180x"], {}),
    ("gdb_null_machine", ["-gdb", "tcp::0"], {}),
    ("s_null_machine", ["-s", "-gdb", "x"], {}),
    # -dfilter
    ("dfilter_no_operator", ["-dfilter", "x"], {}),
    ("dfilter_bad_left", ["-dfilter", "0x10..0x20,zz..4"], {}),
    ("dfilter_bad_right", ["-dfilter", "0x10+"], {}),
    ("dfilter_right_junk", ["-dfilter", "0x10+4k"], {}),
    ("dfilter_minus_first", ["-dfilter", "1..-2"], {}),
    ("dfilter_bad_range", ["-dfilter", "0x20..0x10"], {}),
    ("dfilter_zero_length", ["-dfilter", "0+0"], {}),
    ("dfilter_wraps", ["-dfilter", "0-2"], {}),
    ("dfilter_empty_range", ["-dfilter", "1..2,,3..4"], {}),
    ("dfilter_overflow", ["-dfilter", "99999999999999999999..1"], {}),
    ("dfilter_good", ["-dfilter", "0x1000+0x100,0x2000-0x10,010..0x20, 4..5"], {}),
    ("dfilter_empty", ["-dfilter", ""], {}),
    # -seed, -option-rom
    ("seed_bad", ["-seed", "x"], {}),
    ("seed_negative", ["-seed", " -1"], {}),
    ("seed_too_big", ["-seed", "18446744073709551616"], {}),
    ("seed_junk", ["-seed", "12k"], {}),
    ("seed_good", ["-seed", "0x10"], {}),
    ("option_rom_bad_bootindex", ["-option-rom", "x,bootindex=abc"], {}),
    ("option_rom_bad_parameter", ["-option-rom", "x,bogus=1"], {}),
    ("option_rom_no_file", ["-option-rom", "bootindex=1"], {}),
    ("option_rom_help", ["-option-rom", "help"], {}),
    ("option_rom_options_help", ["-option-rom", "x,help"], {}),
    ("option_rom_too_many", [*(["-option-rom", "r"] * 17)], {}),
    ("option_rom_good", ["-option-rom", "romfile=r,bootindex=2"], {}),
    # -usbdevice
    ("usbdevice_unknown", ["-usbdevice", "foo"], {}),
    ("usbdevice_no_bus", ["-usbdevice", "tablet"], {}),
    ("usbdevice_parameters", ["-usbdevice", "tablet:x"], {}),
    ("usbdevice_first_fails", ["-usbdevice", "foo", "-usbdevice", "bar"], {}),
    ("usbdevice_unknown_pc", [*PC, "-usbdevice", "foo"], {"base": False}),
    ("usbdevice_braille_pc", [*PC, "-usbdevice", "braille"], {"base": False}),
    (
        "usbdevice_isapc",
        ["-M", "isapc", "-display", "none", "-usbdevice", "mouse"],
        {"base": False},
    ),
    (
        "usbdevice_pc",
        [*PC, "-usbdevice", "wacom-tablet", "-usbdevice", "keyboard"],
        {"base": False},
    ),
    # -debugcon
    ("debugcon_bad_backend", ["-debugcon", "bogus"], {}),
    ("debugcon_null_machine", ["-debugcon", "null"], {}),
    ("debugcon_twice", [*PC, "-debugcon", "null", "-debugcon", "null"], {"base": False}),
    ("debugcon_pc", [*PC, "-debugcon", "null"], {"base": False, "probe": True}),
    ("debugcon_mon_pc", [*PC, "-debugcon", "mon:null"], {"base": False, "probe": True}),
    ("debugcon_after_bad_device", ["-device", "bogus", "-debugcon", "null"], {}),
    # -acpitable
    ("acpitable_no_source", ["-acpitable", "sig=ABCD"], {}),
    ("acpitable_both", ["-acpitable", "file=/etc/hostname,data=x"], {}),
    ("acpitable_bad_parameter", ["-acpitable", "bogus=1"], {}),
    ("acpitable_bad_number_first", ["-acpitable", "bogus=1,rev=x"], {}),
    ("acpitable_rev_too_big", ["-acpitable", "rev=300,data=/dev/null"], {}),
    ("acpitable_oem_rev_negative", ["-acpitable", "oem_rev=-1,data=/dev/null"], {}),
    ("acpitable_no_path", ["-acpitable", "data="], {}),
    ("acpitable_help", ["-acpitable", "help"], {}),
    ("acpitable_missing_file", ["-acpitable", "data=/dev/null:/nonexistent"], {}),
    ("acpitable_directory", ["-acpitable", "data=/"], {}),
    ("acpitable_empty_path", ["-acpitable", "data=/dev/null::/dev/null"], {}),
    ("acpitable_short_header", ["-acpitable", "file=/dev/null"], {}),
    ("acpitable_no_headers", ["-acpitable", "data=/dev/null"], {}),
    ("acpitable_sig", ["-acpitable", "sig=ABCDEFG,rev=1,data=/dev/null"], {}),
    ("acpitable_last_wins", ["-acpitable", "data=/nonexistent,data=/dev/null,sig=X"], {}),
    # -echr
    ("echr_not_a_number", ["-echr", "x"], {}),
    ("echr_hex", ["-echr", "0x14"], {}),
]
