"""The ring buffer chardev (chardev/ringbuf.py)."""

from __future__ import annotations

import pytest

from qmonitor.chardev.base import ChardevError
from qmonitor.chardev.container import listing_order
from qmonitor.chardev.ringbuf import DEFAULT_SIZE, NOT_POWER_OF_TWO, RingbufChardev


def test_default_size_and_driver() -> None:
    ring = RingbufChardev("r")
    assert ring.size == DEFAULT_SIZE and ring.filename == "ringbuf"
    assert RingbufChardev("m", 16, driver="memory").filename == "memory"


@pytest.mark.parametrize("size", [3, 6, 65535])
def test_size_must_be_a_power_of_two(size: int) -> None:
    with pytest.raises(ChardevError, match=NOT_POWER_OF_TWO):
        RingbufChardev("r", size)


def test_oldest_bytes_make_room() -> None:
    ring = RingbufChardev("r", 8)
    ring.ring_write(b"0123456789ab")
    assert ring.count() == 8
    assert ring.ring_read(3) == b"456"
    assert ring.ring_read(100) == b"789ab"
    assert ring.ring_read(1) == b""


def test_frontend_writes_land_in_the_ring() -> None:
    ring = RingbufChardev("r", 4)
    assert ring.write(b"hello") == 5
    assert ring.ring_read(10) == b"ello"


def test_size_zero_keeps_nothing() -> None:
    ring = RingbufChardev("r", 0)
    ring.ring_write(b"abc")
    assert ring.count() == 0


def test_empty_id_is_listed() -> None:
    # GLib's table holds "" like any other key (failed before: "" was dropped).
    assert "" in listing_order(["a", "", "b"])
