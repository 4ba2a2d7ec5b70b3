"""Replay what real QEMU 7.2 answered to odd input (data/qemu72_transcript.json).

The transcript was recorded by data/record_qemu.py: each case went to QEMU on a
fresh QMP connection, followed by a probe request.  Here the same bytes go
through JsonStreamer, and each event is turned into the line QEMU's QMP layer
writes for it:

* a parse error → ``{"error": {"class": "GenericError", "desc": <message>}}``;
* a value that is no object → QMP's "QMP input must be a JSON object";
* ``{"execute": "query-status", "id": X}`` → the reply, which echoes X
  through :func:`encode` (so this checks member order and number and string
  formatting too);
* any other object → some QMP-level reply that is not a JSON error.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from qmonitor.qjson import NEED_DATA, JsonMessage, JsonParseError, JsonStreamer, encode

DATA = json.loads((Path(__file__).parent / "data" / "qemu72_transcript.json").read_text())
PROBE: bytes = DATA["probe"].encode()
STATUS = '{"status": "running", "singlestep": false, "running": true}'
NOT_OBJECT = '{"error": {"class": "GenericError", "desc": "QMP input must be a JSON object"}}'
OTHER = "<another QMP reply>"


def error_line(message: str) -> str:
    return '{"error": {"class": "GenericError", "desc": ' + encode(message) + "}}"


def reply_lines(data: bytes, chunks: list[int] | None = None) -> list[str]:
    """What QEMU would write for ``data`` if JsonStreamer were its parser."""
    streamer = JsonStreamer()
    pieces = [data]
    if chunks is not None:
        pieces, pos = [], 0
        for size in chunks:
            pieces.append(data[pos : pos + size])
            pos += size
        pieces.append(data[pos:])
    lines: list[str] = []
    for piece in pieces:
        streamer.feed(piece)
        while (event := streamer.next_event()) is not NEED_DATA:
            if isinstance(event, JsonParseError):
                lines.append(error_line(event.message))
                continue
            assert isinstance(event, JsonMessage)
            value: Any = event.value
            if not isinstance(value, dict):
                lines.append(NOT_OBJECT)
            elif value.keys() == {"execute", "id"} and value["execute"] == "query-status":
                lines.append('{"return": ' + STATUS + ', "id": ' + encode(value["id"]) + "}")
            else:
                lines.append(OTHER)
    return lines


def expected_lines(recorded: list[str]) -> list[str]:
    """Recorded replies, with QMP-level answers to other objects made generic."""
    out = []
    for line in recorded:
        json_error = line.startswith('{"error": {"class": "GenericError", "desc": "JSON ')
        other_error = line.startswith('{"error"') and not json_error and line != NOT_OBJECT
        other_return = line.startswith('{"return"') and not line.startswith('{"return": ' + STATUS)
        out.append(OTHER if other_error or other_return else line)
    return out


CASES = [(case["input"].encode("latin-1"), case["replies"]) for case in DATA["compact"]]
IDS = [f"{i}:{data[:40]!r}" for i, (data, _) in enumerate(CASES)]


def test_transcript_comes_from_qemu_7_2() -> None:
    assert DATA["qemu"].startswith("QEMU emulator version 7.2.")
    assert len(CASES) > 400


@pytest.mark.parametrize(("data", "recorded"), CASES, ids=IDS)
def test_same_replies_as_qemu(data: bytes, recorded: list[str]) -> None:
    expected = expected_lines(recorded)
    assert reply_lines(data + PROBE) == expected
    # QEMU reads its socket a byte at a time; how input is cut changes nothing.
    assert reply_lines(data + PROBE, chunks=[1] * len(data + PROBE)) == expected
    rnd = random.Random(len(data))
    chunks = [rnd.randint(1, 40) for _ in range(len(data) // 8 + 1)]
    assert reply_lines(data + PROBE, chunks=chunks) == expected


@pytest.mark.parametrize("case", DATA["pretty"], ids=lambda c: c["input"][31:60])
def test_pretty_output_as_qemu(case: dict[str, str]) -> None:
    request = case["input"].encode("latin-1")
    streamer = JsonStreamer()
    streamer.feed(request + b"]" + PROBE)
    messages: list[dict[str, Any]] = []
    while (event := streamer.next_event()) is not NEED_DATA:
        if isinstance(event, JsonParseError):
            messages.append({"error": {"class": "GenericError", "desc": event.message}})
        else:
            assert isinstance(event, JsonMessage)
            # Members in the order QEMU's output visitor adds them.
            status = {"running": True, "singlestep": False, "status": "running"}
            messages.append({"return": status, "id": event.value["id"]})
    # The monitor turns each "\n" into "\r\n" and ends each message with one.
    text = "".join(encode(m, pretty=True) + "\n" for m in messages)
    assert text.replace("\n", "\r\n") == case["output"]
