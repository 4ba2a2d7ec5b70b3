"""The devices QEMU 7.2 makes for ``-M pc`` (i440FX/PIIX3) and ``-M q35`` (MCH/ICH9).

The board's own devices come in the order QEMU creates them (hw/i386/
pc_piix.c, pc_q35.c, pc.c, hw/isa/, hw/southbridge/): each bus prints its
newest device first.  The default devices (:class:`DefaultDevices`) follow
the command line: ``-vga``, ``-net``/``-nic``, ``-serial``, ``-parallel``
and ``-nodefaults`` (the CD-ROM drive and, on i440FX, the floppy drive).
Where one device type appears several times (two i8259s, two i8257s,
eight SPD EEPROMs), the instance values are the ones the board sets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from qmonitor.machine.devices.facts import facts
from qmonitor.machine.devices.pci import PciBus, PciDevice
from qmonitor.machine.devices.qdev import Bus, Device
from qmonitor.machine.devices.storage import BoardDrive, floppy_devices, ide_devices
from qmonitor.machine.devices.usb import UsbBus, controller_bus

#: ISA serial ports (hw/char/serial-isa.c): I/O base and IRQ by index.
SERIAL_PORTS = ((0x3F8, 4), (0x2F8, 3), (0x3E8, 4), (0x2E8, 3))
#: ISA parallel ports (hw/char/parallel-isa.c).
PARALLEL_PORTS = ((0x378, 7), (0x278, 7), (0x3BC, 7))
#: The first MAC address QEMU gives a NIC without one (net/net.c).
MAC_BASE = (0x52, 0x54, 0x00, 0x12, 0x34, 0x56)
#: The VGA adapters ``-vga`` names (softmmu/vl.c vga_interfaces).
VGA_TYPES = {"std": "VGA", "cirrus": "cirrus-vga"}


@dataclass(frozen=True, slots=True)
class DefaultDevices:
    """The default devices the command line leaves in place."""

    vga: str | None = "std"
    nic: bool = True
    serials: int = 1
    parallels: int = 1
    cdrom: bool = True
    floppy: bool = True
    #: ``-usb`` or ``-machine usb=on``: the board's USB controllers.
    usb: bool = False
    #: ``-usbdevice``: the names given, in order.
    usbdevices: tuple[str, ...] = ()

    @classmethod
    def none(cls) -> DefaultDevices:
        """``-nodefaults``."""
        return cls(None, False, 0, 0, False, False)


def _mmio(base: int, size: int) -> list[str]:
    return [f"mmio {base:016x}/{size:016x}"]


class PcDevices:
    """A PC's device tree: the main system bus and the PCI root bus."""

    def __init__(
        self,
        q35: bool,
        defaults: DefaultDevices,
        lowmem: int,
        ram_size: int,
        nics: list[tuple[str, str, str]] | None = None,
        allocate_mac: Callable[[], str] | None = None,
        drives: Sequence[BoardDrive] | None = None,
        acpi: bool = True,
    ) -> None:
        self.q35 = q35
        #: ``-machine acpi=off`` (``-no-acpi``) takes the i440FX's PIIX4_PM away.
        self.acpi = acpi
        #: The NICs of -nic and -net nic: (model, MAC, back-end's name); None:
        #: the default one when ``defaults.nic``.
        self.nics = nics
        #: Where a NIC without a MAC address gets one (QEMU's table), else a counter.
        self.allocate_mac = allocate_mac
        #: The board's NICs, in creation order.
        self.board_nics: list[PciDevice] = []
        #: The command line's drives the board makes devices for (None: the
        #: default CD-ROM and floppy as ``defaults`` says).
        self.drives = drives
        self.sysbus = Bus("main-system-bus", "System")
        #: Automatic bus names by bus type name (``ide`` -> next N of ``ide.N``).
        self.auto_ids: dict[str, int] = {}
        self.nic_count = 0
        #: The USB buses in creation order (their numbers; -usbdevice takes the first).
        self.usb_buses: list[UsbBus] = []
        sysbus = self.sysbus
        sysbus.add(Device("kvmvapic"))
        sysbus.add(Device("fw_cfg_io"))
        host = sysbus.add(Device("q35-pcihost" if q35 else "i440FX-pcihost"))
        if q35:
            host.values["below-4g-mem-size"] = min(ram_size, lowmem)
            host.values["above-4g-mem-size"] = max(ram_size - lowmem, 0)
            self.root = PciBus(self.auto_name("pcie"), "PCIE")
        else:
            self.root = PciBus(self.auto_name("pci"), "PCI")
            # i440FX's root bus takes hotplugged devices through ACPI (PIIX4_PM),
            # which only a machine with ACPI has.
            self.root.hotpluggable = acpi
        self.root.first_slot = 1
        host.add_bus(self.root)
        ioapic = sysbus.add(Device("ioapic"))
        ioapic.bus_lines = lambda: _mmio(0xFEC00000, 0x1000)
        hpet = sysbus.add(Device("hpet", **({"hpet-intcap": 0xFF0104} if q35 else {})))
        hpet.bus_lines = lambda: _mmio(0xFED00000, 0x400)
        sysbus.add(Device("ps2-kbd"))
        sysbus.add(Device("ps2-mouse"))
        if q35:
            self._q35(defaults)
        else:
            self._i440fx(defaults)

    def auto_name(self, kind: str) -> str:
        """qbus's automatic name: the bus type in lower case and a counter per type."""
        n = self.auto_ids.get(kind, 0)
        self.auto_ids[kind] = n + 1
        return f"{kind}.{n}"

    def pci(self, typename: str, devfn: int, **values: object) -> PciDevice:
        dev = PciDevice(typename, None, devfn, **values)
        self.root.add(dev)
        return dev

    def next_mac(self) -> str:
        if self.allocate_mac is not None:
            return self.allocate_mac()
        mac = list(MAC_BASE)
        mac[5] += self.nic_count
        self.nic_count += 1
        return ":".join(f"{b:02x}" for b in mac)

    def _i440fx(self, defaults: DefaultDevices) -> None:
        self.pci("i440FX", 0)
        piix3 = self.pci("PIIX3", 1 << 3)
        isa = piix3.add_bus(Bus(self.auto_name("isa"), "ISA"))
        self._isa(isa, defaults, fdc=True)
        self._defaults_pci(defaults)
        ide = self.pci("piix3-ide", 1 << 3 | 1)
        buses = [ide.add_bus(Bus(self.auto_name("ide"), "IDE")) for _ in range(2)]
        if self.drives is not None:
            ide_devices(buses, self.drives)
        elif defaults.cdrom:
            buses[1].add(Device("ide-cd", drive="ide1-cd0", serial="QM00003"))
        if defaults.usb:
            self._usb_controller(self.pci("piix3-usb-uhci", 1 << 3 | 2), {})
        if self.acpi:
            # pc_piix.c makes the PM device, its SMBus and EEPROMs only with ACPI.
            pm = self.pci("PIIX4_PM", 1 << 3 | 3)
            self._smbus(pm)

    def _q35(self, defaults: DefaultDevices) -> None:
        self.pci("mch", 0)
        lpc = self.pci("ICH9-LPC", 0x1F << 3)
        isa = lpc.add_bus(Bus(self.auto_name("isa"), "ISA"))
        self._isa(isa, defaults, fdc=False)
        ahci = self.pci("ich9-ahci", 0x1F << 3 | 2)
        buses = [ahci.add_bus(Bus(self.auto_name("ide"), "IDE")) for _ in range(6)]
        if self.drives is not None:
            ide_devices(buses, self.drives)
        elif defaults.cdrom:
            buses[2].add(Device("ide-cd", drive="ide2-cd0", serial="QM00005"))
        if defaults.usb:
            # pc_q35.c: ICH9's first EHCI at 1d.7 and its three UHCI companions.
            ehci = self.pci("ich9-usb-ehci1", 0x1D << 3 | 7, multifunction=True)
            self._usb_controller(ehci, {})
            for n in range(3):
                values = {"masterbus": ehci.buses[0].name, "firstport": 2 * n}
                uhci = self.pci(f"ich9-usb-uhci{n + 1}", 0x1D << 3 | n, multifunction=True,
                                **values)  # fmt: skip
                self._usb_controller(uhci, values)
        smb = self.pci("ICH9-SMB", 0x1F << 3 | 3)
        self._smbus(smb)
        self._defaults_pci(defaults)

    def _defaults_pci(self, defaults: DefaultDevices) -> None:
        """The default VGA adapter and NIC, in the first free slots."""
        if defaults.vga is not None and defaults.vga in VGA_TYPES:
            devfn = self.root.free_devfn()
            assert devfn is not None
            self.pci(VGA_TYPES[defaults.vga], devfn)
        nics = self.nics
        if nics is None:
            default = "e1000e" if self.q35 else "e1000"
            nics = [(default, self.next_mac(), "hub0port0")] if defaults.nic else []
        for model, mac, netdev in nics:
            devfn = self.root.free_devfn()
            assert devfn is not None
            if model == "virtio-net-pci":
                # The proxy's virtio device holds the NIC's properties.
                dev = self.pci(model, devfn)
                vbus = dev.add_bus(Bus("virtio-bus", "virtio-pci-bus"))
                vbus.add(Device("virtio-net-device", mac=mac, netdev=netdev))
            else:
                dev = self.pci(model, devfn, mac=mac, netdev=netdev)
            self.board_nics.append(dev)

    def _usb_controller(self, dev: Device, values: dict[str, object]) -> None:
        controller_bus(dev, None, values, self.usb_buses, self.auto_name)

    def _smbus(self, owner: Device) -> None:
        i2c = owner.add_bus(Bus("i2c", "i2c-bus"))
        for address in range(0x50, 0x58):
            i2c.add(Device("smbus-eeprom", address=address))

    def _isa(self, isa: Bus, defaults: DefaultDevices, fdc: bool) -> None:
        isa.add(Device("i8257", base=0, **{"page-base": 0x80, "pageh-base": -1}, dshift=0))
        isa.add(Device("i8257", base=0xC0, **{"page-base": 0x88, "pageh-base": -1}, dshift=1))
        isa.add(Device("isa-i8259", iobase=0x20, elcr_addr=0x4D0, elcr_mask=0xF8, master=True))
        isa.add(Device("isa-i8259", iobase=0xA0, elcr_addr=0x4D1, elcr_mask=0xDE, master=False))
        isa.add(Device("mc146818rtc"))
        isa.add(Device("isa-pit"))
        isa.add(Device("isa-pcspk"))
        for index in range(min(defaults.serials, len(SERIAL_PORTS))):
            base, irq = SERIAL_PORTS[index]
            isa.add(Device("isa-serial", index=index, iobase=base, irq=irq))
        for index in range(min(defaults.parallels, len(PARALLEL_PORTS))):
            base, irq = PARALLEL_PORTS[index]
            isa.add(Device("isa-parallel", index=index, iobase=base, irq=irq,
                           chardev=f"parallel{index}"))  # fmt: skip
        if fdc:
            fdc_dev = isa.add(Device("isa-fdc"))
            floppy_bus = fdc_dev.add_bus(Bus(self.auto_name("floppy-bus"), "floppy-bus"))
            if self.drives is not None:
                floppy_devices(floppy_bus, self.drives)
            elif defaults.floppy:
                floppy_bus.add(Device("floppy"))
        isa.add(Device("i8042"))
        isa.add(Device("vmport"))
        isa.add(Device("vmmouse"))
        isa.add(Device("port92"))


def recorded(typename: str) -> bool:
    """Whether the device model knows ``typename`` (its facts were recorded)."""
    try:
        facts(typename)
    except KeyError:
        return False
    return True
