"""Split virtqueues: chains, indirect tables, the used ring and when the driver is interrupted."""

from __future__ import annotations

import pytest

from qmonitor.machine.virtio.ring import (
    DESC_F_INDIRECT,
    DESC_F_NEXT,
    DESC_F_WRITE,
    RingError,
    VirtQueue,
)
from qmonitor_testsupport.virtio_fakes import Ram

DESC, AVAIL, USED = 0x1000, 0x2000, 0x3000


def _queue(ram: Ram, num: int = 8) -> VirtQueue:
    q = VirtQueue(num)
    q.desc, q.avail, q.used = DESC, AVAIL, USED
    return q


def _desc(
    ram: Ram, index: int, addr: int, length: int, flags: int, nxt: int = 0, table: int = DESC
) -> None:
    raw = addr.to_bytes(8, "little") + length.to_bytes(4, "little")
    ram.write(table + 16 * index, raw + flags.to_bytes(2, "little") + nxt.to_bytes(2, "little"))


def _offer(ram: Ram, q: VirtQueue, *heads: int) -> None:
    idx = int.from_bytes(ram.read(AVAIL + 2, 2), "little")
    for head in heads:
        ram.write(AVAIL + 4 + 2 * (idx % q.num), head.to_bytes(2, "little"))
        idx += 1
    ram.write(AVAIL + 2, idx.to_bytes(2, "little"))


def test_a_chain_splits_into_readable_and_writable_buffers() -> None:
    ram = Ram()
    q = _queue(ram)
    _desc(ram, 0, 0x10000, 51, DESC_F_NEXT, 1)
    _desc(ram, 1, 0x11000, 512, DESC_F_NEXT, 2)
    _desc(ram, 2, 0x12000, 108, DESC_F_WRITE)
    _offer(ram, q, 0)
    elem = q.pop(ram, event_idx=False)
    assert elem is not None
    assert (elem.head, elem.out, elem.inn) == (0, [(0x10000, 51), (0x11000, 512)], [(0x12000, 108)])
    assert q.pop(ram, event_idx=False) is None  # nothing more was made available


def test_push_writes_the_used_element_then_the_index() -> None:
    ram = Ram()
    q = _queue(ram)
    _desc(ram, 3, 0x10000, 16, DESC_F_WRITE)
    _offer(ram, q, 3)
    elem = q.pop(ram, event_idx=False)
    assert elem is not None
    q.push(ram, elem, 16)
    assert ram.read(USED + 2, 2) == b"\x01\x00"
    assert ram.read(USED + 4, 8) == (3).to_bytes(4, "little") + (16).to_bytes(4, "little")


def test_an_indirect_table_is_read_as_the_chain() -> None:
    ram = Ram()
    q = _queue(ram)
    table = 0x8000
    _desc(ram, 0, 0x10000, 4, DESC_F_NEXT, 1, table=table)
    _desc(ram, 1, 0x11000, 8, DESC_F_WRITE, table=table)
    _desc(ram, 0, table, 32, DESC_F_INDIRECT)
    _offer(ram, q, 0)
    elem = q.pop(ram, event_idx=False)
    assert elem is not None and elem.out == [(0x10000, 4)] and elem.inn == [(0x11000, 8)]


@pytest.mark.parametrize(
    ("setup", "text"),
    [
        (lambda ram: _desc(ram, 0, 0x10000, 4, DESC_F_NEXT, 0), "Looped descriptor"),
        (lambda ram: _desc(ram, 0, 0x10000, 4, DESC_F_NEXT, 9), "Desc next is 9"),
        (
            lambda ram: _desc(ram, 0, 0x8000, 20, DESC_F_INDIRECT),
            "Invalid size for indirect buffer table",
        ),
    ],
)
def test_a_broken_chain_is_a_ring_error(setup: object, text: str) -> None:
    ram = Ram()
    q = _queue(ram)
    setup(ram)  # type: ignore[operator]
    _offer(ram, q, 0)
    with pytest.raises(RingError, match=text):
        q.pop(ram, event_idx=False)


def test_a_head_out_of_range_and_an_index_run_ahead_are_errors() -> None:
    ram = Ram()
    q = _queue(ram)
    _offer(ram, q, 8)
    with pytest.raises(RingError, match="Guest says index 8 is available"):
        q.pop(ram, event_idx=False)
    q = _queue(ram)
    ram.write(AVAIL + 2, (20).to_bytes(2, "little"))
    with pytest.raises(RingError, match="Guest moved used index from 0 to 20"):
        q.pop(ram, event_idx=False)


def test_no_interrupt_flag_and_used_event_decide_the_notification() -> None:
    ram = Ram()
    q = _queue(ram)
    assert q.should_notify(ram, event_idx=False, notify_on_empty=False)
    ram.write(AVAIL, b"\x01\x00")  # VRING_AVAIL_F_NO_INTERRUPT
    assert not q.should_notify(ram, event_idx=False, notify_on_empty=False)
    # With EVENT_IDX: the first time always, then only when used_event was crossed.
    _desc(ram, 0, 0x10000, 4, DESC_F_WRITE)
    _offer(ram, q, 0, 0)
    assert q.should_notify(ram, event_idx=True, notify_on_empty=False)
    for _ in range(2):
        elem = q.pop(ram, event_idx=True)
        assert elem is not None
        q.push(ram, elem, 0)
    ram.write(AVAIL + 4 + 2 * q.num, (5).to_bytes(2, "little"))  # used_event far ahead
    assert not q.should_notify(ram, event_idx=True, notify_on_empty=False)
    # Popping with EVENT_IDX tells the driver where the device is (avail_event).
    assert ram.read(USED + 4 + 8 * q.num, 2) == (2).to_bytes(2, "little")
