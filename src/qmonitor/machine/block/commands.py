"""``blockdev-add`` and ``blockdev-del`` on the machine's block graph."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qmonitor.machine.block.drivers import open_node
from qmonitor.machine.block.graph import BlockGraph
from qmonitor.machine.block.locking import relock
from qmonitor.qapi.binding import bind_command
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine

#: Text of qmp_blockdev_add (blockdev.c).
ROOT_NEEDS_NAME = "'node-name' must be specified for the root node"


def graph_of(machine: Machine) -> BlockGraph:
    """The machine's block graph (made with its first use)."""
    return machine.part(BlockGraph, lambda: _new_graph(machine))


def _new_graph(machine: Machine) -> BlockGraph:
    """The graph, closed when the machine exits (persistent bitmaps are stored then)."""
    graph = BlockGraph()
    machine.on_exit(graph.close_all)
    return graph


def blockdev_add(graph: BlockGraph, options: dict[str, Any]) -> None:
    """Open a root node: it must be named."""
    if "node-name" not in options:
        raise QapiError(ROOT_NEEDS_NAME)
    node = open_node(graph, options, root=True)
    try:
        relock(graph)
    except QapiError:
        graph.unref(node)
        raise


def register_block_commands(machine: Machine) -> BlockGraph:
    """Register the block graph's commands; return the graph they work on."""
    from qmonitor.machine.schema import machine_schema

    schema = machine_schema()
    graph = graph_of(machine)
    full = machine.commands.full

    def add(options: dict[str, Any]) -> None:
        blockdev_add(graph, options)

    def delete(node_name: str) -> None:
        graph.delete(node_name)

    full.register(bind_command(schema, "blockdev-add", add))
    full.register(bind_command(schema, "blockdev-del", delete))
    from qmonitor.machine.block.job_qmp import register_job_commands
    from qmonitor.machine.block.node_registry import register_node_commands

    register_node_commands(machine, graph)
    register_job_commands(machine)
    return graph
