"""QEMU's output format: member order, escaping, numbers, pretty form."""

from __future__ import annotations

import pytest

from qmonitor.qjson import encode, qdict_order, quote
from qmonitor.qjson.encode import tdb_hash


# Each expected text was printed by QEMU 7.2 for the same QDict.
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
            {"event": "STOP", "timestamp": {"seconds": 1, "microseconds": 2}},
            '{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "STOP"}',
        ),
        (
            {"running": True, "singlestep": False, "status": "running"},
            '{"status": "running", "singlestep": false, "running": true}',
        ),
        (
            {"b": 1, "a": [1.5, 100.0, 0, 18446744073709551615, 1.8446744073709552e19]},
            '{"a": [1.5, 100, 0, 18446744073709551615, 1.8446744073709552e+19], "b": 1}',
        ),
        (
            {"QMP": {"version": {}, "capabilities": ["oob"]}},
            '{"QMP": {"version": {}, "capabilities": ["oob"]}}',
        ),
        ([], "[]"),
        (None, "null"),
        (-0.0, "-0"),
        (0.1, "0.10000000000000001"),
    ],
)
def test_compact_matches_qemu(value: object, text: str) -> None:
    assert encode(value) == text


def test_string_escapes_like_qemu() -> None:
    assert quote('"\\/\b\f\n\r\t') == '"\\"\\\\/\\b\\f\\n\\r\\t"'
    assert quote("\x00\x01\x1f\x7f") == '"\\u0000\\u0001\\u001F\\u007F"'
    assert quote("\u00e9\uffff") == '"\\u00E9\\uFFFF"'
    assert quote("\U0001f600") == '"\\uD83D\\uDE00"'
    # Raw bytes that are not UTF-8 become U+FFFD.
    assert quote(b"a\xffb".decode("utf-8", "surrogateescape")) == '"a\\uFFFDb"'


def test_pretty_form() -> None:
    assert encode({"return": {}}, pretty=True) == '{\n    "return": {\n    }\n}'
    assert encode({"a": [1, {}], "b": []}, pretty=True) == (
        '{\n    "a": [\n        1,\n        {\n        }\n    ],\n    "b": [\n    ]\n}'
    )


def test_order_newest_first_within_bucket() -> None:
    # Find two keys in the same bucket; QEMU lists the newer one first.
    seen: dict[int, str] = {}
    pair = None
    for i in range(5000):
        key = f"k{i}"
        bucket = tdb_hash(key.encode()) % 512
        if bucket in seen:
            pair = (seen[bucket], key)
            break
        seen[bucket] = key
    assert pair is not None
    older, newer = pair
    assert qdict_order([older, newer]) == [newer, older]


def test_deep_values_encode() -> None:
    deep: object = []
    for _ in range(1500):
        deep = [deep]
    assert encode(deep) == "[" * 1501 + "]" * 1501
