"""qcow2 internal snapshots written in place: tables, refcounts, COPIED flags, the VM state.

Each image is checked after every step by recounting its references
from scratch (header, refcount structures, the active and every
snapshot's L1 table, their L2 tables and data clusters, the snapshot
table) and comparing with the refcounts stored, and the COPIED flags of
the active tables with those counts: what ``qemu-img check`` verifies.
``qemu-img check`` itself runs too when it is installed.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from qmonitor.machine.block import qcow2_snapshots as snaps
from qmonitor.machine.block.qcow2_create import qcow2_image
from qmonitor.machine.block.qcow2_meta import COPIED, OFFSET_MASK, ZERO, Qcow2Meta
from qmonitor.qapi.error import QapiError

QEMU_IMG = shutil.which("qemu-img")
MIB = 1 << 20


def recount(meta: Qcow2Meta) -> None:
    """Assert the stored refcounts and the active tables' COPIED flags are consistent."""
    want: Counter[int] = Counter()
    cluster = meta.cluster_size

    def add(offset: int, length: int) -> None:
        for index in range(offset // cluster, (offset + max(length, 1) - 1) // cluster + 1):
            want[index] += 1

    add(0, cluster)
    add(meta.reftable_offset, meta.reftable_clusters * cluster)
    for block in meta.reftable:
        if block & OFFSET_MASK:
            add(block & OFFSET_MASK, cluster)
    tables = [(meta.l1_offset, meta.l1_size)]
    tables += [(s.l1_offset, s.l1_size) for s in snaps.read_table(meta)]
    if meta.nb_snapshots:
        add(meta.snapshots_offset, snaps.table_size(meta))
    for offset, size in tables:
        add(offset, size * 8)
        raw = meta.pread(offset, size * 8)
        for entry in struct.unpack(f">{size}Q", raw):
            l2 = entry & OFFSET_MASK
            if not l2:
                continue
            # A table reached from two L1 tables counts its clusters twice.
            add(l2, cluster)
            for e in struct.unpack(f">{meta.l2_entries}Q", meta.pread(l2, cluster)):
                data = e & OFFSET_MASK
                if data:
                    add(data, cluster)
    clusters = max(want) + 1
    stored = {i: meta.refcount(i) for i in range(clusters + 8)}
    assert {i: c for i, c in stored.items() if c} == dict(want)
    for entry in meta.l1:
        l2 = entry & OFFSET_MASK
        if not l2:
            continue
        assert bool(entry & COPIED) == (stored[l2 // cluster] == 1)
        for e in struct.unpack(f">{meta.l2_entries}Q", meta.pread(l2, cluster)):
            if e & OFFSET_MASK:
                assert bool(e & COPIED) == (stored[(e & OFFSET_MASK) // cluster] == 1)


def _image(tmp_path: Path, size: int = 4 * MIB, cluster: int = 65536, version: int = 3) -> Path:
    path = tmp_path / "i.qcow2"
    path.write_bytes(qcow2_image(size, cluster, version))
    return path


def _qemu_img_check(path: Path) -> None:
    if QEMU_IMG is not None:
        done = subprocess.run([QEMU_IMG, "check", str(path)], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr


def _save(meta: Qcow2Meta, name: str, state: bytes) -> snaps.Qcow2Snapshot:
    if state:
        meta.write(snaps.vm_state_offset(meta), state)
    snap = snaps.Qcow2Snapshot("", name, vm_state_size=len(state), date_sec=1, vm_clock_nsec=5)
    snaps.create(meta, snap)
    return snap


@pytest.mark.parametrize(("cluster", "version"), [(65536, 3), (4096, 3), (512, 3), (65536, 2)])
def test_snapshots_keep_the_refcounts_exact(tmp_path: Path, cluster: int, version: int) -> None:
    path = _image(tmp_path, cluster=cluster, version=version)
    states = [bytes([n]) * (700 + n * cluster) for n in range(3)]
    meta = Qcow2Meta(str(path))
    try:
        for n, state in enumerate(states):
            _save(meta, f"s{n}", state)
            recount(meta)
        assert [s.name for s in snaps.read_table(meta)] == ["s0", "s1", "s2"]
        assert [s.id for s in snaps.read_table(meta)] == ["1", "2", "3"]
        # The VM state left the active tables: reading there gives zeros.
        assert meta.read(snaps.vm_state_offset(meta), 700) == bytes(700)
        snaps.goto(meta, snaps.find(snaps.read_table(meta), "s1") or snaps.Qcow2Snapshot("", ""))
        recount(meta)
        assert meta.read(snaps.vm_state_offset(meta), len(states[1])) == states[1]
        snaps.delete(meta, snaps.read_table(meta)[0])
        recount(meta)
        _save(meta, "s3", b"x" * 10)
        recount(meta)
        assert [s.id for s in snaps.read_table(meta)] == ["2", "3", "4"]
        for snap in snaps.read_table(meta):
            snaps.delete(meta, snap)
            recount(meta)
        assert meta.nb_snapshots == 0
    finally:
        meta.close()
    _qemu_img_check(path)


def test_the_vm_state_survives_reopening(tmp_path: Path) -> None:
    path = _image(tmp_path)
    meta = Qcow2Meta(str(path))
    _save(meta, "keep", b"state" * 1000)
    meta.close()
    again = Qcow2Meta(str(path))
    try:
        (snap,) = snaps.read_table(again)
        assert (snap.name, snap.vm_state_size, snap.date_sec, snap.vm_clock_nsec) == (
            "keep", 5000, 1, 5,
        )  # fmt: skip
        assert snap.disk_size == 4 * MIB and snap.icount == snaps.NO_ICOUNT
        snaps.goto(again, snap)
        assert again.read(snaps.vm_state_offset(again), 5000) == b"state" * 1000
        recount(again)
    finally:
        again.close()


def test_table_entries_round_trip_with_unknown_extra_data(tmp_path: Path) -> None:
    path = _image(tmp_path)
    meta = Qcow2Meta(str(path))
    try:
        snap = _save(meta, "a", b"")
        snap.unknown_extra, snap.icount = b"12345678", 42
        snaps.write_table(meta, [snap])
        (back,) = snaps.read_table(meta)
        assert back == snap
        assert back.info() == {
            "id": "1", "name": "a", "vm-state-size": 0, "date-sec": 1, "date-nsec": 0,
            "vm-clock-sec": 0, "vm-clock-nsec": 5, "icount": 42,
        }  # fmt: skip
        recount(meta)
    finally:
        meta.close()
    _qemu_img_check(path)


def test_new_ids_follow_the_largest_number() -> None:
    def named(*ids: str) -> list[snaps.Qcow2Snapshot]:
        return [snaps.Qcow2Snapshot(i, "n") for i in ids]

    assert snaps.new_id([]) == "1"
    assert snaps.new_id(named("1", "7", "3")) == "8"
    assert snaps.new_id(named("abc", "12x")) == "13"


def test_find_prefers_an_id_to_a_name() -> None:
    table = [snaps.Qcow2Snapshot("1", "2"), snaps.Qcow2Snapshot("2", "x")]
    assert snaps.find(table, "2") is table[1]
    assert snaps.find(table, "x") is table[1]
    assert snaps.find(table, "nope") is None


def test_a_discarded_cluster_becomes_a_zero_entry(tmp_path: Path) -> None:
    meta = Qcow2Meta(str(_image(tmp_path)))
    try:
        meta.write(0, b"a" * 100)
        meta.discard(0, meta.cluster_size)
        l2 = meta.l1[0] & OFFSET_MASK
        assert meta.l2_entry(l2, 0) == ZERO
        recount(meta)
    finally:
        meta.close()


def test_not_a_qcow2_image_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "raw"
    path.write_bytes(bytes(4096))
    with pytest.raises(QapiError, match="Image is not in qcow2 format"):
        Qcow2Meta(str(path))


@pytest.mark.parametrize(
    ("field", "value", "text"),
    [
        (60, struct.pack(">I", 0xFFFFFFFF), "Snapshot table too large"),
        (36, struct.pack(">I", 0xFFFFFFFF), "table too large"),
    ],
)
def test_corrupt_tables_are_errors_not_hangs(
    tmp_path: Path, field: int, value: bytes, text: str
) -> None:
    path = _image(tmp_path)
    data = bytearray(path.read_bytes())
    data[field : field + len(value)] = value
    path.write_bytes(bytes(data))
    with pytest.raises(QapiError, match=text):
        meta = Qcow2Meta(str(path))
        try:
            snaps.read_table(meta)
        finally:
            meta.close()


def test_a_snapshot_l1_table_out_of_place_is_refused(tmp_path: Path) -> None:
    meta = Qcow2Meta(str(_image(tmp_path)))
    try:
        snap = _save(meta, "a", b"")
        snap.l1_offset += 8
        snaps.write_table(meta, [snap])
        with pytest.raises(QapiError, match="Snapshot L1 table offset invalid"):
            snaps.read_table(meta)
    finally:
        meta.close()
