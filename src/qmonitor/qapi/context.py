"""The current monitor: which monitor's command is running (``monitor_cur()``).

QEMU keeps the current monitor per coroutine; here it is a
:mod:`contextvars` variable, so each thread and each asyncio task sees its
own.  It lives in qapi because dispatch sets it around each handler and a
handler asks it; the monitors (a layer above) are what it holds, seen here
only through :class:`CommandMonitor`.
"""

from __future__ import annotations

import contextvars
from typing import Protocol


class CommandMonitor(Protocol):
    """What qapi needs to know of a monitor: whether it speaks QMP."""

    @property
    def is_qmp(self) -> bool: ...


#: ``monitor_cur``: the monitor whose command runs in this thread or task.
CURRENT_MONITOR: contextvars.ContextVar[CommandMonitor | None] = contextvars.ContextVar(
    "monitor_cur", default=None
)


def current_monitor() -> CommandMonitor | None:
    """The monitor whose command is running in this thread or task (``monitor_cur``)."""
    return CURRENT_MONITOR.get()


def set_current_monitor(mon: CommandMonitor | None) -> CommandMonitor | None:
    """Make ``mon`` current for this thread or task; return the previous one."""
    old = CURRENT_MONITOR.get()
    CURRENT_MONITOR.set(mon)
    return old


def current_is_qmp() -> bool:
    """Whether a QMP command is running here (``monitor_cur_is_qmp``)."""
    mon = CURRENT_MONITOR.get()
    return mon is not None and mon.is_qmp
