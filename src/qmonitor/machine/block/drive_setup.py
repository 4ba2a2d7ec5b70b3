"""Opening the command line's drives (QEMU 7.2's blockdev.c drive_new, blockdev_init).

Each ``-drive`` (and short form) becomes a named BlockBackend: its legacy
options (interface, bus, unit or index, media) place it, its common options
(cache, read-only, detect-zeroes, I/O limits, accounting) set up the
backend, and the rest open its medium as ``blockdev-add`` would, with the
format probed when none is given.  Then the default drives the machine
keeps (softmmu/vl.c configure_blockdev): the CD-ROM at index 2 of the
default interface, the first floppy, the SD card.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qmonitor.machine.block.backend import (
    INTERFACES,
    MAX_DEVS,
    Backends,
    BlockBackend,
    drive_name,
)
from qmonitor.machine.block.graph import BlockGraph, BlockNode
from qmonitor.machine.block.locking import relock
from qmonitor.machine.block.throttle import config_from_args
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine

# Texts of drive_new and blockdev_init (blockdev.c, QEMU 7.2).
INVALID_CACHE = "invalid cache option"
INVALID_MEDIA = "'{}' invalid media"
#: block.c: bdrv_open_inherit.
NO_DRIVER_OR_FILE = "Must specify either driver or file"
#: block.c: bdrv_open_common, for the drivers that set bdrv_needs_filename.
NO_FILENAME = "The '{}' block driver requires a file name"
NEEDS_FILENAME = ("file", "host_device")
#: block/blkdebug.c blkdebug_parse_filename, a filename with no second colon.
BLKDEBUG_NO_IMAGE = "blkdebug requires both config file and image path"
#: block.c: bdrv_open_child_bs.
NO_FILE_CHILD = 'A block device must be specified for "file"'
UNSUPPORTED_BUS = "unsupported bus type '{}'"
INDEX_WITH_BUS = "index cannot be used with bus and unit"
UNIT_TOO_BIG = "unit {} too big (max is {})"
DRIVE_EXISTS = "drive with bus={}, unit={} (index={}) exists"
WERROR_BUS = "werror is not supported by this bus type"
RERROR_BUS = "rerror is not supported by this bus type"
DRIVER_AND_FORMAT = "Cannot specify both 'driver' and 'format'"
NUMBER = "Parameter '{}' expects a number"
#: drive_check_orphaned (blockdev.c): a drive no device of the machine took.
ORPHANED = "machine type does not support if={},bus={},unit={}"
#: block/raw-format.c: a writable image whose format was probed as raw (printed as is).
PROBED_RAW = (
    "WARNING: Image format was not specified for '{}' and probing guessed raw.\n"
    "         Automatically detecting the format is dangerous for raw images, write "
    "operations on block 0 will be restricted.\n"
    "         Specify the 'raw' format explicitly to remove the restrictions.\n"
)
BOOL = "Parameter '{}' expects 'on' or 'off'"

#: ``cache=`` modes (bdrv_parse_cache_mode): writeback, direct, no-flush.
CACHE_MODES = {
    "off": (True, True, False), "none": (True, True, False),
    "writeback": (True, False, False), "unsafe": (True, False, True),
    "writethrough": (False, False, False), "directsync": (False, True, False),
}  # fmt: skip

#: drive_new's renames of the legacy throttling options, and their
#: block_set_io_throttle names.
THROTTLE_RENAMES = {
    "iops": "throttling.iops-total", "iops_rd": "throttling.iops-read",
    "iops_wr": "throttling.iops-write", "bps": "throttling.bps-total",
    "bps_rd": "throttling.bps-read", "bps_wr": "throttling.bps-write",
    "iops_max": "throttling.iops-total-max", "iops_rd_max": "throttling.iops-read-max",
    "iops_wr_max": "throttling.iops-write-max", "bps_max": "throttling.bps-total-max",
    "bps_rd_max": "throttling.bps-read-max", "bps_wr_max": "throttling.bps-write-max",
    "iops_size": "throttling.iops-size", "group": "throttling.group",
}  # fmt: skip

#: Options drive_new and blockdev_init take for themselves; the rest open the medium.
_LEGACY = ("media", "if", "bus", "unit", "index", "file", "werror", "rerror", "copy-on-read")
_COMMON = (
    "id", "snapshot", "format", "cache.writeback", "read-only", "detect-zeroes", "discard",
    "stats-account-invalid", "stats-account-failed", "auto-read-only", "aio",
)  # fmt: skip
_BOOLS = ("cache.direct", "cache.no-flush", "read-zeroes", "force-share")


@dataclass(frozen=True, slots=True)
class DriveOption:
    """One ``-drive`` (or short form): its options in order, its id, where it was given."""

    values: tuple[tuple[str, str], ...]
    id: str | None
    loc: str


def _bool(name: str, text: str) -> bool:
    flag = {"on": True, "yes": True, "true": True, "y": True,
            "off": False, "no": False, "false": False, "n": False}.get(text)  # fmt: skip
    if flag is None:
        raise QapiError(BOOL.format(name))
    return flag


def _number(name: str, text: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        raise QapiError(NUMBER.format(name)) from None


def protocol(filename: str) -> tuple[str, dict[str, Any]]:
    """The protocol a filename names (``null-co://``, ``blkdebug:``), else a host file."""
    if filename.startswith("blkdebug:"):
        return "blkdebug", {}
    for proto in ("null-co", "null-aio"):
        if filename.startswith(f"{proto}://"):
            return proto, {}
    try:
        mode = os.stat(filename).st_mode
    except OSError:
        mode = 0
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "host_device", {"filename": filename}
    return "file", {"filename": filename}


def _blkdebug_child(file: str, child: dict[str, Any]) -> dict[str, Any]:
    """blkdebug_parse_filename: ``blkdebug:[CONFIG]:IMAGE``, the image opened from its name
    with the ``image.`` options given beside it."""
    config, sep, image = file[len("blkdebug:") :].partition(":")
    if not sep:
        raise QapiError(BLKDEBUG_NO_IMAGE)
    image_opts = {k[len("image.") :]: v for k, v in child.items() if k.startswith("image.")}
    out = {k: v for k, v in child.items() if not k.startswith("image.")}
    proto, fields = protocol(image)
    out = {"driver": "blkdebug", **out, "image": {"driver": proto, **fields, **image_opts}}
    if config:
        out["config"] = config
    return out


def _open_options(file: str | None, opts: dict[str, str], read_only: bool) -> dict[str, Any]:
    """What the medium opens with, as bdrv_open makes it of a filename and options."""
    top: dict[str, Any] = {}
    child: dict[str, Any] = {}
    cache: dict[str, Any] = {}
    for key, text in opts.items():
        value: Any = text
        leaf = key.rpartition(".")[2]
        if key in _BOOLS or leaf in ("direct", "no-flush"):
            value = _bool(key, text)
        if key.startswith("cache."):
            cache[key[len("cache.") :]] = value
        elif key.startswith("file."):
            child[key[len("file.") :]] = value
        else:
            top[key] = value
    if cache:
        top["cache"] = cache
    if read_only:
        top["read-only"] = True
    from qmonitor.machine.block.drivers import DRIVERS, _probe

    driver = top.get("driver")
    if driver is not None and DRIVERS.get(driver) is not None and DRIVERS[driver].protocol:
        if driver == "file" and file is not None:
            top.setdefault("filename", file)
        if driver in NEEDS_FILENAME and "filename" not in top:
            # bdrv_open_common: bdrv_needs_filename.
            raise QapiError(NO_FILENAME.format(driver))
        return top
    if file is not None:
        proto, fields = protocol(file)
        if proto == "blkdebug":
            child = _blkdebug_child(file, child)
        else:
            child = {"driver": proto, **fields, **child}
        if driver is None:
            driver = "raw" if proto in ("null-co", "null-aio", "blkdebug") else _probe(file)
    if driver is None and not child:
        # bdrv_open_inherit: nothing to open and nothing to probe.
        raise QapiError(NO_DRIVER_OR_FILE)
    if driver is not None and not child and driver in DRIVERS and not DRIVERS[driver].protocol:
        # A format with no image under it: bdrv_open_child finds no "file".
        raise QapiError(NO_FILE_CHILD)
    if driver is None:
        driver = "raw"
    top["driver"] = driver
    if child:
        top["file"] = child
    return top


def new_drive(
    graph: BlockGraph,
    backends: Backends,
    drive: DriveOption,
    default_if: str,
    q35: bool = False,
    warn: Callable[[str], object] | None = None,
    overlays: bool = True,
) -> BlockBackend:
    """drive_new: check the legacy options, open the medium, add the backend.

    ``warn`` gets what QEMU prints of a writable image whose format it probed as raw.
    ``snapshot=on`` puts a temporary overlay over the medium
    (:mod:`.temp_overlay`); without ``overlays`` only its folder is checked.
    """
    opts: dict[str, str] = {}
    for key, value in drive.values:
        opts[THROTTLE_RENAMES.get(key, "read-only" if key == "readonly" else key)] = value
    cache = opts.pop("cache", None)
    if cache is not None:
        mode = CACHE_MODES.get(cache)
        if mode is None:
            raise QapiError(INVALID_CACHE)
        opts.setdefault("cache.writeback", "on" if mode[0] else "off")
        opts.setdefault("cache.direct", "on" if mode[1] else "off")
        opts.setdefault("cache.no-flush", "on" if mode[2] else "off")
    legacy = {k: opts.pop(k) for k in _LEGACY if k in opts}
    media = legacy.get("media", "disk")
    if media not in ("disk", "cdrom"):
        raise QapiError(INVALID_MEDIA.format(media))
    read_only = media == "cdrom"
    read_only |= _bool("read-only", opts.get("read-only", "off"))
    interface = legacy.get("if", default_if)
    if interface not in INTERFACES:
        raise QapiError(UNSUPPORTED_BUS.format(interface))
    bus = _number("bus", legacy["bus"]) if "bus" in legacy else 0
    unit = _number("unit", legacy["unit"]) if "unit" in legacy else -1
    index = _number("index", legacy["index"]) if "index" in legacy else -1
    max_devs = 1 if q35 and interface == "ide" else MAX_DEVS.get(interface, 0)
    if index != -1:
        if bus != 0 or unit != -1:
            raise QapiError(INDEX_WITH_BUS)
        bus, unit = (index // max_devs, index % max_devs) if max_devs else (0, index)
    if unit == -1:
        unit = 0
        while backends.at(interface, bus, unit) is not None:
            unit += 1
            if max_devs and unit >= max_devs:
                unit -= max_devs
                bus += 1
    if max_devs and unit >= max_devs:
        raise QapiError(UNIT_TOO_BIG.format(unit, max_devs - 1))
    if backends.at(interface, bus, unit) is not None:
        raise QapiError(DRIVE_EXISTS.format(bus, unit, index))
    cdrom = media == "cdrom"
    name = drive.id
    if name is None:
        name = drive_name(interface, bus, unit, cdrom, max_devs)
    if "werror" in legacy and interface not in ("ide", "scsi", "virtio", "none"):
        raise QapiError(WERROR_BUS)
    if "rerror" in legacy and interface not in ("ide", "scsi", "virtio", "none"):
        raise QapiError(RERROR_BUS)
    common = {k: opts.pop(k) for k in _COMMON if k in opts}
    throttle = {k: opts.pop(k) for k in list(opts) if k.startswith("throttling.")}
    limits = _throttle_args(throttle)
    cfg = config_from_args(limits)
    cfg.check()
    fmt = common.get("format")
    if fmt is not None:
        if "driver" in opts:
            raise QapiError(DRIVER_AND_FORMAT)
        opts["driver"] = fmt
    file = legacy.get("file") or None
    medium: BlockNode | None = None
    if file is not None or opts:
        from qmonitor.machine.block.drivers import open_node

        options = _open_options(file, opts, read_only)
        for key in ("detect-zeroes", "discard"):
            if key in common:
                options[key] = common[key]
        medium = open_node(graph, options, root=False)
        probed = fmt is None and "driver" not in opts and medium.driver == "raw"
        if probed and not read_only and warn is not None:
            warn(PROBED_RAW.format(file))
        if _bool("snapshot", common.get("snapshot", "off")):
            from qmonitor.machine.block.temp_overlay import append_temp_overlay, check_tmpdir

            medium = append_temp_overlay(graph, medium, options) if overlays else medium
            if not overlays:
                check_tmpdir()
    backend = BlockBackend(name, medium=medium)
    backend.loc = drive.loc
    backend.writeback = _bool("cache.writeback", common.get("cache.writeback", "on"))
    backend.interface = interface
    backend.bus, backend.unit = bus, unit
    backend.media_cd = cdrom and interface in ("ide", "scsi", "xen", "none")
    backends.add(backend)
    if cfg.enabled:
        backends.throttle.set(backend, cfg, limits.get("group"), name)
    return backend


def _throttle_args(options: dict[str, str]) -> dict[str, Any]:
    """The ``throttling.*`` options under block_set_io_throttle's names."""
    out: dict[str, Any] = {}
    for key, text in options.items():
        name = key.partition(".")[2]
        if name == "group":
            out["group"] = text
            continue
        if name == "iops-size":
            out["iops_size"] = _number(key, text)
            continue
        kind, _, rest = name.partition("-")
        direction, _, suffix = rest.partition("-")
        bucket = kind + {"total": "", "read": "_rd", "write": "_wr"}.get(direction, "?")
        if bucket.endswith("?"):
            continue
        out[bucket + {"": "", "max": "_max", "max-length": "_max_length"}.get(suffix, "?")] = (
            _number(key, text)
        )
    return out


def default_drives(
    graph: BlockGraph,
    backends: Backends,
    default_if: str,
    q35: bool,
    cdrom: bool,
    floppy: bool,
    sdcard: bool,
) -> None:
    """configure_blockdev's default drives, where no drive has their place."""
    if cdrom:
        index = 2
        max_devs = 1 if q35 and default_if == "ide" else MAX_DEVS.get(default_if, 0)
        bus, unit = (index // max_devs, index % max_devs) if max_devs else (0, index)
        if backends.at(default_if, bus, unit) is None:
            values = (("media", "cdrom"), ("index", "2"))
            new_drive(
                graph, backends, DriveOption(values, None, ""), default_if, q35
            ).default = True
    if floppy and backends.at("floppy", 0, 0) is None:
        drive = DriveOption((("index", "0"),), None, "")
        new_drive(graph, backends, drive, "floppy", q35).default = True
    if sdcard and backends.at("sd", 0, 0) is None:
        new_drive(
            graph, backends, DriveOption((("index", "0"),), None, ""), "sd", q35
        ).default = True


def orphaned_drives(machine: Machine) -> list[str]:
    """The drives of an interface that no device took (the defaults may stay unused)."""
    from qmonitor.machine.block.backend_cmds import synced_backends

    # A PC's firmware flash takes the if=pflash drives (its devices are not modelled).
    taken = ("none", "pflash") if machine.board is not None else ("none",)
    out = []
    for blk in synced_backends(machine).all():
        if blk.name and blk.interface not in taken and not blk.default and not blk.attached:
            text = ORPHANED.format(blk.interface, blk.bus, blk.unit)
            out.append(f"{blk.loc}: {text}" if blk.loc else text)
    return out


def backends_of(machine: Machine) -> Backends:
    """The machine's BlockBackends (kept with the drives the media commands use)."""
    from qmonitor.machine.block.node_registry import drives_of

    def make() -> Backends:
        from qmonitor.machine.block.locking import backend_users

        backends = Backends(drives_of(machine))
        from qmonitor.machine.block.commands import graph_of

        graph = graph_of(machine)
        others = graph.lock_users  # exports made before any drive use nodes too
        graph.lock_users = lambda: [*others(), *backend_users(backends.all())]

        def drive_medium(name: str) -> tuple[bool, BlockNode | None]:
            blk = backends.named(name)
            return (False, None) if blk is None else (True, blk.medium)

        def device_of(node: BlockNode) -> str:
            return next((b.name for b in backends.all() if b.medium is node), "")

        graph.drive_medium = drive_medium
        graph.device_of = device_of
        return backends

    return machine.part(Backends, make)


@dataclass(frozen=True, slots=True)
class DriveDefaults:
    """Which default drives the command line leaves (softmmu/vl.c default_cdrom ...)."""

    interface: str = "none"
    q35: bool = False
    cdrom: bool = False
    floppy: bool = False
    sdcard: bool = False


def add_drives(
    machine: Machine,
    drives: tuple[DriveOption, ...],
    defaults: DriveDefaults,
    warn: Callable[[str], object] | None = None,
) -> str | None:
    """configure_blockdev's drives: QEMU's error (after the option's place) or None."""
    from qmonitor.machine.block.commands import graph_of

    graph = graph_of(machine)  # the graph blockdev-add works on
    backends = backends_of(machine)
    backends.configured = True
    for drive in drives:
        graph.location = drive.loc
        try:
            new_drive(graph, backends, drive, defaults.interface, defaults.q35, warn)
            relock(graph)
        except QapiError as exc:
            text = f"{drive.loc}: {exc.desc}" if drive.loc else exc.desc
            return f"{text}\n{exc.hint}" if exc.hint else text
        finally:
            graph.location = ""
    default_drives(
        graph, backends, defaults.interface, defaults.q35, defaults.cdrom, defaults.floppy,
        defaults.sdcard,
    )  # fmt: skip
    return None


def check_drives(
    drives: tuple[DriveOption, ...], interface: str, q35: bool = False
) -> tuple[str, str] | None:
    """drive_new's checks of the drives alone, on a graph of their own: the first error.

    The command-line parser runs them where QEMU's configure_blockdev opens
    the drives (among the early backends), so that a bad drive is reported
    before the errors of the stages after it; start-up then opens them for
    the machine.  Nothing is kept: opening a medium keeps no file open.

    :returns: the failing drive's location and QEMU's text, or None.
    """
    from qmonitor.machine.block.media import Drives

    graph = BlockGraph()
    graph.keeps_bitmaps = False
    backends = Backends(Drives())
    for drive in drives:
        try:
            new_drive(graph, backends, drive, interface, q35, overlays=False)
        except QapiError as exc:
            return drive.loc, exc.desc
    return None
