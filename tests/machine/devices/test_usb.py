"""The USB model's ports, speeds and hubs (hw/usb/bus.c), and a UHCI's port registers."""

from __future__ import annotations

import pytest

from qmonitor.machine.devices.pci import PciBus, PciDevice
from qmonitor.machine.devices.pci_io import PciIoView
from qmonitor.machine.devices.usb import (
    UsbBus,
    controller_bus,
    device_speeds,
    info_usb,
    mask_text,
    plug_usb,
    unplug_order,
    unplug_usb,
)
from qmonitor.machine.devices.usb_plug import auto_hub, new_usb_device
from qmonitor.machine.devices.usb_regs import (
    EHCI_CONFIGFLAG,
    EHCI_PORTSC,
    PORT_CCS,
    PORT_CSC,
    PORT_RSVD1,
    PORTSC_CONNECT,
    PORTSC_CSC,
    PORTSC_POWNER,
    PORTSC_PPOWER,
    ehci_read,
    ehci_write,
    uhci_read,
)
from qmonitor.machine.ports import PortBus
from qmonitor.qapi.error import QapiError


def _bus(typename: str, **values: object) -> tuple[PciDevice, list[UsbBus]]:
    buses: list[UsbBus] = []
    names = iter(range(10))
    dev = PciDevice(typename, None, 8)
    controller_bus(dev, None, values, buses, lambda kind: f"{kind}.{next(names)}")
    return dev, buses


def test_a_uhci_has_two_full_speed_ports_and_a_hub_comes_for_the_last() -> None:
    _, (bus,) = _bus("piix3-usb-uhci")
    for typename in ("usb-tablet", "usb-kbd", "usb-mouse"):
        plug_usb(bus, new_usb_device(typename, None, {}), lambda: auto_hub(bus))
    assert info_usb([bus]).splitlines() == [
        "  Device 0.0, Port 1, Speed 12 Mb/s, Product QEMU USB Tablet",
        "  Device 0.0, Port 2, Speed 12 Mb/s, Product QEMU USB Hub",
        "  Device 0.0, Port 2.1, Speed 12 Mb/s, Product QEMU USB Keyboard",
        "  Device 0.0, Port 2.2, Speed 12 Mb/s, Product QEMU USB Mouse",
    ]


def test_a_full_speed_device_on_an_ehci_port_is_refused_and_frees_the_port() -> None:
    _, (bus,) = _bus("usb-ehci")
    kbd = new_usb_device("usb-kbd", "k", {"usb_version": 1})
    kbd.usb.speedmask = 2  # usb_version=1: full speed only
    with pytest.raises(QapiError, match=r'"QEMU USB Keyboard" \(full speed\).*port "1"'):
        plug_usb(bus, kbd, None)
    assert [p.path for p in bus.free] == ["2", "3", "4", "5", "6", "1"]
    assert kbd.bus is None


def test_a_companion_lends_full_speed_to_its_ehci_ports() -> None:
    _, buses = _bus("ich9-usb-ehci1")
    controller_bus(PciDevice("ich9-usb-uhci1", None, 0), None,
                   {"masterbus": "usb-bus.0", "firstport": 2}, buses, str)  # fmt: skip
    assert [mask_text(p.speedmask) for p in buses[0].ports] == [
        "high", "high", "full+high", "full+high", "high", "high",
    ]  # fmt: skip
    with pytest.raises(QapiError, match="port 3 has a companion assigned already"):
        controller_bus(PciDevice("ich9-usb-uhci2", None, 1), None,
                       {"masterbus": "usb-bus.0", "firstport": 3}, buses, str)  # fmt: skip


def test_a_hub_goes_after_the_devices_behind_it() -> None:
    _, (bus,) = _bus("qemu-xhci")
    hub = new_usb_device("usb-hub", "h", {})
    plug_usb(bus, hub, None)
    mouse = new_usb_device("usb-mouse", "m", {"port": "1.4"})
    plug_usb(bus, mouse, None)
    assert [d.id for d in unplug_order(hub)] == ["m", "h"]
    for dev in unplug_order(hub):
        unplug_usb(dev)
    assert bus.children == [] and [p.path for p in bus.free] == ["2", "3", "4", "1"]


def test_a_uhci_port_register_shows_its_attached_device() -> None:
    dev, (bus,) = _bus("piix3-usb-uhci")
    plug_usb(bus, new_usb_device("usb-tablet", None, {"port": "2"}), None)
    assert uhci_read(dev, 0x10, 2, lambda name: None) == PORT_RSVD1
    assert uhci_read(dev, 0x12, 2, lambda name: None) == PORT_RSVD1 | PORT_CCS | PORT_CSC


def test_configflag_hands_a_companion_s_ports_to_the_ehci() -> None:
    ehci, buses = _bus("ich9-usb-ehci1")
    uhci = PciDevice("ich9-usb-uhci2", None, 1, masterbus="usb-bus.0", firstport=2)
    controller_bus(uhci, None, dict(uhci.values), buses, str)
    plug_usb(buses[0], new_usb_device("usb-tablet", None, {"port": "4"}), None)
    find = {"usb-bus.0": ehci}.get
    # After a reset the companion owns ports 2 and 3 (its own 0 and 1).
    assert uhci_read(uhci, 0x12, 2, find) == PORT_RSVD1 | PORT_CCS | PORT_CSC
    assert ehci_read(ehci, EHCI_PORTSC + 4 * 3, 4) == PORTSC_POWNER | PORTSC_PPOWER
    assert ehci_read(ehci, EHCI_PORTSC, 4) == PORTSC_PPOWER
    ehci_write(ehci, EHCI_CONFIGFLAG, 4, 1)
    assert ehci_read(ehci, EHCI_CONFIGFLAG, 4) == 1
    assert uhci_read(uhci, 0x12, 2, find) == PORT_RSVD1
    assert ehci_read(ehci, EHCI_PORTSC + 4 * 3, 4) == PORTSC_PPOWER | PORTSC_CONNECT | PORTSC_CSC
    ehci.reset()
    assert ehci_read(ehci, EHCI_PORTSC + 4 * 3, 4) == PORTSC_POWNER | PORTSC_PPOWER


class _Echo:
    def port_read(self, addr: int, size: int) -> int:
        return addr

    def port_write(self, addr: int, size: int, value: int) -> None:
        raise AssertionError


def test_an_unclaimed_port_reaches_the_fallback_with_its_address() -> None:
    ports = PortBus()
    assert ports.inp(0xC000, 2) == 0xFFFF
    ports.fallback = _Echo()
    assert ports.inp(0xC000, 2) == 0xC000


def test_an_io_bar_reaches_its_uhci_once_mapped_and_enabled() -> None:
    dev, (bus,) = _bus("piix3-usb-uhci")
    plug_usb(bus, new_usb_device("usb-mouse", None, {}), None)
    root = PciBus("pci.0", "PCI")
    root.add(dev)
    view = PciIoView(lambda: root)
    assert view.port_read(0xC010, 2) == 0xFFFF  # BAR 4 has no address yet
    dev.config[0x20:0x24] = (0xC000 | 1).to_bytes(4, "little")
    assert view.port_read(0xC010, 2) == 0xFFFF  # I/O decoding is off
    dev.config[0x04] |= 1
    assert view.port_read(0xC010, 2) == PORT_RSVD1 | PORT_CCS | PORT_CSC
    assert view.port_read(0xC012, 2) == PORT_RSVD1


def test_a_hid_device_of_another_usb_version_is_refused_as_qemu_prints_it() -> None:
    with pytest.raises(QapiError, match=r"^Invalid usb version -1 for usb hid device$"):
        device_speeds("usb-kbd", {"usb_version": 0xFFFFFFFF})
