"""Giving a device its drive: the ``drive`` property (hw/core/qdev-properties-system.c).

``drive=NAME`` names a BlockBackend (a ``-drive``) or a node: a node gets
an anonymous BlockBackend of its own.  A backend serves one device; the
device tells it whether its media are removable, whether it has a tray
and whether it reports I/O status.  ``query-block`` shows the device by
its id, else by its QOM path (a virtio proxy's by its virtio device's).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qmonitor.machine.block.backend import Backends, BlockBackend
from qmonitor.machine.block.graph import BlockGraph
from qmonitor.machine.block.locking import backend_users, device_perm, relock, update_locks
from qmonitor.machine.block.media import Drive
from qmonitor.machine.devices.qdev import Device
from qmonitor.machine.devices.storage import CANT_FIND, IN_USE, IN_USE_AUTO, MEDIA_KINDS
from qmonitor.qapi.error import QapiError


class DriveAttach:
    """Resolves ``drive=`` values and attaches backends to devices."""

    def __init__(
        self,
        backends: Backends,
        graph: Callable[[], BlockGraph],
        emit: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> None:
        self.backends = backends
        self.graph = graph
        self.emit = emit
        #: The device each attached backend serves, and the type that decides its media.
        self.owners: dict[int, tuple[BlockBackend, Device, str]] = {}
        #: The QOM path the device being made will have (its place is taken before
        #: it realizes, where QEMU names it in a permission conflict).
        self.next_path = ""

    def resolve(self, owner: str, value: str) -> BlockBackend:
        """The backend ``drive=value`` names (a new anonymous one for a node); QEMU's errors."""
        blk = self.backends.named(value)
        if blk is None:
            node = self.graph().nodes.get(value)
            if node is None:
                raise QapiError(CANT_FIND.format(owner, "drive", value))
            return BlockBackend("", medium=node)
        if id(blk) in self.owners:
            if blk.interface != "none":
                raise QapiError(IN_USE_AUTO.format(value))
            raise QapiError(IN_USE.format(value))
        return blk

    def attach(self, blk: BlockBackend, dev: Device, kind: str) -> None:
        """blk_attach_dev, and what the device type tells the backend of its media.

        The device's permissions on the medium come first: another process's
        image lock refuses the device (QEMU's error), and nothing is attached.
        """
        cd = kind in ("ide-cd", "scsi-cd")
        read_only = cd or (blk.medium is not None and blk.medium.read_only)
        # A virtio proxy keeps the properties its virtio device does not take.
        proxy = dev.bus.parent if dev.bus is not None else None
        share_rw = bool(dev.values.get("share-rw", proxy and proxy.values.get("share-rw")))
        blk.device_perm = device_perm(read_only, not cd and kind != "floppy", share_rw)
        if blk.medium is not None:
            # How the permission check names the device: it has its QOM path already.
            blk.device_name = self._device_name(dev, kind, self.next_path, "")
            graph = self.graph()
            users = graph.lock_users()  # every user of a node: drives, devices, exports
            if blk not in self.backends.all():
                users += backend_users([blk])
            try:
                update_locks(list(graph.nodes.values()), users)
            except QapiError:
                blk.device_perm = None
                blk.device_name = ""
                raise
        if not blk.name and blk not in self.backends.all():
            self.backends.add(blk)
        removable, tray, io_status = MEDIA_KINDS.get(kind, (False, False, True))
        if kind == "scsi-hd" and dev.values.get("removable"):
            removable = tray = True  # scsi-disk's removable block ops: a tray and media
        blk.removable, blk.has_tray, blk.io_status = removable, tray, io_status
        blk.on_tray_moved = self._tray_moved
        self.owners[id(blk)] = (blk, dev, kind)
        self.refresh()

    def _tray_moved(self, drive: Drive, open_: bool) -> None:
        """DEVICE_TRAY_MOVED: the drive's name, its device, where the tray is now."""
        # A device without a tray always reports it closed: nothing moved.
        if self.emit is not None and drive.has_tray:
            self.refresh()
            data = {"device": drive.name, "id": drive.qdev_id, "tray-open": open_}
            self.emit("DEVICE_TRAY_MOVED", data)

    def detach(self, dev: Device) -> None:
        """The device went: its anonymous backend goes with it, a named one stays."""
        for key, (blk, owner, _kind) in list(self.owners.items()):
            if owner is dev:
                del self.owners[key]
                blk.qdev_id = ""
                blk.removable = blk.has_tray = blk.io_status = False
                blk.device_perm = None
                blk.device_name = ""
                if not blk.name:
                    self.backends.remove(blk, self.graph())
                relock(self.graph())  # only gives bytes up

    def refresh(self) -> None:
        """Each attached backend's ``qdev``: the device's id, else its QOM path."""
        for blk, dev, kind in self.owners.values():
            blk.qdev_id = self._device_name(dev, kind, "", "?")

    @staticmethod
    def _device_name(dev: Device, kind: str, pending: str, unknown: str) -> str:
        """blk_get_attached_dev_id: the device's id, else its QOM path (a virtio device's
        is below its proxy's); ``pending``: the path of a device not yet in QOM."""
        if dev.id is not None and kind != "virtio-blk-device":
            return dev.id
        if kind == "virtio-blk-device":
            proxy = dev.bus.parent if dev.bus is not None else None
            path = (proxy.qom_path if proxy is not None else None) or pending
            return f"{path}/virtio-backend" if path else unknown
        return dev.qom_path or pending or unknown

    def drive_value(self, blk: BlockBackend) -> str:
        """What ``info qtree`` prints for the property: the backend's name, else its node's."""
        if blk.name:
            return blk.name
        return blk.medium.name if blk.medium is not None else ""
