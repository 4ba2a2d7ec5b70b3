"""Dirty bitmaps of block nodes (QEMU 7.2's block/dirty-bitmap.c, block/monitor/bitmap-qmp-cmds.c).

A bitmap has one bit per ``granularity`` bytes of its node, kept in an
:class:`~.hbitmap.HBitmap`.  Every write a node takes (HMP ``qemu-io``,
the opt-in guest's requests, a job writing its target) marks the
granules it touches in each of the node's enabled bitmaps
(:func:`mark`, bdrv_set_dirty).  What a client sees is QEMU's: the
checks and texts of each command, the default granularity (a qcow2
node's cluster size held between 4 KiB and 64 KiB, else 64 KiB),
persistence allowed on qcow2 v3 images only (with the qcow2 driver's
limits), the ``dirty-bitmaps`` of ``query-named-block-nodes`` (newest
first, with their ``count`` in bytes) and the SHA-256 digest of the
bitmap's lowest level, as ``x-debug-block-dirty-bitmap-sha256`` hashes it.

A backup that syncs a bitmap gives it a *successor* (an anonymous bitmap
that records the writes made while the job runs, the named one stops
recording and is busy); when the job ends the successor either takes the
named bitmap's place (:func:`abdicate`) or is merged back into it
(:func:`reclaim`).

The operations are plain functions of the graph so that ``transaction``
can call them: :func:`add`, :func:`remove`, :func:`clear`,
:func:`enable`, :func:`disable` and :func:`merge` each raise
:class:`~qmonitor.qapi.error.QapiError` with QEMU's text and change
nothing when they fail.  :func:`add` returns the new bitmap (:func:`drop`
takes it back); :func:`remove`, :func:`enable`, :func:`disable`,
:func:`clear` and :func:`merge` return the node and the bitmap as it was
before (clear and merge give the bitmap new bits, so the old ones stay
with it), which :func:`restore` puts back.

Persistent bitmaps live in qcow2 images: :mod:`.qcow2_bitmaps` loads
them when a node opens, stores them when it closes and takes one out of
the image when it is removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from qmonitor.machine.block.hbitmap import HBitmap
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    from qmonitor.machine.block.graph import BlockGraph, BlockNode

# Texts of block/monitor/bitmap-qmp-cmds.c.
NAME_EMPTY = "Bitmap name cannot be empty"
BAD_GRANULARITY = "Granularity must be power of 2 and at least 512"
NODE_NOT_FOUND = "Node '{}' not found"
BITMAP_NOT_FOUND = "Dirty bitmap '{}' not found"
# Texts of block/dirty-bitmap.c.
ALREADY_EXISTS = "Bitmap already exists: {}"
NAME_TOO_LONG = "Bitmap name too long: {}"
CANNOT_STORE = "Can't store persistent bitmaps to {}: Operation not supported"
BUSY = "Bitmap '{}' is currently in use by another operation and cannot be used"
READONLY = "Bitmap '{}' is readonly and cannot be modified"
INCONSISTENT = "Bitmap '{}' is inconsistent and cannot be used"
SIZES_DIFFER = (
    "Bitmaps are of different sizes (destination size is {}, source size is {}) and can't be merged"
)
# Texts of block/qcow2-bitmap.c (prefixed with QCOW2_PREFIX).
QCOW2_PREFIX = "Can't make bitmap '{}' persistent in '{}': "
QCOW2_V2 = "Cannot store dirty bitmaps in qcow2 v2 files"
QCOW2_GRAN_MAX = "Granularity exceeds maximum ({} bytes)"
QCOW2_GRAN_MIN = "Granularity is under minimum ({} bytes)"
QCOW2_TOO_BIG = "Too much space will be occupied by the bitmap. Use larger granularity"
QCOW2_NAME_LONG = "Name length exceeds maximum ({} characters)"
QCOW2_TOO_MANY = "Maximum number of persistent bitmaps is already reached"
QCOW2_DIR_FULL = "Not enough space in the bitmap directory"

#: BDRV_BITMAP_MAX_NAME_SIZE and qcow2's BME_MAX_NAME_SIZE.
MAX_NAME = 1023
#: qcow2's limits (block/qcow2-bitmap.c, block/qcow2.h).
BME_MIN_GRANULARITY_BITS, BME_MAX_GRANULARITY_BITS = 9, 31
BME_MAX_PHYS_SIZE = 0x20000000
BME_MAX_TABLE_SIZE = 0x8000000
QCOW2_MAX_BITMAPS = 65535
QCOW2_MAX_BITMAP_DIRECTORY_SIZE = 1024 * QCOW2_MAX_BITMAPS
#: Bytes of a bitmap directory entry before its name (qcow2-bitmap.c's Qcow2BitmapDirEntry).
DIR_ENTRY_HEADER = 24
#: HBitmap's words are unsigned longs of 64 bits, 6 bits of index per level.
WORD_BITS = 64


@dataclass(frozen=True, slots=True)
class DirtyBitmap:
    """One named bitmap (a BdrvDirtyBitmap)."""

    name: str
    granularity: int
    #: The node's length when it was made (the bitmap grows with block_resize).
    size: int
    disabled: bool = False
    persistent: bool = False
    #: Set while a job or an export holds it.
    busy: bool = False
    readonly: bool = False
    inconsistent: bool = False
    #: Its bits (made empty when not given); a write marks them in place.
    bits: HBitmap = field(default=None, compare=False, repr=False)  # type: ignore[assignment]
    #: The anonymous bitmap recording writes while a backup job holds this one.
    successor: DirtyBitmap | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.bits is None:
            object.__setattr__(self, "bits", HBitmap.for_granule(self.size, self.granularity))

    @property
    def anonymous(self) -> bool:
        return not self.name

    @property
    def recording(self) -> bool:
        """bdrv_dirty_bitmap_recording: it, or its successor, takes writes."""
        successor = self.successor
        return not self.disabled or (successor is not None and not successor.disabled)

    def words(self) -> int:
        """How many 64-bit words the bitmap's lowest level has (hbitmap_alloc)."""
        granules = (self.size + self.granularity - 1) // self.granularity
        return max((granules + WORD_BITS - 1) // WORD_BITS, 1)

    def sha256(self) -> str:
        """The digest of the lowest level's words."""
        return self.bits.sha256()

    def info(self) -> dict[str, Any]:
        """Its BlockDirtyInfo, members in the schema's order (no name: anonymous)."""
        out: dict[str, Any] = {"name": self.name} if self.name else {}
        out |= {
            "count": self.bits.count(),
            "granularity": self.granularity,
            "recording": self.recording,
            "busy": self.busy,
            "persistent": self.persistent,
        }
        if self.inconsistent:
            out["inconsistent"] = True
        return out


def bitmaps_of(node: BlockNode) -> list[DirtyBitmap]:
    """A node's bitmaps, newest first (the order QEMU lists them in)."""
    return node.bitmaps


def find(node: BlockNode, name: str) -> DirtyBitmap | None:
    """A named bitmap of the node (an anonymous one has no name to find it by)."""
    if not name:
        return None
    return next((b for b in node.bitmaps if b.name == name), None)


def _set(node: BlockNode, bitmap: DirtyBitmap) -> None:
    """Replace the node's bitmap of the same name in place."""
    node.bitmaps[:] = [bitmap if b.name == bitmap.name else b for b in node.bitmaps]


def mark(node: BlockNode, offset: int, nbytes: int) -> None:
    """bdrv_set_dirty: a write of ``nbytes`` at ``offset`` dirties every enabled bitmap."""
    for bitmap in node.bitmaps:
        if not bitmap.disabled:
            bitmap.bits.set(offset, nbytes)


def lookup(graph: BlockGraph, node_name: str, name: str) -> tuple[BlockNode, DirtyBitmap]:
    """block_dirty_bitmap_lookup: the node (by node or device name) and its bitmap."""
    try:
        node = graph.lookup_bs(node_name, node_name)
    except QapiError:
        raise QapiError(NODE_NOT_FOUND.format(node_name)) from None
    bitmap = find(node, name)
    if bitmap is None:
        raise QapiError(BITMAP_NOT_FOUND.format(name))
    return node, bitmap


def check(
    bitmap: DirtyBitmap, *, busy: bool = True, ro: bool = True, inconsistent: bool = True
) -> None:
    """bdrv_dirty_bitmap_check with the flags asked for."""
    if busy and bitmap.busy:
        raise QapiError(BUSY.format(bitmap.name))
    if ro and bitmap.readonly:
        raise QapiError(READONLY.format(bitmap.name))
    if inconsistent and bitmap.inconsistent:
        raise QapiError(INCONSISTENT.format(bitmap.name))


def default_granularity(node: BlockNode) -> int:
    """bdrv_get_default_bitmap_granularity: a qcow2 node's cluster size in [4 KiB, 64 KiB]."""
    if node.header is not None:
        return min(65536, max(4096, node.header.cluster_size))
    return 65536


def _qcow2_can_store(node: BlockNode, where: str, name: str, granularity: int) -> None:
    """qcow2_co_can_store_new_dirty_bitmap: the image format's limits."""
    header = node.header
    assert header is not None

    def fail(text: str) -> QapiError:
        return QapiError(QCOW2_PREFIX.format(name, where) + text)

    if header.version < 3:
        raise fail(QCOW2_V2)
    bits = granularity.bit_length() - 1
    if bits > BME_MAX_GRANULARITY_BITS:
        raise fail(QCOW2_GRAN_MAX.format(1 << BME_MAX_GRANULARITY_BITS))
    if bits < BME_MIN_GRANULARITY_BITS:
        raise fail(QCOW2_GRAN_MIN.format(1 << BME_MIN_GRANULARITY_BITS))
    granules = (node.size + granularity - 1) // granularity
    needed = (granules + 7) // 8
    if needed > BME_MAX_PHYS_SIZE or needed > BME_MAX_TABLE_SIZE * header.cluster_size:
        raise fail(QCOW2_TOO_BIG)
    if len(name.encode()) > MAX_NAME:
        raise fail(QCOW2_NAME_LONG.format(MAX_NAME))
    stored = [b for b in node.bitmaps if b.persistent] + [DirtyBitmap(name, granularity, 0)]
    if len(stored) > QCOW2_MAX_BITMAPS:
        raise fail(QCOW2_TOO_MANY)
    directory = sum(_dir_entry_size(b.name) for b in stored)
    if directory > QCOW2_MAX_BITMAP_DIRECTORY_SIZE:
        raise fail(QCOW2_DIR_FULL)


def _dir_entry_size(name: str) -> int:
    return (DIR_ENTRY_HEADER + len(name.encode()) + 7) & ~7


def add(
    graph: BlockGraph,
    node_name: str,
    name: str,
    granularity: int | None = None,
    persistent: bool = False,
    disabled: bool = False,
) -> DirtyBitmap:
    """``block-dirty-bitmap-add``."""
    if not name:
        raise QapiError(NAME_EMPTY)
    node = graph.lookup_bs(node_name, node_name)
    if granularity is None:
        granularity = default_granularity(node)
    elif granularity < 512 or granularity & (granularity - 1):
        raise QapiError(BAD_GRANULARITY)
    if persistent:
        if node.driver != "qcow2":
            raise QapiError(CANNOT_STORE.format(graph.device_or_node_name(node)))
        if find(node, name) is not None:
            raise QapiError(ALREADY_EXISTS.format(name))
        _qcow2_can_store(node, graph.device_or_node_name(node), name, granularity)
    if find(node, name) is not None:
        raise QapiError(ALREADY_EXISTS.format(name))
    if len(name.encode()) > MAX_NAME:
        raise QapiError(NAME_TOO_LONG.format(name))
    bitmap = DirtyBitmap(name, granularity, node.size, disabled=disabled, persistent=persistent)
    node.bitmaps.insert(0, bitmap)
    return bitmap


def remove(graph: BlockGraph, node_name: str, name: str) -> tuple[BlockNode, DirtyBitmap]:
    """``block-dirty-bitmap-remove``: the node and the bitmap removed (for an undo)."""
    node, bitmap = lookup(graph, node_name, name)
    check(bitmap, inconsistent=False)
    if bitmap.persistent and node.driver == "qcow2":
        # bdrv_remove_persistent_dirty_bitmap: out of the image at once.
        from qmonitor.machine.block.qcow2_bitmaps import remove as remove_stored

        remove_stored(node, name)
    node.bitmaps.remove(bitmap)
    return node, bitmap


def clear(graph: BlockGraph, node_name: str, name: str) -> tuple[BlockNode, DirtyBitmap]:
    """``block-dirty-bitmap-clear``: new, empty bits (the bitmap returned keeps the old ones)."""
    node, bitmap = lookup(graph, node_name, name)
    check(bitmap)
    _set(node, replace(bitmap, bits=HBitmap(bitmap.size, bitmap.bits.granularity)))
    return node, bitmap


def enable(graph: BlockGraph, node_name: str, name: str) -> tuple[BlockNode, DirtyBitmap]:
    """``block-dirty-bitmap-enable``: the bitmap as it was before."""
    node, bitmap = lookup(graph, node_name, name)
    check(bitmap, ro=False)
    _set(node, replace(bitmap, disabled=False))
    return node, bitmap


def disable(graph: BlockGraph, node_name: str, name: str) -> tuple[BlockNode, DirtyBitmap]:
    """``block-dirty-bitmap-disable``: the bitmap as it was before."""
    node, bitmap = lookup(graph, node_name, name)
    check(bitmap, ro=False)
    _set(node, replace(bitmap, disabled=True))
    return node, bitmap


def merge(
    graph: BlockGraph, node_name: str, target: str, sources: list[str | dict[str, str]]
) -> tuple[BlockNode, DirtyBitmap]:
    """``block-dirty-bitmap-merge``: sources by name on the same node or as {node, name}.

    The sources are ORed one by one into new bits for the target; the
    first that fails leaves the target's bits as they were.
    """
    node, dest = lookup(graph, node_name, target)
    bits = dest.bits.copy()
    for source in sources:
        if isinstance(source, str):
            src = find(node, source)
            if src is None:
                raise QapiError(BITMAP_NOT_FOUND.format(source))
        else:
            _, src = lookup(graph, source["node"], source["name"])
        check(dest)
        check(src, ro=False)
        if src.size != dest.size:
            raise QapiError(SIZES_DIFFER.format(dest.size, src.size))
        bits.merge(src.bits)
    _set(node, replace(dest, bits=bits))
    return node, dest


def drop(node: BlockNode, name: str) -> None:
    """Take back :func:`add` (a transaction's abort): the bitmap goes, unchecked."""
    node.bitmaps[:] = [b for b in node.bitmaps if b.name != name]


def restore(node: BlockNode, before: DirtyBitmap) -> None:
    """Undo :func:`enable`, :func:`disable` or :func:`remove` (a transaction's abort)."""
    if find(node, before.name) is None:
        node.bitmaps.insert(0, before)
    else:
        _set(node, before)


def sha256(graph: BlockGraph, node_name: str, name: str) -> dict[str, str]:
    """``x-debug-block-dirty-bitmap-sha256``."""
    _, bitmap = lookup(graph, node_name, name)
    return {"sha256": bitmap.sha256()}


def resized(node: BlockNode) -> None:
    """Bitmaps follow their node's new length (bdrv_dirty_bitmap_truncate)."""
    resized: list[DirtyBitmap] = []
    for b in node.bitmaps:
        bits = b.bits.copy()
        bits.truncate(node.size)
        resized.append(replace(b, size=node.size, bits=bits))
    node.bitmaps[:] = resized


def dirty_bitmaps_info(node: BlockNode) -> list[dict[str, Any]]:
    """The ``dirty-bitmaps`` member of a node's BlockDeviceInfo (absent when empty)."""
    return [b.info() for b in node.bitmaps]


def create_successor(node: BlockNode, name: str) -> DirtyBitmap:
    """bdrv_dirty_bitmap_create_successor: an anonymous bitmap takes the writes from now on.

    It records as the bitmap did; the bitmap stops recording and is busy.
    Returns the bitmap as it is now (with its successor).
    """
    bitmap = find(node, name)
    assert bitmap is not None
    check(bitmap, ro=False, inconsistent=False)
    child = DirtyBitmap("", bitmap.granularity, node.size, disabled=bitmap.disabled)
    node.bitmaps.insert(0, child)
    held = replace(bitmap, disabled=True, busy=True, successor=child)
    _set(node, held)
    return held


def _without(node: BlockNode, bitmap: DirtyBitmap) -> None:
    node.bitmaps[:] = [b for b in node.bitmaps if b is not bitmap]


def abdicate(node: BlockNode, name: str) -> None:
    """bdrv_dirty_bitmap_abdicate: the successor becomes the bitmap (the old bits go)."""
    bitmap = find(node, name)
    if bitmap is None or bitmap.successor is None:
        return
    child = bitmap.successor
    _without(node, bitmap)
    named = replace(child, name=name, persistent=bitmap.persistent)
    node.bitmaps[:] = [named if b is child else b for b in node.bitmaps]


def reclaim(node: BlockNode, name: str) -> DirtyBitmap | None:
    """bdrv_reclaim_dirty_bitmap: the successor's bits merge back (and its recording state)."""
    bitmap = find(node, name)
    if bitmap is None or bitmap.successor is None:
        return None
    child = bitmap.successor
    bits = bitmap.bits.copy()
    bits.merge(child.bits)
    _without(node, child)
    back = replace(bitmap, bits=bits, disabled=child.disabled, busy=False, successor=None)
    _set(node, back)
    return back


def set_busy(node: BlockNode, name: str, busy: bool) -> None:
    """Mark a bitmap held (or no longer held) by an export or a job."""
    bitmap = find(node, name)
    if bitmap is not None:
        _set(node, replace(bitmap, busy=busy))
