"""The virtio balloon: ``balloon``, ``query-balloon`` and BALLOON_CHANGE.

QEMU 7.2 has at most one balloon device (softmmu/balloon.c: a second one
is refused at realize).  ``balloon`` asks the guest for a target size
(hw/virtio/virtio-balloon.c: capped at the RAM size); the guest driver
answers by changing the device's ``actual`` page count, and only then does
``query-balloon`` move and BALLOON_CHANGE go out (throttled per event type
by the monitor).  A guest that runs no code never answers, so ``actual``
stays at the whole RAM — what QEMU 7.2 shows for a ``-S`` guest.
:func:`guest_set_actual` is the guest's side, for a guest model that does
answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qmonitor.qapi.error import ErrorClass, QapiError
from qmonitor.qapi.texts import INVALID_PARAMETER_VALUE

if TYPE_CHECKING:
    from qmonitor.machine.devices.hotplug import Hotplug
    from qmonitor.machine.machine import Machine

#: qmp_balloon and qmp_query_balloon (softmmu/balloon.c) without a balloon device.
NO_BALLOON = "No balloon device has been activated"
#: qmp_balloon's text for a target that is not a size (QERR_INVALID_PARAMETER_VALUE).
BALLOON_TARGET = INVALID_PARAMETER_VALUE.format("target", "a size")
#: qemu_add_balloon_handler's text for a second balloon device.
ONLY_ONE = "Only one balloon device is supported"
#: The balloon devices QEMU 7.2 has (any of them answers balloon and query-balloon).
BALLOON_DRIVERS = (
    "virtio-balloon-pci", "virtio-balloon-pci-transitional",
    "virtio-balloon-pci-non-transitional", "virtio-balloon-ccw", "virtio-balloon-device",
)  # fmt: skip


class BalloonState:
    """What the host asked (``target``) and what the guest reported (``actual``), in bytes."""

    def __init__(self, ram_size: int) -> None:
        self.ram_size = ram_size
        #: The size the host last asked for (the whole RAM until ``balloon``).
        self.target = ram_size
        #: The guest's memory as its driver last reported it.
        self.actual = ram_size

    def set_target(self, value: int) -> None:
        """virtio_balloon_to_target: more than the RAM asks for the whole RAM."""
        self.target = min(value, self.ram_size)

    def report(self, actual: int) -> bool:
        """The guest set ``actual``; whether it changed (then BALLOON_CHANGE goes out)."""
        actual = max(0, min(actual, self.ram_size))
        changed = actual != self.actual
        self.actual = actual
        return changed


def balloon_state(machine: Machine) -> BalloonState:
    return machine.part(BalloonState, lambda: BalloonState(machine.options.guest.ram_size))


def has_balloon(machine: Machine) -> bool:
    """Whether the machine has a balloon device (from -device or device_add)."""
    from qmonitor.machine.devices.state import pc_hotplug

    hotplug = pc_hotplug(machine)
    if hotplug is None:
        return machine.options.guest.has_device(*BALLOON_DRIVERS)
    return any(dev.typename in BALLOON_DRIVERS for dev in hotplug.user_devices())


def check_balloon_add(hotplug: Hotplug, driver: str) -> None:
    """Refuse a second balloon device on a PC (QEMU's text)."""
    if driver in BALLOON_DRIVERS and any(
        dev.typename in BALLOON_DRIVERS for dev in hotplug.user_devices()
    ):
        raise QapiError(ONLY_ONE)


def balloon(machine: Machine, value: int) -> None:
    """``balloon``: ask the guest for ``value`` bytes; no guest driver answers."""
    if not has_balloon(machine):
        raise QapiError(NO_BALLOON, ErrorClass.DEVICE_NOT_ACTIVE)
    if value <= 0:
        raise QapiError(BALLOON_TARGET)
    balloon_state(machine).set_target(value)


def query_balloon(machine: Machine) -> dict[str, int]:
    """``query-balloon``: the guest's memory as its driver last reported it."""
    if not has_balloon(machine):
        raise QapiError(NO_BALLOON, ErrorClass.DEVICE_NOT_ACTIVE)
    return {"actual": balloon_state(machine).actual}


def guest_set_actual(machine: Machine, actual: int) -> None:
    """The guest's balloon driver reports ``actual`` bytes of memory left to it.

    What virtio_balloon_set_config does when the guest writes the config:
    ``query-balloon`` answers ``actual`` from now on and, if it changed,
    BALLOON_CHANGE goes out (the monitor throttles it to one a second).
    Nothing happens without a balloon device.
    """
    if not has_balloon(machine):
        return
    state = balloon_state(machine)
    if state.report(actual):
        machine.emit_event("BALLOON_CHANGE", {"actual": state.actual})


def balloon_target(machine: Machine) -> int:
    """The size the host last asked the guest for, in bytes."""
    return balloon_state(machine).target
