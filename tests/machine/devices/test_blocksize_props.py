"""Block size properties: QEMU's size syntax and set_blocksize's checks (QEMU 7.2's texts)."""

from __future__ import annotations

import pytest

from qmonitor.machine.devices.blocksize import check_blocksizes, parse_blocksize
from qmonitor.qapi.error import QapiError

LIMITS = "(minimum: 512, maximum: 2097152)"


@pytest.mark.parametrize(("text", "value"), [("4k", 4096), ("512", 512), ("2M", 2 << 20)])
def test_sizes_with_suffixes(text: str, value: int) -> None:
    assert parse_blocksize("logical_block_size", text) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("foo", "Parameter 'logical_block_size' expects size"),
        ("1000", "Property .logical_block_size doesn't take value '1000', it's not a power of 2"),
        (
            "4M",
            f"Property .logical_block_size doesn't take value 4194304 {LIMITS}",
        ),
        (
            "256",
            f"Property .logical_block_size doesn't take value 256 {LIMITS}",
        ),
    ],
)
def test_bad_sizes(text: str, message: str) -> None:
    with pytest.raises(QapiError) as info:
        parse_blocksize("logical_block_size", text)
    assert info.value.desc == message


def test_a_logical_block_larger_than_the_physical_one_is_refused() -> None:
    check_blocksizes({"logical_block_size": 4096, "physical_block_size": 4096})
    with pytest.raises(QapiError, match="logical_block_size > physical_block_size not supported"):
        check_blocksizes({"logical_block_size": 4096})
