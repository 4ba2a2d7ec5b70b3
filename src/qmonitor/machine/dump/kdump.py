"""The kdump-compressed file ``dump-guest-memory`` writes (format ``kdump-zlib``), streamed.

QEMU 7.2 writes makedumpfile's *flattened* format: a 4 KiB start header
(``makedumpfile`` signature, type 1, version 1), then records of a
big-endian (offset, size) pair followed by that many bytes, each saying
where its bytes belong in the plain kdump file, and a closing pair of
``-1``.  The records, in QEMU's order, are the disk-dump header (version
6, block size 4 KiB, machine ``x86_64``, the zlib flag), the 64-bit sub
header, the vCPUs' notes (the same notes an ELF dump holds), the two
copies of the page bitmap (one 4 KiB buffer at a time, alternately, every
buffer up to the last dumped page's), then the page descriptors and the
page data, each gathered in a 16 KiB cache written when the next piece
would not fit.  Every zero page shares one zero page of data; any other
page is compressed with zlib at level 1 (``compress2``) and kept
compressed only when that is smaller.  The null guest never ran, so there
is no vmcoreinfo note and the physical base is 0.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterator

from qmonitor.machine.dump.layout import Block

PAGE_SIZE = 4096
#: include/sysemu/dump.h: the flattened format's header and end mark.
MDF_SIGNATURE = b"makedumpfile"
MDF_HEADER_SIZE = 4096
FLAT_TYPE = 1
FLAT_VERSION = 1
END_FLAG = -1
#: The disk-dump header.
KDUMP_SIGNATURE = b"KDUMP   "
HEADER_VERSION = 6
COMPRESSED_ZLIB = 0x1
DUMP_LEVEL = 1
#: target/i386/cpu.h's ELF_MACHINE_UNAME for the x86_64 target.
MACHINE_UNAME = b"x86_64"
UTSNAME_FIELD = 65
#: sizeof(DiskDumpHeader64), sizeof(KdumpSubHeader64), sizeof(PageDescriptor).
HEADER_SIZE = 464
SUB_HEADER_SIZE = 104
DESCRIPTOR_SIZE = 24
#: The header takes the first block; the sub header starts the second.
HEADER_BLOCKS = 1
#: dump.c's data caches hold four bitmap buffers' worth (four pages).
CACHE_SIZE = 4 * PAGE_SIZE
#: zlib level of QEMU's compress2 call (Z_BEST_SPEED).
ZLIB_LEVEL = 1

Records = Iterator[tuple[bytes, int]]


def _record(offset: int, data: bytes) -> bytes:
    """One flattened record: where ``data`` goes in the plain file, its size, itself."""
    return struct.pack(">qq", offset, len(data)) + data


def _div_up(value: int, unit: int) -> int:
    return -(-value // unit)


def _pfns(blocks: list[Block]) -> Iterator[int]:
    """The page frames the blocks cover, in order, each once (get_next_page's walk)."""
    last = -1
    for block in blocks:
        for pfn in range(block.start // PAGE_SIZE, _div_up(block.end, PAGE_SIZE)):
            if pfn != last:
                yield pfn
                last = pfn


def _page(blocks: list[Block], pfn: int, read: Callable[[int, int], bytes]) -> bytes:
    """A page frame's bytes as QEMU assembles them (zeros where no block reaches)."""
    start, end = pfn * PAGE_SIZE, (pfn + 1) * PAGE_SIZE
    out = bytearray(PAGE_SIZE)
    for block in blocks:
        lo, hi = max(start, block.start), min(end, block.end)
        if lo < hi:
            out[lo - start : hi - start] = read(lo, hi - lo)
    return bytes(out)


class _Cache:
    """dump.c's DataCache: pieces gathered and written as one record when full."""

    def __init__(self, offset: int) -> None:
        self.offset = offset
        self.data = bytearray()

    def add(self, piece: bytes) -> bytes:
        """Take ``piece``; the record written first if it did not fit, else b""."""
        out = b""
        if len(self.data) + len(piece) > CACHE_SIZE:
            out = self.flush()
        self.data += piece
        return out

    def flush(self) -> bytes:
        if not self.data:
            return b""
        out = _record(self.offset, bytes(self.data))
        self.offset += len(self.data)
        self.data.clear()
        return out


def _headers(blocks: list[Block], notes: bytes, cpus: int) -> tuple[bytes, int, int]:
    """The header records; the bitmap's length and where it starts in the plain file."""
    max_mapnr = blocks[-1].end // PAGE_SIZE
    bitmap_len = _div_up(_div_up(max_mapnr, 8), PAGE_SIZE) * PAGE_SIZE
    sub_blocks = _div_up(SUB_HEADER_SIZE + len(notes), PAGE_SIZE)
    bitmap_blocks = _div_up(bitmap_len, PAGE_SIZE) * 2
    utsname = bytes(UTSNAME_FIELD * 4) + MACHINE_UNAME.ljust(UTSNAME_FIELD, b"\0")
    utsname += bytes(UTSNAME_FIELD)
    header = KDUMP_SIGNATURE + struct.pack("<I", HEADER_VERSION) + utsname + bytes(22)
    header += struct.pack(
        "<10I", COMPRESSED_ZLIB, PAGE_SIZE, sub_blocks, bitmap_blocks,
        min(max_mapnr, 0xFFFFFFFF), 0, 0, 0, 0, cpus,
    )  # fmt: skip
    assert len(header) == HEADER_SIZE
    note_offset = HEADER_BLOCKS * PAGE_SIZE + SUB_HEADER_SIZE
    sub = struct.pack(
        "<QIIQQQQQQQQQQQ", 0, DUMP_LEVEL, 0, 0, 0, 0, 0, note_offset, len(notes),
        0, 0, 0, 0, max_mapnr,
    )  # fmt: skip
    assert len(sub) == SUB_HEADER_SIZE
    out = bytearray(MDF_SIGNATURE.ljust(16, b"\0"))
    out += struct.pack(">qq", FLAT_TYPE, FLAT_VERSION)
    out += bytes(MDF_HEADER_SIZE - len(out))
    out += _record(0, header)
    out += _record(HEADER_BLOCKS * PAGE_SIZE, sub)
    out += _record(note_offset, notes)
    return bytes(out), bitmap_len, (HEADER_BLOCKS + sub_blocks) * PAGE_SIZE


def _bitmaps(pfns: list[int], bitmap_len: int, bitmap_offset: int) -> bytes:
    """Both bitmap copies, buffer by buffer, up to the last dumped page's buffer."""
    bits = PAGE_SIZE * 8
    count = pfns[-1] // bits + 1 if pfns else 0
    buffers = [bytearray(PAGE_SIZE) for _ in range(count)]
    for pfn in pfns:
        buffers[pfn // bits][pfn % bits // 8] |= 1 << pfn % 8
    out = bytearray()
    for index, buf in enumerate(buffers):
        out += _record(bitmap_offset + index * PAGE_SIZE, bytes(buf))
        out += _record(bitmap_offset + bitmap_len + index * PAGE_SIZE, bytes(buf))
    return bytes(out)


def kdump_chunks(
    blocks: list[Block], notes: bytes, cpus: int, read: Callable[[int, int], bytes]
) -> Iterator[tuple[bytes, int]]:
    """The flattened file in pieces, each with how much guest memory it accounts for."""
    head, bitmap_len, bitmap_offset = _headers(blocks, notes, cpus)
    pfns = list(_pfns(blocks))
    yield head + _bitmaps(pfns, bitmap_len, bitmap_offset), 0
    desc_offset = bitmap_offset + 2 * bitmap_len
    descs = _Cache(desc_offset)
    data = _Cache(desc_offset + DESCRIPTOR_SIZE * len(pfns))
    zero_desc = struct.pack("<QIIQ", data.offset, PAGE_SIZE, 0, 0)
    out = data.add(bytes(PAGE_SIZE))
    next_data = data.offset + PAGE_SIZE
    zero = bytes(PAGE_SIZE)
    for pfn in pfns:
        page = _page(blocks, pfn, read)
        if page == zero:
            out += descs.add(zero_desc)
        else:
            packed = zlib.compress(page, ZLIB_LEVEL)
            flags = COMPRESSED_ZLIB
            if len(packed) >= PAGE_SIZE:
                packed, flags = page, 0
            out += data.add(packed)
            out += descs.add(struct.pack("<QIIQ", next_data, len(packed), flags, 0))
            next_data += len(packed)
        yield out, PAGE_SIZE
        out = b""
    yield descs.flush() + data.flush() + struct.pack(">qq", END_FLAG, END_FLAG), 0
