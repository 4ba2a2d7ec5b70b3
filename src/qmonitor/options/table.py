"""QEMU 7.2's option table (qemu-options.def): every option name and whether it takes an argument.

The parser's first pass looks each ``-name`` up here, as QEMU's
``lookup_opt`` does: an unknown name or a missing argument stops QEMU before
any option is handled.  Options qmonitor models come first; the rest are
accepted and recorded in :attr:`qmonitor.options.config.Config.unmodelled`.
"""

from __future__ import annotations

_MODELLED: dict[str, bool] = {
    "h": False, "help": False, "version": False, "machine": True, "M": True,
    "accel": True, "enable-kvm": False, "no-acpi": False, "name": True, "uuid": True,
    "chardev": True,
    "mon": True, "qmp": True, "qmp-pretty": True, "monitor": True, "serial": True,
    "parallel": True, "S": False, "display": True, "nographic": False,
    "nodefaults": False, "no-user-config": False, "qtest": True, "daemonize": False,
    "pidfile": True, "qmonitor-version": True, "qmonitor-package": True,
    "qmonitor-extensions": False, "qmonitor-guest": False, "device": True,
    "watchdog-action": True, "action": True,
    "qtest-log": True, "persona": True, "msg": True, "object": True, "cpu": True,
    "smp": True, "m": True, "audiodev": True, "rtc": True, "overcommit": True, "sandbox": True,
    "boot": True, "readconfig": True, "spice": True, "preconfig": False, "loadvm": True,
    "incoming": True, "d": True, "D": True, "trace": True, "vga": True, "global": True,
    "netdev": True, "nic": True, "numa": True, "blockdev": True, "net": True, "vnc": True,
    "iscsi": True, "tpmdev": True, "audio": True, "fw_cfg": True, "runas": True,
    "compat": True, "smbios": True, "chroot": True,
    "icount": True, "drive": True, "hda": True, "hdb": True, "hdc": True, "hdd": True,
    "cdrom": True, "fda": True, "fdb": True, "mem-path": True, "mem-prealloc": False,
    "sd": True, "pflash": True, "mtdblock": True, "dump-vmstate": True,
}  # fmt: skip
_UNMODELLED: dict[str, bool] = {
    **dict.fromkeys(
        ("k", "L", "bios", "kernel", "initrd",
         "append", "dtb",
         "seed", "debugcon",
         "gdb", "add-fd", "set",
         "plugin", "option-rom",
         "acpitable", "usbdevice", "echr", "fsdev", "virtfs",
         "dfilter", "rotate"),
        True,
    ),
    **dict.fromkeys(
        ("no-shutdown", "no-reboot", "snapshot", "usb", "no-hpet", "full-screen",
         "only-migratable", "s", "singlestep",
         "enable-sync-profile", "no-fd-bootchk", "win2k-hack", "portrait", "audio-help",
         "async-teardown"),
        False,
    ),
}  # fmt: skip
OPTIONS: dict[str, bool] = {**_MODELLED, **_UNMODELLED}
