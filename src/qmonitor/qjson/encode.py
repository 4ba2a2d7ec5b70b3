"""QEMU's JSON output (qobject/json-writer.c), compact and pretty, byte for byte.

Members of a dict are written in the order QEMU iterates a QDict: bucket by
bucket (512 buckets, ``tdb_hash(key) % 512``), newest key first within a
bucket — which is why QEMU prints ``{"micro": ..., "minor": ..., "major":
...}``.  Strings are escaped as QEMU does (``\\uXXXX`` in upper case for
control characters, DEL and everything beyond ASCII; surrogate pairs beyond
the BMP; invalid bytes as U+FFFD).  Doubles print as ``%.17g``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from json.encoder import encode_basestring_ascii as _json_quote_ascii
from typing import Any

from qmonitor.qjson.unicode import mod_utf8_codepoint, to_mod_utf8

#: Number of buckets of a QDict (QDICT_BUCKET_MAX, qdict.h).
QDICT_BUCKET_MAX = 512

_MASK32 = 0xFFFFFFFF
_bucket_cache: dict[str, int] = {}
_BUCKET_CACHE_MAX = 65536


def tdb_hash(key: bytes) -> int:
    """QEMU's qdict hash of a key's bytes (32-bit unsigned arithmetic)."""
    value = (0x238F13AF * len(key)) & _MASK32
    for i, byte in enumerate(key):
        value = (value + (byte << (i * 5 % 24))) & _MASK32
    return (1103515243 * value + 12345) & _MASK32


def qdict_bucket(key: str) -> int:
    """The bucket QEMU puts ``key`` in (cached: keys repeat a lot)."""
    bucket = _bucket_cache.get(key)
    if bucket is None:
        bucket = tdb_hash(to_mod_utf8(key)) % QDICT_BUCKET_MAX
        if len(_bucket_cache) >= _BUCKET_CACHE_MAX:
            _bucket_cache.clear()
        _bucket_cache[key] = bucket
    return bucket


_order_cache: dict[tuple[str, ...], list[str]] = {}
_ORDER_CACHE_MAX = 4096
_ORDER_CACHE_KEYS = 16


def qdict_order(keys: Iterable[str]) -> list[str]:
    """Keys in insertion order → the order QEMU iterates them.

    Replies have a handful of shapes, so small key sets are cached.
    """
    key_tuple = tuple(keys)
    cached = _order_cache.get(key_tuple)
    if cached is not None:
        return cached
    indexed = [(qdict_bucket(k), -i, k) for i, k in enumerate(key_tuple)]
    indexed.sort()
    order = [k for _, _, k in indexed]
    if len(key_tuple) <= _ORDER_CACHE_KEYS:
        if len(_order_cache) >= _ORDER_CACHE_MAX:
            _order_cache.clear()
        _order_cache[key_tuple] = order
    return order


_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}
# What QEMU's writer does not copy as is: '"', '\\', controls and anything
# past ASCII.  Written as the complement of what it keeps: a negated class of
# printable ASCII compiles in microseconds, the range up to U+10FFFF in ms.
_NEEDS_ESCAPE = re.compile(r"[^\x20\x21\x23-\x5b\x5d-\x7e]")
# What QEMU's writer cannot take as a code point (mod_utf8_codepoint fails):
# surrogates (bytes that were not UTF-8 come as lone surrogates) and
# noncharacters.  Those strings go byte by byte, and each bad unit becomes
# U+FFFD as in QEMU.
_NOT_CODE_POINT = re.compile(
    "[\ud800-\udfff\ufdd0-\ufdef"
    + "".join(chr(plane << 16 | 0xFFFE) + chr(plane << 16 | 0xFFFF) for plane in range(17))
    + "]"
)


def _escape_char(match: re.Match[str]) -> str:
    c = match.group()
    special = _ESCAPES.get(c)
    if special is not None:
        return special
    cp = ord(c)
    if cp > 0xFFFF:
        cp -= 0x10000
        return f"\\u{0xD800 + (cp >> 10):04X}\\u{0xDC00 + (cp & 0x3FF):04X}"
    return f"\\u{cp:04X}"


def _quoted_bytes(raw: bytes) -> str:
    """quoted_str over raw (modified UTF-8) bytes, invalid units as U+FFFD."""
    out = ['"']
    pos = 0
    while pos < len(raw):
        cp, end = mod_utf8_codepoint(raw, pos)
        if end == pos:  # an embedded NUL ends a C string
            break
        pos = end
        out.append(_NEEDS_ESCAPE.sub(_escape_char, chr(0xFFFD if cp < 0 else cp)))
    out.append('"')
    return "".join(out)


# UTF-8 prefixes of every noncharacter (U+FDD0..U+FDEF: EF B7 90..AF; the
# last two code points of each plane end in BF BE or BF BF): a string whose
# UTF-8 has none of these has no noncharacter.
_NONCHAR_UTF8 = (b"\xef\xb7", b"\xbf\xbe", b"\xbf\xbf")


def _has_bad_unit(s: str) -> bool:
    """Whether ``s`` has a surrogate or a noncharacter (``_NOT_CODE_POINT``).

    The regular expression takes milliseconds over a few kilobytes (its
    class reaches past the BMP); encoding to UTF-8 and looking for the
    byte prefixes rules most strings out in microseconds.
    """
    try:
        raw = s.encode("utf-8")
    except UnicodeEncodeError:
        return True  # a lone surrogate
    if not any(prefix in raw for prefix in _NONCHAR_UTF8):
        return False
    return _NOT_CODE_POINT.search(s) is not None


def quote(s: str) -> str:
    """A string literal as QEMU writes it."""
    if _NEEDS_ESCAPE.search(s) is None:
        return f'"{s}"'
    if s.isascii():
        # Only '"', '\\' and controls to escape: the C writer of the json
        # module does it as QEMU does unless a control has no short escape
        # (it writes those as \u00xx, in lower case) or is DEL (kept as is).
        # Looking for those in its output is a substring search, much
        # cheaper than a pattern over the whole string.
        literal = _json_quote_ascii(s)
        if "\\u" not in literal and "\x7f" not in s:
            return literal
        return '"' + _NEEDS_ESCAPE.sub(_escape_char, s) + '"'
    if _has_bad_unit(s):
        return _quoted_bytes(to_mod_utf8(s))
    return '"' + _NEEDS_ESCAPE.sub(_escape_char, s) + '"'


# Member names and short values (states, names, paths) repeat from message
# to message: their literals are kept.
_quote_cache: dict[str, str] = {}
_QUOTE_CACHE_MAX = 8192
_QUOTE_CACHE_LEN = 64


def _quote_cached(s: str) -> str:
    literal = _quote_cache.get(s)
    if literal is None:
        literal = quote(s)
        if len(s) <= _QUOTE_CACHE_LEN:
            if len(_quote_cache) >= _QUOTE_CACHE_MAX:
                _quote_cache.clear()
            _quote_cache[s] = literal
    return literal


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return format(value, ".17g")
    if isinstance(value, str):
        return quote(value)
    raise TypeError(f"cannot encode {type(value).__name__} as QMP JSON")


# A dict's keys, in insertion order → (key, text before its value) in QEMU's
# order: '{"a": ' for the first member, ', "b": ' for the others.
_Shape = tuple[tuple[str, str], ...]
_shape_cache: dict[tuple[str, ...], _Shape] = {}


def _dict_shape(keys: tuple[str, ...]) -> _Shape:
    shape = _shape_cache.get(keys)
    if shape is None:
        ordered = qdict_order(keys) if len(keys) > 1 else keys
        shape = tuple(
            (key, ("{" if i == 0 else ", ") + quote(key) + ": ") for i, key in enumerate(ordered)
        )
        if len(keys) <= _ORDER_CACHE_KEYS:
            if len(_shape_cache) >= _ORDER_CACHE_MAX:
                _shape_cache.clear()
            _shape_cache[keys] = shape
    return shape


def _compact(value: Any, out: list[str]) -> None:
    # Exact types first (bool before int: it is one); subclasses such as
    # enums take the general path of _scalar.
    append = out.append
    kind = type(value)
    if kind is dict:
        if not value:
            append("{}")
            return
        for key, prefix in _dict_shape(tuple(value)):
            append(prefix)
            member = value[key]
            kind = type(member)
            if kind is str:
                append(_quote_cached(member))
            elif kind is bool:
                append("true" if member else "false")
            elif kind is int:
                append(int.__repr__(member))
            elif member is None:
                append("null")
            else:
                _compact(member, out)
        append("}")
    elif kind is list or kind is tuple or isinstance(value, list | tuple):
        if not value:
            append("[]")
            return
        first = True
        for item in value:
            append("[" if first else ", ")
            first = False
            _compact(item, out)
        append("]")
    elif kind is str:
        append(_quote_cached(value))
    elif isinstance(value, dict):
        _compact(dict(value), out)
    else:
        append(_scalar(value))


def _pretty(value: Any, out: list[str], depth: int) -> None:
    # json_writer with pretty=true: every member on its own line, indented
    # 4 per level; closing brackets on their own line, even when empty.
    if isinstance(value, dict | list | tuple):
        is_dict = isinstance(value, dict)
        out.append("{" if is_dict else "[")
        inner = "\n" + " " * (4 * (depth + 1))
        if is_dict:
            assert isinstance(value, dict)
            keys = value.keys() if len(value) < 2 else qdict_order(value.keys())
            for i, key in enumerate(keys):
                out.append("," + inner if i else inner)
                out.append(quote(key))
                out.append(": ")
                _pretty(value[key], out, depth + 1)
        else:
            for i, item in enumerate(value):
                out.append("," + inner if i else inner)
                _pretty(item, out, depth + 1)
        out.append("\n" + " " * (4 * depth))
        out.append("}" if is_dict else "]")
    else:
        out.append(_scalar(value))


#: Nesting the encoder supports (values from the wire nest at most 1024 deep).
MAX_ENCODE_DEPTH = 4096


def encode(value: Any, pretty: bool = False) -> str:
    """``value`` as QEMU's ``qobject_to_json[_pretty]`` writes it (no newline)."""
    kind = type(value)
    if kind is int:
        return int.__repr__(value)
    if kind is str:
        return _quote_cached(value)
    out: list[str] = []
    try:
        _pretty(value, out, 0) if pretty else _compact(value, out)
    except RecursionError:
        # Deeply nested values (QEMU accepts 1024 levels) need more stack
        # than Python grants by default; retry with enough.
        out.clear()
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 2 * MAX_ENCODE_DEPTH + 100))
        try:
            _pretty(value, out, 0) if pretty else _compact(value, out)
        finally:
            sys.setrecursionlimit(limit)
    return "".join(out)
