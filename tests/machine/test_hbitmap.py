"""HBitmap's lowest level (machine/block/hbitmap.py): granules, count, words, truncate, merge.

The digests QEMU computes after the same writes are in
tests/golden/qemu_io/cases.json (replayed by test_qemu_io_golden.py);
these tests pin the rules behind them.
"""

from __future__ import annotations

import hashlib

from qmonitor.machine.block.hbitmap import HBitmap


def test_a_range_marks_every_granule_it_touches() -> None:
    hb = HBitmap.for_granule(1 << 20, 65536)
    hb.set(65535, 2)
    assert hb.bits == 0b11
    assert hb.count() == 2 * 65536
    hb.set(0, 0)
    assert hb.count() == 2 * 65536
    hb.reset(0, 65536)
    assert hb.bits == 0b10
    assert hb.get(65536) and not hb.get(0)


def test_the_words_are_little_endian_and_at_least_one() -> None:
    assert HBitmap(0, 16).serialize() == bytes(8)
    hb = HBitmap(64 * 512 + 1, 9)
    assert hb.words() == 2
    hb.set(0, 1)
    hb.set(64 * 512, 1)
    assert hb.serialize() == b"\x01" + bytes(7) + b"\x01" + bytes(7)
    assert hb.sha256() == hashlib.sha256(hb.serialize()).hexdigest()


def test_an_empty_gigabyte_hashes_as_qemu_does() -> None:
    # QEMU 7.2's digest of an empty bitmap on a 1 GiB null-co node (tests/golden/qmp/nodes.json).
    assert HBitmap.for_granule(1 << 30, 65536).sha256() == (
        "e5a00aa9991ac8a5ee3109844d84a55583bd20572ad3ffcd42792f3c36b183ad"
    )


def test_the_last_partial_granule_counts_whole() -> None:
    hb = HBitmap(1000, 9)
    hb.set(999, 1)
    assert hb.count() == 512
    assert hb.dirty_areas() == [(512, 488)]


def test_truncate_drops_granules_past_the_end_and_grows_clear() -> None:
    hb = HBitmap(4 << 20, 16)
    hb.set(0, 4 << 20)
    hb.truncate(1 << 20)
    assert hb.count() == 1 << 20
    hb.truncate(8 << 20)
    assert hb.count() == 1 << 20
    assert hb.words() == 2


def test_merge_with_another_granularity_sets_whole_target_granules() -> None:
    dst = HBitmap(1 << 20, 16)
    src = HBitmap(1 << 20, 9)
    src.set(70000, 1)
    src.set(200000, 1000)
    dst.merge(src)
    assert dst.dirty_areas() == [(65536, 65536), (196608, 65536)]
    same = HBitmap(1 << 20, 16)
    same.set(0, 1)
    same.merge(dst)
    assert same.count() == 3 * 65536


def test_dirty_areas_are_runs() -> None:
    hb = HBitmap(1 << 20, 12)
    for offset in (0, 4096, 12288, 1044480):
        hb.set(offset, 1)
    assert hb.dirty_areas() == [(0, 8192), (12288, 4096), (1044480, 4096)]
