"""The parser: QEMU's texts, and the C decoder lane agreeing with the exact one."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qmonitor.qjson import encode
from qmonitor.qjson.lexer import Lexer, Tok
from qmonitor.qjson.parser import (
    JsonError,
    decode_plain,
    parse_exact,
    parse_string,
    parse_tokens,
    plain_text,
    qemu_int,
)


def tokens(data: bytes) -> list[tuple[Tok, bytes]]:
    out: list[tuple[Tok, bytes]] = []

    def sink(tok: Tok, text: bytes) -> bool:
        out.append((tok, text))
        return False

    Lexer().lex(data + b" ", 0, len(data) + 1, sink)
    return out


def exact(data: bytes) -> Any:
    try:
        return parse_exact(tokens(data))
    except JsonError as exc:
        return ("error", exc.message)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"]", "expecting value"),
        (b"{,}", "expecting value"),
        (b'{"a" 1}', "missing : in object pair"),
        (b'{"a":1 "b"}', "expected separator in dict"),
        (b"[1 2]", "expected separator in list"),
        (b"{1:2}", "key is not a string in object"),
        (b"{[1 2]:3}", "expected separator in list"),  # the key is read first
        (b'{"a":1,"a":tru}', "invalid keyword 'tru'"),  # the value before the check
        (b'{"a":1,"a":2}', "duplicate key"),
        (b"[", "premature EOI"),
        (b'{"a":', "premature EOI"),
        (b'"\\x"', "invalid escape sequence in string"),
        (b'"\\u12"', '\\u12" is not a valid Unicode character'),
        (b'"\\ud83d\\ude0"', "\\ud83d is not a valid Unicode character"),
        (b'"\\uD83F\\uDFFF"', "\\uD83F\\uDFFF is not a valid Unicode character"),
        (b'"\\ufdd0"', "\\ufdd0 is not a valid Unicode character"),
        (b'"\xef\xbf\xbf"', "invalid UTF-8 sequence in string"),
        (b'"\xc0\x81\\x"', "invalid UTF-8 sequence in string"),
        (b'"\xc0\x80\\x"', "invalid escape sequence in string"),
    ],
)
def test_errors(data: bytes, message: str) -> None:
    assert exact(data) == ("error", "JSON parse error, " + message)


def test_message_is_cut_at_1023_bytes() -> None:
    (_, text) = exact(b"z" * 2000)
    assert text == "JSON parse error, invalid keyword '" + "z" * 1006
    assert len(text.encode()) == len("JSON parse error, ") + 1023


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", 0),
        ("-0", 0),
        ("9223372036854775807", 2**63 - 1),
        ("9223372036854775808", 2**63),
        ("18446744073709551615", 2**64 - 1),
        ("18446744073709551616", 2.0**64),
        ("-9223372036854775808", -(2**63)),
        ("-9223372036854775809", -(2.0**63)),
        ("1" * 5000, float("inf")),
    ],
)
def test_integers(text: str, value: float) -> None:
    result = qemu_int(text)
    assert result == value and type(result) is type(value)


def test_strings() -> None:
    assert parse_string(b"'a\"b\\'c'") == "a\"b'c"
    assert parse_string(b'"\\u0000\xc0\x80\\u00E9\xc3\xa9"') == "\x00\x00\u00e9\u00e9"
    assert parse_string(b'"\xf4\x8f\xbf\xbd\\uDBFF\\uDFFD"') == "\U0010fffd" * 2


@pytest.mark.parametrize(
    "raw",
    [
        b"'single'",
        b'"\\ud800"',
        b'"\\uDFFF"',
        b'"\\ufdef"',
        b'"\\uFFFE"',
        b'"\xc0\x80"',
        b'"\xef\xbf\xbe"',
        b'"\xf0\x9f\xbf\xbf"',
    ],
)
def test_plain_lane_refuses_what_it_would_read_differently(raw: bytes) -> None:
    text = plain_text(b"[ " + raw + b" ]")
    assert text is None or decode_plain(text) == (False, None)


def test_plain_lane_refuses_duplicates_and_constants() -> None:
    assert decode_plain('{"a": 1, "a": 2}') == (False, None)
    assert decode_plain("[NaN]") == (False, None)
    assert decode_plain("[1] ") == (False, None)
    assert decode_plain('{"a": [1e400, 18446744073709551616]}') == (
        True,
        {"a": [float("inf"), 2.0**64]},
    )


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)  # encode writes inf as QEMU: no JSON
    | st.text(max_size=6),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4)
    ),
    max_leaves=15,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_lanes_agree(value: Any) -> None:
    toks = tokens(encode(value).encode())
    assert encode(parse_tokens(toks)) == encode(parse_exact(toks))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                b"[",
                b"]",
                b"{",
                b"}",
                b",",
                b":",
                b'"a"',
                b"1",
                b"null",
                b'"\\ud83d\\ude00"',
                b"'q'",
                b"-0.5e3",
                b"nul",
            ]
        ),
        max_size=14,
    )
)
def test_lanes_agree_on_errors_too(parts: list[bytes]) -> None:
    toks = tokens(b" ".join(parts))
    try:
        expected: Any = encode(parse_exact(toks))
    except JsonError as exc:
        expected = exc.message
    try:
        got: Any = encode(parse_tokens(toks))
    except JsonError as exc:
        got = exc.message
    assert got == expected
