"""``-readconfig FILE``: QEMU's configuration file format, read as QEMU 7.2 reads it.

QEMU's ``qemu_config_foreach`` (util/qemu-config.c) reads a file line by
line with ``fgets`` into a 1024-byte buffer and ``sscanf``: an empty line or
one starting with ``#`` is skipped; ``[group]`` or ``[group "id"]`` starts a
section; `` key = "value"`` adds a string to it.  A section is handed on
when the next one starts, and the last one at the end of the file.  Any
other line with a word on it is read as a key with an empty value (the
second ``sscanf`` form converts the key alone); a line of blanks is a
``parse error``, and an assignment before the first section is ``no group
defined``.  Errors are reported at ``FILE:LINE`` of the last line that was
not a section header, or without a location when no such line was read.

This module is sans-IO: :func:`config_sections` takes the file's text and
yields the sections one by one, so that the caller meets an error in a
section before the parse error of a line after it, as QEMU does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from qmonitor.errors import QmonitorError

#: util/qemu-config.c's texts.
PARSE_ERROR: Final = "parse error"
NO_GROUP: Final = "no group defined"
NO_OPTION_GROUP: Final = "There is no option group '{}'"
#: qapi/error.c: error_setg_file_open.
CANNOT_OPEN: Final = "Could not open '{}': {}"

#: ``fgets`` into ``char line[1024]``: at most 1023 bytes a read.
LINE_BUFFER: Final = 1024
#: ``%63s`` and friends: a group, key or id keeps at most 63 bytes.
NAME_MAX: Final = 63
#: ``%1023[^"]``: a value keeps at most 1023 bytes.
VALUE_MAX: Final = 1023

# sscanf patterns over the line's bytes.  "%63s" skips blanks, then takes
# non-blanks; "\"" and "=" must then match literally (a blank in the format
# skips any blanks).
_BLANKS: Final = b" \t\n\v\f\r"
# A directive that matched ends the count: the closing quote and bracket
# after the last conversion need not be there.
_GROUP_ID: Final = re.compile(
    rb'\[[ \t\n\v\f\r]*([^ \t\n\v\f\r]{1,63}+)[ \t\n\v\f\r]*"([^"]{1,63})'
)
_GROUP: Final = re.compile(rb"\[([^\]]{1,63})")
# The first form's "%63s" alone: it writes the group even when the line is
# no section header (QEMU's ``group`` buffer keeps what it wrote).
_GROUP_WORD: Final = re.compile(rb"\[[ \t\n\v\f\r]*([^ \t\n\v\f\r]{1,63})")


def _text(raw: bytes) -> str:
    """A name or value as Python text: UTF-8, other bytes kept (as the command line's)."""
    return raw.decode("utf-8", "surrogateescape")


class ConfigFileError(QmonitorError):
    """An error in the file: QEMU's text and the location it is reported at."""

    def __init__(self, message: str, location: FileLocation | None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location


class FileLocation(str):
    """A line of a configuration file (QEMU's ``LOC_FILE``): ``FILE:LINE`` as text.

    A ``str`` so that it can stand wherever a command-line location is kept
    (a ``QemuOpts``'s ``loc``) and still be printed QEMU's way for a file:
    ``PROG:FILE:LINE: message``, with no blank after the program's name.
    """

    fname: str
    line: int

    def __new__(cls, fname: str, line: int) -> FileLocation:
        self = super().__new__(cls, f"{fname}:{line}" if line else fname)
        self.fname = fname
        self.line = line
        return self

    def __repr__(self) -> str:
        return f"FileLocation({self.fname!r}, {self.line})"


@dataclass(frozen=True, slots=True)
class ConfigSection:
    """One section: its group, its values (``id`` among them), where it ended."""

    group: str
    values: dict[str, str]
    #: The location current when QEMU handed the section on (None: none yet).
    location: FileLocation | None
    #: The file's last section (QEMU hands it on with ``&error_fatal``).
    last: bool = False


def _lines(data: bytes) -> Iterator[bytes]:
    """What successive ``fgets(line, 1024, fp)`` calls return."""
    pos = 0
    while pos < len(data):
        end = data.find(b"\n", pos, pos + LINE_BUFFER - 1)
        end = pos + LINE_BUFFER - 1 if end < 0 else end + 1
        yield data[pos:end]
        pos = end


def _scan_name(text: bytes, pos: int) -> tuple[bytes, int] | None:
    """``%63s`` at ``pos``: blanks skipped, then up to 63 non-blanks."""
    pos = _skip_blanks(text, pos)
    start = pos
    while pos < len(text) and text[pos] not in _BLANKS and pos - start < NAME_MAX:
        pos += 1
    return (text[start:pos], pos) if pos > start else None


def _scan_assignment(text: bytes) -> tuple[bytes, bytes] | None:
    """`` %63s = "%1023[^"]"`` then `` %63s = ""``: the key and value, None if neither matches.

    QEMU takes a line when the first ``sscanf`` converts both or the second
    converts its one: any line with a word on it is an assignment, its value
    empty unless the word is followed by ``= "`` and at least one character
    that is not a quote (a closing quote is not needed).
    """
    name = _scan_name(text, 0)
    if name is None:
        return None
    key, pos = name
    pos = _skip_blanks(text, pos)
    if not text.startswith(b"=", pos):
        return key, b""
    pos = _skip_blanks(text, pos + 1)
    if not text.startswith(b'"', pos):
        return key, b""
    pos += 1
    end = pos
    while end < len(text) and text[end] != 0x22 and end - pos < VALUE_MAX:
        end += 1
    return key, text[pos:end]


def _skip_blanks(text: bytes, pos: int) -> int:
    while pos < len(text) and text[pos] in _BLANKS:
        pos += 1
    return pos


def _scan_group(text: bytes) -> tuple[bytes, bytes | None] | None:
    """A section header's group and id (``[%63s "%63[^"]"]``, then ``[%63[^]]]``)."""
    m = _GROUP_ID.match(text)
    if m is not None:
        return m.group(1), m.group(2)
    m = _GROUP.match(text)
    if m is not None:
        return m.group(1), None
    return None


def config_sections(data: bytes, fname: str) -> Iterator[ConfigSection]:
    """The sections of a configuration file's contents, in order.

    A section is handed on under the group its header named, except the
    last: QEMU hands that one on under whatever its ``group`` buffer last
    received, and a line such as ``[]`` (no header, read as a key) writes
    ``]`` there first.

    :raises ConfigFileError: at the line QEMU stops at, once the sections
        before it were yielded.
    """
    location: FileLocation | None = None
    group: bytes | None = None
    section_group = b""
    values: dict[str, str] | None = None
    for lno, line in enumerate(_lines(data), start=1):
        if line.startswith((b"\n", b"#")):
            continue
        if line.startswith(b"["):
            word = _GROUP_WORD.match(line)
            if word is not None:
                group = word.group(1)
            header = _scan_group(line)
            if header is not None:
                if values is not None:
                    yield ConfigSection(_text(section_group), values, location)
                group, ident = header
                section_group = group
                values = {} if ident is None else {"id": _text(ident)}
                continue
        location = FileLocation(fname, lno)
        assignment = _scan_assignment(line)
        if assignment is None:
            raise ConfigFileError(PARSE_ERROR, location)
        if values is None:
            raise ConfigFileError(NO_GROUP, location)
        key, value = assignment
        values[_text(key)] = _text(value)
    if group is not None and values is not None:
        yield ConfigSection(_text(group), values, location, last=True)
