"""The frontend handlers a backend calls for every read are guarded inline."""

from __future__ import annotations

import asyncio
import logging

import pytest

from qmonitor.chardev.base import NullChardev


def _broken(*_args: object) -> int:
    raise RuntimeError("frontend bug")


def test_can_read_that_fails_says_one_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    loop = asyncio.new_event_loop()
    try:
        chr = NullChardev("n0")
        chr.set_handlers(_broken, None, None, loop)
        with caplog.at_level(logging.ERROR):
            assert chr.be_can_write() == 1
        assert "n0: can_read handler failed; going on" in caplog.text
    finally:
        loop.close()


def test_read_handler_that_fails_is_logged_and_the_next_input_arrives(
    caplog: pytest.LogCaptureFixture,
) -> None:
    loop = asyncio.new_event_loop()
    got: list[bytes] = []

    def read(data: bytes) -> None:
        if data == b"bad":
            raise RuntimeError("frontend bug")
        got.append(data)

    try:
        chr = NullChardev("n1")
        chr.set_handlers(lambda: 4096, read, None, loop)
        with caplog.at_level(logging.ERROR):
            chr.be_write(b"bad")
            chr.be_write(b"good")
        assert got == [b"good"]
        assert "n1: read handler failed; going on" in caplog.text
    finally:
        loop.close()
