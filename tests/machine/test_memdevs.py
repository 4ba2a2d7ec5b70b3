"""The device-memory region's bookkeeping (hw/mem/memory-device.c's rules), without a machine."""

from __future__ import annotations

import pytest

from qmonitor.machine.memdevs import (
    BACKEND_ALIGN,
    FOUR_GIB,
    GIB,
    DimmRequest,
    MemoryDevices,
    device_memory_base,
)
from qmonitor.qapi.error import QapiError

MIB = 1 << 20


def _region(slots: int = 4, maxmem: int = 2 * GIB) -> MemoryDevices:
    return MemoryDevices(128 * MIB, maxmem, slots, device_memory_base(128 * MIB, 128 * MIB))


def _dimm(ident: str, memdev: str, size: int, addr: int = 0) -> DimmRequest:
    return DimmRequest("pc-dimm", ident, memdev, size, addr=addr)


def test_the_region_starts_at_the_gigabyte_past_high_ram() -> None:
    assert device_memory_base(128 * MIB, 128 * MIB) == FOUR_GIB
    # A q35 with 3 GiB maps 2 GiB low and 1 GiB above 4 GiB.
    assert device_memory_base(3 * GIB, 2 * GIB) == FOUR_GIB + GIB
    assert device_memory_base(3 * GIB + MIB, 2 * GIB) == FOUR_GIB + 2 * GIB


def test_a_dimm_goes_into_the_first_gap_that_fits() -> None:
    devices = _region()
    devices.plug(_dimm("a", "m1", 4 * MIB, FOUR_GIB + 8 * MIB), False)
    small = devices.plug(_dimm("b", "m2", 2 * MIB), False)
    big = devices.plug(_dimm("c", "m3", 8 * MIB), False)
    assert small.addr == FOUR_GIB
    assert big.addr == FOUR_GIB + 12 * MIB
    assert [d["data"]["id"] for d in devices.query()] == ["b", "a", "c"]
    assert devices.plugged_size() == 14 * MIB


def test_a_hint_past_the_region_is_refused_with_its_bounds() -> None:
    devices = _region(slots=1, maxmem=128 * MIB + BACKEND_ALIGN)
    with pytest.raises(QapiError) as info:
        devices.plug(_dimm("a", "m1", BACKEND_ALIGN, FOUR_GIB + 2 * GIB), False)
    size = BACKEND_ALIGN + GIB
    assert info.value.desc == (
        f"can't add memory device [0x{FOUR_GIB + 2 * GIB:x}:0x{BACKEND_ALIGN:x}], "
        f"usable range for memory devices [0x{FOUR_GIB:x}:0x{size:x}]"
    )


def test_a_mapped_backend_stays_busy_and_a_failed_plug_changes_nothing() -> None:
    devices = MemoryDevices(128 * MIB, GIB, 2, FOUR_GIB, mapped=["pc.ram"])
    with pytest.raises(QapiError, match=r"busy memdev: pc\.ram"):
        devices.plug(_dimm("a", "pc.ram", 128 * MIB), True)
    assert devices.query() == []
    assert devices.mapped == {"pc.ram"}
