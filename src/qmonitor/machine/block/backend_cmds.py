"""The machine's queries of its BlockBackends: query-block, query-blockstats, ``info block``.

Each first makes sure the devices exist (a PC builds them on first use)
and that every attached backend knows its device's QOM path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qmonitor.machine.block.backend import Backends, blockstats, info_block_text, query_block
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine


def synced_backends(machine: Machine) -> Backends:
    """The backends, their devices' paths brought up to date."""
    from qmonitor.machine.block.drive_setup import backends_of
    from qmonitor.machine.devices.state import pc_hotplug

    backends = backends_of(machine)
    hotplug = pc_hotplug(machine) if backends.drives.by_name else None
    if hotplug is not None and hotplug.drives is not None:
        from qmonitor.machine.qom_commands import machine_qom

        machine_qom(machine)  # the devices get their QOM paths with the tree
        hotplug.drives.refresh()
    return backends


def machine_query_block(machine: Machine) -> list[dict[str, Any]]:
    return query_block(synced_backends(machine))


def machine_blockstats(machine: Machine, query_nodes: bool) -> list[dict[str, Any]]:
    from qmonitor.machine.block.commands import graph_of
    from qmonitor.machine.block.queries import blockstats as node_blockstats

    if query_nodes:
        return node_blockstats(graph_of(machine), True)
    return blockstats(synced_backends(machine), acct_now_ns(machine))


def acct_now_ns(machine: Machine) -> int:
    """The accounting clock (block/accounting.c): virtual under qtest, else the host's."""
    import time

    if machine.virtual_clock is not None:
        return machine.virtual_clock.now_ns()
    return time.monotonic_ns()


def machine_info_block(machine: Machine, device: str | None, nodes: bool) -> str:
    from qmonitor.machine.block.commands import graph_of

    return info_block_text(synced_backends(machine), graph_of(machine), device, nodes)


def set_io_throttle(
    machine: Machine, device: str | None = None, id: str | None = None, **limits: Any
) -> None:
    """``block_set_io_throttle``: the drive by name or by its device's id."""
    from qmonitor.machine.block.throttle import NO_MEDIUM, config_from_args

    backends = synced_backends(machine)
    blk = backends.drives.get(device, id)
    if blk.medium is None:
        raise QapiError(NO_MEDIUM)
    group = limits.pop("group", None)
    default = device if device is not None else str(id)
    backends.throttle.set(blk, config_from_args(limits), group, default)
