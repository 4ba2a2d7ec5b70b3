"""qmonitor's own QMP commands, opt-in with ``-qmonitor-extensions``.

``x-qmonitor-emit-event`` raises any event with given data through the
normal path (timestamp, throttling, broadcast): a test can make the
machine emit what a real guest would (BALLOON_CHANGE, VSERPORT_CHANGE,
QUORUM_*, MEMORY_DEVICE_SIZE_CHANGE, ...) without modelling the device.
Names start with ``x-``, QEMU's mark for commands outside the stable API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qmonitor.qapi.commands import QmpCommand
from qmonitor.qapi.error import QapiError
from qmonitor.qapi.types import BUILTIN_TYPES, Member, object_type

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine


def register_extensions(machine: Machine) -> None:
    """Add the ``x-qmonitor-*`` commands to the machine's full command list."""

    def emit_event(event: str, data: Any = None) -> None:
        if data is not None and not isinstance(data, dict):
            raise QapiError("Invalid parameter type for 'data', expected: object")
        if not event:
            raise QapiError("Parameter 'event' expects a non-empty event name")
        machine.emit_event(event, data)

    args = object_type(
        "q_obj_x-qmonitor-emit-event-arg",
        [Member("event", BUILTIN_TYPES["str"]), Member("data", BUILTIN_TYPES["any"], True)],
    )
    machine.commands.full.register(QmpCommand("x-qmonitor-emit-event", emit_event, args))
