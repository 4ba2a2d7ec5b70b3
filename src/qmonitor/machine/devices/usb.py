"""USB buses, their ports, and the devices on them (hw/usb/bus.c, hcd-*.c, dev-*.c).

A host controller owns one USB bus (``ID.0``, else ``usb-bus.N``) whose
ports it registers with the speeds it serves: UHCI and OHCI low and full
speed (2 and ``num-ports`` ports), EHCI high speed (6 ports), xHCI every
speed (``max(p2, p3)`` ports).  A UHCI or OHCI given a ``masterbus`` makes
no bus of its own: it lends low and full speed to ports of that EHCI bus
(its companion).  Every bus is numbered in creation order (``busnr``),
and ``-usbdevice`` takes the first one.

A device takes the port its ``port`` property names (``1``, ``1.3``
through a hub), else the first free port; when one port is left and the
device is no hub, QEMU first plugs a hub there (an anonymous board
device) and the device takes the hub's first port.  A hub adds its own
ports (``PATH.1`` ...) at the end of the free list, a freed port goes
there too.  The device is attached at the highest speed both it and its
port serve; with none in common its realize fails (QEMU's "speed
mismatch" text).  A USB bus lets its devices go at once on
``device_del``; a hub's devices go before it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from qmonitor.machine.devices.qdev import Bus, Device
from qmonitor.qapi.error import QapiError

# Texts of QEMU 7.2 (hw/usb/bus.c, hcd-ehci.c, hcd-ohci.c, dev-hid.c, dev-hub.c,
# dev-serial.c, dev-storage-classic.c).
PORT_NOT_FOUND = "usb port {} (bus {}) not found (in use?)"
NO_FREE_PORTS = "tried to attach usb device {} to a bus with no free ports"
SPEED_MISMATCH = (
    'Warning: speed mismatch trying to attach usb device "{}" ({} speed)'
    ' to bus "{}", port "{}" ({} speed)'
)
MASTERBUS_NOT_FOUND = "USB bus '{}' not found"
NOT_A_MASTERBUS = "Can't use USB bus '{}' as masterbus, it doesn't support companion controllers"
FIRSTPORT_RANGE = "firstport must be between 0 and {}"
COMPANION_TAKEN = "firstport {} asks for ports {}-{}, but port {} has a companion assigned already"
OHCI_TOO_MANY = "OHCI num-ports={} is too big (limit is {} ports)"
HID_VERSION = "Invalid usb version {} for usb hid device"
HUB_PORTS = "num_ports ({}) out of range (1..{})"
HUB_TOO_DEEP = "usb hub chain too deep"
NEEDS_CHARDEV = "Property chardev is required"
DRIVE_NOT_SET = "drive property not set"
MTP_NO_ROOTDIR = "usb-mtp: rootdir must be configured and be an absolute path"
MTP_UNREADABLE = "usb-mtp: rootdir does not exist/not readable"
MTP_READONLY = "usb-mtp: rootdir does not have write permissions"
#: qapi/qmp/qerror.h QERR_MISSING_PARAMETER (usb-redir without its chardev).
MISSING_PARAMETER = "Parameter '{}' is missing"
#: softmmu/vl.c and hw/usb/bus.c: ``-usbdevice``'s messages.
NO_BUS_FOR_USBDEVICE = (
    "Error: no usb bus to attach usbdevice {}, please try -machine usb=on"
    " and check that the machine model supports USB"
)
USBDEVICE_PARAMS = "usbdevice parameters are not supported anymore"
USBDEVICE_FAILED = "could not add USB device '{}'"
USBDEVICE_INIT = "Failed to initialize USB device '{}': {}"

# Speeds (include/hw/usb.h) and how bus.c prints them.
LOW, FULL, HIGH, SUPER = 0, 1, 2, 3
SPEED_TEXT = ("1.5", "12", "480", "5000")
_MASK_NAMES = ((1 << FULL, "full"), (1 << HIGH, "high"), (1 << SUPER, "super"))
LOW_FULL = 1 << LOW | 1 << FULL
#: hw/usb/dev-hub.c MAX_PORTS; hcd-ohci.c OHCI_MAX_PORTS; hcd-xhci.h XHCI_MAXPORTS_2/_3.
HUB_MAX_PORTS = 8
OHCI_MAX_PORTS = 15
XHCI_MAX_PORTS = 15
#: hcd-ehci.h NB_PORTS; hcd-uhci.c NB_PORTS.
EHCI_PORTS = 6
UHCI_PORTS = 2

#: ``-usbdevice`` names and the types they make (usb_legacy_register calls).
LEGACY_NAMES = {
    "tablet": "usb-tablet",
    "mouse": "usb-mouse",
    "keyboard": "usb-kbd",
    "braille": "usb-braille",
    "wacom-tablet": "usb-wacom-tablet",
}
#: The HID devices, whose speeds follow their ``usb_version``.
HID_DEVICES = ("usb-tablet", "usb-mouse", "usb-kbd")
_F, _H, _S = 1 << FULL, 1 << HIGH, 1 << SUPER
#: Each USB device type: its product description and the speeds its descriptors offer.
USB_DEVICES: dict[str, tuple[str, int]] = {
    "usb-tablet": ("QEMU USB Tablet", _F | _H),
    "usb-mouse": ("QEMU USB Mouse", _F | _H),
    "usb-kbd": ("QEMU USB Keyboard", _F | _H),
    "usb-hub": ("QEMU USB Hub", _F),
    "usb-wacom-tablet": ("QEMU PenPartner Tablet", _F),
    "usb-serial": ("QEMU USB Serial", _F),
    "usb-braille": ("QEMU USB Braille", _F),
    "usb-net": ("QEMU USB Network Interface", _F),
    "usb-storage": ("QEMU USB MSD", _F | _H | _S),
    "usb-bot": ("QEMU USB MSD", _F | _H | _S),
    "usb-ccid": ("QEMU USB CCID", _F),
    "usb-uas": ("USB Attached SCSI HBA", _H | _S),
    "usb-mtp": ("QEMU USB MTP", _F | _H),
    "usb-audio": ("QEMU USB Audio Interface", _F),
    "usb-host": ("USB Host Device", 0),
    "usb-redir": ("USB Redirection Device", 0),
}
#: The controllers, by kind.
UHCI = ("piix3-usb-uhci", "piix4-usb-uhci", *(f"ich9-usb-uhci{n}" for n in range(1, 7)))
EHCI = ("usb-ehci", "ich9-usb-ehci1", "ich9-usb-ehci2")
XHCI = ("qemu-xhci", "nec-usb-xhci")
OHCI = ("pci-ohci",)
CONTROLLERS = (*UHCI, *EHCI, *XHCI, *OHCI)


_ORDER = itertools.count()


def _signed(value: int) -> int:
    """A uint32 property as QEMU's ``%d`` prints it."""
    return value - (1 << 32) if value >= 1 << 31 else value


def mask_text(mask: int) -> str:
    """usb_mask_to_str: ``full+high``, ``unknown``."""
    names = [name for bit, name in _MASK_NAMES if mask & bit]
    return "+".join(names) or "unknown"


@dataclass(eq=False, slots=True)
class UsbPort:
    """A port of a controller or a hub: its path, the speeds it serves, its device."""

    path: str
    speedmask: int
    hubcount: int = 0
    dev: Device | None = None


@dataclass(eq=False, slots=True)
class UsbState:
    """A USB device's place: its port, speed, whether attached; a hub's own ports."""

    product: str
    speedmask: int
    port: UsbPort | None = None
    speed: int = FULL
    attached: bool = False
    hub_ports: list[UsbPort] = field(default_factory=list)
    #: Whether its realize attaches it (usb-bot made by device_add waits).
    auto_attach: bool = True
    #: When it was made, among all USB devices (QOM numbers QEMU's own ones so).
    order: int = field(default_factory=lambda: next(_ORDER))


class UsbBus(Bus):
    """A USB bus: its number, its free and used ports (QEMU's two lists, in order)."""

    def __init__(self, name: str, busnr: int, companions: bool = False) -> None:
        super().__init__(name, "usb-bus")
        self.busnr = busnr
        self.hotpluggable = True
        #: Whether UHCI/OHCI may lend it low and full speed (an EHCI bus).
        self.companions = companions
        self.ports: list[UsbPort] = []
        self.free: list[UsbPort] = []
        self.used: list[UsbPort] = []
        #: EHCI: which of its ports have a companion.
        self.companion_ports: set[int] = set()

    def register(self, port: UsbPort) -> None:
        self.ports.append(port)
        self.free.append(port)


def usb_state(dev: Device) -> UsbState | None:
    """The USB state of ``dev`` (None: no USB device)."""
    return dev.usb if isinstance(dev.usb, UsbState) else None


def controller_bus(
    dev: Device,
    ident: str | None,
    values: dict[str, Any],
    buses: list[UsbBus],
    auto_name: Callable[[str], str],
) -> None:
    """Give a host controller its bus and ports, or lend its ports to its masterbus."""
    typename = dev.typename
    masterbus = values.get("masterbus")
    if typename in UHCI or typename in OHCI:
        count = UHCI_PORTS if typename in UHCI else int(values.get("num-ports", 3))
        if typename in OHCI and count > OHCI_MAX_PORTS:
            raise QapiError(OHCI_TOO_MANY.format(count, OHCI_MAX_PORTS))
        if masterbus:
            _companion(str(masterbus), count, int(values.get("firstport", 0)), buses)
            return
        speeds = [LOW_FULL] * count
    elif typename in EHCI:
        speeds = [1 << HIGH] * EHCI_PORTS
    else:
        p2 = min(int(values.get("p2", 4)), XHCI_MAX_PORTS)
        p3 = min(int(values.get("p3", 4)), XHCI_MAX_PORTS)
        usb2 = LOW_FULL | 1 << HIGH
        speeds = [(usb2 if i < p2 else 0) | (_S if i < p3 else 0) for i in range(max(p2, p3))]
    # hcd-ehci-pci.c: the ICH9 EHCIs (not hotpluggable) take companions, usb-ehci not.
    companions = typename in EHCI and typename != "usb-ehci"
    bus = UsbBus(f"{ident}.0" if ident else auto_name("usb-bus"), len(buses), companions)
    for index, mask in enumerate(speeds):
        bus.register(UsbPort(str(index + 1), mask))
    buses.append(bus)
    dev.add_bus(bus)


def _companion(masterbus: str, count: int, firstport: int, buses: list[UsbBus]) -> None:
    """usb_register_companion and ehci_register_companion's checks and effect."""
    bus = next((b for b in buses if b.name == masterbus), None)
    if bus is None:
        raise QapiError(MASTERBUS_NOT_FOUND.format(masterbus))
    if not bus.companions:
        raise QapiError(NOT_A_MASTERBUS.format(masterbus))
    if firstport + count > EHCI_PORTS:
        raise QapiError(FIRSTPORT_RANGE.format(EHCI_PORTS - count))
    for i in range(count):
        if firstport + i in bus.companion_ports:
            raise QapiError(
                COMPANION_TAKEN.format(firstport, firstport, firstport + count - 1, firstport + i)
            )
    for i in range(count):
        bus.companion_ports.add(firstport + i)
        bus.ports[firstport + i].speedmask |= LOW_FULL


def device_speeds(typename: str, values: dict[str, Any]) -> tuple[str, int]:
    """A USB device's product and speeds, as its realize sets them up."""
    product, mask = USB_DEVICES[typename]
    if typename in HID_DEVICES:
        version = int(values.get("usb_version", 2))
        if version not in (1, 2):
            raise QapiError(HID_VERSION.format(_signed(version)))
        mask = _F if version == 1 else _F | _H
    return product, mask


def plug_usb(
    bus: UsbBus,
    dev: Device,
    make_hub: Callable[[], object] | None,
    realize: Callable[[], object] = lambda: None,
) -> None:
    """usb_qdev_realize: claim a port, realize the device, attach it.

    ``make_hub``: plugs QEMU's automatic hub on ``bus`` (None: none may be
    made); ``realize``: the device's own realize, once it has its port.
    Raises QEMU's error, with the device off the bus and its port free.
    """
    state = usb_state(dev)
    assert state is not None
    bus.add(dev)  # qdev puts it on its bus before its realize
    try:
        port = _claim(bus, dev, state, make_hub)
    except QapiError:
        bus.remove(dev)
        raise
    bus.free.remove(port)
    bus.used.append(port)
    port.dev, state.port = dev, port
    try:
        realize()
        _realize(bus, dev, state)
    except QapiError:
        _release(bus, dev, state)
        bus.remove(dev)
        raise


def _claim(
    bus: UsbBus, dev: Device, state: UsbState, make_hub: Callable[[], object] | None
) -> UsbPort:
    """usb_claim_port's choice: the port ``port`` names, else the first free one."""
    path = dev.values.get("port")
    if path is not None:  # even an empty one names a port (none has that path)
        port = next((p for p in bus.free if p.path == path), None)
        if port is None:
            raise QapiError(PORT_NOT_FOUND.format(path, bus.name))
        return port
    if len(bus.free) == 1 and dev.typename != "usb-hub" and make_hub is not None:
        make_hub()
    if not bus.free:
        raise QapiError(NO_FREE_PORTS.format(state.product))
    return bus.free[0]


#: The devices that wait to be attached: a serial port until its chardev
#: opens, usb-host until a host device
#: matches, usb-redir until its peer says which device it redirects (none of
#: which happens on the null machine).  usb-host and usb-redir have no speed
#: until then (low speed, 0, as printed).
DETACHED = ("usb-serial", "usb-braille", "usb-host", "usb-redir")


def _realize(bus: UsbBus, dev: Device, state: UsbState) -> None:
    port = state.port
    assert port is not None
    if dev.typename == "usb-hub":
        count = int(dev.values.get("ports", HUB_MAX_PORTS))
        if not 1 <= count <= HUB_MAX_PORTS:
            raise QapiError(HUB_PORTS.format(_signed(count), HUB_MAX_PORTS))
        if port.hubcount == 5:
            raise QapiError(HUB_TOO_DEEP)
        for i in range(count):
            hub_port = UsbPort(f"{port.path}.{i + 1}", LOW_FULL, port.hubcount + 1)
            state.hub_ports.append(hub_port)
            bus.register(hub_port)
    if dev.typename in DETACHED or not state.auto_attach:
        state.speed = LOW if dev.typename in ("usb-host", "usb-redir") else FULL
        return
    common = port.speedmask & state.speedmask
    if not common:
        raise QapiError(
            SPEED_MISMATCH.format(
                state.product,
                mask_text(state.speedmask),
                bus.name,
                port.path,
                mask_text(port.speedmask),
            )
        )
    state.speed = common.bit_length() - 1
    state.attached = True


def _release(bus: UsbBus, dev: Device, state: UsbState) -> None:
    port = state.port
    if port is None:
        return
    for hub_port in state.hub_ports:
        bus.ports.remove(hub_port)
        if hub_port in bus.free:
            bus.free.remove(hub_port)
    state.hub_ports.clear()
    bus.used.remove(port)
    bus.free.append(port)
    port.dev, state.port = None, None
    state.attached = False


def unplug_order(dev: Device) -> list[Device]:
    """The devices that go when ``dev`` goes: those behind a hub's ports first."""
    state = usb_state(dev)
    out: list[Device] = []
    if state is not None:
        for port in state.hub_ports:
            if port.dev is not None:
                out.extend(unplug_order(port.dev))
    out.append(dev)
    return out


def unplug_usb(dev: Device) -> None:
    """Free ``dev``'s port (and its hub's) and take it off its bus."""
    bus = dev.bus
    state = usb_state(dev)
    assert isinstance(bus, UsbBus) and state is not None
    _release(bus, dev, state)
    bus.remove(dev)


def bus_line(dev: Device) -> list[str]:
    """What ``info qtree`` prints of a USB device under its properties."""
    state = usb_state(dev)
    bus = dev.bus
    if state is None or not isinstance(bus, UsbBus):
        return []
    path = state.port.path if state.port is not None else "-"
    attached = ", attached" if state.attached else ""
    return [
        f"addr {bus.busnr}.0, port {path}, speed {SPEED_TEXT[state.speed]},"
        f" name {state.product}{attached}"
    ]


def info_usb(buses: list[UsbBus]) -> str:
    """``info usb`` (x-query-usb): the used ports of every bus, in claim order."""
    out = []
    for bus in buses:
        for port in bus.used:
            dev = port.dev
            state = usb_state(dev) if dev is not None else None
            if dev is None or state is None:
                continue
            ident = f", ID: {dev.id}" if dev.id is not None else ""
            out.append(
                f"  Device {bus.busnr}.0, Port {port.path},"
                f" Speed {SPEED_TEXT[state.speed]} Mb/s, Product {state.product}{ident}\n"
            )
    return "".join(out)
