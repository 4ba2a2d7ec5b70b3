"""Which guest-physical blocks a dump covers, as QEMU's guest_phys_blocks finds them.

QEMU walks the flat view of system memory and keeps the RAM and ROM
sections, merging neighbours that are contiguous in the guest and in the
host.  On a PC without a display adapter that gives the low RAM up to
the option-ROM area (the VGA window shows RAM), ``pc.rom``, the ISA BIOS
alias, the RAM above 1 MiB up to the low-memory limit, the BIOS below
4 GiB and the RAM above 4 GiB: each a separate host block, so never
merged.  ``begin``/``length`` keep the parts of those blocks inside the
range, as QEMU's filter does.
"""

from __future__ import annotations

from dataclasses import dataclass

from qmonitor.machine.memory import FOUR_GIB, ISA_BIOS, PC_ROM, GuestMemory

#: Where the RAM below the legacy areas ends when no display adapter covers it.
LOW_RAM_END = PC_ROM[0]


@dataclass(frozen=True, slots=True)
class Block:
    """One guest-physical range that is dumped."""

    start: int
    size: int

    @property
    def end(self) -> int:
        return self.start + self.size


def guest_blocks(memory: GuestMemory) -> list[Block]:
    """The PC's RAM and ROM blocks, by address."""
    blocks = [
        Block(0, min(LOW_RAM_END, memory.lowmem)),
        Block(PC_ROM[0], PC_ROM[1] - PC_ROM[0]),
        Block(ISA_BIOS[0], ISA_BIOS[1] - ISA_BIOS[0]),
    ]
    if memory.lowmem > ISA_BIOS[1]:
        blocks.append(Block(ISA_BIOS[1], memory.lowmem - ISA_BIOS[1]))
    if memory.bios_base < FOUR_GIB:
        blocks.append(Block(memory.bios_base, FOUR_GIB - memory.bios_base))
    high = memory.ram_size - memory.lowmem
    if high > 0:
        blocks.append(Block(FOUR_GIB, high))
    return [b for b in blocks if b.size > 0]


def filter_blocks(blocks: list[Block], begin: int, length: int) -> list[Block]:
    """The parts of ``blocks`` inside ``[begin, begin + length)``."""
    out = []
    for block in blocks:
        start, end = max(block.start, begin), min(block.end, begin + length)
        if start < end:
            out.append(Block(start, end - start))
    return out


def range_touches_blocks(blocks: list[Block], begin: int, length: int) -> bool:
    """QEMU's validate_start_block: some block must overlap the range (any start will do)."""
    return any(b.start < begin + length and b.end > begin for b in blocks)
