"""Bad definitions get QEMU's messages, with file and line.

Each kind of definition (enum, struct, union, alternate, command and
event), features and conditions, and redefinition; the cases follow those
categories of QEMU's tests/qapi-schema suite and expect the text QEMU 7.2's
generator prints for the same mistake.  Syntax, directives and names are in
test_schema_syntax_errors.py.
"""

from __future__ import annotations

import pytest
from bad_schema import error, in_defn

ENUMS = [
    (
        "data-not-array",
        "{ 'enum': 'Foo', 'data': {} }",
        in_defn("enum", "Foo", 1, "'data' must be an array"),
    ),
    (
        "prefix-not-string",
        "{ 'enum': 'Foo', 'data': [], 'prefix': [] }",
        in_defn("enum", "Foo", 1, "'prefix' must be a string"),
    ),
    (
        "value-not-string",
        "{ 'enum': 'Foo', 'data': [ { 'name': [ 'a' ] } ] }",
        in_defn("enum", "Foo", 1, "'data' member requires a string name"),
    ),
    (
        "value-bad-key",
        "{ 'enum': 'Foo', 'data': [ { 'name': 'a', 'x': 'y' } ] }",
        in_defn(
            "enum",
            "Foo",
            1,
            "'data' member has unknown key 'x'\nValid keys are 'features', 'if', 'name'.",
        ),
    ),
    (
        "value-uppercase",
        "{ 'enum': 'Foo', 'data': [ 'A' ] }",
        in_defn("enum", "Foo", 1, "name of 'data' member 'A' must not use uppercase or '_'"),
    ),
    (
        "value-clash",
        "{ 'enum': 'Foo', 'data': [ 'a', 'a' ] }",
        in_defn("enum", "Foo", 1, "value 'a' collides with value 'a'"),
    ),
]

STRUCTS = [
    (
        "data-array",
        "{ 'struct': 'Foo', 'data': [ 'int' ] }",
        in_defn("struct", "Foo", 1, "'data' cannot be an array"),
    ),
    (
        "data-bool",
        "{ 'struct': 'Foo', 'data': false }",
        in_defn("struct", "Foo", 1, "'data' should be an object or type name"),
    ),
    (
        "data-type-name",
        "{ 'struct': 'Foo', 'data': 'int' }",
        in_defn("struct", "Foo", 1, "'data' must be an object"),
    ),
    (
        "base-cycle",
        "{ 'struct': 'Aa', 'base': 'Bb', 'data': {} }\n"
        "{ 'struct': 'Bb', 'base': 'Aa', 'data': {} }",
        in_defn("struct", "Aa", 1, "object Aa contains itself"),
    ),
    (
        "base-builtin",
        "{ 'struct': 'Foo', 'base': 'int', 'data': {} }",
        in_defn("struct", "Foo", 1, "'base' requires a struct type, built-in type 'int' isn't"),
    ),
    (
        "base-dict",
        "{ 'struct': 'Foo', 'base': { 'a': 'int' }, 'data': {} }",
        in_defn("struct", "Foo", 1, "'base' should be a type name"),
    ),
    (
        "base-unknown",
        "{ 'struct': 'Foo', 'base': 'Nope', 'data': {} }",
        in_defn("struct", "Foo", 1, "'base' uses unknown type 'Nope'"),
    ),
    (
        "member-unknown",
        "{ 'struct': 'Foo', 'data': { 'a': 'Bar' } }",
        in_defn("struct", "Foo", 1, "member 'a' uses unknown type 'Bar'"),
    ),
    (
        "member-array-unknown",
        "{ 'struct': 'Foo', 'data': { 'a': [ 'Bar' ] } }",
        in_defn("struct", "Foo", 1, "struct uses unknown type 'Bar'"),
    ),
    (
        "member-clash-base",
        "{ 'struct': 'Base', 'data': { 'a': 'int' } }\n"
        "{ 'struct': 'Sub', 'base': 'Base', 'data': { 'a': 'str' } }",
        in_defn("struct", "Sub", 2, "member 'a' collides with member 'a' of type 'Base'"),
    ),
    (
        "member-clash-c-name",
        "{ 'struct': 'Foo', 'data': { 'a-b': 'int', 'a.b': 'int' } }",
        in_defn("struct", "Foo", 1, "'data' member 'a.b' has an invalid name"),
    ),
    (
        "member-nested-dict",
        "{ 'struct': 'Foo', 'data': { 'a': { 'type': { 'b': 'int' } } } }",
        in_defn("struct", "Foo", 1, "'data' member 'a' should be a type name"),
    ),
    (
        "member-bad-key",
        "{ 'struct': 'Foo', 'data': { 'a': { 'type': 'int', 'x': 'y' } } }",
        in_defn(
            "struct",
            "Foo",
            1,
            "'data' member 'a' has unknown key 'x'\nValid keys are 'features', 'if', 'type'.",
        ),
    ),
    (
        "member-missing-type",
        "{ 'struct': 'Foo', 'data': { 'a': { 'if': 'X' } } }",
        in_defn("struct", "Foo", 1, "'data' member 'a' misses key 'type'"),
    ),
    (
        "member-array-two",
        "{ 'struct': 'Foo', 'data': { 'a': [ 'int', 'str' ] } }",
        in_defn("struct", "Foo", 1, "'data' member 'a': array type must contain single type name"),
    ),
]

UNIONS = [
    (
        "data-not-object",
        "{ 'union': 'Uu', 'base': 'Bb', 'discriminator': 'k', 'data': [] }",
        in_defn("union", "Uu", 1, "'data' must be an object"),
    ),
    (
        "discriminator-not-string",
        "{ 'union': 'Uu', 'base': 'Bb', 'discriminator': [], 'data': {} }",
        in_defn("union", "Uu", 1, "'discriminator' requires a string name"),
    ),
    (
        "discriminator-unknown",
        "{ 'enum': 'Kk', 'data': [ 'a' ] }\n"
        "{ 'union': 'Uu', 'base': { 'k': 'Kk' }, 'discriminator': 'x', 'data': {} }",
        in_defn("union", "Uu", 2, "discriminator 'x' is not a member of 'base'"),
    ),
    (
        "discriminator-not-enum",
        "{ 'struct': 'Bb', 'data': { 'k': 'str' } }\n"
        "{ 'union': 'Uu', 'base': 'Bb', 'discriminator': 'k', 'data': {} }",
        in_defn(
            "union", "Uu", 2, "discriminator member 'k' of base type 'Bb' must be of enum type"
        ),
    ),
    (
        "discriminator-optional",
        "{ 'enum': 'Kk', 'data': [ 'a' ] }\n"
        "{ 'union': 'Uu', 'base': { '*k': 'Kk' }, 'discriminator': 'k', 'data': {} }",
        in_defn("union", "Uu", 2, "discriminator member 'k' of 'base' must not be optional"),
    ),
    (
        "discriminator-conditional",
        "{ 'enum': 'Kk', 'data': [ 'a' ] }\n"
        "{ 'union': 'Uu', 'base': { 'k': { 'type': 'Kk', 'if': 'X' } },"
        " 'discriminator': 'k', 'data': {} }",
        in_defn("union", "Uu", 2, "discriminator member 'k' of 'base' must not be conditional"),
    ),
    (
        "branch-not-value",
        "{ 'enum': 'Kk', 'data': [ 'a' ] }\n{ 'struct': 'Br', 'data': {} }\n"
        "{ 'union': 'Uu', 'base': { 'k': 'Kk' }, 'discriminator': 'k', 'data': { 'b': 'Br' } }",
        in_defn("union", "Uu", 3, "branch 'b' is not a value of enum type 'Kk'"),
    ),
    (
        "branch-builtin",
        "{ 'enum': 'Kk', 'data': [ 'a' ] }\n"
        "{ 'union': 'Uu', 'base': { 'k': 'Kk' }, 'discriminator': 'k', 'data': { 'a': 'int' } }",
        in_defn("union", "Uu", 2, "branch 'a' cannot use built-in type 'int'"),
    ),
    (
        "branch-unknown",
        "{ 'enum': 'Kk', 'data': [ 'a' ] }\n"
        "{ 'union': 'Uu', 'base': { 'k': 'Kk' }, 'discriminator': 'k', 'data': { 'a': 'Nope' } }",
        in_defn("union", "Uu", 2, "branch 'a' uses unknown type 'Nope'"),
    ),
    (
        "branch-array",
        "{ 'enum': 'Kk', 'data': [ 'a' ] }\n"
        "{ 'union': 'Uu', 'base': { 'k': 'Kk' }, 'discriminator': 'k', 'data': { 'a': ['Kk'] } }",
        in_defn("union", "Uu", 2, "'data' member 'a' cannot be an array"),
    ),
    (
        "branch-bad-key",
        "{ 'union': 'Uu', 'base': 'Bb', 'discriminator': 'k',"
        " 'data': { 'a': { 'type': 'Br', 'features': [] } } }",
        in_defn(
            "union",
            "Uu",
            1,
            "'data' member 'a' has unknown key 'features'\nValid keys are 'if', 'type'.",
        ),
    ),
    (
        "no-branches",
        "{ 'enum': 'Kk', 'data': [] }\n"
        "{ 'union': 'Uu', 'base': { 'k': 'Kk' }, 'discriminator': 'k', 'data': {} }",
        in_defn("union", "Uu", 2, "union has no branches"),
    ),
    (
        "branch-clash",
        "{ 'enum': 'Kk', 'data': [ 'a' ] }\n{ 'struct': 'Br', 'data': { 'k': 'int' } }\n"
        "{ 'union': 'Uu', 'base': { 'k': 'Kk' }, 'discriminator': 'k', 'data': { 'a': 'Br' } }",
        in_defn("union", "Uu", 3, "member 'k' of type 'Br' collides with base member 'k'"),
    ),
    (
        "base-union",
        "{ 'enum': 'Kk', 'data': [ 'a' ] }\n{ 'struct': 'Br', 'data': {} }\n"
        "{ 'union': 'Uu', 'base': { 'k': 'Kk' }, 'discriminator': 'k', 'data': { 'a': 'Br' } }\n"
        "{ 'union': 'Vv', 'base': 'Uu', 'discriminator': 'k', 'data': {} }",
        in_defn("union", "Vv", 4, "'base' requires a struct type, union type 'Uu' isn't"),
    ),
]

ALTERNATES = [
    (
        "empty",
        "{ 'alternate': 'Alt', 'data': {} }",
        in_defn("alternate", "Alt", 1, "'data' must not be empty"),
    ),
    (
        "data-list",
        "{ 'alternate': 'Alt', 'data': [ 'a' ] }",
        in_defn("alternate", "Alt", 1, "'data' must be an object"),
    ),
    (
        "branch-uppercase",
        "{ 'alternate': 'Alt', 'data': { 'A': 'int' } }",
        in_defn("alternate", "Alt", 1, "name of 'data' member 'A' must not use uppercase or '_'"),
    ),
    (
        "two-array-branches",
        "{ 'alternate': 'Alt', 'data': { 'a': [ 'int' ], 'b': [ 'str' ] } }",
        in_defn("alternate", "Alt", 1, "branch 'b' can't be distinguished from 'a'"),
    ),
    (
        "branch-dict",
        "{ 'alternate': 'Alt', 'data': { 'a': { 'type': { 'b': 'int' } } } }",
        in_defn("alternate", "Alt", 1, "'data' member 'a' should be a type name"),
    ),
    (
        "conflict-num",
        "{ 'alternate': 'Alt', 'data': { 'a': 'int', 'b': 'number' } }",
        in_defn("alternate", "Alt", 1, "branch 'b' can't be distinguished from 'a'"),
    ),
    (
        "conflict-string",
        "{ 'enum': 'Ee', 'data': [ 'x' ] }\n"
        "{ 'alternate': 'Alt', 'data': { 'a': 'str', 'b': 'Ee' } }",
        in_defn("alternate", "Alt", 2, "branch 'b' can't be distinguished from 'a'"),
    ),
    (
        "conflict-enum-bool",
        "{ 'enum': 'Ee', 'data': [ 'on', 'off' ] }\n"
        "{ 'alternate': 'Alt', 'data': { 'a': 'bool', 'b': 'Ee' } }",
        in_defn("alternate", "Alt", 2, "branch 'b' can't be distinguished from 'a'"),
    ),
    (
        "conflict-enum-int",
        "{ 'enum': 'Ee', 'data': [ '1' ] }\n"
        "{ 'alternate': 'Alt', 'data': { 'a': 'int', 'b': 'Ee' } }",
        in_defn("alternate", "Alt", 2, "branch 'b' can't be distinguished from 'a'"),
    ),
    (
        "conflict-dict",
        "{ 'struct': 'Aa', 'data': {} }\n{ 'struct': 'Bb', 'data': {} }\n"
        "{ 'alternate': 'Alt', 'data': { 'a': 'Aa', 'b': 'Bb' } }",
        in_defn("alternate", "Alt", 3, "branch 'b' can't be distinguished from 'a'"),
    ),
    (
        "any",
        "{ 'alternate': 'Alt', 'data': { 'a': 'any' } }",
        in_defn("alternate", "Alt", 1, "branch 'a' cannot use built-in type 'any'"),
    ),
    (
        "nested",
        "{ 'alternate': 'Inner', 'data': { 'a': 'int' } }\n"
        "{ 'alternate': 'Alt', 'data': { 'a': 'Inner' } }",
        in_defn("alternate", "Alt", 2, "branch 'a' cannot use alternate type 'Inner'"),
    ),
    (
        "unknown",
        "{ 'alternate': 'Alt', 'data': { 'a': 'Nope' } }",
        in_defn("alternate", "Alt", 1, "branch 'a' uses unknown type 'Nope'"),
    ),
]

COMMANDS_EVENTS = [
    (
        "boxed-no-data",
        "{ 'command': 'cmd', 'boxed': true }",
        in_defn("command", "cmd", 1, "'boxed': true requires 'data'"),
    ),
    (
        "boxed-dict",
        "{ 'command': 'cmd', 'boxed': true, 'data': { 'a': 'int' } }",
        in_defn("command", "cmd", 1, "'data' should be a type name"),
    ),
    (
        "data-builtin",
        "{ 'command': 'cmd', 'data': 'int' }",
        in_defn("command", "cmd", 1, "command's 'data' cannot take built-in type 'int'"),
    ),
    (
        "data-array",
        "{ 'command': 'cmd', 'data': [ 'int' ] }",
        in_defn("command", "cmd", 1, "'data' cannot be an array"),
    ),
    (
        "data-unknown",
        "{ 'command': 'cmd', 'data': 'Nope' }",
        in_defn("command", "cmd", 1, "command's 'data' uses unknown type 'Nope'"),
    ),
    (
        "data-union-unboxed",
        "{ 'enum': 'Kk', 'data': [ 'a' ] }\n"
        "{ 'union': 'Uu', 'base': { 'k': 'Kk' }, 'discriminator': 'k', 'data': {} }\n"
        "{ 'command': 'cmd', 'data': 'Uu' }",
        in_defn(
            "command", "cmd", 3, "command's 'data' can take union type 'Uu' only with 'boxed': true"
        ),
    ),
    (
        "parameter-unknown",
        "{ 'command': 'cmd', 'data': { 'a': 'Nope' } }",
        in_defn("command", "cmd", 1, "parameter 'a' uses unknown type 'Nope'"),
    ),
    (
        "returns-builtin",
        "{ 'command': 'cmd', 'returns': 'int' }",
        in_defn("command", "cmd", 1, "command's 'returns' cannot take built-in type 'int'"),
    ),
    (
        "returns-int-array",
        "{ 'command': 'cmd', 'returns': [ 'int' ] }",
        in_defn("command", "cmd", 1, "command's 'returns' cannot take array type ['int']"),
    ),
    (
        "returns-unknown",
        "{ 'command': 'cmd', 'returns': 'Nope' }",
        in_defn("command", "cmd", 1, "command's 'returns' uses unknown type 'Nope'"),
    ),
    (
        "returns-dict",
        "{ 'command': 'cmd', 'returns': { 'a': 'int' } }",
        in_defn("command", "cmd", 1, "'returns' should be a type name"),
    ),
    (
        "flag-true-only",
        "{ 'command': 'cmd', 'allow-oob': false }",
        in_defn("command", "cmd", 1, "flag 'allow-oob' may only use true value"),
    ),
    (
        "flag-false-only",
        "{ 'command': 'cmd', 'success-response': true }",
        in_defn("command", "cmd", 1, "flag 'success-response' may only use false value"),
    ),
    (
        "oob-coroutine",
        "{ 'command': 'cmd', 'allow-oob': true, 'coroutine': true }",
        in_defn("command", "cmd", 1, "flags 'allow-oob' and 'coroutine' are incompatible"),
    ),
    (
        "command-unknown-key",
        "{ 'command': 'cmd', 'oob': true }",
        in_defn(
            "command",
            "cmd",
            1,
            "command has unknown key 'oob'\nValid keys are 'allow-oob', 'allow-preconfig', "
            "'boxed', 'command', 'coroutine', 'data', 'features', 'gen', 'if', 'returns', "
            "'success-response'.",
        ),
    ),
    (
        "event-boxed-no-data",
        "{ 'event': 'EVT', 'boxed': true }",
        in_defn("event", "EVT", 1, "'boxed': true requires 'data'"),
    ),
    (
        "event-data-builtin",
        "{ 'event': 'EVT', 'data': 'str' }",
        in_defn("event", "EVT", 1, "event's 'data' cannot take built-in type 'str'"),
    ),
    (
        "event-returns",
        "{ 'event': 'EVT', 'returns': 'Foo' }",
        in_defn(
            "event",
            "EVT",
            1,
            "event has unknown key 'returns'\n"
            "Valid keys are 'boxed', 'data', 'event', 'features', 'if'.",
        ),
    ),
]

FEATURES_AND_IF = [
    (
        "features-not-list",
        "{ 'struct': 'Foo', 'data': {}, 'features': 'f' }",
        in_defn("struct", "Foo", 1, "'features' must be an array"),
    ),
    (
        "feature-bad-key",
        "{ 'struct': 'Foo', 'data': {}, 'features': [ { 'name': 'f', 'x': 'y' } ] }",
        in_defn(
            "struct",
            "Foo",
            1,
            "'features' member has unknown key 'x'\nValid keys are 'if', 'name'.",
        ),
    ),
    (
        "feature-name-not-string",
        "{ 'struct': 'Foo', 'data': {}, 'features': [ { 'name': [] } ] }",
        in_defn("struct", "Foo", 1, "'features' member requires a string name"),
    ),
    (
        "feature-invalid-name",
        "{ 'struct': 'Foo', 'data': {}, 'features': [ 'a$' ] }",
        in_defn("struct", "Foo", 1, "'features' member 'a$' has an invalid name"),
    ),
    (
        "feature-duplicate",
        "{ 'command': 'cmd', 'features': [ 'f', 'f' ] }",
        in_defn("command", "cmd", 1, "feature 'f' collides with feature 'f'"),
    ),
    (
        "feature-deprecated-type",
        "{ 'struct': 'Foo', 'data': {}, 'features': [ 'deprecated' ] }",
        in_defn("struct", "Foo", 1, "feature 'deprecated' is not supported for types"),
    ),
    (
        "feature-unstable-type",
        "{ 'enum': 'Foo', 'data': [], 'features': [ 'unstable' ] }",
        in_defn("enum", "Foo", 1, "feature 'unstable' is not supported for types"),
    ),
    (
        "if-lowercase",
        "{ 'struct': 'Foo', 'data': {}, 'if': 'lower' }",
        in_defn("struct", "Foo", 1, "'if' condition 'lower' of struct is not a valid identifier"),
    ),
    (
        "if-list",
        "{ 'struct': 'Foo', 'data': {}, 'if': [ 'A' ] }",
        in_defn("struct", "Foo", 1, "'if' condition of struct must be a string or an object"),
    ),
    (
        "if-empty-all",
        "{ 'struct': 'Foo', 'data': {}, 'if': { 'all': [] } }",
        in_defn("struct", "Foo", 1, "'if' condition [] of struct is useless"),
    ),
    (
        "if-all-not-list",
        "{ 'struct': 'Foo', 'data': {}, 'if': { 'all': 'A' } }",
        in_defn("struct", "Foo", 1, "'all' condition of struct must be an array"),
    ),
    (
        "if-conflicting",
        "{ 'struct': 'Foo', 'data': {}, 'if': { 'all': [ 'A' ], 'any': [ 'B' ] } }",
        in_defn("struct", "Foo", 1, "'if' condition of struct has conflicting keys"),
    ),
    (
        "if-empty-object",
        "{ 'struct': 'Foo', 'data': {}, 'if': {} }",
        in_defn("struct", "Foo", 1, "'if' condition of struct has conflicting keys"),
    ),
    (
        "if-unknown-key",
        "{ 'struct': 'Foo', 'data': {}, 'if': { 'foo': 'A' } }",
        in_defn(
            "struct",
            "Foo",
            1,
            "'if' condition of struct has unknown key 'foo'\nValid keys are 'all', 'any', 'not'.",
        ),
    ),
    (
        "if-not-bad",
        "{ 'struct': 'Foo', 'data': {}, 'if': { 'not': 'a-b' } }",
        in_defn("struct", "Foo", 1, "'if' condition 'a-b' of struct is not a valid identifier"),
    ),
    (
        "if-member",
        "{ 'struct': 'Foo', 'data': { 'a': { 'type': 'int', 'if': '' } } }",
        in_defn(
            "struct", "Foo", 1, "'if' condition '' of 'data' member 'a' is not a valid identifier"
        ),
    ),
    (
        "if-enum-value",
        "{ 'enum': 'Foo', 'data': [ { 'name': 'a', 'if': { 'any': [] } } ] }",
        in_defn("enum", "Foo", 1, "'if' condition [] of 'data' member 'a' is useless"),
    ),
]

REDEFINITION = [
    (
        "redefined-type",
        "{ 'struct': 'Foo', 'data': {} }\n{ 'enum': 'Foo', 'data': [] }",
        in_defn("enum", "Foo", 2, "'Foo' is already defined\n")
        + in_defn("struct", "Foo", 1, "previous definition"),
    ),
    (
        "redefined-command",
        "{ 'command': 'foo' }\n{ 'command': 'foo' }",
        in_defn("command", "foo", 2, "'foo' is already defined\n")
        + in_defn("command", "foo", 1, "previous definition"),
    ),
    (
        "redefined-builtin",
        "{ 'command': 'int' }",
        in_defn("command", "int", 1, "built-in type 'int' is already defined"),
    ),
]

CASES = [
    pytest.param(text, want, id=f"{group}-{name}")
    for group, cases in (
        ("enum", ENUMS),
        ("struct", STRUCTS),
        ("union", UNIONS),
        ("alternate", ALTERNATES),
        ("command", COMMANDS_EVENTS),
        ("feature", FEATURES_AND_IF),
        ("redefinition", REDEFINITION),
    )
    for name, text, want in cases
]


@pytest.mark.parametrize(("text", "want"), CASES)
def test_bad_schema(text: str, want: str) -> None:
    assert error(text) == want
