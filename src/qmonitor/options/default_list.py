"""The ``-device`` and ``-global`` drivers that turn a default device off (softmmu/vl.c).

QEMU's qemu_disable_default_devices() walks every ``-device`` (both forms)
and every ``-global``: a driver named in its ``default_list`` means the user
brings that device, so the machine does not make its own (a serial port, a
parallel port, a floppy drive, a CD-ROM drive, the display adapter).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

#: Driver to the default it turns off (vl.c default_list, in its order).
DEFAULT_LIST: Final[dict[str, str]] = {
    "isa-serial": "serial",
    "isa-parallel": "parallel",
    "isa-fdc": "floppy",
    "floppy": "floppy",
    "ide-cd": "cdrom",
    "ide-hd": "cdrom",
    "scsi-cd": "cdrom",
    "scsi-hd": "cdrom",
    "VGA": "vga",
    "isa-vga": "vga",
    "cirrus-vga": "vga",
    "isa-cirrus-vga": "vga",
    "vmware-svga": "vga",
    "qxl-vga": "vga",
    "virtio-vga": "vga",
    "ati-vga": "vga",
    "vhost-user-vga": "vga",
    "virtio-vga-gl": "vga",
}


def defaults_turned_off(drivers: Iterable[str]) -> frozenset[str]:
    """What these drivers turn off: ``serial``, ``parallel``, ``floppy``, ``cdrom``, ``vga``."""
    return frozenset(DEFAULT_LIST[d] for d in drivers if d in DEFAULT_LIST)
