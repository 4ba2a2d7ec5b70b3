"""Schema-first commands and events: QEMU's argument checking, flags, boxed, events."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qmonitor.qapi import binding
from qmonitor.qapi.binding import (
    SchemaBindingError,
    bind_command,
    bind_commands,
    check_event,
    check_return,
)
from qmonitor.qapi.commands import QmpCommandList, qmp_dispatch
from qmonitor.qapi.schema import load_schema_text

SCHEMA = """
{ 'enum': 'Color', 'data': [ 'red', 'blue', { 'name': 'green', 'if': 'HAVE_GREEN' } ] }
{ 'struct': 'Point', 'data': { 'x': 'int16', 'y': 'int16', '*label': 'str' } }
{ 'struct': 'Node', 'data': { 'name': 'str', '*kids': [ 'Node' ] } }
{ 'struct': 'ShapeBase', 'data': { 'kind': 'Color', '*id': 'uint32' } }
{ 'struct': 'RedShape', 'data': { 'corners': [ 'Point' ] } }
{ 'union': 'Shape', 'base': 'ShapeBase', 'discriminator': 'kind',
  'data': { 'red': 'RedShape' } }
{ 'alternate': 'PointOrName', 'data': { 'p': 'Point', 's': 'str', 'n': 'null' } }
{ 'alternate': 'Amount', 'data': { 'i': 'int', 'b': 'bool' } }
{ 'command': 'everything',
  'data': { 's': 'str', '*i8': 'int8', '*i16': 'int16', '*i32': 'int32', '*i64': 'int64',
            '*u8': 'uint8', '*u16': 'uint16', '*u32': 'uint32', '*u64': 'uint64',
            '*sz': 'size', '*n': 'number', '*b': 'bool', '*c': 'Color',
            '*colors': [ 'Color' ], '*pt': 'Point', '*pts': [ 'Point' ], '*any': 'any',
            '*nul': 'null', '*alt': 'PointOrName', '*amount': 'Amount', '*tree': 'Node' },
  'returns': 'Point' }
{ 'command': 'draw', 'data': 'Shape', 'boxed': true, 'returns': 'RedShape' }
{ 'command': 'by-struct', 'data': 'Point' }
{ 'command': 'noargs', 'allow-oob': true, 'allow-preconfig': true }
{ 'command': 'slow', 'coroutine': true }
{ 'command': 'quiet', 'success-response': false }
{ 'command': 'colors', 'returns': [ 'Point' ] }
{ 'event': 'MOVED', 'data': { 'to': 'Point', '*why': 'str' } }
{ 'event': 'BARE' }
"""

S = load_schema_text(SCHEMA, "b.json")


def echo(**kwargs: Any) -> dict[str, Any]:
    return kwargs


async def slow() -> dict[str, Any]:
    await asyncio.sleep(0)
    return {}


CMDS = QmpCommandList()
bind_commands(
    S,
    CMDS,
    {
        "everything": echo,
        "draw": lambda shape: {"corners": shape.get("corners", [])},
        "by-struct": echo,
        "noargs": lambda: None,
        "slow": slow,
        "quiet": lambda: None,
        "colors": lambda: [],
    },
)


def run(name: str, args: Any = None) -> dict[str, Any] | None:
    req: dict[str, Any] = {"execute": name}
    if args is not None:
        req["arguments"] = args
    out = qmp_dispatch(CMDS, req, False, None)
    if asyncio.iscoroutine(out):
        return asyncio.run(out)  # type: ignore[no-any-return]
    assert not isinstance(out, asyncio.Future)
    return out  # type: ignore[return-value]


def desc(name: str, args: Any) -> str:
    reply = run(name, args)
    assert reply is not None and "error" in reply, reply
    assert reply["error"]["class"] == "GenericError"
    return str(reply["error"]["desc"])


def test_arguments_are_converted() -> None:
    reply = run("everything", {"s": "x", "n": 2, "u64": -1, "sz": -2, "colors": ["red"]})
    assert reply == {
        "return": {"s": "x", "n": 2.0, "u64": (1 << 64) - 1, "sz": (1 << 64) - 2, "colors": ["red"]}
    }


@pytest.mark.parametrize(
    ("args", "want"),
    [
        ({}, "Parameter 's' is missing"),
        ({"s": "x", "zz": 1}, "Parameter 'zz' is unexpected"),
        ({"s": 1}, "Invalid parameter type for 's', expected: string"),
        ({"s": "x", "b": "yes"}, "Invalid parameter type for 'b', expected: boolean"),
        ({"s": "x", "n": "1"}, "Invalid parameter type for 'n', expected: number"),
        ({"s": "x", "i8": 1.5}, "Invalid parameter type for 'i8', expected: integer"),
        ({"s": "x", "i8": 128}, "Parameter 'i8' expects int8_t"),
        ({"s": "x", "i8": -129}, "Parameter 'i8' expects int8_t"),
        ({"s": "x", "i16": 1 << 15}, "Parameter 'i16' expects int16_t"),
        ({"s": "x", "i32": 1 << 31}, "Parameter 'i32' expects int32_t"),
        ({"s": "x", "i64": 1 << 63}, "Invalid parameter type for 'i64', expected: integer"),
        ({"s": "x", "u8": 256}, "Parameter 'u8' expects uint8_t"),
        ({"s": "x", "u8": -1}, "Parameter 'u8' expects uint8_t"),
        ({"s": "x", "u16": 1 << 16}, "Parameter 'u16' expects uint16_t"),
        ({"s": "x", "u32": 1 << 32}, "Parameter 'u32' expects uint32_t"),
        # The unsigned visitors have one text for every failure (QEMU 7.2,
        # recorded in tests/golden/qmp/queries.json: qry_obj_add_size_types).
        ({"s": "x", "u64": 1 << 64}, "Parameter 'u64' expects uint64"),
        ({"s": "x", "u64": "1"}, "Parameter 'u64' expects uint64"),
        ({"s": "x", "u64": True}, "Parameter 'u64' expects uint64"),
        ({"s": "x", "sz": 1.5}, "Parameter 'sz' expects uint64"),
        ({"s": "x", "u8": "1"}, "Parameter 'u8' expects uint64"),
        ({"s": "x", "u64": -(1 << 63) - 1}, "Parameter 'u64' expects uint64"),
        ({"s": "x", "c": "green"}, "Parameter 'c' does not accept value 'green'"),
        ({"s": "x", "c": 1}, "Invalid parameter type for 'c', expected: string"),
        ({"s": "x", "colors": ["red", "x"]}, "Parameter 'null' does not accept value 'x'"),
        ({"s": "x", "colors": "red"}, "Invalid parameter type for 'colors', expected: array"),
        ({"s": "x", "pt": []}, "Invalid parameter type for 'pt', expected: object"),
        ({"s": "x", "pt": {"x": 1}}, "Parameter 'pt.y' is missing"),
        ({"s": "x", "pt": {"x": 1, "y": 2, "z": 3}}, "Parameter 'pt.z' is unexpected"),
        ({"s": "x", "pt": {"x": 1 << 15, "y": 0}}, "Parameter 'x' expects int16_t"),
        (
            {"s": "x", "pts": [{"x": 1, "y": "2"}]},
            "Invalid parameter type for 'pts[0].y', expected: integer",
        ),
        ({"s": "x", "nul": 0}, "Invalid parameter type for 'nul', expected: null"),
        ({"s": "x", "alt": 5}, "Invalid parameter type for 'alt', expected: PointOrName"),
        ({"s": "x", "alt": {"x": 1}}, "Parameter 'alt.y' is missing"),
        ({"s": "x", "amount": 1.5}, "Invalid parameter type for 'amount', expected: integer"),
        ({"s": "x", "amount": "1"}, "Invalid parameter type for 'amount', expected: Amount"),
        (
            {"s": "x", "tree": {"name": "a", "kids": [{"name": "b", "kids": [{"name": 1}]}]}},
            "Invalid parameter type for 'tree.kids[0].kids[0].name', expected: string",
        ),
    ],
)
def test_bad_arguments_get_qemus_errors(args: dict[str, Any], want: str) -> None:
    assert desc("everything", args) == want


def test_alternates_dispatch_on_the_json_type() -> None:
    for value in ({"x": 1, "y": 2}, "name", None):
        reply = run("everything", {"s": "x", "alt": value})
        assert reply == {"return": {"s": "x", "alt": value}}
    assert run("everything", {"s": "x", "amount": True}) == {"return": {"s": "x", "amount": True}}


def test_any_takes_anything() -> None:
    value = {"deep": [1, "two", None, {"x": 1.5}]}
    assert run("everything", {"s": "x", "any": value}) == {"return": {"s": "x", "any": value}}


def test_conditional_enum_value_follows_the_configuration() -> None:
    green = load_schema_text(SCHEMA, "b.json", defined={"HAVE_GREEN"})
    cmds = QmpCommandList()
    bind_commands(green, cmds, {"everything": echo})
    reply = qmp_dispatch(
        cmds, {"execute": "everything", "arguments": {"s": "x", "c": "green"}}, False, None
    )
    assert reply == {"return": {"s": "x", "c": "green"}}


def test_boxed_union_command() -> None:
    shape = {"kind": "red", "corners": [{"x": 0, "y": 0}]}
    assert run("draw", shape) == {"return": {"corners": [{"x": 0, "y": 0}]}}
    assert run("draw", {"kind": "blue"}) == {"return": {"corners": []}}
    assert desc("draw", {"kind": "blue", "corners": []}) == "Parameter 'corners' is unexpected"
    assert desc("draw", {"kind": "red"}) == "Parameter 'corners' is missing"
    assert desc("draw", {"kind": "pink"}) == "Parameter 'kind' does not accept value 'pink'"
    assert desc("draw", {}) == "Parameter 'kind' is missing"
    assert (
        desc("draw", {"kind": "red", "corners": [], "id": -1}) == "Parameter 'id' expects uint32_t"
    )


def test_struct_as_arguments() -> None:
    assert run("by-struct", {"x": 1, "y": 2}) == {"return": {"x": 1, "y": 2}}
    assert desc("by-struct", {"x": 1}) == "Parameter 'y' is missing"


def test_flags_come_from_the_schema() -> None:
    noargs = CMDS.find("noargs")
    assert noargs is not None and noargs.allow_oob and noargs.allow_preconfig
    assert desc("noargs", {"a": 1}) == "Parameter 'a' is unexpected"
    oob = qmp_dispatch(CMDS, {"exec-oob": "noargs", "id": 1}, True, None)
    assert oob == {"return": {}, "id": 1}
    bad_oob = qmp_dispatch(CMDS, {"exec-oob": "everything"}, True, None)
    assert bad_oob == {
        "error": {"class": "GenericError", "desc": "The command everything does not support OOB"}
    }
    slow_cmd = CMDS.find("slow")
    assert slow_cmd is not None and slow_cmd.coroutine
    assert run("slow") == {"return": {}}
    assert run("quiet") is None


def test_binding_an_unknown_command_is_a_program_error() -> None:
    with pytest.raises(SchemaBindingError, match="the schema has no command 'nope'"):
        bind_command(S, "nope", echo)
    with pytest.raises(SchemaBindingError):
        bind_command(S, "MOVED", echo)


def test_check_return() -> None:
    check_return(S, "everything", {"x": 1, "y": 2})
    check_return(S, "colors", [{"x": 1, "y": 2}])
    check_return(S, "noargs", None)
    with pytest.raises(SchemaBindingError, match="Parameter 'y' is missing"):
        check_return(S, "everything", {"x": 1})
    with pytest.raises(SchemaBindingError, match="returns nothing"):
        check_return(S, "noargs", [1])


def test_events_are_checked() -> None:
    check_event(S, "MOVED", {"to": {"x": 1, "y": 2}})
    check_event(S, "BARE", None)
    with pytest.raises(SchemaBindingError, match="event MOVED: Parameter 'to' is missing"):
        check_event(S, "MOVED", {})
    with pytest.raises(SchemaBindingError, match="event BARE takes no data"):
        check_event(S, "BARE", {"x": 1})
    with pytest.raises(SchemaBindingError, match="no event 'NOPE'"):
        check_event(S, "NOPE", None)
    sent: list[tuple[str, Any]] = []

    def emit(name: str, data: Any) -> None:
        sent.append((name, data))

    binding.emit_event(emit, S, "MOVED", {"to": {"x": 1, "y": 2}})
    assert sent == [("MOVED", {"to": {"x": 1, "y": 2}})]
    with pytest.raises(SchemaBindingError):
        binding.emit_event(emit, S, "MOVED", {"to": 1})
    assert len(sent) == 1


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(1 << 70), max_value=1 << 70)
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
    | st.sampled_from(["red", "blue", "green", "x", "s"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["s", "x", "y", "kind", "corners", "pt", "alt", "tree", "name", "kids", "c"]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)
ARGS = st.dictionaries(
    st.sampled_from(
        [
            *("s", "i8", "u8", "u64", "sz", "n", "b", "c", "colors", "pt", "pts", "any", "nul"),
            *("alt", "amount", "tree", "kind", "corners", "id", "x", "y", "zz"),
        ]
    ),
    JSON,
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(["everything", "draw", "by-struct", "noargs"]), args=ARGS)
def test_random_arguments_never_crash(name: str, args: dict[str, Any]) -> None:
    reply = run(name, args)
    assert reply is not None
    if "error" in reply:
        assert reply["error"]["class"] == "GenericError"
        assert not reply["error"]["desc"].startswith("Internal error"), reply
    else:
        assert set(reply) == {"return"}
