"""MonitorHMP: the human monitor, interactive or run from QMP (monitor/hmp.c).

An interactive HMP monitor reads its chardev through the line editor and
runs each line as a command, suspended while it runs; a non-interactive
one (``human-monitor-command``) keeps its output in the buffer for QMP to
return.  Parsing follows QEMU 7.2 byte for byte:

* The command name runs to a blank or ``/``; a name with a sub-table
  (``info``) takes the next word as a sub-command.  An unknown name prints
  ``unknown command: '...'`` with the line up to the end of the name.
* Arguments follow the command's ``args_type`` (:func:`parse_arguments`);
  on failure the parser's message is followed by ``Try "help ..." for more
  information``.
* Quoted words take ``\\n \\r \\\\ \\' \\"`` escapes.  A bad escape or a
  missing closing quote is reported on QEMU's standard output, not on the
  monitor, as QEMU's ``get_str`` does.

The command line is handled as bytes, as QEMU's C strings are; text from
it reaches handlers and output decoded with ``surrogateescape`` so that
any byte comes back out unchanged.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections import deque
from typing import Generic, TypeVar

from qmonitor.chardev.base import Chardev, ChrEvent
from qmonitor.chardev.mux import MuxChardev
from qmonitor.monitor.connlog import ConnectionLog
from qmonitor.monitor.hmp_args import (
    MAX_ARGS,
    HmpParseError,
    get_str,
    parse_arguments,
    parse_words,
    text,
    to_bytes,
)
from qmonitor.monitor.hmp_args import skip_spaces as _skip_spaces
from qmonitor.monitor.hmp_table import HMPCommand, HmpHost, find_command, help_listing
from qmonitor.monitor.monitor import Monitor, set_current_monitor
from qmonitor.monitor.readline import ReadLineState
from qmonitor.qapi.commands import internal_error
from qmonitor.qapi.error import QapiError

__all__ = [
    "BANNER",
    "PROMPT",
    "HMPCommand",
    "HmpHost",
    "HmpParseError",
    "MonitorHMP",
    "get_str",
    "parse_arguments",
    "parse_words",
    "text",
    "to_bytes",
]

#: The prompt (monitor_read_command).
PROMPT = "(qemu) "
#: The banner printed when a peer connects (monitor_event, CHR_EVENT_OPENED).
BANNER = "QEMU {version} monitor - type 'help' for more information\n"
#: Longest command name QEMU compares (get_command_name's 256-byte buffer).
CMDNAME_MAX = 255


#: The log of monitors without a chardev (``human-monitor-command``), made once.
_HMP_LOG = logging.getLogger("qmonitor.hmp")
#: The one log every monitor without a chardev shares (one per call was made).
_NO_CHARDEV_LOG = ConnectionLog(_HMP_LOG, "(none)")
#: What a command name runs to (get_command_name): a blank or ``/``.
_COMMAND_NAME = re.compile(rb"[^/ \t\n\v\f\r]*")


def _find(table: tuple[HMPCommand, ...], name: bytes) -> HMPCommand | None:
    return find_command(table, text(name))


#: The machine an HMP monitor serves (its handlers see it as ``mon.machine``).
HostT = TypeVar("HostT", bound=HmpHost)


class MonitorHMP(Monitor, Generic[HostT]):
    """An HMP monitor; ``chr`` None makes it non-interactive with captured output.

    :param machine: what the commands act on; the monitor itself needs only
        :class:`HmpHost` of it.
    :param use_readline: interactive with the line editor (QEMU's
        ``use_readline``); always false without a chardev.
    :param commands: the command table (QEMU's ``hmp_cmds``), sorted by name
        (see :func:`~qmonitor.monitor.hmp_table.extend_table`); without it,
        the machine's ``hmp_commands``.
    """

    def __init__(
        self,
        machine: HostT,
        chr: Chardev | None,
        *,
        use_readline: bool = True,
        commands: tuple[HMPCommand, ...] | None = None,
    ) -> None:
        super().__init__(machine.registry, chr, skip_flush=chr is None)
        self.machine = machine
        self.commands = machine.hmp_commands if commands is None else commands
        self.use_readline = use_readline and chr is not None
        self.rs: ReadLineState | None = None
        #: A peer connected at least once (QEMU's ``reset_seen``).
        self.reset_seen = False
        # Input taken from the chardev but not yet handled: the monitor was
        # suspended in the middle of it.  Handled under a lock because input
        # and resumption may come from different threads.
        self._pending: deque[int] = deque()
        self._input_lock = threading.RLock()
        self.loop = machine.loop
        #: ``-->`` per command line run, ``<--`` per output chunk, at DEBUG.
        #: The connection's ``-->`` / ``<--`` lines (``qmonitor.hmp.<chardev>``).
        self.hmp_log = _NO_CHARDEV_LOG if chr is None else ConnectionLog(_HMP_LOG, chr.label)
        #: Whether hmp_log is on, read once per chunk of input.
        self._debug = False
        if self.use_readline:
            self.rs = ReadLineState(self.printf, self.flush, self._find_completion)
            self.rs.start(PROMPT, self._command_cb)

    @property
    def is_hmp_non_interactive(self) -> bool:
        return not self.use_readline

    def start(self) -> None:
        """Attach to the chardev and join the monitor list (monitor_init_hmp)."""
        assert self.chr is not None
        if isinstance(self.chr, MuxChardev) and self.chr.quit_handler is None:
            # C-a x quits the machine as the quit command does.
            self.chr.quit_handler = self.machine.request_quit
        self.chr.set_handlers(self.can_read, self._read, self._event, self.machine.loop)
        self.registry.append(self)

    def history(self) -> list[str]:
        """The line editor's history, oldest first (empty without one)."""
        return [text(h) for h in self.rs.history] if self.rs is not None else []

    # -- chardev side ----------------------------------------------------------

    def _event(self, event: ChrEvent) -> None:
        """monitor_event() of QEMU 7.2."""
        if event is ChrEvent.MUX_IN:
            with self.mon_lock:
                self.mux_out = False
            if self.reset_seen:
                if self.rs is not None:
                    self.rs.restart()
                self.resume()
                self.flush()
            else:
                with self._suspend_lock:
                    self.suspend_cnt = 0
        elif event is ChrEvent.MUX_OUT:
            if self.reset_seen:
                if not self.suspend_cnt:
                    self.printf("\n")
                self.flush()
                self.suspend()
            else:
                with self._suspend_lock:
                    self.suspend_cnt += 1
            with self.mon_lock:
                self.mux_out = True
        elif event is ChrEvent.OPENED:
            major, minor, micro = self.machine.qemu_version
            self.printf(BANNER.format(version=f"{major}.{minor}.{micro}"))
            if not self.mux_out and self.rs is not None:
                self.rs.restart()
                self.rs.show_prompt()
            self.reset_seen = True
            self.registry.fdsets.monitor_opened()
        elif event is ChrEvent.CLOSED:
            self.registry.fdsets.monitor_closed()

    def _read(self, data: bytes) -> None:
        with self._input_lock:
            debug = self.hmp_log.enabled()
            if debug != self._debug:
                # Output is logged through the flush hook only while on, so
                # that the flushes of a run of input cost nothing more.
                self._debug = debug
                self._log_output = self._log_chunk if debug else None
            self._pending.extend(data)
            self._pump()

    def _pump(self) -> None:
        rs = self.rs
        with self._input_lock:
            pending = self._pending
            # Echo and answers of a run of input leave in one write.
            self.cork()
            try:
                while pending and not self.suspend_cnt:
                    ch = pending.popleft()
                    if rs is not None:
                        rs.handle_byte(ch)
            finally:
                self.uncork()

    def _accept_input(self) -> None:
        self._pump()
        if not self.suspend_cnt and self.chr is not None:
            self.chr.accept_input()

    def _on_resumed(self) -> None:
        if self.rs is not None:
            self.rs.show_prompt()

    def _log_chunk(self, outbuf: bytearray) -> None:
        self.hmp_log.debug("<-- %s", bytes(outbuf).decode("utf-8", "replace"))

    def _command_cb(self, line: bytes) -> None:
        if self._debug:
            self.hmp_log.debug("--> %s", line.decode("utf-8", "replace"))
        self.suspend()
        try:
            self.handle_command(line)
        finally:
            self.resume()

    # -- commands --------------------------------------------------------------

    def handle_command(self, cmdline: str | bytes) -> None:
        """Parse and run one command line (handle_hmp_command)."""
        data = to_bytes(cmdline) if isinstance(cmdline, str) else cmdline
        # QEMU sees a C string: it ends at the first NUL.
        data = data.split(b"\0", 1)[0]
        parsed = self._parse_command(data, 0, self.commands)
        if parsed is None:
            return
        cmd, pos = parsed
        try:
            args = parse_arguments(data, pos, cmd)
        except HmpParseError as err:
            # What QEMU's monitor_printf keeps of a message with a NUL in it.
            self.printf(str(err).split("\0", 1)[0])
            end = pos
            while end > 0 and data[end - 1] in b" \t\n\v\f\r":
                end -= 1
            self.printf(f'Try "help {text(data[:end])}" for more information\n')
            return
        old = set_current_monitor(self)
        try:
            cmd.handler(self, args)
        except QapiError as err:
            self.hmp_handle_error(err)
        except Exception as exc:  # a handler bug: an error line, and the monitor goes on
            _HMP_LOG.exception("HMP command %r failed", cmd.name)
            self.hmp_handle_error(internal_error(exc))
        finally:
            set_current_monitor(old)

    def hmp_handle_error(self, err: QapiError) -> None:
        """Print a failed command's error (hmp_handle_error → error_reportf_err)."""
        self.printf(f"Error: {err.desc}\n")
        if err.hint:
            self.printf(f"{err.hint}\n")

    def _parse_command(
        self, data: bytes, pos: int, table: tuple[HMPCommand, ...]
    ) -> tuple[HMPCommand, int] | None:
        """The command (or sub-command) at ``pos``; prints why there is none."""
        pos = _skip_spaces(data, pos)
        if pos >= len(data):
            return None
        start = pos
        name = _COMMAND_NAME.match(data, pos)
        pos = name.end() if name is not None else pos
        cmd = _find(table, data[start:pos][:CMDNAME_MAX])
        if cmd is None:
            self.printf(f"unknown command: '{text(data[:pos])}'\n")
            return None
        if not self._available(cmd):
            self.printf(
                f"Command '{text(data[:pos])}' not available"
                " until machine initialization has completed.\n"
            )
            return None
        pos = _skip_spaces(data, pos)
        if cmd.sub_table is not None and pos < len(data):
            return self._parse_command(data, pos, cmd.sub_table)
        return cmd, pos

    def _available(self, cmd: HMPCommand) -> bool:
        """cmd_available: before the machine is built only preconfig commands are."""
        return cmd.preconfig or not self._preconfig_only()

    def _preconfig_only(self) -> bool:
        """Whether the machine is not built yet (``--preconfig``): only preconfig commands run."""
        return bool(getattr(self.machine, "in_preconfig", False))

    # -- help ------------------------------------------------------------------

    def help(self, name: str | None) -> None:
        """``help [words]`` (hmp_help_cmd): one command, a sub-table, or everything."""
        words: list[bytes] = []
        if name is not None:
            got = parse_words(to_bytes(name))
            if got is None:
                return
            words = got
        self._help_dump(self.commands, words, 0)

    def _help_dump(self, table: tuple[HMPCommand, ...], words: list[bytes], index: int) -> None:
        if index >= len(words):
            lead = "".join(f"{text(p)} " for p in words[:index])
            self.printf(help_listing(table, lead, self._preconfig_only()))
            return
        cmd = _find(table, words[index])
        if cmd is not None and not self._available(cmd):
            cmd = None
        if cmd is None:
            self.printf(
                "unknown command: '" + " ".join(text(w) for w in words[: index + 1]) + "'\n"
            )
        elif cmd.sub_table is not None:
            self._help_dump(cmd.sub_table, words, index + 1)
        else:
            self._help_dump_one(cmd, words, index)

    def _help_dump_one(self, cmd: HMPCommand, prefix: list[bytes], count: int) -> None:
        if not self._available(cmd):
            return
        lead = "".join(f"{text(p)} " for p in prefix[:count])
        self.printf(f"{lead}{cmd.name} {cmd.params} -- {cmd.help}\n")

    # -- completion ------------------------------------------------------------

    def _find_completion(self, rs: ReadLineState, line: bytes) -> None:
        """Tab on ``line`` (monitor_find_completion): offer what may come next."""
        words = parse_words(line)
        if words is None:
            return
        if line and line[-1] in b" \t\n\v\f\r":
            if len(words) >= MAX_ARGS:
                return
            words.append(b"")
        self._complete_in(rs, self.commands, words)

    def _complete_in(
        self, rs: ReadLineState, table: tuple[HMPCommand, ...], words: list[bytes]
    ) -> None:
        if len(words) <= 1:
            name = words[0] if words else b""
            rs.set_completion_index(len(name))
            for each in table:
                if not self._available(each):
                    continue
                for alias in each.name.split("|"):
                    candidate = alias.encode()
                    if candidate.startswith(name):
                        rs.add_completion(candidate)
            return
        cmd = _find(table, words[0])
        if cmd is None or not self._available(cmd):
            return
        if cmd.sub_table is not None:
            self._complete_in(rs, cmd.sub_table, words[1:])
            return
        if cmd.completion is not None:
            cmd.completion(self, rs, len(words), text(words[-1]))
            return
        # Which argument type the last word is: QEMU's next_arg_type walk.
        ptype = _next_arg_type(cmd.args_type)
        for _ in range(len(words) - 2):
            if ptype:
                ptype = _next_arg_type(ptype)
                while ptype.startswith("?"):
                    ptype = _next_arg_type(ptype)
        old: str | None = None
        while ptype.startswith("-") and old != ptype:
            old = ptype
            ptype = _next_arg_type(ptype)
        word = words[-1]
        if ptype[:1] == "F":
            rs.set_completion_index(len(word))
            _file_completion(rs, word)
        elif ptype[:1] == "B":
            # Block device names: a machine here has no block backend.
            rs.set_completion_index(len(word))
        elif ptype[:1] in ("s", "S") and cmd.name == "help|?":
            self._complete_in(rs, table, words[1:])


def _file_completion(rs: ReadLineState, word: bytes) -> None:
    """The files of the directory ``word`` names whose names start as it does (file_completion).

    Directories get a ``/``.  Entries come in the directory's own order.
    """
    slash = word.rfind(b"/")
    directory, prefix = (word[: slash + 1], word[slash + 1 :]) if slash >= 0 else (b"", word)
    try:
        names = os.listdir(directory or b".")
    except OSError:
        return
    for name in names:
        if not name.startswith(prefix):
            continue
        path = directory + name
        if os.path.isdir(path):
            path += b"/"
        rs.add_completion(path)


def _next_arg_type(typestr: str) -> str:
    colon = typestr.find(":")
    return typestr[colon + 1 :] if colon >= 0 else typestr
