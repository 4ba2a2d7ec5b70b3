"""The dump's blocks, notes and ELF headers, without a process."""

from __future__ import annotations

import struct

from qmonitor.machine.dump.elf import SHSTRTAB, elf_chunks, elf_headers
from qmonitor.machine.dump.layout import (
    Block,
    filter_blocks,
    guest_blocks,
    range_touches_blocks,
)
from qmonitor.machine.dump.notes import QEMU64_SIGNATURE, cpu_notes, cpuid_signature
from qmonitor.machine.memory import GuestMemory

MIB = 1 << 20


def test_pc_blocks_below_4g() -> None:
    blocks = guest_blocks(GuestMemory(128 * MIB, bios=bytes(0x40000)))
    assert [(b.start, b.size) for b in blocks] == [
        (0, 0xC0000),
        (0xC0000, 0x20000),
        (0xE0000, 0x20000),
        (0x100000, 128 * MIB - 0x100000),
        (0xFFFC0000, 0x40000),
    ]


def test_pc_blocks_above_4g() -> None:
    blocks = guest_blocks(GuestMemory(4160 * MIB, bios=bytes(0x40000)))
    assert blocks[-2:] == [Block(0xFFFC0000, 0x40000), Block(1 << 32, 4160 * MIB - 0xC0000000)]
    assert Block(0x100000, 0xC0000000 - 0x100000) in blocks


def test_filter_and_range_check() -> None:
    blocks = guest_blocks(GuestMemory(128 * MIB, bios=bytes(0x40000)))
    got = filter_blocks(blocks, 0xBF000, 0x2000)
    assert got == [Block(0xBF000, 0x1000), Block(0xC0000, 0x1000)]
    assert filter_blocks(blocks, 0xA0000000, 0x1000) == []
    # Any range that overlaps a block passes, wherever it begins (QEMU's check).
    assert range_touches_blocks(blocks, 0x8000000, 0xF8000000)
    assert not range_touches_blocks(blocks, 0xA0000000, 0x1000)


def test_reset_signature_of_qemu64() -> None:
    assert cpuid_signature(15, 107, 1) == QEMU64_SIGNATURE == 0x60FB1


def test_notes_per_cpu() -> None:
    one, three = cpu_notes(1), cpu_notes(3)
    assert len(one) == 0x270
    assert len(three) == 3 * 0x270
    # CORE notes first, each with its pid, then the QEMU notes.
    pids = [struct.unpack_from("<I", three, 164 * i + 20 + 24)[0] for i in range(3)]
    assert pids == [1, 2, 3]
    assert three[3 * 164 + 12 : 3 * 164 + 16] == b"QEMU"


def test_elf_header_fields() -> None:
    blocks = [Block(0x1000, 0x2000)]
    head = elf_headers(blocks, cpu_notes(1))
    e_type, e_machine = struct.unpack_from("<HH", head, 16)
    phoff, shoff = struct.unpack_from("<QQ", head, 32)
    phnum, shnum = struct.unpack_from("<H", head, 56)[0], struct.unpack_from("<H", head, 60)[0]
    assert (e_type, e_machine, phoff, shoff, phnum, shnum) == (4, 3, 192, 64, 2, 2)
    # The string table's data ends the file, after the memory.
    strtab_offset = struct.unpack_from("<Q", head, 128 + 24)[0]
    assert strtab_offset == len(head) + 0x2000
    chunks = list(elf_chunks(blocks, cpu_notes(1), lambda a, n: bytes(n)))
    assert chunks[-1] == (SHSTRTAB, 0)
    assert sum(memory for _, memory in chunks) == 0x2000
