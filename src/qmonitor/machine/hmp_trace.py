"""Trace events: ``trace-event``, ``info trace-events`` and ``log trace:PATTERN``.

As QEMU 7.2's trace/control.c and trace/qmp.c with the ``log`` backend
Debian builds: every event can be traced, none is until asked.  The
events are QEMU's own, recorded in the order ``info trace-events`` lists
them (``tools/record_hmp.py --trace-events`` into trace_events.txt beside
this module).  A name with a ``*`` is a pattern (GLib's simple glob,
where ``?`` also matches one character).  qmonitor runs no guest code,
so an enabled event never fires: the states are only kept.  No event is
vCPU-specific.
"""

from __future__ import annotations

import os
import re
import sys
from functools import cache
from typing import TYPE_CHECKING, Any

from qmonitor.machine.hmp_info import current_cpu
from qmonitor.machine.trace_state import enabled_events

if TYPE_CHECKING:
    from qmonitor.machine.hmp_info import MachineHMP

#: The recorded event names, package data.
EVENTS_FILE = os.path.join(os.path.dirname(__file__), "trace_events.txt")

# Texts of QEMU 7.2's trace/control.c, trace/qmp.c and monitor/misc.c.
NO_SUCH_EVENT = "warning: trace event '{}' does not exist\n"
UNKNOWN_EVENT = 'unknown event "{}"\n'
NOT_VCPU_EVENT = 'event "{}" is not vCPU-specific\n'
INVALID_VCPU = "invalid vCPU index {}\n"
NEGATIVE_VCPU = "argument vcpu must be positive"


@cache
def event_names() -> tuple[str, ...]:
    """QEMU's trace events, in ``info trace-events``' order (the reverse of registration)."""
    with open(EVENTS_FILE, encoding="utf-8") as f:
        return tuple(line.rstrip("\n") for line in f)


def is_pattern(name: str) -> bool:
    """trace_event_is_pattern: a name with a ``*`` (a ``?`` alone makes no pattern)."""
    return "*" in name


def matching(pattern: str) -> list[str]:
    """The events ``pattern`` names (g_pattern_match_simple: ``*`` and ``?``)."""
    if not is_pattern(pattern):
        return [pattern] if pattern in _known() else []
    glob = re.compile(
        "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    )
    return [name for name in event_names() if glob.fullmatch(name)]


@cache
def _known() -> frozenset[str]:
    return frozenset(event_names())


def enable_events(mon: MachineHMP, line: str) -> None:
    """trace_enable_events (``log trace:LINE``): ``-NAME`` turns tracing off.

    ``help`` lists the events on standard output.
    """
    if line in ("help", "?"):
        # In registration order: the reverse of info trace-events' listing.
        sys.stdout.write("".join(f"{name}\n" for name in reversed(event_names())))
        sys.stdout.flush()
        return
    enable = not line.startswith("-")
    name = line if enable else line[1:]
    found = matching(name)
    if not found and not is_pattern(name):
        mon.printf(NO_SUCH_EVENT.format(name))
        return
    _set(enabled_events(mon.machine), found, enable)


def _set(events: set[str], names: list[str], enable: bool) -> None:
    if enable:
        events.update(names)
    else:
        events.difference_update(names)


def _check(mon: MachineHMP, name: str, args: dict[str, Any]) -> bool:
    """get_cpu then check_events: whether the command may go on (printing why not)."""
    if "vcpu" in args:
        vcpu = args["vcpu"] & 0xFFFFFFFF
        count = mon.machine.options.guest.smp.cpus if current_cpu(mon) is not None else 0
        if vcpu >= count:
            mon.printf(INVALID_VCPU.format(vcpu))
            return False
    if is_pattern(name):
        return True
    if name not in _known():
        mon.printf(UNKNOWN_EVENT.format(name))
        return False
    if "vcpu" in args:
        mon.printf(NOT_VCPU_EVENT.format(name))
        return False
    return True


def _vcpu_negative(mon: MachineHMP, args: dict[str, Any]) -> bool:
    # The index is a C int: a value with bit 31 set is negative.
    if args.get("vcpu", 0) & 0x80000000:
        mon.printf(NEGATIVE_VCPU)
        return True
    return False


def hmp_trace_event(mon: MachineHMP, args: dict[str, Any]) -> None:
    """``trace-event NAME on|off [vcpu]``."""
    if _vcpu_negative(mon, args):
        return
    name = args["name"]
    if not _check(mon, name, args):
        return
    _set(enabled_events(mon.machine), matching(name), args["option"])


def info_trace_events(mon: MachineHMP, args: dict[str, Any]) -> None:
    """``info trace-events [NAME [vcpu]]``: each event with its state."""
    if _vcpu_negative(mon, args):
        return
    name = args.get("name", "*")
    if not _check(mon, name, args):
        return
    events = enabled_events(mon.machine)
    mon.printf("".join(f"{n} : state {int(n in events)}\n" for n in matching(name)))
