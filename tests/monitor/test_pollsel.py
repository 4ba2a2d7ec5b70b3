"""Adaptive polling before a blocking wait (qmonitor.util.pollsel)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import pytest

from qmonitor.monitor.iothread import IOThread
from qmonitor.util.pollsel import POLL_NS_INITIAL, PollingSelector, PollWindow


def test_the_window_grows_while_waits_end_soon_and_closes_after_a_long_one() -> None:
    w = PollWindow(max_ns=32_000)
    assert w.ns == 0
    w.waited(10_000)  # a longer window would have caught it
    assert w.ns == POLL_NS_INITIAL
    w.waited(2_000)  # within the window: the sweet spot, no change
    assert w.ns == POLL_NS_INITIAL
    for expected in (8_000, 16_000, 32_000, 32_000):
        w.waited(20_000)
        assert w.ns == expected
    w.waited(33_000)  # polling that long is not worth it
    assert w.ns == 0


def test_shrink_divides_instead_of_closing() -> None:
    w = PollWindow(max_ns=100_000, shrink=4)
    w.ns = 64_000
    w.waited(200_000)
    assert w.ns == 16_000


def test_a_window_of_nothing_never_polls() -> None:
    w = PollWindow(max_ns=0)
    for block in (1, 1_000, 10**9):
        w.waited(block)
    assert w.ns == 0
    with pytest.raises(ValueError):
        PollWindow(max_ns=-1)


def _pair_with_selector(max_ns: int) -> tuple[PollingSelector, socket.socket, socket.socket]:
    sel = PollingSelector(max_ns)
    a, b = socket.socketpair()
    b.setblocking(False)
    sel.register(b, 1)  # EVENT_READ
    return sel, a, b


def test_polling_finds_what_arrives_and_blocking_still_works() -> None:
    sel, a, b = _pair_with_selector(10_000_000)
    try:
        sel.window.ns = 10_000_000  # 10 ms of polling
        threading.Timer(0.002, a.send, (b"x",)).start()
        ready = sel.select(1.0)
        assert [key.fileobj for key, _ in ready] == [b]
        b.recv(1)
        # Nothing comes: the polling gives up and the blocking wait times out.
        start = time.monotonic()
        assert sel.select(0.05) == []
        assert time.monotonic() - start >= 0.045
    finally:
        sel.close()
        a.close()
        b.close()


def test_polling_stops_at_the_loops_next_timer() -> None:
    sel, a, b = _pair_with_selector(10**9)
    try:
        sel.window.ns = 10**9  # a second of polling allowed...
        start = time.monotonic()
        assert sel.select(0.01) == []  # ...but a timer is due in 10 ms
        assert time.monotonic() - start < 0.5
    finally:
        sel.close()
        a.close()
        b.close()


def test_a_quiet_loop_stops_polling() -> None:
    """A wait longer than the most polling (here a timer's) closes the window."""
    sel, a, b = _pair_with_selector(1_000_000)
    try:
        sel.window.ns = 1_000_000
        assert sel.select(0.01) == []
        assert sel.window.ns == 0
    finally:
        sel.close()
        a.close()
        b.close()


def test_a_zero_timeout_is_one_look() -> None:
    sel, a, b = _pair_with_selector(10**9)
    try:
        sel.window.ns = 10**9
        start = time.monotonic()
        assert sel.select(0) == []
        assert time.monotonic() - start < 0.5
    finally:
        sel.close()
        a.close()
        b.close()


def test_the_monitor_io_thread_polls_and_serves() -> None:
    """Its loop polls, and requests on it are served as on any loop."""
    io = IOThread("test_iothread")
    io.start()
    try:
        selector = io.loop._selector  # type: ignore[attr-defined]
        assert isinstance(selector, PollingSelector) and selector.window.max_ns > 0
        done: list[float] = []
        for _ in range(20):
            fut = asyncio.run_coroutine_threadsafe(asyncio.sleep(0.001, time.monotonic()), io.loop)
            done.append(fut.result(5))
        assert len(done) == 20
    finally:
        io.destroy()
