"""Display, remote desktop and mouse queries (QEMU 7.2's ui/ commands).

The null machine shows nothing: no SPICE or VNC server runs, and its
display is the one the command line chose (``-display none`` or
``-nographic`` on every command line qtest programs use).  PC machines
have the PS/2 mouse of their i8042 keyboard controller.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qmonitor.machine.schema import machine_schema
from qmonitor.qapi.binding import bind_command

if TYPE_CHECKING:
    from collections.abc import Callable

    from qmonitor.machine.machine import Machine

#: The mouse a PC's i8042 registers: QEMU 7.2 numbers it 2 (after the
#: keyboard's handlers) and makes it current.
PS2_MOUSE = {"name": "QEMU PS/2 Mouse", "index": 2, "current": True, "absolute": False}


def is_pc(machine: Machine) -> bool:
    """Whether the machine is a PC (i440FX, Q35 or ISA): it has an i8042."""
    options = machine.options
    name = options.guest.machine_typename or options.machine_type
    return name.startswith(("pc", "q35", "isapc"))


def register_ui_queries(machine: Machine) -> None:
    """Register the queries of this module on ``machine``."""
    schema = machine_schema()
    full = machine.commands.full

    def query_vnc() -> dict[str, Any]:
        return {"enabled": False}

    def query_vnc_servers() -> list[dict[str, Any]]:
        return []

    def query_mice() -> list[dict[str, Any]]:
        return [dict(PS2_MOUSE)] if is_pc(machine) else []

    def query_display_options() -> dict[str, Any]:
        return {"type": machine.options.display}

    handlers: tuple[tuple[str, Callable[..., Any]], ...] = (
        ("query-vnc", query_vnc),
        ("query-vnc-servers", query_vnc_servers),
        ("query-mice", query_mice),
        ("query-display-options", query_display_options),
    )
    for name, handler in handlers:
        full.register(bind_command(schema, name, handler, any_thread=True))
