"""Event emission, broadcast and the seed's throttling, on a virtual clock."""

from __future__ import annotations

import threading
from typing import Any

from qmonitor.monitor.events import (
    SECOND_NS,
    EventState,
    VirtualClock,
    qapi_event_emit,
)
from qmonitor.monitor.monitor import Monitor, MonitorRegistry


class Sink(Monitor):
    """Stands in for a negotiated QMP monitor: records events."""

    is_qmp = True

    def __init__(self, registry: MonitorRegistry, negotiated: bool = True) -> None:
        super().__init__(registry, None, skip_flush=True)
        self.got: list[dict[str, Any]] = []
        self.negotiated = negotiated
        self.on_event: Any = None

    def send_event(self, msg: dict[str, Any], encoded: dict[bool, str]) -> None:
        if self.negotiated:
            self.got.append(msg)
            if self.on_event is not None:
                self.on_event(msg)


def setup(*negotiated: bool) -> tuple[MonitorRegistry, VirtualClock, list[Sink]]:
    reg = MonitorRegistry()
    clock = VirtualClock()
    ticks = iter(range(1, 10_000))
    reg.events = EventState(clock, timestamp=lambda: {"seconds": next(ticks), "microseconds": 0})
    sinks = [Sink(reg, n) for n in negotiated]
    for s in sinks:
        reg.append(s)
    return reg, clock, sinks


def names(sink: Sink) -> list[tuple[str, Any]]:
    return [(m["event"], m.get("data")) for m in sink.got]


def test_unthrottled_event_goes_to_negotiated_monitors_only() -> None:
    reg, _, (a, b) = setup(True, False)
    qapi_event_emit(reg, "STOP", None)
    assert names(a) == [("STOP", None)]
    assert b.got == []
    msg = a.got[0]
    assert list(msg) == ["event", "timestamp"]
    qapi_event_emit(reg, "RESET", {"guest": False, "reason": "host-qmp-system-reset"})
    assert list(a.got[1]) == ["event", "timestamp", "data"]


def test_throttle_first_now_last_wins_then_freed() -> None:
    reg, clock, (a,) = setup(True)
    state = reg.events
    assert state is not None
    qapi_event_emit(reg, "RTC_CHANGE", {"offset": 1})
    assert names(a) == [("RTC_CHANGE", {"offset": 1})]
    qapi_event_emit(reg, "RTC_CHANGE", {"offset": 2})
    qapi_event_emit(reg, "RTC_CHANGE", {"offset": 3})
    assert len(a.got) == 1
    clock.step(SECOND_NS - 1)
    assert len(a.got) == 1
    clock.step(1)
    assert names(a)[-1] == ("RTC_CHANGE", {"offset": 3})
    # The held event keeps its own emission timestamp.
    assert a.got[-1]["timestamp"]["seconds"] == 3
    assert state.throttled  # timer re-armed
    clock.step(SECOND_NS)
    assert not state.throttled  # nothing held: state freed
    qapi_event_emit(reg, "RTC_CHANGE", {"offset": 4})
    assert names(a)[-1] == ("RTC_CHANGE", {"offset": 4})


def test_throttle_keys_by_data_member() -> None:
    reg, clock, (a,) = setup(True)
    for port in ("p1", "p2", "p1"):
        qapi_event_emit(reg, "VSERPORT_CHANGE", {"id": port, "open": True})
    assert [m["data"]["id"] for m in a.got] == ["p1", "p2"]
    for node in ("n1", "n2"):
        qapi_event_emit(reg, "QUORUM_REPORT_BAD", {"node-name": node, "type": "read"})
    qapi_event_emit(reg, "QUORUM_FAILURE", {"reference": "a"})
    qapi_event_emit(reg, "QUORUM_FAILURE", {"reference": "b"})
    assert [m["event"] for m in a.got].count("QUORUM_FAILURE") == 1
    clock.step(SECOND_NS)
    assert [m["data"].get("reference") for m in a.got if m["event"] == "QUORUM_FAILURE"] == [
        "a",
        "b",
    ]
    assert [m["data"]["id"] for m in a.got if m["event"] == "VSERPORT_CHANGE"] == [
        "p1",
        "p2",
        "p1",
    ]


def test_memory_device_size_change_is_throttled_per_qom_path() -> None:
    # monitor/monitor.c keys it by qom-path: an anonymous device (no id) is
    # throttled apart from a named one, and each keeps its last size.
    reg, clock, (a,) = setup(True)
    named, anon = "/machine/peripheral/vm0", "/machine/peripheral-anon/device[0]"
    for size, path in ((1, named), (2, anon), (3, named), (4, named), (5, anon)):
        data: dict[str, Any] = {"size": size, "qom-path": path}
        if path == named:
            data["id"] = "vm0"
        qapi_event_emit(reg, "MEMORY_DEVICE_SIZE_CHANGE", data)
    assert [m["data"]["size"] for m in a.got] == [1, 2]
    clock.step(SECOND_NS)
    assert [m["data"]["size"] for m in a.got] == [1, 2, 4, 5]


def test_rates_are_configurable() -> None:
    reg, clock, (a,) = setup(True)
    assert reg.events is not None
    reg.events.rates_ns["MY_EVENT"] = 10
    reg.events.rates_ns.pop("RTC_CHANGE")
    qapi_event_emit(reg, "MY_EVENT", None)
    qapi_event_emit(reg, "MY_EVENT", None)
    qapi_event_emit(reg, "RTC_CHANGE", None)
    qapi_event_emit(reg, "RTC_CHANGE", None)
    assert [m["event"] for m in a.got] == ["MY_EVENT", "RTC_CHANGE", "RTC_CHANGE"]
    clock.step(10)
    assert [m["event"] for m in a.got][-1] == "MY_EVENT"


def test_reentrant_emission_is_queued_after_current() -> None:
    reg, _, (a, b) = setup(True, True)
    order: list[str] = []

    def reenter(msg: dict[str, Any]) -> None:
        order.append(msg["event"])
        if msg["event"] == "FIRST":
            qapi_event_emit(reg, "SECOND", None)
            order.append("after-emit")

    a.on_event = reenter
    qapi_event_emit(reg, "FIRST", None)
    # SECOND is delivered only after FIRST reached every monitor.
    assert order == ["FIRST", "after-emit", "SECOND"]
    assert [m["event"] for m in b.got] == ["FIRST", "SECOND"]


def test_emission_from_many_threads_is_ordered_per_thread() -> None:
    reg, _, (a,) = setup(True)

    def worker(n: int) -> None:
        for i in range(200):
            qapi_event_emit(reg, "TICK", {"t": n, "i": i})

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(a.got) == 800
    for n in range(4):
        seq = [m["data"]["i"] for m in a.got if m["data"]["t"] == n]
        assert seq == list(range(200))
