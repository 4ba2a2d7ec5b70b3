"""qcow2 internal snapshots: the snapshot table, and taking, reverting to and deleting one.

Each entry of the table is what docs/interop/qcow2.txt describes: the
snapshot's L1 table (offset, size), its id and name, the date, the VM
clock, the VM state size, then the extra data QEMU 7.2 writes (the large
VM state size, the disk size and the icount), padded to 8 bytes.  Taking
a snapshot copies the active L1 table, counts every cluster it reaches
once more and rewrites the table in new clusters; the VM state goes into
the image past the guest's disk (the first L1 entry after it) and leaves
the active tables again once the snapshot holds it.  The steps and their
order are block/qcow2-snapshot.c's, so the clusters end where QEMU's do.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from qmonitor.machine.block.qcow2_meta import MAX_L1_ENTRIES, Qcow2Meta
from qmonitor.qapi.error import QapiError

_ENTRY = struct.Struct(">QIHHIIQII")
_EXTRA = struct.Struct(">QQQ")
#: QCOW_MAX_SNAPSHOTS and QCOW_MAX_SNAPSHOTS_SIZE (block/qcow2.h).
MAX_SNAPSHOTS = 65536
MAX_TABLE_SIZE = 1024 * MAX_SNAPSHOTS
# Texts of block/qcow2.c and block/qcow2-snapshot.c (QEMU 7.2).
TOO_MANY = TABLE_TOO_LARGE = "Snapshot table too large"
SNAPSHOT_L1_TOO_LARGE = "Snapshot L1 table too large"
BAD_SNAPSHOT_L1 = "Snapshot L1 table offset invalid"
#: The icount of a snapshot taken without record/replay.
NO_ICOUNT = (1 << 64) - 1


@dataclass
class Qcow2Snapshot:
    """One entry of an image's snapshot table (QCowSnapshot)."""

    id: str
    name: str
    l1_offset: int = 0
    l1_size: int = 0
    vm_state_size: int = 0
    date_sec: int = 0
    date_nsec: int = 0
    vm_clock_nsec: int = 0
    disk_size: int = 0
    icount: int = NO_ICOUNT
    #: Extra data past the fields QEMU knows, kept as it was.
    unknown_extra: bytes = field(default=b"")

    def info(self) -> dict[str, object]:
        """SnapshotInfo, as the queries and the jobs show it."""
        out: dict[str, object] = {
            "id": self.id,
            "name": self.name,
            "vm-state-size": self.vm_state_size,
            "date-sec": self.date_sec,
            "date-nsec": self.date_nsec,
            "vm-clock-sec": self.vm_clock_nsec // 1_000_000_000,
            "vm-clock-nsec": self.vm_clock_nsec % 1_000_000_000,
        }
        if self.icount != NO_ICOUNT:
            out["icount"] = self.icount
        return out


def read_table(meta: Qcow2Meta) -> list[Qcow2Snapshot]:
    """qcow2_read_snapshots: the table the header points at."""
    out: list[Qcow2Snapshot] = []
    offset = meta.snapshots_offset
    # qcow2_do_open's limits on the table, checked before it is read.
    if meta.nb_snapshots > MAX_SNAPSHOTS:
        raise QapiError(TOO_MANY)
    for _ in range(meta.nb_snapshots):
        offset = (offset + 7) & ~7
        if offset - meta.snapshots_offset > MAX_TABLE_SIZE:
            raise QapiError(TABLE_TOO_LARGE)
        fields = _ENTRY.unpack(meta.pread(offset, _ENTRY.size))
        l1_offset, l1_size, id_size, name_size, sec, nsec, clock, vm_size, extra_size = fields
        offset += _ENTRY.size
        extra = meta.pread(offset, extra_size)
        offset += extra_size
        if l1_size > MAX_L1_ENTRIES:
            raise QapiError(SNAPSHOT_L1_TOO_LARGE)
        if l1_offset & (meta.cluster_size - 1):
            raise QapiError(BAD_SNAPSHOT_L1)
        snap = Qcow2Snapshot("", "", l1_offset, l1_size, vm_size, sec, nsec, clock)
        snap.disk_size = meta.size
        if extra_size >= 8:
            (snap.vm_state_size,) = struct.unpack_from(">Q", extra, 0)
        if extra_size >= 16:
            (snap.disk_size,) = struct.unpack_from(">Q", extra, 8)
        if extra_size >= 24:
            (snap.icount,) = struct.unpack_from(">Q", extra, 16)
        snap.unknown_extra = extra[_EXTRA.size :]
        snap.id = meta.pread(offset, id_size).decode("utf-8", "replace")
        offset += id_size
        snap.name = meta.pread(offset, name_size).decode("utf-8", "replace")
        offset += name_size
        out.append(snap)
    return out


def write_table(meta: Qcow2Meta, snapshots: list[Qcow2Snapshot]) -> None:
    """qcow2_write_snapshots: the table in new clusters, the header, the old table freed."""
    blob = bytearray()
    for snap in snapshots:
        blob += bytes(-len(blob) % 8)
        ident, name = snap.id.encode(), snap.name.encode()
        small = snap.vm_state_size if snap.vm_state_size <= 0xFFFFFFFF else 0
        blob += _ENTRY.pack(
            snap.l1_offset, snap.l1_size, len(ident), len(name), snap.date_sec,
            snap.date_nsec, snap.vm_clock_nsec, small, _EXTRA.size + len(snap.unknown_extra),
        )  # fmt: skip
        blob += _EXTRA.pack(snap.vm_state_size, snap.disk_size, snap.icount)
        blob += snap.unknown_extra + ident + name
        if len(blob) > MAX_TABLE_SIZE:
            raise QapiError("File too large")
    offset = meta.alloc(len(blob))
    meta.pwrite(offset, bytes(blob))
    old_offset, old_size = meta.snapshots_offset, table_size(meta)
    meta.nb_snapshots, meta.snapshots_offset = len(snapshots), offset
    meta.write_header_snapshots()
    meta.free(old_offset, old_size)
    meta.snapshots_size = len(blob)


def table_size(meta: Qcow2Meta) -> int:
    """The length of the table the header points at now (s->snapshots_size)."""
    if meta.snapshots_size is None:
        meta.snapshots_size = _measure(meta)
    return meta.snapshots_size


def _measure(meta: Qcow2Meta) -> int:
    offset = 0
    pos = meta.snapshots_offset
    for _ in range(meta.nb_snapshots):
        pad = -offset % 8
        offset, pos = offset + pad, pos + pad
        fields = _ENTRY.unpack(meta.pread(pos, _ENTRY.size))
        length = _ENTRY.size + fields[8] + fields[2] + fields[3]
        offset, pos = offset + length, pos + length
    return offset


def vm_state_offset(meta: Qcow2Meta) -> int:
    """Where the VM state goes: the first L2 table's reach past the guest's disk."""
    per_l1 = 1 << (meta.cluster_bits * 2 - 3)
    l1_index = -(-meta.size // per_l1)
    return l1_index * per_l1


def find(snapshots: list[Qcow2Snapshot], name: str) -> Qcow2Snapshot | None:
    """bdrv_snapshot_find: by id first, then by name."""
    for snap in snapshots:
        if snap.id == name:
            return snap
    for snap in snapshots:
        if snap.name == name:
            return snap
    return None


def new_id(snapshots: list[Qcow2Snapshot]) -> str:
    """find_new_snapshot_id: one more than the largest number an id starts with."""
    best = 0
    for snap in snapshots:
        digits = ""
        for char in snap.id.lstrip():
            if not char.isdigit():
                break
            digits += char
        best = max(best, int(digits) if digits else 0)
    return str(best + 1)


def create(meta: Qcow2Meta, snap: Qcow2Snapshot) -> list[Qcow2Snapshot]:
    """qcow2_snapshot_create: copy the L1 table, count it, append the entry, drop the VM state."""
    snapshots = read_table(meta)
    if len(snapshots) >= MAX_SNAPSHOTS:
        raise QapiError("File too large")
    if not snap.id:
        snap.id = new_id(snapshots)
    snap.disk_size = meta.size
    snap.l1_size = meta.l1_size
    snap.l1_offset = meta.alloc(meta.l1_size * 8)
    meta.pwrite(snap.l1_offset, struct.pack(f">{meta.l1_size}Q", *meta.l1))
    meta.update_snapshot_refcount(meta.l1_offset, meta.l1_size, 1)
    snapshots.append(snap)
    write_table(meta, snapshots)
    length = -(-snap.vm_state_size // meta.cluster_size) * meta.cluster_size
    meta.discard(vm_state_offset(meta), length)
    return snapshots


def goto(meta: Qcow2Meta, snap: Qcow2Snapshot) -> None:
    """qcow2_snapshot_goto: the snapshot's L1 table becomes the active one (same disk size)."""
    if snap.disk_size != meta.size:
        raise QapiError("x-qmonitor: reverting to a snapshot of another disk size is not modelled")
    meta.grow_l1(snap.l1_size, True)
    table = list(struct.unpack(f">{snap.l1_size}Q", meta.pread(snap.l1_offset, 8 * snap.l1_size)))
    table += [0] * (meta.l1_size - snap.l1_size)
    meta.update_snapshot_refcount(snap.l1_offset, snap.l1_size, 1)
    meta.pwrite(meta.l1_offset, struct.pack(f">{meta.l1_size}Q", *table))
    meta.update_snapshot_refcount(meta.l1_offset, meta.l1_size, -1)
    meta.l1 = table
    meta.update_snapshot_refcount(meta.l1_offset, meta.l1_size, 0)


def delete(meta: Qcow2Meta, snap: Qcow2Snapshot) -> None:
    """qcow2_snapshot_delete: the table without it, its clusters counted once less."""
    snapshots = [s for s in read_table(meta) if not (s.id == snap.id and s.name == snap.name)]
    write_table(meta, snapshots)
    meta.update_snapshot_refcount(snap.l1_offset, snap.l1_size, -1)
    meta.free(snap.l1_offset, snap.l1_size * 8)
    meta.update_snapshot_refcount(meta.l1_offset, meta.l1_size, 0)
