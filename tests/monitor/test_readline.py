"""The line editor on its own: bindings, redraw bytes, history, completion, bad input.

Byte-exact behaviour against QEMU is covered by the recorded sessions
(test_hmp_golden.py); these tests pin the editor's own API and the cases
that are awkward to record.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import qmonitor.monitor.readline as readline_mod
from qmonitor.monitor.readline import (
    READLINE_CMD_BUF_SIZE,
    READLINE_MAX_CMDS,
    READLINE_MAX_COMPLETIONS,
    EscState,
    ReadLineState,
)


class Term:
    """An editor whose output, flushes and finished lines are recorded."""

    def __init__(self, candidates: list[bytes] | None = None) -> None:
        self.out: list[str] = []
        self.flushes = 0
        self.lines: list[bytes] = []
        self.candidates = candidates or []
        self.asked: list[bytes] = []
        self.rs = ReadLineState(self.out.append, self._flush, self._finder)
        self.rs.start("(qemu) ", self.lines.append)

    def _flush(self) -> None:
        self.flushes += 1

    def _finder(self, rs: ReadLineState, line: bytes) -> None:
        self.asked.append(line)
        word = line.rsplit(b" ", 1)[-1]
        rs.set_completion_index(len(word))
        for cand in self.candidates:
            if cand.startswith(word):
                rs.add_completion(cand)

    def type(self, data: bytes) -> bytes:
        self.out.clear()
        self.rs.handle_bytes(data)
        return "".join(self.out).encode("utf-8", "surrogateescape")

    @property
    def line(self) -> bytes:
        return bytes(self.rs.buf)


def test_sans_io_imports_nothing_of_qmonitor_or_io() -> None:
    tree = ast.parse(Path(readline_mod.__file__).read_text())
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    }
    assert imported <= {"__future__", "collections", "enum"}


def test_typing_redraws_from_the_line_start_and_flushes() -> None:
    t = Term()
    assert t.type(b"a") == b"a\x1b[K"
    assert t.type(b"b") == b"\x1b[Dab\x1b[K"
    assert t.flushes == 2


def test_cursor_movement_alone_writes_only_cursor_moves() -> None:
    t = Term()
    t.type(b"abc")
    assert t.type(b"\x1b[D\x1b[D") == b"\x1b[D\x1b[D"
    assert t.type(b"\x05") == b"\x1b[C\x1b[C"
    assert t.type(b"\x1b[C") == b""


def test_enter_hands_over_the_line_and_starts_afresh() -> None:
    t = Term()
    t.type(b"info status")
    assert t.type(b"\r") == b"\n"
    assert t.lines == [b"info status"]
    assert t.type(b"x") == b"x\x1b[K"


def test_lf_is_enter_too_and_crlf_gives_an_empty_line() -> None:
    t = Term()
    t.type(b"a\r\nb\n")
    assert t.lines == [b"a", b"", b"b"]


@pytest.mark.parametrize(
    ("keys", "line", "index"),
    [
        (b"abc\x01", b"abc", 0),
        (b"abc\x01\x05", b"abc", 3),
        (b"abc\x1b[1~", b"abc", 0),
        (b"abc\x1b[1~\x1b[4~", b"abc", 3),
        (b"abc\x1bOH", b"abc", 0),
        (b"abc\x1bOH\x1bOF", b"abc", 3),
        (b"abc\x01\x04", b"bc", 0),
        (b"abc\x01\x1b[3~", b"bc", 0),
        (b"abc\x04", b"abc", 3),
        (b"abc\x7f", b"ab", 2),
        (b"abc\x08", b"ab", 2),
        (b"abc\x01\x7f", b"abc", 0),
        (b"ab cd\x17", b"ab ", 3),
        (b"ab cd  \x17", b"ab ", 3),
        (b"  ab\x17", b"  ", 2),
        (b"ab\x17", b"", 0),
        (b" \x17", b"", 0),
        (b"abc\x9bD", b"abc", 2),
    ],
)
def test_bindings(keys: bytes, line: bytes, index: int) -> None:
    t = Term()
    t.type(keys)
    assert (t.line, t.rs.index) == (line, index)


@pytest.mark.parametrize("key", [0x0B, 0x15, 0x0E, 0x10, 0x02, 0x06, 0x00, 0x1F])
def test_keys_qemu_72_does_not_bind_do_nothing(key: int) -> None:
    t = Term()
    t.type(b"ab")
    assert t.type(bytes([key])) == b""
    assert (t.line, t.rs.index, t.rs.history) == (b"ab", 2, [])


def test_ctrl_l_clears_the_screen_and_redraws_prompt_and_line() -> None:
    t = Term()
    t.type(b"ab\x1b[D")
    assert t.type(b"\x0c") == b"\x1b[2J\x1b[1;1H(qemu) ab\x1b[K\x1b[D"


def test_escape_sequences_split_across_reads() -> None:
    t = Term()
    t.type(b"abc")
    for part in (b"\x1b", b"[", b"3"):
        t.type(part)
    assert t.rs.esc_state is EscState.CSI
    t.type(b"\x01~")  # inside CSI, 0x01 is an unknown final byte: dropped with the sequence
    assert (t.line, t.rs.esc_state) == (b"abc~", EscState.NORM)


def test_escape_then_other_byte_drops_both() -> None:
    t = Term()
    t.type(b"\x1bxy\x1b[12;5Az")
    assert t.line == b"y5Az"


def test_prompt_resets_a_half_escape() -> None:
    t = Term()
    t.type(b"\x1b[")
    t.rs.show_prompt()
    t.type(b"D")
    assert t.line == b"D"


def test_high_bytes_are_text_and_come_back_unchanged() -> None:
    t = Term()
    assert (
        t.type(b"\xc3\xa9\xff") == b"\xc3\x1b[K\x1b[D\xc3\xa9\x1b[K\x1b[D\x1b[D\xc3\xa9\xff\x1b[K"
    )
    t.type(b"\r")
    assert t.lines == [b"\xc3\xa9\xff"]


def test_line_length_limit() -> None:
    t = Term()
    t.type(b"x" * (READLINE_CMD_BUF_SIZE + 10))
    assert len(t.line) == READLINE_CMD_BUF_SIZE
    # One more byte fits before the end, and QEMU's cursor then loses its low byte.
    t.type(b"\x1b[D" * 4000 + b"Q")
    assert len(t.line) == READLINE_CMD_BUF_SIZE + 1
    assert t.rs.index == (96 & ~0xFF)
    t.type(b"R")
    assert len(t.line) == READLINE_CMD_BUF_SIZE + 1


def test_history_up_down_dedup() -> None:
    t = Term()
    t.type(b"one\rtwo\rone\r")
    assert t.rs.history == [b"two", b"one"]
    t.type(b"\x1b[A")
    assert t.line == b"one"
    t.type(b"\x1b[A\x1b[A")
    assert t.line == b"two"
    t.type(b"\x1b[B")
    assert t.line == b"one"
    t.type(b"\x1b[B")
    assert t.line == b""


def test_empty_line_keeps_history_position() -> None:
    t = Term()
    t.type(b"a\rb\rc\r\x1b[A\x1b[A\x7f\r\x1b[A")
    assert t.line == b"a"


def test_thousands_of_history_entries_keep_the_newest_64() -> None:
    t = Term()
    for i in range(5000):
        t.type(f"c{i}\r".encode())
    assert len(t.rs.history) == READLINE_MAX_CMDS
    assert t.rs.history[0] == b"c4936"
    assert t.rs.get_history(READLINE_MAX_CMDS - 1) == b"c4999"
    assert t.rs.get_history(READLINE_MAX_CMDS) is None
    t.type(b"c4936\r")
    assert t.rs.history[-1] == b"c4936" and t.rs.history[0] == b"c4937"


def test_completion_single_candidate_gets_a_space() -> None:
    t = Term([b"status", b"stop"])
    t.type(b"info stat\t")
    assert t.line == b"info status "
    assert t.asked == [b"info stat"]


def test_completion_ending_in_slash_gets_no_space() -> None:
    t = Term([b"dir/"])
    t.type(b"d\t")
    assert t.line == b"dir/"


def test_completion_listing_layout_and_common_prefix() -> None:
    t = Term([b"stop", b"status", b"stats", b"status"])
    out = t.type(b"st\t")
    assert out.endswith(
        b"\nstats     status    stop      \n(qemu) st\x1b[K",
    )
    t = Term([b"system_reset", b"system_powerdown"])
    out = t.type(b"sy\t")
    assert b"\nsystem_powerdown  system_reset      \n(qemu) system_\x1b[K" in out


def test_completion_columns_wrap_at_80() -> None:
    names = [f"command{i:02d}".encode() for i in range(12)]
    t = Term(names)
    out = t.type(b"\t").decode()
    rows = out.split("\n")[1:-1]
    assert [len(r) for r in rows] == [77, 55]  # 7 columns of 11, then 5


def test_completion_on_empty_line_with_nothing_to_offer() -> None:
    t = Term([])
    assert t.type(b"\t") == b""
    assert t.asked == [b""]


def test_completion_is_bounded() -> None:
    t = Term([f"c{i:04d}".encode() for i in range(1000)])
    listing = t.type(b"\t").decode().split("\n(qemu) ")[0]
    assert listing.count("c0") == READLINE_MAX_COMPLETIONS


def test_completion_uses_only_text_before_cursor() -> None:
    t = Term([b"status"])
    t.type(b"info stax\x1b[D\t")
    assert t.asked == [b"info sta"]
    assert t.line == b"info status x"
