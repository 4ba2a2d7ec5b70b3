"""Split a byte stream into JSON values where QEMU does, sans-IO (json-streamer.c).

The streamer takes the lexer's tokens, counts braces and brackets, and when
they balance (or one goes negative) hands the tokens of that message to the
parser.  A lexer error ends the message at once with ``JSON parse error,
stray '<token>'``; QEMU's limits end it with their own texts.  After any
event the counting starts afresh; the lexer recovers on its own.

Events come out lazily, h11 style: :meth:`JsonStreamer.next_event` works
through the input only as far as the byte that completes the next event, so
a monitor that stops taking requests leaves the rest unread, as QEMU does by
not reading its socket.  (QEMU finishes the byte it is on: the byte right
after a number or keyword may complete a second event, which then waits in
:meth:`JsonStreamer.has_ready`.)

Speed without a second dialect: the common request (a small object of plain
ASCII members nested at most three deep, no escapes) goes straight through
the C JSON decoder; other messages are lexed (whole tokens, and long runs of
tokens without brackets, by regular expressions) and their tokens go to the
C decoder too when it reads them as QEMU would.  Everything else takes the
exact path, errors included.  Tests check that all roads give the same.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from enum import Enum
from typing import Final, Literal

from qmonitor.qjson.lexer import Lexer, State, Tok, run_tokens
from qmonitor.qjson.parser import (
    PREFIX,
    PREMATURE_EOI,
    JsonError,
    JsonValue,
    Token,
    c_text,
    decode_plain,
    parse_tokens,
)

# Limits of qobject/json-streamer.c (QEMU 7.2): bytes of all tokens of one
# message, tokens of one message, and brace plus bracket nesting.
MAX_TOKEN_SIZE: Final = 64 << 20
MAX_TOKEN_COUNT: Final = 2 << 20
MAX_NESTING: Final = 1 << 10

# Error texts of json-streamer.c.
STRAY: Final = "JSON parse error, stray '{}'"
TOKEN_SIZE_EXCEEDED: Final = "JSON token size limit exceeded"
TOKEN_COUNT_EXCEEDED: Final = "JSON token count limit exceeded"
NESTING_EXCEEDED: Final = "JSON nesting depth limit exceeded"


@dataclass(frozen=True, slots=True)
class JsonMessage:
    """A complete top-level value."""

    value: JsonValue


@dataclass(frozen=True, slots=True)
class JsonParseError:
    """Input QEMU rejects; ``message`` is the text QEMU puts in the reply's ``desc``."""

    message: str


class NeedData(Enum):
    """The type of :data:`NEED_DATA` (an enum, so that ``is`` narrows types)."""

    NEED_DATA = "NEED_DATA"

    def __repr__(self) -> str:
        return "NEED_DATA"


#: Returned by :meth:`JsonStreamer.next_event` when more input is needed.
NEED_DATA: Final = NeedData.NEED_DATA

Event = JsonMessage | JsonParseError

# The fast path: an object whose members are plain (printable ASCII, strings
# without escapes), with objects or arrays inside nested at most twice more.
# Blanks are fine between tokens; other control characters are not.  Blanks
# after the object go too (they change nothing).  Runs are possessive:
# nothing here ever needs to backtrack.
_ATOM = rb'(?:[^{}\[\]"\\\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\xff]++|"[^"\\\x00-\x1f\x7f-\xff]*+")'
_INNER = rb"(?:\{" + _ATOM + rb"*+\}|\[" + _ATOM + rb"*+\])"
_MIDDLE = (
    rb"(?:\{(?:" + _ATOM + rb"|" + _INNER + rb")*+\}|\[(?:" + _ATOM + rb"|" + _INNER + rb")*+\])"
)
_FAST_OBJECT: Final = re.compile(
    rb"[ \t\r\n]*+(\{(?:" + _ATOM + rb"|" + _MIDDLE + rb")*+\})[ \t\r\n]*+"
)
# The request most clients send most of the time, with an integer id that
# fits int64 (and is not -0, which QEMU reads as 0) or a plain string id.
# Anything else of that shape fails to match and goes the general way.
_BLANKS = rb"[ \t\r\n]*+"
_PLAIN_STRING = rb'"[^"\\\x00-\x1f\x7f-\xff]*+"'
_SIMPLE_REQUEST: Final = re.compile(
    _BLANKS
    + rb"\{"
    + _BLANKS
    + rb'"execute"'
    + _BLANKS
    + rb":"
    + _BLANKS
    + rb'"([^"\\\x00-\x1f\x7f-\xff]*+)"'
    + _BLANKS
    + rb"(?:,"
    + _BLANKS
    + rb'"id"'
    + _BLANKS
    + rb":"
    + _BLANKS
    + rb"(0|-?[1-9][0-9]{0,17}+|"
    + _PLAIN_STRING
    + rb")"
    + _BLANKS
    + rb")?\}"
    + _BLANKS
)
#: Longest text the fast path looks at (a request that fails to match is
#: scanned once per call, so keep that bounded).
_FAST_MAX: Final = 1 << 16
#: 0 with an exponent: the C decoder reads a number, QEMU lexes "0" and then
#: a keyword ("0e1" is 0, e, 1).
_ZERO_EXPONENT: Final = re.compile(rb"(?<![0-9.])0[eE]")
#: Consumed input is dropped from the buffer once it is this large.
_COMPACT_AT: Final = 1 << 16


def plain_request(name: str, id_text: str | None) -> dict[str, JsonValue]:
    """The request ``{"execute": NAME[, "id": ID]}`` of :meth:`JsonStreamer.next_plain`'s answer."""
    request: dict[str, JsonValue] = {"execute": name}
    if id_text is not None:
        request["id"] = id_text[1:-1] if id_text[0] == '"' else int(id_text)
    return request


class JsonStreamer:
    """QEMU's JSONMessageParser: bytes in (:meth:`feed`), events out (:meth:`next_event`)."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._pos = 0
        self._events: deque[Event] = deque()
        self._lexer = Lexer()
        self._tokens: list[Token] = []
        self._count = 0  # tokens, runs counted by what they hold
        self._brace = 0
        self._bracket = 0
        self._size = 0

    def reset(self) -> None:
        """Forget all input and state (QEMU re-creates the parser when a client leaves)."""
        self._buf.clear()
        self._pos = 0
        self._events.clear()
        self._lexer.reset()
        self._restart()

    def feed(self, data: bytes) -> None:
        """Append input; it is looked at only by :meth:`next_event`."""
        self._buf += data

    def has_ready(self) -> bool:
        """Events of input already lexed are waiting."""
        return bool(self._events)

    @property
    def buffered(self) -> int:
        """Bytes fed but not looked at yet."""
        return len(self._buf) - self._pos

    def next_event(self) -> JsonMessage | JsonParseError | Literal[NeedData.NEED_DATA]:
        """The next complete value or error, else :data:`NEED_DATA`."""
        events = self._events
        if events:
            return events.popleft()
        buf = self._buf
        pos = self._pos
        end = len(buf)
        lexer = self._lexer
        while pos < end:
            if lexer.state is State.START and not self._tokens:
                fast = self._fast(buf, pos)
                if fast is not None:
                    self._consumed(fast[1])
                    return JsonMessage(fast[0])
            pos = lexer.lex(buf, pos, end, self._token, self._run)
            if events:
                self._consumed(pos)
                return events.popleft()
        self._consumed(pos)
        return NEED_DATA

    def flush(self) -> None:
        """End of input (json_message_parser_flush): what is half read becomes events.

        An open string is a stray token; a half-read keyword or number is
        read out (a space ends it as the flush's NUL does, which is not part
        of an error token); a value left open is parsed anyway and fails,
        usually with "premature EOI".  Events already waiting keep their
        place before these.
        """
        events: list[Event] = []
        while (event := self.next_event()) is not NEED_DATA:
            events.append(event)
        pending = bytes(self._lexer.token)
        if pending[:1] in (b'"', b"'"):
            self._lexer.reset()
            events.append(JsonParseError(STRAY.format(c_text(pending))))
        else:
            with_space = STRAY.format(c_text(pending + b" "))
            self.feed(b" ")
            while (event := self.next_event()) is not NEED_DATA:
                if isinstance(event, JsonParseError) and event.message == with_space:
                    event = JsonParseError(STRAY.format(c_text(pending)))
                events.append(event)
        if self._tokens:
            try:
                events.append(JsonMessage(parse_tokens(self._tokens)))
            except JsonError as exc:
                events.append(JsonParseError(exc.message))
            self._restart()
        self._events.extend(events)

    def next_plain(self) -> tuple[str, str | None] | None:
        """The next event if it is ``{"execute": NAME[, "id": ID]}``, as (NAME, ID's text).

        ID's text is the id as QEMU writes it back (an int64 in its shortest
        form, or a string of printable ASCII without escapes), None when the
        request has no id.  None: the next event is something else (or
        incomplete) and nothing was consumed; :meth:`next_event` takes it.
        This is :meth:`_simple` without building the request, for a caller
        that answers runs of such requests.
        """
        if self._events or self._tokens or self._lexer.state is not State.START:
            return None
        pos = self._pos
        m = _SIMPLE_REQUEST.match(self._buf, pos, pos + _FAST_MAX)
        if m is None:
            return None
        name, req_id = m.group(1, 2)
        self._consumed(m.end())
        return name.decode("ascii"), None if req_id is None else req_id.decode("ascii")

    def _consumed(self, pos: int) -> None:
        if pos >= len(self._buf):
            self._buf.clear()
            self._pos = 0
        elif pos > _COMPACT_AT:
            del self._buf[:pos]
            self._pos = 0
        else:
            self._pos = pos

    def _fast(self, buf: bytearray, pos: int) -> tuple[JsonValue, int] | None:
        """A plain object at ``pos`` (blanks first allowed) and where it ends."""
        simple = self._simple(buf, pos)
        if simple is not None:
            return simple
        m = _FAST_OBJECT.match(buf, pos, pos + _FAST_MAX)
        if m is None:
            return None
        raw = m.group(1)
        if (b"0e" in raw or b"0E" in raw) and _ZERO_EXPONENT.search(raw):
            return None
        ok, value = decode_plain(raw.decode("ascii"))
        return (value, m.end()) if ok else None

    def _simple(self, buf: bytearray, pos: int) -> tuple[JsonValue, int] | None:
        """The most common request, ``{"execute": "NAME", "id": ID}``, read directly."""
        m = _SIMPLE_REQUEST.match(buf, pos, pos + _FAST_MAX)
        if m is None:
            return None
        name, req_id = m.group(1, 2)
        return (
            plain_request(name.decode("ascii"), None if req_id is None else req_id.decode("ascii")),
            m.end(),
        )

    # -- json_message_process_token ------------------------------------------

    def _restart(self) -> None:
        self._tokens = []
        self._count = 0
        self._brace = 0
        self._bracket = 0
        self._size = 0

    def _emit(self, event: Event) -> bool:
        self._restart()
        self._events.append(event)
        return True

    def _run(self, raw: bytes) -> bool:
        """Take a run of tokens inside a value when no limit can trip in it."""
        if not (self._brace or self._bracket):
            return False  # at top level every scalar is a message of its own
        texts = run_tokens(raw)
        size = self._size + sum(map(len, texts))
        count = self._count + len(texts)
        # The limits grow with every token: if the last one passes, all do.
        if size + 1 > MAX_TOKEN_SIZE or count > MAX_TOKEN_COUNT:
            return False
        self._tokens.append((_RUN, raw))
        self._size = size
        self._count = count
        return True

    def _token(self, tok: Tok, text: bytes) -> bool:
        """One token from the lexer; True when it ended a message.

        Counts are never negative between tokens (a negative count ends the
        message), so only brackets can change whether one is complete, and
        only opening ones can pass the nesting limit.
        """
        tokens = self._tokens
        if tok > _RSQUARE:
            if tok == _ERROR:
                return self._emit(JsonParseError(STRAY.format(c_text(text))))
            size = self._size + len(text)
            if size + 1 > MAX_TOKEN_SIZE:
                return self._emit(JsonParseError(TOKEN_SIZE_EXCEEDED))
            if self._count >= MAX_TOKEN_COUNT:
                return self._emit(JsonParseError(TOKEN_COUNT_EXCEEDED))
            tokens.append((tok, text))
            self._count += 1
            self._size = size
            if self._brace or self._bracket:
                return False
        else:
            if tok == _LCURLY:
                self._brace += 1
            elif tok == _RCURLY:
                self._brace -= 1
            elif tok == _LSQUARE:
                self._bracket += 1
            else:
                self._bracket -= 1
            # Security limits: memory per message and recursion depth.
            size = self._size + len(text)
            if size + 1 > MAX_TOKEN_SIZE:
                return self._emit(JsonParseError(TOKEN_SIZE_EXCEEDED))
            if self._count >= MAX_TOKEN_COUNT:
                return self._emit(JsonParseError(TOKEN_COUNT_EXCEEDED))
            brace = self._brace
            bracket = self._bracket
            if brace + bracket > MAX_NESTING:
                return self._emit(JsonParseError(NESTING_EXCEEDED))
            tokens.append((tok, text))
            self._count += 1
            self._size = size
            if (brace > 0 or bracket > 0) and brace >= 0 and bracket >= 0:
                return False
        try:
            value = parse_tokens(tokens)
        except JsonError as exc:
            return self._emit(JsonParseError(exc.message))
        return self._emit(JsonMessage(value))


_LCURLY: Final = Tok.LCURLY
_RCURLY: Final = Tok.RCURLY
_LSQUARE: Final = Tok.LSQUARE
_RSQUARE: Final = Tok.RSQUARE
_ERROR: Final = Tok.ERROR
_RUN: Final = Tok.RUN


#: qobject_from_json's text for a second value after the first.
AT_MOST_ONE: Final = "Expecting at most one JSON value"


def qobject_from_json(text: str) -> JsonValue:
    """One JSON value from a command-line argument, as QEMU's qobject_from_json reads it.

    The argument is streamed as QMP input is, then flushed
    (:meth:`JsonStreamer.flush`).  The first error counts; a second value
    is an error of its own.

    :raises JsonError: with QEMU's text.
    """
    streamer = JsonStreamer()
    streamer.feed(text.encode("utf-8", "surrogateescape"))
    streamer.flush()
    events: list[JsonMessage | JsonParseError] = []
    while (event := streamer.next_event()) is not NEED_DATA:
        events.append(event)
    result: JsonValue = None
    for index, event in enumerate(events):
        if index:
            raise JsonError(AT_MOST_ONE)
        if isinstance(event, JsonParseError):
            raise JsonError(event.message)
        result = event.value
    if not events:
        raise JsonError(PREFIX + PREMATURE_EOI)
    return result
