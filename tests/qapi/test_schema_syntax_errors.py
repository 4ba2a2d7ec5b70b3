"""Bad schema files get QEMU's messages: syntax, directives, names and keys, includes.

With file, line (and column for syntax errors).  The cases are written for
qmonitor; they follow the categories of QEMU's tests/qapi-schema suite and
expect the text QEMU 7.2's generator prints for the same mistake.  The
definitions' own errors are in test_schema_definition_errors.py, the doc
comments' in test_schema_doc_errors.py.
"""

from __future__ import annotations

import pytest
from bad_schema import error, in_defn

from qmonitor.qapi.schema import load_schema_text

SYNTAX = [
    ("funny-char", "{ 'a\x01' }", "t.json:1:3: funny character in string"),
    ("non-ascii", "{ 'caf\u00e9': 'x' }", "t.json:1:3: funny character in string"),
    ("unknown-escape", "{ 'a\\n': 'b' }", "t.json:1:3: unknown escape \\n"),
    ("unclosed-string", "{ 'abc\n", 't.json:1:3: missing terminating "\'"'),
    ("stray", "{ 'a': xyz }", "t.json:1:8: stray 'xyz'"),
    ("stray-number", "{ 'a': 1 }", "t.json:1:8: stray '1'"),
    ("double-quotes", '{ "a": "b" }', "t.json:1:3: stray '\"'"),
    # QEMU's tab arithmetic, (col + 7) % 8 + 1, as it is.
    ("tab-column", "{\t5 }", "t.json:1:2: stray '5'"),
    ("tab-column-stays", "{ 'a':\t\t5 }", "t.json:1:7: stray '5'"),
    ("missing-colon", "{ 'a' 'b' }", "t.json:1:7: expected ':'"),
    ("duplicate-key", "{ 'a': 'b', 'a': 'c' }", "t.json:1:18: duplicate key 'a'"),
    ("missing-comma", "{ 'a': 'b' 'c' }", "t.json:1:12: expected ',' or '}'"),
    ("trailing-comma-object", "{ 'a': 'b', }", "t.json:1:13: expected string"),
    (
        "leading-comma-list",
        "{ 'a': [ , 'b' ] }",
        "t.json:1:10: expected '{', '[', ']', string, or boolean",
    ),
    (
        "trailing-comma-list",
        "{ 'a': [ 'b', ] }",
        "t.json:1:15: expected '{', '[', string, or boolean",
    ),
    ("non-string-key", "{ true: 'a' }", "t.json:1:3: expected string or '}'"),
    ("unclosed-list", "{ 'a': [ 'b'", "t.json:1:13: expected ',' or ']'"),
    ("unclosed-object", "{ 'a': 'b'", "t.json:1:11: expected ',' or '}'"),
    ("missing-value", "{ 'a': }", "t.json:1:8: expected '{', '[', string, or boolean"),
    ("second-line", "# comment\n\n  { 'a' }", "t.json:3:9: expected ':'"),
    ("top-level-list", "[ 'a' ]", "t.json:1: top-level expression must be an object"),
    ("top-level-string", "'a'", "t.json:1: top-level expression must be an object"),
]

DIRECTIVES = [
    (
        "include-not-string",
        "{ 'include': [ 'a' ] }",
        "t.json:1: value of 'include' must be a string",
    ),
    ("include-extra", "{ 'include': 'a.json', 'x': 'y' }", "t.json:1: invalid 'include' directive"),
    (
        "include-missing",
        "{ 'include': 'nope.json' }",
        "t.json:1: can't read include file 'nope.json': No such file or directory",
    ),
    ("pragma-not-object", "{ 'pragma': 'x' }", "t.json:1: value of 'pragma' must be an object"),
    ("pragma-extra", "{ 'pragma': {}, 'x': 'y' }", "t.json:1: invalid 'pragma' directive"),
    ("pragma-unknown", "{ 'pragma': { 'foo': 'x' } }", "t.json:1: unknown pragma 'foo'"),
    (
        "pragma-doc-required-bool",
        "{ 'pragma': { 'doc-required': 'yes' } }",
        "t.json:1: pragma 'doc-required' must be boolean",
    ),
    (
        "pragma-list-of-strings",
        "{ 'pragma': { 'command-name-exceptions': [ true ] } }",
        "t.json:1: pragma command-name-exceptions must be a list of strings",
    ),
    (
        "pragma-doc-required",
        "{ 'pragma': { 'doc-required': true } }\n{ 'struct': 'Foo', 'data': {} }",
        in_defn("struct", "Foo", 2, "documentation comment required"),
    ),
]

NAMES_AND_KEYS = [
    (
        "no-meta",
        "{ 'data': {} }",
        "t.json:1: expression must have exactly one key "
        "'enum', 'struct', 'union', 'alternate', 'command', 'event'",
    ),
    (
        "two-metas",
        "{ 'enum': 'Foo', 'struct': 'Foo', 'data': [] }",
        "t.json:1: expression must have exactly one key "
        "'enum', 'struct', 'union', 'alternate', 'command', 'event'",
    ),
    (
        "name-not-string",
        "{ 'struct': [ 'Foo' ], 'data': {} }",
        "t.json:1: 'struct' requires a string name",
    ),
    (
        "unknown-key",
        "{ 'struct': 'Foo', 'data': {}, 'bogus': 'x' }",
        in_defn(
            "struct",
            "Foo",
            1,
            "struct has unknown key 'bogus'\n"
            "Valid keys are 'base', 'data', 'features', 'if', 'struct'.",
        ),
    ),
    ("missing-key", "{ 'enum': 'Foo' }", in_defn("enum", "Foo", 1, "enum misses key 'data'")),
    (
        "missing-keys",
        "{ 'union': 'Foo', 'data': {} }",
        in_defn("union", "Foo", 1, "union misses keys 'base', 'discriminator'"),
    ),
    (
        "type-not-camel",
        "{ 'struct': 'foo', 'data': {} }",
        in_defn("struct", "foo", 1, "name of struct must use CamelCase"),
    ),
    (
        "type-ends-in-list",
        "{ 'struct': 'FooList', 'data': {} }",
        in_defn("struct", "FooList", 1, "struct name should not end in 'List'"),
    ),
    (
        "event-lowercase",
        "{ 'event': 'Foo' }",
        in_defn("event", "Foo", 1, "name of event must not use lowercase or '-'"),
    ),
    (
        "command-uppercase",
        "{ 'command': 'Foo' }",
        in_defn("command", "Foo", 1, "name of command must not use uppercase or '_'"),
    ),
    (
        "command-underscore",
        "{ 'command': 'foo_bar' }",
        in_defn("command", "foo_bar", 1, "name of command must not use uppercase or '_'"),
    ),
    (
        "command-invalid",
        "{ 'command': 'a$b' }",
        in_defn("command", "a$b", 1, "command has an invalid name"),
    ),
    (
        "reserved-q-prefix",
        "{ 'command': 'q-cmd' }",
        in_defn("command", "q-cmd", 1, "command has an invalid name"),
    ),
    (
        "member-uppercase",
        "{ 'struct': 'Foo', 'data': { 'Bar': 'int' } }",
        in_defn("struct", "Foo", 1, "name of 'data' member 'Bar' must not use uppercase or '_'"),
    ),
    (
        "member-reserved-has",
        "{ 'struct': 'Foo', 'data': { '*has-x': 'int' } }",
        in_defn("struct", "Foo", 1, "'data' member '*has-x' uses reserved name"),
    ),
    (
        "member-reserved-u",
        "{ 'command': 'foo', 'data': { 'u': 'int' } }",
        in_defn("command", "foo", 1, "'data' member 'u' uses reserved name"),
    ),
    (
        "member-invalid",
        "{ 'struct': 'Foo', 'data': { 'a b': 'int' } }",
        in_defn("struct", "Foo", 1, "'data' member 'a b' has an invalid name"),
    ),
]

CASES = [
    pytest.param(text, want, id=f"{group}-{name}")
    for group, cases in (
        ("syntax", SYNTAX),
        ("directive", DIRECTIVES),
        ("name", NAMES_AND_KEYS),
    )
    for name, text, want in cases
]


@pytest.mark.parametrize(("text", "want"), CASES)
def test_bad_schema(text: str, want: str) -> None:
    assert error(text) == want


def test_error_in_included_file_names_the_include_chain() -> None:
    files = {
        "sub/a.json": "{ 'include': 'b.json' }\n",
        "sub/b.json": "# b\n{ 'struct': 'Foo', 'data': { 'x': 'Nope' } }\n",
    }
    assert error("{ 'include': 'sub/a.json' }\n", files) == (
        "In file included from t.json:1:\n"
        "In file included from sub/a.json:1:\n"
        "sub/b.json: In struct 'Foo':\n"
        "sub/b.json:2: member 'x' uses unknown type 'Nope'"
    )


def test_inclusion_loop() -> None:
    files = {"b.json": "{ 'include': 't.json' }\n"}
    assert error("{ 'include': 'b.json' }\n", files) == (
        "In file included from t.json:1:\nb.json:1: inclusion loop for t.json"
    )


def test_syntax_error_in_included_file() -> None:
    files = {"b.json": "\n{ 'a' }\n"}
    assert error("{ 'include': 'b.json' }\n", files) == (
        "In file included from t.json:1:\nb.json:2:7: expected ':'"
    )


def test_pragmas_relax_the_name_rules() -> None:
    load_schema_text(
        "{ 'pragma': { 'command-name-exceptions': [ 'foo_bar' ],\n"
        "              'command-returns-exceptions': [ 'get-int' ],\n"
        "              'member-name-exceptions': [ 'Foo' ] } }\n"
        "{ 'command': 'foo_bar' }\n"
        "{ 'command': 'get-int', 'returns': 'int' }\n"
        "{ 'struct': 'Foo', 'data': { 'Big_Name': 'int' } }\n",
        "t.json",
    )


def test_pragmas_apply_to_included_files() -> None:
    files = {"b.json": "{ 'command': 'foo_bar' }\n"}
    load_schema_text(
        "{ 'pragma': { 'command-name-exceptions': [ 'foo_bar' ] } }\n{ 'include': 'b.json' }\n",
        "t.json",
        files=files,
    )
