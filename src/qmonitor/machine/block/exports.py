"""Block exports and the NBD server (QEMU 7.2's block/export/export.c, blockdev-nbd.c).

:class:`BlockExports` holds the exports (newest first, as
``query-block-exports`` lists them) and the NBD server; the commands
``nbd-server-start/-add/-remove/-stop``, ``block-export-add/-del`` act on
it with QEMU's checks and texts, and BLOCK_EXPORT_DELETED tells when an
export is gone.  An export holds its node through a BlockBackend (so the
node cannot be deleted or moved) and its bitmaps busy.

The NBD protocol itself is :mod:`.nbd_proto` (sans IO); :mod:`.nbd_io`
is the asyncio edge that accepts clients and carries out their requests
on the node's data.  Only NBD exports are served: the export types this
build has no driver for (vhost-user-blk, fuse, vduse-blk) are refused as
a QEMU built without them refuses them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qmonitor.machine.block import bitmaps as bm
from qmonitor.machine.block.drivers import DRIVERS as DRIVER_INFO
from qmonitor.machine.block.graph import BlockGraph, BlockNode, id_wellformed, next_order
from qmonitor.machine.block.locking import ALL, CONSISTENT_READ, WRITE, User
from qmonitor.machine.block.nbd_proto import MAX_STRING, ExportInfo
from qmonitor.machine.block.perms import UNNAMED, check_perms
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    from qmonitor.machine.block.nbd_io import NbdServer

# Texts of block/export/export.c, blockdev-nbd.c and nbd/server.c.
INVALID_ID = "Invalid block export id"
ID_IN_USE = "Block export id '{}' is already in use"
NO_DRIVER = "No driver found for the requested export type"
NO_DEVICE_NOR_NODE = "Cannot find device='{}' nor node-name='{}'"
READ_ONLY_WRITABLE = "Cannot export read-only node as writable"
NO_IOTHREAD = 'iothread "{}" not found'
NOT_RUNNING = "NBD server not running"
ALREADY_RUNNING = "NBD server already running"
NAME_TOO_LONG = "export name '{}' too long"
DESCRIPTION_TOO_LONG = "description '{}' too long"
NAME_IN_USE = "NBD server already has export named '{}'"
BITMAP_NOT_FOUND = "Bitmap '{}' is not found"
ENABLED_BITMAP_RO = "Enabled bitmap '{}' incompatible with readonly export"
NOT_FOUND = "Export '{}' is not found"
SHUTTING_DOWN = "Export '{}' is already shutting down"
STILL_IN_USE = "export '{}' still in use"
NOT_NBD = "Block export '{}' is not an NBD export"
NO_TLS_CREDS = "No TLS credentials with id '{}'"
NOT_TLS_CREDS = "Object with id '{}' is not TLS credentials"
TLS_ENDPOINT = "Expected TLS credentials for a server endpoint"

#: The export drivers this machine has.
DRIVERS = ("nbd",)
#: NBD_DEFAULT_MAX_CONNECTIONS: no limit.
DEFAULT_MAX_CONNECTIONS = 0


@dataclass(eq=False)
class Export:
    """One block export."""

    id: str
    type: str
    node: BlockNode
    writable: bool = False
    #: NBD: the name clients ask for, its description, the bitmaps it offers.
    name: str = ""
    description: str = ""
    bitmaps: list[tuple[BlockNode, str]] = field(default_factory=list)
    allocation_depth: bool = False
    #: Whether the user still owns it (false once block-export-del asked it to go).
    user_owned: bool = True
    #: Clients connected to it.
    clients: int = 0
    #: When its BlockBackend took the node (:func:`.graph.next_order`).
    order: int = field(default_factory=next_order)

    def user(self) -> User:
        """Its BlockBackend as a user of the node: it reads (and writes), and shares all."""
        perm = CONSISTENT_READ | WRITE if self.writable else CONSISTENT_READ
        return User(self.node, perm, ALL, UNNAMED, self.order)

    def info(self, single_connection: bool) -> ExportInfo:
        """What an NBD client learns of it (its length rounded down to sectors)."""
        return ExportInfo(
            self.name,
            self.node.size & ~511,
            read_only=not self.writable,
            description=self.description,
            bitmaps=tuple(name for _, name in self.bitmaps),
            allocation_depth=self.allocation_depth,
            single_connection=single_connection,
        )


def _filtered_or_cow(node: BlockNode) -> BlockNode | None:
    """bdrv_filter_or_cow_bs: a filter's child or an image's backing node (not a file)."""
    if DRIVER_INFO[node.driver].filter:
        return next(iter(node.children.values()), None)
    return node.children.get("backing")


@dataclass
class BlockExports:
    """The machine's block exports and its NBD server."""

    graph: BlockGraph
    #: Emits an event (name, data) to the monitors.
    emit: Callable[[str, dict[str, Any]], None]
    #: The QOM type of the user object with this id, or None.
    object_type: Callable[[str], str | None] = lambda _id: None
    #: Its properties (the TLS credentials' endpoint).
    object_prop: Callable[[str, str], Any] = lambda _id, _prop: None
    exports: list[Export] = field(default_factory=list)
    server: NbdServer | None = None

    def users(self) -> list[User]:
        """The exports' BlockBackends as users of their nodes."""
        return [export.user() for export in self.exports]

    # --------------------------------------------------------------- lookups

    def find(self, id: str) -> Export | None:
        return next((e for e in self.exports if e.id == id), None)

    def nbd_export(self, name: str) -> Export | None:
        """nbd_export_find: an NBD export by the name clients use."""
        return next((e for e in self.exports if e.type == "nbd" and e.name == name), None)

    def nbd_exports(self) -> list[Export]:
        """The NBD exports in the order they were made (as NBD_OPT_LIST lists them)."""
        return [e for e in reversed(self.exports) if e.type == "nbd"]

    def query(self) -> list[dict[str, Any]]:
        """``query-block-exports``."""
        return [
            {
                "id": e.id,
                "type": e.type,
                "node-name": e.node.name,
                "shutting-down": not e.user_owned,
            }
            for e in self.exports
        ]

    # ----------------------------------------------------------- the server

    def server_start(
        self,
        addr: dict[str, Any],
        tls_creds: str | None = None,
        tls_authz: str | None = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        """nbd_server_start: listen first, then check the TLS credentials."""
        from qmonitor.machine.block.nbd_io import NbdServer

        if self.server is not None:
            raise QapiError(ALREADY_RUNNING)
        server = NbdServer(self, max_connections)
        server.listen(addr)
        try:
            if tls_creds is not None:
                self._check_tls_creds(tls_creds)
                server.tls_creds = tls_creds
        except QapiError:
            server.close()
            raise
        server.tls_authz = tls_authz
        server.start()
        self.server = server

    def _check_tls_creds(self, ident: str) -> None:
        kind = self.object_type(ident)
        if kind is None:
            raise QapiError(NO_TLS_CREDS.format(ident))
        if not kind.startswith("tls-creds"):
            raise QapiError(NOT_TLS_CREDS.format(ident))
        # TLS credentials are for a client unless made with endpoint=server.
        if self.object_prop(ident, "endpoint") != "server":
            raise QapiError(TLS_ENDPOINT)

    def server_stop(self) -> None:
        """``nbd-server-stop``: every NBD export goes (oldest first), then the server."""
        if self.server is None:
            raise QapiError(NOT_RUNNING)
        for export in [e for e in reversed(self.exports) if e.type == "nbd"]:
            self._delete(export)
        server, self.server = self.server, None
        server.close()

    # -------------------------------------------------------------- exports

    def add(self, options: dict[str, Any]) -> Export:
        """``block-export-add`` (blk_exp_add, then the NBD driver's checks)."""
        ident = options["id"]
        kind = options["type"]
        if not id_wellformed(ident):
            raise QapiError(INVALID_ID)
        if self.find(ident) is not None:
            raise QapiError(ID_IN_USE.format(ident))
        if kind not in DRIVERS:
            raise QapiError(NO_DRIVER)
        node = self.graph.nodes.get(options["node-name"])
        if node is None:
            raise QapiError(NO_DEVICE_NOR_NODE.format("", options["node-name"]))
        writable = bool(options.get("writable", False))
        if node.read_only and writable:
            raise QapiError(READ_ONLY_WRITABLE)
        iothread = options.get("iothread")
        if iothread is not None and self.object_type(iothread) != "iothread":
            raise QapiError(NO_IOTHREAD.format(iothread))
        export = Export(ident, kind, node, writable)
        # blk_insert_bs: the export's BlockBackend takes the node before the driver runs.
        check_perms(self.graph.nodes.values(), [*self.graph.lock_users(), export.user()])
        self._nbd_create(export, options)
        node.backends += 1
        for owner, name in export.bitmaps:
            bm.set_busy(owner, name, True)
        self.exports.insert(0, export)
        return export

    def _nbd_create(self, export: Export, options: dict[str, Any]) -> None:
        """nbd_export_create's checks: the server, the name, the description, the bitmaps."""
        if self.server is None:
            raise QapiError(NOT_RUNNING)
        name = options.get("name", export.node.name)
        if len(name.encode()) > MAX_STRING:
            raise QapiError(NAME_TOO_LONG.format(name))
        description = options.get("description")
        if description is not None and len(description.encode()) > MAX_STRING:
            raise QapiError(DESCRIPTION_TOO_LONG.format(description))
        if self.nbd_export(name) is not None:
            raise QapiError(NAME_IN_USE.format(name))
        for ref in options.get("bitmaps", []):
            export.bitmaps.append(self._export_bitmap(export, ref))
        export.name = name
        export.description = description or ""
        export.allocation_depth = bool(options.get("allocation-depth", False))

    def _export_bitmap(self, export: Export, ref: str | dict[str, str]) -> tuple[BlockNode, str]:
        """A bitmap of the node (or down its backing chain and filters) or given as {node, name}."""
        if isinstance(ref, str):
            walk: BlockNode | None = export.node
            while walk is not None:
                bitmap = bm.find(walk, ref)
                if bitmap is not None:
                    break
                walk = _filtered_or_cow(walk)
            if walk is None or bitmap is None:
                raise QapiError(BITMAP_NOT_FOUND.format(ref))
            owner, name = walk, ref
        else:
            owner, bitmap = bm.lookup(self.graph, ref["node"], ref["name"])
            name = ref["name"]
        bm.check(bitmap, ro=False)
        if not export.writable and bitmap.recording:
            raise QapiError(ENABLED_BITMAP_RO.format(name))
        return owner, name

    def nbd_server_add(
        self,
        device: str,
        name: str | None = None,
        description: str | None = None,
        writable: bool | None = None,
        bitmap: str | None = None,
    ) -> None:
        """``nbd-server-add``: block-export-add with the export named after the device."""
        node = self.graph.nodes.get(device)
        if node is None:
            raise QapiError(NO_DEVICE_NOR_NODE.format(device, device))
        options: dict[str, Any] = {"type": "nbd", "id": name or device, "node-name": node.name}
        if writable is not None:
            options["writable"] = writable and not node.read_only
        options["name"] = name or device
        if description is not None:
            options["description"] = description
        if bitmap is not None:
            options["bitmaps"] = [bitmap]
        self.add(options)

    def delete(self, id: str, mode: str = "safe") -> None:
        """``block-export-del``: gone at once unless clients are connected (safe mode)."""
        export = self.find(id)
        if export is None:
            raise QapiError(NOT_FOUND.format(id))
        if not export.user_owned:
            raise QapiError(SHUTTING_DOWN.format(id))
        if mode == "safe" and export.clients:
            raise QapiError(STILL_IN_USE.format(id))
        self._delete(export)

    def nbd_server_remove(self, name: str, mode: str = "safe") -> None:
        export = self.find(name)
        if export is not None and export.type != "nbd":
            raise QapiError(NOT_NBD.format(name))
        self.delete(name, mode)

    def _delete(self, export: Export) -> None:
        """Drop its clients, free its node and bitmaps, tell BLOCK_EXPORT_DELETED."""
        export.user_owned = False
        if self.server is not None:
            self.server.disconnect(export)
        self.exports.remove(export)
        export.node.backends -= 1
        for owner, name in export.bitmaps:
            bm.set_busy(owner, name, False)
        self.emit("BLOCK_EXPORT_DELETED", {"id": export.id})
