"""The opt-in x-qmonitor-* commands, through a machine's QMP monitor."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from qmonitor.chardev.base import ChrEvent
from qmonitor.machine.extensions import MAX_EMIT_COUNT, register_extensions
from qmonitor.machine.machine import Machine, MachineOptions
from qmonitor.machine.runstate import ShutdownCause
from qmonitor_testsupport.fakes import FakeChardev


def session(requests: list[dict[str, Any]], extensions: bool = True) -> list[dict[str, Any]]:
    """Run requests on one negotiated monitor; every message it wrote, parsed."""

    async def main() -> bytes:
        machine = Machine(MachineOptions(use_io_thread=False))
        if extensions:
            register_extensions(machine)
        chr = FakeChardev()
        machine.add_qmp_monitor(chr)
        await asyncio.sleep(0)
        chr.be_event(ChrEvent.OPENED)
        run = asyncio.ensure_future(machine.run())
        chr.be_write(b'{"execute":"qmp_capabilities"}')
        for req in requests:
            chr.be_write(json.dumps(req).encode())
        for _ in range(100):  # bounded: until every request is answered
            await asyncio.sleep(0.01)
            replies = [
                line
                for line in bytes(chr.written).split(b"\r\n")
                if line.startswith((b'{"return"', b'{"error"'))
            ]
            if len(replies) == len(requests) + 1:
                break
        machine.shutdown(ShutdownCause.HOST_SIGNAL)
        await run
        return bytes(chr.written)

    out = asyncio.run(main())
    msgs = [json.loads(line) for line in out.split(b"\r\n")[2:] if line]
    return [m for m in msgs if m.get("event") != "SHUTDOWN"]  # the session's end


def emit_events(**args: Any) -> dict[str, Any]:
    return {"execute": "x-qmonitor-emit-events", "arguments": args}


def test_emit_events_raises_count_events_each_stamped() -> None:
    msgs = session([emit_events(event="MY_EVENT", count=3, data={"a": 1}, counter="n")])
    events, reply = msgs[:-1], msgs[-1]
    assert reply == {"return": {}}
    assert [m["event"] for m in events] == ["MY_EVENT"] * 3
    assert [m["data"] for m in events] == [{"a": 1, "n": 0}, {"a": 1, "n": 1}, {"a": 1, "n": 2}]
    assert all(set(m["timestamp"]) == {"seconds", "microseconds"} for m in events)


def test_emit_events_without_data_or_counter() -> None:
    msgs = session([emit_events(event="E", count=2), emit_events(event="E", count=0)])
    assert [m.get("event") for m in msgs] == ["E", "E", None, None]
    assert "data" not in msgs[0]


def test_emit_events_goes_through_the_throttle() -> None:
    msgs = session(
        [emit_events(event="RTC_CHANGE", count=1000, data={"qom-path": "/r"}, counter="offset")]
    )
    assert [m.get("data") for m in msgs[:-1]] == [{"qom-path": "/r", "offset": 0}]


def test_emit_events_bad_arguments() -> None:
    msgs = session(
        [
            emit_events(event="E", count=-1),
            emit_events(event="E", count=MAX_EMIT_COUNT + 1),
            emit_events(event="E", count=1, data=[1]),
            emit_events(event="", count=1),
            emit_events(event="E", count="1"),
        ]
    )
    descs = [m["error"]["desc"] for m in msgs]
    assert descs == [
        f"Parameter 'count' expects a value between 0 and {MAX_EMIT_COUNT}",
        f"Parameter 'count' expects a value between 0 and {MAX_EMIT_COUNT}",
        "Invalid parameter type for 'data', expected: object",
        "Parameter 'event' expects a non-empty event name",
        "Invalid parameter type for 'count', expected: integer",
    ]


def test_extensions_are_opt_in() -> None:
    msgs = session([emit_events(event="E", count=1)], extensions=False)
    error = {
        "class": "CommandNotFound",
        "desc": "The command x-qmonitor-emit-events has not been found",
    }
    assert msgs == [{"error": error}]
