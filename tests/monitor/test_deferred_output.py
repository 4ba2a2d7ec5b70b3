"""Output held back while the dispatcher works through a run of requests.

The registry's deferral makes each monitor write a run's replies and events
in one go; the bytes and their order must be what they would have been.
"""

from __future__ import annotations

import threading

from qmonitor.monitor.monitor import Monitor, MonitorRegistry
from qmonitor_testsupport.fakes import FakeChardev


def pair() -> tuple[MonitorRegistry, list[tuple[Monitor, FakeChardev]]]:
    registry = MonitorRegistry()
    mons = []
    for _ in range(2):
        chr = FakeChardev()
        mons.append((Monitor(registry, chr), chr))
    return registry, mons


def test_run_output_waits_then_leaves_in_order() -> None:
    registry, [(a, chr_a), (b, chr_b)] = pair()
    registry.defer_output()
    a.puts("reply 1\n")
    assert a.write_event(b"event 1\r\n")
    b.write_event(b"event 1\r\n")
    a.puts("reply 2\n")
    assert chr_a.written == b"" and chr_b.written == b""
    registry.release_output()
    assert bytes(chr_a.written) == b"reply 1\r\nevent 1\r\nreply 2\r\n"
    assert bytes(chr_b.written) == b"event 1\r\n"
    # After the run, output goes out at once again.
    b.write_event(b"event 2\r\n")
    assert bytes(chr_b.written) == b"event 1\r\nevent 2\r\n"


def test_other_threads_write_at_once_unless_the_monitor_waits() -> None:
    registry, [(a, chr_a), (b, chr_b)] = pair()
    registry.defer_output()
    a.write_event(b"main\r\n")  # a is now on the run's list

    def emitter() -> None:
        a.write_event(b"thread\r\n")  # behind what a holds: waits too
        b.write_event(b"thread\r\n")  # b holds nothing: written now

    t = threading.Thread(target=emitter)
    t.start()
    t.join()
    assert chr_a.written == b""
    assert bytes(chr_b.written) == b"thread\r\n"
    registry.release_output()
    assert bytes(chr_a.written) == b"main\r\nthread\r\n"


def test_release_without_a_run_does_nothing() -> None:
    registry, [(a, chr_a), _] = pair()
    registry.release_output()
    a.puts("x\n")
    assert bytes(chr_a.written) == b"x\r\n"
