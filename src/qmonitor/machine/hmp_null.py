"""HMP commands over what the null machine has none of: drives, jobs, snapshots, displays.

qmonitor models no block layer, no network back-ends, no audio, no
display and no migration stream, so these commands find nothing to act
on.  Each answers as QEMU 7.2's handler answers when the thing it looks
for is missing on a machine without CPUs or devices (``-M none``): the
texts are QEMU's (recorded in tests/golden/hmp/table.json).  A handler
raises :class:`QapiError` where QEMU's reports through
``hmp_handle_error`` (``Error: ...``) and prints where QEMU's prints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qmonitor.machine.hmp_info import current_cpu, qmp
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    from qmonitor.machine.hmp_info import MachineHMP
    from qmonitor.machine.machine import Machine

# Texts of QEMU 7.2 (block/monitor/block-hmp-cmds.c, blockdev.c, block.c,
# monitor/hmp-cmds.c, migration/, softmmu/, net/, ui/, audio/, replay/).
NO_DEVICE_NOR_NODE = "Cannot find device='{}' nor node-name='{}'"
DEVICE_NOT_FOUND = "Device '{}' not found"
NO_FDT = "This machine doesn't have a FDT"
NO_SPICE = "SPICE is not in use"
NO_CONSOLE = "There is no console to take a screendump from"
NOT_SUPPORTED = "this feature or command is not currently supported"
NO_WAKEUP = "wake-up from suspend is not supported by this guest"
COLO_DISABLED = "The feature 'colo' is not enabled"
MIGRATION_STATE = "Migration not in expected state: {}"
DIRTY_LIMIT_NEEDS_RING = (
    "dirty page limit feature requires KVM with accelerator property 'dirty-ring-size' set'"
)
SNAPSHOT_FILE_MISSING = "Parameter 'snapshot-file' is missing"
NO_BOOT_SET = "no function defined to set boot device list for this architecture\n"
NO_USER_NET = "user mode network stack not in use\n"
GDB_NO_CPU = "gdbstub: meaningless to attach gdb to a machine without any CPU.\n"
GDB_CANNOT_OPEN = "Could not open gdbserver on device '{}'\n"
#: gdbserver's device when none is given (DEFAULT_GDBSTUB_PORT).
GDB_DEFAULT_DEVICE = "tcp::1234"
AER_NO_DEVICE = "id or pci device path is invalid or device not found. {}\n"
AUDIODEV_NOT_FOUND = "Audiodev '{}' not found\n"
REPLAY_BREAK = "setting the breakpoint is allowed only in play mode\n"
REPLAY_DELETE_BREAK = "replay breakpoints are allowed only in play mode\n"
REPLAY_SEEK = "replay must be enabled to seek\n"
DIRTY_RATE_STARTED = (
    "Starting dirty rate measurement with period {} seconds\n"
    "[Please use 'info dirty_rate' to check results]\n"
)
DIRTY_LIMIT_CANCELLED = (
    "[Please use 'info vcpu_dirty_limit' to query dirty limit for virtual CPU]\n"
)
SYNC_PROFILE_STATE = "sync-profile is {}\n"
UNEXPECTED_OPTION = "unexpected option {}\n"


def _error(text: str, key: str = "") -> Any:
    """A handler that fails with ``text`` (formatted with argument ``key``)."""

    def handler(mon: MachineHMP, args: dict[str, Any]) -> None:
        raise QapiError(text.format(args.get(key, "")))

    return handler


def _savevm(name: str) -> Any:
    """A handler of :mod:`~qmonitor.machine.savevm`, imported on first use."""

    def handler(mon: MachineHMP, args: dict[str, Any]) -> None:
        from qmonitor.machine import savevm

        getattr(savevm, name)(mon, args)

    return handler


def _prints(text: str, key: str = "") -> Any:
    """A handler that prints ``text`` (formatted with argument ``key``)."""

    def handler(mon: MachineHMP, args: dict[str, Any]) -> None:
        mon.printf(text.format(args.get(key, "")))

    return handler


def _nothing(mon: MachineHMP, args: dict[str, Any]) -> None:
    """Nothing to act on and nothing to say (no NIC to announce, no capture to stop...)."""


# -- block devices and jobs ------------------------------------------------------------


def _no_node(mon: MachineHMP, args: dict[str, Any]) -> None:
    """bdrv_lookup_bs(device, device): neither a drive nor a node of that name."""
    raise QapiError(NO_DEVICE_NOR_NODE.format(args["device"], args["device"]))


def _block_resize(mon: MachineHMP, args: dict[str, Any]) -> None:
    # hmp_block_resize passes the name as device only.
    raise QapiError(NO_DEVICE_NOR_NODE.format(args["device"], ""))


def _snapshot_blkdev(mon: MachineHMP, args: dict[str, Any]) -> None:
    if "snapshot-file" not in args:
        raise QapiError(SNAPSHOT_FILE_MISSING)
    raise QapiError(NO_DEVICE_NOR_NODE.format(args["device"], ""))


def _commit(mon: MachineHMP, args: dict[str, Any]) -> None:
    # "all" commits every drive: there are none.
    if args["device"] != "all":
        mon.printf(DEVICE_NOT_FOUND.format(args["device"]) + "\n")


def _drive_del(mon: MachineHMP, args: dict[str, Any]) -> None:
    mon.printf(DEVICE_NOT_FOUND.format(args["id"]) + "\n")


# -- memory and CPUs -----------------------------------------------------------------------


def _cpu_required(text: str) -> Any:
    def handler(mon: MachineHMP, args: dict[str, Any]) -> None:
        if current_cpu(mon) is None:
            raise QapiError(text)

    return handler


# -- migration -----------------------------------------------------------------------------


#: MigrationStatus's members (qapi/migration.json): the states migrate_continue reads.
MIGRATION_STATUSES = frozenset(
    [
        "none",
        "setup",
        "cancelling",
        "cancelled",
        "active",
        "postcopy-active",
        "postcopy-paused",
        "postcopy-recover",
        "completed",
        "failed",
        "colo",
        "pre-switchover",
        "device",
        "wait-unplug",
    ]
)


def _migrate_continue(mon: MachineHMP, args: dict[str, Any]) -> None:
    if args["state"] in MIGRATION_STATUSES:
        qmp(mon, "migrate-continue", {"state": args["state"]})
        return
    status = qmp(mon, "query-migrate").get("status", "none")
    raise QapiError(MIGRATION_STATE.format(status))


def _migrate_incoming(mon: MachineHMP, args: dict[str, Any]) -> None:
    qmp(mon, "migrate-incoming", {"uri": args["uri"]})


def _migrate_cancel(mon: MachineHMP, args: dict[str, Any]) -> None:
    qmp(mon, "migrate_cancel")


def _migrate_pause(mon: MachineHMP, args: dict[str, Any]) -> None:
    qmp(mon, "migrate-pause")


def _migrate_recover(mon: MachineHMP, args: dict[str, Any]) -> None:
    qmp(mon, "migrate-recover", {"uri": args["uri"]})


def _migrate_start_postcopy(mon: MachineHMP, args: dict[str, Any]) -> None:
    qmp(mon, "migrate-start-postcopy")


def _migrate_set_capability(mon: MachineHMP, args: dict[str, Any]) -> None:
    """hmp_migrate_set_capability: the name must be a MigrationCapability."""
    from qmonitor.machine.migration import CAPABILITIES

    name = args["capability"]
    if name not in CAPABILITIES:
        raise QapiError(f"invalid parameter value: {name}")
    qmp(
        mon,
        "migrate-set-capabilities",
        {"capabilities": [{"capability": name, "state": args["state"]}]},
    )


def _boot_set(mon: MachineHMP, args: dict[str, Any]) -> None:
    """hmp_boot_set: a PC keeps the first three boot devices in the RTC's CMOS."""
    order = args["bootdevice"]
    board = mon.machine.board
    if board is None:
        mon.printf(NO_BOOT_SET)
        return
    seen: set[str] = set()
    for letter in order:
        if not "a" <= letter <= "p":
            mon.printf(f"Invalid boot device '{letter}'\n")
            return
        if letter in seen:
            mon.printf(f"Boot device '{letter}' was given twice\n")
            return
        seen.add(letter)
    if len(order) > 3:
        mon.printf("Too many boot devices for PC\n")
        return
    nibbles = [_BOOT_NIBBLES.get(letter, 0) for letter in order]
    for letter, nibble in zip(order, nibbles, strict=True):
        if nibble == 0:
            mon.printf(f"Invalid boot device for PC: '{letter}'\n")
            return
    nibbles += [0] * (3 - len(nibbles))
    cmos = board.rtc.cmos
    cmos[0x3D] = nibbles[1] << 4 | nibbles[0]
    cmos[0x38] = nibbles[2] << 4  # the floppy boot signature is checked
    mon.printf(f"boot device list now set to {order}\n")


#: The CMOS code of each boot device letter a PC's BIOS knows (floppy, disk, CD, network).
_BOOT_NIBBLES = {"a": 1, "b": 1, "c": 2, "d": 3, "n": 4}


def _calc_dirty_rate(mon: MachineHMP, args: dict[str, Any]) -> None:
    mon.printf(DIRTY_RATE_STARTED.format(args["second"]))


# -- small switches kept per machine -------------------------------------------------------


class SyncProfile:
    """``sync-profile on|off`` of one machine (QEMU's qsp_enabled)."""

    def __init__(self) -> None:
        self.enabled = False


def sync_profile_on(machine: Machine) -> bool:
    """Whether ``sync-profile on`` was given (``info sync-profile`` lists nothing either way)."""
    return machine.part(SyncProfile, SyncProfile).enabled


def _sync_profile_cmd(mon: MachineHMP, args: dict[str, Any]) -> None:
    op = args.get("op")
    if op is None:
        mon.printf(SYNC_PROFILE_STATE.format("on" if sync_profile_on(mon.machine) else "off"))
    elif op in ("on", "off"):
        mon.machine.part(SyncProfile, SyncProfile).enabled = op == "on"
    elif op != "reset":
        raise QapiError(f"Invalid parameter '{op}'")


def _singlestep(mon: MachineHMP, args: dict[str, Any]) -> None:
    from qmonitor.machine.singlestep import set_singlestep

    option = args.get("option")
    if option not in (None, "on", "off"):
        mon.printf(UNEXPECTED_OPTION.format(option))
    else:
        set_singlestep(mon.machine, option != "off")


def _gdbserver(mon: MachineHMP, args: dict[str, Any]) -> None:
    mon.printf(GDB_NO_CPU)
    mon.printf(GDB_CANNOT_OPEN.format(args.get("device", GDB_DEFAULT_DEVICE)))


def _exit_preconfig(mon: MachineHMP, args: dict[str, Any]) -> None:
    qmp(mon, "x-exit-preconfig")


def _balloon(mon: MachineHMP, args: dict[str, Any]) -> None:
    qmp(mon, "balloon", {"value": args["value"]})


#: Handlers of the top-level commands this module answers, by first name.
HANDLERS: dict[str, Any] = {
    "announce_self": _nothing,
    "balloon": _balloon,
    "block_resize": _block_resize,
    "block_set_io_throttle": _error(DEVICE_NOT_FOUND, "device"),
    "boot_set": _boot_set,
    "calc_dirty_rate": _calc_dirty_rate,
    "cancel_vcpu_dirty_limit": _prints(DIRTY_LIMIT_CANCELLED),
    "change": _error(DEVICE_NOT_FOUND, "device"),
    "commit": _commit,
    "delvm": _savevm("hmp_delvm"),
    "drive_backup": _no_node,
    "drive_del": _drive_del,
    "drive_mirror": _no_node,
    "dumpdtb": _error(NO_FDT),
    "eject": _error(DEVICE_NOT_FOUND, "device"),
    "exit_preconfig": _exit_preconfig,
    "gdbserver": _gdbserver,
    "hostfwd_add": _prints(NO_USER_NET),
    "hostfwd_remove": _prints(NO_USER_NET),
    "loadvm": _savevm("hmp_loadvm"),
    "mce": _nothing,
    "migrate_cancel": _migrate_cancel,
    "migrate_continue": _migrate_continue,
    "migrate_incoming": _migrate_incoming,
    "migrate_pause": _migrate_pause,
    "migrate_recover": _migrate_recover,
    "migrate_set_capability": _migrate_set_capability,
    "migrate_start_postcopy": _migrate_start_postcopy,
    "nmi": _cpu_required(NOT_SUPPORTED),
    "pcie_aer_inject_error": _prints(AER_NO_DEVICE, "id"),
    "replay_break": _prints(REPLAY_BREAK),
    "replay_delete_break": _prints(REPLAY_DELETE_BREAK),
    "replay_seek": _prints(REPLAY_SEEK),
    "savevm": _savevm("hmp_savevm"),
    "screendump": _error(NO_CONSOLE),
    "set_vcpu_dirty_limit": _error(DIRTY_LIMIT_NEEDS_RING),
    "singlestep": _singlestep,
    "snapshot_blkdev": _snapshot_blkdev,
    "snapshot_blkdev_internal": _savevm("hmp_snapshot_blkdev_internal"),
    "snapshot_delete_blkdev_internal": _savevm("hmp_snapshot_delete_blkdev_internal"),
    "stopcapture": _nothing,
    "sync-profile": _sync_profile_cmd,
    "system_wakeup": _error(NO_WAKEUP),
    "x_colo_lost_heartbeat": _error(COLO_DISABLED),
}
