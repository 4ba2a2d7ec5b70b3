"""QEMU's modified UTF-8 (util/unicode.c): what strings may hold, byte by byte.

QEMU strings are C strings, so U+0000 travels as the overlong pair C0 80;
surrogates and noncharacters are not valid code points; invalid sequences
decode to -1, consuming as QEMU does.
"""

from __future__ import annotations

#: Smallest code point of a sequence of 2..6 bytes (overlong otherwise).
_MIN_CP = (0x80, 0x800, 0x10000, 0x200000, 0x4000000)


def is_valid_codepoint(cp: int) -> bool:
    """Unicode scalar values minus noncharacters (is_valid_codepoint)."""
    if cp < 0 or cp > 0x10FFFF:
        return False
    if (cp & 0xFFFFF800) == 0xD800:
        return False
    if (cp & 0xFFFE) == 0xFFFE:
        return False
    return not 0xFDD0 <= cp <= 0xFDEF


def mod_utf8_codepoint(data: bytes, pos: int, limit: int = 6) -> tuple[int, int]:
    """Decode one code point at ``pos``: (code point or -1, end position)."""
    n = min(limit, len(data) - pos)
    if n <= 0 or data[pos] == 0:
        return -1, pos
    byte = data[pos]
    p = pos + 1
    if byte < 0x80:
        return byte, p
    if byte >= 0xFE or not byte & 0x40:
        return -1, p
    length = 0
    mask = 0x80
    while byte & mask:
        length += 1
        mask >>= 1
    cp = byte & (mask - 1)
    for i in range(1, length):
        nxt = data[p] if i < n else 0
        if (nxt & 0xC0) != 0x80:
            return -1, p
        p += 1
        cp = (cp << 6) | (nxt & 0x3F)
    if not is_valid_codepoint(cp) or (cp < _MIN_CP[length - 2] and not (cp == 0 and length == 2)):
        return -1, p
    return cp, p


def to_mod_utf8(text: str) -> bytes:
    """A string's bytes as QEMU holds them (U+0000 as C0 80)."""
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "surrogateescape")
    return raw.replace(b"\x00", b"\xc0\x80") if "\x00" in text else raw
