"""The trace events tracing is on for: one set per machine, whoever sets it.

``-trace`` and ``-d trace:`` (the command line), HMP's ``trace-event`` and
``log trace:`` and QMP's ``trace-event-set-state`` all change the same set,
as QEMU keeps one state per event in the process.  Kept apart from the HMP
and QMP modules so that the QMP commands, registered at every start, load
nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine


@dataclass(slots=True)
class TraceState:
    """The names of the events tracing is on for."""

    enabled: set[str] = field(default_factory=set)


def enabled_events(machine: Machine) -> set[str]:
    """The events tracing is on for (QEMU keeps them per process)."""
    return machine.part(TraceState, TraceState).enabled
