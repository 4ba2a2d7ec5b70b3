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
        return BlockExports(graph, machine.emit_event, object_type, object_prop)

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
        options: dict[str, Any] = {"driver": fmt or "raw", "file": {"driver": "file", "filename": filename}}
        if read_only:
            options["read-only"] = True
        return open_node(graph, options, root=False)

    handlers: dict[str, Any] = {
        # Dirty bitmaps.
        "block-dirty-bitmap-add": lambda node, name, granularity=None, persistent=False,
        disabled=False: bitmaps.add(graph, node, name, granularity, persistent, disabled) and None,
        "block-dirty-bitmap-remove": lambda node, name: bitmaps.remove(graph, node, name) and None,
        "block-dirty-bitmap-clear": lambda node, name: bitmaps.clear(graph, node, name) and None,
        "block-dirty-bitmap-enable": lambda node, name: bitmaps.enable(graph, node, name) and None,
        "block-dirty-bitmap-disable": lambda node, name: bitmaps.disable(graph, node, name) and None,
        "block-dirty-bitmap-merge": lambda node, target, bitmaps_: None,
        "x-debug-block-dirty-bitmap-sha256": lambda node, name: bitmaps.sha256(graph, node, name),
        # Node commands.
        "block_resize": lambda size, device=None, node_name=None: node_cmds.block_resize(
            graph, device, node_name, size
        ),
        "block-set-write-threshold": lambda node_name, write_threshold: node_cmds.set_write_threshold(
            graph, node_name, write_threshold
        ),
        "block_set_io_throttle": node_cmds.block_set_io_throttle,
        "block-latency-histogram-set": node_cmds.block_latency_histogram_set,
        "blockdev-snapshot-sync": lambda snapshot_file, device=None, node_name=None,
        snapshot_node_name=None, format="qcow2", mode="absolute-paths": node_cmds.snapshot_sync(
            graph, device, node_name, snapshot_file, snapshot_node_name, format, mode
        ),
        "blockdev-snapshot": lambda node, overlay: node_cmds.snapshot(graph, node, overlay),
        "blockdev-snapshot-internal-sync": lambda device, name: node_cmds.snapshot_internal(
            graph, device, name
        ),
        "blockdev-snapshot-delete-internal-sync": lambda device, id=None, name=None: (
            node_cmds.snapshot_delete_internal(graph, device, id, name)
        ),
        "change-backing-file": lambda device, image_node_name, backing_file: (
            node_cmds.change_backing_file(graph, device, image_node_name, backing_file)
        ),
        "x-blockdev-change": lambda parent, child=None, node=None: node_cmds.x_blockdev_change(
            graph, parent, child, node
        ),
        "x-blockdev-set-iothread": lambda node_name, iothread, force=False: (
            node_cmds.x_blockdev_set_iothread(graph, iothreads(), node_name, iothread, force)
        ),
        "blockdev-reopen": lambda options: node_cmds.blockdev_reopen(graph, options),
        # Removable media.
        "eject": lambda device=None, id=None, force=False: media.eject(
            graph, drives_of(machine), device, id, force
        ),
        "blockdev-open-tray": lambda device=None, id=None, force=False: media.open_tray(
            drives_of(machine), device, id, force
        ),
        "blockdev-close-tray": lambda device=None, id=None: media.close_tray(
            drives_of(machine), device, id
        ),
        "blockdev-remove-medium": lambda id: media.remove_medium(graph, drives_of(machine), id),
        "blockdev-insert-medium": lambda id, node_name: media.insert_medium(
            graph, drives_of(machine), id, node_name
        ),
        "blockdev-change-medium": lambda filename, device=None, id=None, format=None, force=False,
        read_only_mode="retain": media.change_medium(
            graph, drives_of(machine), open_medium, filename, device, id, format, force,
            read_only_mode,
        ),
        # Exports.
        "nbd-server-start": lambda addr, tls_creds=None, tls_authz=None, max_connections=0: (
            exports().server_start(addr, tls_creds, tls_authz, max_connections)
        ),
        "nbd-server-add": lambda device, name=None, description=None, writable=None, bitmap=None: (
            exports().nbd_server_add(device, name, description, writable, bitmap)
        ),
        "nbd-server-remove": lambda name, mode="safe": exports().nbd_server_remove(name, mode),
        "nbd-server-stop": lambda: exports().server_stop(),
        "block-export-add": lambda options: exports().add(options) and None,
        "block-export-del": lambda id, mode="safe": exports().delete(id, mode),
        "query-block-exports": lambda: exports().query(),
    }

    def merge(node: str, target: str, **kwargs: Any) -> None:
        bitmaps.merge(graph, node, target, kwargs["bitmaps"])

    handlers["block-dirty-bitmap-merge"] = merge
    for name, handler in handlers.items():
        full.register(bind_command(schema, name, handler))
