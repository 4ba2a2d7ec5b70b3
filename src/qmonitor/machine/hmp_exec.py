"""``human-monitor-command``: run one HMP line on a throw-away monitor.

As QEMU's ``qmp_human_monitor_command``: the monitor has no chardev and no
line editor, keeps its output in its buffer (nothing is flushed, so
``info history`` is empty and ``quit`` cannot suspend it), and that text
is the command's return value.  While the command runs the HMP monitor is
the current one, so error_printf() inside it lands in the returned text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qmonitor.machine.hmp_info import c_int, set_current_cpu
from qmonitor.monitor.hmp import MonitorHMP, text
from qmonitor.qapi.error import QapiError
from qmonitor.qapi.texts import INVALID_PARAMETER_VALUE

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine

#: QERR_INVALID_PARAMETER_VALUE for a cpu-index that names no CPU.
BAD_CPU_INDEX = INVALID_PARAMETER_VALUE.format("cpu-index", "a CPU number")


def run_hmp_command(machine: Machine, command_line: str, cpu_index: int | None) -> str:
    """Run ``command_line`` and return what it printed.

    Output bytes that are not UTF-8 come back as surrogate escapes (see
    :func:`qmonitor.monitor.hmp.text`).
    """
    mon = MonitorHMP(machine, None, use_readline=False)
    # monitor_set_cpu() takes a C int: the 64-bit index is truncated first.
    if cpu_index is not None and not set_current_cpu(mon, c_int(cpu_index)):
        raise QapiError(BAD_CPU_INDEX)
    mon.handle_command(command_line)
    return text(bytes(mon.outbuf))
