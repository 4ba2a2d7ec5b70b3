"""Postcopy's part of the stream and its checks, without processes."""

from __future__ import annotations

import pytest

from qmonitor.machine.migrate import postcopy
from qmonitor.machine.migrate.stream import (
    TRAILER,
    StreamReader,
    encode_body,
    encode_header,
    encode_postcopy_state,
)
from qmonitor.machine.migration import CAPABILITIES, MigrationState
from qmonitor.qapi.error import QapiError

STATE = {"runstate": "paused"}
HEADER = encode_header("pc-i440fx-7.2", 1 << 30)


def reader() -> StreamReader:
    return StreamReader("pc-i440fx-7.2", 1 << 30)


def test_postcopy_state_comes_before_the_trailer() -> None:
    r = reader()
    r.feed(HEADER + encode_postcopy_state(STATE))
    assert r.postcopy_state == {**STATE, "postcopy": True}
    assert r.state is None
    r.feed(TRAILER)
    assert r.state == {**STATE, "postcopy": True}


def test_state_and_trailer_in_one_chunk_still_show_postcopy() -> None:
    # A source with unlimited postcopy bandwidth sends both at once: the
    # reader shows both, and the destination must still enter postcopy-active
    # before it completes (the postcopy-pc-running pair scenario checks that).
    r = reader()
    r.feed(HEADER + encode_postcopy_state(STATE) + TRAILER)
    assert r.postcopy_state is not None
    assert r.state is not None


@pytest.mark.parametrize("chunk", [1, 3, 7])
def test_postcopy_stream_in_pieces(chunk: int) -> None:
    data = HEADER + encode_postcopy_state(STATE) + TRAILER
    r = reader()
    for i in range(0, len(data), chunk):
        r.feed(data[i : i + chunk])
    assert r.postcopy_state is not None and r.state is not None


def test_precopy_stream_has_no_postcopy_state() -> None:
    r = reader()
    r.feed(HEADER + encode_body(STATE))
    assert r.state == STATE
    assert r.postcopy_state is None


@pytest.mark.parametrize(
    ("caps", "enabled"),
    [((), False), (("postcopy-ram",), True), (("dirty-bitmaps",), True), (("events",), False)],
)
def test_postcopy_enabled_by_ram_or_bitmaps(caps: tuple[str, ...], enabled: bool) -> None:
    state = {c: c in caps for c in CAPABILITIES}
    assert postcopy.postcopy_enabled(state) is enabled


def test_pause_tries_hooks_in_order_and_refuses_without_one() -> None:
    settings = MigrationState()
    with pytest.raises(QapiError, match="only supported during postcopy-active"):
        settings.pause()
    calls: list[str] = []

    def source() -> bool:
        calls.append("source")
        return False

    def dest() -> bool:
        calls.append("dest")
        return True

    settings.pause_hooks[:] = [source, dest]
    settings.pause()
    assert calls == ["source", "dest"]
