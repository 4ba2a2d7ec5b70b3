"""Bad doc comments get QEMU's messages, with file, line and column.

The cases follow the doc-comment category of QEMU's tests/qapi-schema suite
and expect the text QEMU 7.2's generator prints for the same mistake.
"""

from __future__ import annotations

import pytest
from bad_schema import error, in_defn

DOCS = [
    (
        "doc-junk-start",
        "## junk\n##",
        "t.json:1:1: junk after '##' at start of documentation comment",
    ),
    (
        "doc-junk-end",
        "##\n# @Foo:\n## x\n{ 'struct': 'Foo', 'data': {} }",
        "t.json:3:1: junk after '##' at end of documentation comment",
    ),
    (
        "doc-unterminated",
        "##\n# @Foo:\n{ 'struct': 'Foo', 'data': {} }",
        "t.json:3:1: documentation comment must end with '##'",
    ),
    ("doc-missing-space", "##\n#@Foo:\n##", "t.json:2:1: missing space after #"),
    ("doc-missing-colon", "##\n# @Foo\n##", "t.json:2:1: line should end with ':'"),
    ("doc-empty-symbol", "##\n# @:\n##", "t.json:2:1: invalid name"),
    (
        "doc-wrong-symbol",
        "##\n# @Foo:\n##\n{ 'struct': 'Bar', 'data': {} }",
        in_defn("struct", "Bar", 4, "documentation comment is for 'Foo'"),
    ),
    (
        "doc-missing-expr",
        "##\n# @Foo:\n##\n",
        "t.json:1: documentation for 'Foo' is not followed by the definition",
    ),
    (
        "doc-before-include",
        "##\n# @Foo:\n##\n{ 'include': 'x.json' }",
        "t.json:1: documentation for 'Foo' is not followed by the definition",
    ),
    (
        "doc-before-pragma",
        "##\n# @Foo:\n##\n{ 'pragma': {} }",
        "t.json:1: documentation for 'Foo' is not followed by the definition",
    ),
    (
        "doc-freeform-before-definition",
        "##\n# Just words.\n##\n{ 'struct': 'Foo', 'data': {} }",
        "t.json:1: definition documentation required",
    ),
    (
        "doc-bad-member",
        "##\n# @Foo:\n# @b: nothing\n##\n{ 'struct': 'Foo', 'data': { 'a': 'int' } }",
        "t.json:1: documented member 'b' does not exist",
    ),
    (
        "doc-bad-members",
        "##\n# @Foo:\n# @b: nothing\n# @c: nothing\n##\n{ 'struct': 'Foo', 'data': {} }",
        "t.json:1: documented members 'b', 'c' do not exist",
    ),
    (
        "doc-bad-feature",
        "##\n# @foo:\n#\n# Features:\n# @f: none\n##\n{ 'command': 'foo' }",
        "t.json:1: documented feature 'f' does not exist",
    ),
    (
        "doc-undocumented-feature",
        "##\n# @Foo:\n##\n{ 'struct': 'Foo', 'data': {}, 'features': [ 'f' ] }",
        in_defn("struct", "Foo", 4, "feature 'f' lacks documentation"),
    ),
    (
        "doc-returns-not-command",
        "##\n# @Foo:\n#\n# Returns: something\n##\n{ 'struct': 'Foo', 'data': {} }",
        "t.json:1: 'Returns:' is only valid for commands",
    ),
    (
        "doc-duplicated-returns",
        "##\n# @foo:\n#\n# Returns: a\n#\n# Returns: b\n##\n{ 'command': 'foo' }",
        "t.json:6:1: duplicated 'Returns' section",
    ),
    (
        "doc-empty-section",
        "##\n# @foo:\n#\n# Since:\n##\n{ 'command': 'foo' }",
        "t.json:5:1: empty doc section 'Since'",
    ),
    (
        "doc-markup-in-definition",
        "##\n# @foo:\n# = Heading\n##\n{ 'command': 'foo' }",
        "t.json:3:1: unexpected '=' markup in definition documentation",
    ),
    (
        "doc-freeform-arg",
        "##\n# Text\n# @foo: bar\n##",
        "t.json:3:1: '@foo:' not allowed in free-form documentation",
    ),
    (
        "doc-duplicated-arg",
        "##\n# @foo:\n# @a: x\n# @a: y\n##\n{ 'command': 'foo', 'data': { 'a': 'int' } }",
        "t.json:4:1: 'a' parameter name duplicated",
    ),
    (
        "doc-bad-indent",
        "##\n# @foo:\n# @a: first line\n# second\n##\n{ 'command': 'foo', 'data': { 'a': 'int' } }",
        "t.json:4:1: unexpected de-indent (expected at least 4 spaces)",
    ),
    (
        "doc-arg-after-section",
        "##\n# @foo:\n#\n# Since: 1\n# @b: x\n##\n{ 'command': 'foo' }",
        "t.json:5:1: '@b:' can't follow 'Since' section",
    ),
]

CASES = [
    pytest.param(text, want, id=f"{group}-{name}")
    for group, cases in (("doc", DOCS),)
    for name, text, want in cases
]


@pytest.mark.parametrize(("text", "want"), CASES)
def test_bad_schema(text: str, want: str) -> None:
    assert error(text) == want
