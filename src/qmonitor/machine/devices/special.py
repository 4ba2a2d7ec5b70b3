"""Devices whose creation takes more than the PC's bus model: memory devices, the balloon.

:func:`special_device_add` runs before the generic path of ``-device``
and ``device_add`` (:class:`~qmonitor.machine.devices.hotplug.Hotplug`):
it plugs a DIMM itself (a DIMM sits on no bus), gives a virtio-mem
device the machine's memory-device checks, and refuses a second
balloon; any other device is left to the generic path.
:func:`board_memory_error` is what QEMU refuses of the machine's memory
while it builds the board, before any ``-device``.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from qmonitor.machine.devices.balloon import check_balloon_add
from qmonitor.machine.devices.dimms import is_dimm, plug_dimm
from qmonitor.machine.devices.dimms import startup_error as dimm_startup_error
from qmonitor.machine.devices.virtio_mem_pci import is_virtio_mem, plug_virtio_mem

if TYPE_CHECKING:
    from qmonitor.machine.devices.hotplug import Hotplug
    from qmonitor.machine.devices.qdev import Device
    from qmonitor.machine.machine import Machine

#: softmmu/physmem.c file_ram_open: a -mem-path that cannot be opened.
MEM_PATH_OPEN = "can't open backing store {} for guest RAM: {}"


def special_device_add(
    machine: Machine, hotplug: Hotplug, opts: dict[str, str], hotplugged: bool
) -> Device | None:
    """Plug a DIMM (returned), check a balloon; None: the generic path makes the device."""
    driver = opts["driver"]
    if is_dimm(driver):
        return plug_dimm(machine, hotplug, opts, hotplugged)
    if is_virtio_mem(driver):
        return plug_virtio_mem(machine, hotplug, opts, hotplugged)
    check_balloon_add(hotplug, driver)
    return None


def mem_path_error(path: str) -> str | None:
    """Whether QEMU could open ``-mem-path`` (a directory, or a file it would create).

    Only looked at, never written: the null machine allocates no guest RAM.
    """
    if os.path.isdir(path):
        return None if os.access(path, os.W_OK | os.X_OK) else _os_error(path, 13)
    parent = os.path.dirname(path) or "."
    if os.path.exists(path) or os.path.isdir(parent):
        return None
    return _os_error(path, 2)


def _os_error(path: str, errno: int) -> str:
    return MEM_PATH_OPEN.format(path, os.strerror(errno))


def board_memory_error(machine: Machine) -> str | None:
    """The machine's RAM backend (-mem-path) and pc_memory_init's checks of ``-m``."""
    from qmonitor.machine.memdev import default_memdev

    options = machine.options
    path = options.guest.mem_path
    if path is not None and default_memdev(options.machine_type, options.guest) is not None:
        error = mem_path_error(path)
        if error is not None:
            return error
    return dimm_startup_error(machine)
