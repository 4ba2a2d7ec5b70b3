"""One schema from the null machine's and an embedder's schema files.

QEMU introspects one schema: ``qapi-schema.json`` includes every module.
An embedder's machine is the same: :func:`compose_schema` checks each of
the embedder's sources on its own (schema files, code-first definitions),
so that a bad one gets QEMU's message as ``qapi-gen`` would give it for
that file, and then loads a main file that includes the null machine's
schema followed by the sources, in order.  ``query-qmp-schema`` then lists
the machine's commands and events first and the embedder's after them,
with type names masked over the whole schema, as QEMU does.

Pragmas apply to a whole schema in QEMU (a file and its includes share
them, and a later one replaces an earlier one).  Each source was checked
with its own; the composed schema takes the union of all name lists, set
at the end of the main file, so that one file's exceptions do not undo
another's (``doc-required`` was enforced on each source alone).
"""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from qmonitor.machine.schema import EXTENSIONS
from qmonitor.machine.schema import FNAME as MACHINE_FNAME
from qmonitor.machine.schema import SCHEMA as MACHINE_SCHEMA
from qmonitor.qapi.schema import Schema
from qmonitor.qapi.schema_parser import Reader, SchemaParser, read_file
from qmonitor.qapi.schema_source import Pragma

if TYPE_CHECKING:
    from qmonitor.qapi.codefirst import CodeFirstSchema

#: The name of the generated main file (errors in included files name it).
MAIN_FNAME = "qmonitor-main.json"


def _pragma(fname: str, reader: Reader) -> Pragma:
    """The pragmas in force at the end of a schema file (and its includes)."""
    return SchemaParser(fname, reader).lex.info.pragma


def _quote(text: str) -> str:
    if "'" in text or "\\" in text:
        raise ValueError(f"schema file name {text!r} has a quote or a backslash")
    return f"'{text}'"


def _quote_list(names: list[str]) -> str:
    return "[ " + ", ".join(_quote(n) for n in names) + " ]"


class ComposedSchema:
    """The composed schema and which of its modules are the embedder's."""

    def __init__(self, schema: Schema, modules: Sequence[str]) -> None:
        #: The whole schema (the machine's entities and the embedder's).
        self.schema = schema
        #: The file names of the embedder's sources, as the schema names them.
        self.modules = tuple(modules)

    def own_commands(self) -> list[str]:
        """The embedder's commands (enabled ones), in schema order."""
        own = {os.path.normpath(m) for m in self.modules}
        return [
            c.name
            for c in self.schema.commands()
            if c.info is not None and os.path.normpath(c.info.fname) in own
        ]

    def own_events(self) -> list[str]:
        """The embedder's events (enabled ones), in schema order."""
        own = {os.path.normpath(m) for m in self.modules}
        return [
            e.name
            for e in self.schema.events()
            if e.info is not None and os.path.normpath(e.info.fname) in own
        ]


def compose_schema(
    sources: Sequence[str | os.PathLike[str] | CodeFirstSchema],
    defined: Collection[str] = (),
    *,
    extensions: bool = False,
) -> ComposedSchema:
    """The null machine's schema followed by ``sources``, checked as one.

    :param sources: schema file paths (their ``include`` directives are
        followed as QEMU's generator follows them) and
        :class:`~qmonitor.qapi.codefirst.CodeFirstSchema` objects.
    :param defined: the configuration symbols ``if`` conditions test.
    :param extensions: include the ``x-qmonitor-*`` commands.
    :raises QapiSchemaError: a source is bad, or clashes with the machine's
        schema or another source (QEMU's messages, with file and line).
    """
    from qmonitor.qapi.codefirst import CodeFirstSchema

    virtual: dict[str, str] = {MACHINE_FNAME: MACHINE_SCHEMA}

    def reader(path: str) -> str:
        text = virtual.get(os.path.normpath(path))
        return text if text is not None else read_file(path)

    symbols = set(defined)
    if extensions:
        symbols.add(EXTENSIONS)
    pragma = _pragma(MACHINE_FNAME, reader)
    names: list[str] = []
    for index, source in enumerate(sources):
        if isinstance(source, CodeFirstSchema):
            fname = f"qmonitor-codefirst-{index}.json"
            virtual[fname] = source.schema_text()
        else:
            fname = os.fspath(Path(source))
        names.append(fname)
        # Each source alone first: its errors read as for that file.
        Schema(fname, symbols, reader)
        own = _pragma(fname, reader)
        for attr in (
            "command_name_exceptions",
            "command_returns_exceptions",
            "member_name_exceptions",
        ):
            merged: list[str] = getattr(pragma, attr)
            merged.extend(n for n in getattr(own, attr) if n not in merged)
    lines = ["# Generated by qmonitor: the null machine, then the embedder's schema."]
    lines.extend(f"{{ 'include': {_quote(name)} }}" for name in [MACHINE_FNAME, *names])
    lines.append(
        "{ 'pragma': { "
        f"'command-name-exceptions': {_quote_list(pragma.command_name_exceptions)}, "
        f"'command-returns-exceptions': {_quote_list(pragma.command_returns_exceptions)}, "
        f"'member-name-exceptions': {_quote_list(pragma.member_name_exceptions)} }} }}"
    )
    virtual[MAIN_FNAME] = "\n".join(lines) + "\n"
    return ComposedSchema(Schema(MAIN_FNAME, symbols, reader), names)
