"""The line editor: QEMU's redraw bytes, editing keys and history."""

from __future__ import annotations

from qmonitor.monitor.readline import READLINE_MAX_CMDS, ReadLineState


class Term:
    def __init__(self) -> None:
        self.out: list[str] = []
        self.lines: list[str] = []
        self.rs = ReadLineState(self.out.append, lambda: None)
        self.rs.start("(qemu) ", self.lines.append)

    def type(self, data: bytes) -> str:
        self.out.clear()
        for b in data:
            self.rs.handle_byte(b)
        return "".join(self.out)


def test_typing_redraws_from_line_start() -> None:
    t = Term()
    assert t.type(b"a") == "a\x1b[K"
    assert t.type(b"b") == "\x1b[Dab\x1b[K"


def test_enter_runs_line_and_resets() -> None:
    t = Term()
    t.type(b"info status")
    assert t.type(b"\r") == "\n"
    assert t.lines == ["info status"]
    assert t.rs.history == ["info status"]
    assert t.type(b"x") == "x\x1b[K"


def test_backspace_and_cursor_keys() -> None:
    t = Term()
    t.type(b"abc")
    assert t.type(b"\x7f") == "\x1b[D\x1b[D\x1b[Dab\x1b[K"
    assert t.type(b"\x1b[D") == "\x1b[D"
    assert t.rs.index == 1
    assert t.type(b"X") == "\x1b[Dab\x1b[K".replace("ab", "aXb") + "\x1b[D"
    t.type(b"\x01")
    assert t.rs.index == 0
    t.type(b"\x05")
    assert t.rs.index == 3


def test_ctrl_w_ctrl_u_ctrl_k_ctrl_d() -> None:
    t = Term()
    t.type(b"info  status")
    t.type(b"\x17")
    assert "".join(t.rs.buf) == "info  "
    t.type(b"\x01\x04")
    assert "".join(t.rs.buf) == "nfo  "
    t.type(b"\x1b[C\x1b[C\x0b")
    assert "".join(t.rs.buf) == "nf"
    t.type(b"\x15")
    assert "".join(t.rs.buf) == ""
    assert t.rs.index == 0


def test_history_up_down_and_dedup() -> None:
    t = Term()
    for line in (b"one\r", b"two\r", b"one\r"):
        t.type(line)
    assert t.rs.history == ["two", "one"]
    t.type(b"\x1b[A")
    assert "".join(t.rs.buf) == "one"
    t.type(b"\x1b[A")
    assert "".join(t.rs.buf) == "two"
    t.type(b"\x1b[B")
    assert "".join(t.rs.buf) == "one"
    t.type(b"\x1b[B")
    assert "".join(t.rs.buf) == ""


def test_history_is_bounded_and_empty_lines_skipped() -> None:
    t = Term()
    for i in range(READLINE_MAX_CMDS + 10):
        t.type(f"c{i}\r".encode())
    t.type(b"\r")
    assert len(t.rs.history) == READLINE_MAX_CMDS
    assert t.rs.history[-1] == f"c{READLINE_MAX_CMDS + 9}"


def test_escape_sequences_cut_in_half_and_unknown() -> None:
    t = Term()
    t.type(b"ab\x1b")
    t.type(b"[")
    t.type(b"D")
    assert t.rs.index == 1
    t.type(b"\x1bxq")
    assert "".join(t.rs.buf) == "aqb"
    t.type(b"\x1b[3~")
    assert "".join(t.rs.buf) == "aq"
