"""QEMU's line editor (util/readline.c), sans-IO.

Bytes typed by a person go in one at a time; what the terminal must show
goes out through ``printf``/``flush`` callbacks, and complete lines go to
the line callback.  After each byte the editor redraws the way QEMU does:
back to the start of the previous text with ``ESC[D``, the whole buffer,
``ESC[K``, then the cursor moved with ``ESC[C``/``ESC[D``.  Imports nothing
from the rest of qmonitor.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

#: Longest command line (READLINE_CMD_BUF_SIZE); further input is ignored.
READLINE_CMD_BUF_SIZE = 4095
#: History entries kept (READLINE_MAX_CMDS).
READLINE_MAX_CMDS = 64


class EscState(Enum):
    """Where the decoder is inside an escape sequence."""

    #: Plain input.
    NORM = 0
    #: After ESC.
    ESC = 1
    #: After ESC [ (or the 8-bit CSI), collecting a numeric parameter.
    CSI = 2
    #: After ESC O.
    SS3 = 3


class ReadLineState:
    """One line editor: buffer, cursor, history and escape decoder.

    :param printf: writes terminal text (``\\n`` becomes ``\\r\\n`` later).
    :param flush: pushes pending terminal output out.
    """

    def __init__(self, printf: Callable[[str], object], flush: Callable[[], object]) -> None:
        self._printf = printf
        self._flush = flush
        self.buf: list[str] = []
        self.index = 0
        self._last = ""
        self._last_index = 0
        self.esc_state = EscState.NORM
        self.esc_param = 0
        self.history: list[str] = []
        self._hist_entry = -1
        self.prompt = ""
        self._line_func: Callable[[str], None] | None = None

    def start(self, prompt: str, line_func: Callable[[str], None]) -> None:
        """Set the prompt and what to call with each complete line (readline_start)."""
        self.prompt = prompt
        self._line_func = line_func

    def restart(self) -> None:
        """Forget the line being typed (readline_restart)."""
        self.buf = []
        self.index = 0

    def show_prompt(self) -> None:
        """Print the prompt and start a fresh redraw (readline_show_prompt)."""
        self._printf(self.prompt)
        self._flush()
        self._last = ""
        self._last_index = 0
        self.esc_state = EscState.NORM

    # -- input ------------------------------------------------------------

    def handle_byte(self, ch: int) -> None:
        """Feed one input byte, then redraw (readline_handle_byte)."""
        self._term_handle_byte(ch)
        self._update()

    def _term_handle_byte(self, ch: int) -> None:
        state = self.esc_state
        if state is EscState.NORM:
            self._normal(ch)
        elif state is EscState.ESC:
            if ch == 0x5B:  # '['
                self.esc_state, self.esc_param = EscState.CSI, 0
            elif ch == 0x4F:  # 'O'
                self.esc_state, self.esc_param = EscState.SS3, 0
            else:
                self.esc_state = EscState.NORM
        elif state is EscState.CSI:
            if 0x30 <= ch <= 0x39:
                self.esc_param = self.esc_param * 10 + (ch - 0x30)
                return
            if ch == 0x41:
                self._history_up()
            elif ch == 0x42:
                self._history_down()
            elif ch == 0x43:
                self.index = min(self.index + 1, len(self.buf))
            elif ch == 0x44:
                self.index = max(self.index - 1, 0)
            elif ch == 0x7E:  # '~'
                if self.esc_param == 1:
                    self.index = 0
                elif self.esc_param == 3:
                    self._delete_char()
                elif self.esc_param == 4:
                    self.index = len(self.buf)
            self.esc_state = EscState.NORM
        else:
            if ch == 0x46:
                self.index = len(self.buf)
            elif ch == 0x48:
                self.index = 0
            self.esc_state = EscState.NORM

    def _normal(self, ch: int) -> None:
        if ch == 1:
            self.index = 0
        elif ch == 4:
            self._delete_char()
        elif ch == 5:
            self.index = len(self.buf)
        elif ch in (10, 13):
            line = "".join(self.buf)
            self._hist_add(line)
            self._printf("\n")
            self.buf = []
            self.index = 0
            self._last = ""
            self._last_index = 0
            if self._line_func is not None:
                self._line_func(line)
        elif ch == 11:  # Ctrl-K: kill to end of line
            del self.buf[self.index :]
        elif ch == 14:
            self._history_down()
        elif ch == 16:
            self._history_up()
        elif ch == 21:  # Ctrl-U: kill to start of line
            del self.buf[: self.index]
            self.index = 0
        elif ch == 23:
            self._backword()
        elif ch == 27:
            self.esc_state = EscState.ESC
        elif ch in (8, 127):
            if self.index > 0:
                self.index -= 1
                del self.buf[self.index]
        elif ch == 155:
            self.esc_state, self.esc_param = EscState.CSI, 0
        elif ch >= 32 and len(self.buf) < READLINE_CMD_BUF_SIZE - 1:
            self.buf.insert(self.index, chr(ch))
            self.index += 1

    def _delete_char(self) -> None:
        if self.index < len(self.buf):
            del self.buf[self.index]

    def _backword(self) -> None:
        start = self.index - 1
        while start >= 0 and self.buf[start] == " ":
            start -= 1
        while start >= 0 and self.buf[start] != " ":
            start -= 1
        start += 1
        del self.buf[start : self.index]
        self.index = start

    # -- history ----------------------------------------------------------

    def _hist_add(self, line: str) -> None:
        if not line:
            return
        if line in self.history:
            self.history.remove(line)
        elif len(self.history) == READLINE_MAX_CMDS:
            self.history.pop(0)
        self.history.append(line)
        self._hist_entry = -1

    def _history_up(self) -> None:
        if self._hist_entry == 0:
            return
        if self._hist_entry == -1:
            self._hist_entry = len(self.history)
        if self._hist_entry == 0:
            self._hist_entry = -1
            return
        self._hist_entry -= 1
        self.buf = list(self.history[self._hist_entry])
        self.index = len(self.buf)

    def _history_down(self) -> None:
        if self._hist_entry == -1:
            return
        if self._hist_entry < len(self.history) - 1:
            self._hist_entry += 1
            self.buf = list(self.history[self._hist_entry])
        else:
            self._hist_entry = -1
            self.buf = []
        self.index = len(self.buf)

    # -- output -----------------------------------------------------------

    def _update(self) -> None:
        text = "".join(self.buf)
        if text != self._last:
            out = "\x1b[D" * self._last_index + text + "\x1b[K"
            self._last = text
            self._last_index = len(text)
            self._printf(out)
        if self.index != self._last_index:
            delta = self.index - self._last_index
            self._printf("\x1b[C" * delta if delta > 0 else "\x1b[D" * -delta)
            self._last_index = self.index
        self._flush()
