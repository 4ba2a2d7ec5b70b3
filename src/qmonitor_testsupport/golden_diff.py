"""Bytes as readable text, and where two byte strings differ (part of :mod:`.goldenlib`).

A replay that does not match is reported as escaped text (:func:`escape`)
with the first differing offset and a line diff
(:func:`describe_difference`); the recorder prints transcripts the same way.
"""

from __future__ import annotations

import difflib


def escape(data: bytes) -> str:
    """Bytes as readable text: printable ASCII as is, the rest escaped."""
    out: list[str] = []
    for byte in data:
        ch = chr(byte)
        if ch == "\\":
            out.append("\\\\")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\n":
            out.append("\\n\n")
        elif ch == "\t":
            out.append("\\t")
        elif 0x20 <= byte < 0x7F:
            out.append(ch)
        else:
            out.append(f"\\x{byte:02x}")
    return "".join(out)


def _indent(text: str, prefix: str = "    ") -> str:
    if not text:
        return prefix + "(nothing)"
    return "\n".join(prefix + line for line in text.rstrip("\n").split("\n"))


#: Longest stretch of a message shown in full in a mismatch report (escaped characters).
SHOW = 2400
#: Most lines of line diff shown, and the longest line.
DIFF_LINES = 60
DIFF_WIDTH = 400


def _inline(data: bytes) -> str:
    return escape(data).replace("\n", "")


def _window(data: bytes, offset: int) -> str:
    """``data`` escaped; when long, only the part around ``offset``."""
    if len(data) <= SHOW // 2:
        return _indent(escape(data))
    start = max(0, offset - SHOW // 4)
    end = min(len(data), start + SHOW // 2)
    text = _indent(escape(data[start:end]))
    if start:
        text = f"    ... [{start} bytes before]\n{text}"
    if end < len(data):
        text += f"\n    ... [{len(data) - end} bytes after]"
    return text


def describe_difference(expected: bytes, got: bytes) -> str:
    """Expected and got as escaped text, the first differing offset and a line diff."""
    offset = next(
        (i for i, (a, b) in enumerate(zip(expected, got, strict=False)) if a != b),
        min(len(expected), len(got)),
    )
    parts = [
        f"  expected ({len(expected)} bytes):",
        _window(expected, offset),
        f"  got ({len(got)} bytes):",
        _window(got, offset),
        f"  first difference at byte {offset}:",
        f"    expected: {_inline(expected[offset : offset + 60]) or '(end)'}",
        f"    got:      {_inline(got[offset : offset + 60]) or '(end)'}",
    ]
    diff = list(
        difflib.unified_diff(
            escape(expected).splitlines(),
            escape(got).splitlines(),
            "expected",
            "got",
            lineterm="",
            n=1,
        )
    )
    if diff:
        shown = [line[:DIFF_WIDTH] + ("..." if len(line) > DIFF_WIDTH else "") for line in diff]
        if len(shown) > DIFF_LINES:
            shown = [*shown[:DIFF_LINES], f"... [{len(diff) - DIFF_LINES} more diff lines]"]
        parts.append("  diff:")
        parts.append(_indent("\n".join(shown)))
    return "\n".join(parts)
