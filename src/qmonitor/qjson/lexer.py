"""QEMU's JSON lexer (qobject/json-lexer.c, QEMU 7.2) as a resumable state machine.

The rules, as QEMU 7.2 applies them byte by byte:

* Between tokens, space, tab, CR and LF are skipped.  ``{ } [ ] , :`` are
  tokens of their own.
* Strings open with ``"`` or ``'`` and close with the same quote.  Inside,
  bytes 0x20..0xFD are taken as they are; a backslash takes the next byte
  (0x20..0xFD) along, whatever it is: checking escapes and UTF-8 is left to
  the parser.  Any other byte (control characters, 0xFE, 0xFF) is an error.
* Numbers are RFC 8259 numbers: ``-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][-+]?[0-9]+)?``
  except that ``0`` takes no exponent (``0e1`` lexes as ``0`` then ``e``,
  ``1``).  Those without fraction or exponent are integers.  A number or a
  keyword ends at the first byte that cannot continue it; that byte is then
  looked at again as the start of the next token.
* Keywords are ``[a-z]+``; the parser rejects all but ``true``, ``false``
  and ``null``.
* Any other byte (``%`` included: interpolation exists only for QEMU's
  internal ``qobject_from_jsonf``) is an error.  The error token is what the
  lexer had collected plus that byte; then the lexer *recovers*: it skips
  bytes until one of ``{ } [ ] , :``, a control character other than tab,
  or 0xFE/0xFF, and lexes that byte from the start state.
* A token longer than :data:`MAX_TOKEN_SIZE` bytes is handed over unfinished
  (the streamer rejects it) and lexing restarts with the next byte.

Runs of bytes that keep the state (string bodies, digits, letters, skipped
bytes) are taken by one regular expression step, whole tokens met in the
start state are matched at once, and long runs of tokens without braces or
brackets can be handed over in one piece; the byte-by-byte machine only
sees what those fast steps cannot decide.  Either way the tokens, the
errors and the point where the lexer stops are those of the byte-by-byte
machine (tests feed input one byte at a time to check).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import IntEnum
from typing import Final

#: Longest token json-lexer.c lets grow (MAX_TOKEN_SIZE in json-lexer.c).
MAX_TOKEN_SIZE: Final = 64 << 20


class Tok(IntEnum):
    """Token types (JSONTokenType of json-parser-int.h)."""

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
    #: Something that is no token; the text ends with the offending byte.
    ERROR = 110
    #: An unfinished token that grew past MAX_TOKEN_SIZE.
    OVERSIZE = 111
    #: Several tokens in a row, none of them a brace or bracket, as one
    #: piece of text (see :func:`split_run`); not a json-lexer.c type.
    RUN = 112


#: Receives each token; returns True when the token completed an event, so
#: that the lexer stops once it has finished the current byte.
TokenSink = Callable[[Tok, bytes], bool]
#: Offered a run of tokens without braces or brackets (which therefore can
#: end no message); returns True if it took them, False to get them one by one.
RunSink = Callable[[bytes], bool]


class State(IntEnum):
    """Lexer states (json-lexer.c's ``IN_*``)."""

    #: Between tokens.
    START = 0
    #: After an error, skipping to a resynchronisation byte.
    RECOVERY = 1
    #: Inside a double-quoted string.
    DQ = 2
    #: Right after a backslash in a double-quoted string.
    DQ_ESC = 3
    #: Inside a single-quoted string.
    SQ = 4
    #: Right after a backslash in a single-quoted string.
    SQ_ESC = 5
    #: After ``-``.
    SIGN = 6
    #: After a leading ``0`` (or ``-0``): an integer unless ``.`` follows.
    ZERO = 7
    #: In the digits of an integer that does not start with 0.
    INT = 8
    #: After the decimal point.
    POINT = 9
    #: In the digits of the fraction.
    FRACTION = 10
    #: After ``e`` or ``E``.
    EXP = 11
    #: After the exponent's sign.
    EXP_SIGN = 12
    #: In the exponent's digits.
    EXP_DIGITS = 13
    #: In a keyword.
    KEYWORD = 14


_S = State
_PUNCT: Final = {
    ord("{"): Tok.LCURLY,
    ord("}"): Tok.RCURLY,
    ord("["): Tok.LSQUARE,
    ord("]"): Tok.RSQUARE,
    ord(":"): Tok.COLON,
    ord(","): Tok.COMMA,
}
_WHITESPACE: Final = frozenset(b" \t\r\n")
_DIGITS: Final = frozenset(b"0123456789")
_LETTERS: Final = frozenset(range(ord("a"), ord("z") + 1))
#: Bytes that end error recovery (and are then lexed from the start state).
_RESYNC: Final = frozenset([*range(0x20), 0xFE, 0xFF, *b"{}[],:"]) - {ord("\t")}

#: States that end at a byte which cannot continue them, and their token.
_LOOKAHEAD_END: Final = {
    _S.ZERO: Tok.INTEGER,
    _S.INT: Tok.INTEGER,
    _S.FRACTION: Tok.FLOAT,
    _S.EXP_DIGITS: Tok.FLOAT,
    _S.KEYWORD: Tok.KEYWORD,
}

# Runs of bytes that keep a state, taken in one step.
_DQ_RUN: Final = re.compile(rb'[^"\\\x00-\x1f\xfe\xff]+')
_SQ_RUN: Final = re.compile(rb"[^'\\\x00-\x1f\xfe\xff]+")
_DIGIT_RUN: Final = re.compile(rb"[0-9]+")
_LETTER_RUN: Final = re.compile(rb"[a-z]+")
_BLANK_RUN: Final = re.compile(rb"[ \t\r\n]+")
_SKIP_RUN: Final = re.compile(rb"[^\x00-\x08\x0a-\x1f\xfe\xff{}\[\],:]+")
_RUNS: Final = {
    _S.DQ: _DQ_RUN,
    _S.SQ: _SQ_RUN,
    _S.INT: _DIGIT_RUN,
    _S.FRACTION: _DIGIT_RUN,
    _S.EXP_DIGITS: _DIGIT_RUN,
    _S.KEYWORD: _LETTER_RUN,
}

# A whole token in the start state.  Numbers and keywords need the byte after
# them to be there and to be one that plainly ends them (no ``.``, ``e``,
# ``E`` or digit, whose meaning depends on the state); anything else is left
# to the byte-by-byte machine.  All repeats are possessive: a failed match
# must not backtrack through megabytes of digits or blanks.
_STR_BODY = rb"[^{q}\\\x00-\x1f\xfe\xff]*+(?:\\[\x20-\xfd][^{q}\\\x00-\x1f\xfe\xff]*+)*+"
_TOKEN: Final = re.compile(
    rb"[ \t\r\n]*+(?:"
    rb"([{}\[\],:])"  # 1: structural character
    rb'|("' + _STR_BODY.replace(b"{q}", b'"') + rb'"'  # 2: string
    rb"|'" + _STR_BODY.replace(b"{q}", b"'") + rb"')"
    rb"|(-?+(?:0|[1-9][0-9]*+))(?=[^0-9.eE])"  # 3: integer
    rb"|(-?+(?:0\.[0-9]++(?:[eE][-+]?+[0-9]++)?+"  # 4: float
    rb"|[1-9][0-9]*+(?:\.[0-9]++)?+(?:[eE][-+]?+[0-9]++)?+))(?=[^0-9.eE])"
    rb"|([a-z]++)(?=[^a-z])"  # 5: keyword
    rb")"
)
_GROUP_TOK: Final = (None, None, Tok.STRING, Tok.INTEGER, Tok.FLOAT, Tok.KEYWORD)

# Runs: commas, colons, strings, numbers and keywords, as many as follow
# each other, with the same care at the end of numbers and keywords.
_DQ_STRING = rb'"' + _STR_BODY.replace(b"{q}", b'"') + rb'"'
_SQ_STRING = rb"'" + _STR_BODY.replace(b"{q}", b"'") + rb"'"
_NUMBER = (
    rb"-?+(?:0(?:\.[0-9]++(?:[eE][-+]?+[0-9]++)?+)?+"
    rb"|[1-9][0-9]*+(?:\.[0-9]++)?+(?:[eE][-+]?+[0-9]++)?+)"
)
_RUN: Final = re.compile(
    rb"(?:[ \t\r\n]*+(?:[,:]|"
    + _DQ_STRING
    + rb"|"
    + _SQ_STRING
    + rb"|"
    + _NUMBER
    + rb"(?=[^0-9.eE])|[a-z]++(?=[^a-z])))++"
)
#: Splits a run into its tokens (which _RUN already checked).
_RUN_TOKEN: Final = re.compile(
    rb"[ \t\r\n]*+([,:]|" + _DQ_STRING + rb"|" + _SQ_STRING + rb"|" + _NUMBER + rb"|[a-z]++)"
)
#: Runs shorter than this are not worth offering.
_RUN_MIN: Final = 256
#: Longest run offered at once (bounds the work when a run is refused).
_RUN_WINDOW: Final = 1 << 16
_RUN_FIRST: Final = {
    ord(","): Tok.COMMA,
    ord(":"): Tok.COLON,
    ord('"'): Tok.STRING,
    ord("'"): Tok.STRING,
    **{c: Tok.KEYWORD for c in range(ord("a"), ord("z") + 1)},
}


def run_tokens(raw: bytes) -> list[bytes]:
    """The texts of the tokens of a run."""
    return _RUN_TOKEN.findall(raw)


def split_run(raw: bytes) -> list[tuple[Tok, bytes]]:
    """A run's tokens with their types."""
    out: list[tuple[Tok, bytes]] = []
    for text in _RUN_TOKEN.findall(raw):
        tok = _RUN_FIRST.get(text[0])
        if tok is None:
            number = b"." in text or b"e" in text or b"E" in text
            tok = Tok.FLOAT if number else Tok.INTEGER
        out.append((tok, text))
    return out


def _next_number_state(state: State, ch: int) -> State | Tok | None:
    """A number state's move on ``ch``: a state, ERROR, or None (token ends)."""
    if state is _S.SIGN:
        if ch == 0x30:
            return _S.ZERO
        return _S.INT if ch in _DIGITS else Tok.ERROR
    if state is _S.ZERO:
        if ch in _DIGITS:
            return Tok.ERROR
        return _S.POINT if ch == 0x2E else None
    if state is _S.INT:
        if ch in _DIGITS:
            return _S.INT
        if ch == 0x2E:
            return _S.POINT
        return _S.EXP if ch in (0x65, 0x45) else None
    if state is _S.POINT:
        return _S.FRACTION if ch in _DIGITS else Tok.ERROR
    if state is _S.FRACTION:
        if ch in _DIGITS:
            return _S.FRACTION
        return _S.EXP if ch in (0x65, 0x45) else None
    if state is _S.EXP:
        if ch in (0x2B, 0x2D):
            return _S.EXP_SIGN
        return _S.EXP_DIGITS if ch in _DIGITS else Tok.ERROR
    if state is _S.EXP_SIGN:
        return _S.EXP_DIGITS if ch in _DIGITS else Tok.ERROR
    if state is _S.EXP_DIGITS:
        return _S.EXP_DIGITS if ch in _DIGITS else None
    # KEYWORD
    return _S.KEYWORD if ch in _LETTERS else None


_START_STATE: Final = {
    ord('"'): _S.DQ,
    ord("'"): _S.SQ,
    ord("-"): _S.SIGN,
    ord("0"): _S.ZERO,
    **{d: _S.INT for d in b"123456789"},
    **{c: _S.KEYWORD for c in _LETTERS},
}


class Lexer:
    """json-lexer.c's JSONLexer: bytes in, tokens out to a :data:`TokenSink`."""

    __slots__ = ("state", "token")

    def __init__(self) -> None:
        self.state = State.START
        self.token = bytearray()

    def reset(self) -> None:
        """Back to the start state with nothing collected."""
        self.state = State.START
        self.token.clear()

    @property
    def idle(self) -> bool:
        """Between tokens, with nothing half read."""
        return self.state is State.START

    def lex(
        self,
        buf: bytes | bytearray,
        pos: int,
        end: int,
        sink: TokenSink,
        runs: RunSink | None = None,
    ) -> int:
        """Lex ``buf[pos:end]``; return where it stopped.

        It stops at ``end``, or right after the byte during which ``sink``
        reported an event (QEMU finishes a byte before it checks whether
        the monitor is still reading).  Long runs of tokens without braces
        or brackets are offered to ``runs`` first, if given.
        """
        token_match = _TOKEN.match
        start = _S.START
        run_checked = pos  # bytes before this are known not to start a long run
        while pos < end:
            state = self.state
            if state is start:
                if runs is not None and pos >= run_checked:
                    r = _RUN.match(buf, pos, end if end - pos <= _RUN_WINDOW else pos + _RUN_WINDOW)
                    if r is None:
                        run_checked = pos + 1
                    else:
                        run_end = r.end()
                        if run_end - pos >= _RUN_MIN and runs(r.group()):
                            pos = run_end
                            continue
                        run_checked = run_end
                # No whole token longer than the limit: json-lexer.c would
                # have cut it (the byte machine does that below).
                stop = end if end - pos <= MAX_TOKEN_SIZE else pos + MAX_TOKEN_SIZE
                m = token_match(buf, pos, stop)
                if m is None:
                    # Skip blanks here, then let the byte machine decide.
                    blank = _BLANK_RUN.match(buf, pos, end)
                    if blank is not None:
                        pos = blank.end()
                        if pos == end:
                            break
                else:
                    group = m.lastindex
                    assert group is not None
                    tok_end = m.end()
                    if group == 1:
                        done = sink(_PUNCT[buf[tok_end - 1]], m.group(1))
                        pos = tok_end
                        if done:
                            return pos
                        continue
                    done = sink(_GROUP_TOK[group], m.group(group))  # type: ignore[arg-type]
                    pos = tok_end
                    if done:
                        if group == 2:
                            return pos
                        # A number or keyword ends at the byte after it,
                        # which QEMU lexes in the same step.
                        self._byte(buf[pos], sink)
                        return pos + 1
                    continue
            elif state is _S.RECOVERY:
                m = _SKIP_RUN.match(buf, pos, end)
                if m is not None:
                    pos = m.end()
                    continue
            else:
                run = _RUNS.get(state)
                if run is not None:
                    room = MAX_TOKEN_SIZE + 1 - len(self.token)
                    m = run.match(buf, pos, min(end, pos + room))
                    if m is not None:
                        self.token += m.group()
                        pos = m.end()
                        if len(self.token) > MAX_TOKEN_SIZE and self._oversize(sink):
                            return pos
                        continue
            done = self._byte(buf[pos], sink)
            pos += 1
            if len(self.token) > MAX_TOKEN_SIZE:
                done = self._oversize(sink) or done
            if done:
                return pos
        return pos

    def _oversize(self, sink: TokenSink) -> bool:
        # json-lexer.c hands the unfinished token over as it is and starts
        # afresh with the next byte.
        text = bytes(self.token)
        self.token.clear()
        self.state = State.START
        return sink(Tok.OVERSIZE, text)

    def _error(self, ch: int, sink: TokenSink) -> bool:
        self.token.append(ch)
        text = bytes(self.token)
        self.token.clear()
        self.state = State.RECOVERY
        return sink(Tok.ERROR, text)

    def _emit(self, tok: Tok, sink: TokenSink) -> bool:
        text = bytes(self.token)
        self.token.clear()
        self.state = State.START
        return sink(tok, text)

    def _byte(self, ch: int, sink: TokenSink) -> bool:
        """Feed one byte through the state machine; True if an event came out."""
        done = False
        while True:
            state = self.state
            if state is _S.START:
                if ch in _WHITESPACE:
                    return done
                tok = _PUNCT.get(ch)
                if tok is not None:
                    self.token.append(ch)
                    return self._emit(tok, sink) or done
                nxt = _START_STATE.get(ch)
                if nxt is None:
                    return self._error(ch, sink) or done
                self.token.append(ch)
                self.state = nxt
                return done
            if state is _S.RECOVERY:
                if ch in _RESYNC:
                    self.state = _S.START
                    continue
                return done
            if state is _S.DQ or state is _S.SQ:
                if ch == (0x22 if state is _S.DQ else 0x27):
                    self.token.append(ch)
                    return self._emit(Tok.STRING, sink)
                if ch == 0x5C:
                    self.state = _S.DQ_ESC if state is _S.DQ else _S.SQ_ESC
                elif not 0x20 <= ch <= 0xFD:
                    return self._error(ch, sink)
                self.token.append(ch)
                return False
            if state is _S.DQ_ESC or state is _S.SQ_ESC:
                if not 0x20 <= ch <= 0xFD:
                    return self._error(ch, sink)
                self.token.append(ch)
                self.state = _S.DQ if state is _S.DQ_ESC else _S.SQ
                return False
            move = _next_number_state(state, ch)
            if move is Tok.ERROR:
                return self._error(ch, sink)
            if isinstance(move, State):
                self.token.append(ch)
                self.state = move
                return False
            # The token ends before ch; ch starts whatever comes next.
            done = self._emit(_LOOKAHEAD_END[state], sink)
