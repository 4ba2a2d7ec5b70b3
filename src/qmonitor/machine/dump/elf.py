"""The ELF core file ``dump-guest-memory`` writes (format ``elf``), streamed.

The layout is QEMU 7.2's for a guest whose memory has addresses up to
4 GiB (so ELF64) and whose CPUs are not in long mode (so EM_386): the
ELF header, two section headers (a null one and the string table's,
whose data ends the file), the program headers (one PT_NOTE, then a
PT_LOAD per block with its physical address as virtual address too),
the notes, the memory of each block in order, and ``.shstrtab``.
QEMU fills the header's e_ehsize with 8, and so does this writer.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator

from qmonitor.machine.dump.layout import Block

ELF_HEADER_SIZE = 64
SECTION_HEADER_SIZE = 64
PROGRAM_HEADER_SIZE = 56
#: What QEMU 7.2 writes as e_ehsize (the size of a pointer, not of the header).
QEMU_EHSIZE = 8
ET_CORE = 4
EM_386 = 3
PT_LOAD = 1
PT_NOTE = 4
SHT_STRTAB = 3
SHSTRTAB = b"\0.shstrtab\0"
#: How much memory is read and written at a time.
CHUNK = 1 << 20


def elf_headers(blocks: list[Block], notes: bytes) -> bytes:
    """Everything before the memory: headers and notes."""
    phnum = 1 + len(blocks)
    phoff = ELF_HEADER_SIZE + 2 * SECTION_HEADER_SIZE
    note_offset = phoff + phnum * PROGRAM_HEADER_SIZE
    memory_offset = note_offset + len(notes)
    strtab_offset = memory_offset + sum(b.size for b in blocks)
    ident = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    out = bytearray(ident)
    out += struct.pack(
        "<HHIQQQIHHHHHH", ET_CORE, EM_386, 1, 0, phoff, ELF_HEADER_SIZE, 0,
        QEMU_EHSIZE, PROGRAM_HEADER_SIZE, phnum, SECTION_HEADER_SIZE, 2, 1,
    )  # fmt: skip
    out += bytes(SECTION_HEADER_SIZE)
    out += struct.pack("<IIQQQQIIQQ", 1, SHT_STRTAB, 0, 0, strtab_offset, len(SHSTRTAB), 0, 0, 0, 0)
    out += struct.pack("<IIQQQQQQ", PT_NOTE, 0, note_offset, 0, 0, len(notes), len(notes), 0)
    offset = memory_offset
    for block in blocks:
        out += struct.pack(
            "<IIQQQQQQ", PT_LOAD, 0, offset, block.start, block.start, block.size, block.size, 0
        )
        offset += block.size
    return bytes(out + notes)


def elf_chunks(
    blocks: list[Block], notes: bytes, read: Callable[[int, int], bytes]
) -> Iterator[tuple[bytes, int]]:
    """The file in pieces, each with how many bytes of guest memory it holds."""
    yield elf_headers(blocks, notes), 0
    for block in blocks:
        addr = block.start
        while addr < block.end:
            size = min(CHUNK, block.end - addr)
            yield read(addr, size), size
            addr += size
    yield SHSTRTAB, 0
