"""HMP eject, change, block_set_io_throttle and drive_del (QEMU 7.2's block-hmp-cmds.c).

Each calls the QMP command as QEMU's handler does: ``eject`` and
``change`` by drive name (``change vnc ...`` stays the VNC password
command), ``block_set_io_throttle`` by drive name when a drive has it,
else by the device's id.  ``drive_del`` deletes a node as ``blockdev-del``
(when a node has that name), else takes a ``-drive``'s medium away: the
drive goes with it unless a device holds it (the node closes, storing its
persistent bitmaps).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qmonitor.machine.hmp_info import qmp
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    from qmonitor.machine.hmp_info import MachineHMP

#: qapi_enum_parse's text for a bad read-only mode (qapi/qapi-util.c).
BAD_READ_ONLY_MODE = "invalid parameter value: {}"
_READ_ONLY_MODES = ("retain", "read-only", "read-write")


def hmp_eject(mon: MachineHMP, args: dict[str, Any]) -> None:
    qmp(mon, "eject", {"device": args["device"], "force": bool(args.get("force", False))})


def hmp_change(mon: MachineHMP, args: dict[str, Any]) -> None:
    if args["device"] == "vnc":
        from qmonitor.machine import hmp_null

        hmp_null.HANDLERS["change"](mon, args)
        return
    arguments: dict[str, Any] = {"device": args["device"], "filename": args["target"]}
    if args.get("arg") is not None:
        arguments["format"] = args["arg"]
    arguments["force"] = bool(args.get("force", False))
    mode = args.get("read-only-mode")
    if mode is not None:
        if mode not in _READ_ONLY_MODES:
            raise QapiError(BAD_READ_ONLY_MODE.format(mode))
        arguments["read-only-mode"] = mode
    qmp(mon, "blockdev-change-medium", arguments)


def hmp_block_set_io_throttle(mon: MachineHMP, args: dict[str, Any]) -> None:
    from qmonitor.machine.block.drive_setup import backends_of

    name = args["device"]
    key = "device" if backends_of(mon.machine).named(name) is not None else "id"
    limits = {k: args[k] for k in ("bps", "bps_rd", "bps_wr", "iops", "iops_rd", "iops_wr")}
    qmp(mon, "block_set_io_throttle", {key: name, **limits})


#: Texts of hmp_drive_del.
DEVICE_NOT_FOUND = "Device '{}' not found"


def hmp_drive_del(mon: MachineHMP, args: dict[str, Any]) -> None:
    from qmonitor.machine.block.commands import graph_of
    from qmonitor.machine.block.drive_setup import backends_of
    from qmonitor.machine.block.job_qmp import jobs_of

    name = args["id"]
    graph = graph_of(mon.machine)
    try:
        if name in graph.nodes:
            graph.delete(name)
            return
        backends = backends_of(mon.machine)
        blk = backends.named(name)
        if blk is None:
            raise QapiError(DEVICE_NOT_FOUND.format(name))
        medium = blk.medium
        if medium is not None:
            jobs_of(mon.machine).check_not_busy(medium)
        # blk_remove_bs and monitor_remove_blk: a device keeps its drive, anonymous and empty.
        backends.remove(blk, graph)
    except QapiError as exc:
        mon.printf(exc.desc + "\n")


#: The handlers, by command name.
HANDLERS: dict[str, Any] = {
    "eject": hmp_eject,
    "change": hmp_change,
    "block_set_io_throttle": hmp_block_set_io_throttle,
    "drive_del": hmp_drive_del,
}
