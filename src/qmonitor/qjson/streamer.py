"""Split a byte stream into JSON values exactly where QEMU does, sans-IO.

The lexer is QEMU's json-lexer.c state machine (with runs of ordinary
string characters and digits taken in one step), the streamer is
json-streamer.c: it counts brackets, enforces QEMU's limits and hands a
complete token list to the parser.  A fast path takes plain requests
(ASCII, no escapes, at most two levels of nesting) through the C JSON
decoder; it applies only when the result is the one the exact path gives.

Events come out lazily, h11 style: :meth:`JsonStreamer.next_event` works
through the input only up to the byte that completes the next value, so a
monitor that stops taking requests leaves the rest unread, as QEMU does by
not reading its socket.
"""

from __future__ import annotations

import json
import re
from collections import deque
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Final

from qmonitor.qjson.parser import (
    INT64_MAX,
    INT64_MIN,
    UINT64_MAX,
    JsonError,
    JsonValue,
    Tok,
    parse_tokens,
)

#: Limits of qobject/json-streamer.c (QEMU 7.2): bytes of all tokens of one
#: value, tokens of one value, and bracket/brace nesting.
MAX_TOKEN_SIZE: Final = 64 << 20
MAX_TOKEN_COUNT: Final = 2 << 20
MAX_NESTING: Final = 1 << 10

#: Error texts of json-streamer.c.
STRAY = "JSON parse error, stray '{}'"
TOKEN_SIZE_EXCEEDED = "JSON token size limit exceeded"
TOKEN_COUNT_EXCEEDED = "JSON token count limit exceeded"
NESTING_EXCEEDED = "JSON nesting depth limit exceeded"


@dataclass(frozen=True, slots=True)
class JsonMessage:
    """A complete top-level value."""

    value: JsonValue


@dataclass(frozen=True, slots=True)
class JsonParseError:
    """A value that could not be parsed; ``message`` is QEMU's error text."""

    message: str


class _NeedData:
    def __repr__(self) -> str:
        return "NEED_DATA"


#: Returned by :meth:`JsonStreamer.next_event` when more input is needed.
NEED_DATA: Final = _NeedData()


class _S(IntEnum):
    """Lexer states (json-lexer.c's IN_* states)."""

    START = 1
    RECOVERY = 2
    DQ = 3
    DQ_ESC = 4
    SQ = 5
    SQ_ESC = 6
    ZERO = 7
    SIGN = 8
    DIGITS = 9
    MANTISSA = 10
    MANTISSA_DIGITS = 11
    EXP_E = 12
    EXP_SIGN = 13
    EXP_DIGITS = 14
    KEYWORD = 15


_PUNCT = {
    0x7B: Tok.LCURLY,
    0x7D: Tok.RCURLY,
    0x5B: Tok.LSQUARE,
    0x5D: Tok.RSQUARE,
    0x2C: Tok.COMMA,
    0x3A: Tok.COLON,
}
_WS = frozenset(b" \t\r\n")
_DIGIT = frozenset(b"0123456789")
_LOWER = frozenset(b"abcdefghijklmnopqrstuvwxyz")
#: Where error recovery resumes lexing: structural characters, control
#: characters other than tab, and the bytes 0xFE/0xFF (json-lexer.c IN_RECOVERY).
_RECOVERY_STOP = frozenset([*range(0x20), 0xFE, 0xFF, *b"[]{},:"]) - {0x09}
_STRING_RUN = {
    _S.DQ: re.compile(rb'[^"\\\x00-\x1f\xfe\xff]+'),
    _S.SQ: re.compile(rb"[^'\\\x00-\x1f\xfe\xff]+"),
}
_DIGIT_RUN = re.compile(rb"[0-9]+")
_KEYWORD_RUN = re.compile(rb"[a-z]+")
_RECOVERY_RUN = re.compile(rb"[^\x00-\x08\x0a-\x1f\xfe\xff\[\]{},:]+")
_WS_RUN = re.compile(rb"[ \t\r\n]*")
#: Terminal tokens by state: the byte that ends them is looked at again.
_TERMINAL = {
    _S.ZERO: Tok.INTEGER,
    _S.DIGITS: Tok.INTEGER,
    _S.MANTISSA_DIGITS: Tok.FLOAT,
    _S.EXP_DIGITS: Tok.FLOAT,
    _S.KEYWORD: Tok.KEYWORD,
}

# Fast path: an object of plain members, nested at most twice.
_PLAIN = rb'(?:[^{}\[\]"\\\x00-\x1f\x7f-\xff]|"[^"\\\x00-\x1f\x7f-\xff]*")'
_FLAT = rb"(?:\{" + _PLAIN + rb"*\}|\[" + _PLAIN + rb"*\])"
_FAST_OBJECT = re.compile(rb"\{(?:" + _PLAIN + rb"|" + _FLAT + rb")*\}")
_FAST_MAX = 1 << 16


class _Duplicate(Exception):
    pass


def _fast_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _Duplicate
    return result


def _fast_int(text: str) -> int | float:
    value = int(text)
    if INT64_MIN <= value <= INT64_MAX or (value > 0 and value <= UINT64_MAX):
        return value
    raise _Duplicate  # leave big numbers to the exact path


def _no_constants(text: str) -> Any:
    raise _Duplicate


_fast_decoder = json.JSONDecoder(
    object_pairs_hook=_fast_pairs, parse_int=_fast_int, parse_constant=_no_constants
)


class JsonStreamer:
    """Incremental splitter/parser of QEMU's JSON dialect (json_message_parser)."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._pos = 0
        self._events: deque[JsonMessage | JsonParseError] = deque()
        self._reset_lexer()
        self._reset_parser()

    def _reset_lexer(self) -> None:
        self._state = _S.START
        self._token = bytearray()

    def _reset_parser(self) -> None:
        self._tokens: list[tuple[Tok, bytes]] = []
        self._brace = 0
        self._bracket = 0
        self._token_size = 0
        self._max_depth = 0

    def reset(self) -> None:
        """Forget all input and state (QEMU re-initialises the parser on disconnect)."""
        self._buf.clear()
        self._pos = 0
        self._events.clear()
        self._reset_lexer()
        self._reset_parser()

    def feed(self, data: bytes) -> None:
        """Append input; nothing is processed until :meth:`next_event`."""
        self._buf += data

    def has_ready(self) -> bool:
        """Events already produced by consumed input are waiting."""
        return bool(self._events)

    @property
    def buffered(self) -> int:
        """Bytes received but not yet processed."""
        return len(self._buf) - self._pos

    def next_event(self) -> JsonMessage | JsonParseError | _NeedData:
        """The next complete value or error, else :data:`NEED_DATA`."""
        if self._events:
            return self._events.popleft()
        buf = self._buf
        while self._pos < len(buf):
            if self._state is _S.START and not self._tokens and not self._token:
                ev = self._fast()
                if ev is not None:
                    return ev
            self._lex_until_event()
            if self._events:
                self._compact()
                return self._events.popleft()
        self._compact()
        return NEED_DATA

    def _compact(self) -> None:
        if self._pos >= len(self._buf):
            self._buf.clear()
            self._pos = 0
        elif self._pos > 65536:
            del self._buf[: self._pos]
            self._pos = 0

    # -- fast path ---------------------------------------------------------

    def _fast(self) -> JsonMessage | None:
        buf = self._buf
        pos = _WS_RUN.match(buf, self._pos).end()  # type: ignore[union-attr]
        self._pos = pos
        if pos >= len(buf) or buf[pos] != 0x7B:
            return None
        m = _FAST_OBJECT.match(buf, pos, pos + min(_FAST_MAX, MAX_TOKEN_SIZE))
        if m is None:
            return None
        try:
            value = _fast_decoder.decode(m.group().decode("ascii"))
        except (ValueError, _Duplicate):
            return None
        self._pos = m.end()
        return JsonMessage(value)

    # -- lexer (json-lexer.c) ----------------------------------------------

    def _lex_until_event(self) -> None:
        buf = self._buf
        n = len(buf)
        while self._pos < n and not self._events:
            state = self._state
            pos = self._pos
            # Take runs of bytes that keep the state in one step.
            run = None
            if state is _S.DQ or state is _S.SQ:
                run = _STRING_RUN[state].match(buf, pos)
            elif state is _S.DIGITS or state is _S.MANTISSA_DIGITS or state is _S.EXP_DIGITS:
                run = _DIGIT_RUN.match(buf, pos)
            elif state is _S.KEYWORD:
                run = _KEYWORD_RUN.match(buf, pos)
            elif state is _S.RECOVERY:
                run = _RECOVERY_RUN.match(buf, pos)
                if run is not None:
                    self._pos = run.end()
                    continue
            if run is not None:
                end = run.end()
                self._token += buf[pos:end]
                self._pos = end
                self._check_token_size()
                continue
            self._feed_byte(buf[pos])
            self._pos = pos + 1
            self._check_token_size()

    def _feed_byte(self, ch: int) -> None:
        while True:
            state = self._state
            if state is _S.START:
                if ch in _WS:
                    return
                tok = _PUNCT.get(ch)
                if tok is not None:
                    self._token.append(ch)
                    self._emit_token(tok)
                    return
                nxt = _START_NEXT.get(ch)
                if nxt is None:
                    self._error(ch)
                    return
                self._token.append(ch)
                self._state = nxt
                return
            if state is _S.RECOVERY:
                if ch in _RECOVERY_STOP:
                    self._state = _S.START
                    continue
                return
            if state is _S.DQ or state is _S.SQ:
                quote = 0x22 if state is _S.DQ else 0x27
                if ch == quote:
                    self._token.append(ch)
                    self._emit_token(Tok.STRING)
                elif ch == 0x5C:
                    self._token.append(ch)
                    self._state = _S.DQ_ESC if state is _S.DQ else _S.SQ_ESC
                elif 0x20 <= ch <= 0xFD:
                    self._token.append(ch)
                else:
                    self._error(ch)
                return
            if state is _S.DQ_ESC or state is _S.SQ_ESC:
                if 0x20 <= ch <= 0xFD:
                    self._token.append(ch)
                    self._state = _S.DQ if state is _S.DQ_ESC else _S.SQ
                else:
                    self._error(ch)
                return
            nxt = _number_next(state, ch)
            if nxt is not None:
                if nxt is _S.START:  # an error, not a transition
                    self._error(ch)
                    return
                self._token.append(ch)
                self._state = nxt
                return
            # A terminal state: emit the token, then look at ch again.
            self._emit_token(_TERMINAL[state])
            if self._events:
                # The token completed a value; QEMU goes on with this byte
                # before reading the next, so finish it too.
                pass

    def _error(self, ch: int) -> None:
        self._token.append(ch)
        # The message is a C string: it ends at a NUL byte.
        text = bytes(self._token).split(b"\x00", 1)[0].decode("utf-8", "surrogateescape")
        self._token = bytearray()
        self._state = _S.RECOVERY
        self._emit(JsonParseError(STRAY.format(text)))

    def _check_token_size(self) -> None:
        if len(self._token) > MAX_TOKEN_SIZE:
            # json-lexer.c hands an over-long token to the streamer as is.
            self._token_size += MAX_TOKEN_SIZE
            self._token = bytearray()
            self._state = _S.START
            self._emit(JsonParseError(TOKEN_SIZE_EXCEEDED))

    def _emit_token(self, tok: Tok) -> None:
        text = bytes(self._token)
        self._token = bytearray()
        self._state = _S.START
        if tok is Tok.LCURLY:
            self._brace += 1
        elif tok is Tok.RCURLY:
            self._brace -= 1
        elif tok is Tok.LSQUARE:
            self._bracket += 1
        elif tok is Tok.RSQUARE:
            self._bracket -= 1
        if self._token_size + len(text) + 1 > MAX_TOKEN_SIZE:
            self._emit(JsonParseError(TOKEN_SIZE_EXCEEDED))
            return
        if len(self._tokens) + 1 > MAX_TOKEN_COUNT:
            self._emit(JsonParseError(TOKEN_COUNT_EXCEEDED))
            return
        depth = self._brace + self._bracket
        if depth > MAX_NESTING:
            self._emit(JsonParseError(NESTING_EXCEEDED))
            return
        self._max_depth = max(self._max_depth, depth)
        self._tokens.append((tok, text))
        self._token_size += len(text)
        if (self._brace > 0 or self._bracket > 0) and self._brace >= 0 and self._bracket >= 0:
            return
        try:
            value = parse_tokens(self._tokens, self._max_depth)
        except JsonError as exc:
            self._emit(JsonParseError(exc.message))
        else:
            self._emit(JsonMessage(value))

    def _emit(self, event: JsonMessage | JsonParseError) -> None:
        self._reset_parser()
        self._events.append(event)


_START_NEXT = {0x22: _S.DQ, 0x27: _S.SQ, 0x30: _S.ZERO, 0x2D: _S.SIGN}
_START_NEXT.update({d: _S.DIGITS for d in b"123456789"})
_START_NEXT.update({c: _S.KEYWORD for c in _LOWER})


def _number_next(state: _S, ch: int) -> _S | None:
    """Next state of the number/keyword states; START means error; None: terminal."""
    digit = ch in _DIGIT
    if state is _S.ZERO:
        if digit:
            return _S.START
        return _S.MANTISSA if ch == 0x2E else None
    if state is _S.SIGN:
        if ch == 0x30:
            return _S.ZERO
        return _S.DIGITS if digit else _S.START
    if state is _S.DIGITS:
        if digit:
            return _S.DIGITS
        if ch in (0x65, 0x45):
            return _S.EXP_E
        return _S.MANTISSA if ch == 0x2E else None
    if state is _S.MANTISSA:
        return _S.MANTISSA_DIGITS if digit else _S.START
    if state is _S.MANTISSA_DIGITS:
        if digit:
            return _S.MANTISSA_DIGITS
        return _S.EXP_E if ch in (0x65, 0x45) else None
    if state is _S.EXP_E:
        if ch in (0x2B, 0x2D):
            return _S.EXP_SIGN
        return _S.EXP_DIGITS if digit else _S.START
    if state is _S.EXP_SIGN:
        return _S.EXP_DIGITS if digit else _S.START
    if state is _S.EXP_DIGITS:
        return _S.EXP_DIGITS if digit else None
    if state is _S.KEYWORD:
        return _S.KEYWORD if ch in _LOWER else None
    raise AssertionError(state)
