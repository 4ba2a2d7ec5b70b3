"""QEMU's input visitor: argument validation texts and conversions."""

from __future__ import annotations

from typing import Any

import pytest

from qmonitor.qapi.error import QapiError
from qmonitor.qapi.types import (
    BUILTIN_TYPES,
    ArrayType,
    EnumType,
    Member,
    ObjectType,
    Path,
    object_type,
)

CAP = EnumType("QMPCapability", ("oob",))
INNER = ObjectType("Inner", (Member("n", BUILTIN_TYPES["uint8"]),))
ARGS = object_type(
    "args",
    [
        Member("name", BUILTIN_TYPES["str"]),
        Member("count", BUILTIN_TYPES["int"], optional=True),
        Member("caps", ArrayType(CAP), optional=True),
        Member("inner", INNER, optional=True),
        Member("flag", BUILTIN_TYPES["bool"], optional=True),
        Member("ratio", BUILTIN_TYPES["number"], optional=True),
        Member("list", ArrayType(INNER), optional=True),
    ],
)


def err(value: dict[str, Any]) -> str:
    with pytest.raises(QapiError) as info:
        ARGS.visit_members(value, Path())
    return info.value.desc


def test_valid_arguments_convert() -> None:
    out = ARGS.visit_members(
        {"name": "x", "count": -3, "caps": ["oob"], "ratio": 2, "flag": True}, Path()
    )
    assert out == {"name": "x", "count": -3, "caps": ["oob"], "flag": True, "ratio": 2.0}
    assert isinstance(out["ratio"], float)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ({}, "Parameter 'name' is missing"),
        ({"name": 1}, "Invalid parameter type for 'name', expected: string"),
        ({"name": "x", "count": "1"}, "Invalid parameter type for 'count', expected: integer"),
        ({"name": "x", "count": 1.0}, "Invalid parameter type for 'count', expected: integer"),
        ({"name": "x", "count": True}, "Invalid parameter type for 'count', expected: integer"),
        ({"name": "x", "count": None}, "Invalid parameter type for 'count', expected: integer"),
        ({"name": "x", "count": 1 << 63}, "Invalid parameter type for 'count', expected: integer"),
        ({"name": "x", "caps": "oob"}, "Invalid parameter type for 'caps', expected: array"),
        ({"name": "x", "caps": [1]}, "Invalid parameter type for 'caps[0]', expected: string"),
        ({"name": "x", "caps": ["oob", "no"]}, "Parameter 'null' does not accept value 'no'"),
        ({"name": "x", "inner": []}, "Invalid parameter type for 'inner', expected: object"),
        ({"name": "x", "inner": {}}, "Parameter 'inner.n' is missing"),
        ({"name": "x", "inner": {"n": 256}}, "Parameter 'n' expects uint8_t"),
        ({"name": "x", "inner": {"n": 1, "z": 2}}, "Parameter 'inner.z' is unexpected"),
        ({"name": "x", "list": [{"n": 1}, {}]}, "Parameter 'list[1].n' is missing"),
        ({"name": "x", "flag": 1}, "Invalid parameter type for 'flag', expected: boolean"),
        ({"name": "x", "ratio": "1"}, "Invalid parameter type for 'ratio', expected: number"),
        ({"name": "x", "extra": 1}, "Parameter 'extra' is unexpected"),
    ],
)
def test_errors_have_qemu_texts(value: dict[str, Any], text: str) -> None:
    assert err(value) == text


def test_members_are_checked_in_schema_order_before_leftovers() -> None:
    assert err({"extra": 1, "count": "x", "name": "n"}) == (
        "Invalid parameter type for 'count', expected: integer"
    )


def test_unsigned_accepts_negative_as_qemu_does() -> None:
    u64 = BUILTIN_TYPES["uint64"]
    assert u64.visit(-1, Path(), "x") == (1 << 64) - 1
    assert u64.visit((1 << 64) - 1, Path(), "x") == (1 << 64) - 1
    with pytest.raises(QapiError):
        u64.visit(1 << 64, Path(), "x")


@pytest.mark.parametrize(
    ("name", "lo", "hi"),
    [("int8", -128, 127), ("int16", -32768, 32767), ("int32", -(1 << 31), (1 << 31) - 1)],
)
def test_signed_ranges(name: str, lo: int, hi: int) -> None:
    t = BUILTIN_TYPES[name]
    assert t.visit(lo, Path(), "v") == lo and t.visit(hi, Path(), "v") == hi
    for bad in (lo - 1, hi + 1):
        with pytest.raises(QapiError, match=f"Parameter 'v' expects {name}"):
            t.visit(bad, Path(), "v")


def test_alternate_with_an_array_branch() -> None:
    """QEMU 7.2 allows an array branch (StatsValue); it used to be refused."""
    from qmonitor.qapi.binding import schema_type
    from qmonitor.qapi.schema import load_schema_text

    schema = load_schema_text(
        "{ 'alternate': 'Alt', 'data': { 'one': 'int', 'many': [ 'int' ] } }\n"
        "{ 'command': 'c', 'data': { 'a': 'Alt' } }\n",
        "t.json",
        (),
    )
    alt = schema_type(schema, "Alt")
    assert alt.visit([1, 2], Path(), "a") == [1, 2]
    assert alt.visit(3, Path(), "a") == 3
