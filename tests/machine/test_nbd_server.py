"""The NBD server on a block graph, with QEMU's own NBD clients (qemu-img, qemu-nbd, qemu-io).

The server runs on this test's event loop; the clients run as
subprocesses against a unix socket in a temporary directory.  Skipped
where qemu-utils is not installed.  The export commands' checks and texts
are replayed against QEMU's recordings in tests/golden (theme ``nodes``).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import socket
import struct
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from qmonitor.machine.block import nbd_proto as nbd
from qmonitor.machine.block.commands import blockdev_add
from qmonitor.machine.block.exports import BlockExports
from qmonitor.machine.block.graph import BlockGraph
from qmonitor.qapi.error import QapiError

needs_qemu_utils = pytest.mark.skipif(
    shutil.which("qemu-img") is None or shutil.which("qemu-nbd") is None,
    reason="qemu-utils (qemu-img, qemu-nbd) not installed",
)


def _setup(tmp: Path) -> tuple[BlockGraph, BlockExports, list[tuple[str, dict[str, Any]]]]:
    graph = BlockGraph(random.Random(1))
    events: list[tuple[str, dict[str, Any]]] = []
    exports = BlockExports(graph, lambda name, data: events.append((name, data)))
    data = tmp / "data.raw"
    data.write_bytes(bytes(range(256)) * 4096)
    file = {"driver": "file", "filename": str(data)}
    blockdev_add(graph, {"driver": "raw", "node-name": "r0", "file": file})
    blockdev_add(graph, {"driver": "null-co", "node-name": "n0", "size": 1 << 20})
    return graph, exports, events


def _run(tmp: Path, body: Callable[..., Awaitable[None]]) -> None:
    async def main() -> None:
        graph, exports, events = _setup(tmp)
        sock = str(tmp / "nbd.sock")
        exports.server_start({"type": "unix", "data": {"path": sock}})
        try:
            await body(graph, exports, events, sock)
        finally:
            if exports.server is not None:
                exports.server_stop()

    asyncio.run(main())


async def _tool(*argv: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, out.decode()
    return out.decode()


@needs_qemu_utils
def test_qemu_nbd_lists_the_exports(tmp_path: Path) -> None:
    async def body(graph: BlockGraph, exports: BlockExports, events: Any, sock: str) -> None:
        exports.add({"type": "nbd", "id": "e0", "node-name": "r0", "writable": True})
        exports.add({"type": "nbd", "id": "e1", "node-name": "n0", "description": "zeros"})
        out = await _tool("qemu-nbd", "--list", "-k", sock)
        assert "exports available: 2" in out
        assert out.index("export: 'r0'") < out.index("export: 'n0'")
        assert "flags: 0xded ( flush fua trim zeroes df multi cache fast-zero )" in out
        assert "flags: 0x58f ( readonly flush fua df multi cache )" in out
        assert "description: zeros" in out and "base:allocation" in out

    _run(tmp_path, body)


@needs_qemu_utils
def test_qemu_img_reads_and_qemu_io_writes_the_node(tmp_path: Path) -> None:
    async def body(graph: BlockGraph, exports: BlockExports, events: Any, sock: str) -> None:
        exports.add({"type": "nbd", "id": "e0", "node-name": "r0", "writable": True})
        url = f"nbd+unix:///r0?socket={sock}"
        info = json.loads(await _tool("qemu-img", "info", "--output=json", url))
        assert info["virtual-size"] == 1 << 20 and info["format"] == "raw"
        copy = tmp_path / "copy.raw"
        await _tool("qemu-img", "convert", "-O", "raw", url, str(copy))
        assert copy.read_bytes() == (tmp_path / "data.raw").read_bytes()
        await _tool("qemu-io", "-f", "raw", "-c", "write -P 0x55 4096 512", url)
        with open(tmp_path / "data.raw", "rb") as f:
            f.seek(4096)
            assert f.read(512) == b"\x55" * 512
        mapped = json.loads(await _tool("qemu-img", "map", "--output=json", url))
        assert mapped[0]["data"] is True and mapped[0]["length"] == 1 << 20

    _run(tmp_path, body)


def _client(sock: str) -> socket.socket:
    conn = socket.socket(socket.AF_UNIX)
    conn.settimeout(10)
    conn.connect(sock)
    return conn


async def _negotiate(sock: str, name: str) -> socket.socket:
    """Connect and go into transmission on an export (in a thread: the server needs the loop)."""

    def go() -> socket.socket:
        conn = _client(sock)
        assert conn.recv(18, socket.MSG_WAITALL)[:8] == b"NBDMAGIC"
        raw = name.encode()
        data = struct.pack(">I", len(raw)) + raw + struct.pack(">H", 0)
        conn.sendall(
            struct.pack(">I", 3) + struct.pack(">QII", nbd.IHAVEOPT, nbd.OPT_GO, len(data)) + data
        )
        while True:
            head = conn.recv(20, socket.MSG_WAITALL)
            _, _, kind, length = struct.unpack(">QIII", head)
            if length:
                conn.recv(length, socket.MSG_WAITALL)
            if kind == nbd.REP_ACK:
                return conn
            assert kind == nbd.REP_INFO

    return await asyncio.to_thread(go)


def test_export_del_refuses_while_a_client_is_connected(tmp_path: Path) -> None:
    async def body(graph: BlockGraph, exports: BlockExports, events: Any, sock: str) -> None:
        exports.add({"type": "nbd", "id": "e0", "node-name": "n0"})
        conn = await _negotiate(sock, "n0")
        for _ in range(100):
            if exports.find("e0") is not None and exports.find("e0").clients:  # type: ignore[union-attr]
                break
            await asyncio.sleep(0.01)
        with pytest.raises(QapiError, match=r"^export 'e0' still in use$"):
            exports.delete("e0")
        exports.delete("e0", "hard")
        assert events == [("BLOCK_EXPORT_DELETED", {"id": "e0"})]
        gone = await asyncio.to_thread(conn.recv, 1)
        assert gone == b""
        conn.close()
        assert graph.nodes["n0"].backends == 0

    _run(tmp_path, body)


def test_server_stop_deletes_exports_oldest_first_and_frees_nodes(tmp_path: Path) -> None:
    async def body(graph: BlockGraph, exports: BlockExports, events: Any, sock: str) -> None:
        exports.add({"type": "nbd", "id": "e0", "node-name": "n0"})
        exports.add({"type": "nbd", "id": "e1", "node-name": "r0", "name": "x"})
        with pytest.raises(QapiError, match=r"^Node n0 is in use$"):
            graph.delete("n0")
        assert [e["id"] for e in exports.query()] == ["e1", "e0"]
        exports.server_stop()
        assert [d["id"] for _, d in events] == ["e0", "e1"]
        assert not os.path.exists(sock)
        graph.delete("n0")

    _run(tmp_path, body)


def test_max_connections_holds_back_further_clients(tmp_path: Path) -> None:
    async def main() -> None:
        _, exports, _ = _setup(tmp_path)
        sock = str(tmp_path / "one.sock")
        exports.server_start({"type": "unix", "data": {"path": sock}}, max_connections=1)
        exports.add({"type": "nbd", "id": "e0", "node-name": "n0"})
        first = await _negotiate(sock, "n0")
        second = _client(sock)
        second.setblocking(False)
        await asyncio.sleep(0.2)
        with pytest.raises(BlockingIOError):
            second.recv(18)  # not accepted: no greeting yet
        first.close()
        second.setblocking(True)
        greeting = await asyncio.to_thread(second.recv, 18, socket.MSG_WAITALL)
        assert greeting[:8] == b"NBDMAGIC"
        second.close()
        exports.server_stop()

    asyncio.run(main())


def test_server_start_errors(tmp_path: Path) -> None:
    async def main() -> None:
        _, exports, _ = _setup(tmp_path)
        with pytest.raises(
            QapiError, match=r"^Failed to bind socket to /nonexistent/x\.sock: No such"
        ):
            exports.server_start({"type": "unix", "data": {"path": "/nonexistent/x.sock"}})
        assert exports.server is None
        sock = str(tmp_path / "s.sock")
        with pytest.raises(QapiError, match=r"^No TLS credentials with id 'tls0'$"):
            exports.server_start({"type": "unix", "data": {"path": sock}}, tls_creds="tls0")
        assert exports.server is None and not os.path.exists(sock)

    asyncio.run(main())


def test_writes_past_a_write_threshold_raise_the_event_once(tmp_path: Path) -> None:
    from qmonitor.machine.block.nbd_io import write_data

    graph, _, _ = _setup(tmp_path)
    events: list[tuple[str, dict[str, Any]]] = []
    r0 = graph.nodes["r0"]
    file = r0.children["file"]
    r0.write_threshold, file.write_threshold = 1000, 5000

    def emit(name: str, data: dict[str, Any]) -> None:
        events.append((name, data))

    # As QEMU answered a 4 KiB write at 512 through NBD: the raw node's threshold only.
    write_data(r0, 512, b"\x55" * 4096, emit)
    assert events == [
        ("BLOCK_WRITE_THRESHOLD",
         {"node-name": "r0", "amount-exceeded": 3608, "write-threshold": 1000})
    ]  # fmt: skip
    assert (r0.write_threshold, file.write_threshold) == (0, 5000)
    write_data(r0, 8192, b"\0", emit)
    assert events[1][1] == {
        "node-name": file.name,
        "amount-exceeded": 3193,
        "write-threshold": 5000,
    }
    assert len(events) == 2


@pytest.mark.parametrize(
    ("uri", "addr"),
    [
        ("unix:/tmp/x.sock", {"type": "unix", "data": {"path": "/tmp/x.sock"}}),
        ("127.0.0.1:10809", {"type": "inet", "data": {"host": "127.0.0.1", "port": "10809"}}),
        (":10809", {"type": "inet", "data": {"host": "", "port": "10809"}}),
        ("[::1]:99", {"type": "inet", "data": {"host": "::1", "port": "99", "ipv6": True}}),
        ("fd:nbd0", {"type": "fd", "data": {"str": "nbd0"}}),
        ("vsock:3:10809", {"type": "vsock", "data": {"cid": "3", "port": "10809"}}),
    ],
)
def test_hmp_uris_as_socket_parse_reads_them(uri: str, addr: dict[str, Any]) -> None:
    from qmonitor.machine.block.hmp_nbd import parse_uri

    assert parse_uri(uri) == addr


def test_hmp_uri_without_port() -> None:
    from qmonitor.machine.block.hmp_nbd import parse_uri

    with pytest.raises(QapiError, match=r"^error parsing address 'nonsense'$"):
        parse_uri("nonsense")


def test_a_dirty_bitmap_context_gives_the_bitmaps_runs() -> None:
    from qmonitor.machine.block import bitmaps
    from qmonitor.machine.block.exports import Export
    from qmonitor.machine.block.nbd_io import bitmap_extents

    graph = BlockGraph(random.Random(1))
    blockdev_add(graph, {"driver": "null-co", "node-name": "n0", "size": 1 << 20})
    node = graph.nodes["n0"]
    bitmaps.add(graph, "n0", "b", 4096)
    bitmaps.mark(node, 8192, 1)
    export = Export("e", "nbd", node, bitmaps=[(node, "b")])
    bitmap_context = nbd.META_ID_BITMAP
    assert bitmap_extents(export, bitmap_context, 1000, 20000) == [
        (7192, 0),
        (4096, 1),
        (8712, 0),
    ]
    assert bitmap_extents(export, nbd.META_ID_BASE, 0, 512) == []
