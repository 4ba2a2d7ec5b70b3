"""qobject_from_json: one JSON value from a command-line argument, with QEMU's errors.

The texts were checked against QEMU 7.2's ``-audiodev``, ``-device`` and
``-object`` (tests/golden/cli/cases.json holds some of them).
"""

from __future__ import annotations

import pytest

from qmonitor.qjson.parser import JsonError
from qmonitor.qjson.streamer import (
    NEED_DATA,
    JsonMessage,
    JsonParseError,
    JsonStreamer,
    qobject_from_json,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [('{"a": [1, 2.5, "x"]}', {"a": [1, 2.5, "x"]}), ("{'a': true}", {"a": True}), (" 12 ", 12)],
)
def test_one_value(text: str, value: object) -> None:
    assert qobject_from_json(text) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "JSON parse error, premature EOI"),
        ('{"a":', "JSON parse error, premature EOI"),
        ("{bogus", "JSON parse error, invalid keyword 'bogus'"),
        ('{"a":tr', "JSON parse error, invalid keyword 'tr'"),
        ('{"a":"x', "JSON parse error, stray '\"x'"),
        ('{"a":\'x', "JSON parse error, stray ''x'"),
        ('{"a":-', "JSON parse error, stray '-'"),
        ('{"a" 1}', "JSON parse error, missing : in object pair"),
        ('{"a":1}}', "Expecting at most one JSON value"),
        ('{"a":1} x', "Expecting at most one JSON value"),
        ("1 2", "Expecting at most one JSON value"),
    ],
)
def test_qemus_errors(text: str, message: str) -> None:
    with pytest.raises(JsonError) as info:
        qobject_from_json(text)
    assert info.value.message == message


def test_flush_keeps_the_waiting_events_first() -> None:
    streamer = JsonStreamer()
    streamer.feed(b'{"a": 1} {"b": tr')
    streamer.flush()
    events = []
    while (event := streamer.next_event()) is not NEED_DATA:
        events.append(event)
    assert events == [
        JsonMessage({"a": 1}),
        JsonParseError("JSON parse error, invalid keyword 'tr'"),
    ]
