"""Bad input for events: data that cannot be encoded, clients that do not read.

Unit level: QMP monitors on fake chardevs, a virtual clock, no sockets.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from qmonitor.chardev.base import ChrEvent
from qmonitor.monitor.events import SECOND_NS, EventState, VirtualClock, qapi_event_emit
from qmonitor.monitor.monitor import EVENT_OUTBUF_LIMIT, MonitorRegistry
from qmonitor.monitor.qmp import MonitorQMP, QmpCommandSets, QmpDispatcher
from qmonitor_testsupport.fakes import FakeChardev

TS = {"seconds": 1, "microseconds": 2}


class _Loop:
    """Just enough of a loop for a dispatcher that is never started."""

    def call_soon(self, *args: Any) -> None:
        pass

    def call_soon_threadsafe(self, *args: Any) -> None:
        pass


def negotiated_monitor(reg: MonitorRegistry, chr: FakeChardev, pretty: bool = False) -> MonitorQMP:
    sets = QmpCommandSets()
    mon = MonitorQMP(
        reg,
        chr,
        commands=sets,
        greeting_version=lambda: {},
        dispatcher=QmpDispatcher(reg, _Loop()),  # type: ignore[arg-type]
        pretty=pretty,
    )
    reg.append(mon)
    mon.commands = sets.full  # past qmp_capabilities
    return mon


def setup(
    *chrs: FakeChardev, pretty: bool = False
) -> tuple[MonitorRegistry, VirtualClock, list[MonitorQMP]]:
    reg = MonitorRegistry()
    clock = VirtualClock()
    reg.events = EventState(clock, timestamp=lambda: dict(TS))
    mons = [negotiated_monitor(reg, c, pretty) for c in chrs]
    return reg, clock, mons


class Opaque:
    pass


@pytest.mark.parametrize(
    "data",
    [
        {"x": {1, 2}},
        {"x": b"bytes"},
        {"x": Opaque()},
        {1: "non-string key"},
        {"x": [1, 2, {"y": object()}]},
    ],
    ids=["set", "bytes", "object", "int-key", "nested-object"],
)
def test_unencodable_data_raises_to_the_emitter_and_writes_nothing(data: Any) -> None:
    a, b = FakeChardev(), FakeChardev()
    reg, _, (ma, mb) = setup(a, b)
    with pytest.raises(TypeError):
        qapi_event_emit(reg, "MY_EVENT", data)
    assert a.written == b"" and b.written == b""
    assert not ma.outbuf and not mb.outbuf
    # The monitors keep serving.
    qapi_event_emit(reg, "MY_EVENT", {"x": 1})
    line = (
        b'{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "MY_EVENT", '
        b'"data": {"x": 1}}\r\n'
    )
    assert a.written == line and b.written == line


def test_unencodable_data_raises_even_when_the_throttle_would_hold_it() -> None:
    # Before: a held event was encoded only when its timer fired, so the
    # error surfaced in the timer callback, after the throttle state had
    # lost its timer: the key then held every later event forever.
    a = FakeChardev()
    reg, clock, _ = setup(a)
    qapi_event_emit(reg, "RTC_CHANGE", {"offset": 1, "qom-path": "/rtc"})
    qapi_event_emit(reg, "RTC_CHANGE", {"offset": 2, "qom-path": "/rtc"})
    with pytest.raises(TypeError):
        qapi_event_emit(reg, "RTC_CHANGE", {"offset": {3}, "qom-path": "/rtc"})
    clock.step(SECOND_NS)  # the good held event goes out
    clock.step(SECOND_NS)  # nothing held: state freed
    assert reg.events is not None and not reg.events.throttled
    qapi_event_emit(reg, "RTC_CHANGE", {"offset": 4, "qom-path": "/rtc"})
    offsets = [line.split(b'"offset": ')[1][:1] for line in a.written.splitlines()]
    assert offsets == [b"1", b"2", b"4"]


def test_too_deeply_nested_data_is_a_type_error() -> None:
    a = FakeChardev()
    reg, _, _ = setup(a)
    deep: Any = 1
    for _ in range(10_000):
        deep = [deep]
    with pytest.raises(TypeError):
        qapi_event_emit(reg, "MY_EVENT", {"x": deep})
    assert a.written == b""


def test_non_finite_floats_go_out_as_qemu_prints_them() -> None:
    # QEMU's JSON writer prints doubles with %.17g: inf, -inf and nan are
    # not JSON, and QEMU sends them anyway; so does qmonitor.
    a, p = FakeChardev(), FakeChardev()
    reg, _, _ = setup(a)
    negotiated_monitor(reg, p, pretty=True)
    qapi_event_emit(reg, "MY_EVENT", {"a": float("inf"), "b": float("-inf"), "c": float("nan")})
    assert a.written.endswith(b'"data": {"a": inf, "b": -inf, "c": nan}}\r\n')
    assert b'"a": inf,\r\n' in p.written and b'"c": nan\r\n' in p.written


def test_stalled_client_buffer_is_bounded_events_dropped_replies_kept(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stalled, reader = FakeChardev(capacity=0), FakeChardev()
    reg, _, (ms, mr) = setup(stalled, reader)
    ms.event_outbuf_limit = 4096
    n = 1000
    with caplog.at_level(logging.WARNING, logger="qmonitor.monitor.monitor"):
        for i in range(n):
            qapi_event_emit(reg, "MY_EVENT", {"seq": i})
    line_len = len(reader.written) // n
    assert reader.written.count(b"\r\n") == n  # the other client misses nothing
    assert ms.event_outbuf_limit <= len(ms.outbuf) < ms.event_outbuf_limit + line_len
    kept = ms.outbuf.count(b"\r\n")
    assert ms.events_dropped == n - kept > 0
    assert mr.events_dropped == 0
    drops = [r for r in caplog.records if "dropping events" in r.getMessage()]
    assert len(drops) == 1  # once per run of drops, not once per event
    # A reply is never dropped, even over the limit.
    ms.send_response({"return": {}, "id": 7})
    assert ms.outbuf.endswith(b'{"return": {}, "id": 7}\r\n')
    # The client reads again: everything queued goes out, in order, and
    # events flow again.
    stalled.capacity = None
    stalled.fire_watches()
    assert not ms.outbuf
    with caplog.at_level(logging.WARNING, logger="qmonitor.monitor.monitor"):
        qapi_event_emit(reg, "MY_EVENT", {"seq": n})
    lines = stalled.written.split(b"\r\n")
    assert lines[kept] == b'{"return": {}, "id": 7}'
    assert lines[kept + 1].endswith(b'"data": {"seq": %d}}' % n)
    assert any(f"after dropping {n - kept}" in r.getMessage() for r in caplog.records)


def test_default_limit_and_zero_means_unbounded() -> None:
    stalled = FakeChardev(capacity=0)
    reg, _, (ms,) = setup(stalled)
    assert ms.event_outbuf_limit == EVENT_OUTBUF_LIMIT == 1 << 20
    ms.event_outbuf_limit = 0  # QEMU's behaviour: no limit
    for i in range(2000):
        qapi_event_emit(reg, "MY_EVENT", {"seq": i})
    assert ms.outbuf.count(b"\r\n") == 2000 and ms.events_dropped == 0


def test_partial_write_pending_then_peer_gone() -> None:
    # The chardev took half of an event; then the peer hangs up: the write
    # watch fires, the write fails, the rest is dropped and nothing stays.
    chr, other = FakeChardev(capacity=40), FakeChardev()
    reg, _, (mon, _) = setup(chr, other)
    qapi_event_emit(reg, "MY_EVENT", {"seq": 0})
    assert len(chr.written) == 40 and mon.outbuf and mon.out_watch
    qapi_event_emit(reg, "MY_EVENT", {"seq": 1})  # queued behind, no write tried
    assert len(chr.written) == 40
    chr.fail = True
    chr.be_event(ChrEvent.CLOSED)
    chr.fire_watches()
    assert not mon.outbuf and not mon.out_watch
    qapi_event_emit(reg, "MY_EVENT", {"seq": 2})  # write fails: dropped, not kept
    assert not mon.outbuf
    assert other.written.count(b"\r\n") == 3


def test_dropping_goes_on_until_half_the_limit_has_drained() -> None:
    stalled = FakeChardev(capacity=0)
    reg, _, (ms,) = setup(stalled)
    ms.event_outbuf_limit = 4096
    i = 0
    while not ms.events_dropped:
        qapi_event_emit(reg, "MY_EVENT", {"seq": i})
        i += 1
    queued = len(ms.outbuf)
    stalled.capacity = 1000  # the client reads a little: still over half
    stalled.fire_watches()
    assert ms.event_outbuf_limit // 2 < len(ms.outbuf) < ms.event_outbuf_limit
    qapi_event_emit(reg, "MY_EVENT", {"seq": i})
    assert ms.events_dropped == 2 and len(ms.outbuf) == queued - 1000
    stalled.capacity = queued - 1000 - ms.event_outbuf_limit // 2 + 1  # now under half
    stalled.fire_watches()
    qapi_event_emit(reg, "MY_EVENT", {"seq": i + 1})
    assert ms.events_dropped == 2
    assert ms.outbuf.endswith(b'"data": {"seq": %d}}\r\n' % (i + 1))


def test_an_event_nobody_can_receive_is_not_encoded() -> None:
    # Emitting with no negotiated monitor used to encode the message anyway
    # (and raise for data that cannot be encoded): work for no reader.
    a = FakeChardev()
    reg, _, (mon,) = setup(a)
    full = mon.commands
    mon.commands = mon.command_sets.cap_negotiation  # back in negotiation
    qapi_event_emit(reg, "MY_EVENT", {"x": Opaque()})
    assert a.written == b"" and not mon.outbuf
    mon.commands = full
    with pytest.raises(TypeError):
        qapi_event_emit(reg, "MY_EVENT", {"x": Opaque()})


@pytest.mark.parametrize(
    "timestamp",
    [TS, {"seconds": -1, "microseconds": 999999}, {"seconds": 1.5, "microseconds": 2}, {}],
)
@pytest.mark.parametrize("data", [None, {}, {"a": [1, "x\n"], "b": {"c": None}}])
def test_the_fast_envelope_is_the_generic_encoding(
    timestamp: dict[str, Any], data: dict[str, Any] | None
) -> None:
    from qmonitor.monitor.events import _encode_compact
    from qmonitor.qjson.encode import encode

    msg: dict[str, Any] = {"event": "E\u00e9", "timestamp": timestamp}
    if data is not None:
        msg["data"] = data
    assert _encode_compact("E\u00e9", timestamp, data) == encode(msg)
