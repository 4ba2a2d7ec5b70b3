"""Display and input commands: passwords, screendump, send-key, input-send-event, reloads.

The null machine has no graphical console, no VNC server and no SPICE
server (``-display none``; ``-vnc`` and ``-spice`` are not modelled), so
the display commands answer as QEMU 7.2 does without them.  Input goes to
the handlers the machine has: a PC's i8042 takes keys, buttons and
relative moves (its PS/2 keyboard and mouse); ``-M none`` has none.  Keys
reach no guest code: the null machine's guest does not run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qmonitor.machine.runstate import RunState
from qmonitor.machine.schema import machine_schema
from qmonitor.qapi.binding import bind_command
from qmonitor.qapi.error import ErrorClass, QapiError

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine

# QEMU 7.2's texts (ui/ui-qmp-cmds.c, ui/vnc.c, ui/input.c, ui/console.c,
# qapi/qmp/qerror.h).
SET_PASSWORD_FAILED = "Could not set password"
EXPIRE_FAILED = "Could not set password expire time"
SPICE_NOT_IN_USE = "SPICE is not in use"
INVALID = "Invalid parameter '{}'"
NO_VNC = "Can not find vnc display"
NO_CONSOLE = "There is no console to take a screendump from"
HEAD_WITHOUT_DEVICE = "'head' must be specified together with 'device'"
DEVICE_NOT_FOUND = "Device '{}' not found"
VM_NOT_RUNNING = "VM not running"
NO_HANDLER = "Input handler not found for event type {}"

#: The input events a PC's i8042 (PS/2 keyboard and mouse) takes.
PC_INPUT = frozenset({"key", "btn", "rel"})


def register_ui_commands(machine: Machine) -> None:
    """The display and input commands of the null machine."""
    from qmonitor.machine.queries_ui import is_pc

    schema = machine_schema()
    full = machine.commands.full

    def set_password(options: dict[str, Any]) -> None:
        if options["protocol"] == "spice":
            raise QapiError(SPICE_NOT_IN_USE, ErrorClass.DEVICE_NOT_ACTIVE)
        if options.get("connected", "keep") != "keep":
            raise QapiError(INVALID.format("connected"))
        # No VNC display to give the password to.
        raise QapiError(SET_PASSWORD_FAILED)

    def expire_password(options: dict[str, Any]) -> None:
        if options["protocol"] == "spice":
            raise QapiError(SPICE_NOT_IN_USE, ErrorClass.DEVICE_NOT_ACTIVE)
        raise QapiError(EXPIRE_FAILED)

    def change_vnc_password(password: str) -> None:
        raise QapiError(SET_PASSWORD_FAILED)

    async def screendump(
        filename: str, device: str | None = None, head: int | None = None, format: Any = None
    ) -> None:
        if head is not None and device is None:
            raise QapiError(HEAD_WITHOUT_DEVICE)
        if device is not None:
            # No device has a console.
            raise QapiError(DEVICE_NOT_FOUND.format(device), ErrorClass.DEVICE_NOT_FOUND)
        raise QapiError(NO_CONSOLE)

    def send_key(keys: list[dict[str, Any]], hold_time: int | None = None) -> None:
        # A PC's keyboard takes the keys; no guest reads them.
        return None

    def input_send_event(
        events: list[dict[str, Any]], device: str | None = None, head: int | None = None
    ) -> None:
        if device is not None:
            raise QapiError(DEVICE_NOT_FOUND.format(device), ErrorClass.DEVICE_NOT_FOUND)
        if not machine.runstate.is_running and machine.runstate is not RunState.SUSPENDED:
            raise QapiError(VM_NOT_RUNNING)
        handled = PC_INPUT if is_pc(machine) else frozenset()
        for event in events:
            if event["type"] not in handled:
                raise QapiError(NO_HANDLER.format(event["type"]))

    def display_reload(options: dict[str, Any]) -> None:
        if options.get("tls-certs"):
            raise QapiError(NO_VNC)

    def display_update(options: dict[str, Any]) -> None:
        raise QapiError(NO_VNC)

    for name, handler in (
        ("set_password", set_password),
        ("expire_password", expire_password),
        ("screendump", screendump),
        ("change-vnc-password", change_vnc_password),
        ("send-key", send_key),
        ("input-send-event", input_send_event),
        ("display-reload", display_reload),
        ("display-update", display_update),
    ):
        full.register(bind_command(schema, name, handler))
