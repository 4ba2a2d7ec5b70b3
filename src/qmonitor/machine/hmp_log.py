"""HMP ``log`` and ``logfile``: QEMU's debug log items, chosen and checked.

As util/log.c and monitor/misc.c in QEMU 7.2: ``log`` takes a comma
separated list of the items below (``all`` for every one, ``trace:PATTERN``
for trace events, ``none`` to stop logging) and lists them when one is
unknown; ``logfile`` names the file, a ``%d`` template standing for the
process (or, with the ``tid`` item, the thread).  qmonitor runs no guest
code, so nothing is ever logged: the choices are only kept and checked.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qmonitor.machine.hmp_trace import enable_events

if TYPE_CHECKING:
    from qmonitor.machine.hmp_info import MachineHMP
    from qmonitor.machine.machine import Machine

#: QEMU 7.2's log items (qemu_log_items) and their help, in its order.
LOG_ITEMS: tuple[tuple[str, str], ...] = (
    ("out_asm", "show generated host assembly code for each compiled TB"),
    ("in_asm", "show target assembly code for each compiled TB"),
    ("op", "show micro ops for each compiled TB"),
    ("op_opt", "show micro ops after optimization"),
    ("op_ind", "show micro ops before indirect lowering"),
    ("int", "show interrupts/exceptions in short format"),
    ("exec", "show trace before each executed TB (lots of logs)"),
    ("cpu", "show CPU registers before entering a TB (lots of logs)"),
    ("fpu", "include FPU registers in the 'cpu' logging"),
    ("mmu", "log MMU-related activities"),
    ("pcall", "x86 only: show protected mode far calls/returns/exceptions"),
    ("cpu_reset", "show CPU state before CPU resets"),
    ("unimp", "log unimplemented functionality"),
    (
        "guest_errors",
        "log when the guest OS does something invalid (eg accessing a\nnon-existent register)",
    ),
    ("page", "dump pages at beginning of user mode emulation"),
    (
        "nochain",
        'do not chain compiled TBs so that "exec" and "cpu" show\ncomplete traces',
    ),
    ("plugin", "output from TCG plugins\n"),
    ("strace", "log every user-mode syscall, its input, and its result"),
    ("tid", "open a separate log file per thread; filename must contain '%d'"),
)
#: The item that asks for one log file per thread.
PER_THREAD = "tid"
#: The pseudo-item trace events are logged under.
TRACE = "trace"

# Texts of QEMU 7.2's util/log.c.
TID_NEEDS_TEMPLATE = "Filename template with '%d' required for 'tid'"
BAD_TEMPLATE = "Bad logfile template: {}"
TID_FILENAME_FIXED = "Cannot change log filename after setting 'tid'"


def log_usage(command_line: bool = False) -> str:
    """What ``log`` prints for an unknown item (help_cmd's special case).

    ``command_line``: ``-d``'s text (qemu_print_log_usage), which has no
    ``none`` item and names ``-d`` in its hint.
    """
    lines = ["Log items (comma separated):\n"]
    if not command_line:
        lines.append(f"{'none':<15} remove all logs\n")
    lines += [f"{name:<15} {text}\n" for name, text in LOG_ITEMS]
    lines.append("trace:PATTERN   enable trace events\n")
    where = "-d" if command_line else "log"
    lines.append(f'\nUse "{where} trace:help" to get a list of trace events.\n\n')
    return "".join(lines)


def parse_items(text: str, trace: Callable[[str], None] | None = None) -> frozenset[str] | None:
    """qemu_str_to_log_mask: the items named, None if one is unknown (or none is named).

    ``trace`` gets each ``trace:PATTERN``'s pattern as it is met, before
    the items after it are checked (as QEMU enables the events).
    """
    names = {name for name, _ in LOG_ITEMS}
    chosen: set[str] = set()
    for part in text.split(",") if text else ():
        if part == "all":
            chosen |= names
        elif part.startswith("trace:") and len(part) > len("trace:"):
            if trace is not None:
                trace(part[len("trace:") :])
            chosen.add(TRACE)
        elif part in names:
            chosen.add(part)
        else:
            return None
    return frozenset(chosen) or None


@dataclass(slots=True)
class LogState:
    """The log items in force, the log file's name (None: standard error), per-thread files."""

    items: frozenset[str] = frozenset()
    filename: str | None = None
    #: Set by the first ``tid`` that took effect; it never goes away.
    per_thread: bool = False


def log_state(machine: Machine) -> LogState:
    """The machine's log settings (QEMU keeps them per process)."""
    return machine.part(LogState, LogState)


def _template(filename: str | None, per_thread: bool) -> tuple[str | None, str | None]:
    """valid_filename_template: (the file name to use, None) or (None, the error)."""
    if filename is not None and "%" in filename:
        at = filename.index("%")
        if filename[at + 1 : at + 2] != "d" or "%" in filename[at + 2 :]:
            return None, BAD_TEMPLATE.format(filename)
        if per_thread:
            return filename, None
        return filename[:at] + str(os.getpid()) + filename[at + 2 :], None
    if per_thread:
        return None, TID_NEEDS_TEMPLATE
    return filename, None


def _set_log(state: LogState, items: frozenset[str], filename: str | None, rename: bool) -> str:
    """qemu_set_log_internal: the error text, or "" once the settings are in force.

    ``tid`` sticks once set, and is dropped while a log file is named
    without it.  Unless logging per thread, the named file is opened (and
    left empty: qmonitor has nothing to log).
    """
    if state.per_thread:
        items |= {PER_THREAD}
    elif state.filename is not None:
        items -= {PER_THREAD}
    per_thread = PER_THREAD in items
    if rename:
        if state.per_thread:
            return TID_FILENAME_FIXED
        name, error = _template(filename, per_thread)
        if error is not None:
            return error
        state.filename = name
    elif per_thread:
        _, error = _template(state.filename, True)
        if error is not None:
            return error
    if per_thread:
        state.per_thread = True
    state.items = items - {PER_THREAD}
    if rename and not per_thread and state.filename is not None:
        try:
            with open(state.filename, "w"):
                pass
        except OSError as err:
            return f"Error opening logfile {state.filename}: {err.strerror}"
    return ""


def filename_error(filename: str | None, items: frozenset[str]) -> str | None:
    """What valid_filename_template says of ``filename`` for ``items``, None if it is good."""
    return _template(filename, PER_THREAD in items)[1]


def start_log(state: LogState, items: frozenset[str], filename: str | None) -> str:
    """qemu_set_log_filename_flags at start-up (``-d``, ``-D``, ``-trace file=``).

    Returns the error text, or "" once the settings are in force.
    """
    return _set_log(state, items, filename, rename=True)


def hmp_log(mon: MachineHMP, args: dict[str, Any]) -> None:
    """``log items``: errors are reported as error_report_err does, without a prefix."""
    items = args["items"]
    state = log_state(mon.machine)
    chosen: frozenset[str] = frozenset()
    if items != "none":
        parsed = parse_items(items, lambda pattern: enable_events(mon, pattern))
        if parsed is None:
            mon.printf(log_usage())
            return
        chosen = parsed
    error = _set_log(state, chosen, None, rename=False)
    if error:
        mon.printf(error + "\n")


def hmp_logfile(mon: MachineHMP, args: dict[str, Any]) -> None:
    """``logfile name``: a ``%d`` in the name stands for the process id."""
    state = log_state(mon.machine)
    error = _set_log(state, state.items, args["filename"], rename=True)
    if error:
        mon.printf(error + "\n")


#: Handlers of the commands this module answers.
HANDLERS: dict[str, Any] = {"log": hmp_log, "logfile": hmp_logfile}
