"""A virtio-mem device's rules without a machine (hw/virtio/virtio-mem.c, hw/mem/memory-device.c).

The texts are QEMU 7.2's (the recorded sessions in tests/golden/memdev
check them against QEMU); here: what the guest may plug, what
``requested-size`` takes once realized, what the setters refuse, and
that the region counts a virtio-mem device's whole backend while the
plugged memory counts only its plugged blocks.
"""

from __future__ import annotations

import pytest

from qmonitor.machine.memdevs import FOUR_GIB, GIB, DimmRequest, MemoryDevices
from qmonitor.machine.virtio_mem import (
    VirtioMem,
    VirtioMemRequest,
    check_block_size,
    parse_size_prop,
)
from qmonitor.qapi.error import QapiError

MIB = 1 << 20


def _vmem(requested: int = 64 * MIB, block: int = 2 * MIB, max_size: int = 256 * MIB) -> VirtioMem:
    return VirtioMem("vm0", "b1", FOUR_GIB, max_size, block, requested)


def _desc(call: object, *args: object) -> str:
    assert callable(call)
    with pytest.raises(QapiError) as info:
        call(*args)
    return info.value.desc


def test_the_guest_never_plugs_past_the_requested_size() -> None:
    vmem = _vmem()
    assert vmem.guest_resize(GIB) and vmem.size == 64 * MIB
    assert not vmem.guest_resize(GIB)  # a NACK: nothing moves, nothing is told
    vmem.set_requested_size(16 * MIB)
    assert vmem.size == 64 * MIB  # the host's wish alone moves nothing
    # Growing while above the request is refused; shrinking is not.
    assert not vmem.guest_resize(128 * MIB)
    assert vmem.guest_resize(16 * MIB) and vmem.size == 16 * MIB


def test_the_guest_moves_whole_blocks_only() -> None:
    vmem = _vmem(block=4 * MIB)
    assert vmem.guest_resize(10 * MIB) and vmem.size == 8 * MIB
    assert not vmem.guest_resize(3 * MIB + 8 * MIB)  # still two blocks
    assert vmem.reset() and vmem.size == 0
    assert not vmem.reset()


def test_a_realized_device_takes_only_whole_blocks_within_its_backend() -> None:
    vmem = _vmem(block=4 * MIB)
    assert _desc(vmem.set_requested_size, 6 * MIB) == (
        "'requested-size' has to be multiples of 'block-size' (0x400000)"
    )
    assert _desc(vmem.set_requested_size, 512 * MIB) == (
        "'requested-size' cannot exceed the memory backend size(0x10000000)"
    )
    vmem.set_requested_size(256 * MIB)
    assert vmem.requested_size == 256 * MIB


def test_block_size_setter_and_size_texts() -> None:
    assert check_block_size(MIB) == MIB
    assert _desc(check_block_size, 512 << 10) == "'block-size' property has to be at least 0x100000"
    assert _desc(check_block_size, 3 * MIB) == "'block-size' property has to be a power of two"
    assert parse_size_prop("requested-size", "1G") == GIB
    assert _desc(parse_size_prop, "requested-size", "abc") == (
        "Parameter 'requested-size' expects size"
    )


def test_realize_checks_come_in_qemus_order() -> None:
    request = VirtioMemRequest("b1", 256 * MIB, 4 * MIB, 6 * MIB, node=1)
    assert request.realize_error(True) == "'memdev' property specifies a busy memdev: b1"
    assert request.realize_error(False) == (
        "'node' property has value '1', which exceedsthe number of numa nodes: 1"
    )
    request.node = 0
    assert request.realize_error(False) == (
        "'requested-size' property has to be multiples of 'block-size' (0x400000)"
    )
    request.requested_size = 8 * MIB
    assert request.realize_error(False) is None
    assert request.alignment() == 4 * MIB


def test_the_region_counts_the_backend_and_the_summary_the_plugged_blocks() -> None:
    devices = MemoryDevices(128 * MIB, 2 * GIB, 2, FOUR_GIB)
    vmem = _vmem(max_size=GIB)
    vmem.addr = devices.place(None, 2 * MIB, vmem.max_size)
    devices.add(vmem)
    dimm = devices.plug(DimmRequest("pc-dimm", "d0", "m0", 128 * MIB), True)
    assert dimm.addr == FOUR_GIB + GIB  # past the whole virtio-mem backend
    assert devices.used_region_size() == GIB + 128 * MIB
    assert devices.plugged_size() == 128 * MIB
    vmem.guest_resize(GIB)
    assert devices.plugged_size() == 192 * MIB
    room = 2 * GIB - 128 * MIB
    assert _desc(devices.place, None, 2 * MIB, GIB) == (
        f"not enough space, currently 0x{GIB + 128 * MIB:x} in use of total space "
        f"for memory devices 0x{room:x}"
    )
    devices.remove(vmem)
    assert "b1" not in devices.mapped and devices.used_region_size() == 128 * MIB
