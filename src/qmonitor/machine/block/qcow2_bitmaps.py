"""Persistent dirty bitmaps in a qcow2 image: loaded when it opens, stored when it closes.

A qcow2 v3 image keeps its bitmaps behind a header extension (the
"bitmaps extension" of docs/interop/qcow2.txt, valid only while the
``bitmaps`` autoclear bit is set): a directory of entries (table offset
and size, flags ``in-use`` and ``auto``, granularity, name), each naming
a bitmap table whose entries point at clusters of serialised bits (the
granules in little-endian bit order, a cluster's worth of bits each; an
entry without a cluster reads as all zeroes, or all ones with its low
bit set).

What QEMU 7.2's block/qcow2-bitmap.c does, step for step so the image
ends up with the same layout:

* :func:`load` (qcow2_load_dirty_bitmaps, when a node opens): each entry
  becomes a persistent bitmap of the node, disabled unless ``auto``,
  inconsistent (and left unread) if ``in-use``; a node opened read-write
  rewrites the directory in place with every loaded entry ``in-use``; a
  read-only node's bitmaps are read-only.
* :func:`store` (qcow2_store_persistent_dirty_bitmaps, when the node
  closes: ``quit``, ``blockdev-del``, a drive's removal): each writable
  persistent bitmap that is not inconsistent gets new data clusters, then
  a new table, then a new directory is written and the header updated;
  the old directory and the tables the bitmaps had are freed last.
* :func:`remove` (qcow2_co_remove_persistent_dirty_bitmap, for
  ``block-dirty-bitmap-remove``): the entry leaves the directory at once
  and its clusters are freed.

Clusters come from :class:`~.qcow2_meta.Qcow2Meta` (first-fit, with
refcounts), so ``qemu-img check`` finds the image clean.
"""

from __future__ import annotations

import os
import struct
import sys
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from qmonitor.machine.block.hbitmap import HBitmap
from qmonitor.machine.block.qcow2_meta import Qcow2Meta
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    from qmonitor.machine.block.bitmaps import DirtyBitmap
    from qmonitor.machine.block.graph import BlockNode

#: Header extension types (block/qcow2.c): the bitmaps one, and those QEMU writes before it.
EXT_BITMAPS = 0x23852875
EXT_END = 0
_EXT_BEFORE_BITMAPS = (0xE2792ACA, 0x44415441, 0x0537BE77, 0x6803F857)
#: The autoclear feature bit that makes the extension valid.
AUTOCLEAR_BITMAPS = 1
#: Directory entry flags.
FLAG_IN_USE, FLAG_AUTO = 1, 2
#: The only bitmap type (dirty tracking).
TYPE_DIRTY_TRACKING = 1
#: Bitmap table entries: the data cluster's offset; "all ones" when there is none.
TABLE_OFFSET_MASK = 0x00FFFFFFFFFFFE00
TABLE_ALL_ONES = 1
TABLE_RESERVED = 0xFF000000000001FE
#: Header offsets (v3): autoclear features, header length; the backing file's offset and size.
_AUTOCLEAR, _HEADER_LENGTH, _BACKING = 88, 100, 8
#: QCOW2_MAX_BITMAP_DIRECTORY_SIZE.
MAX_DIRECTORY = 1024 * 65535
#: block/qcow2-bitmap.c's limits on an entry.
MAX_TABLE_SIZE, MAX_PHYS_SIZE, MAX_NAME_SIZE = 0x8000000, 0x20000000, 1023
MIN_GRANULARITY_BITS, MAX_GRANULARITY_BITS = 9, 31
RESERVED_FLAGS = 0xFFFFFFFC
_ENTRY = struct.Struct(">QIIBBHI")

# Texts of block/qcow2-bitmap.c.
DIR_SIZE_ZERO = "Requested bitmap directory size is zero"
DIR_TOO_BIG = "Requested bitmap directory size is too big"
DIR_BROKEN = "Broken bitmap directory"
MORE_BITMAPS = "More bitmaps found than specified in header extension"
LESS_BITMAPS = "Less bitmaps found than specified in header extension"
EXTRA_DATA = "Bitmap extra data is not supported"
CONSTRAINTS = "Bitmap '{}' doesn't satisfy the constraints"
BAD_TABLE = "Could not read bitmap_table table from image for bitmap '{}': Invalid argument"
BAD_DATA = "Could not read bitmap '{}' from image: Invalid argument"
ALREADY_IN_IMAGE = "Bitmap '{}' already exists in the image"
NO_WRITE_ACCESS = "No write access"
NOT_LOADED = "Cannot resize qcow2 with persistent bitmaps that were not loaded into memory"
LOST = "Lost persistent bitmaps during inactivation of node '{}': {}"
# Texts of block/qcow2.c (qcow2_read_extensions): a warning, then a line without its newline.
STALE = (
    "a program lacking bitmap support modified this file, so all bitmaps are now "
    "considered inconsistent"
)
STALE_HINT = "Some clusters may be leaked, run 'qemu-img check -r' on the image file to fix."


@dataclass
class Entry:
    """One entry of the bitmap directory (a Qcow2Bitmap)."""

    name: str
    flags: int
    granularity_bits: int
    table_offset: int = 0
    table_size: int = 0
    #: The node's bitmap stored under it this time.
    bitmap: DirtyBitmap | None = field(default=None, repr=False)

    def pack(self) -> bytes:
        name = self.name.encode()
        raw = _ENTRY.pack(self.table_offset, self.table_size, self.flags,
                          TYPE_DIRTY_TRACKING, self.granularity_bits, len(name), 0)  # fmt: skip
        raw += name
        return raw + bytes(-len(raw) % 8)


@dataclass
class Extension:
    """The bitmaps extension as the header holds it (zeros: none)."""

    nb_bitmaps: int = 0
    directory_size: int = 0
    directory_offset: int = 0
    autoclear: int = 0
    #: There is one, but without its autoclear bit: a program that knows nothing
    #: of bitmaps wrote the image since, so none of them can be trusted.
    stale: bool = False


def image_path(node: BlockNode) -> str | None:
    """The host file of a qcow2 node (None if its file is not a ``file`` node)."""
    file = node.children.get("file")
    if file is None or file.driver != "file":
        return None
    return str(file.options["filename"])


def _read(path: str, offset: int, length: int) -> bytes:
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read(length)
    return data + bytes(length - len(data))


def read_extension(head: bytes) -> Extension:
    """The bitmaps extension of a header cluster (ignored without its autoclear bit)."""
    if struct.unpack_from(">I", head, 4)[0] < 3:
        return Extension()
    autoclear = struct.unpack_from(">Q", head, _AUTOCLEAR)[0]
    out = Extension(autoclear=autoclear)
    for kind, data in _extensions(head):
        if kind != EXT_BITMAPS or len(data) != 24:
            continue
        if not autoclear & AUTOCLEAR_BITMAPS:
            out.stale = True
            continue
        nb, _, size, offset = struct.unpack(">IIQQ", data)
        out.nb_bitmaps, out.directory_size, out.directory_offset = nb, size, offset
    return out


def _extensions(head: bytes) -> list[tuple[int, bytes]]:
    """The header extensions in the order they are written, up to the end marker."""
    cluster = 1 << struct.unpack_from(">I", head, 20)[0]
    backing = struct.unpack_from(">Q", head, _BACKING)[0]
    offset = (struct.unpack_from(">I", head, _HEADER_LENGTH)[0] + 7) & ~7
    end = backing if backing else cluster
    out: list[tuple[int, bytes]] = []
    while offset + 8 <= min(end, len(head)):
        kind, length = struct.unpack_from(">II", head, offset)
        if kind == EXT_END:
            break
        out.append((kind, bytes(head[offset + 8 : offset + 8 + length])))
        offset += 8 + ((length + 7) & ~7)
    return out


def _entry_ok(entry: Entry, kind: int, name_size: int, cluster_size: int, length: int) -> bool:
    """check_dir_entry: the limits an entry must keep."""
    if (
        not entry.table_size
        or not entry.table_offset
        or entry.table_offset % cluster_size
        or entry.table_size > MAX_TABLE_SIZE
        or not MIN_GRANULARITY_BITS <= entry.granularity_bits <= MAX_GRANULARITY_BITS
        or entry.flags & RESERVED_FLAGS
        or name_size > MAX_NAME_SIZE
        or kind != TYPE_DIRTY_TRACKING
    ):
        return False
    phys = entry.table_size * cluster_size
    if phys > MAX_PHYS_SIZE:
        return False
    # A bitmap in use may be short (not stored after a resize); a valid one may not.
    return bool(entry.flags & FLAG_IN_USE) or length <= (phys * 8) << entry.granularity_bits


def read_directory(data: bytes, nb_bitmaps: int, cluster_size: int, length: int) -> list[Entry]:
    """bitmap_list_load: the entries of a directory (QapiError with QEMU's text if broken)."""
    if not data:
        raise QapiError(DIR_SIZE_ZERO)
    if len(data) > MAX_DIRECTORY:
        raise QapiError(DIR_TOO_BIG)
    entries: list[Entry] = []
    offset = 0
    while offset < len(data):
        if offset + _ENTRY.size > len(data):
            raise QapiError(DIR_BROKEN)
        if len(entries) + 1 > nb_bitmaps:
            raise QapiError(MORE_BITMAPS)
        table_offset, table_size, flags, kind, bits, name_size, extra = _ENTRY.unpack_from(
            data, offset
        )
        size = (_ENTRY.size + name_size + extra + 7) & ~7
        if offset + size > len(data):
            raise QapiError(DIR_BROKEN)
        if extra:
            raise QapiError(EXTRA_DATA)
        start = offset + _ENTRY.size
        name = data[start : start + name_size].decode("utf-8", errors="replace")
        entry = Entry(name, flags, bits, table_offset, table_size)
        if not _entry_ok(entry, kind, name_size, cluster_size, length):
            raise QapiError(CONSTRAINTS.format(name))
        entries.append(entry)
        offset += size
    if len(entries) != nb_bitmaps:
        raise QapiError(LESS_BITMAPS)
    return entries


def _coverage(cluster_size: int) -> int:
    """How many granules one cluster of serialised bits holds."""
    return cluster_size * 8


def _table_size(size: int, granularity: int, cluster_size: int) -> int:
    """size_to_clusters of the serialisation size (whole 64-bit words of granules)."""
    granules = (size + granularity - 1) // granularity
    serialised = (granules + 63) // 64 * 8
    return (serialised + cluster_size - 1) // cluster_size


def _load_bits(path: str, entry: Entry, size: int, cluster_size: int) -> HBitmap:
    """load_bitmap_data: the bits the table points at."""
    granularity = 1 << entry.granularity_bits
    bits = HBitmap.for_granule(size, granularity)
    raw = _read(path, entry.table_offset, 8 * entry.table_size)
    table = struct.unpack(f">{entry.table_size}Q", raw)
    for item in table:
        data_offset = item & TABLE_OFFSET_MASK
        if item & TABLE_RESERVED or (
            data_offset and (item & TABLE_ALL_ONES or data_offset % cluster_size)
        ):
            raise QapiError(BAD_TABLE.format(entry.name))
    if _table_size(size, granularity, cluster_size) != entry.table_size:
        raise QapiError(BAD_DATA.format(entry.name))
    per = _coverage(cluster_size)
    value = 0
    for i, item in enumerate(table):
        data_offset = item & TABLE_OFFSET_MASK
        if data_offset:
            chunk = int.from_bytes(_read(path, data_offset, cluster_size), "little")
        elif item & TABLE_ALL_ONES:
            chunk = (1 << per) - 1
        else:
            continue
        value |= chunk << (i * per)
    bits.bits = value & ((1 << bits.size) - 1)
    return bits


def _stale(node: BlockNode, path: str, ext: Extension, location: str) -> None:
    """The warning, and (read-write) the header written again without the extension."""
    where = f"{location}: " if location else ""
    sys.stderr.write(f"{_prog()}: {where}warning: {STALE}\n{STALE_HINT}")
    sys.stderr.flush()
    if node.read_only:
        return
    meta = _open_meta(node, path)
    try:
        _write_header(meta, Extension(autoclear=ext.autoclear))
    finally:
        meta.close()


def load(node: BlockNode, location: str = "") -> None:
    """qcow2_load_dirty_bitmaps: the image's bitmaps become the node's (see the module)."""
    from qmonitor.machine.block.bitmaps import DirtyBitmap

    path = image_path(node)
    header = node.header
    if path is None or header is None or header.version < 3:
        return
    head = _read(path, 0, header.cluster_size)
    ext = read_extension(head)
    if ext.stale:
        _stale(node, path, ext, location)
    if not ext.nb_bitmaps:
        return
    raw = _read(path, ext.directory_offset, ext.directory_size)
    entries = read_directory(raw, ext.nb_bitmaps, header.cluster_size, node.size)
    writable = not node.read_only
    loaded: list[DirtyBitmap] = []
    update = False
    have = {b.name for b in node.bitmaps}
    for entry in entries:
        granularity = 1 << entry.granularity_bits
        in_use = bool(entry.flags & FLAG_IN_USE)
        if in_use and entry.name in have:
            # Already here (kept through a migration): the image's copy is stale.
            continue
        if in_use:
            bits = HBitmap.for_granule(node.size, granularity)
        else:
            bits = _load_bits(path, entry, node.size, header.cluster_size)
            entry.flags |= FLAG_IN_USE
            update = True
        # bdrv_dirty_bitmap_set_inconsistent also disables the bitmap.
        loaded.append(DirtyBitmap(
            entry.name, granularity, node.size,
            disabled=in_use or not entry.flags & FLAG_AUTO,
            persistent=True, readonly=not writable, inconsistent=in_use, bits=bits,
        ))  # fmt: skip
    if update and writable:
        # update_ext_header_and_dir_in_place: the same directory, flags in use.
        directory = b"".join(e.pack() for e in entries)
        with open(path, "r+b") as f:
            f.seek(ext.directory_offset)
            f.write(directory)
    node.bitmaps[:0] = reversed(loaded)


def _open_meta(node: BlockNode, path: str) -> Qcow2Meta:
    backing = node.children.get("backing") is not None
    return Qcow2Meta(path, has_backing=backing)


def _free_table(meta: Qcow2Meta, offset: int, size: int, discard: bool = True) -> None:
    """free_bitmap_clusters: each data cluster, then the table.

    The data clusters are freed with QCOW2_DISCARD_ALWAYS: where the file
    takes discards, it reads zeroes there afterwards.
    """
    if not size:
        return
    table = struct.unpack(f">{size}Q", meta.pread(offset, 8 * size))
    for item in table:
        data = item & TABLE_OFFSET_MASK
        if data:
            meta.free(data, meta.cluster_size)
            if discard:
                meta.pwrite(data, bytes(meta.cluster_size))
    meta.free(offset, 8 * size)


def _store_bitmap(meta: Qcow2Meta, entry: Entry, bitmap: DirtyBitmap) -> None:
    """store_bitmap: the data clusters of the dirty parts, then the table."""
    cluster = meta.cluster_size
    size = _table_size(bitmap.size, bitmap.granularity, cluster)
    per = _coverage(cluster)
    table = [0] * size
    value = bitmap.bits.bits
    if bitmap.successor is not None:
        # A backup still holds it: what it stores is what the job's cancel
        # (job_cancel_sync_all at exit) gives back, its successor merged in.
        merged = bitmap.bits.copy()
        merged.merge(bitmap.successor.bits)
        value = merged.bits
    mask = (1 << per) - 1
    for i in range(size):
        chunk = (value >> (i * per)) & mask
        if not chunk:
            continue
        offset = meta.alloc(cluster)
        table[i] = offset
        meta.pwrite(offset, chunk.to_bytes(cluster, "little"))
    table_offset = meta.alloc(8 * size)
    meta.pwrite(table_offset, struct.pack(f">{size}Q", *table))
    entry.table_offset, entry.table_size = table_offset, size


def _write_header(meta: Qcow2Meta, ext: Extension) -> None:
    """qcow2_update_header: the header cluster again, with the bitmaps extension as ``ext``."""
    cluster = meta.cluster_size
    head = bytearray(meta.pread(0, cluster))
    header_length = struct.unpack_from(">I", head, _HEADER_LENGTH)[0]
    backing_offset, backing_size = struct.unpack_from(">QI", head, _BACKING)
    backing = bytes(head[backing_offset : backing_offset + backing_size]) if backing_offset else b""
    kept = [(k, d) for k, d in _extensions(bytes(head)) if k != EXT_BITMAPS]
    before = [(k, d) for k, d in kept if k in _EXT_BEFORE_BITMAPS]
    after = [(k, d) for k, d in kept if k not in _EXT_BEFORE_BITMAPS]
    mine = []
    if ext.nb_bitmaps:
        data = struct.pack(">IIQQ", ext.nb_bitmaps, 0, ext.directory_size, ext.directory_offset)
        mine.append((EXT_BITMAPS, data))
    body = b"".join(
        struct.pack(">II", k, len(d)) + d + bytes(-len(d) % 8) for k, d in before + mine + after
    )
    body += struct.pack(">II", EXT_END, 0)
    start = (header_length + 7) & ~7
    struct.pack_into(">Q", head, _AUTOCLEAR, ext.autoclear)
    if backing:
        struct.pack_into(">Q", head, _BACKING, start + len(body))
    new = bytes(head[:start]) + body + backing
    meta.pwrite(0, new + bytes(cluster - len(new)))


def _update_directory(meta: Qcow2Meta, old: Extension, entries: list[Entry]) -> None:
    """update_ext_header_and_dir: a new directory, the header, then the old directory freed."""
    new = Extension(autoclear=old.autoclear)
    if entries:
        directory = b"".join(e.pack() for e in entries)
        new.directory_offset = meta.alloc(len(directory))
        meta.pwrite(new.directory_offset, directory)
        new.directory_size, new.nb_bitmaps = len(directory), len(entries)
        new.autoclear |= AUTOCLEAR_BITMAPS
    else:
        new.autoclear &= ~AUTOCLEAR_BITMAPS
    _write_header(meta, new)
    if old.directory_size:
        meta.free(old.directory_offset, old.directory_size)


def _image_entries(meta: Qcow2Meta, length: int) -> tuple[Extension, list[Entry]]:
    ext = read_extension(meta.pread(0, meta.cluster_size))
    if not ext.nb_bitmaps:
        return ext, []
    raw = meta.pread(ext.directory_offset, ext.directory_size)
    return ext, read_directory(raw, ext.nb_bitmaps, meta.cluster_size, length)


def _file_unmaps(node: BlockNode) -> bool:
    """Whether discards reach the image file (its node has BDRV_O_UNMAP).

    A file child opened inline inherits ``discard=unmap`` unless it says
    otherwise (bdrv_inherited_options); a node opened on its own does not.
    """
    file = node.children["file"]
    default = "unmap" if isinstance(node.options.get("file"), dict) else "ignore"
    return bool(file.options.get("discard", default) == "unmap")


def store(node: BlockNode, skip: frozenset[str] = frozenset()) -> None:
    """qcow2_store_persistent_dirty_bitmaps as the node closes (failures reported, not raised).

    ``skip`` names bitmaps a migration carries (they are not stored).  The
    old data clusters are freed with a discard, which leaves zeroes where
    the image file takes discards.
    """
    path = image_path(node)
    writable = [
        b for b in node.bitmaps
        if b.name and b.persistent and not b.inconsistent and not b.readonly
        and b.name not in skip
    ]  # fmt: skip
    if path is None or not writable or node.header is None:
        return
    if node.read_only:
        _lost(node, NO_WRITE_ACCESS)
        return
    try:
        meta = _open_meta(node, path)
    except (OSError, QapiError):
        return
    try:
        ext, entries = _image_entries(meta, node.size)
        dropped: list[tuple[int, int]] = []
        for bitmap in writable:
            entry = next((e for e in entries if e.name == bitmap.name), None)
            if entry is None:
                entry = Entry(bitmap.name, 0, 0)
                entries.append(entry)
            else:
                if not entry.flags & FLAG_IN_USE:
                    raise QapiError(ALREADY_IN_IMAGE.format(bitmap.name))
                dropped.append((entry.table_offset, entry.table_size))
                entry.table_offset = entry.table_size = 0
            entry.flags = FLAG_AUTO if bitmap.recording else 0
            entry.granularity_bits = bitmap.granularity.bit_length() - 1
            entry.bitmap = bitmap
        for entry in entries:
            if entry.bitmap is not None:
                _store_bitmap(meta, entry, entry.bitmap)
        _update_directory(meta, ext, entries)
        for offset, size in dropped:
            _free_table(meta, offset, size, _file_unmaps(node))
    except QapiError as exc:
        _lost(node, exc.desc)
    finally:
        meta.close()


def _lost(node: BlockNode, why: str) -> None:
    """qcow2_inactivate's error_report: the bitmaps are not in the image."""
    sys.stderr.write(f"{_prog()}: {LOST.format(node.name, why)}\n")


def _prog() -> str:
    """The name error_report starts with: the program's (argv[0], as QEMU's)."""
    prog = os.path.basename(sys.argv[0] if sys.argv else "")
    return "qmonitor" if prog in ("", "__main__.py") else prog


def remove(node: BlockNode, name: str) -> None:
    """qcow2_co_remove_persistent_dirty_bitmap: the entry leaves the image now (if it is there)."""
    path = image_path(node)
    if path is None or node.header is None or node.header.version < 3:
        return
    if not read_extension(_read(path, 0, node.header.cluster_size)).nb_bitmaps:
        return
    meta = _open_meta(node, path)
    try:
        ext, entries = _image_entries(meta, node.size)
        entry = next((e for e in entries if e.name == name), None)
        if entry is None:
            return
        entries.remove(entry)
        _update_directory(meta, ext, entries)
        _free_table(meta, entry.table_offset, entry.table_size, _file_unmaps(node))
    finally:
        meta.close()


def truncate_check(node: BlockNode) -> None:
    """qcow2_truncate_bitmaps_check: every bitmap of the image must be loaded and usable."""
    from qmonitor.machine.block.bitmaps import check, find

    path = image_path(node)
    if path is None or node.header is None or node.header.version < 3:
        return
    ext = read_extension(_read(path, 0, node.header.cluster_size))
    if not ext.nb_bitmaps:
        return
    raw = _read(path, ext.directory_offset, ext.directory_size)
    for entry in read_directory(raw, ext.nb_bitmaps, node.header.cluster_size, node.size):
        bitmap = find(node, entry.name)
        if bitmap is None:
            raise QapiError(NOT_LOADED)
        check(bitmap)


def inactivate(node: BlockNode, skip: frozenset[str]) -> None:
    """qcow2_inactivate (a migration's end): store, then let the stored bitmaps go.

    What stays: bitmaps that are not persistent, inconsistent ones, and
    those the migration carries (``skip``).
    """
    store(node, skip)
    node.bitmaps[:] = [
        b for b in node.bitmaps
        if not (b.name and b.persistent and not b.inconsistent and b.name not in skip)
    ]  # fmt: skip


def reopened(node: BlockNode, was_read_only: bool) -> None:
    """blockdev-reopen changed a qcow2 node's read-only flag: its bitmaps follow.

    To read-only (qcow2_reopen_bitmaps_ro): the bitmaps are stored (and
    kept), the persistent ones become read-only.  To read-write
    (qcow2_reopen_bitmaps_rw): the image's entries are marked in use again
    and its bitmaps writable.
    """

    if node.read_only == was_read_only:
        return

    def with_readonly(b: DirtyBitmap, value: bool) -> DirtyBitmap:
        return replace(b, readonly=value) if b.persistent else b

    if node.read_only:
        node.read_only = False
        try:
            store(node)
        finally:
            node.read_only = True
        node.bitmaps[:] = [with_readonly(b, True) for b in node.bitmaps]
        return
    path = image_path(node)
    if path is not None and node.header is not None:
        ext = read_extension(_read(path, 0, node.header.cluster_size))
        if ext.nb_bitmaps:
            raw = _read(path, ext.directory_offset, ext.directory_size)
            entries = read_directory(raw, ext.nb_bitmaps, node.header.cluster_size, node.size)
            if any(not e.flags & FLAG_IN_USE for e in entries):
                for entry in entries:
                    entry.flags |= FLAG_IN_USE
                with open(path, "r+b") as f:
                    f.seek(ext.directory_offset)
                    f.write(b"".join(e.pack() for e in entries))
    node.bitmaps[:] = [with_readonly(b, False) for b in node.bitmaps]
