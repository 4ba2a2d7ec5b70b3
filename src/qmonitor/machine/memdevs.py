"""A PC's memory devices: ``pc-dimm``, ``nvdimm``, ``virtio-mem-pci`` in the device-memory region.

``-m size,slots=N,maxmem=M`` gives a PC a device-memory region above its
RAM (hw/i386/pc.c): it starts at the first gigabyte boundary past the RAM
mapped above 4 GiB and is ``maxmem - size`` long plus a gigabyte per slot.
Plugging a DIMM runs QEMU 7.2's checks in its order (hw/i386/pc.c
pc_memory_pre_plug, hw/mem/pc-dimm.c, hw/mem/memory-device.c): ACPI and
nvdimm enabled, the slot, the backend set, room left of ``maxmem``, the
address (given or the lowest free one, aligned as the backend's region),
then at realize the NUMA node and whether the backend is already mapped.
A DIMM's unplug waits for the guest's ACPI eject, which a guest that runs
no code never sends: the device stays, its slot marked as being removed.
A virtio-mem device (:mod:`qmonitor.machine.virtio_mem`) takes its whole
backend's room in the region but counts as plugged memory only what the
guest plugged.  Nothing here allocates memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Protocol

from qmonitor.qapi.error import QapiError

GIB: Final = 1 << 30
#: Where RAM above the 32-bit hole starts on a PC.
FOUR_GIB: Final = 1 << 32
#: The alignment of a RAM backend's region: QEMU_VMALLOC_ALIGN on an x86_64 Linux host.
BACKEND_ALIGN: Final = 2 << 20
#: The most DIMM slots a PC's ACPI tables describe (hw/acpi/memory_hotplug.h ACPI_MAX_RAM_SLOTS).
MAX_RAM_SLOTS: Final = 256
#: The DIMM types; query-memory-devices calls them ``dimm`` and ``nvdimm``.
DIMM_KINDS: Final = {"pc-dimm": "dimm", "nvdimm": "nvdimm"}
#: pc-dimm's ``slot`` when the user gave none (PC_DIMM_UNASSIGNED_SLOT).
UNASSIGNED_SLOT: Final = -1
#: ACPI ``_OST`` source event of an eject request (ACPI 6.x, 6.3.5).
OST_EJECT_REQUEST: Final = 3
#: ACPI ``_OST`` status of an eject request the OS could not carry out: device busy.
OST_DEVICE_BUSY: Final = 0x82

# Texts of QEMU 7.2 (hw/i386/pc.c, hw/mem/pc-dimm.c, hw/mem/memory-device.c).
NO_ACPI = "memory hotplug is not enabled: missing acpi device or acpi disabled"
NVDIMM_DISABLED = "nvdimm is not enabled: missing 'nvdimm' in '-M'"
NVDIMM_UNPLUG = "nvdimm device hot unplug is not supported yet."
BAD_SLOT = "invalid slot number {}, valid range is [0-{}]"
NO_SLOTS = "no slots where allocated, please specify the 'slots' option"
SLOT_BUSY = "slot {} is busy"
NO_FREE_SLOT = "no free slots available"
MEMDEV_UNSET = "'memdev' property must be set"
NOT_ENABLED = (
    "memory devices (e.g. for memory hotplug) are not enabled, please specify the maxmem option"
)
NO_SPACE = "not enough space, currently 0x{:x} in use of total space for memory devices 0x{:x}"
ADDR_ALIGN = "address must be aligned to 0x{:x} bytes"
SIZE_ALIGN = "backend memory size must be multiple of 0x{:x}"
OUT_OF_RANGE = (
    "can't add memory device [0x{:x}:0x{:x}], usable range for memory devices [0x{:x}:0x{:x}]"
)
TOO_BIG = "can't add memory device, device too big"
CONFLICT = "address range conflicts with memory device id='{}'"
FRAGMENTED = (
    "could not find position in guest address space for memory device - "
    "memory fragmented due to alignments"
)
BAD_NODE = "'DIMM property node has value {}' which exceeds the number of numa nodes: {}"
BUSY_MEMDEV = "can't use already busy memdev: {}"
# hw/i386/pc.c pc_memory_init: checks that end QEMU while it builds the board.
TOO_MANY_SLOTS = "unsupported amount of memory slots: {}"
MAXMEM_ALIGN = "maximum memory size must by aligned to multiple of 4096 bytes"


def memory_device_info(
    kind: str, ident: str | None, members: dict[str, object]
) -> dict[str, object]:
    """A MemoryDeviceInfo: ``id`` first when the device has one, then the kind's members."""
    data: dict[str, object] = {} if ident is None else {"id": ident}
    data.update(members)
    return {"type": kind, "data": data}


@dataclass(slots=True)
class MemoryDevice:
    """A plugged DIMM: what query-memory-devices tells of it."""

    kind: str
    id: str | None
    #: The backend's id (its QOM path is ``/objects/ID``).
    memdev: str
    addr: int
    size: int
    slot: int
    node: int
    hotplugged: bool
    #: device_del asked the guest to eject it (the ACPI slot's remove event).
    removing: bool = False

    @property
    def region_size(self) -> int:
        return self.size

    @property
    def plugged_size(self) -> int:
        return self.size

    def info(self) -> dict[str, object]:
        """PCDIMMDeviceInfo in a MemoryDeviceInfo (members in the schema's order)."""
        return memory_device_info(
            self.kind,
            self.id,
            {
                "addr": self.addr,
                "size": self.size,
                "slot": self.slot,
                "node": self.node,
                "memdev": f"/objects/{self.memdev}",
                "hotplugged": self.hotplugged,
                "hotpluggable": True,
            },
        )


class PlacedDevice(Protocol):
    """Any memory device in the region (a DIMM, a virtio-mem device)."""

    @property
    def id(self) -> str | None: ...
    @property
    def memdev(self) -> str: ...
    @property
    def addr(self) -> int: ...
    @property
    def region_size(self) -> int: ...
    @property
    def plugged_size(self) -> int: ...
    def info(self) -> dict[str, object]: ...


@dataclass(frozen=True, slots=True)
class DimmRequest:
    """A DIMM to plug: its type and id and the properties the user gave."""

    driver: str
    id: str | None
    memdev: str | None
    #: The backend's size, None when ``memdev`` names no backend.
    backend_size: int | None
    slot: int = UNASSIGNED_SLOT
    node: int = 0
    addr: int = 0


def device_memory_base(ram_size: int, lowmem: int) -> int:
    """Where the device-memory region starts: past the RAM above 4 GiB, gigabyte aligned."""
    above = FOUR_GIB + ram_size - lowmem
    return (above + GIB - 1) // GIB * GIB


class MemoryDevices:
    """The DIMMs of one PC and the room left for them."""

    def __init__(
        self,
        ram_size: int,
        maxram_size: int,
        slots: int,
        base: int,
        *,
        acpi: bool = True,
        nvdimm: bool = False,
        mapped: Iterable[str] = (),
    ) -> None:
        self.ram_size = ram_size
        self.maxram_size = maxram_size
        self.slots = slots
        self.base = base
        # pc_get_device_memory_range: a gigabyte of alignment slack per slot.
        self.region_size = maxram_size - ram_size + GIB * slots if maxram_size > ram_size else 0
        self.acpi = acpi
        self.nvdimm = nvdimm
        #: Backends mapped into the guest (host_memory_backend_is_mapped): the
        #: machine's own RAM and every DIMM's.
        self.mapped: set[str] = set(mapped)
        self.devices: list[PlacedDevice] = []
        #: The last ``_OST`` (event, status) the guest reported for each slot.
        self.ost: dict[int, tuple[int, int]] = {}

    # -- plugging -----------------------------------------------------------------------

    def plug(self, request: DimmRequest, hotplugged: bool) -> MemoryDevice:
        """Plug the DIMM ``request`` describes, or raise QEMU's error for it."""
        if not self.acpi:
            raise QapiError(NO_ACPI)
        if request.driver == "nvdimm" and not self.nvdimm:
            raise QapiError(NVDIMM_DISABLED)
        slot = self._slot(request.slot)
        if request.memdev is None or request.backend_size is None:
            raise QapiError(MEMDEV_UNSET)
        addr = self._free_addr(request.addr or None, BACKEND_ALIGN, request.backend_size)
        if request.node > 0:
            # A PC always has NUMA state; without -numa it counts one node.
            raise QapiError(BAD_NODE.format(request.node, 1))
        if request.memdev in self.mapped:
            raise QapiError(BUSY_MEMDEV.format(request.memdev))
        device = MemoryDevice(
            DIMM_KINDS[request.driver],
            request.id,
            request.memdev,
            addr,
            request.backend_size,
            slot,
            request.node,
            hotplugged,
        )
        self.mapped.add(request.memdev)
        self.devices.append(device)
        return device

    def _slot(self, hint: int) -> int:
        """pc_dimm_pre_plug and pc_dimm_get_free_slot: the given slot or the first free one."""
        if hint != UNASSIGNED_SLOT and not 0 <= hint < self.slots:
            raise QapiError(BAD_SLOT.format(hint, self.slots - 1))
        if self.slots == 0:
            raise QapiError(NO_SLOTS)
        taken = {d.slot for d in self.dimms()}
        if hint != UNASSIGNED_SLOT:
            if hint in taken:
                raise QapiError(SLOT_BUSY.format(hint))
            return hint
        free = next((s for s in range(self.slots) if s not in taken), None)
        if free is None:
            raise QapiError(NO_FREE_SLOT)
        return free

    def place(self, hint: int | None, align: int, size: int) -> int:
        """memory_device_get_free_addr: where a device of ``size`` bytes goes (or QEMU's error)."""
        return self._free_addr(hint, align, size)

    def add(self, device: PlacedDevice) -> None:
        """A device placed by :meth:`place` is plugged: its backend is mapped."""
        self.mapped.add(device.memdev)
        self.devices.append(device)

    def remove(self, device: PlacedDevice) -> None:
        """The device is gone (a guest's eject): its room and its backend are free."""
        self.devices.remove(device)
        self.mapped.discard(device.memdev)

    def _free_addr(self, hint: int | None, align: int, size: int) -> int:
        """memory_device_get_free_addr: check the room and the hint, or find a place."""
        if self.region_size == 0:
            raise QapiError(NOT_ENABLED)
        used = self.used_region_size()
        room = self.maxram_size - self.ram_size
        if used + size > room:
            raise QapiError(NO_SPACE.format(used, room))
        if hint is not None and hint % align:
            raise QapiError(ADDR_ALIGN.format(align))
        if size % align:
            raise QapiError(SIZE_ALIGN.format(align))
        low, high = self.base, self.base + self.region_size
        if hint is not None:
            if hint + size > high or hint < low or size == 0:
                raise QapiError(OUT_OF_RANGE.format(hint, size, low, self.region_size))
            start = hint
        else:
            start = -(-low // align) * align
        for dev in sorted(self.devices, key=lambda d: d.addr):
            end = dev.addr + dev.region_size
            if dev.addr < start + size and start < end:
                if hint is not None:
                    raise QapiError(CONFLICT.format(dev.id or "(unnamed)"))
                start = -(-end // align) * align
            elif dev.addr >= start + size:
                break
        if start + size > high:
            raise QapiError(FRAGMENTED)
        return start

    # -- unplugging ---------------------------------------------------------------------

    def unplug_request(self, device: MemoryDevice) -> None:
        """device_del of a DIMM: refused for an nvdimm, else the guest is asked to eject it.

        Asking again is no error: the slot's remove event is raised again.
        """
        if device.kind == "nvdimm":
            raise QapiError(NVDIMM_UNPLUG)
        device.removing = True

    def dimms(self) -> list[MemoryDevice]:
        """The DIMMs (pc-dimm and nvdimm) in plugging order."""
        return [d for d in self.devices if isinstance(d, MemoryDevice)]

    def find(self, ident: str) -> MemoryDevice | None:
        """The DIMM whose id is ``ident``."""
        return next((d for d in self.dimms() if d.id == ident), None)

    # -- queries ------------------------------------------------------------------------

    def used_region_size(self) -> int:
        """memory_device_used_region_size: the room the devices take in the region."""
        return sum(d.region_size for d in self.devices)

    def plugged_size(self) -> int:
        """get_plugged_memory_size: a DIMM's whole size, what a virtio-mem guest plugged."""
        return sum(d.plugged_size for d in self.devices)

    def slot_status(self, slot: int) -> dict[str, object]:
        """acpi_memory_device_status: an ACPIOSTInfo for ``slot`` (its DIMM's id if any)."""
        event, status = self.ost.get(slot, (0, 0))
        info: dict[str, object] = {}
        # An NVDIMM takes a slot number but is no memory hotplug device.
        dimm = next((d for d in self.dimms() if d.slot == slot and d.kind == "dimm"), None)
        if dimm is not None and dimm.id is not None:
            info["device"] = dimm.id
        info.update({"slot": str(slot), "slot-type": "DIMM", "source": event, "status": status})
        return info

    def ospm_status(self) -> list[dict[str, object]]:
        """acpi_memory_ospm_status: one entry per slot of the ACPI memory hotplug."""
        return [self.slot_status(slot) for slot in range(self.slots)]

    def query(self) -> list[dict[str, object]]:
        """query-memory-devices: by address, as memory_device_build_list sorts them."""
        return [d.info() for d in sorted(self.devices, key=lambda d: d.addr)]


def board_error(ram_size: int, maxram_size: int, slots: int) -> str | None:
    """What pc_memory_init refuses of ``-m`` on a PC, None when it takes it."""
    if ram_size < maxram_size:
        if slots > MAX_RAM_SLOTS:
            return TOO_MANY_SLOTS.format(slots)
        if maxram_size % 4096:
            return MAXMEM_ALIGN
    return None


def memory_devices_text(devices: list[dict[str, object]]) -> str:
    """``info memory-devices`` for query-memory-devices' answer (hmp_info_memory_devices)."""
    out = []
    for dev in devices:
        data = dev["data"]
        assert isinstance(data, dict)
        out.append(f'Memory device [{dev["type"]}]: "{data.get("id", "")}"\n')
        if dev["type"] in ("dimm", "nvdimm"):
            out.append(
                f"  addr: 0x{data['addr']:x}\n  slot: {data['slot']}\n"
                f"  node: {data['node']}\n  size: {data['size']}\n"
                f"  memdev: {data['memdev']}\n"
                f"  hotplugged: {'true' if data['hotplugged'] else 'false'}\n"
                f"  hotpluggable: {'true' if data['hotpluggable'] else 'false'}\n"
            )
        elif dev["type"] == "virtio-pmem":
            out.append(
                f"  memaddr: 0x{data['memaddr']:x}\n  size: {data['size']}\n"
                f"  memdev: {data['memdev']}\n"
            )
        elif dev["type"] == "virtio-mem":
            out.append(
                f"  memaddr: 0x{data['memaddr']:x}\n  node: {data['node']}\n"
                f"  requested-size: {data['requested-size']}\n  size: {data['size']}\n"
                f"  max-size: {data['max-size']}\n  block-size: {data['block-size']}\n"
                f"  memdev: {data['memdev']}\n"
            )
    return "".join(out)
