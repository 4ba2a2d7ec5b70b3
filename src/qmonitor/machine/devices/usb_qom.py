"""Where QEMU puts the USB devices it makes itself in ``/machine/unattached``.

The board's controllers (``-usb``: i440FX's UHCI, Q35's EHCI and its
three UHCI companions) come right before the device the board makes next
(``PIIX4_PM``, ``ICH9-SMB``): the recorded tree's devices from there on
move up.  The devices nobody named (``-usbdevice``, the hub QEMU plugs
when a bus has one port left) take the next ``device[N]`` when they are
made.  A device on such a controller's bus names the controller's path
as its ``parent_bus``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from qmonitor.machine.devices.qomview import qom_object
from qmonitor.machine.devices.usb import CONTROLLERS, usb_state
from qmonitor.machine.qom_build import shift_devices

if TYPE_CHECKING:
    from qmonitor.machine.devices.hotplug import Hotplug
    from qmonitor.machine.devices.qdev import Device
    from qmonitor.machine.qom_object import QomObject

_UNATTACHED = "/machine/unattached"
_DEVICE = re.compile(r"device\[(\d+)\]")
#: The device each board makes right after its USB controllers.
_NEXT = {False: "PIIX4_PM", True: "ICH9-SMB"}


def _indexes(unattached: QomObject) -> dict[int, str]:
    out = {}
    for name, child in unattached.children.items():
        match = _DEVICE.fullmatch(name)
        if match is not None:
            out[int(match.group(1))] = child.typename
    return out


def place_controllers(unattached: QomObject, hotplug: Hotplug) -> None:
    """Put the board's USB controllers into the recorded ``/machine/unattached``."""
    q35 = hotplug.pc.q35
    board = [d for d in hotplug.pc.root.children if d.typename in CONTROLLERS and not d.user]
    if not board:
        return
    indexes = _indexes(unattached)
    anchor = next((i for i, t in sorted(indexes.items()) if t == _NEXT[q35]), None)
    if anchor is None:
        anchor = max(indexes, default=-1) + 1
    shift_devices(unattached, anchor - 1, len(board))
    for offset, dev in enumerate(board):
        obj = qom_object(dev, q35)
        unattached.add(f"device[{anchor + offset}]", obj)
        dev.qom_path = f"{_UNATTACHED}/device[{anchor + offset}]"


def place_unnamed(unattached: QomObject, hotplug: Hotplug) -> None:
    """Give each USB device QEMU made itself and not yet placed the next ``device[N]``."""
    made: list[Device] = []
    for bus in hotplug.pc.usb_buses:
        made.extend(d for d in bus.children if not d.user and d.qom_path is None)
    made = [d for d in made if usb_state(d) is not None]
    made.sort(key=lambda d: int(d.usb.order))
    for dev in made:
        index = max(_indexes(unattached), default=-1) + 1
        unattached.add(f"device[{index}]", qom_object(dev, hotplug.pc.q35))
        dev.qom_path = f"{_UNATTACHED}/device[{index}]"


def unnamed_at(hotplug: Hotplug, path: str) -> Device | None:
    """The USB device QEMU made itself whose QOM path is ``path`` (``device_del`` takes it)."""
    for bus in hotplug.pc.usb_buses:
        for dev in bus.children:
            if not dev.user and dev.qom_path == path:
                return dev
    return None
