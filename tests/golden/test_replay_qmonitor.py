"""qmonitor against QMP transcripts recorded byte for byte from QEMU 7.2.

``test_replay[NAME]`` replays one recorded case (see tests/golden/conftest.py)
and, on a mismatch, shows the steps so far and the expected and received
bytes as escaped text.  Run one case with ``pytest tests/golden -k NAME``.
Re-record with ``python tools/record_golden.py``.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest

from qmonitor_testsupport import goldenlib, qmp_corpus

RECORDINGS = goldenlib.load_recordings()

#: Cases where qmonitor differs from QEMU on purpose (documented in the
#: README); none at present.
DELIBERATE_DIFFERENCES: dict[str, str] = {}


def test_replay(golden_case: str, qmonitor_replays: dict[str, goldenlib.Outcome]) -> None:
    outcome = qmonitor_replays[golden_case]
    if golden_case in DELIBERATE_DIFFERENCES:
        # The rest of the session must still match; only the listing differs.
        assert outcome.failure is not None, "now identical: drop it from DELIBERATE_DIFFERENCES"
        pytest.xfail(DELIBERATE_DIFFERENCES[golden_case])
    if outcome.failure is not None:
        pytest.fail(outcome.failure, pytrace=False)


def test_recordings_match_the_corpus() -> None:
    corpus = {c.name: c for c in qmp_corpus.CASES}
    assert set(RECORDINGS) == set(corpus), "re-run tools/record_golden.py"
    for name, (header, recorded) in RECORDINGS.items():
        assert header["theme"] == corpus[name].theme
        assert goldenlib.strip_received(recorded) == goldenlib.case_inputs_json(corpus[name])
    assert len(RECORDINGS) >= 150


def test_every_case_is_described_and_connects_first() -> None:
    for case in qmp_corpus.CASES:
        assert case.description
        assert case.steps[0].op == "connect", case.name


def test_headers_name_the_recorded_qemu() -> None:
    headers = {(h["qemu"]["version"], h["qemu"]["package"]) for h, _ in RECORDINGS.values()}
    assert len(headers) == 1
    ((version, _),) = headers
    assert version.count(".") == 2


# ------------------------------------------------------ the driver itself


def test_normalize_zeroes_event_timestamps() -> None:
    compact = b'{"timestamp": {"seconds": 1700000000, "microseconds": 12}, "event": "STOP"}\r\n'
    assert goldenlib.normalize(compact) == (
        b'{"timestamp": {"seconds": 0, "microseconds": 0}, "event": "STOP"}\r\n'
    )
    pretty = b'{\r\n    "timestamp": {\r\n        "seconds": 17,\r\n        "microseconds": 5\r\n'
    pretty += b"    },\r\n"
    assert b'"seconds": 0,' in goldenlib.normalize(pretty)
    assert goldenlib.normalize(b'{"return": {"seconds": 5}}') == b'{"return": {"seconds": 5}}'


def test_parse_greeting() -> None:
    greeting = (
        b'{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7},'
        b' "package": "Debian 1:7.2"}, "capabilities": ["oob"]}}\r\n'
    )
    assert goldenlib.parse_greeting(greeting) == ("7.2.22", "Debian 1:7.2")


@pytest.mark.parametrize(
    "writes", [(b'{"execute": "x"}\n',), (b"\xff\x00", b"ok"), (b"a", b"b", b"c")]
)
def test_steps_round_trip_through_json(writes: tuple[bytes, ...]) -> None:
    step = qmp_corpus.send(*writes, conn=1)
    back = goldenlib.step_from_json(goldenlib.step_to_json(step))
    assert back.writes == writes
    assert back.conn == 1


def test_received_round_trips_through_json() -> None:
    received: goldenlib.Received = {0: (b"text\r\n", False), 1: (b"\xff", True), 2: (b"", False)}
    obj: dict[str, Any] = goldenlib.received_to_json(received)
    assert obj == {"recv": {"0": "text\r\n"}, "recv_hex": {"1": "ff"}, "eof": [1]}
    back = goldenlib.received_from_json(obj)
    assert back == {0: (b"text\r\n", False), 1: (b"\xff", True)}


def test_difference_is_shown_as_escaped_text() -> None:
    text = goldenlib.describe_difference(b'{"return": {}}\r\n', b'{"return": []}\r\n\x01')
    assert '{"return": {}}\\r\\n' in text
    assert '{"return": []}\\r\\n' in text
    assert "\\x01" in text
    assert "first difference at byte 11" in text


def test_may_still_match_waits_inside_a_timestamp() -> None:
    want = b'{"timestamp": {"seconds": 0, "microseconds": 0}, "event": "STOP"}\r\n'
    assert goldenlib.may_still_match(b'{"timestamp": {"seconds": 17000', want)
    assert goldenlib.may_still_match(b'{"timestamp": {"seconds": 1, "microseconds": 2}, "ev', want)
    assert not goldenlib.may_still_match(b'{"return": {}}', want)


# A stand-in server: greets with argv[1], answers every line with an empty return.
FAKE_SERVER = """
import socket, sys
args = sys.argv[2:]
path = args[args.index("-qmp") + 1].split(",")[0].removeprefix("unix:")
listener = socket.socket(socket.AF_UNIX)
listener.bind(path)
listener.listen()
conn, _ = listener.accept()
conn.sendall(sys.argv[1].encode() + b"\\r\\n")
buf = b""
while chunk := conn.recv(4096):
    buf += chunk
    while b"\\n" in buf:
        _, buf = buf.split(b"\\n", 1)
        conn.sendall(b'{"return": {}}\\r\\n')
"""
GREETING = '{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}}}}'


def _fake(greeting: str = GREETING) -> list[str]:
    return [sys.executable, "-c", FAKE_SERVER, greeting]


def _fake_case() -> goldenlib.Case:
    return goldenlib.Case(
        "fake", "fake", "A fake server", (qmp_corpus.connect(), qmp_corpus.send("{}\n", "{}\n"))
    )


def test_record_then_replay_a_fake_server() -> None:
    recorded = goldenlib.record_case(_fake_case(), _fake(), settle=0.0)
    assert recorded["steps"][0]["recv"] == {"0": GREETING + "\r\n"}
    assert recorded["steps"][1]["recv"] == {"0": '{"return": {}}\r\n' * 2}
    assert goldenlib.replay_case(recorded, _fake()) is None


def test_replay_reports_a_difference() -> None:
    recorded = goldenlib.record_case(_fake_case(), _fake(), settle=0.0)
    failure = goldenlib.replay_case(recorded, _fake(GREETING.replace("7", "8")))
    assert failure is not None
    assert "step 0 connect conn 0 to socket 0" in failure
    assert "first difference at byte 63" in failure
    assert "step 1" not in failure


def test_replay_reports_extra_bytes_with_their_step() -> None:
    recorded = goldenlib.record_case(_fake_case(), _fake(), settle=0.0)
    failure = goldenlib.replay_case(recorded, _fake(GREETING + "\r\n{}"))
    assert failure is not None
    assert "step 0 connect" in failure
    assert "step 1" not in failure
    assert "got (74 bytes)" in failure


def _mirror_step(*lines: str) -> dict[str, Any]:
    return {"op": "send", "send": "x\n", "recv": {"0": "".join(line + "\r\n" for line in lines)}}


READY = '{"event": "JOB_STATUS_CHANGE", "data": {"status": "ready", "id": "m"}}'
RUNNING = '{"event": "JOB_STATUS_CHANGE", "data": {"status": "running", "id": "m"}}'
REPLY = '{"return": {}, "id": "mirror"}'


def test_a_floating_reply_may_come_anywhere_among_the_events() -> None:
    # QEMU on a slower host wrote the mirror's reply before READY.
    before = {"steps": [_mirror_step(RUNNING, READY, REPLY)]}
    after = {"steps": [_mirror_step(RUNNING, REPLY, READY)]}
    assert goldenlib.compare_recordings(before, after) is not None
    assert goldenlib.compare_recordings(before, after, frozenset({"mirror"})) is None


def test_a_floating_reply_keeps_the_events_order_and_must_come() -> None:
    want = {"steps": [_mirror_step(RUNNING, READY, REPLY)]}
    swapped = {"steps": [_mirror_step(READY, RUNNING, REPLY)]}
    missing = {"steps": [_mirror_step(RUNNING, READY)]}
    other = {"steps": [_mirror_step(RUNNING, READY, REPLY.replace("mirror", "other"))]}
    floating = frozenset({"mirror"})
    for got in (swapped, missing, other):
        assert goldenlib.compare_recordings(want, got, floating) is not None


def test_floating_replies_name_requests_of_their_case() -> None:
    for name, ids in qmp_corpus.FLOATING_REPLIES.items():
        _, recorded = RECORDINGS[name]
        case = goldenlib.case_from_json(recorded, "")
        sent = b"".join(w for step in case.steps for w in step.writes)
        for rid in ids:
            assert f'"id": "{rid}"'.encode() in sent, (name, rid)
