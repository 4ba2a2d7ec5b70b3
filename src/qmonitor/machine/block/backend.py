"""BlockBackends: the drives of ``-drive`` and the devices' own (QEMU 7.2's block-backend.c).

A BlockBackend connects a device to the root of a node graph.  The ones
``-drive`` makes are named (its ``id``, or ``ide0-hd0``, ``virtio0`` ...)
and keep QEMU's legacy DriveInfo (interface, bus, unit, media); a device
given a node name (``drive=NODE``) gets an anonymous one.  Each is a
:class:`~qmonitor.machine.block.media.Drive`, so the removable-media
commands work on them; this module adds what ``query-block``,
``query-blockstats`` and ``info block`` show of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from qmonitor.machine.block.accounting import BlockAcctStats
from qmonitor.machine.block.graph import BlockGraph, next_order
from qmonitor.machine.block.media import Drive, Drives
from qmonitor.machine.block.throttle import ThrottleGroups

#: blockdev.c's if_name[]: the interfaces a ``-drive`` may name.
INTERFACES = ("none", "ide", "scsi", "floppy", "pflash", "mtd", "sd", "virtio", "xen")
#: if_max_devs[]: units per bus (0: one unit per bus, numbered by index).
MAX_DEVS = {"ide": 2, "scsi": 7}

#: The key an anonymous backend is kept under (no ``-drive`` id can start with '#').
_ANON = "#anon{}"


@dataclass(eq=False)
class BlockBackend(Drive):
    """A drive: its medium, the device it is attached to and its legacy DriveInfo.

    ``qdev_id`` (from :class:`Drive`) is what ``query-block`` shows as
    ``qdev``: the device's id, or its QOM path when it has none.
    """

    #: Whether the device enabled I/O status reporting (IDE, virtio-blk, SCSI).
    io_status: bool = False
    writeback: bool = True
    #: stats-account-invalid / stats-account-failed.
    account: bool = True
    #: The legacy DriveInfo of a ``-drive``: interface, bus, unit, whether a CD-ROM.
    interface: str = "none"
    bus: int = 0
    unit: int = 0
    media_cd: bool = False
    #: One of the drives the machine makes by default (they may stay unused).
    default: bool = False
    #: Where the command line gave it ('' for a default drive).
    loc: str = ""
    #: What its device takes and shares of its medium (None: no device), for image locking.
    device_perm: tuple[int, int] | None = None
    #: The device's I/O counters (only the opt-in guest moves them).
    acct: BlockAcctStats = field(default_factory=BlockAcctStats)
    #: How a permission conflict names its device (its id or QOM path, known at attach).
    device_name: str = ""
    #: When it was made, so when it took its medium (:func:`.graph.next_order`).
    order: int = field(default_factory=next_order)


def drive_name(interface: str, bus: int, unit: int, cdrom: bool, max_devs: int) -> str:
    """The name drive_new gives a ``-drive`` without an id (``ide1-cd0``, ``virtio0``)."""
    media = ""
    if interface in ("ide", "scsi"):
        media = "-cd" if cdrom else "-hd"
    if max_devs:
        return f"{interface}{bus}{media}{unit}"
    return f"{interface}{media}{unit}"


class Backends:
    """The machine's BlockBackends, in creation order (QEMU's block_backends list)."""

    def __init__(self, drives: Drives) -> None:
        self.drives = drives
        self._anon = 0
        #: Whether start-up made the command line's drives (the board's
        #: storage devices then follow them; else the recorded defaults).
        self.configured = False
        self.throttle = ThrottleGroups()

    def add(self, backend: BlockBackend) -> BlockBackend:
        if backend.name:
            self.drives.by_name[backend.name] = backend
        else:
            self._anon += 1
            self.drives.by_name[_ANON.format(self._anon)] = backend
        if backend.medium is not None:
            # As a medium inserted into the drive: a parent and a backend.
            backend.medium.parents += 1
            backend.medium.backends += 1
        return backend

    def all(self) -> list[BlockBackend]:
        return [d for d in self.drives.by_name.values() if isinstance(d, BlockBackend)]

    def named(self, name: str) -> BlockBackend | None:
        found = self.drives.by_name.get(name)
        return found if isinstance(found, BlockBackend) and found.name else None

    def legacy(self, interface: str) -> list[BlockBackend]:
        """The ``-drive`` drives of an interface, by bus and unit."""
        found = [d for d in self.all() if d.interface == interface and d.name]
        return sorted(found, key=lambda d: (d.bus, d.unit))

    def at(self, interface: str, bus: int, unit: int) -> BlockBackend | None:
        """drive_get: the ``-drive`` at this place of an interface."""
        return next((d for d in self.legacy(interface) if (d.bus, d.unit) == (bus, unit)), None)

    def remove(self, backend: BlockBackend, graph: BlockGraph) -> None:
        """Drop a backend (its device went): the medium goes unless the monitor owns it."""
        for key, value in list(self.drives.by_name.items()):
            if value is backend:
                del self.drives.by_name[key]
        self.throttle.leave(backend)
        medium = backend.medium
        if medium is not None:
            medium.backends -= 1
            medium.parents -= 1
            backend.medium = None
            if not medium.backends and not medium.parents and not medium.monitor_owned:
                graph.unref(medium)

    def listed(self) -> list[BlockBackend]:
        """What query-block and query-blockstats list: named or attached backends."""
        return [d for d in self.all() if d.name or d.attached]


#: BlockDeviceInfo's members in schema order, the throttle ones included.
_INSERTED = (
    "file", "node-name", "ro", "drv", "backing_file", "backing_file_depth", "encrypted",
    "detect_zeroes", "bps", "bps_rd", "bps_wr", "iops", "iops_rd", "iops_wr", "image",
    "bps_max", "bps_rd_max", "bps_wr_max", "iops_max", "iops_rd_max", "iops_wr_max",
    "bps_max_length", "bps_rd_max_length", "bps_wr_max_length", "iops_max_length",
    "iops_rd_max_length", "iops_wr_max_length", "iops_size", "group", "cache",
    "write_threshold", "dirty-bitmaps",
)  # fmt: skip


def inserted_info(backend: BlockBackend, groups: ThrottleGroups) -> dict[str, Any] | None:
    """The medium's BlockDeviceInfo as the backend shows it (its cache mode, its limits)."""
    from qmonitor.machine.block.queries import node_info

    medium = backend.medium
    if medium is None:
        return None
    info = node_info(medium, False)
    info["cache"] = dict(info["cache"], writeback=backend.writeback)
    cfg = groups.config_of(backend)
    if cfg is not None:
        info.update(cfg.info(), group=groups.group_of(backend))
    return {key: info[key] for key in _INSERTED if key in info}


def block_info(backend: BlockBackend, groups: ThrottleGroups) -> dict[str, Any]:
    """One BlockInfo of query-block (members inserted in schema order)."""
    out: dict[str, Any] = {"device": backend.name}
    if backend.attached:
        out["qdev"] = backend.qdev_id
    out["type"] = "unknown"
    out["removable"] = not backend.attached or backend.removable
    out["locked"] = backend.locked
    inserted = inserted_info(backend, groups)
    if inserted is not None:
        out["inserted"] = inserted
    if backend.has_tray:
        out["tray_open"] = backend.tray_open
    if backend.io_status:
        out["io-status"] = "ok"
    return out


def query_block(backends: Backends) -> list[dict[str, Any]]:
    return [block_info(b, backends.throttle) for b in backends.listed()]


def backend_stats(backend: BlockBackend, now_ns: int = 0) -> dict[str, Any]:
    """One BlockStats of query-blockstats: the device's counters over its medium's nodes.

    ``now_ns`` is the accounting clock's time (``idle_time_ns`` is measured to it).
    """
    from qmonitor.machine.block.queries import STATS_ORDER, _zero_stats, node_stats

    out: dict[str, Any] = {"device": backend.name}
    if backend.attached:
        out["qdev"] = backend.qdev_id
    medium = backend.medium
    if medium is not None:
        out.update(node_stats(medium, chain=True))
    stats = _zero_stats()
    stats.update(account_invalid=backend.account, account_failed=backend.account)
    stats.update(backend.acct.counters(now_ns))
    if medium is not None:
        # bdrv_query_bds_stats: the highest offset written is the root node's.
        stats["wr_highest_offset"] = medium.wr_highest_offset
    out["stats"] = {key: stats[key] for key in STATS_ORDER if key in stats}
    order = ("device", "qdev", "node-name", "stats", "parent", "backing", "driver-specific")
    return {key: out[key] for key in order if key in out}


def blockstats(backends: Backends, now_ns: int = 0) -> list[dict[str, Any]]:
    return [backend_stats(b, now_ns) for b in backends.listed()]


def _block_text(info: dict[str, Any]) -> str:
    """print_block_info (block/monitor/block-hmp-cmds.c) of one BlockInfo."""
    inserted = info.get("inserted")
    lines = []
    head = info["device"] or (
        inserted["node-name"] if inserted else info.get("qdev", "<anonymous>")
    )
    if info["device"] and inserted:
        head += f" ({inserted['node-name']})"
    if inserted:
        ro = ", read-only" if inserted["ro"] else ""
        head += f": {inserted['file']} ({inserted['drv']}{ro})"
    else:
        head += ": [not inserted]"
    lines.append(head)
    if "qdev" in info:
        lines.append(f"    Attached to:      {info['qdev']}")
    if info.get("io-status", "ok") != "ok":
        lines.append(f"    I/O status:       {info['io-status']}")
    if info["removable"]:
        locked = "" if info["locked"] else "not "
        tray = "open" if info.get("tray_open") else "closed"
        lines.append(f"    Removable device: {locked}locked, tray {tray}")
    if inserted:
        lines.extend(_inserted_lines(inserted))
    return "".join(line + "\n" for line in lines)


#: The limits ``info block`` prints of a throttled drive, in its order.
_THROTTLE_PRINTED = (
    "bps", "bps_rd", "bps_wr", "bps_max", "bps_rd_max", "bps_wr_max", "iops", "iops_rd",
    "iops_wr", "iops_max", "iops_rd_max", "iops_wr_max", "iops_size",
)  # fmt: skip


def _inserted_lines(inserted: dict[str, Any]) -> list[str]:
    cache = inserted["cache"]
    mode = "writeback" if cache["writeback"] else "writethrough"
    mode += ", direct" if cache["direct"] else ""
    mode += ", ignore flushes" if cache["no-flush"] else ""
    lines = [f"    Cache mode:       {mode}"]
    if "backing_file" in inserted:
        lines.append(
            f"    Backing file:     {inserted['backing_file']} "
            f"(chain depth: {inserted['backing_file_depth']})"
        )
    if inserted["detect_zeroes"] != "off":
        lines.append(f"    Detect zeroes:    {inserted['detect_zeroes']}")
    keys = ("bps", "bps_rd", "bps_wr", "iops", "iops_rd", "iops_wr")
    if any(inserted[k] for k in keys):
        values = " ".join(f"{n}={inserted.get(n, 0)}" for n in _THROTTLE_PRINTED)
        lines.append(f"    I/O throttling:   {values} group={inserted.get('group', '')}")
    return lines


def info_block_text(backends: Backends, graph: BlockGraph, device: str | None, nodes: bool) -> str:
    """``info block [-n] [-v] [device]`` (hmp_info_block).

    As QEMU, an entry other than the first of its list starts with a blank
    line, even when the first was not printed.
    """
    out: list[str] = []
    if not nodes:
        for index, info in enumerate(query_block(backends)):
            if device is not None and device != info["device"]:
                continue
            out.append(("\n" if index else "") + _block_text(info))
        if out or device is None:
            return "".join(out)
    from qmonitor.machine.block.queries import node_info

    for index, node in enumerate(reversed(list(graph.nodes.values()))):
        if device is not None and device != node.name:
            continue
        inserted = node_info(node, False)
        head = f"{node.name}: {inserted['file']} ({inserted['drv']}"
        head += ", read-only)" if inserted["ro"] else ")"
        lines = "".join(f"{x}\n" for x in _inserted_lines(inserted))
        out.append(("\n" if index else "") + head + "\n" + lines)
    return "".join(out)
