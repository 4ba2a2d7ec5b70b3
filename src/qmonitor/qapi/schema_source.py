"""Where a schema definition comes from, and the errors that point there.

A :class:`SourceInfo` is a line of a schema file (plus the chain of
includes that led to it and, once known, the definition it belongs to);
a :class:`QapiSchemaError` renders as QEMU's schema generator prints its
errors (scripts/qapi/source.py and error.py), for instance::

    In file included from main.json:3:
    sub.json: In struct 'Foo':
    sub.json:7: 'data' member 'bar' uses unknown type 'Baz'

Schema errors are mistakes of the program that loads the schema, not of
a QMP peer, so they are Python exceptions and never reach a client.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from qmonitor.errors import QmonitorError


@dataclass
class Pragma:
    """The ``pragma`` directives in force (shared by a file and its includes)."""

    doc_required: bool = False
    command_name_exceptions: list[str] = field(default_factory=list)
    command_returns_exceptions: list[str] = field(default_factory=list)
    member_name_exceptions: list[str] = field(default_factory=list)


class SourceInfo:
    """A position in a schema file: file name, line, include chain, definition."""

    __slots__ = ("defn_meta", "defn_name", "fname", "line", "parent", "pragma")

    def __init__(self, fname: str, parent: SourceInfo | None) -> None:
        self.fname = fname
        self.line = 1
        self.parent = parent
        self.pragma: Pragma = parent.pragma if parent is not None else Pragma()
        self.defn_meta: str | None = None
        self.defn_name: str | None = None

    def set_defn(self, meta: str, name: str) -> None:
        self.defn_meta = meta
        self.defn_name = name

    def next_line(self) -> SourceInfo:
        # A copy per line of every schema: by hand, as copy.copy() costs five times more.
        info = SourceInfo.__new__(SourceInfo)
        info.fname = self.fname
        info.line = self.line + 1
        info.parent = self.parent
        info.pragma = self.pragma
        info.defn_meta = self.defn_meta
        info.defn_name = self.defn_name
        return info

    def loc(self) -> str:
        return f"{self.fname}:{self.line}"

    def in_defn(self) -> str:
        if self.defn_name:
            return f"{self.fname}: In {self.defn_meta} '{self.defn_name}':\n"
        return ""

    def include_path(self) -> str:
        text = ""
        parent = self.parent
        while parent is not None:
            text = f"In file included from {parent.loc()}:\n" + text
            parent = parent.parent
        return text

    def __str__(self) -> str:
        return self.include_path() + self.in_defn() + self.loc()


class QapiSchemaError(QmonitorError):
    """A bad schema, reported with QEMU's text and location.

    :param info: where the problem is (None only for internal definitions).
    :param msg: QEMU's message.
    :param col: the column, for syntax errors.
    """

    def __init__(self, info: SourceInfo | None, msg: str, col: int | None = None) -> None:
        super().__init__(msg)
        self.info = info
        self.msg = msg
        self.col = col

    def __str__(self) -> str:
        if self.info is None:
            return self.msg
        loc = str(self.info)
        if self.col is not None:
            loc += f":{self.col}"
        return f"{loc}: {self.msg}"
