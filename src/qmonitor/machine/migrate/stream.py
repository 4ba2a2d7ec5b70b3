"""qmonitor's migration stream, and how a destination refuses any other, sans-IO.

The stream is a header, ``QMON`` and a big-endian 32-bit version (sent
as soon as the channel is open, as QEMU sends its own header), then a
32-bit length, that many bytes of UTF-8 JSON (the machine state, see
:mod:`.state`), and ``QEND``.  :class:`StreamReader` is fed bytes as they
come and says when it has the state or why the stream cannot be loaded.

A stream from QEMU starts with QEMU's file magic ``QEVM``: the reader
walks its header as QEMU 7.2's qemu_loadvm_state does (version, the
configuration section with the machine type) and fails where QEMU would
for a machine that has none of the sections QEMU sends, with QEMU's
texts.  Anything else is "Not a migration stream".
"""

from __future__ import annotations

import errno
import json
import struct
from typing import Any

from qmonitor.errors import QmonitorError

#: qmonitor's stream magic, version and trailer.
MAGIC = b"QMON"
VERSION = 1
TRAILER = b"QEND"
#: The most state a stream may carry (a JSON document of a few KiB in practice).
MAX_STATE = 16 * 1024 * 1024

#: QEMU's file magic and the stream version 7.2 writes (migration/savevm.c).
QEMU_MAGIC = b"QEVM"
QEMU_VERSION = 3
QEMU_VERSION_V2 = 2
#: Section types (migration/savevm.c QEMU_VM_*).
QEMU_SECTION_START = 0x01
QEMU_SECTION_FULL = 0x04
QEMU_CONFIGURATION = 0x07

# QEMU 7.2's texts (migration/savevm.c, migration/migration.c).
NOT_A_STREAM = "Not a migration stream"
V2_OBSOLETE = "SaveVM v2 format is obsolete and don't work anymore"
UNSUPPORTED_VERSION = "Unsupported migration stream version"
NO_CONFIGURATION = "Configuration section missing"
MACHINE_TYPE = "Machine type received is '{}' and local is '{}'"
UNKNOWN_SECTION = (
    "Unknown savevm section or instance '{}' {}. Make sure that your current VM setup "
    "matches your saved VM setup, including any hotplugged devices"
)
UNKNOWN_SECTION_TYPE = "Unknown savevm section type {}"
LOAD_FAILED = "load of migration failed: {}"
#: qmonitor's own: a qmonitor stream whose state cannot be read.
BAD_STATE = "qmonitor machine state in the migration stream cannot be read"


class LoadError(QmonitorError):
    """Why a stream cannot be loaded: what QEMU reports first, and its errno."""

    def __init__(self, messages: tuple[str, ...], code: int) -> None:
        super().__init__(*messages)
        self.messages = messages
        self.errno = code

    def report(self) -> list[str]:
        """The lines QEMU prints (error_report) before the destination fails."""
        return [*self.messages, LOAD_FAILED.format(_strerror(self.errno))]


def _strerror(code: int) -> str:
    # glibc's texts, which QEMU prints with strerror().
    return {
        errno.EINVAL: "Invalid argument",
        errno.EIO: "Input/output error",
        errno.ENOTSUP: "Operation not supported",
    }.get(code, f"Unknown error {code}")


#: What the source sends first.
HEADER = MAGIC + struct.pack(">I", VERSION)
#: QEMU's text for a stream that ends inside a section (savevm.c check_section_footer).
CUT_SHORT = "check_section_footer: Read section footer failed: -5"


def encode_body(state: dict[str, Any]) -> bytes:
    """What follows the header: the state, framed."""
    body = json.dumps(state, sort_keys=True, separators=(",", ":")).encode()
    return struct.pack(">I", len(body)) + body + TRAILER


def encode(state: dict[str, Any]) -> bytes:
    """The whole stream carrying ``state``."""
    return HEADER + encode_body(state)


class StreamReader:
    """Feed it bytes; :attr:`state` is set when the stream is whole.

    :meth:`feed` raises :class:`LoadError` as soon as the bytes say the
    stream cannot be loaded; :meth:`eof` raises it if the stream ended
    early.
    """

    def __init__(self, local_machine_type: str) -> None:
        self.local_machine_type = local_machine_type
        self.buf = bytearray()
        self.state: dict[str, Any] | None = None

    @property
    def received(self) -> int:
        return len(self.buf)

    def feed(self, data: bytes) -> None:
        self.buf += data
        self._check(final=False)

    def eof(self) -> None:
        """The stream ended: complete, or LoadError."""
        self._check(final=True)
        if self.state is None:
            raise LoadError((), errno.EIO)

    def _check(self, final: bool) -> None:
        buf = bytes(self.buf)
        if len(buf) < 4 and not final:
            return
        magic = buf[:4]
        if magic == QEMU_MAGIC:
            self._qemu(buf, final)
        elif magic != MAGIC:
            raise LoadError((NOT_A_STREAM,), errno.EINVAL)
        else:
            self._own(buf, final)

    def _own(self, buf: bytes, final: bool) -> None:
        if len(buf) < 8:
            if final:  # the version reads as zeros, as QEMUFile's past EOF
                raise LoadError((UNSUPPORTED_VERSION,), errno.ENOTSUP)
            return
        (version,) = struct.unpack(">I", buf[4:8])
        if version != VERSION:
            raise LoadError((UNSUPPORTED_VERSION,), errno.ENOTSUP)
        if len(buf) < 12:
            if final:
                raise LoadError((CUT_SHORT,), errno.EINVAL)
            return
        (length,) = struct.unpack(">I", buf[8:12])
        if length > MAX_STATE:
            raise LoadError((BAD_STATE,), errno.EINVAL)
        end = 12 + length
        if len(buf) < end + len(TRAILER):
            if final:
                raise LoadError((CUT_SHORT,), errno.EINVAL)
            return
        if buf[end : end + len(TRAILER)] != TRAILER:
            raise LoadError((BAD_STATE,), errno.EINVAL)
        try:
            state = json.loads(buf[12:end])
        except (ValueError, UnicodeDecodeError):
            raise LoadError((BAD_STATE,), errno.EINVAL) from None
        if not isinstance(state, dict):
            raise LoadError((BAD_STATE,), errno.EINVAL)
        self.state = state

    def _qemu(self, buf: bytes, final: bool) -> None:
        """qemu_loadvm_state's header walk; reads past the end give zeros, as QEMUFile's do."""
        if not final:
            # QEMU reads on until it has what it needs; so do we, at EOF.
            return
        reader = _Zeroes(buf, 4)
        version = reader.be32()
        if version == QEMU_VERSION_V2:
            raise LoadError((V2_OBSOLETE,), errno.ENOTSUP)
        if version != QEMU_VERSION:
            raise LoadError((UNSUPPORTED_VERSION,), errno.ENOTSUP)
        if reader.byte() != QEMU_CONFIGURATION:
            raise LoadError((NO_CONFIGURATION,), errno.EINVAL)
        length = reader.be32()
        name = reader.take(length).decode("latin-1")
        if name != self.local_machine_type:
            raise LoadError((MACHINE_TYPE.format(name, self.local_machine_type),), errno.EINVAL)
        kind = reader.byte()
        if kind in (QEMU_SECTION_START, QEMU_SECTION_FULL):
            reader.be32()  # section id
            idstr = reader.take(reader.byte()).decode("latin-1")
            instance = reader.be32()
            raise LoadError((UNKNOWN_SECTION.format(idstr, instance),), errno.EINVAL)
        raise LoadError((UNKNOWN_SECTION_TYPE.format(kind),), errno.EINVAL)


class _Zeroes:
    """A cursor over bytes that reads zeros past their end."""

    def __init__(self, data: bytes, pos: int) -> None:
        self.data = data
        self.pos = pos

    def take(self, n: int) -> bytes:
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out + bytes(n - len(out))

    def byte(self) -> int:
        return self.take(1)[0]

    def be32(self) -> int:
        value: int = struct.unpack(">I", self.take(4))[0]
        return value
