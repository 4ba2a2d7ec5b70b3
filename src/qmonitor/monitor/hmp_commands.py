"""The HMP command tables: top-level commands and ``info`` sub-commands.

Each entry is QEMU's ``HMPCommand``: a name with its ``|`` aliases, an
``args_type`` string, the ``params`` and ``help`` texts shown by ``help``,
and the handler.  Handlers print through the monitor they run on and
reach the machine through it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qmonitor.machine.defaults import NIL_UUID
from qmonitor.machine.runstate import RunState, ShutdownCause

if TYPE_CHECKING:
    from qmonitor.monitor.hmp import MonitorHMP

HmpHandler = Callable[["MonitorHMP", dict[str, Any]], None]


@dataclass(frozen=True)
class HMPCommand:
    """One HMP command (``HMPCommand`` in monitor-internal.h)."""

    name: str
    args_type: str
    params: str
    help: str
    handler: HmpHandler | None = None
    sub_table: tuple[HMPCommand, ...] | None = None

    def matches(self, name: str) -> bool:
        """``compare_cmd``: the name or one of its ``|`` aliases."""
        return name in self.name.split("|")


def _info_status(mon: MonitorHMP, args: dict[str, Any]) -> None:
    state = mon.machine.runstate
    text = "VM status: " + ("running" if state.is_running else "paused")
    if not state.is_running and state is not RunState.PAUSED:
        text += f" ({state.value})"
    mon.printf(text + "\n")


def _info_name(mon: MonitorHMP, args: dict[str, Any]) -> None:
    name = mon.machine.options.name
    if name is not None:
        mon.printf(f"{name}\n")


def _info_uuid(mon: MonitorHMP, args: dict[str, Any]) -> None:
    mon.printf(f"{mon.machine.options.uuid or NIL_UUID}\n")


def _info_version(mon: MonitorHMP, args: dict[str, Any]) -> None:
    major, minor, micro = mon.machine.options.qemu_version
    mon.printf(f"{major}.{minor}.{micro}{mon.machine.options.package}\n")


def _info_history(mon: MonitorHMP, args: dict[str, Any]) -> None:
    for i, line in enumerate(mon.history()):
        mon.printf(f"{i}: '{line}'\n")


def _info_help(mon: MonitorHMP, args: dict[str, Any]) -> None:
    mon.help_cmd(INFO_CMDS, "info ", args.get("item"))


def _help(mon: MonitorHMP, args: dict[str, Any]) -> None:
    mon.help(args.get("name"))


def _stop(mon: MonitorHMP, args: dict[str, Any]) -> None:
    mon.machine.vm_stop()


def _cont(mon: MonitorHMP, args: dict[str, Any]) -> None:
    from qmonitor.qapi.error import QapiError

    try:
        mon.machine.cont()
    except QapiError as err:
        mon.hmp_handle_error(err)


def _system_reset(mon: MonitorHMP, args: dict[str, Any]) -> None:
    mon.machine.system_reset(ShutdownCause.HOST_QMP_SYSTEM_RESET)


def _system_powerdown(mon: MonitorHMP, args: dict[str, Any]) -> None:
    mon.machine.system_powerdown()


def _quit(mon: MonitorHMP, args: dict[str, Any]) -> None:
    mon.suspend()
    mon.machine.shutdown(ShutdownCause.HOST_QMP_QUIT)


INFO_CMDS: tuple[HMPCommand, ...] = (
    HMPCommand("history", "", "", "show the command line history", _info_history),
    HMPCommand("name", "", "", "show the current VM name", _info_name),
    HMPCommand("status", "", "", "show the current VM status (running|paused)", _info_status),
    HMPCommand("uuid", "", "", "show the current VM UUID", _info_uuid),
    HMPCommand("version", "", "", "show the version of QEMU", _info_version),
)

HMP_CMDS: tuple[HMPCommand, ...] = (
    HMPCommand("help|?", "name:S?", "[cmd]", "show the help", _help),
    HMPCommand("quit|q", "", "", "quit the emulator", _quit),
    HMPCommand("stop|s", "", "", "stop emulation", _stop),
    HMPCommand("cont|c", "", "", "resume emulation", _cont),
    HMPCommand("system_reset", "", "", "reset the system", _system_reset),
    HMPCommand("system_powerdown", "", "", "send system power down event", _system_powerdown),
    HMPCommand(
        "info",
        "item:s?",
        "[subcommand]",
        "show various information about the system state",
        _info_help,
        INFO_CMDS,
    ),
)
