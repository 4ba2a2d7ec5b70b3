"""Command lines recorded from QEMU, for tests/options and tests/persona, and their runners.

:data:`CASES` are command lines run for a moment (what QEMU prints, its
exit status, whether it kept running, the chardevs it opened), each
replayed by tests/options/test_cmdline.py; :data:`DAEMON_CASES` run to their exit
(-pidfile, -daemonize, -msg), replayed by tests/persona/test_probe_cmdline.py.
``tools/record_cli.py`` records both from ``qemu-system-x86_64`` with
:func:`run_case` and :func:`run_daemon_case`; the tests run qmonitor through
the same functions.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from qmonitor_testsupport.cli_cases_drives import DRIVE_CASES
from qmonitor_testsupport.cli_cases_more import MORE_CASES
from qmonitor_testsupport.cli_cases_opts import OPTS_CASES

#: Every case runs with these options first, unless it says ``"base": False``.
BASE = ["-M", "none", "-display", "none", "-nodefaults"]

#: How long a command line may take to fail before it counts as accepted.
STARTUP_SECONDS = float(os.environ.get("QMONITOR_CLI_STARTUP", "1.0"))

QMP = "unix:{tmp}/qmp.sock,server=on,wait=off"

#: A PC without default devices, for the cases that need an ISA bus.
PC = ["-M", "pc", "-display", "none", "-nodefaults"]

#: (name, arguments, options).  Options: "base" (default True) and "probe"
#: (default False): add a QMP socket at the end and record query-chardev.
CASES: list[tuple[str, list[str], dict[str, bool]]] = [
    # lookup_opt(): unknown options and missing arguments, found before anything else
    ("invalid_option", ["-bogus"], {}),
    ("invalid_option_double_dash", ["--bogus"], {}),
    ("invalid_option_lone_dash", ["-"], {}),
    ("invalid_option_first", ["-uuid", "bad", "-bogus"], {}),
    ("missing_argument", ["-chardev"], {}),
    ("missing_argument_double_dash", ["-S", "--qmp"], {}),
    ("nodefconfig_removed", ["-nodefconfig"], {}),
    # -uuid
    ("uuid_bad", ["-uuid", "xyz"], {}),
    ("uuid_short", ["-uuid", "12345678-1234-1234-1234-1234567890a"], {}),
    ("uuid_bad_separator", ["-uuid", "12345678x1234-1234-1234-1234567890ab"], {}),
    ("uuid_before_version", ["-uuid", "bad", "-version"], {}),
    # QemuOpts syntax, -chardev
    ("chardev_socket_no_address", ["-chardev", "socket,id=c"], {}),
    ("chardev_no_id", ["-chardev", "socket,path={tmp}/s"], {}),
    ("chardev_bad_backend", ["-chardev", "foo,id=x"], {}),
    ("chardev_missing_backend", ["-chardev", "id=c"], {}),
    ("chardev_empty_backend", ["-chardev", ",id=c"], {}),
    ("chardev_console_backend", ["-chardev", "console,id=c"], {}),
    ("chardev_bad_id", ["-chardev", "null,id=1c"], {}),
    ("chardev_duplicate_id", ["-chardev", "null,id=c", "-chardev", "null,id=c"], {}),
    ("chardev_bare_id_is_on", ["-chardev", "id", "-chardev", "null,id=on"], {}),
    ("chardev_invalid_parameter", ["-chardev", "socket,id=c,path={tmp}/s,bogus=1"], {}),
    ("chardev_invalid_flag", ["-chardev", "null,id=c,foo"], {}),
    ("chardev_help_parameter", ["-chardev", "null,id=c,help=1"], {}),
    ("chardev_bool_bad", ["-chardev", "socket,id=c,path={tmp}/s,server=maybe"], {}),
    ("chardev_bool_uppercase", ["-chardev", "socket,id=c,path={tmp}/s,server=ON"], {}),
    ("chardev_number_bad", ["-chardev", "socket,id=c,host=localhost,port=1,to=abc"], {}),
    ("chardev_number_octal_bad", ["-chardev", "vc,id=c,cols=08"], {}),
    (
        "chardev_number_too_large",
        ["-chardev", "socket,id=c,host=localhost,port=1,to=99999999999999999999"],
        {},
    ),
    ("chardev_size_bad", ["-chardev", "ringbuf,id=c,size=abc"], {}),
    ("chardev_size_fraction", ["-chardev", "ringbuf,id=c,size=1.5"], {}),
    ("chardev_size_too_large", ["-chardev", "ringbuf,id=c,size=16E"], {}),
    ("chardev_ringbuf_not_power_of_two", ["-chardev", "ringbuf,id=c,size=1.5M"], {}),
    (
        "chardev_size_overflow_then_suffix",
        ["-chardev", "ringbuf,id=c,size=99999999999999999999k"],
        {},
    ),
    ("chardev_size_negative_overflow", ["-chardev", "ringbuf,id=c,size=-99999999999999999999"], {}),
    ("chardev_size_hex_suffix_then_junk", ["-chardev", "ringbuf,id=c,size=0x10kz"], {}),
    ("chardev_options_help", ["-chardev", "null,help"], {}),
    ("chardev_backends_help", ["-chardev", "help"], {}),
    # backend parse hooks
    ("socket_path_and_host", ["-chardev", "socket,id=c,path={tmp}/s,host=y"], {}),
    ("socket_host_without_port", ["-chardev", "socket,id=c,host=x"], {}),
    (
        "socket_delay_and_nodelay",
        ["-chardev", "socket,id=c,path={tmp}/s,server=on,wait=off,delay=on,nodelay=on"],
        {},
    ),
    ("socket_client_wait", ["-chardev", "socket,id=c,path={tmp}/s,wait=off"], {}),
    (
        "socket_server_reconnect",
        ["-chardev", "socket,id=c,path={tmp}/s,server=on,wait=off,reconnect=1"],
        {},
    ),
    ("socket_websocket_client", ["-chardev", "socket,id=c,path={tmp}/s,websocket=on"], {}),
    (
        "socket_authz_without_creds",
        ["-chardev", "socket,id=c,path={tmp}/s,server=on,wait=off,tls-authz=x"],
        {},
    ),
    (
        "socket_unknown_creds",
        ["-chardev", "socket,id=c,host=localhost,port=0,server=on,wait=off,tls-creds=x"],
        {},
    ),
    ("socket_fd_reconnect", ["-chardev", "socket,id=c,fd=3,reconnect=1"], {}),
    ("socket_fd_not_a_number", ["-chardev", "socket,id=c,fd=abc"], {}),
    ("socket_fd_empty", ["-chardev", "socket,id=c,fd="], {}),
    ("file_without_path", ["-chardev", "file,id=c"], {}),
    ("pipe_without_path", ["-chardev", "pipe,id=c"], {}),
    ("udp_without_port", ["-chardev", "udp,id=c"], {}),
    ("mux_without_chardev", ["-chardev", "mux,id=c"], {}),
    ("tty_alias_without_path", ["-chardev", "tty,id=c"], {}),
    ("parport_alias_without_path", ["-chardev", "parport,id=c"], {}),
    # -mon and monitor_init()
    ("mon_mode_bogus", ["-mon", "chardev=c,mode=bogus"], {}),
    ("mon_mode_bogus_without_chardev", ["-mon", "mode=bogus"], {}),
    ("mon_pretty_maybe", ["-mon", "c,pretty=maybe"], {}),
    ("mon_pretty_empty", ["-mon", "c,pretty="], {}),
    ("mon_chardev_not_found", ["-mon", "chardev=nope"], {}),
    ("mon_implied_help", ["-mon", "help"], {}),
    ("mon_options_help", ["-mon", "c,help"], {}),
    ("mon_missing_chardev", ["-mon", "mode=control"], {}),
    ("mon_bad_id", ["-mon", "c,id=1x"], {}),
    ("mon_unknown_parameter", ["-mon", "c,bogus=1"], {}),
    ("mon_pretty_hmp", ["-chardev", "null,id=c", "-mon", "c,pretty=yes"], {}),
    (
        "mon_pretty_hmp_explicit",
        ["-chardev", "null,id=c", "-mon", "c,mode=readline,pretty=on"],
        {},
    ),
    ("mon_in_use", ["-chardev", "null,id=c", "-mon", "c,mode=control", "-mon", "c"], {}),
    ("mon_before_chardev_error", ["-mon", "nope", "-chardev", "foo,id=x"], {}),
    # -qmp, -monitor: monitor_parse()
    ("qmp_bogus", ["-qmp", "bogus"], {}),
    ("qmp_none", ["-qmp", "none"], {}),
    ("qmp_tcp_without_port", ["-qmp", "tcp:localhost"], {}),
    ("qmp_unix_bad_parameter", ["-qmp", "unix:{tmp}/u,bogus=1"], {}),
    ("qmp_tcp_help", ["-qmp", "tcp::4444,server=on,wait=off,help"], {}),
    ("qmp_vc_bad_size", ["-qmp", "vc:abc"], {}),
    ("qmp_chardev_not_found", ["-qmp", "chardev:foo"], {}),
    ("qmp_duplicate_chardev", ["-chardev", "null,id=compat_monitor0", "-qmp", "stdio"], {}),
    ("qmp_duplicate_monitor", ["-qmp", "chardev:x", "-qmp", "chardev:x"], {}),
    ("qmp_duplicate_mon_id", ["-mon", "null,id=compat_monitor0", "-qmp", "null"], {}),
    ("qmp_chardev_in_use", ["-qmp", "stdio", "-mon", "chardev=compat_monitor0"], {}),
    ("qmp_chardev_bad_id", ["-qmp", "chardev:1x"], {}),
    ("monitor_bogus", ["-monitor", "bogus"], {}),
    # -serial, -parallel, -qtest
    ("serial_bogus", ["-serial", "bogus"], {}),
    ("serial_mon_bogus", ["-serial", "mon:bogus"], {}),
    ("serial_chardev_not_found", ["-serial", "chardev:nope"], {}),
    ("serial_socket_bad", ["-serial", "unix:{tmp}/s,server=on,reconnect=1"], {}),
    ("serial_duplicate_label", ["-chardev", "null,id=serial0", "-serial", "null"], {}),
    ("parallel_too_many", ["-parallel", "null"] * 4, {}),
    ("qtest_bogus", ["-qtest", "bogus"], {}),
    ("qtest_mon", ["-qtest", "mon:stdio"], {}),
    # -name
    ("name_with_id", ["-name", "x,id=y"], {}),
    ("name_unknown_parameter", ["-name", "x,bogus=1"], {}),
    ("name_bad_bool", ["-name", "x,debug-threads=maybe"], {}),
    ("name_options_help", ["-name", "x,help"], {}),
    # -machine, -accel
    ("machine_unsupported", ["-M", "bogus"], {}),
    ("machine_key_without_value", ["-M", "none,foo"], {}),
    ("machine_empty_key", ["-M", "none,,x"], {}),
    ("machine_keys_inconsistent", ["-M", "none,a=1,a.b=2"], {}),
    ("machine_bad_key", ["-M", "none,1a=2"], {}),
    ("machine_help", ["-M", "help"], {"base": False}),
    ("machine_accel_bogus", ["-M", "none,accel=bogus"], {}),
    ("accel_bogus", ["-accel", "bogus"], {}),
    ("accel_help", ["-accel", "help"], {}),
    ("accel_bad_property", ["-accel", "tcg,bogus=1"], {}),
    ("accel_and_machine_accel", ["-accel", "tcg", "-M", "none,accel=tcg"], {}),
    # -watchdog-action, -action (one merged group, checked right after the option loop)
    ("watchdog_action_bogus", ["-watchdog-action", "foo"], {}),
    ("watchdog_action_uppercase", ["-watchdog-action", "RESET"], {}),
    ("watchdog_action_merged", ["-watchdog-action", "foo", "-watchdog-action", "bar"], {}),
    ("watchdog_action_then_action", ["-watchdog-action", "pause", "-action", "watchdog=foo"], {}),
    ("watchdog_action_missing", ["-watchdog-action"], {}),
    ("watchdog_action_before_chardev", ["-watchdog-action", "x", "-chardev", "bogus"], {}),
    ("watchdog_action_before_machine", ["-M", "bogus", "-watchdog-action", "foo"], {}),
    ("watchdog_action_after_uuid", ["-watchdog-action", "foo", "-uuid", "bad"], {}),
    ("watchdog_option_removed", ["-watchdog", "ib700"], {}),
    ("action_unknown_key", ["-action", "foo=bar"], {}),
    ("action_reboot_checked_first", ["-action", "watchdog=bar,reboot=foo"], {}),
    ("action_panic_bogus", ["-action", "panic=foo"], {}),
    ("action_flag", ["-action", "watchdog"], {}),
    ("action_with_id", ["-action", "watchdog=pause,id=x"], {}),
    ("action_help", ["-action", "help"], {}),
    # -device: the ib700 watchdog
    ("device_ib700_without_isa", ["-device", "ib700"], {}),
    ("device_ib700_without_isa_first", ["-device", "ib700,foo=1", "-device", "foo"], {}),
    ("device_after_serial_error", ["-device", "ib700", "-serial", "chardev:nope"], {}),
    ("device_missing_driver", ["-device", "id=x"], {}),
    ("device_bad_id", ["-device", "ib700,id=1x"], {}),
    ("device_duplicate_id", ["-device", "ib700,id=w", "-device", "ib700,id=w"], {}),
    ("device_ib700_bad_property", [*PC, "-device", "ib700,foo=1"], {"base": False}),
    ("device_ib700_bad_bus", [*PC, "-device", "ib700,bus=x"], {"base": False}),
    ("device_ib700_help", [*PC, "-device", "ib700,help"], {"base": False}),
    ("device_ib700_help_mark", ["-device", "ib700,?"], {}),
    ("device_help_after_action", ["-watchdog-action", "x", "-device", "ib700,help"], {}),
    # -display, -nographic, -daemonize
    ("display_bogus", ["-display", "bogus"], {}),
    ("display_unexpected", ["-display", "none,foo=bar"], {}),
    ("display_vnc_without_display", ["-display", "vnc"], {}),
    ("display_gl", ["-display", "none,gl=on"], {}),
    ("display_gl_bogus", ["-display", "none,gl=maybe"], {}),
    ("display_help", ["-display", "help"], {}),
    ("nographic_daemonize", ["-M", "none", "-nographic", "-daemonize"], {"base": False}),
    # -version, -h
    ("version", ["-version"], {}),
    ("help", ["-h"], {}),
    ("help_long", ["-help"], {}),
    # command lines QEMU accepts
    ("good_qmp_unix", ["-qmp", QMP], {"probe": True}),
    ("good_qmp_legacy_flags", ["-qmp", "unix:{tmp}/q,server,nowait"], {"probe": True}),
    (
        "good_chardev_legacy_flags",
        ["-chardev", "socket,id=c,path={tmp}/s,server,nowait", "-mon", "c,mode=control"],
        {"probe": True},
    ),
    (
        "good_nodelay_flag",
        [
            "-chardev",
            "socket,id=c,path={tmp}/s,server=on,wait=off,nodelay",
            "-mon",
            "chardev=c,mode=control,pretty=on",
        ],
        {"probe": True},
    ),
    ("good_qmp_pretty", ["-qmp-pretty", QMP], {}),
    ("good_qmp_tcp", ["-qmp", "tcp:127.0.0.1:0,server=on,wait=off"], {"probe": True}),
    ("good_serial_mon_stdio", ["-serial", "mon:stdio"], {"probe": True}),
    ("good_monitor_stdio", ["-monitor", "stdio"], {"probe": True}),
    (
        "good_mon_ids",
        ["-chardev", "null,id=mon0", "-mon", "chardev=mon0,mode=control,id=mymon"],
        {"probe": True},
    ),
    (
        "good_name_uuid",
        [
            "-name",
            "guest=vm1,debug-threads=on,process=qm",
            "-uuid",
            "12345678-1234-1234-1234-1234567890AB",
            "-S",
        ],
        {"probe": True},
    ),
    (
        "good_bool_synonyms",
        [
            "-chardev",
            "socket,id=c,path={tmp}/s,server=yes,wait=no",
            "-mon",
            "c,mode=control,pretty=true",
        ],
        {"probe": True},
    ),
    (
        "good_escaped_commas",
        ["-chardev", "socket,id=c,path={tmp}/a,,b,server=on,wait=off", "-mon", "c,mode=control"],
        {"probe": True},
    ),
    ("good_default_monitor", ["-M", "none", "-display", "none"], {"base": False}),
    ("good_nographic_monitor", ["-M", "none", "-nographic"], {"base": False}),
    (
        "good_pc_defaults",
        ["-M", "pc", "-display", "none", "-S"],
        {"base": False, "probe": True},
    ),
    (
        "good_serial_ports",
        ["-serial", "null", "-serial", "none", "-serial", "stdio"],
        {"probe": True},
    ),
    ("good_parallel_none", ["-parallel", "none", "-parallel", "null"], {"probe": True}),
    (
        "good_serial_none_keeps_index",
        ["-serial", "none", "-serial", "none", "-serial", "null"],
        {"probe": True},
    ),
    ("good_machine_accel_fallback", ["-M", "none,accel=bogus:tcg"], {"probe": True}),
    ("good_monitor_none", ["-monitor", "none,whatever"], {"probe": True}),
    (
        "good_qmp_on_chardev",
        ["-chardev", "socket,id=q,path={tmp}/s,server=on,wait=off", "-qmp", "chardev:q"],
        {"probe": True},
    ),
    ("good_tty_alias", ["-chardev", "tty,id=c,path=/dev/null"], {"probe": True}),
    (
        "good_mux_two_monitors",
        [
            "-chardev",
            "socket,id=c,path={tmp}/s,server=on,wait=off,mux=on",
            "-mon",
            "c",
            "-mon",
            "c,mode=control",
        ],
        {"probe": True},
    ),
    (
        "good_unmodelled_options",
        ["-m", "128", "-smp", "1", "-no-shutdown", "-accel", "tcg,thread=single"],
        {"probe": True},
    ),
    ("good_qtest", ["-qtest", "unix:{tmp}/qt,server=on,wait=off"], {"probe": True}),
    ("good_size_hex_suffix", ["-chardev", "ringbuf,id=r,size=0x10k"], {"probe": True}),
    ("good_size_plus_sign", ["-chardev", "ringbuf,id=r,size=+1M"], {"probe": True}),
    # 1023.99999999999989 rounds half up to 1024, a power of two.
    (
        "good_size_fraction_rounded",
        ["-chardev", "ringbuf,id=r,size=0.9999999999999999k"],
        {"probe": True},
    ),
    # The fraction reads as 1.0, whose 64-bit fixed-point conversion gives 0: 1k.
    (
        "good_size_fraction_of_one",
        ["-chardev", "ringbuf,id=r,size=1.99999999999999999999k"],
        {"probe": True},
    ),
    ("good_double_dash", ["--S", "--name", "x", "--qmp", QMP], {}),
    (
        "good_ib700",
        [*PC, "-S", "-device", "ib700,bus=isa.0,id=wd", "-watchdog-action", "pause"],
        {"base": False, "probe": True},
    ),
    (
        "good_two_ib700_action_merged",
        [
            *PC,
            "-S",
            "-device",
            "ib700",
            "-device",
            "driver=ib700",
            "-action",
            "watchdog=foo",
            "-watchdog-action",
            "inject-nmi",
        ],
        {"base": False, "probe": True},
    ),
    (
        "good_action_all",
        [*PC, "-S", "-action", "reboot=shutdown,shutdown=pause,panic=exit-failure,watchdog=none"],
        {"base": False, "probe": True},
    ),
    (
        "good_qtest_log",
        ["-qtest", "unix:{tmp}/qt,server=on,wait=off", "-qtest-log", "{tmp}/qtest.log"],
        {"probe": True},
    ),
    # -device: the driver must be a device type a user may create
    ("device_unknown", ["-device", "bogus,id=x"], {}),
    ("device_unknown_implied_key", ["-device", "driver=bogus"], {}),
    ("device_not_a_device_type", ["-device", "chardev-socket"], {}),
    ("device_built_in", ["-M", "pc", "-device", "i440FX-pcihost"], {}),
    ("device_abstract", ["-M", "pc", "-device", "pci-device"], {}),
    ("device_json_unknown", ["-device", '{"driver":"bogus"}'], {}),
    ("device_json_after_the_others", ["-device", '{"driver":"bogus"}', "-device", "bogus2"], {}),
    # -machine TYPE,help and the machine"s properties; -smp against the machine type
    ("machine_options_help_none", ["-machine", "none,help"], {}),
    ("machine_options_help_pc", ["-machine", "pc,help"], {}),
    ("machine_options_help_merged_type", ["-M", "q35", "-machine", "help"], {}),
    ("machine_options_help_microvm", ["-machine", "microvm,help"], {}),
    ("machine_options_help_unknown_type", ["-machine", "bogus,help"], {}),
    (
        "machine_unknown_property",
        ["-display", "none", "-nodefaults", *["-machine", "pc-i440fx-7.2,foo=bar"]],
        {"base": False},
    ),
    ("machine_pc_property_on_none", ["-machine", "none,hpet=off"], {}),
    ("no_acpi_on_null_machine", ["-no-acpi"], {}),
    ("smp_null_machine_one_cpu", ["-smp", "2"], {}),
    ("smp_null_machine_hierarchy", ["-smp", "3,sockets=2"], {}),
    ("smp_null_machine_no_dies", ["-smp", "1,dies=2"], {}),
    ("smp_zero_then_error", ["-smp", "0,dies=2"], {}),
    ("smp_octal", ["-smp", "010"], {}),
    ("smp_underscore", ["-smp", "1_0"], {}),
    ("smp_trailing_blank", ["-smp", "2 "], {}),
    ("smp_too_large", ["-smp", "99999999999999999999"], {}),
    (
        "smp_pc_max_cpus",
        ["-display", "none", "-nodefaults", *["-M", "pc", "-smp", "2,maxcpus=300"]],
        {"base": False},
    ),
    (
        "smp_q35_max_cpus",
        ["-display", "none", "-nodefaults", *["-M", "q35", "-smp", "289"]],
        {"base": False},
    ),
    (
        "smp_isapc_one_cpu",
        ["-display", "none", "-nodefaults", *["-M", "isapc", "-smp", "2"]],
        {"base": False},
    ),
    (
        "smp_pc_no_clusters",
        ["-display", "none", "-nodefaults", *["-M", "pc", "-smp", "1,clusters=2"]],
        {"base": False},
    ),
    (
        "smp_microvm_no_dies",
        ["-display", "none", "-nodefaults", *["-M", "microvm", "-smp", "4,sockets=2,dies=2"]],
        {"base": False},
    ),
    # -audiodev, and JSON option arguments read as qobject_from_json reads them
    ("audiodev_implied_driver", ["-audiodev", "none"], {}),
    ("audiodev_no_driver", ["-audiodev", "id=a"], {}),
    ("audiodev_bad_driver", ["-audiodev", "id=a,driver=bogus"], {}),
    ("audiodev_unexpected", ["-audiodev", "id=a,driver=none,path=/x"], {}),
    (
        "audiodev_unexpected_in_direction",
        ["-audiodev", "id=a,driver=none,in.voices=2,out.foo=3"],
        {},
    ),
    ("audiodev_backend_direction_member", ["-audiodev", "id=a,driver=alsa,in.server=x"], {}),
    ("audiodev_timer_period_bad", ["-audiodev", "id=a,driver=none,timer-period=abc"], {}),
    ("audiodev_timer_period_range", ["-audiodev", "id=a,driver=none,timer-period=4294967296"], {}),
    ("audiodev_timer_period_negative_wraps", ["-audiodev", "id=a,driver=none,timer-period=-1"], {}),
    (
        "audiodev_timer_period_overflow",
        ["-audiodev", "id=a,driver=none,timer-period=99999999999999999999"],
        {},
    ),
    ("audiodev_json_id_type", ["-audiodev", '{"id":1,"driver":"none"}'], {}),
    (
        "audiodev_json_timer_period_type",
        ["-audiodev", '{"id":"a","driver":"none","timer-period":"5"}'],
        {},
    ),
    ("audiodev_json_direction_type", ["-audiodev", '{"id":"a","driver":"none","in":3}'], {}),
    ("audiodev_json_invalid_keyword", ["-audiodev", "{bogus"], {}),
    ("audiodev_json_open_string", ["-audiodev", '{"a":"x'], {}),
    ("audiodev_json_open_number", ["-audiodev", '{"a":-'], {}),
    ("audiodev_json_premature_end", ["-audiodev", '{"a":'], {}),
    ("audiodev_json_two_values", ["-audiodev", '{"a":1}}'], {}),
    ("device_json_invalid_keyword", ["-device", "{bogus"], {}),
    ("device_json_two_values", ["-device", '{"driver":"ib700"}x'], {}),
    ("object_json_invalid_keyword", ["-object", "{bogus"], {}),
    ("object_json_two_values", ["-object", '{"qom-type":"secret","id":"s","data":"x"}}'], {}),
    # The implied first value: keyval (-machine, -display, -audiodev) ends it at the
    # first comma, QemuOpts (-object) reads ",," in it as a comma
    ("keyval_machine_implied_double_comma", ["-machine", "none,,foo"], {}),
    ("keyval_machine_implied_double_comma_key", ["-machine", "none,,,foo=bar"], {}),
    ("keyval_display_implied_double_comma", ["-display", "none,,x"], {}),
    ("keyval_display_implied_double_comma_key", ["-display", "none,,,gl=on"], {}),
    ("keyval_audiodev_implied_double_comma", ["-audiodev", "none,,x,id=a"], {}),
    ("object_implied_double_comma", ["-object", "secret,,x,id=s0,data=x"], {}),
    ("object_implied_leading_double_comma", ["-object", ",,secret,id=s0"], {}),
    ("object_id_double_comma", ["-object", "secret,id=s0,,data=x"], {}),
    # -object is QemuOpts: the id is checked first, the first id= counts, short
    # forms warn, booleans are qapi_bool_parse's
    ("object_bad_id_before_type", ["-object", "bogus,id=1x"], {}),
    ("object_first_id_counts", ["-object", "secret,id=1x,id=s0"], {}),
    ("object_short_form_warns", ["-object", "tls-creds-x509,id=t,nofoo"], {}),
    (
        "object_bool_y",
        ["-object", "tls-creds-x509,id=t,dir={tmp}/none,verify-peer=y"],
        {},
    ),
    ("object_empty_key", ["-object", "secret,id=s0,data=x,=y"], {}),
    ("object_empty_key_after_type_check", ["-object", "bogus,=x"], {}),
    ("object_empty_key_after_id_check", ["-object", "secret,=y"], {}),
    ("object_help_without_type", ["-object", "id=s0,help"], {}),
    # -cpu: the help list, then the model and its features, checked once the chardevs are open
    ("cpu_help", ["-cpu", "help"], {}),
    ("cpu_help_question_mark", ["-cpu", "?"], {}),
    ("cpu_help_with_feature", ["-cpu", "help,foo"], {}),
    ("cpu_help_then_model", ["-cpu", "help", "-cpu", "qemu64"], {}),
    ("cpu_empty", ["-cpu", ""], {}),
    ("cpu_empty_model", ["-cpu", ",sse"], {}),
    ("cpu_unknown_model", ["-cpu", "foo"], {}),
    ("cpu_model_case", ["-cpu", "Qemu64"], {}),
    ("cpu_typename_is_no_model", ["-cpu", "qemu64-x86_64-cpu"], {}),
    ("cpu_on_null_machine", ["-cpu", "qemu64"], {}),
    ("cpu_versioned_on_null_machine", ["-cpu", "qemu64-v1,sse=off,+foo"], {}),
    ("cpu_apic_id_on_null_machine", ["-cpu", "qemu64,apic-id=0"], {}),
    ("cpu_apic_id_octal_then_feature", ["-cpu", "qemu64,apic-id=010,+foo"], {}),
    ("cpu_apic_id_unassigned", ["-cpu", "qemu64,apic-id=0xffffffff"], {}),
    ("cpu_apic_id_set_twice", ["-cpu", "qemu64,apic-id=1,apic-id=4294967295"], {}),
    ("cpu_unknown_property", ["-cpu", "486,foo=on"], {}),
    ("cpu_empty_property", ["-cpu", "qemu64,=on"], {}),
    ("cpu_underscore_becomes_dash", ["-cpu", "qemu64,parent_bus=x"], {}),
    ("cpu_bool_bad", ["-cpu", "qemu64,sse=1"], {}),
    ("cpu_bool_case", ["-cpu", "qemu64,sse=Y"], {}),
    ("cpu_int_bad", ["-cpu", "qemu64,family=abc"], {}),
    ("cpu_int_empty", ["-cpu", "qemu64,family="], {}),
    ("cpu_int_trailing_space", ["-cpu", "qemu64,family=5 "], {}),
    ("cpu_int_too_large", ["-cpu", "qemu64,family=99999999999999999999"], {}),
    ("cpu_family_range", ["-cpu", "qemu64,family=-1"], {}),
    ("cpu_model_range", ["-cpu", "qemu64,model=0x100"], {}),
    ("cpu_stepping_range", ["-cpu", "qemu64,stepping=16"], {}),
    ("cpu_int32_range", ["-cpu", "qemu64,node-id=3000000000"], {}),
    ("cpu_uint_bad", ["-cpu", "qemu64,level=0x"], {}),
    ("cpu_uint_negative", ["-cpu", "qemu64,level=-1"], {}),
    ("cpu_uint8_range", ["-cpu", "qemu64,host-phys-bits-limit=256"], {}),
    ("cpu_uint16_range", ["-cpu", "qemu64,hv-version-id-minor=70000"], {}),
    ("cpu_uint64_negative_wraps", ["-cpu", "qemu64,ucode-rev=-1,level=abc"], {}),
    ("cpu_lbr_fmt_mask", ["-cpu", "qemu64,lbr_fmt=64"], {}),
    ("cpu_vendor_length", ["-cpu", "qemu64,vendor=abc"], {}),
    ("cpu_on_off_auto", ["-cpu", "qemu64,hv-no-nonarch-coresharing=x"], {}),
    ("cpu_read_only", ["-cpu", "qemu64,filtered-features=x"], {}),
    ("cpu_link", ["-cpu", "qemu64,memory=x"], {}),
    ("cpu_host_only_property", ["-cpu", "qemu64,migratable=on"], {}),
    ("cpu_tsc_freq_bad", ["-cpu", "qemu64,family=abc,tsc-freq=1Q"], {}),
    ("cpu_tsc_freq_metric", ["-cpu", "qemu64,tsc-freq=9.3E,family=300"], {}),
    ("cpu_ambiguous_then_bad_tsc_freq", ["-cpu", "qemu64,+sse,sse=off,tsc-freq=x"], {}),
    ("cpu_tsc_frequency_range", ["-cpu", "qemu64,tsc-frequency=-5"], {}),
    ("cpu_ambiguous", ["-cpu", "qemu64,+sse,-sse4_1,sse=off,sse4.1=on,sse4_1=off,foo"], {}),
    ("cpu_pc_plus_unknown", [*PC, "-S", *["-cpu", "qemu64,-bar,+foo"]], {"base": False}),
    ("cpu_pc_plus_int", [*PC, "-S", *["-cpu", "qemu64,+family"]], {"base": False}),
    ("cpu_pc_plus_string", [*PC, "-S", *["-cpu", "Haswell,+model-id"]], {"base": False}),
    ("cpu_pc_plus_uint", [*PC, "-S", *["-cpu", "qemu64,+level"]], {"base": False}),
    ("cpu_pc_plus_str", [*PC, "-S", *["-cpu", "qemu64,+hv-vendor-id"]], {"base": False}),
    (
        "cpu_pc_plus_enum",
        [*PC, "-S", *["-cpu", "qemu64,+hv-no-nonarch-coresharing"]],
        {"base": False},
    ),
    ("cpu_pc_plus_link", [*PC, "-S", *["-cpu", "qemu64,+memory"]], {"base": False}),
    (
        "cpu_pc_minus_read_only",
        [*PC, "-S", *["-cpu", "qemu64,-crash-information"]],
        {"base": False},
    ),
    ("cpu_pc_global_before_plus", [*PC, "-S", *["-cpu", "max,+foo,bar=on"]], {"base": False}),
    ("cpu_pc_host_on_tcg", [*PC, "-S", *["-cpu", "host,migratable=off"]], {"base": False}),
    ("cpu_pc_host_plus_unknown", [*PC, "-S", *["-cpu", "host,+foo"]], {"base": False}),
    ("cpu_pc_unknown_model", [*PC, "-S", *["-cpu", "foo", "-smp", "2"]], {"base": False}),
]


CASES += MORE_CASES
CASES += DRIVE_CASES
CASES += OPTS_CASES


def _query_chardev(path: str) -> list[list[str]]:
    """Connect to a QMP socket and return [label, filename] of every chardev."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        sock.connect(path)
        stream = sock.makefile("rwb")
        stream.readline()
        result: Any = None
        for command in ("qmp_capabilities", "query-chardev"):
            stream.write(json.dumps({"execute": command}).encode() + b"\n")
            stream.flush()
            result = json.loads(stream.readline())
        return sorted([c["label"], c["filename"]] for c in result["return"])


def run_case(qemu: str, name: str, args: list[str], options: dict[str, bool]) -> dict[str, Any]:
    """Run one case and return its recording."""
    tmp = tempfile.mkdtemp(prefix="qmonitor-cli-")
    bindir = os.path.dirname(os.path.realpath(shutil.which(qemu) or qemu))
    probe = options.get("probe", False)
    argv = (BASE if options.get("base", True) else []) + args
    if probe:
        argv = [*argv, "-qmp", "unix:{tmp}/probe.sock,server=on,wait=off"]
    real = [a.replace("{tmp}", tmp) for a in argv]
    proc = subprocess.Popen(
        [qemu, *real],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp,
    )
    # Read while waiting: a listing longer than a pipe's buffer (-trace help)
    # would otherwise hold QEMU in write() and look like a running QEMU.
    try:
        out, err = proc.communicate(timeout=STARTUP_SECONDS)
        started = False
    except subprocess.TimeoutExpired:
        started = True
    chardevs = None
    if started and probe:
        chardevs = _query_chardev(os.path.join(tmp, "probe.sock"))
    if started:
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate()
    shutil.rmtree(tmp, ignore_errors=True)

    def text(data: bytes) -> str:
        # "-L help" names the program's directory.
        out = data.decode("utf-8", "replace").replace(tmp, "{tmp}")
        return out.replace(bindir + "/../", "{bindir}/../")

    record: dict[str, Any] = {
        "name": name,
        "argv": argv,
        "started": started,
        "status": None if started else proc.returncode,
        "stdout": text(out),
        "stderr": text(err),
    }
    if chardevs is not None:
        record["chardevs"] = [[label, f.replace(tmp, "{tmp}")] for label, f in chardevs]
    return record


# --------------------------------------------------------------------------
# -pidfile, -daemonize and -msg: run through the whole program, since QEMU
# meets these errors after parsing (tests/persona/test_probe_cmdline.py).

#: libvirt's capability probe command line (src/qemu/qemu_process.c).
LIBVIRT_PROBE = ["-S", "-no-user-config", "-nodefaults", "-nographic",
                 "-machine", "none,accel=kvm:tcg"]  # fmt: skip

#: (name, arguments): BASE is not added.
DAEMON_CASES: list[tuple[str, list[str]]] = [
    ("pidfile_no_dir", [*BASE, "-pidfile", "{tmp}/no/such/p"]),
    ("pidfile_is_directory", [*BASE, "-pidfile", "{tmp}"]),
    ("daemonize_pidfile_no_dir", [*BASE, "-daemonize", "-pidfile", "{tmp}/no/such/p"]),
    (
        "daemonize_bad_socket",
        [*BASE, "-daemonize", "-pidfile", "{tmp}/p", "-qmp",
         "unix:{tmp}/no/such/s,server=on,wait=off"],
    ),
    ("daemonize_nographic_defaults", ["-M", "none", "-nographic", "-daemonize"]),
    ("msg_bad_parameter", [*BASE, "-msg", "foo=1"]),
    ("msg_bad_bool", [*BASE, "-msg", "timestamp=maybe"]),
    ("msg_timestamp_error", [*BASE, "-msg", "timestamp=on", "-uuid", "x"]),
    ("msg_timestamp_late_error", [*BASE, "-msg", "timestamp=on", "-M", "bogus"]),
    (
        "libvirt_probe",
        [*LIBVIRT_PROBE, "-qmp", "unix:{tmp}/s,server=on,wait=off", "-pidfile", "{tmp}/p",
         "-daemonize"],
    ),
    (
        "libvirt_probe_msg_timestamp",
        [*LIBVIRT_PROBE, "-qmp", "unix:{tmp}/s,server=on,wait=off", "-pidfile", "{tmp}/p",
         "-daemonize", "-msg", "timestamp=on"],
    ),
]  # fmt: skip

#: How long a daemonizing command line may take to return.
DAEMON_SECONDS = 20.0
#: -msg timestamp=on's prefix (util/qemu-error.c), replaced by {timestamp}.
TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z ")


def run_daemon_case(cmd: list[str], name: str, args: list[str]) -> dict[str, Any]:
    """Run one command line to its exit; note the daemon it left (then kill it).

    Recorded: exit status, output, and whether the pidfile named a running
    process with the QMP socket listening, and the socket's mode.
    """
    tmp = tempfile.mkdtemp(prefix="qmonitor-cli-")
    real = [a.replace("{tmp}", tmp) for a in args]
    proc = subprocess.run(
        [*cmd, *real], stdin=subprocess.DEVNULL, capture_output=True, timeout=DAEMON_SECONDS
    )
    pidfile = Path(tmp, "p")
    daemon: dict[str, Any] | None = None
    if pidfile.exists():
        text = pidfile.read_text()
        pid = int(text) if text.strip().isdigit() else 0
        alive = pid > 0 and os.path.exists(f"/proc/{pid}")
        listening = False
        if alive and os.path.exists(os.path.join(tmp, "s")):
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(5)
                sock.connect(os.path.join(tmp, "s"))
                listening = sock.recv(7) == b'{"QMP":'
        daemon = {"pidfile": re.sub(r"[0-9]+", "PID", text), "alive": alive,
                  "listening": listening}  # fmt: skip
        if alive:
            os.kill(pid, signal.SIGKILL)
    shutil.rmtree(tmp, ignore_errors=True)

    def text_of(data: bytes) -> str:
        return TIMESTAMP.sub("{timestamp}", data.decode("utf-8", "replace").replace(tmp, "{tmp}"))

    return {
        "name": name,
        "argv": args,
        "status": proc.returncode,
        "stdout": text_of(proc.stdout),
        "stderr": text_of(proc.stderr),
        "daemon": daemon,
    }
