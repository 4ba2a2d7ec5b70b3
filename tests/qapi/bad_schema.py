"""Bad schemas get QEMU's messages, with file, line (and column for syntax errors).

The cases are written for qmonitor; they follow the categories of QEMU's
tests/qapi-schema suite (syntax, directives, names, keys, each kind of
definition, features, conditions, redefinition, doc comments) and expect
the text QEMU 7.2's generator prints for the same mistake.

The tests are split by topic: test_schema_syntax_errors.py (syntax,
directives, names and keys, includes, pragmas),
test_schema_definition_errors.py (each kind of definition, features,
conditions, redefinition) and test_schema_doc_errors.py (doc comments).
This module holds what they share: :func:`error`, the message a schema
gets, and :func:`in_defn`, the usual shape of a definition's message.
"""

from __future__ import annotations

import pytest

from qmonitor.qapi.schema import load_schema_text
from qmonitor.qapi.schema_source import QapiSchemaError


def error(text: str, files: dict[str, str] | None = None) -> str:
    with pytest.raises(QapiSchemaError) as info:
        load_schema_text(text, "t.json", files=files)
    return str(info.value)


def in_defn(meta: str, name: str, line: int, msg: str, fname: str = "t.json") -> str:
    return f"{fname}: In {meta} '{name}':\n{fname}:{line}: {msg}"
