"""The HMP command tables: the top-level commands and the ``info`` sub-commands.

Each entry is an :class:`~qmonitor.monitor.hmp_table.HMPCommand`: a name
with its ``|`` aliases, an ``args_type`` string the parser follows, the
``params`` and ``help`` texts that ``help`` prints (copied from QEMU 7.2's
hmp-commands.hx and hmp-commands-info.hx), and the handler.  As QEMU does
at start-up (``sortcmdlist``), both tables are sorted by name; that order
is the order of ``help`` and ``info``.

Only commands that make sense for the machines qmonitor models are here:
a null machine, and a PC whose guest never runs (the commands that read
the guest are in :mod:`qmonitor.machine.hmp_info`).  Any other command of
QEMU's answers ``unknown command``, as a QEMU built without it would.
Handlers print through the monitor they run on and reach the machine
through it; a handler raises :class:`QapiError` for what QEMU reports
with ``hmp_handle_error`` (``Error: ...``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qmonitor.chardev.container import listing_order
from qmonitor.machine import hmp_info, hmp_qom
from qmonitor.machine.defaults import NIL_UUID
from qmonitor.machine.runstate import RunState, ShutdownCause
from qmonitor.monitor.hmp_table import HMPCommand, HmpHandler, sort_table
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    from qmonitor.machine.hmp_info import MachineHMP

__all__ = ["HMP_CMDS", "INFO_CMDS", "HMPCommand"]


# -- info sub-commands (hmp-commands-info.hx) --------------------------------


def _info_status(mon: MachineHMP, args: dict[str, Any]) -> None:
    state: RunState = mon.machine.runstate
    text = "VM status: " + ("running" if state.is_running else "paused")
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


def _nothing(mon: MachineHMP, args: dict[str, Any]) -> None:
    # info iothreads: one line per iothread; there are none.
    return


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


def _sorted(*cmds: HMPCommand) -> tuple[HMPCommand, ...]:
    return sort_table(cmds)


#: The ``info`` sub-commands.
INFO_CMDS: tuple[HMPCommand, ...] = _sorted(
    HMPCommand("balloon", "", "", "show balloon information", hmp_info.info_balloon),
    HMPCommand(
        "block",
        "nodes:-n,verbose:-v,device:B?",
        "[-n] [-v] [device]",
        "show info of one block device or all block devices"
        " (-n: show named nodes; -v: show details)",
        hmp_info.info_block,
    ),
    HMPCommand(
        "block-jobs",
        "",
        "",
        "show progress of ongoing block device operations",
        _prints("No active jobs\n"),
    ),
    HMPCommand("blockstats", "", "", "show block device statistics", hmp_info.info_block),
    HMPCommand("chardev", "", "", "show the character devices", _info_chardev),
    HMPCommand("cpus", "", "", "show infos for each CPU", hmp_info.info_cpus),
    HMPCommand("dump", "", "", "Display the latest dump status", _prints("Status: none\n")),
    HMPCommand("history", "", "", "show the command line history", _info_history),
    HMPCommand(
        "hotpluggable-cpus",
        "",
        "",
        "Show information about hotpluggable CPUs",
        hmp_info.info_hotpluggable_cpus,
    ),
    HMPCommand("iothreads", "", "", "show iothreads", _nothing),
    HMPCommand("kvm", "", "", "show KVM information", _info_kvm),
    HMPCommand(
        "lapic",
        "apic-id:i?",
        "[apic-id]",
        "show local apic state (apic-id: local apic to read, default is which of current CPU)",
        hmp_info.info_lapic,
    ),
    HMPCommand("mem", "", "", "show the active virtual memory mappings", hmp_info.info_mem),
    HMPCommand(
        "mice",
        "",
        "",
        "show which guest mouse is receiving events",
        hmp_info.info_mice,
    ),
    HMPCommand("name", "", "", "show the current VM name", _info_name),
    HMPCommand("numa", "", "", "show NUMA information", _prints("0 nodes\n")),
    HMPCommand("qom-tree", "path:s?", "[path]", "show QOM composition tree", hmp_qom.info_qom_tree),
    HMPCommand(
        "registers",
        "cpustate_all:-a,vcpu:i?",
        "[-a|vcpu]",
        "show the cpu registers (-a: show register info for all cpus;"
        " vcpu: specific vCPU to query; show the current CPU's registers if"
        " no argument is specified)",
        hmp_info.info_registers,
    ),
    HMPCommand(
        "replay", "", "", "show record/replay information", _prints("Record/replay is not active\n")
    ),
    HMPCommand("status", "", "", "show the current VM status (running|paused)", _info_status),
    HMPCommand("tlb", "", "", "show virtual to physical memory mappings", hmp_info.info_mem),
    HMPCommand("uuid", "", "", "show the current VM UUID", _info_uuid),
    HMPCommand("version", "", "", "show the version of QEMU", _info_version),
    HMPCommand(
        "vm-generation-id", "", "", "Show Virtual Machine Generation ID", _info_vm_generation_id
    ),
)

#: The top-level commands.
HMP_CMDS: tuple[HMPCommand, ...] = _sorted(
    HMPCommand("help|?", "name:S?", "[cmd]", "show the help", _help),
    HMPCommand("quit|q", "", "", "quit the emulator", _quit),
    HMPCommand("stop|s", "", "", "stop emulation", _stop),
    HMPCommand("cont|c", "", "", "resume emulation", _cont),
    HMPCommand("cpu", "index:i", "index", "set the default CPU", hmp_info.hmp_cpu),
    HMPCommand(
        "device_add",
        "device:O",
        "driver[,prop=value][,...]",
        "add device, like -device on the command line",
        hmp_qom.device_add,
    ),
    HMPCommand("device_del", "id:s", "device", "remove device", hmp_qom.device_del),
    HMPCommand("qom-list", "path:s?", "path", "list QOM properties", hmp_qom.qom_list),
    HMPCommand(
        "qom-get", "path:s,property:s", "path property", "print QOM property", hmp_qom.qom_get
    ),
    HMPCommand("system_reset", "", "", "reset the system", _system_reset),
    HMPCommand("system_powerdown", "", "", "send system power down event", _system_powerdown),
    HMPCommand(
        "watchdog_action",
        "action:s",
        "[reset|shutdown|poweroff|pause|debug|none]",
        "change watchdog action",
        _watchdog_action,
    ),
    HMPCommand(
        "getfd",
        "fdname:s",
        "getfd name",
        "receive a file descriptor via SCM rights and assign it a name",
        _getfd,
    ),
    HMPCommand(
        "closefd",
        "fdname:s",
        "closefd name",
        "close a file descriptor previously passed via SCM rights",
        _closefd,
    ),
    HMPCommand(
        "info",
        "item:s?",
        "[subcommand]",
        "show various information about the system state",
        _info,
        INFO_CMDS,
    ),
)
