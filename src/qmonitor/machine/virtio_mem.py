"""virtio-mem and virtio-pmem devices' memory: blocks, what the host asks, what is plugged.

QEMU 7.2's rules (hw/virtio/virtio-mem.c, hw/virtio/virtio-mem-pci.c):
a virtio-mem device maps its whole backend (``max-size``) into the
device-memory region, aligned to its ``block-size``, but the guest sees
only the blocks it plugged (``size``), and plugs them only while they fit
in ``requested-size``, which the host sets (``-device`` or ``qom-set``).
``block-size`` defaults to the host's transparent huge page size
(read from sysfs as QEMU reads it) and is fixed once the device is
realized.  ``size`` changes only when the guest plugs or unplugs blocks
(or at a system reset, which unplugs them all); each change raises
MEMORY_DEVICE_SIZE_CHANGE, which the monitor throttles per QOM path.
A guest that runs no code never plugs a block: ``size`` stays 0.
A virtio-pmem device (hw/virtio/virtio-pmem.c) maps its whole backend
and counts it all as plugged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from qmonitor.machine.memdevs import memory_device_info
from qmonitor.qapi.error import QapiError
from qmonitor.qapi.texts import INVALID_PARAMETER_VALUE
from qmonitor.util.cutils import do_strtosz

MIB: Final = 1 << 20
#: VIRTIO_MEM_MIN_BLOCK_SIZE: the smallest block (keeps the block bitmap small).
MIN_BLOCK_SIZE: Final = MIB
#: virtio_mem_default_thp_size on an x86_64 host, used when sysfs says nothing usable.
DEFAULT_THP_SIZE: Final = 2 * MIB
#: Where QEMU reads the host's transparent huge page size.
THP_SIZE_PATH: Final = "/sys/kernel/mm/transparent_hugepage/hpage_pmd_size"
#: The page size of a RAM backend on an x86_64 host (qemu_ram_pagesize).
HOST_PAGE_SIZE: Final = 4096

# Texts of QEMU 7.2 (hw/virtio/virtio-mem.c, hw/i386/pc.c).  Some C string
# literals join without a space ("exceedsthe", "of'block-size'", "size(0x").
MEMDEV_NOT_SET = "'memdev' property is not set"
BUSY_MEMDEV = "'memdev' property specifies a busy memdev: {}"
BAD_NODE = "'node' property has value '{}', which exceedsthe number of numa nodes: {}"
BELOW_PAGE = "'block-size' property has to be at least the page size (0x{:x})"
REQUESTED_ALIGN = "'requested-size' property has to be multiples of 'block-size' (0x{:x})"
MEMADDR_ALIGN = "'memaddr' property has to be multiples of 'block-size' (0x{:x})"
MEMDEV_ALIGN = "'memdev' property memdev size has to be multiples of'block-size' (0x{:x})"
SET_REQUESTED_ALIGN = "'requested-size' has to be multiples of 'block-size' (0x{:x})"
SET_REQUESTED_BIG = "'requested-size' cannot exceed the memory backend size(0x{:x})"
BLOCK_FIXED = "'block-size' cannot be changed"
BLOCK_TOO_SMALL = "'block-size' property has to be at least 0x{:x}"
BLOCK_NOT_POW2 = "'block-size' property has to be a power of two"
#: The type query-memory-devices gives it.
KIND: Final = "virtio-mem"

_thp_size: int | None = None


def thp_size() -> int:
    """virtio_mem_thp_size: the host's THP size from sysfs (a power of two), else 2 MiB."""
    global _thp_size
    if _thp_size is None:
        try:
            with open(THP_SIZE_PATH, encoding="ascii") as f:
                value = int(f.read().strip(), 0)
        except (OSError, ValueError):
            value = 0
        _thp_size = value if value > 0 and value & (value - 1) == 0 else DEFAULT_THP_SIZE
    return _thp_size


def default_block_size() -> int:
    """virtio_mem_default_block_size for a backend of host pages: the THP size, at least 1 MiB."""
    return max(HOST_PAGE_SIZE, thp_size())


def parse_size_prop(name: str, text: str) -> int:
    """A ``size`` property's text as the keyval visitor reads it (qemu_strtosz)."""
    result = do_strtosz(text, unit=1024)
    if result.error is not None:
        raise QapiError(INVALID_PARAMETER_VALUE.format(name, "size"))
    return result.value


def check_block_size(value: int) -> int:
    """virtio_mem_set_block_size before realize: at least 1 MiB, a power of two."""
    if value < MIN_BLOCK_SIZE:
        raise QapiError(BLOCK_TOO_SMALL.format(MIN_BLOCK_SIZE))
    if value & (value - 1):
        raise QapiError(BLOCK_NOT_POW2)
    return value


@dataclass(slots=True)
class VirtioMem:
    """One realized virtio-mem device (its PCI proxy's id; its QOM path for the events)."""

    id: str | None
    #: The backend's id (``/objects/ID``).
    memdev: str
    addr: int
    #: The backend's size: the room the device takes (``max-size``).
    max_size: int
    block_size: int
    requested_size: int
    node: int = 0
    #: What the guest plugged.
    size: int = 0

    @property
    def region_size(self) -> int:
        return self.max_size

    @property
    def plugged_size(self) -> int:
        return self.size

    def info(self) -> dict[str, object]:
        """VirtioMEMDeviceInfo in a MemoryDeviceInfo."""
        return memory_device_info(
            KIND,
            self.id,
            {
                "memaddr": self.addr,
                "requested-size": self.requested_size,
                "size": self.size,
                "max-size": self.max_size,
                "block-size": self.block_size,
                "node": self.node,
                "memdev": f"/objects/{self.memdev}",
            },
        )

    def set_requested_size(self, value: int) -> None:
        """virtio_mem_set_requested_size on a realized device: the guest is told, nothing moves."""
        if value % self.block_size:
            raise QapiError(SET_REQUESTED_ALIGN.format(self.block_size))
        if value > self.max_size:
            raise QapiError(SET_REQUESTED_BIG.format(self.max_size))
        self.requested_size = value

    def guest_resize(self, target: int) -> bool:
        """The guest plugs or unplugs blocks until it has ``target`` bytes; whether ``size`` moved.

        virtio_mem_state_change_request: a plug beyond ``requested-size`` is
        refused (NACK), so the guest plugs at most up to it; it may unplug
        down to any whole number of blocks.
        """
        target = max(0, min(target, self.max_size))
        target -= target % self.block_size
        if target > self.size:
            target = max(self.size, min(target, self.requested_size))
        if target == self.size:
            return False
        self.size = target
        return True

    def reset(self) -> bool:
        """virtio_mem_system_reset: every block unplugged; whether ``size`` moved."""
        changed = self.size != 0
        self.size = 0
        return changed


@dataclass(slots=True)
class VirtioMemRequest:
    """A virtio-mem device's properties as the user set them (before realize)."""

    memdev: str | None = None
    backend_size: int = 0
    #: 0: not set (the default is chosen at realize).
    block_size: int = 0
    requested_size: int = 0
    node: int = 0
    memaddr: int = 0

    def alignment(self) -> int:
        """memory_device_pre_plug's alignment: the block size, at least the backend's 2 MiB."""
        from qmonitor.machine.memdevs import BACKEND_ALIGN

        return max(self.block_size or default_block_size(), BACKEND_ALIGN)

    def realize_error(self, busy: bool) -> str | None:
        """virtio_mem_device_realize's checks after the memory-device pre-plug, in order."""
        if busy:
            return BUSY_MEMDEV.format(self.memdev)
        if self.node:
            # No -numa: QEMU counts one node.
            return BAD_NODE.format(self.node, 1)
        block = self.block_size or default_block_size()
        if block < HOST_PAGE_SIZE:
            return BELOW_PAGE.format(HOST_PAGE_SIZE)
        if self.requested_size % block:
            return REQUESTED_ALIGN.format(block)
        if self.memaddr % block:
            return MEMADDR_ALIGN.format(block)
        if self.backend_size % block:
            return MEMDEV_ALIGN.format(block)
        return None


@dataclass(slots=True)
class VirtioPmem:
    """One realized virtio-pmem device: its whole backend is the guest's."""

    id: str | None
    memdev: str
    addr: int
    size: int

    @property
    def region_size(self) -> int:
        return self.size

    @property
    def plugged_size(self) -> int:
        return self.size

    def info(self) -> dict[str, object]:
        """VirtioPMEMDeviceInfo in a MemoryDeviceInfo."""
        return memory_device_info(
            "virtio-pmem",
            self.id,
            {"memaddr": self.addr, "size": self.size, "memdev": f"/objects/{self.memdev}"},
        )
