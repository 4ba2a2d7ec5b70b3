"""QEMU 7.2's option lists (QemuOptsList) for the options qmonitor's command line models.

Each list names its options and their types as QEMU's ``QemuOptsList``
does; the parser (:mod:`qmonitor.options.parser`) parses into them, and
``query-command-line-options`` lists them
(:data:`qmonitor.options.optgroups.QUERYABLE_OPTION_LISTS`).  Lists that
belong to one check live with it (:mod:`qmonitor.options.checks`,
:mod:`qmonitor.options.guest`).
"""

from __future__ import annotations

from qmonitor.util.qemuopts import OptDesc, OptsListSpec, OptType

_S, _B, _N, _Z = OptType.STRING, OptType.BOOL, OptType.NUMBER, OptType.SIZE

#: ``-chardev`` (chardev/char.c: qemu_chardev_opts, Linux build of 7.2).
CHARDEV_OPTS = OptsListSpec(
    "chardev",
    "backend",
    tuple(
        OptDesc(name, kind, default)
        for name, kind, default in (
            ("backend", _S, None), ("path", _S, None), ("host", _S, None),
            ("port", _S, None), ("fd", _S, None), ("localaddr", _S, None),
            ("localport", _S, None), ("to", _N, None), ("ipv4", _B, None),
            ("ipv6", _B, None), ("wait", _B, None), ("server", _B, None),
            ("delay", _B, None), ("nodelay", _B, None), ("reconnect", _N, None),
            ("telnet", _B, None), ("tn3270", _B, None), ("tls-creds", _S, None),
            ("tls-authz", _S, None), ("websocket", _B, None), ("width", _N, None),
            ("height", _N, None), ("cols", _N, None), ("rows", _N, None),
            ("mux", _B, None), ("signal", _B, None), ("name", _S, None),
            ("debug", _N, None), ("size", _Z, None), ("chardev", _S, None),
            ("append", _B, None), ("logfile", _S, None), ("logappend", _B, None),
            ("mouse", _B, None), ("clipboard", _B, None), ("tight", _B, "on"),
            ("abstract", _B, None),
        )
    ),
)  # fmt: skip

#: ``-mon`` (monitor/monitor.c: qemu_mon_opts).
MON_OPTS = OptsListSpec(
    "mon", "chardev", (OptDesc("mode", _S), OptDesc("chardev", _S), OptDesc("pretty", _B))
)

#: ``-name`` (softmmu/vl.c: qemu_name_opts); the help texts are what ``-name x,help`` shows.
NAME_OPTS = OptsListSpec(
    "name",
    "guest",
    (
        OptDesc(
            "guest",
            _S,
            help="Sets the name of the guest.\n"
            "This name will be displayed in the SDL window caption.\n"
            "The name will also be used for the VNC server",
        ),
        OptDesc("process", _S, help="Sets the name of the QEMU process, as shown in top etc"),
        OptDesc(
            "debug-threads",
            _B,
            help="When enabled, name the individual threads; defaults off.\n"
            "NOTE: The thread names are for debugging and not a\n"
            "stable API.",
        ),
    ),
    merge_lists=True,
)

#: ``-accel`` (softmmu/vl.c: qemu_accel_opts): any option; checked when the accelerator starts.
ACCEL_OPTS = OptsListSpec("accel", "accel", ())

#: ``-action`` and ``-watchdog-action`` (softmmu/runstate-action.c): one merged
#: group, whose members are the arguments of QMP ``set-action``.
ACTION_OPTS = OptsListSpec(
    "action",
    None,
    tuple(OptDesc(name, OptType.STRING) for name in ("shutdown", "reboot", "panic", "watchdog")),
    merge_lists=True,
)
#: The values each member takes (qapi/run-state.json), in the order QEMU checks them.
RUNSTATE_ACTIONS: dict[str, tuple[str, ...]] = {
    "reboot": ("reset", "shutdown"),
    "shutdown": ("poweroff", "pause"),
    "panic": ("pause", "shutdown", "exit-failure", "none"),
    "watchdog": ("reset", "shutdown", "poweroff", "pause", "debug", "none", "inject-nmi"),
}
#: ``-add-fd`` (softmmu/vl.c: qemu_add_fd_opts).
ADD_FD_OPTS = OptsListSpec(
    "add-fd",
    None,
    (
        OptDesc(
            "fd", OptType.NUMBER, help="file descriptor of which a duplicate is added to fd set"
        ),
        OptDesc("set", OptType.NUMBER, help="ID of the fd set to add fd to"),
        OptDesc("opaque", OptType.STRING, help="free-form string used to describe fd"),
    ),
)
#: ``-device`` (softmmu/qdev-monitor.c: qemu_device_opts): any option, implied ``driver``.
DEVICE_OPTS = OptsListSpec("device", "driver", ())
#: ``-msg`` (softmmu/vl.c: qemu_msg_opts).
MSG_OPTS = OptsListSpec(
    "msg",
    None,
    (
        OptDesc("timestamp", OptType.BOOL),
        OptDesc(
            "guest-name",
            OptType.BOOL,
            help="Prepends guest name for error messages but only if -name guest is set "
            "otherwise option is ignored\n",
        ),
    ),
)
#: ``-object`` (qom/object_interfaces.c: qemu_object_opts): any option, implied
#: ``qom-type``; QEMU 7.2 reads the key=value form with QemuOpts, not keyval.
OBJECT_OPTS = OptsListSpec("object", "qom-type", ())

#: ``-spice`` and ``[spice]`` (ui/spice-core.c: qemu_spice_opts, a module of 7.2's build).
SPICE_OPTS = OptsListSpec(
    "spice",
    None,
    tuple(
        OptDesc(name, kind)
        for name, kind in (
            ("port", _N), ("tls-port", _N), ("addr", _S), ("ipv4", _B), ("ipv6", _B),
            ("unix", _B), ("password", _S), ("password-secret", _S),
            ("disable-ticketing", _B), ("disable-copy-paste", _B),
            ("disable-agent-file-xfer", _B), ("sasl", _B), ("x509-dir", _S),
            ("x509-key-file", _S), ("x509-key-password", _S), ("x509-cert-file", _S),
            ("x509-cacert-file", _S), ("x509-dh-key-file", _S), ("tls-ciphers", _S),
            ("tls-channel", _S), ("plaintext-channel", _S), ("image-compression", _S),
            ("jpeg-wan-compression", _S), ("zlib-glz-wan-compression", _S),
            ("streaming-video", _S), ("agent-mouse", _B), ("playback-compression", _B),
            ("seamless-migration", _B), ("display", _S), ("head", _N), ("gl", _B),
            ("rendernode", _S),
        )
    ),
    merge_lists=True,
)  # fmt: skip

#: What ``-smp help`` lists (softmmu/vl.c: qemu_smp_opts); -smp itself is read by keyval.
SMP_HELP_OPTS = OptsListSpec(
    "smp-opts",
    "cpus",
    tuple(
        OptDesc(name, OptType.NUMBER)
        for name in ("cpus", "sockets", "dies", "clusters", "cores", "threads", "maxcpus")
    ),
)
#: What ``-boot help`` lists (softmmu/vl.c: qemu_boot_opts); -boot itself is read by keyval.
BOOT_HELP_OPTS = OptsListSpec(
    "boot-opts",
    "order",
    (
        OptDesc("order", OptType.STRING),
        OptDesc("once", OptType.STRING),
        OptDesc("menu", OptType.BOOL),
        OptDesc("splash", OptType.STRING),
        OptDesc("splash-time", OptType.NUMBER),
        OptDesc("reboot-timeout", OptType.NUMBER),
        OptDesc("strict", OptType.BOOL),
    ),
)
