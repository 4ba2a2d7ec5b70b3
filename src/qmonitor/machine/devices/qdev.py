"""qdev devices and buses, and ``info qtree``.

A :class:`Device` has a type, an optional id, its own property values
(the others keep the recorded defaults), the lines its bus prints for it
(a sysbus device's MMIO windows, a PCI device's class and BARs) and the
buses it owns.  A :class:`Bus` keeps its children in creation order;
QEMU inserts a new child (and a device's new bus) at the head of its
list, so ``info qtree`` prints them newest first (hw/core/qdev-monitor's
qbus_print, QEMU 7.2).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from qmonitor.machine.devices.facts import facts, format_value


class Bus:
    """A bus: its name, the type ``info qtree`` prints, its devices."""

    def __init__(self, name: str, kind: str, parent: Device | None = None) -> None:
        self.name = name
        #: The bus class's name as printed (``PCI``, ``ISA``, ``System`` ...).
        self.kind = kind
        self.parent = parent
        self.children: list[Device] = []
        #: Whether devices may be plugged while the machine runs.
        self.hotpluggable = False
        #: The ``child[N]`` number the next device takes (bus_add_child: never reused).
        self.max_index = 0
        #: Each device's plug (True) and unplug (False) by its number, in order:
        #: the bus's QOM links come and go with them.
        self.history: list[tuple[bool, int]] = []

    def add(self, device: Device) -> Device:
        device.bus = self
        device.bus_index = self.max_index
        self.history.append((True, self.max_index))
        self.max_index += 1
        self.children.append(device)
        return device

    def remove(self, device: Device) -> None:
        self.children.remove(device)
        self.history.append((False, device.bus_index))
        device.bus = None

    def walk(self) -> Iterator[Device]:
        """Every device on this bus and below it, in creation order."""
        for dev in self.children:
            yield dev
            for bus in dev.buses:
                yield from bus.walk()

    def print_tree(self, out: list[str], indent: int) -> None:
        pad = " " * indent
        out.append(f"{pad}bus: {self.name}\n")
        out.append(f"{pad}  type {self.kind}\n")
        for dev in reversed(self.children):
            dev.print_tree(out, indent + 2)


class Device:
    """A qdev device (see the module docstring)."""

    def __init__(self, typename: str, ident: str | None = None, /, **values: Any) -> None:
        self.typename = typename
        #: The name its recorded facts are under (``TYPE@port``: behind a PCIe port).
        self.facts_key = typename
        self.id = ident
        #: Property values other than the recorded defaults, by name.
        self.values: dict[str, Any] = values
        self.bus: Bus | None = None
        #: Its number on its bus (its ``child[N]`` link there).
        self.bus_index = -1
        self.buses: list[Bus] = []
        #: Lines the parent bus prints for the device (mmio windows ...).
        self.bus_lines: Callable[[], list[str]] = list
        #: Whether it came from ``-device``/``device_add`` (a user's device).
        self.user = False
        self.hotplugged = False
        #: An unplug was asked for and waits for the guest.
        self.unplug_pending = False
        #: Where the QOM tree has it (a user's device), else None.
        self.qom_path: str | None = None
        #: The N of its ``/machine/peripheral-anon/device[N]`` (a user's device without id).
        self.anon_index: int | None = None
        #: What a memory device maps (a virtio-mem device's state), else None.
        self.memory: Any = None
        #: A USB device's port, speed and attachment (devices/usb.py), else None.
        self.usb: Any = None

    def add_bus(self, bus: Bus) -> Bus:
        bus.parent = self
        self.buses.append(bus)
        return bus

    def prop_lines(self) -> list[str]:
        out = []
        for name, default in facts(self.facts_key).props:
            if name in self.values:
                out.append(f"{name} = {format_value(default, self.values[name])}")
            else:
                out.append(f"{name} = {default}")
        return out

    def print_tree(self, out: list[str], indent: int) -> None:
        pad = " " * indent
        out.append(f'{pad}dev: {self.typename}, id "{self.id or ""}"\n')
        for line in (*facts(self.facts_key).gpio, *self.prop_lines(), *self.bus_lines()):
            out.append(f"{pad}  {line}\n")
        for bus in reversed(self.buses):
            bus.print_tree(out, indent + 2)


def qtree_text(root: Bus) -> str:
    """``info qtree`` of the machine whose main system bus is ``root``."""
    out: list[str] = []
    root.print_tree(out, 0)
    return "".join(out)
