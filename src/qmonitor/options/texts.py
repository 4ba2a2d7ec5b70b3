"""QEMU's message texts for the command line (the options layer), each defined once.

Every text the options modules report and that is not a util-layer text
(:mod:`qmonitor.util.texts`) is here, grouped by the QEMU source file it
matches.  Texts are ``str.format`` templates; ``{}`` stands for a ``%s``.
"""

from __future__ import annotations

from typing import Final

from qmonitor.qapi.texts import PROPERTY_NOT_FOUND

# -- softmmu/vl.c, monitor/monitor.c, chardev/char-fe.c, softmmu/qdev-monitor.c,
# -- hw/core/qdev-properties.c, accel/accel-softmmu.c, softmmu/qtest.c ----------------

INVALID_OPTION: Final = "invalid option"
REQUIRES_ARGUMENT: Final = "requires an argument"
UUID_WRONG_FORMAT: Final = "failed to parse UUID string: wrong format"
MONITOR_PARSE_ERROR: Final = "parse error: {}"
UNSUPPORTED_MACHINE: Final = "unsupported machine type"
MACHINE_HINT: Final = "Use -machine help to list supported machines\n"
NOGRAPHIC_DAEMONIZE: Final = "-nographic cannot be used with -daemonize"
INVALID_ACCELERATOR: Final = "invalid accelerator {}"
ACCEL_INCOMPATIBLE: Final = 'The -accel and "-machine accel=" options are incompatible'
ACCEL_FALLBACK: Final = "falling back to {}"
ACCEL_PROPERTY_NOT_FOUND: Final = "Property '{}-accel.{}' not found"
QTEST_INIT_FAILED: Final = 'Failed to initialize device for qtest: "{}"'
#: monitor_init()'s texts (the seed); "Only QMP is supported" never shows in
#: qemu-system, whose monitors may all be HMP.
CHARDEV_NOT_FOUND: Final = 'chardev "{}" not found'
PRETTY_HMP: Final = "'pretty' is not compatible with HMP monitors"
#: qemu_chr_fe_init(): QERR_DEVICE_IN_USE.
DEVICE_IN_USE: Final = "Device '{}' is in use"
SERIAL_CONNECT: Final = "could not connect serial device to character backend '{}'"
PARALLEL_CONNECT: Final = "could not connect parallel device to character backend '{}'"
TOO_MANY_PARALLEL: Final = "too many parallel ports"
VNC_NEEDS_DISPLAY: Final = "VNC requires a display argument vnc=<display>"
OPENGL_UNSUPPORTED: Final = "OpenGL is not supported by the display"
WINDOW_CLOSE_IGNORED: Final = "window-close is only valid for GTK and SDL, ignoring option"
#: hw/core/loader.c rom_add_file, as a PC's board loads -option-rom (printed as is, not fatal).
OPTION_ROM_OPEN: Final = "Could not open option rom '{}': {}\n"
#: Where Debian's QEMU finds its ROMs besides -L (its build's data folders, from /usr/bin).
INSTALLED_DATA_DIRS: Final = ("/usr/share/qemu", "/usr/share/seabios", "/usr/lib/ipxe/qemu")
#: -device (softmmu/qdev-monitor.c, hw/core/qdev-properties.c).
DEVICE_NO_BUS: Final = "No '{}' bus found for device '{}'"
DEVICE_BUS_NOT_FOUND: Final = "Bus '{}' not found"
DEVICE_PROPERTY_NOT_FOUND: Final = PROPERTY_NOT_FOUND  # QERR_PROPERTY_NOT_FOUND
DEVICE_NO_OPTIONS: Final = "There are no options for {}.\n"
#: qmonitor's own option.
BAD_QEMU_VERSION: Final = "expected a version MAJOR.MINOR.MICRO"

# -- softmmu/qemu-seccomp.c (-sandbox) and softmmu/vl.c: configure_rtc() (-rtc) --------

SANDBOX_INVALID: Final = "invalid argument for {}"
RTC_DATETIME: Final = "invalid datetime format"
RTC_DATETIME_HINT: Final = "valid formats: '2006-06-17T16:01:21' or '2006-06-17'\n"
RTC_INVALID_VALUE: Final = "invalid option value '{}'"

# -- chardev/char.c, chardev/char-*.c, util/qemu-sockets.c -----------------------------
#: qemu_chr_parse_compat(), for a spec it does not know.
CHR_NOT_VALID_DRIVER: Final = "'{}' is not a valid char driver"
#: qemu_chr_parse_compat(), ``mon:`` where no monitor may be muxed in.
CHR_MON_NOT_SUPPORTED: Final = "mon: isn't supported in this context"
#: char_get_class().
CHR_NOT_VALID_DRIVER_NAME: Final = "'{}' is not a valid char driver name"
#: __qemu_chr_new_from_opts() and qemu_chr_parse_opts().
CHR_NO_ID: Final = "chardev: no id specified"
CHR_MISSING_BACKEND: Final = 'chardev: "{}" missing backend'
#: chardev_alias_translate().
CHR_ALIAS_DEPRECATED: Final = "The alias '{}' is deprecated, use '{}' instead"
#: The backends' parse hooks.
CHR_FILE_NO_PATH: Final = "chardev: file: no filename given"
CHR_PIPE_NO_PATH: Final = "chardev: pipe: no device path given"
CHR_SERIAL_NO_PATH: Final = "chardev: serial/tty: no device path given"
CHR_PARALLEL_NO_PATH: Final = "chardev: parallel: no device path given"
CHR_UDP_NO_PORT: Final = "chardev: udp: remote port not specified"
CHR_MUX_NO_CHARDEV: Final = "chardev: mux: no chardev given"
CHR_SPICEVMC_NO_NAME: Final = "chardev: spice channel: no name given"
CHR_SPICEPORT_NO_NAME: Final = "chardev: spice port: no name given"
CHR_RINGBUF_SIZE: Final = "size of ringbuf chardev must be power of two"
#: chardev/char-socket.c: qemu_chr_parse_socket().
SOCK_ONE_ADDRESS: Final = "None or one of 'path', 'fd' or 'host' option required."
SOCK_NO_PORT: Final = "chardev: socket: no port given"
SOCK_DELAY_NODELAY: Final = "'delay' and 'nodelay' are mutually exclusive"
#: chardev/char-socket.c: qmp_chardev_open_socket() and its validation.
SOCK_NO_TLS_CREDS: Final = "No TLS credentials with id '{}'"
SOCK_TLS_UNIX: Final = "'tls_creds' option is incompatible with 'unix' address type"
SOCK_TLS_FD_CLIENT: Final = "'tls_creds' option is incompatible with 'fd' address type as client"
SOCK_RECONNECT_FD: Final = "'reconnect' option is incompatible with 'fd' address type"
SOCK_AUTHZ_NEEDS_CREDS: Final = "'tls_authz' option requires 'tls_creds' option"
SOCK_RECONNECT_SERVER: Final = (
    "'reconnect' option is incompatible with socket in server listen mode"
)
SOCK_WEBSOCKET_CLIENT: Final = "Websocket client is not implemented"
SOCK_WAIT_CLIENT: Final = "'wait' option is incompatible with socket in client connect mode"
#: util/qemu-sockets.c: socket_get_fd().
SOCK_BAD_FD: Final = "Unable to parse FD number {}"

# -- qom/object_interfaces.c (-object) -------------------------------------------------

#: qobject_input_start_struct(): a JSON -object that is not an object.
OBJECT_NOT_A_DICT: Final = "Invalid parameter type, expected: object"

# -- crypto/tlscredsx509.c, crypto/tlscreds.c ------------------------------------------

TLS_MISSING_DIR: Final = "Missing 'dir' property value"
TLS_CANNOT_ACCESS: Final = "Unable to access credentials {}: {}"
TLS_BAD_CA: Final = "Unable to import CA certificate list {}"
TLS_BAD_PAIR: Final = "Cannot load certificate '{}' & key '{}': {}"
TLS_KEY_MISMATCH: Final = "The certificate and the given key do not match."
TLS_NO_SECRET: Final = "No secret with id '{}'"

# -- chardev/char-socket.c: what a socket chardev's tls-creds must be -----------------

TLS_NOT_CREDS: Final = "Object with id '{}' is not TLS credentials"
TLS_EXPECTED_ENDPOINT: Final = "Expected TLS credentials for a {} endpoint"

# -- util/log.c, trace/control.c, softmmu/vl.c (-vga, -global) ------------------------

UNKNOWN_VGA: Final = "unknown vga type: {}"
VGA_NOT_AVAILABLE: Final = "{} not available"
#: util/module.c: module_load_qom() asked for no type (a VGA model's absent second type).
TYPE_IS_NULL: Final = "type is NULL"
GLOBAL_REQUIRED: Final = "options 'driver', 'property', and 'value' are required"
#: net_client_init1 and set_numa_options: the type visited as its QAPI enum.
TYPE_BAD_VALUE: Final = "Parameter 'type' does not accept value '{}'"
#: qemu_boot_set (softmmu/bootdevice.c): -boot once= on a machine with no boot-order handler.
NO_BOOT_SET_HANDLER: Final = "no function defined to set boot device list for this architecture"
#: icount_configure (softmmu/icount.c), replay_configure (replay/replay.c) and
#: configure_accelerators (softmmu/vl.c).
ICOUNT_ALIGN_NEEDS_SHIFT: Final = "Please specify shift option when using align"
ICOUNT_ALIGN_SLEEP: Final = "align=on and sleep=off are incompatible"
ICOUNT_BAD_SHIFT: Final = "icount: Invalid shift value"
ICOUNT_AUTO_ALIGN: Final = "shift=auto and align=on are incompatible"
ICOUNT_AUTO_SLEEP: Final = "shift=auto and sleep=off are incompatible"
ICOUNT_BAD_RR: Final = "Invalid icount rr option: {}"
ICOUNT_NO_RRFILE: Final = "File name not specified for replay"
ICOUNT_NEEDS_TCG: Final = "-icount is not allowed with hardware virtualization"
#: parse_fw_cfg (softmmu/vl.c), when the machine's devices are made.
FW_CFG_UNAVAILABLE: Final = "fw_cfg device not available"
FW_CFG_NEEDS: Final = "name, plus exactly one of file, string and gen_id, are needed"
FW_CFG_NAME_TOO_LONG: Final = "name too long (max. {} char)"
FW_CFG_NOT_OPT: Final = 'externally provided fw_cfg item names should be prefixed with "opt/"'
#: g_file_get_contents's message (GLib), after parse_fw_cfg's "can't load FILE: ".
FW_CFG_CANT_LOAD: Final = "can't load {}: Failed to open file \u201c{}\u201d: {}"
#: os_parse_cmd_args (os-posix.c).
RUNAS_UNKNOWN: Final = 'User "{}" doesn\'t exist (and is not <uid>:<gid>)'
#: qdev_prop_check_globals (hw/core/qdev-properties.c), once the devices are made.
GLOBAL_INVALID_CLASS: Final = "global {}.{} has invalid class name"
#: qemu_machine_creation_done: a -vga the machine type made no device for.
VGA_NOT_USED: Final = (
    "A -vga option was passed but this machine type does not use that option; "
    "No VGA device has been created"
)
