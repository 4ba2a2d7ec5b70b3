"""The NBD server protocol, sans IO (machine/block/nbd_proto.py): bytes in, bytes out.

Option and reply layouts are the NBD protocol's; texts and flags are QEMU
7.2's nbd/server.c (the export flags match what ``qemu-nbd --list``, which
negotiates structured replies (DF), showed of QEMU's own exports: 0x58f
read-only, 0xded writable).
"""

from __future__ import annotations

import struct

import pytest

from qmonitor.machine.block import nbd_proto as nbd

EXPORTS = {
    "ro": nbd.ExportInfo("ro", 1048576, read_only=True, description="zeros"),
    "rw": nbd.ExportInfo("rw", 4096, read_only=False, bitmaps=("b0",)),
}


def _server(tls: bool = False) -> nbd.ServerConnection:
    conn = nbd.ServerConnection(EXPORTS.get, lambda: list(EXPORTS.values()), tls_required=tls)
    greeting = conn.data_to_send()
    assert greeting == b"NBDMAGIC" + struct.pack(">QH", nbd.IHAVEOPT, 3)
    return conn


def _option(option: int, data: bytes = b"") -> bytes:
    return struct.pack(">QII", nbd.IHAVEOPT, option, len(data)) + data


def _replies(data: bytes) -> list[tuple[int, int, bytes]]:
    out = []
    while data:
        magic, option, kind, length = struct.unpack_from(">QIII", data)
        assert magic == nbd.REPLY_MAGIC
        out.append((option, kind, data[20 : 20 + length]))
        data = data[20 + length :]
    return out


def _name(text: str) -> bytes:
    raw = text.encode()
    return struct.pack(">I", len(raw)) + raw


def _negotiated(tls: bool = False, flags: int = 3) -> nbd.ServerConnection:
    conn = _server(tls)
    conn.receive_data(struct.pack(">I", flags))
    assert conn.phase is nbd.Phase.OPTIONS
    return conn


def _go(
    conn: nbd.ServerConnection, name: str, option: int = nbd.OPT_GO
) -> list[tuple[int, int, bytes]]:
    conn.receive_data(_option(option, _name(name) + struct.pack(">H", 0)))
    return _replies(conn.data_to_send())


def test_unknown_client_flags_close() -> None:
    conn = _server()
    conn.receive_data(struct.pack(">I", 0x10))
    assert conn.closed and conn.close_reason == "Unknown client flags 0x10 received"


def test_list_names_every_export_with_its_description() -> None:
    conn = _negotiated()
    conn.receive_data(_option(nbd.OPT_LIST))
    replies = _replies(conn.data_to_send())
    assert [(o, k) for o, k, _ in replies] == [(3, nbd.REP_SERVER)] * 2 + [(3, nbd.REP_ACK)]
    assert replies[0][2] == _name("ro") + b"zeros"
    assert replies[1][2] == _name("rw")


def test_list_with_data_is_invalid() -> None:
    conn = _negotiated()
    conn.receive_data(_option(nbd.OPT_LIST, b"x"))
    assert _replies(conn.data_to_send()) == [
        (3, nbd.REP_ERR_INVALID, b"option 'list' has unexpected length")
    ]


def test_go_unknown_export() -> None:
    conn = _negotiated()
    assert _go(conn, "nope") == [(7, nbd.REP_ERR_UNKNOWN, b"export 'nope' not present")]
    assert conn.phase is nbd.Phase.OPTIONS


def test_info_then_go_enter_transmission_only_on_go() -> None:
    conn = _negotiated()
    replies = _go(conn, "ro", nbd.OPT_INFO)
    kinds = [(k, d[:2]) for _, k, d in replies]
    assert kinds == [
        (nbd.REP_INFO, b"\x00\x02"),  # the description
        (nbd.REP_INFO, b"\x00\x03"),  # block sizes, always
        (nbd.REP_INFO, b"\x00\x00"),  # the export
        (nbd.REP_ACK, b""),
    ]
    assert struct.unpack(">HIII", replies[1][2]) == (3, 1, 4096, 32 * 1024 * 1024)
    assert struct.unpack(">HQH", replies[2][2]) == (0, 1048576, 0x50F)
    assert conn.phase is nbd.Phase.OPTIONS
    _go(conn, "ro")
    assert conn.phase is nbd.Phase.TRANSMISSION and conn.export == EXPORTS["ro"]


def test_structured_replies_add_df_and_only_once() -> None:
    conn = _negotiated()
    conn.receive_data(_option(nbd.OPT_STRUCTURED_REPLY))
    assert _replies(conn.data_to_send()) == [(8, nbd.REP_ACK, b"")]
    conn.receive_data(_option(nbd.OPT_STRUCTURED_REPLY))
    assert _replies(conn.data_to_send()) == [
        (8, nbd.REP_ERR_INVALID, b"structured reply already negotiated")
    ]
    export = _go(conn, "rw")[-2][2]
    assert struct.unpack(">HQH", export) == (0, 4096, 0xDED)


def test_meta_contexts() -> None:
    conn = _negotiated()
    query = _name("rw") + struct.pack(">I", 1) + _name("base:allocation")
    conn.receive_data(_option(nbd.OPT_SET_META_CONTEXT, query))
    assert _replies(conn.data_to_send()) == [
        (10, nbd.REP_ERR_INVALID,
         b"request option 'set meta context' when structured reply is not negotiated")
    ]  # fmt: skip
    conn.receive_data(_option(nbd.OPT_LIST_META_CONTEXT, _name("rw") + struct.pack(">I", 0)))
    listed = _replies(conn.data_to_send())
    assert [d for _, _, d in listed] == [
        struct.pack(">I", 0) + b"base:allocation",
        struct.pack(">I", 2) + b"qemu:dirty-bitmap:b0",
        b"",
    ]
    conn.receive_data(_option(nbd.OPT_STRUCTURED_REPLY))
    conn.receive_data(_option(nbd.OPT_SET_META_CONTEXT, query))
    replies = _replies(conn.data_to_send())[1:]
    assert replies == [
        (10, nbd.REP_META_CONTEXT, struct.pack(">I", 0) + b"base:allocation"),
        (10, nbd.REP_ACK, b""),
    ]
    assert conn.contexts == {0: "base:allocation"}


def test_unsupported_option_and_starttls_without_tls() -> None:
    conn = _negotiated()
    conn.receive_data(_option(42) + _option(nbd.OPT_STARTTLS))
    assert _replies(conn.data_to_send()) == [
        (42, nbd.REP_ERR_UNSUP, b"Unsupported option 42 (<unknown>)"),
        (5, nbd.REP_ERR_POLICY, b"TLS not configured"),
    ]


def test_tls_required_refuses_options() -> None:
    conn = _negotiated(tls=True)
    conn.receive_data(_option(nbd.OPT_LIST))
    assert _replies(conn.data_to_send()) == [
        (3, nbd.REP_ERR_TLS_REQD, b"Option 0x3 not permitted before TLS")
    ]
    conn.receive_data(_option(nbd.OPT_EXPORT_NAME, b"ro"))
    assert conn.closed and conn.close_reason == "Option 0x1 not permitted before TLS"
    # STARTTLS is acknowledged; no TLS session follows here, so the client is dropped.
    conn = _negotiated(tls=True)
    conn.receive_data(_option(nbd.OPT_STARTTLS))
    assert _replies(conn.data_to_send()) == [(5, nbd.REP_ACK, b"")]
    assert conn.closed and conn.close_reason == "TLS handshake failed"


def test_export_name_with_and_without_zeroes() -> None:
    for flags, tail in ((3, b""), (1, bytes(124))):
        conn = _negotiated(flags=flags)
        conn.receive_data(_option(nbd.OPT_EXPORT_NAME, b"ro"))
        assert conn.data_to_send() == struct.pack(">QH", 1048576, 0x50F) + tail
        assert conn.phase is nbd.Phase.TRANSMISSION
    conn = _negotiated()
    conn.receive_data(_option(nbd.OPT_EXPORT_NAME, b"nope"))
    assert conn.closed and conn.close_reason == "export not found"


def test_abort_acks_and_closes() -> None:
    conn = _negotiated()
    conn.receive_data(_option(nbd.OPT_ABORT))
    assert _replies(conn.data_to_send()) == [(2, nbd.REP_ACK, b"")]
    assert conn.closed


def _request(cmd: int, offset: int, length: int, handle: int = 7, flags: int = 0) -> bytes:
    return struct.pack(">IHHQQI", nbd.REQUEST_MAGIC, flags, cmd, handle, offset, length)


def _simple(data: bytes) -> tuple[int, int]:
    magic, error, handle = struct.unpack_from(">IIQ", data)
    assert magic == nbd.SIMPLE_REPLY_MAGIC
    return error, handle


def _transmitting(name: str, structured: bool = False) -> nbd.ServerConnection:
    conn = _negotiated()
    if structured:
        conn.receive_data(_option(nbd.OPT_STRUCTURED_REPLY))
    _go(conn, name)
    conn.data_to_send()
    return conn


def test_requests_are_checked_then_handed_over() -> None:
    conn = _transmitting("ro")
    (req,) = conn.receive_data(_request(nbd.CMD_READ, 512, 1024))
    assert (req.command, req.offset, req.length, req.handle) == (0, 512, 1024, 7)
    conn.reply_data(req, b"x" * 1024)
    assert _simple(conn.data_to_send()) == (0, 7)
    assert conn.receive_data(_request(nbd.CMD_WRITE, 0, 4) + b"abcd") == []
    assert _simple(conn.data_to_send()) == (nbd.EPERM, 7)
    assert conn.receive_data(_request(nbd.CMD_READ, 1048576, 1)) == []
    assert _simple(conn.data_to_send()) == (nbd.EINVAL, 7)
    assert conn.receive_data(_request(nbd.CMD_READ, 0, 1, flags=nbd.CMD_FLAG_DF)) == []
    assert _simple(conn.data_to_send()) == (nbd.EINVAL, 7)
    conn.receive_data(_request(nbd.CMD_DISC, 0, 0))
    assert conn.closed


def test_structured_read_and_error_chunks() -> None:
    conn = _transmitting("rw", structured=True)
    (req,) = conn.receive_data(_request(nbd.CMD_READ, 0, 4, flags=nbd.CMD_FLAG_DF))
    conn.reply_data(req, b"data")
    out = conn.data_to_send()
    magic, flags, kind, handle, length = struct.unpack_from(">IHHQI", out)
    assert (magic, flags, kind, handle, length) == (nbd.STRUCTURED_REPLY_MAGIC, 1, 1, 7, 12)
    assert out[20:] == struct.pack(">Q", 0) + b"data"
    conn.receive_data(_request(nbd.CMD_READ, 4000, 200))
    out = conn.data_to_send()
    assert struct.unpack_from(">HH", out, 4) == (1, nbd.REPLY_TYPE_ERROR)
    error, size = struct.unpack_from(">IH", out, 20)
    assert error == nbd.EINVAL
    assert out[26 : 26 + size] == b"operation past EOF; From: 4000, Len: 200, Size: 4096"


def test_write_waits_for_its_data_byte_by_byte() -> None:
    conn = _transmitting("rw")
    stream = _request(nbd.CMD_WRITE, 8, 3) + b"abc"
    got = []
    for byte in stream:
        got += conn.receive_data(bytes([byte]))
    assert [(r.command, r.offset, r.data) for r in got] == [(1, 8, b"abc")]


def test_bad_request_magic_closes() -> None:
    conn = _transmitting("rw")
    conn.receive_data(b"\0" * 28)
    assert conn.closed and conn.close_reason.startswith("invalid magic")


@pytest.mark.parametrize("chunk", [1, 5, 1000])
def test_handshake_in_any_pieces(chunk: int) -> None:
    conn = _server()
    stream = (
        struct.pack(">I", 3)
        + _option(nbd.OPT_STRUCTURED_REPLY)
        + _option(nbd.OPT_GO, _name("ro") + struct.pack(">H", 0))
    )
    for i in range(0, len(stream), chunk):
        conn.receive_data(stream[i : i + chunk])
    assert conn.phase is nbd.Phase.TRANSMISSION and conn.structured
