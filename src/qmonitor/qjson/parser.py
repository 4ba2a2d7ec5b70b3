"""Tokens of one value → a value, as QEMU's qobject/json-parser.c (7.2).

QEMU's parser is a recursive descent that stops at the first error and
reports it as ``JSON parse error, <what>``; the messages below are its
texts.  Integers become ``int`` when they fit int64, or (when not negative)
uint64, else ``float`` (strtod); strings are checked as QEMU's modified
UTF-8: ``\\u0000`` is allowed, surrogates that do not pair and
noncharacters are not.

A value whose tokens are plainly standard JSON is handed to the C JSON
decoder instead; :func:`plain_text` lists what has to hold for both to agree,
and the exact parser handles everything else, errors included.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, Final

from qmonitor.errors import QmonitorError
from qmonitor.qjson.lexer import Tok, split_run
from qmonitor.qjson.unicode import is_valid_codepoint, mod_utf8_codepoint

#: A JSON value: None, bool, int, float, str, list or dict (str keys).
JsonValue = Any

INT64_MIN: Final = -(1 << 63)
INT64_MAX: Final = (1 << 63) - 1
UINT64_MAX: Final = (1 << 64) - 1

#: json-parser.c formats its messages into a buffer of this many bytes.
_MESSAGE_BUFFER: Final = 1024

# Texts of json-parser.c's parse_error() calls.
PREFIX: Final = "JSON parse error, "
EXPECTING_VALUE: Final = "expecting value"
PREMATURE_EOI: Final = "premature EOI"
EXPECTED_DICT_SEPARATOR: Final = "expected separator in dict"
EXPECTED_LIST_SEPARATOR: Final = "expected separator in list"
KEY_NOT_STRING: Final = "key is not a string in object"
MISSING_COLON: Final = "missing : in object pair"
DUPLICATE_KEY: Final = "duplicate key"
INVALID_KEYWORD: Final = "invalid keyword '{}'"
INVALID_ESCAPE: Final = "invalid escape sequence in string"
INVALID_UNICODE: Final = "{} is not a valid Unicode character"
INVALID_UTF8: Final = "invalid UTF-8 sequence in string"

Token = tuple[Tok, bytes]


class JsonError(QmonitorError):
    """A value that QEMU rejects; ``message`` is QEMU's whole error text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _fail(what: str) -> JsonError:
    # vsnprintf into a 1024-byte buffer: at most 1023 bytes of message.
    raw = what.encode("utf-8", "surrogateescape")
    if len(raw) >= _MESSAGE_BUFFER:
        what = raw[: _MESSAGE_BUFFER - 1].decode("utf-8", "surrogateescape")
    return JsonError(PREFIX + what)


def c_text(raw: bytes) -> str:
    """Bytes as the C string QEMU formats: up to a NUL; bytes that are not UTF-8
    survive as surrogates (the encoder turns them into U+FFFD as QEMU does)."""
    return raw.split(b"\x00", 1)[0].decode("utf-8", "surrogateescape")


# -- the exact parser ---------------------------------------------------------

_KEYWORDS: Final[dict[bytes, Any]] = {b"true": True, b"false": False, b"null": None}
_SIMPLE_ESCAPES: Final = {
    ord('"'): '"',
    ord("'"): "'",
    ord("\\"): "\\",
    ord("/"): "/",
    ord("b"): "\b",
    ord("f"): "\f",
    ord("n"): "\n",
    ord("r"): "\r",
    ord("t"): "\t",
}
_HEX4: Final = re.compile(rb"[0-9a-fA-F]{4}")
_NONCHARACTERS: Final = re.compile(
    "[\ufdd0-\ufdef"
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17))
    + "]"
)


def _hex4(raw: bytes, pos: int) -> int:
    """cvt4hex: four hex digits at ``pos``, else -1."""
    return int(raw[pos : pos + 4], 16) if _HEX4.match(raw, pos) else -1


def _plain_segment(raw: bytes) -> str | None:
    """Unescaped string bytes as text when strict UTF-8 says what QEMU says."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if _NONCHARACTERS.search(text) else text


def parse_string(raw: bytes) -> str:
    """A string token (quotes included) → its value (json-parser.c parse_string)."""
    # The lexer made sure the token ends with its opening quote, unescaped.
    end = len(raw) - 1
    out: list[str] = []
    pos = 1
    while pos < end:
        nxt = raw.find(b"\\", pos, end)
        stop = end if nxt < 0 else nxt
        if stop > pos:
            segment = raw[pos:stop]
            text = _plain_segment(segment)
            if text is None:
                text = _decode_mod_utf8(raw, pos, stop)
            out.append(text)
            pos = stop
        if nxt < 0:
            break
        pos = _escape(raw, pos, out)
    return "".join(out)


def _decode_mod_utf8(raw: bytes, pos: int, stop: int) -> str:
    """Code point by code point, as mod_utf8_codepoint() reads them."""
    out: list[str] = []
    while pos < stop:
        cp, pos = mod_utf8_codepoint(raw, pos)
        if cp < 0:
            raise _fail(INVALID_UTF8)
        out.append(chr(cp))
    return "".join(out)


def _escape(raw: bytes, pos: int, out: list[str]) -> int:
    """One escape sequence at ``raw[pos]`` (a backslash); return where it ends."""
    begin = pos
    kind = raw[pos + 1]
    pos += 2
    simple = _SIMPLE_ESCAPES.get(kind)
    if simple is not None:
        out.append(simple)
        return pos
    if kind != ord("u"):
        raise _fail(INVALID_ESCAPE)
    cp = _hex4(raw, pos)
    pos += 4
    if 0xD800 <= cp <= 0xDBFF and raw[pos : pos + 2] == b"\\u":
        low = _hex4(raw, pos + 2)
        if 0xDC00 <= low <= 0xDFFF:
            cp = 0x10000 + ((cp & 0x3FF) << 10) + (low & 0x3FF)
            pos += 6
        else:
            cp = -1
    if not is_valid_codepoint(cp):
        # QEMU prints the escape as far as it read it, up to the end of the
        # token (which ends the C string).
        raise _fail(INVALID_UNICODE.format(c_text(raw[begin:pos])))
    out.append(chr(cp))
    return pos


def qemu_int(text: str | bytes) -> int | float:
    """An integer token's value: int64, else uint64 unless negative, else strtod."""
    # Beyond 20 digits no uint64 fits (and int() refuses thousands of digits).
    if len(text) <= 21:
        value = int(text)
        if INT64_MIN <= value <= UINT64_MAX:  # above INT64_MAX means positive
            return value
    return float(text)


def _literal(tok: Tok, raw: bytes) -> JsonValue:
    if tok is Tok.STRING:
        return parse_string(raw)
    if tok is Tok.INTEGER:
        return qemu_int(raw)
    return float(raw)


_SCALARS: Final = frozenset((Tok.INTEGER, Tok.FLOAT, Tok.STRING))


def parse_exact(tokens: list[Token]) -> JsonValue:
    """The first value of ``tokens``, or :class:`JsonError` with QEMU's text.

    An explicit stack instead of recursion: values nest up to 1024 deep.
    """
    n = len(tokens)
    i = 0
    # Open containers: [list] or [dict, pending key or None].
    stack: list[list[Any]] = []
    while True:
        # -- parse_value at tokens[i] --
        if i >= n:
            raise _fail(PREMATURE_EOI)
        tok, raw = tokens[i]
        i += 1
        value: JsonValue
        if tok in _SCALARS:
            value = _literal(tok, raw)
        elif tok is Tok.KEYWORD:
            if raw not in _KEYWORDS:
                raise _fail(INVALID_KEYWORD.format(c_text(raw)))
            value = _KEYWORDS[raw]
        elif tok is Tok.LCURLY:
            if i >= n:
                raise _fail(PREMATURE_EOI)
            if tokens[i][0] is Tok.RCURLY:
                i += 1
                value = {}
            else:
                stack.append([{}, None])
                continue  # parse_pair: the key is a value
        elif tok is Tok.LSQUARE:
            if i >= n:
                raise _fail(PREMATURE_EOI)
            if tokens[i][0] is Tok.RSQUARE:
                i += 1
                value = []
            else:
                stack.append([[]])
                continue
        else:
            raise _fail(EXPECTING_VALUE)
        # -- a value is complete: hand it to the open container --
        while True:
            if not stack:
                return value
            top = stack[-1]
            container = top[0]
            if isinstance(container, list):
                container.append(value)
                if i >= n:
                    raise _fail(PREMATURE_EOI)
                sep = tokens[i][0]
                i += 1
                if sep is Tok.RSQUARE:
                    stack.pop()
                    value = container
                    continue
                if sep is not Tok.COMMA:
                    raise _fail(EXPECTED_LIST_SEPARATOR)
                break  # next element
            if top[1] is None:
                # The value just read is a key.
                if not isinstance(value, str):
                    raise _fail(KEY_NOT_STRING)
                if i >= n:
                    raise _fail(PREMATURE_EOI)
                if tokens[i][0] is not Tok.COLON:
                    raise _fail(MISSING_COLON)
                i += 1
                top[1] = value
                break  # the member's value
            key = top[1]
            if key in container:
                raise _fail(DUPLICATE_KEY)
            container[key] = value
            top[1] = None
            if i >= n:
                raise _fail(PREMATURE_EOI)
            sep = tokens[i][0]
            i += 1
            if sep is Tok.RCURLY:
                stack.pop()
                value = container
                continue
            if sep is not Tok.COMMA:
                raise _fail(EXPECTED_DICT_SEPARATOR)
            if i >= n:
                raise _fail(PREMATURE_EOI)
            break  # next key


# -- the C decoder, where it agrees -------------------------------------------


class _Reject(QmonitorError):
    """The C decoder's reading would differ from QEMU's."""


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _Reject
    return result


def _no_constant(name: str) -> Any:
    # NaN, Infinity, -Infinity: no JSON, and QEMU's lexer chokes on them.
    raise _Reject


_decoder: Final = json.JSONDecoder(
    object_pairs_hook=_unique_pairs, parse_int=qemu_int, parse_constant=_no_constant
)
#: The decoder's scanner itself (C): (value, end) from (text, index), with no
#: Python wrapper around it; typeshed does not list the attribute.
_scan: Final[Callable[[str, int], tuple[Any, int]]] = vars(_decoder)["scan_once"]

# \u escapes of surrogates or noncharacters: QEMU checks them, the C
# decoder does not.
_DOUBTFUL: Final = re.compile(rb"\\u(?:[dD][89a-fA-F]|[fF][dD][d-eD-E]|[fF][fF][fF][eEfF])")


def plain_text(raw: bytes) -> str | None:
    """``raw`` as text the C decoder reads exactly as QEMU, or None.

    Conditions (conservative; failing one only costs speed):

    * no ``\\u`` escape of a surrogate or a noncharacter;
    * strict UTF-8 without noncharacters (QEMU's ``C0 80`` goes the exact way).

    Single quotes need no check: the C decoder rejects them anywhere but
    inside a double-quoted string, where they mean the same.  Duplicate keys
    are caught while decoding; tokens the lexer kept apart stay apart
    because the caller joins them with spaces.
    """
    if _DOUBTFUL.search(raw):
        return None
    if raw.isascii():
        return raw.decode("ascii")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if _NONCHARACTERS.search(text) else text


def decode_plain(text: str) -> tuple[bool, JsonValue]:
    """(True, value) when the C decoder takes ``text`` whole, else (False, None).

    ``text`` must not start with a blank.  Integers get QEMU's types on
    the way (:func:`qemu_int`); duplicate keys and NaN/Infinity refuse.
    """
    try:
        value, end = _scan(text, 0)
    except (StopIteration, ValueError, _Reject, RecursionError):
        return False, None
    return (True, value) if end == len(text) else (False, None)


def parse_tokens(tokens: list[Token]) -> JsonValue:
    """The value of one message's tokens (json_parser_parse), or :class:`JsonError`.

    ``tokens`` may hold runs (:data:`Tok.RUN`), which are split here when
    the exact parser needs them.
    """
    if len(tokens) > 2:
        joined = b" ".join([raw for _, raw in tokens])
        if b"'" in joined:
            # Plain single-quoted strings read the same in double quotes
            # (not runs: a run may start and end with a quote, yet hold more).
            joined = b" ".join(
                [_double_quoted(raw) if tok is Tok.STRING else raw for tok, raw in tokens]
            )
        text = plain_text(joined)
        if text is not None:
            ok, value = decode_plain(text)
            if ok:
                return value
    if any(tok is Tok.RUN for tok, _ in tokens):
        tokens = _expand_runs(tokens)
    return parse_exact(tokens)


def _double_quoted(raw: bytes) -> bytes:
    """A single-quoted string token as the same string in double quotes, if plain."""
    if raw[0] != 0x27 or b'"' in raw or b"\\" in raw:
        return raw
    return b'"' + raw[1:-1] + b'"'


def _expand_runs(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    for tok, raw in tokens:
        if tok is Tok.RUN:
            out.extend(split_run(raw))
        else:
            out.append((tok, raw))
    return out
