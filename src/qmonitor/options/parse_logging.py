"""The debug log and trace options: ``-d``, ``-D`` and ``-trace``.

As QEMU 7.2 (softmmu/vl.c, util/log.c, trace/control.c with Debian's
``log`` trace backend): ``-d`` and ``-D`` are only remembered (the last of
each counts) until the early options are processed, where an unknown item
prints the log usage on standard output and ends with status 1;
``-trace`` acts at once: ``[enable=]PATTERN`` turns events on (a warning
for a name that is no event), ``events=FILE`` reads one pattern a line,
``help`` lists the events and ends the program, and ``file=FILE`` names the
log file once the process has daemonized.  The log file itself is opened by
start-up (:mod:`qmonitor.system.startup`), which puts the settings into
the machine, where HMP's ``log``, ``logfile`` and ``trace-event`` and QMP's
``trace-event-set-state`` see them.  The trace and log modules are loaded
only for a command line that uses these options.
"""

from __future__ import annotations

import os

from qmonitor.options.parser_state import ParserState
from qmonitor.options.readconfig import FileLocation
from qmonitor.util.error import Diagnostic
from qmonitor.util.qemuopts import OptDesc, OptsGroup, OptsListSpec, OptType, is_help_option

#: ``-trace`` (trace/control.c: qemu_trace_opts).
TRACE_OPTS = OptsListSpec(
    "trace",
    "enable",
    (OptDesc("enable", OptType.STRING), OptDesc("events", OptType.STRING),
     OptDesc("file", OptType.STRING)),
)  # fmt: skip


class LoggingGroup(ParserState):
    """``-d``, ``-D`` and ``-trace``; see the module docstring."""

    def __init__(self, argv: list[str], prog: str) -> None:
        super().__init__(argv, prog)
        self.log_mask: str | None = None
        self.log_file: str | None = None
        #: What the log items came to (qemu_str_to_log_mask), once checked.
        self.log_items: frozenset[str] = frozenset()
        #: ``-trace file=``: the last one given (None clears an earlier one).
        self.trace_file: str | None = None
        self.trace_enabled: set[str] = set()

    def _opt_d(self, arg: str | None, loc: str) -> None:
        self.log_mask = arg

    def _opt_D(self, arg: str | None, loc: str) -> None:
        self.log_file = arg

    def _opt_trace(self, arg: str | None, loc: str) -> None:
        """trace_opt_parse(): enable, then the events file, then remember the file."""
        assert arg is not None
        group = OptsGroup(TRACE_OPTS)
        opts = self._parse_opts(group, arg, loc)
        enable = opts.get("enable")
        if enable is not None:
            self._enable_events(enable, loc)
        events = opts.get("events")
        if events is not None:
            self._read_events_file(events)
        self.trace_file = opts.get("file")

    def _enable_events(self, line: str, loc: str | FileLocation) -> None:
        """trace_enable_events(): ``help`` lists the events and ends the program."""
        from qmonitor.machine.hmp_trace import NO_SUCH_EVENT, event_names, is_pattern, matching

        if is_help_option(line):
            # In registration order: the reverse of info trace-events' listing.
            raise self._stdout("".join(f"{name}\n" for name in reversed(event_names())))
        enable = not line.startswith("-")
        name = line if enable else line[1:]
        found = matching(name)
        if not found and not is_pattern(name):
            text = NO_SUCH_EVENT.removeprefix("warning: ").rstrip("\n").format(name)
            self._print(Diagnostic(text, warning=True), loc)
            return
        if enable:
            self.trace_enabled.update(found)
        else:
            self.trace_enabled.difference_update(found)

    def _read_events_file(self, fname: str) -> None:
        """trace_init_events(): one pattern a line; ``#`` starts a comment."""
        try:
            if os.path.isdir(fname):
                # fopen() opens a directory, whose first fgets() reads nothing.
                data = b""
            else:
                with open(fname, "rb") as f:
                    data = f.read()
        except OSError as err:
            raise self._fail(os.strerror(err.errno or 0), FileLocation(fname, 0)) from None
        for number, raw in enumerate(data.splitlines(keepends=True), 1):
            # QEMU drops each line's last character: its newline, if it has one.
            line = raw.decode("utf-8", "replace")
            if len(raw) > 1 and not line.startswith("#"):
                self._enable_events(line[:-1], FileLocation(fname, number))

    def _process_log_options(self) -> None:
        """qemu_process_early_options(): the ``-d`` items, checked."""
        if self.log_mask is None and self.log_file is None:
            return
        # The log modules are loaded only for a command line that logs.
        from qmonitor.machine.hmp_log import filename_error, log_usage, parse_items

        if self.log_mask is not None:
            items = parse_items(self.log_mask, lambda pattern: self._enable_events(pattern, ""))
            if items is None:
                raise self._stdout(log_usage(command_line=True), 1)
            self.log_items = items
        # qemu_set_log_filename_flags(): the name is checked here, the file
        # opened by start-up.
        error = filename_error(self.log_file, self.log_items)
        if error is not None:
            raise self._fail(error, "")
