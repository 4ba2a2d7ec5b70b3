"""The NBD protocol, server side, sans IO: QEMU 7.2's nbd/server.c as bytes in, bytes out.

Rules (from the NBD protocol and QEMU's server):

- On connect the server sends ``NBDMAGIC``, ``IHAVEOPT`` and its handshake
  flags (fixed newstyle, no zeroes); the client answers with its flags.
- Then options, each ``IHAVEOPT``, option, length, data; the server answers
  each with replies (``REPLY_MAGIC``, option, type, length, data).  A
  fixed-newstyle client may ask LIST, INFO, GO, STRUCTURED_REPLY,
  LIST/SET_META_CONTEXT, STARTTLS, ABORT or EXPORT_NAME; an unknown option
  gets ERR_UNSUP; with TLS required every option but STARTTLS gets
  ERR_TLS_REQD (EXPORT_NAME drops the connection), and STARTTLS is
  acknowledged but no TLS session follows (the connection closes, as after
  a failed handshake).  GO and EXPORT_NAME enter the transmission phase.
- In transmission, each request (``REQUEST_MAGIC``, flags, type, handle,
  offset, length, data for WRITE) is checked here and handed to the IO
  edge as a :class:`Request`; the edge answers through :meth:`reply_data`,
  :meth:`reply_done`, :meth:`reply_block_status` or :meth:`reply_error`,
  which build simple or structured replies as negotiated.

Peer errors never raise: the connection is marked :attr:`closed` (the
edge then closes the socket), as QEMU drops a client that breaks the
protocol.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

NBDMAGIC = b"NBDMAGIC"
IHAVEOPT = 0x49484156454F5054
REPLY_MAGIC = 0x3E889045565A9
REQUEST_MAGIC = 0x25609513
SIMPLE_REPLY_MAGIC = 0x67446698
STRUCTURED_REPLY_MAGIC = 0x668E33EF

# Handshake flags (server) and client flags.
FLAG_FIXED_NEWSTYLE, FLAG_NO_ZEROES = 1, 2
FLAG_C_FIXED_NEWSTYLE, FLAG_C_NO_ZEROES = 1, 2

# Transmission flags.
FLAG_HAS_FLAGS, FLAG_READ_ONLY, FLAG_SEND_FLUSH, FLAG_SEND_FUA = 1, 2, 4, 8
FLAG_SEND_TRIM, FLAG_SEND_WRITE_ZEROES, FLAG_SEND_DF = 32, 64, 128
FLAG_CAN_MULTI_CONN, FLAG_SEND_CACHE, FLAG_SEND_FAST_ZERO = 256, 1024, 2048

# Options.
OPT_EXPORT_NAME, OPT_ABORT, OPT_LIST, OPT_STARTTLS = 1, 2, 3, 5
OPT_INFO, OPT_GO, OPT_STRUCTURED_REPLY = 6, 7, 8
OPT_LIST_META_CONTEXT, OPT_SET_META_CONTEXT = 9, 10
OPT_NAMES = {
    1: "export name", 2: "abort", 3: "list", 4: "peek export", 5: "starttls", 6: "info",
    7: "go", 8: "structured reply", 9: "list meta context", 10: "set meta context",
}  # fmt: skip

# Option replies.
REP_ACK, REP_SERVER, REP_INFO, REP_META_CONTEXT = 1, 2, 3, 4
REP_ERR_UNSUP = (1 << 31) + 1
REP_ERR_POLICY = (1 << 31) + 2
REP_ERR_INVALID = (1 << 31) + 3
REP_ERR_TLS_REQD = (1 << 31) + 5
REP_ERR_UNKNOWN = (1 << 31) + 6
REP_ERR_BLOCK_SIZE_REQD = (1 << 31) + 8

INFO_EXPORT, INFO_NAME, INFO_DESCRIPTION, INFO_BLOCK_SIZE = 0, 1, 2, 3

# Commands and their flags.
CMD_READ, CMD_WRITE, CMD_DISC, CMD_FLUSH, CMD_TRIM, CMD_CACHE = 0, 1, 2, 3, 4, 5
CMD_WRITE_ZEROES, CMD_BLOCK_STATUS = 6, 7
CMD_FLAG_FUA, CMD_FLAG_NO_HOLE, CMD_FLAG_DF, CMD_FLAG_REQ_ONE = 1, 2, 4, 8
CMD_FLAG_FAST_ZERO = 16
CMD_NAMES = {
    0: "read", 1: "write", 2: "discard", 3: "flush", 4: "trim", 5: "cache",
    6: "write zeroes", 7: "block status",
}  # fmt: skip

# Structured reply chunk types and flags.
REPLY_FLAG_DONE = 1
REPLY_TYPE_NONE, REPLY_TYPE_OFFSET_DATA, REPLY_TYPE_BLOCK_STATUS = 0, 1, 5
REPLY_TYPE_ERROR = (1 << 15) + 1

# Errors on the wire (NBD's errno values).
EPERM, EIO, ENOMEM, EINVAL, ENOSPC, EOVERFLOW, ENOTSUP, ESHUTDOWN = 1, 5, 12, 22, 28, 75, 95, 108

# Meta contexts and their ids (nbd/server.c).
META_BASE = "base:allocation"
META_DEPTH = "qemu:allocation-depth"
META_BITMAP = "qemu:dirty-bitmap:"
META_ID_BASE, META_ID_DEPTH, META_ID_BITMAP = 0, 1, 2

#: NBD_MAX_BUFFER_SIZE (32 MiB) and NBD_MAX_STRING_SIZE: QEMU's limits on option
#: payloads, request lengths and names.
MAX_BUFFER = 32 * 1024 * 1024
MAX_STRING = 4096

_OPT_HEAD = struct.Struct(">QII")
_REQUEST = struct.Struct(">IHHQQI")


@dataclass(frozen=True, slots=True)
class ExportInfo:
    """What a client learns of an export."""

    name: str
    size: int
    read_only: bool = True
    description: str = ""
    bitmaps: tuple[str, ...] = ()
    allocation_depth: bool = False
    #: The server's max-connections was 1 (no CAN_MULTI_CONN).
    single_connection: bool = False

    @property
    def flags(self) -> int:
        """The export's transmission flags, as nbd_export_create sets them."""
        flags = FLAG_HAS_FLAGS | FLAG_SEND_FLUSH | FLAG_SEND_FUA | FLAG_SEND_CACHE
        if not self.single_connection:
            flags |= FLAG_CAN_MULTI_CONN
        if self.read_only:
            return flags | FLAG_READ_ONLY
        return flags | FLAG_SEND_TRIM | FLAG_SEND_WRITE_ZEROES | FLAG_SEND_FAST_ZERO


@dataclass(frozen=True, slots=True)
class Request:
    """A transmission request for the IO edge to carry out and answer."""

    handle: int
    command: int
    flags: int
    offset: int
    length: int
    data: bytes = b""
    #: The meta context ids a BLOCK_STATUS answers for.
    contexts: tuple[int, ...] = ()


class Phase(Enum):
    """Where a connection is."""

    #: Waiting for the client's flags.
    CLIENT_FLAGS = "client-flags"
    #: Reading options.
    OPTIONS = "options"
    #: Requests and replies on an export.
    TRANSMISSION = "transmission"
    #: The server hangs up (client quit or broke the protocol).
    CLOSED = "closed"


@dataclass
class ServerConnection:
    """One client of the NBD server: feed its bytes, send what :meth:`data_to_send` gives."""

    find_export: Callable[[str], ExportInfo | None]
    list_exports: Callable[[], list[ExportInfo]]
    tls_required: bool = False
    phase: Phase = Phase.CLIENT_FLAGS
    export: ExportInfo | None = None
    structured: bool = False
    #: Why the connection closed (for the log), "" if it has not.
    close_reason: str = ""
    fixed_newstyle: bool = False
    no_zeroes: bool = False
    contexts: dict[int, str] = field(default_factory=dict)
    _in: bytearray = field(default_factory=bytearray)
    _out: bytearray = field(default_factory=bytearray)

    def __post_init__(self) -> None:
        self._out += NBDMAGIC + struct.pack(">QH", IHAVEOPT, FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES)

    @property
    def closed(self) -> bool:
        return self.phase is Phase.CLOSED

    def data_to_send(self) -> bytes:
        out = bytes(self._out)
        self._out.clear()
        return out

    def receive_data(self, data: bytes) -> list[Request]:
        """Take the client's bytes (b"" at EOF); the requests now complete."""
        if not data:
            self._close("client closed")
            return []
        self._in += data
        requests: list[Request] = []
        while not self.closed:
            if self.phase is Phase.CLIENT_FLAGS:
                if not self._client_flags():
                    break
            elif self.phase is Phase.OPTIONS:
                if not self._option():
                    break
            else:
                request = self._request()
                if request is None:
                    break
                requests.append(request)
        return requests

    # ------------------------------------------------------------ handshake

    def _close(self, reason: str) -> None:
        if not self.closed:
            self.phase = Phase.CLOSED
            self.close_reason = reason

    def _client_flags(self) -> bool:
        if len(self._in) < 4:
            return False
        (flags,) = struct.unpack_from(">I", self._in)
        del self._in[:4]
        self.fixed_newstyle = bool(flags & FLAG_C_FIXED_NEWSTYLE)
        self.no_zeroes = bool(flags & FLAG_C_NO_ZEROES)
        if flags & ~(FLAG_C_FIXED_NEWSTYLE | FLAG_C_NO_ZEROES):
            self._close(f"Unknown client flags 0x{flags & ~3:x} received")
        else:
            self.phase = Phase.OPTIONS
        return True

    def _option(self) -> bool:
        if len(self._in) < _OPT_HEAD.size:
            return False
        magic, option, length = _OPT_HEAD.unpack_from(self._in)
        if magic != IHAVEOPT:
            self._close("Bad magic received")
            return True
        if length > MAX_BUFFER:
            self._close(f"len ({length}) is larger than max len ({MAX_BUFFER})")
            return True
        if len(self._in) < _OPT_HEAD.size + length:
            return False
        data = bytes(self._in[_OPT_HEAD.size : _OPT_HEAD.size + length])
        del self._in[: _OPT_HEAD.size + length]
        self._handle_option(option, data)
        return True

    def _reply(self, option: int, kind: int, data: bytes = b"") -> None:
        self._out += struct.pack(">QIII", REPLY_MAGIC, option, kind, len(data)) + data

    def _error(self, option: int, kind: int, message: str) -> None:
        self._reply(option, kind, message.encode())

    def _handle_option(self, option: int, data: bytes) -> None:
        name = OPT_NAMES.get(option, "<unknown>")
        if not self.fixed_newstyle:
            if option == OPT_EXPORT_NAME:
                self._export_name(data)
            else:
                self._close(f"Unsupported option {option} ({name})")
            return
        if self.tls_required:
            if option == OPT_EXPORT_NAME:
                self._close(f"Option 0x{option:x} not permitted before TLS")
                return
            if option == OPT_STARTTLS and data:
                self._close(f"option '{name}' has unexpected length")
                return
            if option == OPT_STARTTLS:
                # QEMU acknowledges, then runs the TLS handshake; this server
                # has no TLS session to offer, so the handshake fails at once.
                self._reply(option, REP_ACK)
                self._close("TLS handshake failed")
                return
            self._error(option, REP_ERR_TLS_REQD, f"Option 0x{option:x} not permitted before TLS")
            if option == OPT_ABORT:
                self._close("client aborted")
            return
        if option == OPT_ABORT:
            self._reply(option, REP_ACK)
            self._close("client aborted")
        elif option == OPT_EXPORT_NAME:
            self._export_name(data)
        elif option in (OPT_LIST, OPT_STARTTLS, OPT_STRUCTURED_REPLY) and data:
            self._error(option, REP_ERR_INVALID, f"option '{name}' has unexpected length")
        elif option == OPT_LIST:
            for export in self.list_exports():
                raw = export.name.encode()
                self._reply(
                    option,
                    REP_SERVER,
                    struct.pack(">I", len(raw)) + raw + export.description.encode(),
                )
            self._reply(option, REP_ACK)
        elif option == OPT_STARTTLS:
            self._error(option, REP_ERR_POLICY, "TLS not configured")
        elif option == OPT_STRUCTURED_REPLY:
            if self.structured:
                self._error(option, REP_ERR_INVALID, "structured reply already negotiated")
            else:
                self.structured = True
                self._reply(option, REP_ACK)
        elif option in (OPT_INFO, OPT_GO):
            self._info(option, data)
        elif option in (OPT_LIST_META_CONTEXT, OPT_SET_META_CONTEXT):
            self._meta(option, data)
        else:
            self._error(option, REP_ERR_UNSUP, f"Unsupported option {option} ({name})")

    def _export_name(self, data: bytes) -> None:
        if len(data) > MAX_STRING:
            self._close("Bad length received")
            return
        export = self.find_export(data.decode("utf-8", "replace"))
        if export is None:
            self._close("export not found")
            return
        flags = export.flags | (FLAG_SEND_DF if self.structured else 0)
        self._out += struct.pack(">QH", export.size, flags)
        if not self.no_zeroes:
            self._out += bytes(124)
        self._enter(export)

    def _enter(self, export: ExportInfo) -> None:
        self.export = export
        self.phase = Phase.TRANSMISSION

    @staticmethod
    def _name(data: bytes) -> tuple[str, bytes] | None:
        """A length-prefixed name at the start of an option's data, and the rest."""
        if len(data) < 4:
            return None
        (length,) = struct.unpack_from(">I", data)
        if length > MAX_STRING or len(data) < 4 + length:
            return None
        return data[4 : 4 + length].decode("utf-8", "replace"), data[4 + length :]

    def _invalid_length(self, option: int) -> None:
        name = OPT_NAMES.get(option, "<unknown>")
        self._error(option, REP_ERR_INVALID, f"option '{name}' has unexpected length")

    def _info(self, option: int, data: bytes) -> None:
        parsed = self._name(data)
        if parsed is None or len(parsed[1]) < 2:
            self._invalid_length(option)
            return
        name, rest = parsed
        (count,) = struct.unpack_from(">H", rest)
        if len(rest) != 2 + 2 * count:
            self._invalid_length(option)
            return
        requests = struct.unpack_from(f">{count}H", rest, 2)
        export = self.find_export(name)
        if export is None:
            self._error(option, REP_ERR_UNKNOWN, f"export '{name}' not present")
            return
        if INFO_NAME in requests:
            self._reply(option, REP_INFO, struct.pack(">H", INFO_NAME) + name.encode())
        if export.description:
            desc = export.description.encode()
            self._reply(option, REP_INFO, struct.pack(">H", INFO_DESCRIPTION) + desc)
        # Minimum 1 unless asked (request alignment is 1 here), preferred 4 KiB, max 32 MiB.
        sizes = struct.pack(">HIII", INFO_BLOCK_SIZE, 1, 4096, MAX_BUFFER)
        self._reply(option, REP_INFO, sizes)
        flags = export.flags | (FLAG_SEND_DF if self.structured else 0)
        self._reply(option, REP_INFO, struct.pack(">HQH", INFO_EXPORT, export.size, flags))
        self._reply(option, REP_ACK)
        if option == OPT_GO:
            self._enter(export)

    def _meta(self, option: int, data: bytes) -> None:
        name = OPT_NAMES[option]
        if option == OPT_SET_META_CONTEXT and not self.structured:
            self._error(
                option,
                REP_ERR_INVALID,
                f"request option '{name}' when structured reply is not negotiated",
            )
            return
        parsed = self._name(data)
        if parsed is None:
            self._invalid_length(option)
            return
        export_name, rest = parsed
        export = self.find_export(export_name)
        if export is None:
            self._error(option, REP_ERR_UNKNOWN, f"export '{export_name}' not present")
            return
        if len(rest) < 4:
            self._invalid_length(option)
            return
        (count,) = struct.unpack_from(">I", rest)
        rest = rest[4:]
        queries: list[str] = []
        for _ in range(count):
            query = self._name(rest)
            if query is None:
                self._invalid_length(option)
                return
            queries.append(query[0])
            rest = query[1]
        chosen = _contexts(export, queries, listing=option == OPT_LIST_META_CONTEXT)
        for context_id, context in chosen.items():
            self._reply(option, REP_META_CONTEXT, struct.pack(">I", context_id) + context.encode())
        self._reply(option, REP_ACK)
        if option == OPT_SET_META_CONTEXT:
            self.contexts = chosen

    # --------------------------------------------------------- transmission

    def _request(self) -> Request | None:
        if len(self._in) < _REQUEST.size:
            return None
        magic, flags, command, handle, offset, length = _REQUEST.unpack_from(self._in)
        if magic != REQUEST_MAGIC:
            self._close(f"invalid magic (got 0x{magic:x})")
            return None
        if command == CMD_WRITE:
            if length > MAX_BUFFER:
                self._close(f"len ({length}) is larger than max len ({MAX_BUFFER})")
                return None
            if len(self._in) < _REQUEST.size + length:
                return None
            data = bytes(self._in[_REQUEST.size : _REQUEST.size + length])
            del self._in[: _REQUEST.size + length]
        else:
            data = b""
            del self._in[: _REQUEST.size]
        if command == CMD_DISC:
            self._close("client disconnected")
            return None
        return self._checked(Request(handle, command, flags, offset, length, data))

    def _checked(self, req: Request) -> Request | None:
        """nbd_co_receive_request's checks; a failed one is answered here."""
        export = self.export
        assert export is not None
        name = CMD_NAMES.get(req.command, "<unknown>")
        if req.command == CMD_READ and req.length > MAX_BUFFER:
            self.reply_error(
                req, EINVAL, f"len ({req.length}) is larger than max len ({MAX_BUFFER})"
            )
            return None
        if req.command in (CMD_WRITE, CMD_TRIM, CMD_WRITE_ZEROES) and export.read_only:
            self.reply_error(req, EPERM, "Export is read-only")
            return None
        if req.command not in CMD_NAMES or req.command == CMD_DISC:
            self.reply_error(req, EINVAL, f"unsupported command {name}")
            return None
        if req.command != CMD_FLUSH and req.offset + req.length > export.size:
            self.reply_error(
                req,
                EINVAL,
                f"operation past EOF; From: {req.offset}, Len: {req.length}, Size: {export.size}",
            )
            return None
        allowed = CMD_FLAG_FUA
        if req.command == CMD_READ and self.structured:
            allowed |= CMD_FLAG_DF
        elif req.command == CMD_WRITE_ZEROES:
            allowed |= CMD_FLAG_NO_HOLE | CMD_FLAG_FAST_ZERO
        elif req.command == CMD_BLOCK_STATUS:
            allowed |= CMD_FLAG_REQ_ONE
        if req.flags & ~allowed:
            self.reply_error(
                req, EINVAL, f"unsupported flags for command {name} (got 0x{req.flags:x})"
            )
            return None
        if req.command == CMD_BLOCK_STATUS:
            if not self.structured or not self.contexts:
                self.reply_error(req, EINVAL, "CMD_BLOCK_STATUS not negotiated")
                return None
            return Request(req.handle, req.command, req.flags, req.offset, req.length,
                           contexts=tuple(self.contexts))  # fmt: skip
        return req

    def _simple(self, handle: int, error: int, data: bytes = b"") -> None:
        self._out += struct.pack(">IIQ", SIMPLE_REPLY_MAGIC, error, handle) + data

    def _chunk(self, handle: int, kind: int, payload: bytes, done: bool) -> None:
        flags = REPLY_FLAG_DONE if done else 0
        head = struct.pack(">IHHQI", STRUCTURED_REPLY_MAGIC, flags, kind, handle, len(payload))
        self._out += head + payload

    def reply_data(self, req: Request, data: bytes) -> None:
        """Answer a READ with its data (one OFFSET_DATA chunk when structured)."""
        if self.structured:
            self._chunk(
                req.handle, REPLY_TYPE_OFFSET_DATA, struct.pack(">Q", req.offset) + data, True
            )
        else:
            self._simple(req.handle, 0, data)

    def reply_done(self, req: Request) -> None:
        """Answer a request that carries no data back."""
        if self.structured:
            self._chunk(req.handle, REPLY_TYPE_NONE, b"", True)
        else:
            self._simple(req.handle, 0)

    def reply_block_status(self, req: Request, extents: dict[int, list[tuple[int, int]]]) -> None:
        """Answer a BLOCK_STATUS: (length, flags) extents per negotiated context id."""
        ids = list(extents)
        for n, context_id in enumerate(ids):
            payload = struct.pack(">I", context_id) + b"".join(
                struct.pack(">II", length, flags) for length, flags in extents[context_id]
            )
            self._chunk(req.handle, REPLY_TYPE_BLOCK_STATUS, payload, n == len(ids) - 1)

    def reply_error(self, req: Request, error: int, message: str) -> None:
        if self.structured:
            text = message.encode()
            self._chunk(
                req.handle, REPLY_TYPE_ERROR, struct.pack(">IH", error, len(text)) + text, True
            )
        else:
            self._simple(req.handle, error)


def _contexts(export: ExportInfo, queries: list[str], listing: bool) -> dict[int, str]:
    """The meta contexts a query list selects (nbd_negotiate_meta_query), by id."""
    base = depth = False
    bitmaps: set[str] = set()
    if listing and not queries:
        base, depth, bitmaps = True, export.allocation_depth, set(export.bitmaps)
    for query in queries:
        if query == META_BASE or (listing and query == "base:"):
            base = True
        elif query == META_DEPTH and export.allocation_depth:
            depth = True
        elif listing and query == "qemu:":
            depth = export.allocation_depth
            bitmaps |= set(export.bitmaps)
        elif listing and query == META_BITMAP:
            bitmaps |= set(export.bitmaps)
        elif query.startswith(META_BITMAP) and query[len(META_BITMAP) :] in export.bitmaps:
            bitmaps.add(query[len(META_BITMAP) :])
    out: dict[int, str] = {}
    if base:
        out[META_ID_BASE] = META_BASE
    if depth:
        out[META_ID_DEPTH] = META_DEPTH
    for i, name in enumerate(export.bitmaps):
        if name in bitmaps:
            out[META_ID_BITMAP + i] = META_BITMAP + name
    return out
