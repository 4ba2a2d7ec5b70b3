"""The guest's physical address space as qtest's memory commands see it on a PC.

RAM sits at 0 up to the machine's low-memory limit and the rest above
4 GiB; the BIOS image is mapped read-only just below 4 GiB and its last
128 KiB again at 0xe0000 (``isa-bios``); 0xc0000-0xdffff is the PC's
option ROM area (``pc.rom``, zeros, read-only).  Everything else reads as
zeros and ignores writes, as unassigned memory does under qtest, and the
VGA window (0xa0000-0xbffff) holds nothing without a display adapter.
RAM is allocated in pages on first write, so a PC of any size costs only
what qtest writes.

The BIOS image is read from the firmware directories QEMU searches
(``bios-256k.bin``); without one the ROM reads as zeros.
"""

from __future__ import annotations

import os

PAGE = 4096
#: The BIOS file QEMU 7.2's PC machines load, and where distributions put it.
BIOS_NAME = "bios-256k.bin"
FIRMWARE_DIRS = ("/usr/share/qemu", "/usr/share/seabios", "/usr/lib/ipxe/qemu")
#: The legacy regions below 1 MiB.
VGA_WINDOW = (0xA0000, 0xC0000)
PC_ROM = (0xC0000, 0xE0000)
ISA_BIOS = (0xE0000, 0x100000)
FOUR_GIB = 1 << 32
#: Addresses are 64-bit; an access wraps nowhere, it stops being memory.
ADDRESS_LIMIT = 1 << 64


def _find_bios(name: str) -> bytes:
    for directory in FIRMWARE_DIRS:
        path = os.path.join(directory, name)
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError:
            continue
    return b""


def pc_lowmem(ram_size: int, q35: bool) -> int:
    """How much RAM a PC maps below 4 GiB (pc_piix.c / pc_q35.c, gigabyte alignment)."""
    if q35:
        return 0x80000000 if ram_size >= 0xB0000000 else min(ram_size, 0xB0000000)
    return 0xC0000000 if ram_size >= 0xE0000000 else ram_size


class GuestMemory:
    """RAM in sparse pages plus the read-only BIOS mappings."""

    def __init__(self, ram_size: int, *, q35: bool = False, bios: bytes | None = None) -> None:
        self.ram_size = ram_size
        self.lowmem = pc_lowmem(ram_size, q35)
        self._pages: dict[int, bytearray] = {}
        self._bios = _find_bios(BIOS_NAME) if bios is None else bios
        self._bios_base = FOUR_GIB - len(self._bios)

    @property
    def bios_base(self) -> int:
        """Where the BIOS image is mapped, ending at 4 GiB."""
        return self._bios_base

    def _ram_offset(self, addr: int) -> int | None:
        """Where ``addr`` falls in RAM, or None when it is not RAM."""
        if addr < self.lowmem:
            if VGA_WINDOW[0] <= addr < ISA_BIOS[1]:
                return None
            return addr
        high = self.ram_size - self.lowmem
        if FOUR_GIB <= addr < FOUR_GIB + high:
            return self.lowmem + addr - FOUR_GIB
        return None

    def read(self, addr: int, length: int) -> bytes:
        """``length`` bytes from ``addr``: RAM, ROM, or zeros where nothing is mapped."""
        out = bytearray(length)
        end = min(addr + length, ADDRESS_LIMIT)
        a = addr
        while a < end:
            # One run at a time: up to the end of a RAM page, or byte by byte elsewhere.
            offset = self._ram_offset(a)
            if offset is not None:
                run = min(end - a, PAGE - offset % PAGE)
                page = self._pages.get(offset // PAGE)
                if page is not None:
                    start = offset % PAGE
                    out[a - addr : a - addr + run] = page[start : start + run]
                a += run
                continue
            rom = self._rom_run(a, end)
            if rom:
                out[a - addr : a - addr + len(rom)] = rom
                a += len(rom)
                continue
            a += 1
        return bytes(out)

    def _rom_run(self, addr: int, end: int) -> bytes:
        """The ROM bytes from ``addr`` to the end of its mapping (or ``end``)."""
        bios = self._bios
        if bios and self._bios_base <= addr < FOUR_GIB:
            return bios[addr - self._bios_base : min(end, FOUR_GIB) - self._bios_base]
        if ISA_BIOS[0] <= addr < ISA_BIOS[1] and len(bios) >= ISA_BIOS[1] - ISA_BIOS[0]:
            base = len(bios) - (ISA_BIOS[1] - ISA_BIOS[0])
            stop = min(end, ISA_BIOS[1])
            return bios[base + addr - ISA_BIOS[0] : base + stop - ISA_BIOS[0]]
        return b""

    def write(self, addr: int, data: bytes) -> None:
        for i, byte in enumerate(data):
            a = addr + i
            if a >= ADDRESS_LIMIT:
                break
            offset = self._ram_offset(a)
            if offset is None:
                continue  # ROM and unassigned memory take nothing
            page = self._pages.get(offset // PAGE)
            if page is None:
                if not byte:
                    continue
                page = self._pages[offset // PAGE] = bytearray(PAGE)
            page[offset % PAGE] = byte
