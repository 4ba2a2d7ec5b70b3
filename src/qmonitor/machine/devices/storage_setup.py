"""Wiring the command line's drives to a PC's devices.

The board makes its IDE and floppy devices for the ``-drive`` drives of
those interfaces (:mod:`.storage`); each then gets its BlockBackend.
A ``-drive if=virtio`` adds a ``virtio-blk-pci`` after the command line's
``-device`` devices, as QEMU appends it to their list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qmonitor.machine.devices.drive_attach import DriveAttach
from qmonitor.machine.devices.storage import STORAGE_DEVICES, BoardDrive

if TYPE_CHECKING:
    from qmonitor.machine.devices.hotplug import Hotplug
    from qmonitor.machine.machine import Machine


def drive_attach(machine: Machine) -> DriveAttach:
    """The machine's drive attachments (made with their first use)."""
    from qmonitor.machine.block.commands import graph_of
    from qmonitor.machine.block.drive_setup import backends_of

    return machine.part(
        DriveAttach, lambda: DriveAttach(backends_of(machine), lambda: graph_of(machine))
    )


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
    """Give the board's storage devices their backends; let ``-device`` take drives."""
    from qmonitor.machine.block.drive_setup import backends_of

    attach = drive_attach(machine)
    hotplug.drives = attach
    backends = backends_of(machine)
    for dev in hotplug.pc.sysbus.walk():
        if dev.typename in STORAGE_DEVICES and not dev.user:
            blk = backends.named(str(dev.values.get("drive", "")))
            if blk is not None:
                attach.attach(blk, dev, dev.typename)


def add_virtio_drives(machine: Machine, hotplug: Hotplug) -> None:
    """The ``virtio-blk-pci`` devices of the ``-drive if=virtio`` drives."""
    from qmonitor.machine.block.drive_setup import backends_of

    for blk in backends_of(machine).legacy("virtio"):
        hotplug.add({"driver": "virtio-blk-pci", "drive": blk.name}, hotplug=False)
