"""Removable media: trays and the media in them (QEMU 7.2's block/qapi-sysemu.c).

A drive (a BlockBackend, named by its ``-drive`` id or found through the
qdev id of the device it is attached to) may belong to a device with
removable media and maybe a tray that the guest can lock.  The drives
are the BlockBackends of :mod:`.backend` (``-drive``, and the devices'
own); the devices tell them whether they have removable media and a
tray.  A medium counts as a parent of the node and as a BlockBackend on
it (no ``blockdev-del`` while a drive holds it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from qmonitor.machine.block.graph import BlockGraph, BlockNode
from qmonitor.machine.block.locking import relock
from qmonitor.qapi.error import ErrorClass, QapiError

NEED_ONE = "Need exactly one of 'device' and 'id'"
DEVICE_NOT_FOUND = "Device '{}' not found"
NO_BACKEND = "Device does not have a block device backend"
NOT_REMOVABLE = "Device '{}' is not removable"
NO_TRAY = "Device '{}' does not have a tray"
LOCKED = "Device '{}' is locked and force was not specified, wait for tray to open and try again"
TRAY_CLOSED = "Tray of device '{}' is not open"
ANON_NOT_REMOVABLE = "Device is not removable"
ANON_TRAY_CLOSED = "Tray of the device is not open"
HAS_MEDIUM = "There already is a medium in the device"
NODE_NOT_FOUND = "Node '{}' not found"
NODE_IN_USE = "Node '{}' is already in use"


@dataclass(eq=False)
class Drive:
    """A BlockBackend and what the device it is attached to says of its media."""

    name: str
    #: The qdev id of the device it is attached to ("" without one).
    qdev_id: str = ""
    removable: bool = False
    has_tray: bool = False
    tray_open: bool = False
    locked: bool = False
    medium: BlockNode | None = None
    #: Called with the new tray state when it moves (DEVICE_TRAY_MOVED).
    on_tray_moved: Callable[[Drive, bool], None] | None = None

    @property
    def attached(self) -> bool:
        return bool(self.qdev_id)

    def move_tray(self, open_: bool) -> None:
        """blk_dev_change_media_cb: the device opens or closes its tray."""
        if self.tray_open != open_:
            self.tray_open = open_
            if self.on_tray_moved is not None:
                self.on_tray_moved(self, open_)


@dataclass
class Drives:
    """The machine's drives by name; ``devices`` tells which qdev ids exist."""

    by_name: dict[str, Drive] = field(default_factory=dict)
    devices: Callable[[str], bool] = lambda _id: False

    def get(self, device: str | None, qdev_id: str | None) -> Drive:
        """qmp_get_blk: by drive name or by the qdev id of its device."""
        if (device is None) == (qdev_id is None):
            raise QapiError(NEED_ONE)
        if qdev_id is not None:
            for drive in self.by_name.values():
                if drive.qdev_id == qdev_id:
                    return drive
            if self.devices(qdev_id):
                raise QapiError(NO_BACKEND)
            raise QapiError(DEVICE_NOT_FOUND.format(qdev_id), ErrorClass.DEVICE_NOT_FOUND)
        assert device is not None
        named = self.by_name.get(device)
        if named is None:
            raise QapiError(DEVICE_NOT_FOUND.format(device), ErrorClass.DEVICE_NOT_FOUND)
        return named


class TrayError(QapiError):
    """do_open_tray's failures that some callers let pass (no tray; asked the guest)."""

    def __init__(self, desc: str, soft: bool) -> None:
        super().__init__(desc)
        self.soft = soft


def _open_tray(drives: Drives, device: str | None, qdev_id: str | None, force: bool) -> None:
    drive = drives.get(device, qdev_id)
    name = qdev_id if qdev_id is not None else device
    if not drive.removable:
        raise TrayError(NOT_REMOVABLE.format(name), soft=False)
    if not drive.has_tray:
        raise TrayError(NO_TRAY.format(name), soft=True)
    if drive.tray_open:
        return
    if drive.locked and force:
        # blk_dev_eject_request: a forced request unlocks the device's
        # tray (ide_cd_eject_request_cb, scsi_cd_eject_request_cb).
        drive.locked = False
        drive.move_tray(True)
        return
    if not drive.locked:
        drive.move_tray(True)
    if drive.locked and not force:
        raise TrayError(LOCKED.format(name), soft=True)


def open_tray(
    drives: Drives, device: str | None = None, id: str | None = None, force: bool = False
) -> None:
    """``blockdev-open-tray``: no tray, or a locked one the guest was asked to open, is no error."""
    try:
        _open_tray(drives, device, id, force)
    except TrayError as err:
        if not err.soft:
            raise QapiError(err.desc) from None


def close_tray(drives: Drives, device: str | None = None, id: str | None = None) -> None:
    """``blockdev-close-tray``."""
    drive = drives.get(device, id)
    if not drive.removable:
        raise QapiError(NOT_REMOVABLE.format(device or id))
    if drive.has_tray and drive.tray_open:
        drive.move_tray(False)


def _remove_medium(
    graph: BlockGraph, drives: Drives, device: str | None, qdev_id: str | None
) -> None:
    drive = drives.get(device, qdev_id)
    name = device or qdev_id
    if drive.attached and not drive.removable:
        raise QapiError(NOT_REMOVABLE.format(name))
    if drive.attached and drive.has_tray and not drive.tray_open:
        raise QapiError(TRAY_CLOSED.format(name))
    medium = drive.medium
    if medium is None:
        return
    drive.medium = None
    medium.parents -= 1
    medium.backends -= 1
    if not medium.parents and not medium.monitor_owned:
        graph.unref(medium)
    relock(graph)  # its image's lock bytes go with the device's use of it
    if not drive.has_tray:
        drive.move_tray(True)


def remove_medium(graph: BlockGraph, drives: Drives, id: str) -> None:
    """``blockdev-remove-medium``."""
    _remove_medium(graph, drives, None, id)


def _insert(graph: BlockGraph, drive: Drive, node: BlockNode) -> None:
    if drive.attached and not drive.removable:
        raise QapiError(ANON_NOT_REMOVABLE)
    if drive.attached and drive.has_tray and not drive.tray_open:
        raise QapiError(ANON_TRAY_CLOSED)
    if drive.medium is not None:
        raise QapiError(HAS_MEDIUM)
    drive.medium = node
    node.parents += 1
    node.backends += 1
    try:
        # blk_insert_bs: the device's permissions on the new medium, or QEMU's lock error.
        relock(graph)
    except QapiError:
        drive.medium = None
        node.parents -= 1
        node.backends -= 1
        raise
    if not drive.has_tray:
        drive.move_tray(False)


def _in_a_drive(drives: Drives, node: BlockNode) -> bool:
    return any(d.medium is node for d in drives.by_name.values())


def insert_medium(graph: BlockGraph, drives: Drives, id: str, node_name: str) -> None:
    """``blockdev-insert-medium``: a node no drive holds goes into an open, empty tray."""
    drive = drives.get(None, id)
    node = graph.nodes.get(node_name)
    if node is None:
        raise QapiError(NODE_NOT_FOUND.format(node_name))
    if _in_a_drive(drives, node):
        raise QapiError(NODE_IN_USE.format(node_name))
    _insert(graph, drive, node)


def eject(
    graph: BlockGraph,
    drives: Drives,
    device: str | None = None,
    id: str | None = None,
    force: bool = False,
) -> None:
    """``eject``: open the tray (a drive without one is fine), then take the medium out."""
    try:
        _open_tray(drives, device, id, force)
    except TrayError as err:
        if not (err.soft and err.desc.endswith("does not have a tray")):
            raise QapiError(err.desc) from None
    _remove_medium(graph, drives, device, id)


def change_medium(
    graph: BlockGraph,
    drives: Drives,
    open_medium: Callable[[str, str | None, bool | None], BlockNode],
    filename: str,
    device: str | None = None,
    id: str | None = None,
    format: str | None = None,
    force: bool = False,
    read_only_mode: str = "retain",
) -> None:
    """``blockdev-change-medium``: open the image, then eject, insert and close the tray."""
    drive = drives.get(device, id)
    read_only = {"retain": None, "read-only": True, "read-write": False}[read_only_mode]
    if read_only is None and drive.medium is not None:
        read_only = drive.medium.read_only
    medium = open_medium(filename, format, read_only)
    try:
        eject(graph, drives, device, id, force)
        _insert(graph, drive, medium)
        close_tray(drives, device, id)
    except QapiError:
        if not medium.parents:
            graph.unref(medium)
        raise
