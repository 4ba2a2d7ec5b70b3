"""MonitorHMP: the human monitor, interactive or run from QMP (monitor/hmp.c).

An interactive HMP monitor reads a chardev through the line editor and runs
each line as a command, suspended while it runs; a non-interactive one
(``human-monitor-command``) keeps its output in the buffer so QMP can
return it.  Parsing follows QEMU's: a command name up to a blank or ``/``,
aliases separated by ``|``, sub-tables such as ``info``, arguments by the
command's ``args_type`` string, and QEMU's error texts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qmonitor.chardev.base import Chardev, ChrEvent
from qmonitor.monitor.hmp_commands import HMP_CMDS, HMPCommand
from qmonitor.monitor.monitor import Monitor, set_current_monitor
from qmonitor.monitor.readline import ReadLineState
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine

#: Longest command name QEMU copies (get_command_name's 256-byte buffer).
CMDNAME_MAX = 255


class HmpParseError(Exception):
    """An argument could not be parsed; the text was already printed."""


def _isspace(c: str) -> bool:
    return c in " \t\n\r\v\f"


def get_str(text: str, pos: int) -> tuple[str, int] | str:
    """Read one possibly quoted word (``get_str``): (word, end) or an error text."""
    n = len(text)
    while pos < n and _isspace(text[pos]):
        pos += 1
    if pos >= n:
        return ""
    out: list[str] = []
    if text[pos] == '"':
        pos += 1
        while pos < n and text[pos] != '"':
            c = text[pos]
            if c == "\\":
                pos += 1
                if pos >= n:
                    return "unterminated string\n"
                c = text[pos]
                escapes = {"n": "\n", "r": "\r", "\\": "\\", "'": "'", '"': '"'}
                if c not in escapes:
                    return f"unsupported escape code: '\\{c}'\n"
                out.append(escapes[c])
            else:
                out.append(c)
            pos += 1
        if pos >= n:
            return "unterminated string\n"
        pos += 1
    else:
        while pos < n and not _isspace(text[pos]):
            out.append(text[pos])
            pos += 1
    return "".join(out), pos


class MonitorHMP(Monitor):
    """An HMP monitor; ``chr`` None makes it non-interactive with captured output."""

    def __init__(self, machine: Machine, chr: Chardev | None, *, use_readline: bool = True) -> None:
        super().__init__(machine.registry, chr, skip_flush=chr is None)
        self.machine = machine
        self.use_readline = use_readline and chr is not None
        self.rs: ReadLineState | None = None
        self._pending = bytearray()
        self.loop = machine.loop
        if self.use_readline:
            self.rs = ReadLineState(self.puts, self.flush)
            self.rs.start("(qemu) ", self._command_cb)

    @property
    def is_hmp_non_interactive(self) -> bool:
        return not self.use_readline

    def start(self) -> None:
        """Attach to the chardev on the main loop and join the monitor list."""
        assert self.chr is not None
        self.chr.set_handlers(self.can_read, self._read, self._event, self.machine.loop)
        self.registry.append(self)

    def history(self) -> list[str]:
        return list(self.rs.history) if self.rs is not None else []

    # -- chardev side -------------------------------------------------------

    def _event(self, event: ChrEvent) -> None:
        if event is ChrEvent.OPENED and self.rs is not None:
            self.rs.restart()
            major, minor, micro = self.machine.options.qemu_version
            self.puts(f"QEMU {major}.{minor}.{micro} monitor - type 'help' for more information\n")
            self.rs.show_prompt()

    def _read(self, data: bytes) -> None:
        self._pending += data
        self._pump()

    def _pump(self) -> None:
        rs = self.rs
        while self._pending and not self.suspend_cnt:
            ch = self._pending.pop(0)
            if rs is not None:
                rs.handle_byte(ch)

    def _accept_input(self) -> None:
        self._pump()
        if not self.suspend_cnt and self.chr is not None:
            self.chr.accept_input()

    def _on_resumed(self) -> None:
        if self.rs is not None:
            self.rs.show_prompt()

    def _command_cb(self, line: str) -> None:
        self.suspend()
        try:
            self.handle_command(line)
        finally:
            self.resume()

    # -- commands -------------------------------------------------------------

    def handle_command(self, cmdline: str) -> None:
        """Parse and run one command line (handle_hmp_command)."""
        parsed = self._parse_command(cmdline, 0, HMP_CMDS)
        if parsed is None:
            return
        cmd, pos = parsed
        args = self._parse_arguments(cmdline, pos, cmd)
        if args is None:
            end = pos
            while end > 0 and _isspace(cmdline[end - 1]):
                end -= 1
            self.printf(f'Try "help {cmdline[:end]}" for more information\n')
            return
        if cmd.handler is None:
            self.printf(f'Command "{cmdline[:pos]}" is not available.\n')
            return
        old = set_current_monitor(self)
        try:
            cmd.handler(self, args)
        except QapiError as err:
            self.hmp_handle_error(err)
        finally:
            set_current_monitor(old)

    def hmp_handle_error(self, err: QapiError) -> None:
        """Print a failed command's error (hmp_handle_error → error_reportf_err)."""
        self.printf(f"Error: {err.desc}\n")

    def _parse_command(
        self, cmdline: str, pos: int, table: tuple[HMPCommand, ...]
    ) -> tuple[HMPCommand, int] | None:
        n = len(cmdline)
        while pos < n and _isspace(cmdline[pos]):
            pos += 1
        if pos >= n:
            return None
        start = pos
        while pos < n and cmdline[pos] != "/" and not _isspace(cmdline[pos]):
            pos += 1
        name = cmdline[start:pos][:CMDNAME_MAX]
        cmd = next((c for c in table if c.matches(name)), None)
        if cmd is None:
            self.printf(f"unknown command: '{cmdline[:pos]}'\n")
            return None
        while pos < n and _isspace(cmdline[pos]):
            pos += 1
        if cmd.sub_table is not None and pos < n:
            return self._parse_command(cmdline, pos, cmd.sub_table)
        return cmd, pos

    def _parse_arguments(self, cmdline: str, pos: int, cmd: HMPCommand) -> dict[str, Any] | None:
        """Arguments by ``args_type`` (the subset the null machine's commands use)."""
        args: dict[str, Any] = {}
        n = len(cmdline)
        for spec in filter(None, cmd.args_type.split(",")):
            key, _, typ = spec.partition(":")
            optional = typ.endswith("?")
            kind = typ.rstrip("?")
            while pos < n and _isspace(cmdline[pos]):
                pos += 1
            if pos >= n and optional:
                continue
            if kind == "S":
                if pos >= n:
                    self.printf(f"{cmd.name}: string expected\n")
                    return None
                args[key] = cmdline[pos:]
                pos = n
            else:
                got = get_str(cmdline, pos)
                if isinstance(got, str):
                    if got:
                        self.printf(got)
                    self.printf(f"{cmd.name}: string expected\n")
                    return None
                args[key], pos = got
        while pos < n and _isspace(cmdline[pos]):
            pos += 1
        if pos < n:
            self.printf(f"{cmd.name}: extraneous characters at the end of line\n")
            return None
        return args

    # -- help -----------------------------------------------------------------

    def help(self, name: str | None) -> None:
        """``help [cmd]`` (help_cmd)."""
        words: list[str] = []
        if name:
            pos = 0
            while True:
                got = get_str(name, pos)
                if isinstance(got, str):
                    break
                word, pos = got
                words.append(word)
        self._help_dump(HMP_CMDS, words, 0)

    def help_cmd(self, table: tuple[HMPCommand, ...], prefix: str, name: str | None) -> None:
        """``info`` without a sub-command lists the ``info`` table."""
        self.help("info" if name is None else f"info {name}")

    def _help_dump(self, table: tuple[HMPCommand, ...], words: list[str], index: int) -> None:
        if index >= len(words):
            for cmd in table:
                self._help_dump_one(cmd, words, index)
            return
        for cmd in table:
            if cmd.matches(words[index]):
                if cmd.sub_table is not None:
                    self._help_dump(cmd.sub_table, words, index + 1)
                else:
                    self._help_dump_one(cmd, words, index)
                return
        self.printf("unknown command: '" + " ".join(words[: index + 1]) + "'\n")

    def _help_dump_one(self, cmd: HMPCommand, prefix: list[str], count: int) -> None:
        lead = "".join(f"{p} " for p in prefix[:count])
        self.printf(f"{lead}{cmd.name} {cmd.params} -- {cmd.help}\n")


def add_hmp_monitor(machine: Machine, chr: Chardev) -> MonitorHMP:
    """Create an interactive HMP monitor on ``chr`` (monitor_init_hmp)."""
    mon = MonitorHMP(machine, chr)
    mon.start()
    return mon
