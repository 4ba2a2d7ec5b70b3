"""The texts of ``-version`` and ``-h``, in QEMU's layout.

Kept apart from the option scanner (:mod:`qmonitor.options.cmdline`): they are
data, QEMU's help text for the options qmonitor models.
"""

from __future__ import annotations

from qmonitor.version import DEFAULT_QEMU_VERSION, PACKAGE


def copyright_year(version: tuple[int, int, int]) -> int:
    """The last year of QEMU's copyright line for ``version``.

    Since 3.0 QEMU has made one major release a year (x.0 in spring to x.2
    in December), so the year follows from the major number; 7.x says 2022.
    """
    return 2015 + version[0] if version[0] >= 3 else 2017


def version_text(version: tuple[int, int, int], package: str) -> str:
    """What ``-version`` prints: QEMU_FULL_VERSION and QEMU_COPYRIGHT."""
    pkg = f" ({package})" if package else ""
    return (
        f"QEMU emulator version {version[0]}.{version[1]}.{version[2]}{pkg}\n"
        f"Copyright (c) 2003-{copyright_year(version)} Fabrice Bellard and the QEMU Project "
        "developers\n"
    )


# The option blocks of QEMU's -help output for the options qmonitor models,
# by section; the text is QEMU's, so its users find what they know.
_HELP_SECTIONS: tuple[tuple[str, str], ...] = (
    ("Standard options:", """\
-h or -help     display this help and exit
-version        display version information and exit
-machine [type=]name[,prop[=value][,...]]
                selects emulated machine ('-machine help' for list)
                property accel=accel1[:accel2[:...]] selects accelerator
                supported accelerators are kvm, xen, hax, hvf, nvmm, whpx or tcg (default: tcg)
-accel [accel=]accelerator[,prop[=value][,...]]
                select accelerator (kvm, xen, hax, hvf, nvmm, whpx or tcg; use 'help' for a list)
-device driver[,prop[=value][,...]]
                add device (based on driver)
                prop=value,... sets driver properties
                use '-device help' to print all possible drivers
                use '-device driver,help' to print all possible properties
-name string1[,process=string2][,debug-threads=on|off]
                set the name of the guest
                string1 sets the window title and string2 the process name
                When debug-threads is enabled, individual threads are given a separate name
                NOTE: The thread names are for debugging and not a stable API.
-uuid %08x-%04x-%04x-%04x-%012x
                specify machine UUID
"""),
    ("Display options:", """\
-display none
                select display backend type
                The default display is equivalent to
                "-display gtk"
-nographic      disable graphical output and redirect serial I/Os to console
"""),
    ("Character device options:", """\
-chardev help
-chardev null,id=id[,mux=on|off][,logfile=PATH][,logappend=on|off]
-chardev socket,id=id[,host=host],port=port[,to=to][,ipv4=on|off][,ipv6=on|off][,nodelay=on|off]
         [,server=on|off][,wait=on|off][,telnet=on|off][,websocket=on|off][,reconnect=seconds][,mux=on|off]
         [,logfile=PATH][,logappend=on|off][,tls-creds=ID][,tls-authz=ID] (tcp)
-chardev socket,id=id,path=path[,server=on|off][,wait=on|off][,telnet=on|off][,websocket=on|off]\
[,reconnect=seconds]
         [,mux=on|off][,logfile=PATH][,logappend=on|off][,abstract=on|off][,tight=on|off] (unix)
-chardev file,id=id,path=path[,mux=on|off][,logfile=PATH][,logappend=on|off]
-chardev pty,id=id[,mux=on|off][,logfile=PATH][,logappend=on|off]
-chardev stdio,id=id[,mux=on|off][,signal=on|off][,logfile=PATH][,logappend=on|off]
"""),
    ("Debug/Expert options:", """\
-serial dev     redirect the serial port to char device 'dev'
-monitor dev    redirect the monitor to char device 'dev'
-qmp dev        like -monitor but opens in 'control' mode
-qmp-pretty dev like -qmp but uses pretty JSON formatting
-mon [chardev=]name[,mode=readline|control][,pretty[=on|off]]
-pidfile file   write PID to 'file'
-S              freeze CPU at startup (use 'c' to start execution)
-action reboot=reset|shutdown
                   action when guest reboots [default=reset]
-action shutdown=poweroff|pause
                   action when guest shuts down [default=poweroff]
-action panic=pause|shutdown|exit-failure|none
                   action when guest panics [default=shutdown]
-action watchdog=reset|shutdown|poweroff|inject-nmi|pause|debug|none
                   action when watchdog fires [default=reset]
-daemonize      daemonize QEMU after initializing
-watchdog-action reset|shutdown|poweroff|inject-nmi|pause|debug|none
                action when watchdog fires [default=reset]
-nodefaults     don't create default devices
-no-user-config
                do not load default user-provided config files at startup
"""),
)  # fmt: skip

_HELP_BOTTOM = """\
During emulation, the following keys are useful:
ctrl-alt-f      toggle full screen
ctrl-alt-n      switch to virtual console 'n'
ctrl-alt-g      toggle mouse and keyboard grab

When using -nographic, press 'ctrl-a h' to get some help.

See <https://qemu.org/contribute/report-a-bug> for how to report bugs.
More information on the QEMU project at <https://qemu.org>.
"""


def help_text(prog: str, version: tuple[int, int, int], package: str) -> str:
    """What ``-h`` prints: QEMU's layout, listing the options qmonitor models."""
    default = ".".join(str(n) for n in DEFAULT_QEMU_VERSION)
    sections = [
        *_HELP_SECTIONS,
        (
            "qmonitor options:",
            "-qmonitor-version major.minor.micro\n"
            f"                QEMU version to emulate (default: {default})\n"
            "-qmonitor-package string\n"
            f"                package name to report (default: {PACKAGE})\n"
            "-qmonitor-extensions\n"
            "                add qmonitor's x-qmonitor-* QMP commands\n",
        ),
    ]
    body = "\n".join(f"{heading}\n{text}" for heading, text in sections)
    return (
        version_text(version, package)
        + f"usage: {prog} [options] [disk_image]\n\n"
        + "'disk_image' is a raw hard disk image for IDE hard disk 0\n\n"
        + body
        + "\n"
        + _HELP_BOTTOM
    )
