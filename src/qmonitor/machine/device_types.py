"""QEMU 7.2's device types, for ``-device DRIVER``: which exist, which a user may create.

QEMU looks the driver up as a QOM type, then as an alias (``virtio-net``
is ``virtio-net-pci`` on a PC; ``-device help`` shows the aliases); it
must be a device, not abstract, and user-creatable.  qmonitor models
few devices but refuses the drivers QEMU refuses, with QEMU's texts,
from the type tree recorded from qemu-system-x86_64 7.2 (:mod:`qmonitor.machine.qom_types`).
"""

from __future__ import annotations

from typing import Final

from qmonitor.qapi.texts import INVALID_PARAMETER_VALUE

# Texts of softmmu/qdev-monitor.c (QEMU 7.2).
NOT_A_DEVICE: Final = "'{}' is not a valid device model name"
ABSTRACT: Final = INVALID_PARAMETER_VALUE.format("driver", "a non-abstract device type")
NOT_PLUGGABLE: Final = INVALID_PARAMETER_VALUE.format("driver", "a pluggable device type")


def device_type_error(driver: str) -> str | None:
    """QEMU's text refusing ``-device DRIVER``, None if QEMU would create such a device.

    From QEMU 7.2's recorded type tree: the driver (or the type its alias
    names) must be a device type, not abstract, and one ``-device help``
    lists (a user may create it).
    """
    from qmonitor.machine.qom_types import DEVICE, type_table

    table = type_table()
    name = driver
    if name not in table.parent and name in table.aliases:
        name = table.aliases[name]
    if name not in table.parent or not table.is_a(name, DEVICE):
        return NOT_A_DEVICE.format(driver)
    if name in table.abstract:
        return ABSTRACT
    if name not in table.user_creatable:
        return NOT_PLUGGABLE
    return None


def creatable_types() -> list[str]:
    """The device types a user may create (``-device help``), from the recorded type tree."""
    from qmonitor.machine.qom_types import DEVICE, type_table

    table = type_table()
    return sorted(
        name
        for name in table.user_creatable
        if name in table.parent and table.is_a(name, DEVICE) and name not in table.abstract
    )


def resolve_alias(driver: str) -> str:
    """The type a ``-device`` alias names (the driver itself when it is no alias)."""
    from qmonitor.machine.qom_types import type_table

    table = type_table()
    if driver not in table.parent and driver in table.aliases:
        return table.aliases[driver]
    return driver
