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

from qmonitor.machine.schema import machine_schema
from qmonitor.qapi.binding import bind_command
from qmonitor.qapi.error import QapiError
from qmonitor.qapi.texts import INVALID_PARAMETER_TYPE, INVALID_PARAMETER_VALUE

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine

#: Most events one ``x-qmonitor-emit-events`` raises: the command runs on
#: the main loop, which it holds until it is done (about a second at most).
MAX_EMIT_COUNT = 1_000_000


def _check_event(event: str, data: Any) -> None:
    if data is not None and not isinstance(data, dict):
        raise QapiError(INVALID_PARAMETER_TYPE.format("data", "object"))
    if not event:
        raise QapiError(INVALID_PARAMETER_VALUE.format("event", "a non-empty event name"))


def register_extensions(machine: Machine) -> None:
    """Add the ``x-qmonitor-*`` commands (schema: misc.py's) to the machine's full command list."""

    def emit_event(event: str, data: Any = None) -> None:
        _check_event(event, data)
        machine.emit_event(event, data)

    def emit_events(event: str, count: int, data: Any = None, counter: str | None = None) -> None:
        _check_event(event, data)
        if not 0 <= count <= MAX_EMIT_COUNT:
            raise QapiError(
                INVALID_PARAMETER_VALUE.format("count", f"a value between 0 and {MAX_EMIT_COUNT}")
            )
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

    # Their arguments are the schema's, where they exist only with the
    # extensions' configuration symbol.
    schema = machine_schema(extensions=True)
    full = machine.commands.full
    full.register(bind_command(schema, "x-qmonitor-emit-event", emit_event))
    full.register(bind_command(schema, "x-qmonitor-emit-events", emit_events))
