"""qmonitor's migration stream, and how a destination refuses any other, sans-IO.

The stream is ``QMON``, a big-endian 32-bit version and a frame with
the configuration (machine type, RAM size), sent as soon as the channel
is open as QEMU sends its header and configuration section; then, once
the VM is stopped, a frame with the machine state (:mod:`.state`) and
``QEND``.  A frame is a 32-bit length and that many bytes of UTF-8 JSON.
:class:`StreamReader` is fed bytes as they come and says when it has the
state or why the stream cannot be loaded.

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
#: What a destination answers on a socket once it accepted the configuration.
ACCEPTED = b"\x01"
#: The state frame's member that says the trailer comes only after the RAM (postcopy).
POSTCOPY_KEY = "postcopy"
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


#: QEMU's text for a stream that ends inside a section (savevm.c check_section_footer).
CUT_SHORT = "check_section_footer: Read section footer failed: -5"
#: QEMU's texts for a RAM block of another size (migration/ram.c, migration/savevm.c).
SIZE_MISMATCH = "Size mismatch: {}: 0x{:x} != 0x{:x}: Invalid argument"
LOAD_STATE_FAILED = "error while loading state for instance 0x0 of device '{}'"
#: The RAM block a PC's guest memory is (hw/i386/pc.c's "pc.ram").
RAM_BLOCK = "pc.ram"


def _frame(doc: dict[str, Any]) -> bytes:
    body = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
    return struct.pack(">I", len(body)) + body


def encode_header(machine_type: str, ram_size: int) -> bytes:
    """What the source sends as soon as the channel is open (QEMU: header and configuration)."""
    config = {"machine-type": machine_type, "ram-size": ram_size}
    return MAGIC + struct.pack(">I", VERSION) + _frame(config)


def encode_body(state: dict[str, Any]) -> bytes:
    """What follows the header once the VM is stopped: the state, and the trailer."""
    return _frame(state) + TRAILER


def encode_postcopy_state(state: dict[str, Any]) -> bytes:
    """A postcopy source's state frame: sent when the VM stops, the trailer comes later."""
    return _frame({**state, POSTCOPY_KEY: True})


class StreamReader:
    """Feed it bytes; :attr:`state` is set when the stream is whole.

    The configuration (machine type, RAM size) is checked against the
    local machine's as soon as it has come, as QEMU checks its
    configuration section and RAM blocks before any device state.
    :meth:`feed` raises :class:`LoadError` as soon as the bytes say the
    stream cannot be loaded; :meth:`eof` raises it if the stream ended
    early.
    """

    def __init__(self, local_machine_type: str, local_ram_size: int) -> None:
        self.local_machine_type = local_machine_type
        self.local_ram_size = local_ram_size
        self.buf = bytearray()
        self.config: dict[str, Any] | None = None
        self.state: dict[str, Any] | None = None
        #: A postcopy source's state, as soon as its frame is whole (before the trailer).
        self.postcopy_state: dict[str, Any] | None = None

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
        pos = 8
        docs: list[dict[str, Any]] = []
        for _ in range(2):
            doc, pos = self._read_frame(buf, pos, final)
            if doc is None:
                return
            docs.append(doc)
            if len(docs) == 1 and self.config is None:
                self.config = doc
                self._check_config(doc)
        if docs[1].get(POSTCOPY_KEY) is True and self.postcopy_state is None:
            self.postcopy_state = docs[1]
        if len(buf) < pos + len(TRAILER):
            if final:
                raise LoadError((CUT_SHORT,), errno.EINVAL)
            return
        if buf[pos : pos + len(TRAILER)] != TRAILER:
            raise LoadError((BAD_STATE,), errno.EINVAL)
        self.state = docs[1]

    @staticmethod
    def _read_frame(buf: bytes, pos: int, final: bool) -> tuple[dict[str, Any] | None, int]:
        if len(buf) < pos + 4:
            if final:
                raise LoadError((CUT_SHORT,), errno.EINVAL)
            return None, pos
        (length,) = struct.unpack(">I", buf[pos : pos + 4])
        if length > MAX_STATE:
            raise LoadError((BAD_STATE,), errno.EINVAL)
        end = pos + 4 + length
        if len(buf) < end:
            if final:
                raise LoadError((CUT_SHORT,), errno.EINVAL)
            return None, pos
        try:
            doc = json.loads(buf[pos + 4 : end])
        except (ValueError, UnicodeDecodeError):
            raise LoadError((BAD_STATE,), errno.EINVAL) from None
        if not isinstance(doc, dict):
            raise LoadError((BAD_STATE,), errno.EINVAL)
        return doc, end

    def _check_config(self, config: dict[str, Any]) -> None:
        mtype, size = config.get("machine-type"), config.get("ram-size")
        if mtype != self.local_machine_type:
            raise LoadError((MACHINE_TYPE.format(mtype, self.local_machine_type),), errno.EINVAL)
        if size != self.local_ram_size:
            if not isinstance(size, int):
                raise LoadError((BAD_STATE,), errno.EINVAL)
            raise LoadError(
                (
                    SIZE_MISMATCH.format(RAM_BLOCK, size, self.local_ram_size),
                    LOAD_STATE_FAILED.format("ram"),
                ),
                errno.EINVAL,
            )

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
