"""Wiring the command line's drives to a PC's devices.

The board makes its IDE and floppy devices for the ``-drive`` drives of
those interfaces (:mod:`.storage`); each then gets its BlockBackend.
A ``-drive if=virtio`` adds a ``virtio-blk-pci`` after the command line's
``-device`` devices, as QEMU appends it to their list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qmonitor.machine.devices.drive_attach import DriveAttach
from qmonitor.machine.devices.storage import NEEDS_MEDIA, STORAGE_DEVICES, BoardDrive
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    from qmonitor.machine.devices.hotplug import Hotplug
    from qmonitor.machine.machine import Machine
    from qmonitor.machine.qom_object import QomObject


def drive_attach(machine: Machine) -> DriveAttach:
    """The machine's drive attachments (made with their first use)."""
    from qmonitor.machine.block.drive_setup import backends_of
    from qmonitor.machine.block.graph import BlockGraph

    def make() -> DriveAttach:
        def graph() -> BlockGraph:
            from qmonitor.machine.block.commands import graph_of

            return graph_of(machine)

        return DriveAttach(backends_of(machine), graph, machine.emit_event)

    return machine.part(DriveAttach, make)


def board_drives(machine: Machine) -> list[BoardDrive] | None:
    """The drives the board makes devices for; None when start-up made no drives."""
    from qmonitor.machine.block.drive_setup import backends_of

    backends = backends_of(machine)
    if not backends.configured:
        return None
    return [
        BoardDrive(b.interface, b.bus, b.unit, b.media_cd, b.name,
                   b.medium.size if b.medium is not None else 0)
        for b in backends.all()
        if b.name and b.interface in ("ide", "floppy")
    ]  # fmt: skip


def attach_board_drives(machine: Machine, hotplug: Hotplug) -> None:
    """Give the board's storage devices their backends; let ``-device`` take drives.

    :raises QapiError: an IDE disk whose drive is empty (QEMU stops there).
    """
    from qmonitor.machine.block.drive_setup import backends_of

    attach = drive_attach(machine)
    hotplug.drives = attach
    backends = backends_of(machine)
    for dev in hotplug.pc.sysbus.walk():
        if dev.typename in STORAGE_DEVICES and not dev.user:
            blk = backends.named(str(dev.values.get("drive", "")))
            if blk is not None:
                if dev.typename == "ide-hd" and blk.medium is None:
                    raise QapiError(NEEDS_MEDIA)  # the board's realize: fatal, no location
                attach.attach(blk, dev, dev.typename)


def add_virtio_drives(machine: Machine, hotplug: Hotplug) -> None:
    """The ``virtio-blk-pci`` devices of the ``-drive if=virtio`` drives."""
    from qmonitor.machine.block.drive_setup import backends_of

    for blk in backends_of(machine).legacy("virtio"):
        try:
            hotplug.add({"driver": "virtio-blk-pci", "drive": blk.name}, hotplug=False)
        except QapiError as exc:
            # The device's options were made where the -drive was: QEMU names it.
            raise QapiError(f"{blk.loc}: {exc.desc}" if blk.loc else exc.desc) from None


#: The board's storage controllers, whose devices QEMU makes right after them.
_CONTROLLERS = ("isa-fdc", "piix3-ide", "ich9-ahci")
_UNATTACHED = "/machine/unattached"


def place_in_qom(unattached: QomObject, hotplug: Hotplug) -> None:
    """Put the board's storage devices into ``/machine/unattached`` where QEMU has them.

    The recorded tree has the default CD-ROM and floppy drives: they are
    taken out (the devices after them move down), then each storage device
    the board made goes right after its controller (the ones after it move
    up), reusing a recorded object of its type where there is one.
    """
    from qmonitor.machine.devices.qomview import qom_object
    from qmonitor.machine.qom_build import shift_devices

    recorded: dict[str, list[QomObject]] = {}
    for index in sorted(_device_indexes(unattached, STORAGE_DEVICES), reverse=True):
        obj = unattached.children.pop(f"device[{index}]")
        recorded.setdefault(obj.typename, []).insert(0, obj)
        shift_devices(unattached, index, -1)
    for controller in hotplug.pc.sysbus.walk():
        if controller.typename not in _CONTROLLERS:
            continue
        found = _device_indexes(unattached, (controller.typename,))
        if not found:
            continue
        base = found[0]
        devices = [d for bus in controller.buses for d in bus.children if not d.user]
        for offset, dev in enumerate(devices, start=1):
            position = base + offset
            shift_devices(unattached, position - 1, 1)
            reuse = recorded.get(dev.typename)
            obj = reuse.pop(0) if reuse else qom_object(dev, hotplug.pc.q35)
            unattached.add(f"device[{position}]", obj)
            dev.qom_path = f"{_UNATTACHED}/device[{position}]"


def _device_indexes(unattached: QomObject, typenames: object) -> list[int]:
    out = []
    for name, child in unattached.children.items():
        if name.startswith("device[") and child.typename in typenames:  # type: ignore[operator]
            out.append(int(name[len("device[") : -1]))
    return sorted(out)
