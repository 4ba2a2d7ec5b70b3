"""QEMU 7.2's line editor (util/readline.c), sans-IO.

Bytes typed by a person go in one at a time (:meth:`ReadLineState.handle_byte`);
what the terminal must show goes out through the ``printf``/``flush``
callbacks, complete lines go to the line callback, and Tab asks the
completion callback for candidates.  Everything works on bytes, as QEMU's
``char`` buffer does: a byte ≥ 0x20 is text whatever its encoding, so
invalid UTF-8 is kept and echoed unchanged.  Output text is handed to
``printf`` decoded with ``surrogateescape``, so encoding it the same way
gives back the exact bytes.

The rules, all QEMU's:

* After every input byte the line is redrawn (``readline_update``): when the
  text changed, ``ESC[D`` once per column back to where the last drawing
  started, the whole line, ``ESC[K``; then the cursor moves to its place
  with ``ESC[C``/``ESC[D``.  The prompt is not redrawn.
* The decoder has four states (:class:`EscState`).  ESC then ``[`` (or the
  8-bit CSI, 0x9B) starts a CSI sequence whose decimal parameter ends at a
  final byte; ESC then ``O`` is SS3; ESC then anything else is dropped with
  that byte.  A CSI with ``;`` or an unknown final byte is dropped too.
* Key bindings (QEMU 7.2 has exactly these; no Ctrl-K, Ctrl-U, Ctrl-N or
  Ctrl-P): Ctrl-A/Home start of line, Ctrl-E/End end of line, Ctrl-D and
  Delete delete under the cursor, Backspace (0x08/0x7F) delete before it,
  Ctrl-W delete the word before the cursor, Ctrl-L clear the screen,
  Tab complete, CR or LF run the line, Up/Down history, Left/Right move.
  Other control bytes are ignored.
* The line holds at most :data:`READLINE_CMD_BUF_SIZE` bytes typed at its
  end (see :meth:`ReadLineState._insert` for the one-byte exception).
* History keeps :data:`READLINE_MAX_CMDS` lines; entering a line already
  there moves it to the end; empty lines are not kept.

Imports nothing from the rest of qmonitor.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

#: Size of QEMU's line buffer less its terminator (READLINE_CMD_BUF_SIZE).
READLINE_CMD_BUF_SIZE = 4095
#: History entries kept (READLINE_MAX_CMDS).
READLINE_MAX_CMDS = 64
#: Completion candidates collected at most (READLINE_MAX_COMPLETIONS).
READLINE_MAX_COMPLETIONS = 256
#: Longest prompt QEMU stores (the 256-byte ``prompt`` array, less its NUL).
READLINE_PROMPT_MAX = 255
#: Width of the terminal the completion listing is laid out for.
COMPLETION_SCREEN_WIDTH = 80
#: Narrowest completion column.
COMPLETION_MIN_WIDTH = 10

# What readline_update and readline_clear_screen write.
CURSOR_LEFT = "\x1b[D"
CURSOR_RIGHT = "\x1b[C"
ERASE_TO_EOL = "\x1b[K"
CLEAR_SCREEN = "\x1b[2J\x1b[1;1H"

ESC = 0x1B
CSI_8BIT = 0x9B

PrintFunc = Callable[[str], object]
FlushFunc = Callable[[], object]
LineFunc = Callable[[bytes], None]
CompletionFinder = Callable[["ReadLineState", bytes], None]


class EscState(Enum):
    """Where the input decoder is (``IS_NORM`` ... in util/readline.c)."""

    #: Plain input: text and control keys.
    NORM = 0
    #: After ESC.
    ESC = 1
    #: After ESC ``[`` or 0x9B, collecting a decimal parameter.
    CSI = 2
    #: After ESC ``O``.
    SS3 = 3


def _text(data: bytes | bytearray) -> str:
    """Bytes as monitor text that encodes back to exactly these bytes."""
    return bytes(data).decode("utf-8", "surrogateescape")


def _isspace(byte: int) -> bool:
    """C's ``isspace`` in the C locale."""
    return byte in b" \t\n\v\f\r"


class ReadLineState:
    """One line editor: the line, the cursor, the history and the decoder.

    :param printf: writes terminal text (the monitor turns ``\\n`` into
        ``\\r\\n``).
    :param flush: pushes pending terminal output out.
    :param completion_finder: called with the text before the cursor when
        Tab is pressed; it calls :meth:`add_completion` and
        :meth:`set_completion_index`.
    """

    def __init__(
        self,
        printf: PrintFunc,
        flush: FlushFunc,
        completion_finder: CompletionFinder | None = None,
    ) -> None:
        self._printf = printf
        self._flush = flush
        self._completion_finder = completion_finder
        self.prompt = ""
        self._line_func: LineFunc | None = None
        #: The line being edited, and the cursor (an index into it).
        self.buf = bytearray()
        self.index = 0
        # What the terminal shows since the last prompt, and where its cursor is.
        self._last = bytearray()
        self._last_index = 0
        self.esc_state = EscState.NORM
        self.esc_param = 0
        # QEMU's history array: the used slots come first, None after them.
        self._history: list[bytes | None] = [None] * READLINE_MAX_CMDS
        self._hist_entry = -1
        self._completions: list[bytes] = []
        self._completion_index = 0

    # -- API (readline_start & co.) --------------------------------------------

    def start(self, prompt: str, line_func: LineFunc) -> None:
        """Set the prompt and the line callback, and empty the line (readline_start)."""
        self.prompt = prompt.encode("utf-8", "surrogateescape")[:READLINE_PROMPT_MAX].decode(
            "utf-8", "surrogateescape"
        )
        self._line_func = line_func
        self.restart()

    def restart(self) -> None:
        """Forget the line being typed (readline_restart); the screen is not touched."""
        self.buf.clear()
        self.index = 0

    def show_prompt(self) -> None:
        """Print the prompt and start redrawing from scratch (readline_show_prompt)."""
        self._printf(self.prompt)
        self._flush()
        self._last.clear()
        self._last_index = 0
        self.esc_state = EscState.NORM

    @property
    def history(self) -> list[bytes]:
        """The history, oldest first."""
        return [h for h in self._history if h is not None]

    def get_history(self, index: int) -> bytes | None:
        """History line ``index`` or None (readline_get_history)."""
        if not 0 <= index < READLINE_MAX_CMDS:
            return None
        return self._history[index]

    def add_completion(self, candidate: bytes) -> None:
        """Offer a completion candidate; duplicates and extras are dropped."""
        if len(self._completions) < READLINE_MAX_COMPLETIONS and candidate not in self._completions:
            self._completions.append(candidate)

    def set_completion_index(self, index: int) -> None:
        """How many bytes of each candidate the line already holds."""
        self._completion_index = index

    # -- input -----------------------------------------------------------------

    def handle_byte(self, ch: int) -> None:
        """Feed one input byte, then redraw (readline_handle_byte)."""
        state = self.esc_state
        if state is EscState.NORM:
            self._handle_norm(ch)
        elif state is EscState.ESC:
            if ch == 0x5B:  # '['
                self.esc_state, self.esc_param = EscState.CSI, 0
            elif ch == 0x4F:  # 'O'
                self.esc_state, self.esc_param = EscState.SS3, 0
            else:
                self.esc_state = EscState.NORM
        elif state is EscState.CSI:
            if 0x30 <= ch <= 0x39:
                # The parameter grows as a C int would; only 1, 3 and 4 matter.
                self.esc_param = (self.esc_param * 10 + ch - 0x30) & 0xFFFFFFFF
            else:
                action = _CSI_FINAL.get(ch)
                if ch == 0x7E:  # '~'
                    action = _CSI_TILDE.get(self.esc_param)
                if action is not None:
                    action(self)
                self.esc_state = EscState.NORM
        else:
            action = _SS3_FINAL.get(ch)
            if action is not None:
                action(self)
            self.esc_state = EscState.NORM
        self._update()

    def handle_bytes(self, data: bytes) -> None:
        """Feed several bytes, one at a time."""
        for ch in data:
            self.handle_byte(ch)

    def _handle_norm(self, ch: int) -> None:
        action = _NORM_KEYS.get(ch)
        if action is not None:
            action(self)
        elif ch >= 0x20:
            self._insert(ch)

    # -- editing ---------------------------------------------------------------

    def _insert(self, ch: int) -> None:
        # QEMU checks the cursor, not the length, against the limit: with the
        # line full, one more byte still fits in the array when typed before
        # the end (see _update for what that does to the cursor).  Past that
        # QEMU's memmove overwrites its own state; qmonitor stops there.
        if self.index < READLINE_CMD_BUF_SIZE and len(self.buf) <= READLINE_CMD_BUF_SIZE:
            self.buf.insert(self.index, ch)
            self.index += 1

    def _backward_char(self) -> None:
        if self.index > 0:
            self.index -= 1

    def _forward_char(self) -> None:
        if self.index < len(self.buf):
            self.index += 1

    def _delete_char(self) -> None:
        if self.index < len(self.buf):
            del self.buf[self.index]

    def _backspace(self) -> None:
        if self.index > 0:
            self._backward_char()
            self._delete_char()

    def _backword(self) -> None:
        """Ctrl-W: delete back to the start of the word before the cursor."""
        if self.index == 0:
            return
        start = self.index - 1
        while start > 0 and _isspace(self.buf[start]):
            start -= 1
        while start > 0:
            if _isspace(self.buf[start]):
                start += 1
                break
            start -= 1
        if start < self.index:
            del self.buf[start : self.index]
            self.index = start

    def _bol(self) -> None:
        self.index = 0

    def _eol(self) -> None:
        self.index = len(self.buf)

    def _clear_screen(self) -> None:
        self._printf(CLEAR_SCREEN)
        self.show_prompt()

    def _enter(self) -> None:
        line = bytes(self.buf)
        self._hist_add(line)
        self._printf("\n")
        self.buf.clear()
        self.index = 0
        self._last.clear()
        self._last_index = 0
        if self._line_func is not None:
            self._line_func(line)

    # -- history ---------------------------------------------------------------

    def _load(self, line: bytes) -> None:
        # pstrcpy into the line buffer: at most READLINE_CMD_BUF_SIZE bytes.
        self.buf[:] = line[:READLINE_CMD_BUF_SIZE]
        self.index = len(self.buf)

    def _up(self) -> None:
        if self._hist_entry == 0:
            return
        if self._hist_entry == -1:
            self._hist_entry = len(self.history)
        self._hist_entry -= 1
        if self._hist_entry >= 0:
            entry = self._history[self._hist_entry]
            assert entry is not None
            self._load(entry)

    def _down(self) -> None:
        if self._hist_entry == -1:
            return
        nxt = self._hist_entry + 1
        entry = self._history[nxt] if nxt < READLINE_MAX_CMDS else None
        if entry is not None:
            self._hist_entry = nxt
            self._load(entry)
        else:
            self._hist_entry = -1
            self._load(b"")

    def _hist_add(self, line: bytes) -> None:
        # An empty line leaves the history, and the position in it, alone.
        if not line:
            return
        used = [h for h in self._history if h is not None]
        if line in used:
            used.remove(line)
        elif len(used) == READLINE_MAX_CMDS:
            used.pop(0)
        used.append(line)
        self._history = used + [None] * (READLINE_MAX_CMDS - len(used))
        self._hist_entry = -1

    # -- completion ------------------------------------------------------------

    def _complete(self) -> None:
        self._completions = []
        if self._completion_finder is not None:
            self._completion_finder(self, bytes(self.buf[: self.index]))
        found = self._completions
        if not found:
            return
        if len(found) == 1:
            for ch in found[0][self._completion_index :]:
                self._insert(ch)
            if not found[0].endswith(b"/"):
                self._insert(0x20)
            return
        found.sort()
        self._printf("\n")
        # The common prefix of all candidates is typed in for the user.
        prefix = len(found[0])
        for cand in found[1:]:
            prefix = min(prefix, len(cand))
            for j in range(prefix):
                if cand[j] != found[0][j]:
                    prefix = j
                    break
        for ch in found[0][self._completion_index : prefix]:
            self._insert(ch)
        width = max(len(c) for c in found) + 2
        width = min(max(width, COMPLETION_MIN_WIDTH), COMPLETION_SCREEN_WIDTH)
        columns = COMPLETION_SCREEN_WIDTH // width
        for i, cand in enumerate(found):
            cell = _text(cand)
            self._printf(cell + " " * (width - len(cand)))
            if (i + 1) % columns == 0 or i == len(found) - 1:
                self._printf("\n")
        self.show_prompt()

    # -- output ----------------------------------------------------------------

    def _update(self) -> None:
        """Redraw what changed since the last redraw (readline_update)."""
        out: list[str] = []
        if self.buf != self._last:
            if len(self.buf) > READLINE_CMD_BUF_SIZE:
                # QEMU terminates the line in place: with a 4096-byte line the
                # NUL lands on the low byte of the cursor index stored right
                # after the buffer, so the cursor jumps back (x86-64 layout).
                self.index &= ~0xFF
            out.append(CURSOR_LEFT * self._last_index)
            out.append(_text(self.buf))
            out.append(ERASE_TO_EOL)
            self._last[:] = self.buf
            self._last_index = len(self.buf)
        if self.index != self._last_index:
            delta = self.index - self._last_index
            out.append(CURSOR_RIGHT * delta if delta > 0 else CURSOR_LEFT * -delta)
            self._last_index = self.index
        if out:
            self._printf("".join(out))
        self._flush()


Action = Callable[[ReadLineState], None]

#: Keys in plain input (the IS_NORM switch).  Bytes ≥ 0x20 not listed are text.
_NORM_KEYS: dict[int, Action] = {
    0x01: ReadLineState._bol,  # Ctrl-A
    0x04: ReadLineState._delete_char,  # Ctrl-D
    0x05: ReadLineState._eol,  # Ctrl-E
    0x08: ReadLineState._backspace,  # Ctrl-H
    0x09: ReadLineState._complete,  # Tab
    0x0A: ReadLineState._enter,  # LF
    0x0C: ReadLineState._clear_screen,  # Ctrl-L
    0x0D: ReadLineState._enter,  # CR
    0x17: ReadLineState._backword,  # Ctrl-W
    0x7F: ReadLineState._backspace,  # DEL
}


def _start_esc(rs: ReadLineState) -> None:
    rs.esc_state = EscState.ESC


def _start_csi(rs: ReadLineState) -> None:
    # QEMU does not clear the parameter here: a 0x9B sequence continues
    # whatever number the previous ESC [ or ESC O left behind.
    rs.esc_state = EscState.CSI


_NORM_KEYS[ESC] = _start_esc
_NORM_KEYS[CSI_8BIT] = _start_csi

#: CSI final bytes (ESC [ X).
_CSI_FINAL: dict[int, Action] = {
    0x41: ReadLineState._up,  # A: Up
    0x46: ReadLineState._up,  # F: as Up, as QEMU has it
    0x42: ReadLineState._down,  # B: Down
    0x45: ReadLineState._down,  # E: as Down
    0x43: ReadLineState._forward_char,  # C: Right
    0x44: ReadLineState._backward_char,  # D: Left
}

#: CSI N ~ by parameter.
_CSI_TILDE: dict[int, Action] = {
    1: ReadLineState._bol,  # Home
    3: ReadLineState._delete_char,  # Delete
    4: ReadLineState._eol,  # End
}

#: SS3 final bytes (ESC O X).
_SS3_FINAL: dict[int, Action] = {
    0x46: ReadLineState._eol,  # F: End
    0x48: ReadLineState._bol,  # H: Home
}
