"""The NBD server's IO edge: the listening socket, its clients, and their requests on node data.

Runs on the machine's main loop (asyncio), as QEMU's NBD server runs in
its main loop: one task accepts clients (pausing while max-connections
are connected, as QEMU stops watching its listener), one task per client
feeds a :class:`~.nbd_proto.ServerConnection` and carries out the
requests it hands back.  Data comes from the exported node: a raw or file
node reads and writes its host file, null-co and null-aio read zeroes
and drop writes, a qcow2 overlay reads its backing node (the null
machine never allocates its clusters) or zeroes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qmonitor.chardev.base import ChardevError
from qmonitor.chardev.socket import _inet_listen, _unix_listen
from qmonitor.machine.block import bitmaps as bm
from qmonitor.machine.block import nbd_proto as nbd
from qmonitor.machine.block.drivers import DRIVERS, read_node
from qmonitor.machine.block.graph import BlockNode
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    from qmonitor.machine.block.exports import BlockExports, Export

log = logging.getLogger(__name__)

#: Emits an event (name, data) to the monitors.
Emit = Callable[[str, dict[str, Any]], None]

#: QEMU listens with a backlog of SOMAXCONN.
BACKLOG = socket.SOMAXCONN
#: How much of a client's stream is read at once.
READ_SIZE = 1 << 20
CREATE_SOCKET = "Failed to create socket family {}: {}"
#: AF_VSOCK where the socket module does not name it.
VSOCK_FAMILY = 40


def _umask() -> int:
    """The process's umask, read without changing it."""
    with contextlib.suppress(OSError), open("/proc/self/status") as f:
        for line in f:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    return 0o022


def listen(addr: dict[str, Any]) -> socket.socket:
    """A listening socket for a SocketAddressLegacy, with QEMU's errors."""
    kind, data = addr["type"], addr["data"]
    try:
        if kind == "unix":
            return _unix_listen(data["path"], 0o777 & ~_umask(), BACKLOG)
        if kind == "inet":
            family = socket.AF_UNSPEC
            if data.get("ipv4") and not data.get("ipv6"):
                family = socket.AF_INET
            elif data.get("ipv6") and not data.get("ipv4"):
                family = socket.AF_INET6
            return _inet_listen(data["host"], data["port"], family, BACKLOG)
    except ChardevError as err:
        raise QapiError(str(err)) from None
    if kind == "vsock":
        vsock = int(getattr(socket, "AF_VSOCK", VSOCK_FAMILY))
        try:
            sock = socket.socket(vsock, socket.SOCK_STREAM)
        except OSError as err:
            raise QapiError(CREATE_SOCKET.format(vsock, err.strerror)) from None
        try:
            sock.bind((int(data["cid"]), int(data["port"])))
            sock.listen(BACKLOG)
        except (OSError, ValueError) as err:
            sock.close()
            raise QapiError(f"Failed to bind socket: {getattr(err, 'strerror', err)}") from None
        return sock
    raise QapiError(f"File descriptor '{data['str']}' is not a socket")


def read_data(node: BlockNode, offset: int, length: int) -> bytes:
    """What a read of the node returns (zero-filled past what the image holds)."""
    if node.driver == "qcow2":
        backing = node.children.get("backing")
        if backing is None:
            return bytes(length)
        data = read_data(backing, offset, min(length, max(backing.size - offset, 0)))
    else:
        data = read_node(node, offset, length)
    return data + bytes(length - len(data))


def write_data(node: BlockNode, offset: int, data: bytes, emit: Emit | None = None) -> None:
    """A write to the node: into the host file under a raw/file node; dropped by null nodes.

    Each node the write passes through checks its write threshold first.
    """
    check_write_threshold(node, offset, len(data), emit)
    bm.mark(node, offset, len(data))
    if node.driver == "file":
        fd = os.open(node.options["filename"], os.O_WRONLY | os.O_CLOEXEC)
        try:
            os.pwrite(fd, data, offset)
        finally:
            os.close(fd)
    elif node.driver == "raw":
        start = int(node.options.get("offset", 0))
        write_data(node.children["file"], start + offset, data, emit)
    elif node.driver == "blkdebug":
        write_data(node.children["image"], offset, data, emit)
    elif node.driver == "qcow2":
        raise OSError(5, "writes to qcow2 clusters are not supported")


def check_write_threshold(node: BlockNode, offset: int, length: int, emit: Emit | None) -> None:
    """bdrv_write_threshold_check_write: a write ending past the threshold raises
    BLOCK_WRITE_THRESHOLD once, and the threshold is cleared."""
    end, threshold = offset + length, node.write_threshold
    if threshold > 0 and end > threshold:
        node.write_threshold = 0
        if emit is not None:
            data = {"node-name": node.name, "amount-exceeded": end - threshold,
                    "write-threshold": threshold}  # fmt: skip
            emit("BLOCK_WRITE_THRESHOLD", data)


def block_status(node: BlockNode, length: int) -> int:
    """base:allocation flags (1 hole, 2 zero) of a range, down the backing chain.

    Null nodes read as zeroes only with read-zeroes; a qcow2 overlay has no
    cluster allocated, so its backing node answers (zeroes without one);
    files hold data.
    """
    if node.driver in ("null-co", "null-aio"):
        return 3 if node.options.get("read-zeroes") else 0
    if node.driver == "qcow2":
        backing = node.children.get("backing")
        return 3 if backing is None else block_status(backing, length)
    return 0


def allocation_depth(node: BlockNode) -> int:
    """qemu:allocation-depth of a range: 1 where the node holds the data, n+1 where
    its backing node's depth is n, 0 where nothing in the chain does.

    Only a qcow2 overlay leaves ranges unallocated (its clusters are never
    allocated here); filters pass the question to their child.
    """
    if DRIVERS[node.driver].filter:
        return allocation_depth(next(iter(node.children.values())))
    if node.driver != "qcow2":
        return 1
    backing = node.children.get("backing")
    below = allocation_depth(backing) if backing is not None else 0
    return below + 1 if below else 0


def context_flags(node: BlockNode, context_id: int, length: int) -> int:
    """The value of one meta context over a range (dirty bitmaps: :func:`bitmap_extents`)."""
    if context_id == nbd.META_ID_BASE:
        return block_status(node, length)
    if context_id == nbd.META_ID_DEPTH:
        return allocation_depth(node)
    return 0


def bitmap_extents(
    export: Export, context_id: int, offset: int, length: int
) -> list[tuple[int, int]]:
    """A qemu:dirty-bitmap context's extents (1: dirty) over a range; [] for other contexts."""
    index = context_id - nbd.META_ID_BITMAP
    if index < 0 or index >= len(export.bitmaps):
        return []
    owner, name = export.bitmaps[index]
    bitmap = bm.find(owner, name)
    if bitmap is None:
        return []
    out: list[tuple[int, int]] = []
    pos, end = offset, offset + length
    for start, count in bitmap.bits.dirty_areas():
        start, stop = max(start, pos), min(start + count, end)
        if stop <= start:
            continue
        if start > pos:
            out.append((start - pos, 0))
        out.append((stop - start, 1))
        pos = stop
    if pos < end:
        out.append((end - pos, 0))
    return out


@dataclass(eq=False)
class Client:
    """One connection to the server."""

    conn: nbd.ServerConnection
    sock: socket.socket
    task: asyncio.Task[None] | None = None
    export: Export | None = None


@dataclass(eq=False)
class NbdServer:
    """The running NBD server."""

    exports: BlockExports
    max_connections: int = 0
    tls_creds: str | None = None
    tls_authz: str | None = None
    listener: socket.socket | None = None
    clients: list[Client] = field(default_factory=list)
    _accepting: asyncio.Task[None] | None = None
    _room: asyncio.Event = field(default_factory=asyncio.Event)

    def listen(self, addr: dict[str, Any]) -> None:
        self.listener = listen(addr)
        self.listener.setblocking(False)

    def start(self) -> None:
        self._room.set()
        self._accepting = asyncio.get_running_loop().create_task(self._accept())

    def close(self) -> None:
        """Stop listening and drop every client."""
        if self._accepting is not None:
            self._accepting.cancel()
        for client in list(self.clients):
            self._drop(client)
        if self.listener is not None:
            listener, self.listener = self.listener, None
            path = None
            if listener.family == socket.AF_UNIX:
                with contextlib.suppress(OSError):
                    path = listener.getsockname()
            listener.close()
            if isinstance(path, str) and path:
                with contextlib.suppress(OSError):
                    os.unlink(path)

    def disconnect(self, export: Export) -> None:
        """Drop the clients of an export that goes away."""
        for client in list(self.clients):
            if client.export is export:
                self._drop(client)

    def _drop(self, client: Client) -> None:
        if client in self.clients:
            self.clients.remove(client)
            if client.export is not None:
                client.export.clients -= 1
            if client.task is not None and client.task is not asyncio.current_task():
                client.task.cancel()
            client.sock.close()
        if self.max_connections <= 0 or len(self.clients) < self.max_connections:
            self._room.set()

    def _info(self, name: str) -> nbd.ExportInfo | None:
        export = self.exports.nbd_export(name)
        return export.info(self.max_connections == 1) if export is not None else None

    def _list(self) -> list[nbd.ExportInfo]:
        return [e.info(self.max_connections == 1) for e in self.exports.nbd_exports()]

    async def _accept(self) -> None:
        loop = asyncio.get_running_loop()
        assert self.listener is not None
        while True:
            await self._room.wait()
            sock, _ = await loop.sock_accept(self.listener)
            sock.setblocking(False)
            conn = nbd.ServerConnection(
                self._info, self._list, tls_required=self.tls_creds is not None
            )
            client = Client(conn, sock)
            self.clients.append(client)
            if 0 < self.max_connections <= len(self.clients):
                self._room.clear()
            client.task = loop.create_task(self._serve(client))

    async def _serve(self, client: Client) -> None:
        loop = asyncio.get_running_loop()
        conn = client.conn
        try:
            await loop.sock_sendall(client.sock, conn.data_to_send())
            while not conn.closed:
                data = await loop.sock_recv(client.sock, READ_SIZE)
                requests = conn.receive_data(data)
                if client.export is None and conn.export is not None:
                    client.export = self.exports.nbd_export(conn.export.name)
                    if client.export is not None:
                        client.export.clients += 1
                for request in requests:
                    self._carry_out(client, request)
                out = conn.data_to_send()
                if out:
                    await loop.sock_sendall(client.sock, out)
        except (OSError, ConnectionError) as err:
            log.debug("NBD client dropped: %s", err)
        finally:
            if conn.close_reason:
                log.debug("NBD client closed: %s", conn.close_reason)
            self._drop(client)

    def _carry_out(self, client: Client, req: nbd.Request) -> None:
        """One request on the export's node; an IO error is answered as EIO."""
        conn, export = client.conn, client.export
        if export is None:
            conn.reply_error(req, nbd.ESHUTDOWN, "export is gone")
            return
        node = export.node
        try:
            if req.command == nbd.CMD_READ:
                conn.reply_data(req, read_data(node, req.offset, req.length))
            elif req.command == nbd.CMD_WRITE:
                write_data(node, req.offset, req.data, self.exports.emit)
                conn.reply_done(req)
            elif req.command == nbd.CMD_WRITE_ZEROES:
                write_data(node, req.offset, bytes(req.length), self.exports.emit)
                conn.reply_done(req)
            elif req.command == nbd.CMD_BLOCK_STATUS:
                extents = {
                    cid: bitmap_extents(export, cid, req.offset, req.length)
                    or [(req.length, context_flags(node, cid, req.length))]
                    for cid in req.contexts
                }
                conn.reply_block_status(req, extents)
            else:
                # FLUSH, TRIM and CACHE have nothing to do on these nodes.
                conn.reply_done(req)
        except OSError as err:
            conn.reply_error(req, nbd.EIO, err.strerror or str(err))
