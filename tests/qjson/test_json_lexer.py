"""The lexer: json-lexer.c's tokens, whichever way the bytes come in."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qmonitor.qjson.lexer import Lexer, State, Tok, split_run


def lex(data: bytes, chunk: int | None = None, runs: bool = False) -> list[tuple[Tok, bytes]]:
    """All tokens (no event ever stops the lexer), fed in pieces of ``chunk``."""
    out: list[tuple[Tok, bytes]] = []

    def sink(tok: Tok, text: bytes) -> bool:
        out.append((tok, text))
        return False

    def take_run(raw: bytes) -> bool:
        out.extend(split_run(raw))
        return True

    lexer = Lexer()
    step = chunk or max(len(data), 1)
    for i in range(0, len(data), step):
        piece = data[i : i + step]
        assert lexer.lex(piece, 0, len(piece), sink, take_run if runs else None) == len(piece)
    return out


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'{"a": [1, -2.5e+3]}', [
            (Tok.LCURLY, b"{"), (Tok.STRING, b'"a"'), (Tok.COLON, b":"),
            (Tok.LSQUARE, b"["), (Tok.INTEGER, b"1"), (Tok.COMMA, b","),
            (Tok.FLOAT, b"-2.5e+3"), (Tok.RSQUARE, b"]"), (Tok.RCURLY, b"}"),
        ]),
        (b"0e1 ", [(Tok.INTEGER, b"0"), (Tok.KEYWORD, b"e"), (Tok.INTEGER, b"1")]),
        (b"01", [(Tok.ERROR, b"01")]),
        (b"1.}", [(Tok.ERROR, b"1.}")]),
        (b"-a", [(Tok.ERROR, b"-a")]),
        (b"'a\"\\'' ", [(Tok.STRING, b"'a\"\\''")]),
        (b'"\\q\x7f\xfd"', [(Tok.STRING, b'"\\q\x7f\xfd"')]),
        (b'"a\xfe', [(Tok.ERROR, b'"a\xfe')]),
        (b'"a\\\x01', [(Tok.ERROR, b'"a\\\x01')]),
        (b"abc:", [(Tok.KEYWORD, b"abc"), (Tok.COLON, b":")]),
        (b"%d", [(Tok.ERROR, b"%")]),
        # Recovery: skip to { } [ ] , : or a control character but tab.
        (b"@ x\t'\"\xc3\xa9\x7f,", [(Tok.ERROR, b"@"), (Tok.COMMA, b",")]),
        (b"@\nx ", [(Tok.ERROR, b"@"), (Tok.KEYWORD, b"x")]),
        (b"@\x01", [(Tok.ERROR, b"@"), (Tok.ERROR, b"\x01")]),
        (b"@\xff\xfe", [(Tok.ERROR, b"@"), (Tok.ERROR, b"\xff"), (Tok.ERROR, b"\xfe")]),
        (b"1\xff", [(Tok.INTEGER, b"1"), (Tok.ERROR, b"\xff")]),
    ],
)  # fmt: skip
def test_tokens(data: bytes, expected: list[tuple[Tok, bytes]]) -> None:
    assert lex(data) == expected
    assert lex(data, chunk=1) == expected


def test_number_or_keyword_at_the_end_waits() -> None:
    assert lex(b"123") == [] and lex(b"tru") == []
    lexer = Lexer()
    assert lexer.lex(b"12", 0, 2, lambda tok, text: False) == 2
    assert lexer.state is State.INT and not lexer.idle


def test_lexer_stops_after_the_byte_that_ended_an_event() -> None:
    seen: list[bytes] = []

    def sink(tok: Tok, text: bytes) -> bool:
        seen.append(text)
        return tok is Tok.INTEGER

    data = b"1]2 3"
    # "1" ends at "]", which is lexed in the same step; then the lexer stops.
    assert Lexer().lex(data, 0, len(data), sink) == 2
    assert seen == [b"1", b"]"]


def test_oversized_token_is_handed_over_unfinished() -> None:
    # Shrink nothing: 64 MiB + 1 bytes of string is cheap to lex.
    from qmonitor.qjson.lexer import MAX_TOKEN_SIZE

    data = b'"' + b"x" * MAX_TOKEN_SIZE + b'yz"'
    got = lex(data)
    assert [tok for tok, _ in got] == [Tok.OVERSIZE, Tok.KEYWORD]
    assert len(got[0][1]) == MAX_TOKEN_SIZE + 1 and got[1][1] == b"yz"
    # (the closing quote then opens a string that never ends)


def test_runs_split_into_the_same_tokens() -> None:
    data = b"[" + b"1, 'a', \"b\\n\", true, -2.5e3, null, 0, 0.5, " * 20 + b"9]"
    assert lex(data, runs=True) == lex(data) == lex(data, chunk=1)
    assert split_run(b'1,"a":-0.5e1 ,true') == [
        (Tok.INTEGER, b"1"), (Tok.COMMA, b","), (Tok.STRING, b'"a"'), (Tok.COLON, b":"),
        (Tok.FLOAT, b"-0.5e1"), (Tok.COMMA, b","), (Tok.KEYWORD, b"true"),
    ]  # fmt: skip


FRAGMENTS = [
    b"{", b"}", b"[", b"]", b":", b",", b'"a"', b"'b'", b'"', b"'", b"\\", b"\\u", b"1", b"0",
    b"-", b".", b"e", b"E", b"+", b"true", b"x", b" ", b"\t", b"\n", b"\x00", b"\x01",
    b"\xc3\xa9", b"\xfe", b"\xff", b"%", b"@", b"1, 'a', \"b\\n\", true, -2.5e3, " * 10,
]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=30), st.integers(1, 7))
def test_fast_steps_change_nothing(parts: list[bytes], chunk: int) -> None:
    data = b"".join(parts) + b"\n"
    one_by_one = lex(data, chunk=1)
    assert lex(data) == one_by_one
    assert lex(data, runs=True) == one_by_one
    assert lex(data, chunk=chunk) == one_by_one
