"""qmonitor's own QMP commands, opt-in with ``-qmonitor-extensions``.

``x-qmonitor-emit-event`` raises any event with given data through the
normal path (timestamp, throttling, broadcast): a test can make the
machine emit what a real guest would (BALLOON_CHANGE, VSERPORT_CHANGE,
QUORUM_*, MEMORY_DEVICE_SIZE_CHANGE, ...) without modelling the device.
``x-qmonitor-emit-events`` raises the same event ``count`` times in a row,
each emission on its own (its own timestamp, through the throttle), which
is what the event benchmark (bench/bench_events.py) drives.
Names start with ``x-``, QEMU's mark for commands outside the stable API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qmonitor.qapi.commands import QmpCommand
from qmonitor.qapi.error import QapiError
from qmonitor.qapi.types import BUILTIN_TYPES, Member, object_type

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine

#: Most events one ``x-qmonitor-emit-events`` raises: the command runs on
#: the main loop, which it holds until it is done (about a second at most).
MAX_EMIT_COUNT = 1_000_000


def _check_event(event: str, data: Any) -> None:
    if data is not None and not isinstance(data, dict):
        raise QapiError("Invalid parameter type for 'data', expected: object")
    if not event:
        raise QapiError("Parameter 'event' expects a non-empty event name")


def register_extensions(machine: Machine) -> None:
    """Add the ``x-qmonitor-*`` commands to the machine's full command list."""

    def emit_event(event: str, data: Any = None) -> None:
        _check_event(event, data)
        machine.emit_event(event, data)

    def emit_events(event: str, count: int, data: Any = None, counter: str | None = None) -> None:
        _check_event(event, data)
        if not 0 <= count <= MAX_EMIT_COUNT:
            raise QapiError(f"Parameter 'count' expects a value between 0 and {MAX_EMIT_COUNT}")
        emit = machine.emit_event
        if counter is None:
            for _ in range(count):
                # A copy each: a held (throttled) event keeps its own data.
                emit(event, dict(data) if data is not None else None)
            return
        base = dict(data) if data is not None else {}
        for seq in range(count):
            item = dict(base)
            item[counter] = seq
            emit(event, item)

    args = object_type(
        "q_obj_x-qmonitor-emit-event-arg",
        [Member("event", BUILTIN_TYPES["str"]), Member("data", BUILTIN_TYPES["any"], True)],
    )
    machine.commands.full.register(QmpCommand("x-qmonitor-emit-event", emit_event, args))
    many_args = object_type(
        "q_obj_x-qmonitor-emit-events-arg",
        [
            Member("event", BUILTIN_TYPES["str"]),
            Member("count", BUILTIN_TYPES["int"]),
            Member("data", BUILTIN_TYPES["any"], True),
            Member("counter", BUILTIN_TYPES["str"], True),
        ],
    )
    machine.commands.full.register(QmpCommand("x-qmonitor-emit-events", emit_events, many_args))
