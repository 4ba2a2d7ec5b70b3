"""JsonStreamer: where messages end, laziness, reset, QEMU's limits, both paths.

Expected texts and counts are what QEMU 7.2 answered for the same bytes (the
short cases are in data/qemu72_transcript.json, replayed by
test_json_transcript.py; the long ones were recorded for these tests).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qmonitor.qjson
from qmonitor.qjson import (
    MAX_NESTING,
    MAX_TOKEN_COUNT,
    MAX_TOKEN_SIZE,
    NEED_DATA,
    JsonMessage,
    JsonParseError,
    JsonStreamer,
    encode,
)
from qmonitor.qjson import streamer as streamer_mod

EXPECTING = ("error", "JSON parse error, expecting value")
NESTING = ("error", "JSON nesting depth limit exceeded")
COUNT = ("error", "JSON token count limit exceeded")
SIZE = ("error", "JSON token size limit exceeded")


def events(
    data: bytes, chunk: int | None = None, streamer: JsonStreamer | None = None
) -> list[Any]:
    """Values, and ("error", text) for errors, of ``data`` fed in pieces of ``chunk``."""
    s = streamer or JsonStreamer()
    out: list[Any] = []
    step = chunk or max(len(data), 1)
    for i in range(0, len(data), step):
        s.feed(data[i : i + step])
        while (ev := s.next_event()) is not NEED_DATA:
            out.append(ev.value if isinstance(ev, JsonMessage) else ("error", ev.message))
    return out


class SlowStreamer(JsonStreamer):
    """No fast path for whole plain requests."""

    def _fast(self, buf: bytearray, pos: int) -> None:
        return None


class NoSimpleStreamer(JsonStreamer):
    """The fast path without its shortcut for the most common request."""

    def _simple(self, buf: bytearray, pos: int) -> None:
        return None


class TokenStreamer(SlowStreamer):
    """Neither the fast path nor runs: every token goes through one by one."""

    def _run(self, raw: bytes) -> bool:
        return False


def plain_first_events(data: bytes, chunk: int | None = None) -> list[Any]:
    """:func:`events`, asking :meth:`JsonStreamer.next_plain` first each time.

    Checks on the way that a request it reads has an id text that is what
    QEMU writes for the id, and that when it declines it consumed nothing.
    """
    s = JsonStreamer()
    out: list[Any] = []
    step = chunk or max(len(data), 1)
    for i in range(0, len(data), step):
        s.feed(data[i : i + step])
        while True:
            before = s.buffered
            plain = s.next_plain()
            if plain is not None:
                name, id_text = plain
                request = streamer_mod.plain_request(name, id_text)
                assert id_text is None or encode(request["id"]) == id_text
                out.append(request)
                continue
            assert s.buffered == before
            ev = s.next_event()
            if ev is NEED_DATA:
                break
            out.append(ev.value if isinstance(ev, JsonMessage) else ("error", ev.message))
    return out


def all_paths(data: bytes) -> list[Any]:
    """Events of ``data``, after checking that every path gives the same."""
    whole = events(data)
    assert plain_first_events(data) == whole
    assert plain_first_events(data, chunk=1) == whole
    assert events(data, streamer=NoSimpleStreamer()) == whole
    assert events(data, streamer=SlowStreamer()) == whole
    assert events(data, streamer=TokenStreamer()) == whole
    return whole


# -- values and errors ---------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'{"execute": "query-status"}', [{"execute": "query-status"}]),
        (b"{'execute': 'stop', \"id\": 'a\"b'}", [{"execute": "stop", "id": 'a"b'}]),
        (b' \t\r\n{"a":1}\n\n{"b":[true,false,null]}', [{"a": 1}, {"b": [True, False, None]}]),
        (b"[-0, 1.5, 1e2, 0.5e1, 18446744073709551615]", [[0, 1.5, 100.0, 5.0, 2**64 - 1]]),
        (b"[18446744073709551616, -9223372036854775809]", [[2.0**64, -(2.0**63)]]),
        (b"[9223372036854775807, -9223372036854775808]", [[2**63 - 1, -(2**63)]]),
        (b"[1e400, -1e400, 1e-400]", [[float("inf"), float("-inf"), 0.0]]),
        (b'"top" 1 true null [] {}', ["top", 1, True, None, [], {}]),
        (b'{"a":"\\u00e9\\ud83d\\ude00\\u0000\xc0\x80"}', [{"a": "\u00e9\U0001f600\x00\x00"}]),
        (b'{"a":"\\/\\b\\f\\n\\r\\t\\"\\\\\\\'"}', [{"a": "/\b\f\n\r\t\"\\'"}]),
        (b'{"a" 1}', [("error", "JSON parse error, missing : in object pair")]),
        (b"]", [EXPECTING]),
        (b"0e1 ", [0, ("error", "JSON parse error, invalid keyword 'e'"), 1]),
        (b'{"a":0e1}', [("error", "JSON parse error, expected separator in dict")]),
        (b'{"a":NaN}', [("error", "JSON parse error, stray 'N'"), EXPECTING]),
        (b"%d ", [("error", "JSON parse error, stray '%'")]),
        (b'{"a":1,"a":2}', [("error", "JSON parse error, duplicate key")]),
        (
            b"\xff\xfe",
            [("error", "JSON parse error, stray '\udcff'")] * 1
            + [("error", "JSON parse error, stray '\udcfe'")],
        ),
        (b'"a\x00b"', [("error", "JSON parse error, stray '\"a'")]),
        (b"1]", [1, EXPECTING]),
    ],
)
def test_values_and_errors(data: bytes, expected: list[Any]) -> None:
    assert all_paths(data) == expected
    assert events(data, chunk=1) == expected


def test_error_text_for_bytes_that_are_not_utf8_prints_as_qemu() -> None:
    (error,) = events(b"\xff")
    assert encode(error[1]) == "\"JSON parse error, stray '\\uFFFD'\""


def test_long_invalid_keyword_is_cut_like_qemus_message_buffer() -> None:
    # json-parser.c formats into char[1024]: at most 1023 bytes follow the prefix.
    (error,) = events(b"k" * 3000 + b" ")
    assert error[1] == "JSON parse error, invalid keyword '" + "k" * 1006
    (error,) = events(b"k" * 1005 + b" ")
    assert error[1] == "JSON parse error, invalid keyword '" + "k" * 1005 + "'"


def test_recovery_skips_to_structural_characters_and_line_ends() -> None:
    got = events(b'@@@ abc\tdef "x" \'y\' {"a": 1}\n')
    assert got == [("error", "JSON parse error, stray '@'"), {"a": 1}]
    got = events(b"@@@\nabc ")
    assert got == [
        ("error", "JSON parse error, stray '@'"),
        ("error", "JSON parse error, invalid keyword 'abc'"),
    ]
    got = events(b"@ , : ]")
    assert got == [("error", "JSON parse error, stray '@'"), EXPECTING, EXPECTING, EXPECTING]


def test_0xff_resets_a_half_read_message() -> None:
    got = events(b'{"execute": "a", "arguments": {\xff{"execute": "b"}')
    assert got == [("error", "JSON parse error, stray '\udcff'"), {"execute": "b"}]


# -- laziness ------------------------------------------------------------------


@pytest.mark.parametrize("first", [b'{"a":1}', b"{'a':1}", b'{"a":"\\u00e9"}', b"[1]"])
def test_next_event_reads_no_further_than_the_message(first: bytes) -> None:
    s = JsonStreamer()
    rest = b'{"b":2}{"c":'
    s.feed(first + rest)
    assert isinstance(s.next_event(), JsonMessage)
    assert s.buffered == len(rest) and not s.has_ready()
    ev = s.next_event()
    assert isinstance(ev, JsonMessage) and ev.value == {"b": 2}
    assert s.next_event() is NEED_DATA
    s.feed(b"3}")
    ev = s.next_event()
    assert isinstance(ev, JsonMessage) and ev.value == {"c": 3}


def test_next_plain_reads_the_common_request_only() -> None:
    s = JsonStreamer()
    s.feed(b' {"execute": "query-status", "id": -12} {"execute":"a","id":"x y"}{"execute":"b"}')
    assert s.next_plain() == ("query-status", "-12")
    assert s.next_plain() == ("a", '"x y"')
    assert s.next_plain() == ("b", None)
    assert s.next_plain() is None and s.buffered == 0
    for other in (b'{"execute":"a","id":1.5}', b'{"execute":"a","arguments":{}}', b"[1]"):
        s.feed(other)
        assert s.next_plain() is None and s.buffered == len(other)
        assert isinstance(s.next_event(), JsonMessage)
    # Not at the start of a value: the long road has the half-read one.
    s.feed(b'{"execute":')
    assert s.next_event() is NEED_DATA and s.next_plain() is None
    s.feed(b'"a"}{"execute":"b"}')
    assert s.next_plain() is None
    assert s.next_event() == JsonMessage({"execute": "a"})
    assert s.next_plain() == ("b", None)


def test_byte_after_a_number_is_lexed_in_the_same_step() -> None:
    # QEMU ends "1" at the next byte and lexes that byte at once: the "]"
    # is an error of its own, produced before QEMU looks at the monitor again.
    s = JsonStreamer()
    s.feed(b"1")
    assert s.next_event() is NEED_DATA
    s.feed(b']{"a":1}')
    assert s.next_event() == JsonMessage(1)
    assert s.has_ready() and s.buffered == len(b'{"a":1}')
    assert s.next_event() == JsonParseError("JSON parse error, expecting value")
    assert s.next_event() == JsonMessage({"a": 1})


def test_reset_forgets_everything() -> None:
    s = JsonStreamer()
    s.feed(b'{"a": [1, 2')
    assert s.next_event() is NEED_DATA
    s.reset()
    s.feed(b'{"b": 1}')
    assert s.next_event() == JsonMessage({"b": 1})
    s.feed(b"1]")
    assert s.next_event() == JsonMessage(1)
    s.reset()
    assert not s.has_ready() and s.buffered == 0 and s.next_event() is NEED_DATA


# -- limits (json-streamer.c) --------------------------------------------------


def test_limits_are_qemus() -> None:
    assert (MAX_TOKEN_SIZE, MAX_TOKEN_COUNT, MAX_NESTING) == (64 << 20, 2 << 20, 1024)


def test_nesting_limit() -> None:
    (value,) = events(b"[" * 1024 + b"]" * 1024)
    for _ in range(1023):
        (value,) = value
    assert value == []
    # QEMU: the limit error, then each closing bracket is an error of its own.
    assert all_paths(b"[" * 1025 + b"]" * 1025) == [NESTING] + [EXPECTING] * 1025
    assert events(b"[{" * 512 + b"[" + b"]}" * 512 + b"]") == [NESTING] + [EXPECTING] * 1025
    got = events(b'{"a":' * 1025 + b"1" + b"}" * 1025)
    assert got == [NESTING, "a", EXPECTING, 1] + [EXPECTING] * 1025


def test_single_quoted_strings_and_runs() -> None:
    # A run of tokens may begin and end with single-quoted strings.
    data = b"['a', " + b"1, 'b c', " * 40 + b"'z']"
    assert all_paths(data) == [["a", *[1, "b c"] * 40, "z"]]
    assert all_paths(b"{'a': 'x\"y', 'b': '\\\\'}") == [{"a": 'x"y', "b": "\\"}]


def test_deep_values_come_out_whole() -> None:
    data = b'{"a":' * 1023 + b"[1]" + b"}" * 1023
    # (Python's == recurses too deep for such values: compare their text.)
    texts = {encode(events(data, streamer=cls())[0]) for cls in (JsonStreamer, TokenStreamer)}
    assert texts == {'{"a": ' * 1023 + "[1]" + "}" * 1023}


def _tokens(total: int) -> bytes:
    # {"execute":"query-status","id":[0,0,...]} with ``total`` tokens: ten
    # around the list, a zero and a comma per item, and a last item of one
    # token (0) or two ([]).
    last = b"[]" if total % 2 == 0 else b"0"
    zeros = (total - 10 - len(last)) // 2
    items = [b"0"] * zeros + [last]
    return b'{"execute":"query-status","id":[' + b",".join(items) + b"]}"


def test_token_count_limit() -> None:
    (value,) = events(_tokens(MAX_TOKEN_COUNT))
    assert len(value["id"]) == (MAX_TOKEN_COUNT - 12) // 2 + 1 and value["id"][-1] == []
    # The 2,097,153rd token is the last "}": the error and nothing more.
    assert events(_tokens(MAX_TOKEN_COUNT + 1)) == [COUNT]


@pytest.mark.parametrize("streamer", [JsonStreamer, TokenStreamer])
def test_token_count_limit_inside_a_run(
    monkeypatch: pytest.MonkeyPatch, streamer: type[JsonStreamer]
) -> None:
    # A smaller limit, the same shape: the limit falls on the last comma,
    # inside what would be a run; "1" then ends at "]", which closes nothing.
    monkeypatch.setattr(streamer_mod, "MAX_TOKEN_COUNT", 1000)
    data = b"[" + b"0," * 500 + b"1]"
    assert events(data, streamer=streamer()) == [COUNT, 1, EXPECTING]
    assert events(b"[" + b"0," * 499 + b"1]", streamer=streamer()) == [COUNT]
    assert events(b"[" + b"0," * 498 + b"[]]", streamer=streamer()) == [[0] * 498 + [[]]]


def test_token_size_limit() -> None:
    # Bytes of all tokens of a message, blanks not counted: QEMU takes
    # 64 MiB - 1 and refuses 64 MiB.
    def request(total: int) -> bytes:
        head = b'{"execute" :\t"query-status",\n"id": "'
        return head + b"x" * (total - 34) + b'"}'

    (value,) = events(request(MAX_TOKEN_SIZE - 1))
    assert len(value["id"]) == MAX_TOKEN_SIZE - 35
    assert events(request(MAX_TOKEN_SIZE)) == [SIZE]
    # One more byte: the string alone passes the limit; "}" is left over.
    assert events(request(MAX_TOKEN_SIZE + 1)) == [SIZE, EXPECTING]


def test_one_token_longer_than_the_limit() -> None:
    # json-lexer.c hands the first 64 MiB + 1 bytes over (an error), then
    # lexes on: here "xxxxx" is a keyword and '"' opens a string.
    data = b'"' + b"x" * (MAX_TOKEN_SIZE + 5) + b'"{"execute": 1}'
    assert events(data)[:4] == [
        SIZE,
        ("error", "JSON parse error, invalid keyword 'xxxxx'"),
        "{",
        ("error", "JSON parse error, invalid keyword 'execute'"),
    ]


def test_keyword_longer_than_the_limit() -> None:
    # The same for a keyword: QEMU then reads "aaaa" as one of its own.
    data = b"a" * (MAX_TOKEN_SIZE + 5) + b" "
    assert events(data) == [SIZE, ("error", "JSON parse error, invalid keyword 'aaaa'")]


def test_blanks_are_no_token() -> None:
    # Not even 64 MiB of them (QEMU answers the request that follows).
    assert events(b" " * (MAX_TOKEN_SIZE + 5) + b'{"a": 1}') == [{"a": 1}]


# -- equivalences --------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=6), json_values, max_size=5))
def test_paths_agree_on_what_encode_writes(value: dict[str, Any]) -> None:
    data = encode(value).encode("ascii")
    all_paths(data)
    assert events(data, chunk=3) == events(data)


FRAGMENTS = [
    b"{", b"}", b"[", b"]", b":", b",", b'"a"', b"'b'", b'"', b"'", b"\\", b"\\u", b"d83d",
    b"00e9", b"1", b"0", b"-", b".", b"e", b"E", b"+", b"true", b"nul", b" ", b"\n", b"\t",
    b"\x00", b"\x01", b"\xc3\xa9", b"\xc0\x80", b"\xed\xa0\x80", b"\xef\xbf\xbf", b"\xfe",
    b"%", b"@", b"18446744073709551616", b'"execute"', b"1, 'a', \"b\\n\", true, -2.5e3, " * 20,
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=30), st.integers(1, 9))
def test_paths_and_chunking_agree_on_any_input(parts: list[bytes], chunk: int) -> None:
    data = b"".join(parts) + b"\n"
    whole = all_paths(data)
    assert events(data, chunk=chunk) == whole
    assert events(data, chunk=1) == whole


SIMPLE_BLANKS = [b"", b"", b" ", b"\n", b"\t \r\n"]
SIMPLE_NAMES = [b'"query-status"', b'"a b"', b"'stop'", b'"x\\n"', b'"\xc3\xa9"', b'""']
SIMPLE_IDS = [
    b"0", b"-0", b"7", b"-12", b"007", b"-01", b"123456789012345678", b"1234567890123456789",
    b"-999999999999999999", b"99999999999999999999", b"1.5", b"1e3", b"0e1", b"true", b"null",
    b'"a"', b'""', b"'a'", b'"a\\"b"', b'"\x7f"', b'"\xc3\xa9"', b"[1]", b"{}", b"1x",
]  # fmt: skip
SIMPLE_PARTS = {"name": st.sampled_from(SIMPLE_NAMES), "id": st.sampled_from(SIMPLE_IDS)}


@pytest.mark.parametrize("req_id", SIMPLE_IDS)
@pytest.mark.parametrize("name", SIMPLE_NAMES)
def test_the_common_request_with_each_id(name: bytes, req_id: bytes) -> None:
    data = b'{"execute": ' + name + b', "id": ' + req_id + b"}\n"
    assert all_paths(data) == events(data, chunk=1)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(SIMPLE_BLANKS), min_size=8, max_size=8),
    SIMPLE_PARTS["name"],
    st.one_of(st.none(), SIMPLE_PARTS["id"]),
    st.booleans(),
    st.one_of(st.none(), st.tuples(st.integers(0, 7), st.sampled_from([b"\x0b", b"\x00", b"x"]))),
)
def test_the_common_request_reads_the_same_every_way(
    blanks: list[bytes],
    name: bytes,
    req_id: bytes | None,
    twice: bool,
    bad: tuple[int, bytes] | None,
) -> None:
    b = list(blanks)
    if bad is not None:
        b[bad[0]] += bad[1]
    data = b[0] + b"{" + b[1] + b'"execute"' + b[2] + b":" + b[3] + name + b[4]
    if req_id is not None:
        data += b"," + b[5] + b'"id"' + b[6] + b":" + b[7] + req_id
    data += b"}" + b[0]
    data = data * (2 if twice else 1) + b"\n"
    whole = all_paths(data)
    assert events(data, chunk=1) == whole
    assert events(data, chunk=5) == whole


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=60))
def test_arbitrary_bytes(data: bytes) -> None:
    whole = all_paths(data + b"\n")
    assert events(data + b"\n", chunk=1) == whole


def test_sans_io() -> None:
    # Importing qmonitor.qjson loads nothing for IO and nothing else of qmonitor
    # but the bottom layer's qmonitor.errors (the exceptions' root; it imports nothing).
    code = (
        "import sys, qmonitor; before = set(sys.modules); import qmonitor.qjson; "
        "print(sorted(m for m in set(sys.modules) - before if m in "
        "('asyncio', 'socket', 'selectors', 'threading') "
        "or (m.startswith('qmonitor.') and not m.startswith('qmonitor.qjson') "
        "and m != 'qmonitor.errors')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    # And its sources import only the standard library and each other.
    package = Path(qmonitor.qjson.__file__).parent
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert name.split(".")[0] not in {"asyncio", "socket", "selectors"}, path
                if name.startswith("qmonitor") and name != "qmonitor.errors":
                    assert name.startswith("qmonitor.qjson"), (path, name)
