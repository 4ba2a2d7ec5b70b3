"""The multiplexer's sans-IO core: ids, order, negotiation, events, departures."""

from __future__ import annotations

import json
from typing import Any

from qmonitor.mux.core import Greeting, MuxClient, MuxCore

GREETING = (
    b'{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, '
    b'"capabilities": ["oob"]}}\r\n'
)


def lines(client: MuxClient) -> list[Any]:
    out = bytes(client.out)
    client.out.clear()
    return [json.loads(x) for x in out.split(b"\r\n") if x]


def upstream_requests(core: MuxCore) -> list[Any]:
    data = core.take_upstream().decode()
    return [json.loads(x) for x in data.replace("}{", "}\n{").splitlines() if x]


def negotiated(core: MuxCore, oob: bool = False) -> MuxClient:
    client = core.connect()
    assert bytes(client.out) == GREETING
    client.out.clear()
    args = b', "arguments": {"enable": ["oob"]}' if oob else b""
    core.receive(client, b'{"execute": "qmp_capabilities"' + args + b"}")
    assert lines(client) == [{"return": {}}]
    return client


def test_upstream_negotiation_asks_for_oob_when_offered() -> None:
    assert b'"enable": ["oob"]' in MuxCore(Greeting.parse(GREETING)).upstream_negotiation
    plain = Greeting.parse(GREETING.replace(b'["oob"]', b"[]"))
    assert b"enable" not in MuxCore(plain).upstream_negotiation


def test_negotiation_mode_is_answered_locally() -> None:
    core = MuxCore(Greeting.parse(GREETING))
    client = core.connect()
    client.out.clear()
    core.receive(client, b'{"execute": "query-status", "id": 1}')
    core.receive(client, b'{"execute": "qmp_capabilities", "arguments": {"enable": ["x"]}}')
    assert lines(client) == [
        {
            "id": 1,
            "error": {
                "class": "CommandNotFound",
                "desc": "Expecting capabilities negotiation with 'qmp_capabilities'",
            },
        },
        {
            "error": {
                "class": "GenericError",
                "desc": "Parameter 'null' does not accept value 'x'",  # sic (QEMU 7.2)
            }
        },
    ]
    assert core.take_upstream() == b""


def test_ids_rewritten_and_restored_per_client_in_order() -> None:
    core = MuxCore(Greeting.parse(GREETING))
    a, b = negotiated(core), negotiated(core)
    core.receive(a, b'{"execute": "query-name", "id": "same"}{"execute": "query-kvm"}')
    core.receive(b, b'{"execute": "query-name", "id": "same"}')
    sent = upstream_requests(core)
    assert [r["id"] for r in sent] == [1, 2, 3]
    assert [r["execute"] for r in sent] == ["query-name", "query-kvm", "query-name"]
    core.upstream_line(b'{"return": {"name": "b"}, "id": 3}\r\n')
    core.upstream_line(b'{"return": {"name": "a"}, "id": 1}\r\n')
    core.upstream_line(b'{"return": {}, "id": 2}\r\n')
    assert lines(a) == [{"return": {"name": "a"}, "id": "same"}, {"return": {}}]
    assert lines(b) == [{"return": {"name": "b"}, "id": "same"}]
    assert core.pending == 0


def test_local_errors_wait_their_turn() -> None:
    core = MuxCore(Greeting.parse(GREETING))
    a = negotiated(core)
    core.receive(
        a, b'{"execute": "stop", "id": 1}{"execute": 1, "id": 2}{"exec-oob": "x", "id": 3}'
    )
    assert lines(a) == []
    core.upstream_line(b'{"return": {}, "id": 1}\r\n')
    desc = "QMP input member '{}' {}".format
    assert lines(a) == [
        {"return": {}, "id": 1},
        {"id": 2, "error": {"class": "GenericError", "desc": desc("execute", "must be a string")}},
        # Without OOB, QEMU reads a client's requests one at a time: in order.
        {"id": 3, "error": {"class": "GenericError", "desc": desc("exec-oob", "is unexpected")}},
    ]


def test_oob_errors_do_not_wait() -> None:
    core = MuxCore(Greeting.parse(GREETING))
    a = negotiated(core, oob=True)
    core.receive(a, b'{"execute": "stop", "id": 1}{"exec-oob": 1, "id": 2}')
    assert lines(a) == [
        {
            "id": 2,
            "error": {
                "class": "GenericError",
                "desc": "QMP input member 'exec-oob' must be a string",
            },
        }
    ]


def test_oob_replies_overtake() -> None:
    core = MuxCore(Greeting.parse(GREETING))
    a = negotiated(core, oob=True)
    core.receive(a, b'{"execute": "slow", "id": "s"}{"exec-oob": "fast", "id": "f"}')
    sent = upstream_requests(core)
    assert sent[1] == {"exec-oob": "fast", "id": 2}
    core.upstream_line(b'{"return": {}, "id": 2}\r\n')
    core.upstream_line(b'{"return": {}, "id": 1}\r\n')
    assert [m["id"] for m in lines(a)] == ["f", "s"]


def test_events_go_to_negotiated_clients_only_and_departures_cost_nothing() -> None:
    core = MuxCore(Greeting.parse(GREETING))
    a, b = negotiated(core), negotiated(core)
    waiting = core.connect()
    waiting.out.clear()
    core.receive(a, b'{"execute": "stop", "id": 1}')
    core.receive(b, b'{"execute": "query-status", "id": 1}')
    core.take_upstream()
    core.disconnect(a)
    event = b'{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "STOP"}\r\n'
    core.upstream_line(event)
    core.upstream_line(b'{"return": {}, "id": 1}\r\n')  # a's: dropped
    core.upstream_line(b'{"return": {"status": "paused"}, "id": 2}\r\n')
    assert bytes(b.out) == event + b'{"return": {"status": "paused"}, "id": 1}\r\n'
    assert bytes(waiting.out) == b""
    assert core.pending == 0
    assert a.id not in core.clients


def test_parse_errors_answered_without_id() -> None:
    core = MuxCore(Greeting.parse(GREETING))
    a = negotiated(core)
    core.receive(a, b'{"execute": }')
    (msg,) = lines(a)
    assert "id" not in msg
    assert msg["error"]["class"] == "GenericError"


def test_slow_reader_loses_events_not_replies() -> None:
    core = MuxCore(Greeting.parse(GREETING), can_take_event=lambda client: client.id != 1)
    a, b = negotiated(core), negotiated(core)
    core.upstream_line(b'{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "STOP"}\r\n')
    assert lines(a) == []
    assert a.events_dropped == 1
    assert lines(b)[0]["event"] == "STOP"
