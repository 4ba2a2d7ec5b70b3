"""Registering the node, bitmap, media and export commands on a machine.

Each command binds its schema entry to a function of :mod:`.node_cmds`,
:mod:`.bitmaps`, :mod:`.media` or :mod:`.exports`; the state they share
(the drives, the exports and the NBD server) lives in ``Machine.part``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qmonitor.machine.block import bitmaps, media, node_cmds
from qmonitor.machine.block.drivers import open_node
from qmonitor.machine.block.exports import BlockExports
from qmonitor.machine.block.graph import BlockGraph, BlockNode
from qmonitor.qapi.binding import bind_command

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine


def exports_of(machine: Machine, graph: BlockGraph) -> BlockExports:
    """The machine's block exports (made with their first use)."""
    from qmonitor.machine.qom_commands import machine_qom

    def objects() -> Any:
        return machine_qom(machine).objects_root().children

    def object_type(ident: str) -> str | None:
        obj = objects().get(ident)
        return obj.typename if obj is not None else None

    def object_prop(ident: str, prop: str) -> Any:
        obj = objects().get(ident)
        found = next((p for p in obj.props if p.name == prop), None) if obj is not None else None
        return found.value if found is not None else None

    def make() -> BlockExports:
        exports = BlockExports(graph, machine.emit_event, object_type, object_prop)
        others = graph.lock_users  # the exports' BlockBackends use nodes too
        graph.lock_users = lambda: [*others(), *exports.users()]
        return exports

    return machine.part(BlockExports, make)


def drives_of(machine: Machine) -> media.Drives:
    """The machine's drives: none until storage devices exist."""
    return machine.part(media.Drives, media.Drives)


def register_node_commands(machine: Machine, graph: BlockGraph) -> None:
    """Register the commands of this package beyond blockdev-add and blockdev-del."""
    from qmonitor.machine.schema import machine_schema

    schema = machine_schema()
    full = machine.commands.full

    def exports() -> BlockExports:
        return exports_of(machine, graph)

    def iothreads() -> set[str]:
        from qmonitor.machine.qom_commands import machine_qom

        children = machine_qom(machine).objects_root().children
        return {name for name, obj in children.items() if obj.typename == "iothread"}

    def open_medium(filename: str, fmt: str | None, read_only: bool | None) -> BlockNode:
        from qmonitor.machine.block.drive_setup import protocol

        proto, fields = protocol(filename)
        file = {"driver": proto, **fields}
        options: dict[str, Any] = {"driver": fmt or "raw", "file": file}
        if read_only:
            options["read-only"] = True
        return open_node(graph, options, root=False)

    # Dirty bitmaps.
    def bitmap_add(
        node: str,
        name: str,
        granularity: int | None = None,
        persistent: bool = False,
        disabled: bool = False,
    ) -> None:
        bitmaps.add(graph, node, name, granularity, persistent, disabled)

    def bitmap_remove(node: str, name: str) -> None:
        bitmaps.remove(graph, node, name)

    def bitmap_clear(node: str, name: str) -> None:
        bitmaps.clear(graph, node, name)

    def bitmap_enable(node: str, name: str) -> None:
        bitmaps.enable(graph, node, name)

    def bitmap_disable(node: str, name: str) -> None:
        bitmaps.disable(graph, node, name)

    def bitmap_merge(node: str, target: str, **kwargs: Any) -> None:
        bitmaps.merge(graph, node, target, kwargs["bitmaps"])

    def bitmap_sha256(node: str, name: str) -> dict[str, str]:
        return bitmaps.sha256(graph, node, name)

    # Node commands.
    def block_resize(size: int, device: str | None = None, node_name: str | None = None) -> None:
        node_cmds.block_resize(graph, device, node_name, size)
        from qmonitor.machine.devices.state import devices_resized

        devices_resized(machine)  # a virtio disk tells its driver (virtio_blk_resize)

    def write_threshold(node_name: str, write_threshold: int) -> None:
        node_cmds.set_write_threshold(graph, node_name, write_threshold)

    def snapshot_sync(
        snapshot_file: str,
        device: str | None = None,
        node_name: str | None = None,
        snapshot_node_name: str | None = None,
        format: str = "qcow2",
        mode: str = "absolute-paths",
    ) -> None:
        node_cmds.snapshot_sync(
            graph, device, node_name, snapshot_file, snapshot_node_name, format, mode
        )

    def snapshot(node: str, overlay: str) -> None:
        node_cmds.snapshot(graph, node, overlay)

    def snapshot_internal(device: str, name: str) -> None:
        node_cmds.snapshot_internal(graph, device, name, machine.guest_clock.now_ns())

    def snapshot_delete_internal(
        device: str, id: str | None = None, name: str | None = None
    ) -> dict[str, Any]:
        return node_cmds.snapshot_delete_internal(graph, device, id, name)

    def change_backing_file(device: str, image_node_name: str, backing_file: str) -> None:
        node_cmds.change_backing_file(graph, device, image_node_name, backing_file)

    def blockdev_change(parent: str, child: str | None = None, node: str | None = None) -> None:
        node_cmds.x_blockdev_change(graph, parent, child, node)

    def set_iothread(node_name: str, iothread: str | None, force: bool = False) -> None:
        node_cmds.x_blockdev_set_iothread(graph, iothreads(), node_name, iothread, force)

    def reopen(options: list[dict[str, Any]]) -> None:
        node_cmds.blockdev_reopen(graph, options)

    def throttle(**args: Any) -> None:
        from qmonitor.machine.block.backend_cmds import set_io_throttle

        set_io_throttle(machine, **args)

    # Removable media.
    def eject(device: str | None = None, id: str | None = None, force: bool = False) -> None:
        media.eject(graph, drives_of(machine), device, id, force)

    def open_tray(device: str | None = None, id: str | None = None, force: bool = False) -> None:
        media.open_tray(drives_of(machine), device, id, force)

    def close_tray(device: str | None = None, id: str | None = None) -> None:
        media.close_tray(drives_of(machine), device, id)

    def remove_medium(id: str) -> None:
        media.remove_medium(graph, drives_of(machine), id)

    def insert_medium(id: str, node_name: str) -> None:
        media.insert_medium(graph, drives_of(machine), id, node_name)

    def change_medium(
        filename: str,
        device: str | None = None,
        id: str | None = None,
        format: str | None = None,
        force: bool = False,
        read_only_mode: str = "retain",
    ) -> None:
        media.change_medium(
            graph, drives_of(machine), open_medium, filename, device, id, format, force,
            read_only_mode,
        )  # fmt: skip

    # Exports.
    def server_start(
        addr: dict[str, Any],
        tls_creds: str | None = None,
        tls_authz: str | None = None,
        max_connections: int = 0,
    ) -> None:
        exports().server_start(addr, tls_creds, tls_authz, max_connections)

    def server_add(
        device: str,
        name: str | None = None,
        description: str | None = None,
        writable: bool | None = None,
        bitmap: str | None = None,
    ) -> None:
        exports().nbd_server_add(device, name, description, writable, bitmap)

    def server_remove(name: str, mode: str = "safe") -> None:
        exports().nbd_server_remove(name, mode)

    def server_stop() -> None:
        exports().server_stop()

    def export_add(options: dict[str, Any]) -> None:
        exports().add(options)

    def export_del(id: str, mode: str = "safe") -> None:
        exports().delete(id, mode)

    def query_exports() -> list[dict[str, Any]]:
        return exports().query()

    handlers: dict[str, Any] = {
        "block-dirty-bitmap-add": bitmap_add,
        "block-dirty-bitmap-remove": bitmap_remove,
        "block-dirty-bitmap-clear": bitmap_clear,
        "block-dirty-bitmap-enable": bitmap_enable,
        "block-dirty-bitmap-disable": bitmap_disable,
        "block-dirty-bitmap-merge": bitmap_merge,
        "x-debug-block-dirty-bitmap-sha256": bitmap_sha256,
        "block_resize": block_resize,
        "block-set-write-threshold": write_threshold,
        "block_set_io_throttle": throttle,
        "block-latency-histogram-set": node_cmds.block_latency_histogram_set,
        "blockdev-snapshot-sync": snapshot_sync,
        "blockdev-snapshot": snapshot,
        "blockdev-snapshot-internal-sync": snapshot_internal,
        "blockdev-snapshot-delete-internal-sync": snapshot_delete_internal,
        "change-backing-file": change_backing_file,
        "x-blockdev-change": blockdev_change,
        "x-blockdev-set-iothread": set_iothread,
        "blockdev-reopen": reopen,
        "eject": eject,
        "blockdev-open-tray": open_tray,
        "blockdev-close-tray": close_tray,
        "blockdev-remove-medium": remove_medium,
        "blockdev-insert-medium": insert_medium,
        "blockdev-change-medium": change_medium,
        "nbd-server-start": server_start,
        "nbd-server-add": server_add,
        "nbd-server-remove": server_remove,
        "nbd-server-stop": server_stop,
        "block-export-add": export_add,
        "block-export-del": export_del,
        "query-block-exports": query_exports,
    }
    for name, handler in handlers.items():
        full.register(bind_command(schema, name, handler))
