"""virtio-mem-pci and virtio-pmem-pci on a PC: plugging, QOM, MEMORY_DEVICE_SIZE_CHANGE.

The device is a virtio PCI proxy (:class:`~qmonitor.machine.devices.hotplug.Hotplug`
makes it and its ``virtio-mem`` device on the proxy's bus) that is also a
memory device: the machine's hotplug handler places it in the
device-memory region before it is realized (hw/i386/pc.c
pc_virtio_md_pci_pre_plug), then the device checks its own properties
(:mod:`qmonitor.machine.virtio_mem`).  ``device_del`` refuses it.
A virtio-pmem-pci device is placed the same way (aligned as its backend)
and only checks that its backend is not mapped already.
``requested-size`` is settable with ``qom-set``; ``size`` moves only when
a guest plugs or unplugs blocks (:func:`guest_resize`, the opt-in guest)
or at a system reset (:func:`reset_virtio_mem`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from qmonitor.machine.devices.dimms import backend_size, memory_devices
from qmonitor.machine.devices.hotplug import _integer
from qmonitor.machine.memdevs import BACKEND_ALIGN, BUSY_MEMDEV, MEMDEV_UNSET, MemoryDevices
from qmonitor.machine.qom_object import Prop
from qmonitor.machine.virtio_mem import (
    BLOCK_FIXED,
    VirtioMem,
    VirtioMemRequest,
    VirtioPmem,
    check_block_size,
    default_block_size,
    parse_size_prop,
)
from qmonitor.qapi.error import QapiError
from qmonitor.qapi.texts import INVALID_PARAMETER_VALUE
from qmonitor.util.texts import NOT_WRITABLE

if TYPE_CHECKING:
    from qmonitor.machine.devices.hotplug import Hotplug
    from qmonitor.machine.devices.qdev import Device
    from qmonitor.machine.machine import Machine

#: The virtio-based memory device types of QEMU 7.2 on a PC.
VIRTIO_MEM_PCI = "virtio-mem-pci"
VIRTIO_PMEM_PCI = "virtio-pmem-pci"


def is_virtio_mem(driver: str) -> bool:
    """Whether ``driver`` is a virtio-based memory device (virtio-mem-pci, virtio-pmem-pci)."""
    return driver in (VIRTIO_MEM_PCI, VIRTIO_PMEM_PCI)


def plug_virtio_mem(
    machine: Machine, hotplug: Hotplug, opts: dict[str, str], hotplugged: bool
) -> Device:
    """Create the virtio-mem-pci device ``opts`` describe, in QEMU's order of checks."""
    devices = memory_devices(machine)
    assert devices is not None

    pmem = opts["driver"] == VIRTIO_PMEM_PCI

    def pre_plug() -> Callable[[Device], None]:
        request = _request(machine, opts, hotplugged)
        if request.memdev is None:
            raise QapiError(MEMDEV_UNSET)  # the device's get_memory_region
        # virtio-pmem has no alignment of its own: its backend's region's.
        align = BACKEND_ALIGN if pmem else request.alignment()
        addr = devices.place(request.memaddr or None, align, request.backend_size)

        def realize(dev: Device) -> None:
            if pmem:
                _realize_pmem(devices, request, addr, dev)
            else:
                _realize(devices, request, addr, dev)

        return realize

    return hotplug.add(opts, hotplugged, pre_plug)


def _request(machine: Machine, opts: dict[str, str], hotplugged: bool) -> VirtioMemRequest:
    """The memory properties ``opts`` set, each checked by its setter, in the order given."""
    request = VirtioMemRequest()
    for name, text in opts.items():
        if name == "memdev":
            request.backend_size = backend_size(machine, text, not hotplugged)
            request.memdev = text.removeprefix("/objects/")
        elif name == "block-size":
            request.block_size = check_block_size(parse_size_prop(name, text))
        elif name == "requested-size":
            request.requested_size = parse_size_prop(name, text)
        elif name == "node":
            request.node = _integer(name, text, "uint32")
        elif name == "memaddr":
            request.memaddr = _integer(name, text, "uint64")
    return request


def _realize(devices: MemoryDevices, request: VirtioMemRequest, addr: int, dev: Device) -> None:
    """virtio_mem_device_realize, then memory_device_plug: the device maps its backend."""
    assert request.memdev is not None
    error = request.realize_error(request.memdev in devices.mapped)
    if error is not None:
        raise QapiError(error)
    vmem = VirtioMem(
        dev.id,
        request.memdev,
        addr,
        request.backend_size,
        request.block_size or default_block_size(),
        request.requested_size,
        request.node,
    )
    devices.add(vmem)
    dev.memory = vmem
    inner = dev.buses[0].children[0]
    inner.values.update(memaddr=addr, node=vmem.node, memdev=f"/objects/{vmem.memdev}")


def _realize_pmem(
    devices: MemoryDevices, request: VirtioMemRequest, addr: int, dev: Device
) -> None:
    """virtio_pmem_realize, then memory_device_plug."""
    assert request.memdev is not None
    if request.memdev in devices.mapped:
        raise QapiError(BUSY_MEMDEV.format(request.memdev))  # virtio_pmem_realize's text
    pmem = VirtioPmem(dev.id, request.memdev, addr, request.backend_size)
    devices.add(pmem)
    dev.memory = pmem
    dev.buses[0].children[0].values.update(memaddr=addr, memdev=f"/objects/{pmem.memdev}")


def virtio_mem_props(dev: Device) -> list[Prop]:
    """The proxy's memory properties (aliases of its virtio device's) for qom-get/qom-set."""
    vmem = dev.memory
    if isinstance(vmem, VirtioPmem):
        return [
            Prop("memaddr", "uint64", vmem.addr),
            Prop("memdev", "link<memory-backend>", f"/objects/{vmem.memdev}"),
        ]
    assert isinstance(vmem, VirtioMem)

    def set_requested(value: Any) -> None:
        vmem.set_requested_size(_visit_size("requested-size", value))

    def set_block(value: Any) -> None:
        raise QapiError(BLOCK_FIXED)  # checked before the value is read

    def set_size(value: Any) -> None:
        # The proxy's alias has a setter; the virtio-mem device's property has none.
        raise QapiError(NOT_WRITABLE.format("virtio-mem", "size"))

    return [
        Prop("memaddr", "uint64", lambda: vmem.addr),
        Prop("node", "uint32", vmem.node),
        Prop("memdev", "link<memory-backend>", f"/objects/{vmem.memdev}"),
        Prop("size", "size", lambda: vmem.size, set_size),
        Prop("requested-size", "size", lambda: vmem.requested_size, set_requested),
        Prop("block-size", "size", vmem.block_size, set_block),
    ]


def _visit_size(name: str, value: Any) -> int:
    """The value ``qom-set`` gave, as QEMU's QObject input visitor reads a ``size``.

    That visitor has no size of its own: it reads a uint64, and takes a
    negative integer as its two's complement (qobject_input_type_uint64).
    """
    if isinstance(value, int) and not isinstance(value, bool) and -(1 << 63) <= value < 1 << 64:
        return value & 0xFFFFFFFFFFFFFFFF
    raise QapiError(INVALID_PARAMETER_VALUE.format(name, "uint64"))


def virtio_mem_devices(machine: Machine) -> list[Device]:
    """The machine's virtio-mem devices, in creation order (none if no PC model was made)."""
    from qmonitor.machine.devices.state import pc_hotplug

    hotplug = pc_hotplug(machine)
    if hotplug is None:
        return []
    return [d for d in hotplug.created if isinstance(d.memory, VirtioMem)]


def size_changed(machine: Machine, dev: Device) -> None:
    """MEMORY_DEVICE_SIZE_CHANGE for ``dev`` (virtio_mem_pci_size_change_notify)."""
    from qmonitor.machine.qom_commands import machine_qom

    vmem = dev.memory
    assert isinstance(vmem, VirtioMem)
    machine_qom(machine)  # the device has its path once the tree is made
    data: dict[str, Any] = {} if dev.id is None else {"id": dev.id}
    data.update({"size": vmem.size, "qom-path": dev.qom_path})
    machine.emit_event("MEMORY_DEVICE_SIZE_CHANGE", data)


def guest_resize(machine: Machine, dev: Device, target: int | None) -> None:
    """The guest plugs or unplugs blocks towards ``target`` (default: ``requested-size``)."""
    vmem = dev.memory
    assert isinstance(vmem, VirtioMem)
    if vmem.guest_resize(vmem.requested_size if target is None else target):
        size_changed(machine, dev)


def reset_virtio_mem(machine: Machine) -> None:
    """A system reset unplugs every block of every virtio-mem device (virtio_mem_system_reset)."""
    for dev in virtio_mem_devices(machine):
        vmem = dev.memory
        assert isinstance(vmem, VirtioMem)
        if vmem.reset():
            size_changed(machine, dev)
