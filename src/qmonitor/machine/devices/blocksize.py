"""Block size properties of storage devices (hw/core/qdev-properties-system.c, hw/block/block.c).

``logical_block_size``, ``physical_block_size`` and ``min_io_size`` take
a size (``4k``), which must be a power of two from 512 bytes to 2 MiB;
a device's realize refuses a logical block larger than the physical one
(blkconf_blocksizes).
"""

from __future__ import annotations

from typing import Any

from qmonitor.qapi.error import QapiError
from qmonitor.util.cutils import do_strtosz

#: The properties set_blocksize guards (DEFINE_PROP_BLOCKSIZE).
BLOCKSIZE_PROPS = ("logical_block_size", "physical_block_size")
#: MIN_BLOCK_SIZE and MAX_BLOCK_SIZE.
MIN_BLOCK, MAX_BLOCK = 512, 2 * 1024 * 1024
# Texts of QEMU 7.2.
EXPECTS_SIZE = "Parameter '{}' expects size"
NOT_POW2 = "Property .{} doesn't take value '{}', it's not a power of 2"
OUT_OF_RANGE = "Property .{} doesn't take value {} (minimum: {}, maximum: {})"
LOGICAL_OVER_PHYSICAL = "logical_block_size > physical_block_size not supported"


def parse_blocksize(name: str, text: str) -> int:
    """set_blocksize: the value, checked against the limits, then for a power of two."""
    result = do_strtosz(text, unit=1024)
    if result.error is not None:
        raise QapiError(EXPECTS_SIZE.format(name))
    value = result.value
    if not MIN_BLOCK <= value <= MAX_BLOCK:
        raise QapiError(OUT_OF_RANGE.format(name, value, MIN_BLOCK, MAX_BLOCK))
    if value & (value - 1):
        raise QapiError(NOT_POW2.format(name, value))
    return value


def check_blocksizes(values: dict[str, Any]) -> None:
    """blkconf_blocksizes' check once both sizes are known."""
    logical = int(values.get("logical_block_size") or MIN_BLOCK)
    physical = int(values.get("physical_block_size") or MIN_BLOCK)
    if logical > physical:
        raise QapiError(LOGICAL_OVER_PHYSICAL)
