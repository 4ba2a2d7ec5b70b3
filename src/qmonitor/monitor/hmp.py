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

import sys
import threading
from collections import deque
from typing import TYPE_CHECKING, Any

from qmonitor.chardev.base import Chardev, ChrEvent
from qmonitor.chardev.mux import MuxChardev
from qmonitor.machine.runstate import ShutdownCause
from qmonitor.monitor.hmp_commands import HMP_CMDS, HMPCommand
from qmonitor.monitor.monitor import Monitor, set_current_monitor
from qmonitor.monitor.readline import ReadLineState
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine

#: The prompt (monitor_read_command).
PROMPT = "(qemu) "
#: The banner printed when a peer connects (monitor_event, CHR_EVENT_OPENED).
BANNER = "QEMU {version} monitor - type 'help' for more information\n"
#: Longest command name QEMU compares (get_command_name's 256-byte buffer).
CMDNAME_MAX = 255
#: Longest word ``get_str`` keeps (its callers' 1024-byte buffers).
STR_MAX = 1023
#: Most words ``help`` and completion look at (MAX_ARGS in monitor/hmp.c).
MAX_ARGS = 16
#: One MiB, the unit of the ``M`` argument type.
MIB = 1 << 20

_INT64_MIN = -(1 << 63)
_UINT64 = 1 << 64


def text(data: bytes) -> str:
    """Command-line bytes as text that encodes back to the same bytes."""
    return data.decode("utf-8", "surrogateescape")


def to_bytes(line: str) -> bytes:
    """Text (a command line from QMP, or decoded input) back to its bytes."""
    return line.encode("utf-8", "surrogateescape")


def _stdout(message: str) -> None:
    """Print on the process's standard output, as QEMU's ``printf`` does."""
    out = sys.stdout
    try:
        out.buffer.write(to_bytes(message))
    except AttributeError:
        out.write(message)
    out.flush()


def _isspace(data: bytes, pos: int) -> bool:
    return pos < len(data) and data[pos] in b" \t\n\v\f\r"


def _skip_spaces(data: bytes, pos: int) -> int:
    while _isspace(data, pos):
        pos += 1
    return pos


def _wrap64(value: int) -> int:
    """Two's complement 64-bit wrap-around, as int64_t arithmetic behaves."""
    value %= _UINT64
    return value - _UINT64 if value >= 1 << 63 else value


def get_str(data: bytes, pos: int) -> tuple[bytes, int] | None:
    """One word, possibly quoted, from ``pos`` (``get_str``): (word, end) or None.

    The word keeps at most :data:`STR_MAX` bytes; the rest is skipped.
    Errors are printed on standard output, as QEMU does.
    """
    pos = _skip_spaces(data, pos)
    n = len(data)
    if pos >= n:
        return None
    out = bytearray()
    if data[pos] == 0x22:  # '"'
        pos += 1
        while pos < n and data[pos] != 0x22:
            c = data[pos]
            if c == 0x5C:  # backslash
                c = data[pos + 1] if pos + 1 < n else 0
                pos += 2
                escaped = _ESCAPES.get(c)
                if escaped is None:
                    _stdout("unsupported escape code: '\\" + text(bytes([c])) + "'\n")
                    return None
                c = escaped
            else:
                pos += 1
            if len(out) < STR_MAX:
                out.append(c)
        if pos >= n:
            _stdout("unterminated string\n")
            return None
        pos += 1
    else:
        start = pos
        while pos < n and not _isspace(data, pos):
            pos += 1
        out += data[start:pos][:STR_MAX]
    return bytes(out), pos


_ESCAPES = {0x6E: 0x0A, 0x72: 0x0D, 0x5C: 0x5C, 0x27: 0x27, 0x22: 0x22}


def parse_words(data: bytes) -> list[bytes] | None:
    """Split into at most :data:`MAX_ARGS` words (``parse_cmdline``); None on error."""
    words: list[bytes] = []
    pos = 0
    while True:
        pos = _skip_spaces(data, pos)
        if pos >= len(data):
            return words
        if len(words) >= MAX_ARGS:
            return None
        got = get_str(data, pos)
        if got is None:
            return None
        word, pos = got
        words.append(word)


class HmpParseError(Exception):
    """Arguments could not be parsed; the message is what the monitor prints."""


class _Expr:
    """QEMU's HMP integer expressions (``get_expr``): + - * / % & | ^ ~ ( ) 'c' $reg.

    Values are int64 and wrap as QEMU's do.  ``$name`` needs the current
    CPU's registers; the null machine has no CPU, so every name is unknown.
    """

    def __init__(self, data: bytes, pos: int) -> None:
        self.data = data
        self.pos = pos

    def peek(self) -> int:
        return self.data[self.pos] if self.pos < len(self.data) else 0

    def next(self) -> None:
        if self.peek():
            self.pos = _skip_spaces(self.data, self.pos + 1)

    def parse(self) -> int:
        self.pos = _skip_spaces(self.data, self.pos)
        return self.sum()

    def sum(self) -> int:
        val = self.logic()
        while (op := self.peek()) in (0x2B, 0x2D):
            self.next()
            val2 = self.logic()
            val = _wrap64(val + val2 if op == 0x2B else val - val2)
        return val

    def logic(self) -> int:
        val = self.prod()
        while (op := self.peek()) in (0x26, 0x7C, 0x5E):
            self.next()
            val2 = self.prod()
            val = val & val2 if op == 0x26 else val | val2 if op == 0x7C else val ^ val2
        return val

    def prod(self) -> int:
        val = self.unary()
        while (op := self.peek()) in (0x2A, 0x2F, 0x25):
            self.next()
            val2 = self.unary()
            if op == 0x2A:
                val = _wrap64(val * val2)
                continue
            if val2 == 0:
                raise HmpParseError("division by zero\n")
            # C division truncates toward zero; the remainder takes the dividend's sign.
            quot = abs(val) // abs(val2) * (1 if (val < 0) == (val2 < 0) else -1)
            val = _wrap64(quot) if op == 0x2F else val - val2 * quot
        return val

    def unary(self) -> int:
        c = self.peek()
        if c == 0x2B:  # +
            self.next()
            return self.unary()
        if c == 0x2D:  # -
            self.next()
            return _wrap64(-self.unary())
        if c == 0x7E:  # ~
            self.next()
            return ~self.unary()
        if c == 0x28:  # (
            self.next()
            val = self.sum()
            if self.peek() != 0x29:
                raise HmpParseError("')' expected\n")
            self.next()
            return val
        if c == 0x27:  # '
            self.pos += 1
            if not self.peek():
                raise HmpParseError("character constant expected\n")
            val = self.peek()
            # A plain char is signed on the hosts QEMU is built for.
            val = val - 256 if val >= 0x80 else val
            self.pos += 1
            if self.peek() != 0x27:
                raise HmpParseError("missing terminating ' character\n")
            self.next()
            return val
        if c == 0x24:  # $
            self.pos += 1
            while chr(self.peek()).isascii() and (
                chr(self.peek()).isalnum() or self.peek() in (0x5F, 0x2E)
            ):
                self.pos += 1
            self.pos = _skip_spaces(self.data, self.pos)
            raise HmpParseError("unknown register\n")
        if c == 0:
            raise HmpParseError("unexpected end of expression\n")
        val, end = _strtoull(self.data, self.pos)
        if end == self.pos:
            raise HmpParseError(f"invalid char '{text(bytes([c]))}' in expression\n")
        self.pos = _skip_spaces(self.data, end)
        return val


def _strtoull(data: bytes, pos: int) -> tuple[int, int]:
    """C ``strtoull(s, &end, 0)`` from ``pos`` (no sign or blanks come here)."""
    n = len(data)
    base = 10
    start = pos
    if pos < n and data[pos] == 0x30:  # '0'
        if pos + 1 < n and data[pos + 1] in b"xX" and _digit(data, pos + 2, 16):
            base, pos = 16, pos + 2
        else:
            base = 8
    digits_start = pos
    while _digit(data, pos, base):
        pos += 1
    if pos == digits_start:
        return 0, start
    value = int(data[digits_start:pos], base)
    if value >= _UINT64:
        raise HmpParseError("number too large\n")
    return _wrap64(value), pos


def _digit(data: bytes, pos: int, base: int) -> bool:
    if pos >= len(data):
        return False
    c = chr(data[pos]).lower()
    return c in "0123456789abcdef"[:base]


def _key_get_info(typestr: str, pos: int) -> tuple[str, int] | None:
    """The next ``key:`` of an args_type string; the position after the colon."""
    if pos < len(typestr) and typestr[pos] == ",":
        pos += 1
    colon = typestr.find(":", pos)
    if colon < 0:
        return None
    return typestr[pos:colon], colon + 1


def parse_arguments(data: bytes, pos: int, cmd: HMPCommand) -> dict[str, Any]:
    """Arguments by ``args_type`` (``monitor_parse_arguments``).

    Handles the types s F B S i l M b and -x; the message of the
    :class:`HmpParseError` raised on failure is what QEMU prints.
    """
    args: dict[str, Any] = {}
    typestr = cmd.args_type
    tpos = 0

    def at(i: int) -> str:
        return typestr[i] if i < len(typestr) else ""

    while True:
        info = _key_get_info(typestr, tpos)
        if info is None:
            break
        key, tpos = info
        c = at(tpos)
        tpos += 1
        if c in ("F", "B", "s"):
            pos = _skip_spaces(data, pos)
            if at(tpos) == "?":
                tpos += 1
                if pos >= len(data):
                    continue
            got = get_str(data, pos)
            if got is None:
                what = {"F": "filename", "B": "block device name"}.get(c, "string")
                raise HmpParseError(f"{cmd.name}: {what} expected\n")
            word, pos = got
            args[key] = text(word)
        elif c in ("i", "l", "M"):
            pos = _skip_spaces(data, pos)
            if at(tpos) in ("?", "."):
                if at(tpos) == "?":
                    if pos >= len(data):
                        tpos += 1
                        continue
                elif pos < len(data) and data[pos] == 0x2E:  # '.'
                    pos = _skip_spaces(data, pos + 1)
                else:
                    tpos += 1
                    continue
                tpos += 1
            expr = _Expr(data, pos)
            val = expr.parse()
            pos = expr.pos
            if c == "i" and (val >> 32) & 0xFFFFFFFF:
                raise HmpParseError(f"'{cmd.name}' has failed: integer is for 32-bit values\n")
            if c == "M":
                if val < 0:
                    raise HmpParseError("enter a positive value\n")
                val = _wrap64(val * MIB)
            args[key] = val
        elif c == "b":
            pos = _skip_spaces(data, pos)
            start = pos
            while pos < len(data) and 0x21 <= data[pos] <= 0x7E:
                pos += 1
            word = data[start:pos]
            if word not in (b"on", b"off"):
                raise HmpParseError("Expected 'on' or 'off'\n")
            args[key] = word == b"on"
        elif c == "-":
            letter = at(tpos)
            tpos += 1
            if not letter:
                raise HmpParseError(f"{cmd.name}: unknown type '\0'\n")
            before = pos
            pos = _skip_spaces(data, pos)
            if pos < len(data) and data[pos] == 0x2D:  # '-'
                pos += 1
                given = data[pos] if pos < len(data) else 0
                if chr(given) != letter:
                    # Another option of this command, or none of its own.  At
                    # the end of the line QEMU looks for a bare "-".
                    wanted = "-" + chr(given) if given else "-"
                    if wanted not in typestr[tpos:]:
                        raise HmpParseError(
                            f"{cmd.name}: unsupported option -{text(bytes([given]))}\n"
                        )
                    pos = before
                elif at(tpos) == "s":
                    tpos += 1
                    pos += 1
                    got = get_str(data, pos)
                    if got is None:
                        raise HmpParseError(f"{cmd.name}: value expected for -{letter}\n")
                    word, pos = got
                    args[key] = text(word)
                else:
                    pos += 1
                    args[key] = True
            elif at(tpos) == "s":
                tpos += 1
        elif c == "S":
            pos = _skip_spaces(data, pos)
            if at(tpos) == "?":
                tpos += 1
                if pos >= len(data):
                    continue
            if pos >= len(data):
                raise HmpParseError(f"{cmd.name}: string expected\n")
            args[key] = text(data[pos:])
            pos = len(data)
        else:
            raise HmpParseError(f"{cmd.name}: unknown type '{c}'\n")
    pos = _skip_spaces(data, pos)
    if pos < len(data):
        raise HmpParseError(f"{cmd.name}: extraneous characters at the end of line\n")
    return args


def _find(table: tuple[HMPCommand, ...], name: bytes) -> HMPCommand | None:
    decoded = text(name)
    return next((cmd for cmd in table if cmd.matches(decoded)), None)


class MonitorHMP(Monitor):
    """An HMP monitor; ``chr`` None makes it non-interactive with captured output.

    :param machine: what the commands act on (run state, options, shutdown).
    :param use_readline: interactive with the line editor (QEMU's
        ``use_readline``); always false without a chardev.
    :param commands: the command table (QEMU's ``hmp_cmds``), sorted by name.
    """

    def __init__(
        self,
        machine: Machine,
        chr: Chardev | None,
        *,
        use_readline: bool = True,
        commands: tuple[HMPCommand, ...] = HMP_CMDS,
    ) -> None:
        super().__init__(machine.registry, chr, skip_flush=chr is None)
        self.machine = machine
        self.commands = commands
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
            machine = self.machine
            self.chr.quit_handler = lambda: machine.shutdown(ShutdownCause.HOST_QMP_QUIT)
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
            major, minor, micro = self.machine.options.qemu_version
            self.printf(BANNER.format(version=f"{major}.{minor}.{micro}"))
            if not self.mux_out and self.rs is not None:
                self.rs.restart()
                self.rs.show_prompt()
            self.reset_seen = True

    def _read(self, data: bytes) -> None:
        with self._input_lock:
            self._pending.extend(data)
            self._pump()

    def _pump(self) -> None:
        rs = self.rs
        with self._input_lock:
            pending = self._pending
            while pending and not self.suspend_cnt:
                ch = pending.popleft()
                if rs is not None:
                    rs.handle_byte(ch)

    def _accept_input(self) -> None:
        self._pump()
        if not self.suspend_cnt and self.chr is not None:
            self.chr.accept_input()

    def _on_resumed(self) -> None:
        if self.rs is not None:
            self.rs.show_prompt()

    def _command_cb(self, line: bytes) -> None:
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
        finally:
            set_current_monitor(old)

    def hmp_handle_error(self, err: QapiError) -> None:
        """Print a failed command's error (hmp_handle_error → error_reportf_err)."""
        self.printf(f"Error: {err.desc}\n")

    def _parse_command(
        self, data: bytes, pos: int, table: tuple[HMPCommand, ...]
    ) -> tuple[HMPCommand, int] | None:
        """The command (or sub-command) at ``pos``; prints why there is none."""
        pos = _skip_spaces(data, pos)
        if pos >= len(data):
            return None
        start = pos
        while pos < len(data) and data[pos] != 0x2F and not _isspace(data, pos):  # '/'
            pos += 1
        cmd = _find(table, data[start:pos][:CMDNAME_MAX])
        if cmd is None:
            self.printf(f"unknown command: '{text(data[:pos])}'\n")
            return None
        pos = _skip_spaces(data, pos)
        if cmd.sub_table is not None and pos < len(data):
            return self._parse_command(data, pos, cmd.sub_table)
        return cmd, pos

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
            for each in table:
                self._help_dump_one(each, words, index)
            return
        cmd = _find(table, words[index])
        if cmd is None:
            self.printf(
                "unknown command: '" + " ".join(text(w) for w in words[: index + 1]) + "'\n"
            )
        elif cmd.sub_table is not None:
            self._help_dump(cmd.sub_table, words, index + 1)
        else:
            self._help_dump_one(cmd, words, index)

    def _help_dump_one(self, cmd: HMPCommand, prefix: list[bytes], count: int) -> None:
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
                for alias in each.name.split("|"):
                    candidate = alias.encode()
                    if candidate.startswith(name):
                        rs.add_completion(candidate)
            return
        cmd = _find(table, words[0])
        if cmd is None:
            return
        if cmd.sub_table is not None:
            self._complete_in(rs, cmd.sub_table, words[1:])
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
        if ptype[:1] in ("s", "S") and cmd.name == "help|?":
            self._complete_in(rs, table, words[1:])


def _next_arg_type(typestr: str) -> str:
    colon = typestr.find(":")
    return typestr[colon + 1 :] if colon >= 0 else typestr


def add_hmp_monitor(machine: Machine, chr: Chardev) -> MonitorHMP:
    """Create an interactive HMP monitor on ``chr`` (monitor_init_hmp)."""
    mon = MonitorHMP(machine, chr)
    mon.start()
    return mon
