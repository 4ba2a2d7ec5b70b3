"""``human-monitor-command``: run one HMP line on a throw-away monitor.

As QEMU's ``qmp_human_monitor_command``: the monitor is non-interactive,
keeps its output in its buffer (nothing is flushed), and that text is the
command's return value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qmonitor.monitor.hmp import MonitorHMP
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine


def run_hmp_command(machine: Machine, command_line: str, cpu_index: int | None) -> str:
    """Run ``command_line`` and return what it printed."""
    mon = MonitorHMP(machine, None, use_readline=False)
    if cpu_index is not None:
        # The null machine has no CPU to select (monitor_set_cpu fails).
        raise QapiError("Parameter 'cpu-index' expects a CPU number")
    mon.handle_command(command_line)
    return mon.outbuf.decode("utf-8", "surrogateescape")
