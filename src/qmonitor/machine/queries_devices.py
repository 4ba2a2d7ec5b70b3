"""Queries about block devices, jobs, dumps, NICs and TPMs: what the null machine has of them.

The null machine has no block backends, no jobs and no exports, has never
dumped its memory, has no NIC and no TPM; each query answers that as
QEMU 7.2 does for a machine without them.  The lists of what QEMU 7.2
could create (dump formats, TPM models and backends) are the facts
recorded from it (tests/golden/qmp/queries.json).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qmonitor.machine.schema import machine_schema
from qmonitor.qapi.binding import bind_command

if TYPE_CHECKING:
    from collections.abc import Callable

    from qmonitor.machine.machine import Machine

#: The dump formats QEMU 7.2 (x86_64, Debian's build) can write.
DUMP_FORMATS = ("elf", "kdump-zlib", "win-dmp")
#: The TPM front ends and backends of QEMU 7.2's x86_64 build, as it lists them.
TPM_MODELS = ("tpm-crb", "tpm-tis")
TPM_TYPES = ("passthrough", "emulator")


def register_device_state_queries(machine: Machine) -> None:
    """Register the queries of this module on ``machine``."""
    schema = machine_schema()
    full = machine.commands.full

    def query_pr_managers() -> list[dict[str, Any]]:
        from qmonitor.machine.qom_commands import machine_qom

        # The pr-manager-helper objects of /objects (QEMU makes the
        # container to look); qmonitor connects none to a helper daemon.
        objects = machine_qom(machine).objects_root().child_map()
        return [
            {"id": name, "connected": False}
            for name, obj in objects.items()
            if obj.typename == "pr-manager-helper"
        ]

    def query_blockstats(query_nodes: bool | None = None) -> list[dict[str, Any]]:
        from qmonitor.machine.block.backend_cmds import machine_blockstats

        return machine_blockstats(machine, bool(query_nodes))

    def empty() -> list[dict[str, Any]]:
        return []

    def block_graph() -> dict[str, Any]:
        from qmonitor.machine.block.commands import graph_of
        from qmonitor.machine.block.queries import debug_graph

        return debug_graph(graph_of(machine))

    def query_dump() -> dict[str, Any]:
        from qmonitor.machine.dump_cmd import dump_state

        return dump_state(machine).query()

    def dump_capability() -> dict[str, Any]:
        return {"formats": list(DUMP_FORMATS)}

    def query_rx_filter(name: str | None = None) -> list[dict[str, Any]]:
        from qmonitor.machine.net.show import query_rx_filter as rx_filters
        from qmonitor.machine.net_cmds import net_clients

        return rx_filters(net_clients(machine), name)

    def tpm_models() -> list[str]:
        return list(TPM_MODELS)

    def tpm_types() -> list[str]:
        return list(TPM_TYPES)

    handlers: tuple[tuple[str, Callable[..., Any]], ...] = (
        ("query-pr-managers", query_pr_managers),
        ("query-blockstats", query_blockstats),
        ("x-debug-query-block-graph", block_graph),
        ("query-dump", query_dump),
        ("query-dump-guest-memory-capability", dump_capability),
        ("query-rx-filter", query_rx_filter),
        ("query-tpm-models", tpm_models),
        ("query-tpm-types", tpm_types),
        ("query-tpm", empty),
    )
    for name, handler in handlers:
        full.register(bind_command(schema, name, handler, any_thread=True))
