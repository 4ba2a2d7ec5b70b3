"""Good schemas: every construct of the language loads, and introspects as QEMU does."""

from __future__ import annotations

import pytest

from qmonitor.qapi.introspect import schema_info
from qmonitor.qapi.schema import Command, Event, ObjectType, load_schema, load_schema_text

SCHEMA = """
# A schema using every construct.
{ 'pragma': { 'doc-required': false } }

##
# = A heading
#
# Free-form text.
##

##
# @Color:
#
# @red: the first
# @blue: the second
# @green: conditional
#
# Features:
# @unstable: says so
#
# Since: 1.0
##
{ 'enum': 'Color', 'prefix': 'COL',
  'data': [ 'red', 'blue', { 'name': 'green', 'if': 'HAVE_GREEN' },
            { 'name': 'x-beta', 'features': [ 'unstable' ] } ] }

{ 'struct': 'Base', 'data': { 'kind': 'Color', '*x': 'int8' } }
{ 'struct': 'Red',
  'data': { 'r': [ 'uint8' ], '*old': { 'type': 'str', 'features': [ 'deprecated' ] } } }
{ 'struct': 'Node', 'data': { 'name': 'str', '*kids': [ 'Node' ] } }
{ 'union': 'Shape', 'base': 'Base', 'discriminator': 'kind',
  'data': { 'red': 'Red', 'green': { 'type': 'Node', 'if': 'HAVE_GREEN' } } }
{ 'alternate': 'Alt', 'data': { 'n': 'number', 'c': 'Color', 'o': 'Red', 'z': 'null' } }

##
# @do-it:
#
# @a: a string
# @b: colors
# @alt: an alternate
#
# Returns: red
##
{ 'command': 'do-it', 'data': { 'a': 'str', '*b': [ 'Color' ], '*alt': 'Alt' },
  'returns': 'Red', 'allow-oob': true, 'allow-preconfig': true }
{ 'command': 'boxed-one', 'data': 'Shape', 'boxed': true, 'coroutine': true }
{ 'command': 'fire-and-forget', 'success-response': false, 'gen': false }
{ 'command': 'only-green', 'if': { 'all': [ 'HAVE_GREEN', { 'not': 'NO_GREEN' } ] } }
{ 'event': 'MY_EVENT', 'data': { 'c': 'Color' }, 'features': [ 'unstable' ] }
{ 'event': 'BOXED_EVENT', 'data': 'Red', 'boxed': true }
{ 'event': 'BARE' }
"""


def test_every_construct_loads() -> None:
    schema = load_schema_text(SCHEMA, "s.json")
    do_it = schema.lookup_entity("do-it")
    assert isinstance(do_it, Command)
    assert (do_it.allow_oob, do_it.allow_preconfig, do_it.coroutine) == (True, True, False)
    boxed = schema.lookup_entity("boxed-one")
    assert isinstance(boxed, Command) and boxed.boxed and boxed.coroutine
    ff = schema.lookup_entity("fire-and-forget")
    assert isinstance(ff, Command) and not ff.success_response and not ff.gen
    shape = schema.lookup_entity("Shape")
    assert isinstance(shape, ObjectType) and shape.variants is not None
    # Enum values without a branch get the empty type.
    assert [v.name for v in shape.variants.variants] == ["red", "green", "blue", "x-beta"]
    assert [v.type.name for v in shape.variants.variants if v.type] == [
        "Red",
        "Node",
        "q_empty",
        "q_empty",
    ]
    assert [e.name for e in schema.events()] == ["MY_EVENT", "BOXED_EVENT", "BARE"]
    assert len(schema.docs) == 3


def test_conditions_follow_the_defined_symbols() -> None:
    plain = load_schema_text(SCHEMA, "s.json")
    green = load_schema_text(SCHEMA, "s.json", defined={"HAVE_GREEN"})
    vetoed = load_schema_text(SCHEMA, "s.json", defined={"HAVE_GREEN", "NO_GREEN"})
    assert "only-green" not in [c.name for c in plain.commands()]
    assert "only-green" in [c.name for c in green.commands()]
    assert "only-green" not in [c.name for c in vetoed.commands()]


def test_include_each_file_once_and_modules_in_order(tmp_path: pytest.TempPathFactory) -> None:
    root = tmp_path  # type: ignore[assignment]
    (root / "sub").mkdir()  # type: ignore[operator]
    (root / "main.json").write_text(  # type: ignore[operator]
        "{ 'include': 'sub/a.json' }\n{ 'include': 'sub/b.json' }\n{ 'command': 'main-cmd' }\n"
    )
    (root / "sub" / "a.json").write_text(  # type: ignore[operator]
        "{ 'include': 'b.json' }\n{ 'command': 'a-cmd' }\n"
    )
    (root / "sub" / "b.json").write_text("{ 'event': 'B_EVENT' }\n")  # type: ignore[operator]
    schema = load_schema(str(root / "main.json"))  # type: ignore[operator]
    assert schema.modules == [None, "main.json", "sub/a.json", "sub/b.json"]
    # query-qmp-schema visits module by module: main first, then the includes.
    names = [e["name"] for e in schema_info(schema) if e["meta-type"] in ("command", "event")]
    assert names == ["main-cmd", "a-cmd", "B_EVENT"]


SMALL = """
{ 'enum': 'Mode', 'data': [ 'fast', { 'name': 'slow', 'features': [ 'deprecated' ] },
                            { 'name': 'off', 'if': 'NEVER' } ] }
{ 'struct': 'Opts', 'data': { 'mode': 'Mode', '*level': 'uint8', '*tags': [ 'int16' ],
                              '*hidden': { 'type': 'str', 'if': 'NEVER' },
                              '*legacy': { 'type': 'bool', 'features': [ 'deprecated' ] } } }
{ 'alternate': 'OptsOrName', 'data': { 'opts': 'Opts', 'name': 'str' } }
{ 'command': 'set-opts', 'data': { 'o': 'OptsOrName', '*names': [ 'str' ] },
  'returns': [ 'Opts' ], 'allow-oob': true, 'features': [ 'unstable' ] }
{ 'command': 'ping' }
{ 'event': 'OPTS_CHANGED', 'data': 'Opts' }
{ 'command': 'gone', 'if': 'NEVER' }
"""


def test_introspection_masks_orders_and_prunes() -> None:
    info = schema_info(load_schema_text(SMALL, "s.json"))
    assert info == [
        {
            "name": "set-opts",
            "meta-type": "command",
            "arg-type": "0",
            "ret-type": "[1]",
            "allow-oob": True,
            "features": ["unstable"],
        },
        {"name": "ping", "meta-type": "command", "arg-type": "2", "ret-type": "2"},
        {"name": "OPTS_CHANGED", "meta-type": "event", "arg-type": "1"},
        {
            "name": "0",
            "meta-type": "object",
            "members": [
                {"name": "o", "type": "3"},
                {"name": "names", "type": "[str]", "default": None},
            ],
        },
        {"name": "[1]", "meta-type": "array", "element-type": "1"},
        {
            "name": "1",
            "meta-type": "object",
            "members": [
                {"name": "mode", "type": "4"},
                {"name": "level", "type": "int", "default": None},
                {"name": "tags", "type": "[int]", "default": None},
                {"name": "legacy", "type": "bool", "default": None, "features": ["deprecated"]},
            ],
        },
        {"name": "2", "meta-type": "object", "members": []},
        {"name": "3", "meta-type": "alternate", "members": [{"type": "1"}, {"type": "str"}]},
        {"name": "[str]", "meta-type": "array", "element-type": "str"},
        {"name": "str", "meta-type": "builtin", "json-type": "string"},
        {
            "name": "4",
            "meta-type": "enum",
            "members": [{"name": "fast"}, {"name": "slow", "features": ["deprecated"]}],
            "values": ["fast", "slow"],
        },
        {"name": "int", "meta-type": "builtin", "json-type": "int"},
        {"name": "[int]", "meta-type": "array", "element-type": "int"},
        {"name": "bool", "meta-type": "builtin", "json-type": "boolean"},
    ]


def test_introspection_unmasked() -> None:
    info = schema_info(load_schema_text(SMALL, "s.json"), unmask=True)
    names = [e["name"] for e in info]
    assert names[:3] == ["set-opts", "ping", "OPTS_CHANGED"]
    assert "q_obj_set-opts-arg" in names and "q_empty" in names and "Opts" in names


def test_union_introspection() -> None:
    info = schema_info(load_schema_text(SCHEMA, "s.json"), unmask=True)
    shape = next(e for e in info if e["name"] == "Shape")
    assert shape["tag"] == "kind"
    assert shape["variants"] == [
        {"case": "red", "type": "Red"},
        {"case": "blue", "type": "q_empty"},
        {"case": "x-beta", "type": "q_empty"},
    ]
    assert [m["name"] for m in shape["members"]] == ["kind", "x"]
    assert all(isinstance(e.get("name"), str) for e in info)
    assert {"MY_EVENT", "BOXED_EVENT", "BARE"} <= {e["name"] for e in info}
    assert not any(isinstance(e, Event) for e in info)
