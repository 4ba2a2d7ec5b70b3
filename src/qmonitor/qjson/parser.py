"""Tokens → values, as QEMU's qobject/json-parser.c, with its error texts.

Only the first error of a value is reported ("JSON parse error, ...").
Integers become int when they fit int64 or uint64, else float; strings
are decoded as QEMU's modified UTF-8 with its escapes.
"""

from __future__ import annotations

import sys
from enum import IntEnum
from typing import Any

from qmonitor.qjson.unicode import is_valid_codepoint, mod_utf8_codepoint

JsonValue = Any

INT64_MIN, INT64_MAX, UINT64_MAX = -(1 << 63), (1 << 63) - 1, (1 << 64) - 1


class Tok(IntEnum):
    """Token types of json-lexer.c."""

    ERROR = 0
    LCURLY = 100
    RCURLY = 101
    LSQUARE = 102
    RSQUARE = 103
    COLON = 104
    COMMA = 105
    INTEGER = 106
    FLOAT = 107
    KEYWORD = 108
    STRING = 109


class JsonError(Exception):
    """A parse error; ``message`` is the full text of the QMP error."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


class _Parser:
    def __init__(self, tokens: list[tuple[Tok, bytes]]) -> None:
        self.tokens = tokens
        self.pos = 0
        self.err: str | None = None

    def error(self, msg: str) -> None:
        if self.err is None:
            self.err = "JSON parse error, " + msg

    def peek(self) -> tuple[Tok, bytes] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def pop(self) -> tuple[Tok, bytes] | None:
        tok = self.peek()
        if tok is not None:
            self.pos += 1
        return tok

    def value(self) -> JsonValue | None:
        tok = self.peek()
        if tok is None:
            self.error("premature EOI")
            return None
        kind = tok[0]
        if kind is Tok.LCURLY:
            return self.object()
        if kind is Tok.LSQUARE:
            return self.array()
        if kind in (Tok.INTEGER, Tok.FLOAT, Tok.STRING):
            return self.literal()
        if kind is Tok.KEYWORD:
            self.pos += 1
            word = tok[1]
            if word == b"true":
                return True
            if word == b"false":
                return False
            if word == b"null":
                return _NULL
            self.error(f"invalid keyword '{_text(word)}'")
            return None
        self.error("expecting value")
        return None

    def object(self) -> JsonValue | None:
        self.pos += 1
        result: dict[str, Any] = {}
        tok = self.peek()
        if tok is None:
            self.error("premature EOI")
            return None
        if tok[0] is Tok.RCURLY:
            self.pos += 1
            return result
        if not self.pair(result):
            return None
        tok = self.pop()
        if tok is None:
            self.error("premature EOI")
            return None
        while tok[0] is not Tok.RCURLY:
            if tok[0] is not Tok.COMMA:
                self.error("expected separator in dict")
                return None
            if not self.pair(result):
                return None
            tok = self.pop()
            if tok is None:
                self.error("premature EOI")
                return None
        return result

    def pair(self, result: dict[str, Any]) -> bool:
        if self.peek() is None:
            self.error("premature EOI")
            return False
        key = self.value()
        if not isinstance(key, str):
            self.error("key is not a string in object")
            return False
        tok = self.pop()
        if tok is None:
            self.error("premature EOI")
            return False
        if tok[0] is not Tok.COLON:
            self.error("missing : in object pair")
            return False
        value = self.value()
        if value is None:
            self.error("Missing value in dict")
            return False
        if key in result:
            self.error("duplicate key")
            return False
        result[key] = None if value is _NULL else value
        return True

    def array(self) -> JsonValue | None:
        self.pos += 1
        result: list[Any] = []
        tok = self.peek()
        if tok is None:
            self.error("premature EOI")
            return None
        if tok[0] is Tok.RSQUARE:
            self.pos += 1
            return result
        item = self.value()
        if item is None:
            self.error("expecting value")
            return None
        result.append(None if item is _NULL else item)
        tok = self.pop()
        if tok is None:
            self.error("premature EOI")
            return None
        while tok[0] is not Tok.RSQUARE:
            if tok[0] is not Tok.COMMA:
                self.error("expected separator in list")
                return None
            item = self.value()
            if item is None:
                self.error("expecting value")
                return None
            result.append(None if item is _NULL else item)
            tok = self.pop()
            if tok is None:
                self.error("premature EOI")
                return None
        return result

    def literal(self) -> JsonValue | None:
        kind, raw = self.tokens[self.pos]
        self.pos += 1
        if kind is Tok.STRING:
            return self.string(raw)
        if kind is Tok.INTEGER:
            value = int(raw)
            if INT64_MIN <= value <= INT64_MAX or (raw[:1] != b"-" and value <= UINT64_MAX):
                return value
        return float(raw)

    def string(self, raw: bytes) -> str | None:
        quote = raw[0]
        body = raw[1:-1]
        if b"\\" not in body and body.isascii():
            return body.decode("ascii")
        out: list[str] = []
        pos = 1
        end = len(raw) - 1
        while pos < end:
            c = raw[pos]
            if c == 0x5C:  # backslash
                beg = pos
                pos += 1
                esc = raw[pos]
                pos += 1
                simple = _SIMPLE_ESCAPES.get(esc)
                if simple is not None:
                    out.append(simple)
                elif esc == 0x75:  # u
                    cp = _cvt4hex(raw, pos)
                    pos += 4
                    if 0xD800 <= cp <= 0xDBFF and raw[pos : pos + 2] == b"\\u":
                        cp = 0x10000 + ((cp & 0x3FF) << 10)
                        trailing = _cvt4hex(raw, pos + 2)
                        if 0xDC00 <= trailing <= 0xDFFF:
                            cp |= trailing & 0x3FF
                            pos += 6
                        else:
                            cp = -1
                    if not is_valid_codepoint(cp):
                        shown = raw[beg:pos].split(b"\x00")[0]
                        self.error(f"{_text(shown)} is not a valid Unicode character")
                        return None
                    out.append(chr(cp))
                else:
                    self.error("invalid escape sequence in string")
                    return None
            else:
                cp, nxt = mod_utf8_codepoint(raw, pos)
                if cp < 0:
                    self.error("invalid UTF-8 sequence in string")
                    return None
                pos = nxt
                out.append(chr(cp))
            del c
        del quote
        return "".join(out)


_SIMPLE_ESCAPES = {
    0x22: '"',
    0x27: "'",
    0x5C: "\\",
    0x2F: "/",
    0x62: "\b",
    0x66: "\f",
    0x6E: "\n",
    0x72: "\r",
    0x74: "\t",
}
_HEX = frozenset(b"0123456789abcdefABCDEF")


def _cvt4hex(raw: bytes, pos: int) -> int:
    chunk = raw[pos : pos + 4]
    if len(chunk) < 4 or any(b not in _HEX for b in chunk):
        return -1
    return int(chunk, 16)


class _Null:
    """JSON null while parsing (None means "no value" inside the parser)."""


_NULL: Any = _Null()


def parse_tokens(tokens: list[tuple[Tok, bytes]], depth: int) -> JsonValue:
    """Parse one complete value; raise :class:`JsonError` with QEMU's text."""
    parser = _Parser(tokens)
    limit = sys.getrecursionlimit()
    needed = 3 * depth + 100
    if needed > limit:
        sys.setrecursionlimit(needed)
    try:
        value = parser.value()
    finally:
        if needed > limit:
            sys.setrecursionlimit(limit)
    if parser.err is not None:
        raise JsonError(parser.err)
    return None if value is _NULL else value
