"""The HMP command tables: the top-level commands and the ``info`` sub-commands.

Every command and ``info`` sub-command of QEMU 7.2 x86_64 is here, built
by :func:`~qmonitor.machine.hmp_spec.build_table` from QEMU's recorded
``help`` listings (names, params, help texts, in QEMU's sorted order), the
``args_type`` of each, and the handlers below: the run state here, the
guest's vCPUs in :mod:`~qmonitor.machine.hmp_info`, what the null machine
has none of in :mod:`~qmonitor.machine.hmp_null` and
:mod:`~qmonitor.machine.hmp_info_more`.  A command whose QMP counterpart
qmonitor lacks (:data:`NOT_MODELLED`) fails as a call of that QMP command
would.  Handlers print through the monitor they run on and reach the
machine through it; a handler raises :class:`QapiError` for what QEMU
reports with ``hmp_handle_error`` (``Error: ...``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qmonitor.chardev.container import listing_order
from qmonitor.machine import (
    hmp_chardev,
    hmp_complete,
    hmp_drive,
    hmp_info,
    hmp_info_more,
    hmp_input,
    hmp_log,
    hmp_memory,
    hmp_migration,
    hmp_null,
    hmp_objects,
    hmp_print,
    hmp_qom,
    hmp_qom_set,
    hmp_trace,
)
from qmonitor.machine.block import hmp_drives, hmp_nbd, hmp_qemu_io, job_hmp
from qmonitor.machine.defaults import NIL_UUID
from qmonitor.machine.dump import hmp as dump_hmp
from qmonitor.machine.hmp_spec import build_table
from qmonitor.machine.net import hmp as net_hmp
from qmonitor.machine.runstate import RunState, ShutdownCause
from qmonitor.machine.singlestep import singlestep_on
from qmonitor.monitor.hmp_table import HMPCommand, HmpHandler
from qmonitor.qapi.error import ErrorClass, QapiError
from qmonitor.qapi.texts import COMMAND_NOT_FOUND

if TYPE_CHECKING:
    from qmonitor.machine.hmp_info import MachineHMP

__all__ = ["HMP_CMDS", "INFO_CMDS", "HMPCommand"]


# -- info sub-commands (hmp-commands-info.hx) --------------------------------


def _info_status(mon: MachineHMP, args: dict[str, Any]) -> None:
    state: RunState = mon.machine.runstate
    text = "VM status: " + ("running" if state.is_running else "paused")
    if singlestep_on(mon.machine):
        text += " (single step mode)"
    if not state.is_running and state is not RunState.PAUSED:
        text += f" ({state.value})"
    mon.printf(text + "\n")


def _info_name(mon: MachineHMP, args: dict[str, Any]) -> None:
    name = mon.machine.options.name
    if name is not None:
        mon.printf(f"{name}\n")


def _info_uuid(mon: MachineHMP, args: dict[str, Any]) -> None:
    mon.printf(f"{mon.machine.options.uuid or NIL_UUID}\n")


def _info_version(mon: MachineHMP, args: dict[str, Any]) -> None:
    major, minor, micro = mon.machine.options.qemu_version
    mon.printf(f"{major}.{minor}.{micro}{mon.machine.options.package}\n")


def _info_history(mon: MachineHMP, args: dict[str, Any]) -> None:
    # A monitor without a line editor (human-monitor-command) has no history.
    for i, line in enumerate(mon.history()):
        mon.printf(f"{i}: '{line}'\n")


def _prints(text: str) -> HmpHandler:
    """A handler that prints a fixed answer (what QEMU says without the device)."""

    def handler(mon: MachineHMP, args: dict[str, Any]) -> None:
        mon.printf(text)

    return handler


def _info_chardev(mon: MachineHMP, args: dict[str, Any]) -> None:
    # hmp_info_chardev prints query-chardev's list: the /chardevs table's order.
    chardevs = mon.machine.chardevs
    for label in listing_order(chardevs):
        mon.printf(f"{label}: filename={chardevs[label].filename}\n")


def _info_kvm(mon: MachineHMP, args: dict[str, Any]) -> None:
    # QEMU is built with KVM: "not compiled" never shows.
    enabled = mon.machine.options.accel == "kvm"
    mon.printf("kvm support: " + ("enabled" if enabled else "disabled") + "\n")


def _info_vm_generation_id(mon: MachineHMP, args: dict[str, Any]) -> None:
    raise QapiError("VM Generation ID device not found")


# -- top-level commands (hmp-commands.hx) --------------------------------------


def _help(mon: MachineHMP, args: dict[str, Any]) -> None:
    mon.help(args.get("name"))


def _info(mon: MachineHMP, args: dict[str, Any]) -> None:
    # ``info`` alone (hmp_info_help): the info table, as ``help info``.
    mon.help("info")


def _stop(mon: MachineHMP, args: dict[str, Any]) -> None:
    mon.machine.vm_stop()


def _cont(mon: MachineHMP, args: dict[str, Any]) -> None:
    mon.machine.cont()


def _watchdog_action(mon: MachineHMP, args: dict[str, Any]) -> None:
    """hmp_watchdog_action: the action, lower-cased, must be a WatchdogAction."""
    from qmonitor.machine.watchdog import WatchdogAction

    value = args["action"].lower()
    try:
        mon.machine.watchdog_action = WatchdogAction(value)
    except ValueError:
        raise QapiError(f"invalid parameter value: {value}") from None


def _getfd(mon: MachineHMP, args: dict[str, Any]) -> None:
    """hmp_getfd: as QMP's getfd, on this monitor."""
    mon.fds.getfd(args["fdname"], mon.get_msgfd())


def _closefd(mon: MachineHMP, args: dict[str, Any]) -> None:
    mon.fds.closefd(args["fdname"])


def _system_reset(mon: MachineHMP, args: dict[str, Any]) -> None:
    mon.machine.system_reset_request(ShutdownCause.HOST_QMP_SYSTEM_RESET)


def _system_powerdown(mon: MachineHMP, args: dict[str, Any]) -> None:
    mon.machine.system_powerdown()


def _quit(mon: MachineHMP, args: dict[str, Any]) -> None:
    # No prompt after quit: the monitor stays suspended while QEMU exits.
    mon.suspend()
    mon.machine.shutdown(ShutdownCause.HOST_QMP_QUIT)


def _not_modelled(qmp_name: str) -> HmpHandler:
    """The handler of a command whose QMP counterpart qmonitor's HMP does not reach.

    QEMU's handler calls that QMP command; the command fails as a call of
    a QMP command the machine lacks would (``CommandNotFound``'s text).
    """

    def handler(mon: MachineHMP, args: dict[str, Any]) -> None:
        raise QapiError(COMMAND_NOT_FOUND.format(qmp_name), ErrorClass.COMMAND_NOT_FOUND)

    return handler


#: Commands whose QMP counterpart (the value) qmonitor's HMP does not reach yet.
NOT_MODELLED: dict[str, str] = {
    "chardev-add": "chardev-add",
    "chardev-change": "chardev-change",
    "migrate": "migrate",
    "nbd_server_start": "nbd-server-start",
    "wavcapture": "x-wavcapture",
}
#: ``info`` sub-commands likewise.
INFO_NOT_MODELLED: dict[str, str] = {
    "qdm": "qom-list-types",
}

#: The ``info`` sub-commands' handlers, by name.
INFO_HANDLERS: dict[str, HmpHandler] = {
    **{name: _not_modelled(qmp) for name, qmp in INFO_NOT_MODELLED.items()},
    **hmp_info_more.INFO_HANDLERS,
    "trace-events": hmp_trace.info_trace_events,
    "qom-tree": hmp_qom.info_qom_tree,
    "balloon": hmp_info.info_balloon,
    "block": hmp_info.info_block,
    "block-jobs": job_hmp.info_block_jobs,
    "blockstats": hmp_info.info_blockstats,
    "chardev": _info_chardev,
    "cpus": hmp_info.info_cpus,
    "dump": dump_hmp.hmp_info_dump,
    "history": _info_history,
    "hotpluggable-cpus": hmp_info.info_hotpluggable_cpus,
    "kvm": _info_kvm,
    "lapic": hmp_info.info_lapic,
    "mem": hmp_info.info_mem,
    "mice": hmp_info.info_mice,
    "name": _info_name,
    "numa": _prints("0 nodes\n"),
    "registers": hmp_info.info_registers,
    "replay": _prints("Record/replay is not active\n"),
    "status": _info_status,
    "tlb": hmp_info.info_mem,
    "uuid": _info_uuid,
    "version": _info_version,
    "vm-generation-id": _info_vm_generation_id,
}

#: The top-level commands' handlers, by first name.
HANDLERS: dict[str, HmpHandler] = {
    **{name: _not_modelled(qmp) for name, qmp in NOT_MODELLED.items()},
    **hmp_null.HANDLERS,
    "dump-guest-memory": dump_hmp.hmp_dump_guest_memory,
    **job_hmp.HANDLERS,
    **hmp_memory.HANDLERS,
    **hmp_log.HANDLERS,
    **hmp_input.HANDLERS,
    **hmp_objects.HANDLERS,
    **hmp_chardev.HANDLERS,
    **hmp_nbd.HANDLERS,
    **net_hmp.HANDLERS,
    **hmp_drives.HANDLERS,
    **hmp_qemu_io.HANDLERS,
    "drive_add": hmp_drive.hmp_drive_add,
    "getfd": _getfd,
    "closefd": _closefd,
    "device_add": hmp_qom.device_add,
    "device_del": hmp_qom.device_del,
    "qom-list": hmp_qom.qom_list,
    "qom-get": hmp_qom.qom_get,
    "qom-set": hmp_qom_set.hmp_qom_set,
    "migrate_set_parameter": hmp_migration.hmp_migrate_set_parameter,
    "migrate": hmp_migration.hmp_migrate,
    "trace-event": hmp_trace.hmp_trace_event,
    "help": _help,
    "quit": _quit,
    "stop": _stop,
    "cont": _cont,
    "cpu": hmp_info.hmp_cpu,
    "print": hmp_print.do_print,
    "system_reset": _system_reset,
    "system_powerdown": _system_powerdown,
    "watchdog_action": _watchdog_action,
    "info": _info,
}

#: The ``info`` sub-commands.
INFO_CMDS: tuple[HMPCommand, ...] = build_table("info", INFO_HANDLERS)

#: The top-level commands.
HMP_CMDS: tuple[HMPCommand, ...] = build_table(
    "commands", HANDLERS, {"info": INFO_CMDS}, hmp_complete.COMPLETERS
)
