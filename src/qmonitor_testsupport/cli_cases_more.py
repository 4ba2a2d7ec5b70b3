"""More recorded command lines: help forms, -d/-D/-trace, -vga, -global and the like.

Kept apart from :mod:`qmonitor_testsupport.cli_cases` (whose :data:`CASES`
ends with these) so each module stays small; same format, same recorder
(tools/record_cli.py).
"""

from __future__ import annotations

#: A PC without default devices.
PC = ["-M", "pc", "-display", "none", "-nodefaults"]

MORE_CASES: list[tuple[str, list[str], dict[str, bool]]] = [
    # help forms
    ("netdev_help", ["-netdev", "help"], {}),
    ("netdev_help_mark", ["-netdev", "?"], {}),
    ("nic_help", ["-nic", "help"], {}),
    ("numa_help", ["-numa", "help"], {}),
    ("audiodev_help", ["-audiodev", "help"], {}),
    ("vga_help", ["-vga", "help"], {}),
    ("vga_help_pc", [*PC, "-vga", "help"], {"base": False}),
    ("vga_unknown", ["-vga", "foo"], {}),
    ("vga_bad_retrace", ["-vga", "std,retrace=x"], {}),
    ("global_help", ["-global", "help"], {}),
    ("global_flag", ["-global", "foo"], {}),
    ("global_missing_value", ["-global", "driver=a,property=b"], {}),
    ("global_bad_parameter", ["-global", "driver=a,property=b,value=c,x=1"], {}),
    ("watchdog_removed", ["-watchdog", "help"], {}),
    ("watchdog_action_help", ["-watchdog-action", "help"], {}),
    ("boot_help", ["-boot", "help"], {}),
    ("smp_help", ["-smp", "help"], {}),
    ("msg_help", ["-msg", "help"], {}),
    ("object_memory_backend_help", ["-object", "memory-backend-ram,help"], {}),
    ("object_iothread_help", ["-object", "iothread,help"], {}),
    ("object_unknown_type_help", ["-object", "foo,help"], {}),
    ("object_help_flag", ["-object", "help,foo"], {}),
    ("net_help", ["-net", "help"], {}),
    ("nic_and_net_help", ["-net", "help", "-nic", "help"], {}),
    ("netdev_help_before_nic", ["-nic", "help", "-netdev", "help"], {}),
    ("audio_help", ["-audio", "help"], {}),
    ("audio_driver_help", ["-audio", "driver=help"], {}),
    ("tpmdev_help", ["-tpmdev", "help"], {}),
    ("iscsi_help", ["-iscsi", "help"], {}),
    ("iscsi_bad_parameter", ["-iscsi", "user=a,foo=1"], {}),
    ("vnc_help", ["-vnc", "help"], {}),
    ("vnc_bad_parameter", ["-vnc", ":0,foo=1"], {}),
    ("vnc_bad_bool", ["-vnc", ":0,lossy=maybe"], {}),
    ("fw_cfg_help", ["-fw_cfg", "help"], {}),
    ("fw_cfg_on_none", ["-fw_cfg", "opt/a,string=x"], {}),
    ("fw_cfg_bad_parameter", ["-fw_cfg", "opt/a,foo=1"], {}),
    ("fw_cfg_two_sources", [*PC, "-fw_cfg", "opt/a,string=x,file=y"], {"base": False}),
    ("fw_cfg_no_name", [*PC, "-fw_cfg", "string=x"], {"base": False}),
    ("fw_cfg_name_too_long", [*PC, "-fw_cfg", "opt/" + "a" * 52 + ",string=x"], {"base": False}),
    ("fw_cfg_missing_file", [*PC, "-fw_cfg", "a,file={tmp}/none"], {"base": False}),
    ("runas_unknown", ["-runas", "nosuchuser"], {}),
    ("runas_bad_gid", ["-runas", "1:x"], {}),
    ("runas_uid_too_big", ["-runas", "4294967295:1"], {}),
    # -d, -D, -trace
    ("log_help", ["-d", "help"], {}),
    ("log_unknown_item", ["-d", "guest_errors,foo"], {}),
    ("log_none", ["-d", "none"], {}),
    ("log_trace_help", ["-d", "trace:help"], {}),
    ("log_tid_without_template", ["-d", "tid"], {}),
    ("log_bad_template", ["-D", "{tmp}/x%s"], {}),
    ("log_bad_template_two", ["-D", "{tmp}/x%d%d"], {}),
    ("trace_help", ["-trace", "help"], {}),
    ("trace_enable_help", ["-trace", "enable=help"], {}),
    ("trace_flag", ["-trace", "help,foo"], {}),
    ("trace_bad_parameter", ["-trace", "file={tmp}/t,bar=1"], {}),
    ("trace_events_missing", ["-trace", "events={tmp}/none"], {}),
    ("trace_unknown_then_error", ["-trace", "nosuch", "-uuid", "x"], {}),
    ("trace_pattern_then_error", ["-trace", "nosuch*", "-trace", "-x", "-uuid", "x"], {}),
    # -blockdev: the visitor's errors at once, blockdev-add's at start-up
    ("blockdev_help", ["-blockdev", "help"], {}),
    ("blockdev_unexpected", ["-blockdev", "driver=null-co,node-name=x,foo=1"], {}),
    ("blockdev_no_driver", ["-blockdev", "node-name=x"], {}),
    ("blockdev_bad_integer", ["-blockdev", "null-co,node-name=x,size=1k"], {}),
    ("blockdev_json_type", ["-blockdev", '{"driver":"null-co","node-name":"x","size":"1"}'], {}),
    ("blockdev_json_bad", ["-blockdev", "{bad"], {}),
    ("blockdev_nested_bad", ["-blockdev", "raw,node-name=r,file.driver=null-co,file.x=1"], {}),
    ("blockdev_no_node_name", ["-blockdev", "driver=null-co"], {}),
    ("blockdev_invalid_node_name", ["-blockdev", "null-co,node-name=x,,y"], {}),
    ("blockdev_unknown_ref", ["-blockdev", "driver=raw,node-name=r,file=nosuch"], {}),
    (
        "blockdev_duplicate",
        ["-blockdev", "null-co,node-name=x", "-blockdev", "null-aio,node-name=x"],
        {},
    ),
    # command lines QEMU accepts
    (
        "good_blockdev",
        ["-blockdev", "raw,node-name=r,file.driver=null-co,file.size=512,file.node-name=f"],
        {},
    ),
    ("good_log_file", ["-d", "guest_errors,unimp", "-D", "{tmp}/log"], {}),
    ("good_trace", ["-trace", "enable=qmp_*,file={tmp}/t"], {}),
    ("good_trace_unknown_event", ["-trace", "nosuch"], {}),
    ("good_global_short", ["-global", "isa-serial.iobase=0x2f8"], {}),
    ("good_vga_none", ["-vga", "none"], {}),
    (
        "good_fw_cfg",
        [*PC, "-S", "-fw_cfg", "a,string=x", "-fw_cfg", "opt/b,string=y"],
        {"base": False},
    ),
    ("good_runas_ids", ["-runas", "1:1"], {}),
    ("good_vga_std_on_none", ["-vga", "std"], {}),
    (
        "good_global_no_device_type",
        ["-global", "a.b=c", "-global", "driver=memory-backend-ram,property=p,value=1"],
        {},
    ),
]
