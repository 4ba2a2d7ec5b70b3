"""QEMU's JSON dialect: splitting, values, error texts and recovery, limits.

Expected texts are those QEMU 7.2 answers for the same bytes (see also the
golden transcripts in tests/golden/qmp/json_errors.json).
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qmonitor.qjson import (
    MAX_NESTING,
    NEED_DATA,
    JsonMessage,
    JsonParseError,
    JsonStreamer,
    encode,
)
from qmonitor.qjson import streamer as streamer_mod


def events(data: bytes, chunk: int | None = None) -> list[Any]:
    s = JsonStreamer()
    out: list[Any] = []
    pieces = [data] if chunk is None else [data[i : i + chunk] for i in range(0, len(data), chunk)]
    for piece in pieces:
        s.feed(piece)
        while (ev := s.next_event()) is not NEED_DATA:
            out.append(ev.value if isinstance(ev, JsonMessage) else ("error", ev.message))
    return out


def err(text: str) -> tuple[str, str]:
    return ("error", text)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'{"execute": "query-status"}', [{"execute": "query-status"}]),
        (b"{'execute': 'stop'}", [{"execute": "stop"}]),
        (b'  {"a":1}\n\n{"b":[true,false,null]}', [{"a": 1}, {"b": [True, False, None]}]),
        (b'{"a" 1}', [err("JSON parse error, missing : in object pair")]),
        (b"]", [err("JSON parse error, expecting value")]),
        (b'{"a": x}', [err("JSON parse error, invalid keyword 'x'")]),
        (b"nul ", [err("JSON parse error, invalid keyword 'nul'")]),
        (
            b'{"a": @}',
            [err("JSON parse error, stray '@'"), err("JSON parse error, expecting value")],
        ),
        (b"01 ", [err("JSON parse error, stray '01'")]),
        (b'{"a":1,"a":2}', [err("JSON parse error, duplicate key")]),
        (b'{"a":1 "b":2}', [err("JSON parse error, expected separator in dict")]),
        (b"[1 2]", [err("JSON parse error, expected separator in list")]),
        (b"{1: 2}", [err("JSON parse error, key is not a string in object")]),
        (b'{"a":"\\q"}', [err("JSON parse error, invalid escape sequence in string")]),
        (
            b'{"a":"\\ud800"}',
            [err("JSON parse error, \\ud800 is not a valid Unicode character")],
        ),
        (b'{"a":"\\uFFFE"}', [err("JSON parse error, \\uFFFE is not a valid Unicode character")]),
        (b'{"a":"\\ud83d\\ude00"}', [{"a": "\U0001f600"}]),
        (b'{"a":"\\u0000"}', [{"a": "\x00"}]),
        (b'{"a":"\xc3\xa9"}', [{"a": "\u00e9"}]),
        (b'{"a":"\xc0\x80"}', [{"a": "\x00"}]),
        (b'{"a":"\xed\xa0\x80"}', [err("JSON parse error, invalid UTF-8 sequence in string")]),
        (b"[-0, 1.5, 1e2, 18446744073709551615]", [[0, 1.5, 100.0, 18446744073709551615]]),
        (b"[18446744073709551616, -9223372036854775809]", [[2.0**64, -(2.0**63)]]),
        (b'"top" ', ["top"]),
        (b"1 ", [1]),
        (
            b'{"execute": "a\x00b"}\n',
            [err("JSON parse error, stray '\"a'"), err("JSON parse error, expecting value")],
        ),
    ],
)
def test_values_and_errors(data: bytes, expected: list[Any]) -> None:
    assert events(data) == expected
    assert events(data, chunk=1) == expected


def test_recovery_resumes_at_structural_characters() -> None:
    got = events(b'{"execute": "q" @abc def, "id": 1}\n')
    assert got == [
        err("JSON parse error, stray '@'"),
        err("JSON parse error, expecting value"),
        "id",
        err("JSON parse error, expecting value"),
        1,
        err("JSON parse error, expecting value"),
    ]


def test_number_at_end_waits_for_next_byte() -> None:
    s = JsonStreamer()
    s.feed(b"123")
    assert s.next_event() is NEED_DATA
    s.feed(b" ")
    ev = s.next_event()
    assert isinstance(ev, JsonMessage) and ev.value == 123


def test_events_are_lazy_and_rest_stays_buffered() -> None:
    s = JsonStreamer()
    s.feed(b'{"a":1}{"b":2}{"c":')
    first = s.next_event()
    assert isinstance(first, JsonMessage) and first.value == {"a": 1}
    assert s.buffered > 0 and not s.has_ready()
    second = s.next_event()
    assert isinstance(second, JsonMessage) and second.value == {"b": 2}
    assert s.next_event() is NEED_DATA
    s.feed(b"3}")
    third = s.next_event()
    assert isinstance(third, JsonMessage) and third.value == {"c": 3}


def test_reset_forgets_partial_input() -> None:
    s = JsonStreamer()
    s.feed(b'{"a": [1, 2')
    assert s.next_event() is NEED_DATA
    s.reset()
    s.feed(b'{"b": 1}')
    ev = s.next_event()
    assert isinstance(ev, JsonMessage) and ev.value == {"b": 1}


def test_nesting_limit() -> None:
    ok = b"[" * MAX_NESTING + b"]" * MAX_NESTING
    assert len(events(ok)) == 1
    too_deep = b"[" * (MAX_NESTING + 1) + b"]" * (MAX_NESTING + 1)
    got = events(too_deep)
    assert got[0] == err("JSON nesting depth limit exceeded")
    # Every bracket left over closes nothing: QEMU answers each one.
    assert got[1:] == [err("JSON parse error, expecting value")] * (MAX_NESTING + 1)


def test_token_count_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(streamer_mod, "MAX_TOKEN_COUNT", 10)
    got = events(b"[1, 2, 3, 4, 5, 6]")
    assert got[0] == err("JSON token count limit exceeded")


def test_token_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(streamer_mod, "MAX_TOKEN_SIZE", 64)
    got = events(b'{"a": "' + b"x" * 100 + b'"}')
    assert got[0] == err("JSON token size limit exceeded")


def slow_events(data: bytes) -> list[Any]:
    """The same input with the fast path disabled."""
    orig = JsonStreamer._fast
    JsonStreamer._fast = lambda self: None  # type: ignore[method-assign,assignment,return-value]
    try:
        return events(data)
    finally:
        JsonStreamer._fast = orig  # type: ignore[method-assign]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=6), json_values, max_size=5))
def test_fast_and_exact_paths_agree(value: dict[str, Any]) -> None:
    data = encode(value).encode("ascii")
    assert events(data) == slow_events(data)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=60), st.integers(1, 7))
def test_arbitrary_bytes_never_raise_and_chunking_does_not_matter(data: bytes, chunk: int) -> None:
    whole = events(data + b"\n")
    assert events(data + b"\n", chunk=chunk) == whole
    assert whole == slow_events(data + b"\n")


def test_sans_io_imports() -> None:
    code = (
        "import sys; import qmonitor.qjson; "
        "bad = [m for m in ('asyncio', 'socket', 'qmonitor.monitor', 'qmonitor.chardev') "
        "if m in sys.modules]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_parse_error_events_are_dataclasses() -> None:
    s = JsonStreamer()
    s.feed(b"]")
    ev = s.next_event()
    assert ev == JsonParseError("JSON parse error, expecting value")
