"""encode(): QEMU's output byte for byte (json-writer.c, QDict order).

Every expected text below was printed by QEMU 7.2 (mostly as the echo of a
request's "id"); data/qemu72_transcript.json has many more, replayed by
test_json_transcript.py.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qmonitor.qjson import encode, qdict_order, quote
from qmonitor.qjson.encode import QDICT_BUCKET_MAX, qdict_bucket, tdb_hash


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.5, "1.5"),
        (100.0, "100"),
        (0.01, "0.01"),
        (1.0, "1"),
        (-0.0, "-0"),
        (0.0, "0"),
        (0.1, "0.10000000000000001"),
        (0.0025, "0.0025000000000000001"),
        (3.14159, "3.1415899999999999"),
        (1e-6, "9.9999999999999995e-07"),
        (1e16, "10000000000000000"),
        (1e17, "1e+17"),
        (1e20, "1e+20"),
        (2.0**64, "1.8446744073709552e+19"),
        (-(2.0**63), "-9.2233720368547758e+18"),
        (123456789.123456789, "123456789.12345679"),
        (1.2345678901234568e29, "1.2345678901234568e+29"),
        (5e-324, "4.9406564584124654e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (float("inf"), "inf"),
        (float("-inf"), "-inf"),
        (2**64 - 1, "18446744073709551615"),
        (-(2**63), "-9223372036854775808"),
        (0, "0"),
        (True, "true"),
        (None, "null"),
    ],
)
def test_numbers_and_keywords(value: object, text: str) -> None:
    assert encode(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("\u00e9\u4e2d\U0001f600", '"\\u00E9\\u4E2D\\uD83D\\uDE00"'),
        ("/\b\f\n\r\t\"\\'", '"/\\b\\f\\n\\r\\t\\"\\\\\'"'),
        ("\x7f/<>&", '"\\u007F/<>&"'),
        ("\x00\x01\x1f\x80\xff", '"\\u0000\\u0001\\u001F\\u0080\\u00FF"'),
        ("\u2028\ufffd\ufdf0\U0010fffd", '"\\u2028\\uFFFD\\uFDF0\\uDBFF\\uDFFD"'),
        # Noncharacters cannot be written: QEMU's writer puts U+FFFD.
        ("a\uffffb\ufdd0\U0001fffe", '"a\\uFFFDb\\uFFFD\\uFFFD"'),
        # Bytes that were not UTF-8 (kept as surrogates): one U+FFFD each
        # unit QEMU's decoder rejects.
        (b"a\xffb\xc3".decode("utf-8", "surrogateescape"), '"a\\uFFFDb\\uFFFD"'),
        (b"\xe4\xb8".decode("utf-8", "surrogateescape"), '"\\uFFFD"'),
        ("", '""'),
    ],
)
def test_strings(value: str, text: str) -> None:
    assert quote(value) == text
    assert encode(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (
            {"qemu": {"major": 7, "minor": 2, "micro": 22}, "package": "p"},
            '{"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "p"}',
        ),
        ({"return": {}, "id": 1}, '{"return": {}, "id": 1}'),
        (
            {"error": {"class": "GenericError", "desc": "x"}, "id": 3},
            '{"id": 3, "error": {"class": "GenericError", "desc": "x"}}',
        ),
        (
            {"running": True, "singlestep": False, "status": "running"},
            '{"status": "running", "singlestep": false, "running": true}',
        ),
        (
            {c: i for i, c in enumerate("abcdefghij", 1)},
            '{"d": 4, "i": 9, "e": 5, "j": 10, "a": 1, "f": 6, "b": 2, "g": 7, "c": 3, "h": 8}',
        ),
        ({"\u00e9": 1, "e": 2}, '{"\\u00E9": 1, "e": 2}'),
        ({"a\x00b": 1, "a": 2}, '{"a": 2, "a\\u0000b": 1}'),
        ([1, [2, {}], {"x": []}], '[1, [2, {}], {"x": []}]'),
        ({}, "{}"),
        ([], "[]"),
    ],
)
def test_containers_in_qdict_order(value: object, text: str) -> None:
    assert encode(value) == text


def test_same_bucket_newest_first() -> None:
    # 600 keys in 512 buckets: some share one; QEMU lists the newer first.
    keys = [f"k{i}" for i in range(600)]
    order = qdict_order(keys)
    assert sorted(order) == sorted(keys)
    position = {k: i for i, k in enumerate(order)}
    buckets = [qdict_bucket(k) for k in order]
    assert buckets == sorted(buckets)
    for older, newer in itertools.pairwise(keys):
        if qdict_bucket(older) == qdict_bucket(newer):
            assert position[newer] < position[older]
    assert any(buckets[i] == buckets[i + 1] for i in range(len(buckets) - 1))


def test_bucket_is_tdb_hash_of_the_utf8_bytes() -> None:
    assert tdb_hash(b"") == 12345
    assert qdict_bucket("\u00e9") == tdb_hash("\u00e9".encode()) % QDICT_BUCKET_MAX
    # U+0000 is stored as C0 80 (modified UTF-8), and hashed so.
    assert qdict_bucket("\x00") == tdb_hash(b"\xc0\x80") % QDICT_BUCKET_MAX


def test_pretty_form() -> None:
    # As QEMU -qmp-pretty prints (before the monitor turns \n into \r\n).
    assert encode({"return": {}}, pretty=True) == '{\n    "return": {\n    }\n}'
    value = {"e": "x", "a": [1, {}], "b": [], "c": {"d": {}}}
    assert encode(value, pretty=True) == (
        '{\n    "e": "x",\n    "a": [\n        1,\n        {\n        }\n    ],\n'
        '    "b": [\n    ],\n    "c": {\n        "d": {\n        }\n    }\n}'
    )
    assert encode([[]], pretty=True) == "[\n    [\n    ]\n]"
    assert encode("s", pretty=True) == '"s"'


def test_deep_values() -> None:
    deep: object = []
    for _ in range(1500):
        deep = [deep]
    assert encode(deep) == "[" * 1501 + "]" * 1501


def test_what_cannot_be_encoded() -> None:
    with pytest.raises(TypeError):
        encode({"a": object()})


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_is_escaped_to_ascii(text: str) -> None:
    out = quote(text)
    assert out.isascii() and out.startswith('"') and out.endswith('"')
    assert all(0x20 <= ord(c) < 0x7F for c in out)


def _reference(value: object) -> str:
    """The plain recursive writer the fast compact encoder must agree with."""
    if isinstance(value, dict):
        keys = list(value) if len(value) < 2 else qdict_order(value)
        return "{" + ", ".join(f"{quote(k)}: {_reference(value[k])}" for k in keys) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_reference(v) for v in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return format(value, ".17g")
    assert isinstance(value, str)
    return quote(value)


_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=80)
    | st.sampled_from(["running", "status", "id", "return"])
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(
            st.text(max_size=12) | st.sampled_from(["a", "b", "id"]), inner, max_size=6
        )
    ),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(_values)
def test_compact_form_agrees_with_the_plain_writer(value: object) -> None:
    # Twice: the second run uses the cached shapes and literals.
    assert encode(value) == _reference(value)
    assert encode(value) == _reference(value)


def test_needs_escape_is_exactly_quote_backslash_controls_and_non_ascii() -> None:
    """The escape class, over every code point: what QEMU's writer escapes."""
    from qmonitor.qjson.encode import _NEEDS_ESCAPE

    wrong = [
        c
        for c in range(0x110000)
        if (_NEEDS_ESCAPE.match(chr(c)) is not None) != (c < 0x20 or c >= 0x7F or chr(c) in '"\\')
    ]
    assert wrong == []


def _slow_quote(s: str) -> str:
    """quote() by its definition alone: the escape class, code point by code point."""
    from qmonitor.qjson.encode import (
        _NEEDS_ESCAPE,
        _NOT_CODE_POINT,
        _escape_char,
        _quoted_bytes,
    )
    from qmonitor.qjson.unicode import to_mod_utf8

    if _NOT_CODE_POINT.search(s) is not None:
        return _quoted_bytes(to_mod_utf8(s))
    return '"' + _NEEDS_ESCAPE.sub(_escape_char, s) + '"'


def test_every_ascii_character_is_quoted_by_definition() -> None:
    # The ASCII road is the json module's writer: every character, alone and
    # among text with escapes, as the definition has it (DEL and the
    # controls without a short escape in upper-case \u form).
    for c in map(chr, range(0x80)):
        for s in (c, f'a{c}b\r\n"\\', f"{c}\x7f", f"{c}\t\b\f"):
            assert quote(s) == _slow_quote(s), repr(s)
    assert quote("x\x01\x7f\n") == '"x\\u0001\\u007F\\n"'


def test_surrogates_and_noncharacters_are_found_in_long_text() -> None:
    # (Lone surrogates a string may hold here are bytes that were not UTF-8.)
    from qmonitor.qjson.encode import _NOT_CODE_POINT, _has_bad_unit

    edges = [0xD7FF, 0xDC80, 0xDCFF, 0xE000, 0xFDCF, 0xFDD0, 0xFDEF, 0xFDF0, 0xFFFD, 0xFFFE]
    edges += [0xFFFF, 0x10000, 0x1FFFD, 0x1FFFE, 0x1FFFF, 0x10FFFE, 0x10FFFF, 0x0FFE, 0xE9]
    for cp in edges:
        s = "help text\r\n" * 50 + chr(cp) + "é"
        assert _has_bad_unit(s) == (_NOT_CODE_POINT.search(s) is not None), hex(cp)
        assert quote(s) == _slow_quote(s), hex(cp)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_quote_agrees_with_its_definition(text: str) -> None:
    assert quote(text) == _slow_quote(text)
