"""PCI devices: configuration space, ``query-pci``, ``info pci``, ports 0xcf8/0xcfc.

A device's configuration space starts as QEMU 7.2's at reset (recorded:
no firmware ran, so BARs, bus numbers and interrupt lines are zero); its
header type shows the ``multifunction`` property.  ``query-pci`` lists
the root bus's devices by devfn (hw/pci/pci.c qmp_query_pci_device): a
bridge's secondary bus number is still zero, so the devices behind it are
not listed.  ``info pci`` prints that answer (monitor/hmp-cmds.c).
The configuration mechanism #1 ports reach the root bus's devices.
"""

from __future__ import annotations

from typing import Any

from qmonitor.machine.devices.facts import facts
from qmonitor.machine.devices.pci_regs import (
    UNMAPPED,
    bar_address,
    reset_config,
    write_config,
    write_masks,
)
from qmonitor.machine.devices.qdev import Bus, Device

#: Configuration header offsets (include/hw/pci/pci_regs.h).
VENDOR_ID, DEVICE_ID, CLASS_DEVICE, HEADER_TYPE = 0x00, 0x02, 0x0A, 0x0E
SUBSYSTEM_VENDOR_ID, SUBSYSTEM_ID = 0x2C, 0x2E
INTERRUPT_LINE, INTERRUPT_PIN = 0x3C, 0x3D
HEADER_MULTIFUNCTION = 0x80
HEADER_NORMAL, HEADER_BRIDGE, HEADER_CARDBUS = 0, 1, 2


class PciDevice(Device):
    """A device on a PCI bus at ``devfn``."""

    def __init__(
        self, typename: str, ident: str | None, devfn: int, key: str | None = None, /, **values: Any
    ) -> None:
        super().__init__(typename, ident, **values)
        self.facts_key = key or typename
        self.devfn = devfn
        self.values["addr"] = devfn
        recorded = facts(self.facts_key).config
        assert recorded is not None, typename
        self.config = bytearray(recorded)
        default = dict(facts(self.facts_key).props).get("multifunction") == "true"
        multi = bool(values.get("multifunction", default))
        self.values["multifunction"] = multi
        header = self.config[HEADER_TYPE] & ~HEADER_MULTIFUNCTION
        self.config[HEADER_TYPE] = header | (HEADER_MULTIFUNCTION if multi else 0)
        #: The configuration space at reset, and which bits a write may change.
        self.reset_state = bytes(self.config)
        self.write_masks = write_masks(self)
        #: The device's own registers the model keeps (:mod:`.pci_mmio`), made on first use.
        self.device_regs: object | None = None
        self.bus_lines = self._pci_lines

    def reset(self) -> None:
        """A system reset: the registers the guest may write go back to their reset values."""
        reset_config(self)
        self.device_regs = None

    def word(self, offset: int) -> int:
        return int.from_bytes(self.config[offset : offset + 2], "little")

    @property
    def multifunction(self) -> bool:
        return bool(self.values.get("multifunction"))

    def class_text(self) -> str:
        desc = facts(self.facts_key).desc
        return desc if desc is not None else f"Class {self.word(CLASS_DEVICE):04x}"

    def _pci_lines(self) -> list[str]:
        slot, func = self.devfn >> 3, self.devfn & 7
        lines = [
            f"class {self.class_text()}, addr 00:{slot:02x}.{func:x}, pci id "
            f"{self.word(VENDOR_ID):04x}:{self.word(DEVICE_ID):04x} "
            f"(sub {self.word(SUBSYSTEM_VENDOR_ID):04x}:{self.word(SUBSYSTEM_ID):04x})"
        ]
        for r in facts(self.facts_key).regions:
            kind = "i/o" if r.type == "io" else "mem"
            addr = bar_address(self, r)
            end = (addr + r.size - 1) & UNMAPPED
            lines.append(f"bar {r.bar}: {kind} at 0x{addr:x} [0x{end:x}]")
        return lines

    def info(self, bus_num: int = 0) -> dict[str, Any]:
        """What ``query-pci`` says of the device."""
        rec = facts(self.facts_key)
        cfg = self.config
        cls: dict[str, Any] = {"class": self.word(CLASS_DEVICE)}
        if rec.desc is not None:
            cls["desc"] = rec.desc
        ident = {"vendor": self.word(VENDOR_ID), "device": self.word(DEVICE_ID)}
        regions = []
        for r in rec.regions:
            addr = bar_address(self, r)
            region: dict[str, Any] = {
                "bar": r.bar,
                "type": r.type,
                "address": -1 if addr == UNMAPPED else addr,
                "size": r.size,
            }
            if r.type == "memory":
                region["prefetch"] = r.prefetch
                region["mem_type_64"] = r.mem64
            regions.append(region)
        info: dict[str, Any] = {
            "bus": bus_num,
            "slot": self.devfn >> 3,
            "function": self.devfn & 7,
            "class_info": cls,
            "id": ident,
            "regions": regions,
            "qdev_id": self.id or "",
            "irq_pin": cfg[INTERRUPT_PIN],
        }
        if cfg[INTERRUPT_PIN]:
            info["irq"] = cfg[INTERRUPT_LINE]
        header = cfg[HEADER_TYPE] & ~HEADER_MULTIFUNCTION
        if header == HEADER_BRIDGE:
            info["pci_bridge"] = {"bus": _bridge_bus(cfg)}
        elif header in (HEADER_NORMAL, HEADER_CARDBUS):
            sub = (SUBSYSTEM_VENDOR_ID, SUBSYSTEM_ID) if header == HEADER_NORMAL else (0x40, 0x42)
            ident["subsystem-vendor"] = self.word(sub[0])
            ident["subsystem"] = self.word(sub[1])
        return info


def _bridge_bus(cfg: bytearray) -> dict[str, Any]:
    """A bridge's bus numbers and windows (hw/pci/pci_bridge.c get_base/get_limit)."""

    def word(off: int) -> int:
        return int.from_bytes(cfg[off : off + 2], "little")

    def dword(off: int) -> int:
        return int.from_bytes(cfg[off : off + 4], "little")

    def io(off: int) -> int:
        value = (cfg[off] & 0xF0) << 8
        if cfg[0x1C] & 0x01:  # 32-bit I/O addressing
            value |= word(0x30 if off == 0x1C else 0x32) << 16
        return value

    def pref(off: int, upper: int) -> int:
        value = (word(off) & ~0xF) << 16
        if word(off) & 0x01:  # 64-bit prefetchable window
            value |= dword(upper) << 32
        return value

    return {
        "number": cfg[0x18],
        "secondary": cfg[0x19],
        "subordinate": cfg[0x1A],
        "io_range": {"base": io(0x1C), "limit": io(0x1D) | 0xFFF},
        "memory_range": {
            "base": (word(0x20) & ~0xF) << 16,
            "limit": (word(0x22) & ~0xF) << 16 | 0xFFFFF,
        },
        "prefetchable_range": {"base": pref(0x24, 0x28), "limit": pref(0x26, 0x2C) | 0xFFFFF},
    }


class PciBus(Bus):
    """A PCI (or PCI Express) bus: 256 device functions."""

    def __init__(self, name: str, kind: str = "PCI", parent: Device | None = None) -> None:
        super().__init__(name, kind, parent)
        self.devices: dict[int, PciDevice] = {}
        #: The first slot a device without ``addr`` may take.
        self.first_slot = 0
        #: The slots a device may take (a PCIe port's bus has slot 0 only).
        self.max_slot = 31

    def add(self, device: Device) -> Device:
        if isinstance(device, PciDevice):
            self.devices[device.devfn] = device
        return super().add(device)

    def remove(self, device: Device) -> None:
        if isinstance(device, PciDevice):
            self.devices.pop(device.devfn, None)
        super().remove(device)

    def free_devfn(self) -> int | None:
        """The first free slot's function 0 (pci_bus_devfn_available order)."""
        for devfn in range(self.first_slot * 8, 256, 8):
            if not any(d in self.devices for d in range(devfn, devfn + 8)):
                return devfn
        return None

    def query(self, bus_num: int = 0) -> dict[str, Any]:
        return {
            "bus": bus_num,
            "devices": [self.devices[d].info(bus_num) for d in sorted(self.devices)],
        }


def info_pci_text(buses: list[dict[str, Any]]) -> str:
    """``info pci`` of a ``query-pci`` answer."""
    out: list[str] = []
    for bus in buses:
        for dev in bus["devices"]:
            _print_device(out, dev)
    return "".join(out)


def _print_device(out: list[str], dev: dict[str, Any]) -> None:
    out.append(f"  Bus {dev['bus']:2d}, device {dev['slot']:3d}, function {dev['function']}:\n")
    cls = dev["class_info"]
    name = cls["desc"] if "desc" in cls else f"Class {cls['class']:04d}"
    ident = dev["id"]
    out.append(f"    {name}: PCI device {ident['vendor']:04x}:{ident['device']:04x}\n")
    if "subsystem" in ident:
        out.append(
            f"      PCI subsystem {ident['subsystem-vendor']:04x}:{ident['subsystem']:04x}\n"
        )
    if "irq" in dev:
        out.append(f"      IRQ {dev['irq']}, pin {chr(ord('A') + dev['irq_pin'] - 1)}\n")
    bridge = dev.get("pci_bridge")
    if bridge is not None:
        bus = bridge["bus"]
        out.append(f"      BUS {bus['number']}.\n")
        out.append(f"      secondary bus {bus['secondary']}.\n")
        out.append(f"      subordinate bus {bus['subordinate']}.\n")
        io, mem, pref = bus["io_range"], bus["memory_range"], bus["prefetchable_range"]
        out.append(f"      IO range [0x{io['base']:04x}, 0x{io['limit']:04x}]\n")
        out.append(f"      memory range [0x{mem['base']:08x}, 0x{mem['limit']:08x}]\n")
        out.append(
            f"      prefetchable memory range [0x{pref['base']:08x}, 0x{pref['limit']:08x}]\n"
        )
    for r in dev["regions"]:
        addr = r["address"] & UNMAPPED
        end = (addr + r["size"] - 1) & UNMAPPED
        if r["type"] == "io":
            out.append(f"      BAR{r['bar']}: I/O at 0x{addr:04x} [0x{end:04x}].\n")
        else:
            bits = 64 if r["mem_type_64"] else 32
            pre = " prefetchable" if r["prefetch"] else ""
            out.append(
                f"      BAR{r['bar']}: {bits} bit{pre} memory at 0x{addr:08x} [0x{end:08x}].\n"
            )
    out.append(f'      id "{dev["qdev_id"]}"\n')
    for child in (bridge or {}).get("devices", ()):
        _print_device(out, child)


class ConfigPorts:
    """Configuration mechanism #1: the address at 0xcf8, the data at 0xcfc-0xcff.

    Reads of an absent device's registers return all ones; writes reach
    the registers an ordinary device lets the guest write (:mod:`.pci_regs`).
    """

    def __init__(self, bus: PciBus) -> None:
        self.bus = bus
        self.address = 0

    def port_read(self, addr: int, size: int) -> int:
        if addr < 4:
            if addr == 0 and size == 4:
                return self.address
            return (1 << (8 * size)) - 1
        # The address register keeps its low bits: they select the byte too.
        reg = (self.address & 0xFF) | ((addr - 4) & 3)
        enabled = self.address & 0x80000000
        bus_num = (self.address >> 16) & 0xFF
        dev = self.bus.devices.get((self.address >> 8) & 0xFF)
        if not enabled or bus_num != 0 or dev is None or reg + size > 256:
            return (1 << (8 * size)) - 1
        return int.from_bytes(dev.config[reg : reg + size], "little")

    def port_write(self, addr: int, size: int, value: int) -> None:
        if addr == 0 and size == 4:
            self.address = value & 0xFFFFFFFF
        elif addr >= 4:
            reg = (self.address & 0xFF) | ((addr - 4) & 3)
            dev = self.bus.devices.get((self.address >> 8) & 0xFF)
            enabled = self.address & 0x80000000 and not (self.address >> 16) & 0xFF
            if enabled and dev is not None and reg + size <= 256:
                write_config(dev, reg, size, value)
