"""The schema language's syntax: QEMU's JSON-ish schema files, includes, doc comments.

A schema file is a sequence of JSON objects written with single-quoted
strings, ``true``/``false``, ``#`` comments and ``##`` documentation
blocks (qapi-code-gen.rst, "Schema syntax").  :func:`parse_schema` turns a
file (and the files it includes, each once) into expressions with their
:class:`SourceInfo`, and reports QEMU's syntax errors with file, line and
column (the behaviour of scripts/qapi/parser.py, written anew here).
Checking what the expressions mean is schema_expr.py's job.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from qmonitor.qapi.schema_source import QapiSchemaError, SourceInfo

#: Reads a schema file by name; raises OSError when it cannot.
Reader = Callable[[str], str]

_STRAY = re.compile(r"[^\[\]{}:,\s'\"]+")
_ARG_HEAD = re.compile(r"@\S*:\s*")
_TAG_HEAD = re.compile(r"\S*:\s*")
_FREEFORM_ARG = re.compile(r"(@\S+:)")
#: A string's rest with nothing _Lexer._string() would reject or unescape.
_PLAIN_STRING = re.compile(r"[\x20-\x26\x28-\x5b\x5d-\x7e]*'")
_SECTION_TAGS = frozenset(
    {"Returns:", "Since:", "Note:", "Notes:", "Example:", "Examples:", "TODO:"}
)


def read_file(fname: str) -> str:
    with open(fname, encoding="utf-8") as fp:
        return fp.read()


@dataclass
class ParsedExpr:
    """One top-level expression: its value, where it starts, its doc block."""

    expr: dict[str, Any]
    info: SourceInfo
    doc: Doc | None = None


class _Lexer:
    """Token state of one file (QAPISchemaParser.accept)."""

    def __init__(self, src: str, info: SourceInfo) -> None:
        self.src = src
        self.info = info
        self.tok: str | None = None
        self.val: str | bool | None = None
        self.pos = 0
        self.cursor = 0
        self.line_pos = 0

    def error(self, msg: str) -> QapiSchemaError:
        col = 1
        for ch in self.src[self.line_pos : self.pos]:
            col = (col + 7) % 8 + 1 if ch == "\t" else col + 1
        return QapiSchemaError(self.info, msg, col)

    def accept(self, skip_comment: bool = True) -> None:
        src = self.src
        while True:
            self.tok = tok = src[self.cursor]
            self.pos = self.cursor
            self.cursor += 1
            self.val = None
            if tok == " ":
                continue  # the commonest character: nothing more to test
            if tok == "#":
                if src[self.cursor] == "#":
                    skip_comment = False  # a documentation comment
                self.cursor = src.find("\n", self.cursor)
                if not skip_comment:
                    self.val = src[self.pos : self.cursor]
                    return
            elif tok in "{}:,[]":
                return
            elif tok == "'":
                self.val = self._string()
                return
            elif tok == "t" and src.startswith("true", self.pos):
                self.val = True
                self.cursor += 3
                return
            elif tok == "f" and src.startswith("false", self.pos):
                self.val = False
                self.cursor += 4
                return
            elif tok == "\n":
                if self.cursor == len(src):
                    self.tok = None
                    return
                self.info = self.info.next_line()
                self.line_pos = self.cursor
            elif not tok.isspace():
                # Up to the next structural, space or quote character.  A
                # double quote is itself such a character (QEMU's generator
                # fails an assertion there): report just it.
                match = _STRAY.match(src, self.cursor - 1)
                raise self.error(f"stray '{match.group(0) if match else tok}'")

    def _string(self) -> str:
        # Most strings are printable ASCII without escapes: one match.
        plain = _PLAIN_STRING.match(self.src, self.cursor)
        if plain is not None:
            self.cursor = plain.end()
            return plain.group()[:-1]
        chars: list[str] = []
        escaped = False
        while True:
            ch = self.src[self.cursor]
            self.cursor += 1
            if ch == "\n":
                raise self.error('missing terminating "\'"')
            if escaped:
                # Only \\ is an escape: strings hold names, not text.
                if ch != "\\":
                    raise self.error(f"unknown escape \\{ch}")
                escaped = False
            elif ch == "\\":
                escaped = True
                continue
            elif ch == "'":
                return "".join(chars)
            if ord(ch) < 32 or ord(ch) >= 127:
                raise self.error("funny character in string")
            chars.append(ch)


class SchemaParser:
    """Parse one schema file and, recursively, what it includes."""

    def __init__(
        self,
        fname: str,
        reader: Reader = read_file,
        included: set[str] | None = None,
        incl_info: SourceInfo | None = None,
    ) -> None:
        self.fname = fname
        self.reader = reader
        self.included = included if included is not None else set()
        self.included.add(os.path.abspath(fname))
        self.exprs: list[ParsedExpr] = []
        self.docs: list[Doc] = []
        src = reader(fname)
        if not src.endswith("\n"):
            src += "\n"
        self.lex = _Lexer(src, SourceInfo(fname, incl_info))
        self._parse()

    def _parse(self) -> None:
        lex = self.lex
        cur_doc: Doc | None = None
        lex.accept()
        while lex.tok is not None:
            info = lex.info
            if lex.tok == "#":
                _reject_expr_doc(cur_doc)
                for cur_doc in self._get_doc(info):
                    self.docs.append(cur_doc)
                continue
            expr = self._get_expr()
            if not isinstance(expr, dict):
                raise QapiSchemaError(info, "top-level expression must be an object")
            if "include" in expr:
                _reject_expr_doc(cur_doc)
                self._include(expr, info)
            elif "pragma" in expr:
                _reject_expr_doc(cur_doc)
                if len(expr) != 1:
                    raise QapiSchemaError(info, "invalid 'pragma' directive")
                pragma = expr["pragma"]
                if not isinstance(pragma, dict):
                    raise QapiSchemaError(info, "value of 'pragma' must be an object")
                for name, value in pragma.items():
                    _set_pragma(name, value, info)
            else:
                parsed = ParsedExpr(expr, info)
                if cur_doc is not None:
                    if not cur_doc.symbol:
                        raise QapiSchemaError(cur_doc.info, "definition documentation required")
                    parsed.doc = cur_doc
                self.exprs.append(parsed)
            cur_doc = None
        _reject_expr_doc(cur_doc)

    def _include(self, expr: dict[str, Any], info: SourceInfo) -> None:
        if len(expr) != 1:
            raise QapiSchemaError(info, "invalid 'include' directive")
        include = expr["include"]
        if not isinstance(include, str):
            raise QapiSchemaError(info, "value of 'include' must be a string")
        incl_fname = os.path.join(os.path.dirname(self.fname), include)
        self.exprs.append(ParsedExpr({"include": incl_fname}, info))
        incl_abs = os.path.abspath(incl_fname)
        walk: SourceInfo | None = info
        while walk is not None:
            if incl_abs == os.path.abspath(walk.fname):
                raise QapiSchemaError(info, f"inclusion loop for {include}")
            walk = walk.parent
        if incl_abs in self.included:
            return  # each file once
        try:
            sub = SchemaParser(incl_fname, self.reader, self.included, info)
        except OSError as err:
            raise QapiSchemaError(
                info, f"can't read include file '{incl_fname}': {err.strerror}"
            ) from err
        self.exprs.extend(sub.exprs)
        self.docs.extend(sub.docs)

    def _get_members(self) -> dict[str, Any]:
        lex = self.lex
        expr: dict[str, Any] = {}
        if lex.tok == "}":
            lex.accept()
            return expr
        if lex.tok != "'":
            raise lex.error("expected string or '}'")
        while True:
            key = lex.val
            assert isinstance(key, str)
            lex.accept()
            if lex.tok != ":":
                raise lex.error("expected ':'")
            lex.accept()
            if key in expr:
                raise lex.error(f"duplicate key '{key}'")
            expr[key] = self._get_expr()
            if lex.tok == "}":
                lex.accept()
                return expr
            if lex.tok != ",":
                raise lex.error("expected ',' or '}'")
            lex.accept()
            if lex.tok != "'":
                raise lex.error("expected string")

    def _get_values(self) -> list[Any]:
        lex = self.lex
        values: list[Any] = []
        if lex.tok == "]":
            lex.accept()
            return values
        if lex.tok is None or lex.tok not in "{['tf":
            raise lex.error("expected '{', '[', ']', string, or boolean")
        while True:
            values.append(self._get_expr())
            if lex.tok == "]":
                lex.accept()
                return values
            if lex.tok != ",":
                raise lex.error("expected ',' or ']'")
            lex.accept()

    def _get_expr(self) -> Any:
        lex = self.lex
        if lex.tok == "{":
            lex.accept()
            return self._get_members()
        if lex.tok == "[":
            lex.accept()
            return self._get_values()
        if lex.tok is not None and lex.tok in "'tf":
            value = lex.val
            lex.accept()
            return value
        raise lex.error("expected '{', '[', string, or boolean")

    def _get_doc(self, info: SourceInfo) -> list[Doc]:
        lex = self.lex
        if lex.val != "##":
            raise lex.error("junk after '##' at start of documentation comment")
        docs: list[Doc] = []
        cur = Doc(lex, info)
        lex.accept(False)
        while lex.tok == "#":
            line = lex.val
            assert isinstance(line, str)
            if line.startswith("##"):
                if line != "##":
                    raise lex.error("junk after '##' at end of documentation comment")
                cur.end_comment()
                docs.append(cur)
                lex.accept()
                return docs
            if line.startswith("# ="):
                if cur.symbol:
                    raise lex.error("unexpected '=' markup in definition documentation")
                if cur.body.text:
                    cur.end_comment()
                    docs.append(cur)
                    cur = Doc(lex, info)
            cur.append(line)
            lex.accept(False)
        raise lex.error("documentation comment must end with '##'")


def _reject_expr_doc(doc: Doc | None) -> None:
    if doc is not None and doc.symbol:
        raise QapiSchemaError(
            doc.info, f"documentation for '{doc.symbol}' is not followed by the definition"
        )


def _set_pragma(name: str, value: Any, info: SourceInfo) -> None:
    def str_list() -> list[str]:
        if not isinstance(value, list) or any(not isinstance(v, str) for v in value):
            raise QapiSchemaError(info, f"pragma {name} must be a list of strings")
        return value

    pragma = info.pragma
    if name == "doc-required":
        if not isinstance(value, bool):
            raise QapiSchemaError(info, "pragma 'doc-required' must be boolean")
        pragma.doc_required = value
    elif name == "command-name-exceptions":
        pragma.command_name_exceptions = str_list()
    elif name == "command-returns-exceptions":
        pragma.command_returns_exceptions = str_list()
    elif name == "member-name-exceptions":
        pragma.member_name_exceptions = str_list()
    else:
        raise QapiSchemaError(info, f"unknown pragma '{name}'")


@dataclass
class Section:
    """A part of a doc block: the body, a member's text, or a tagged section."""

    lex: _Lexer
    name: str | None = None
    indent: int = 0
    text: str = ""
    #: For member and feature sections: the schema member documented.
    member: object | None = None

    def append(self, line: str) -> None:
        if line:
            indent = len(line) - len(line.lstrip())
            if indent < self.indent:
                raise self.lex.error(
                    f"unexpected de-indent (expected at least {self.indent} spaces)"
                )
            line = line[self.indent :]
        self.text += line.rstrip() + "\n"


class Doc:
    """A ``##`` documentation block: free-form, or the doc of one definition."""

    def __init__(self, lex: _Lexer, info: SourceInfo) -> None:
        self.lex = lex
        self.info = info
        self.symbol: str | None = None
        self.body = Section(lex)
        self.args: dict[str, Section] = {}
        self.features: dict[str, Section] = {}
        self.sections: list[Section] = []
        self._section: Section | None = self.body
        self._mode = "body"

    def has_section(self, name: str) -> bool:
        return any(s.name == name for s in self.sections)

    def append(self, line: str) -> None:
        line = line[1:]
        if not line:
            self._freeform(line)
            return
        if line[0] != " ":
            raise self.lex.error("missing space after #")
        line = line[1:]
        {
            "body": self._body_line,
            "args": self._args_line,
            "features": self._features_line,
            "various": self._various_line,
        }[self._mode](line)

    def end_comment(self) -> None:
        self._end_section()

    def _body_line(self, line: str) -> None:
        name = line.split(" ", 1)[0]
        if not self.symbol and not self.body.text and line.startswith("@"):
            if not line.endswith(":"):
                raise self.lex.error("line should end with ':'")
            self.symbol = line[1:-1]
            if not self.symbol:
                raise self.lex.error("invalid name")
        elif self.symbol:
            if name.startswith("@") and name.endswith(":"):
                self._mode = "args"
                self._args_line(line)
            elif line == "Features:":
                self._mode = "features"
            elif name in _SECTION_TAGS:
                self._mode = "various"
                self._various_line(line)
            else:
                self._freeform(line)
        else:
            self._freeform(line)

    def _symbol_line(self, line: str, symbols: dict[str, Section], features_next: bool) -> None:
        name = line.split(" ", 1)[0]
        if name.startswith("@") and name.endswith(":"):
            match = _ARG_HEAD.match(line)
            assert match is not None
            indent = match.end()
            rest = line[indent:]
            if rest:
                line = " " * indent + rest
            else:
                indent, line = 0, rest
            self._start_symbol_section(symbols, name[1:-1], indent)
        elif name in _SECTION_TAGS:
            self._mode = "various"
            self._various_line(line)
            return
        elif (
            self._section is not None
            and self._section.text.endswith("\n\n")
            and line
            and not line[0].isspace()
        ):
            if features_next and line == "Features:":
                self._mode = "features"
            else:
                self._start_section()
                self._mode = "various"
                self._various_line(line)
            return
        self._freeform(line)

    def _args_line(self, line: str) -> None:
        self._symbol_line(line, self.args, True)

    def _features_line(self, line: str) -> None:
        self._symbol_line(line, self.features, False)

    def _various_line(self, line: str) -> None:
        name = line.split(" ", 1)[0]
        if name.startswith("@") and name.endswith(":"):
            raise self.lex.error(f"'{name}' can't follow '{self.sections[0].name}' section")
        if name in _SECTION_TAGS:
            match = _TAG_HEAD.match(line)
            assert match is not None
            indent = match.end()
            rest = line[indent:]
            if rest:
                line = " " * indent + rest
            else:
                indent, line = 0, rest
            self._start_section(name[:-1], indent)
        self._freeform(line)

    def _start_symbol_section(self, symbols: dict[str, Section], name: str, indent: int) -> None:
        if not name:
            raise self.lex.error("invalid parameter name")
        if name in symbols:
            raise self.lex.error(f"'{name}' parameter name duplicated")
        self._end_section()
        self._section = Section(self.lex, name, indent)
        symbols[name] = self._section

    def _start_section(self, name: str | None = None, indent: int = 0) -> None:
        if name in ("Returns", "Since") and self.has_section(name):
            raise self.lex.error(f"duplicated '{name}' section")
        self._end_section()
        self._section = Section(self.lex, name, indent)
        self.sections.append(self._section)

    def _end_section(self) -> None:
        if self._section is not None:
            text = self._section.text = self._section.text.strip()
            if self._section.name and not text:
                raise self.lex.error(f"empty doc section '{self._section.name}'")
            self._section = None

    def _freeform(self, line: str) -> None:
        match = _FREEFORM_ARG.match(line)
        if match:
            raise self.lex.error(f"'{match.group(1)}' not allowed in free-form documentation")
        assert self._section is not None
        self._section.append(line)

    # Connecting the doc to the checked definition (schema.py).

    def connect_member(self, name: str, member: object) -> None:
        if name not in self.args:
            self.args[name] = Section(self.lex, name)  # undocumented: allowed in 7.2
        self.args[name].member = member

    def connect_feature(self, name: str, feature: object, info: SourceInfo | None) -> None:
        if name not in self.features:
            raise QapiSchemaError(info, f"feature '{name}' lacks documentation")
        self.features[name].member = feature

    def check_expr(self, expr: dict[str, Any]) -> None:
        if self.has_section("Returns") and "command" not in expr:
            raise QapiSchemaError(self.info, "'Returns:' is only valid for commands")

    def check(self) -> None:
        for what, symbols in (("member", self.args), ("feature", self.features)):
            bogus = [name for name, section in symbols.items() if section.member is None]
            if bogus:
                plural = len(bogus) > 1
                raise QapiSchemaError(
                    self.info,
                    "documented {}{} '{}' {} not exist".format(
                        what, "s" if plural else "", "', '".join(bogus), "do" if plural else "does"
                    ),
                )


__all__ = ["Doc", "ParsedExpr", "Reader", "SchemaParser", "Section", "read_file"]
