"""The pty chardev: the notice, waiting for a peer, reconnection, dropped output."""

from __future__ import annotations

import asyncio
import os
import re
import tty

import pytest

from qmonitor.chardev.base import ChrEvent
from qmonitor.chardev.pty import POLL_INTERVAL, PtyChardev

#: Bounded waits: one poll interval and some slack.
WAIT = POLL_INTERVAL * 3


async def wait_for(pred: object, timeout: float = WAIT) -> None:
    assert callable(pred)
    end = asyncio.get_running_loop().time() + timeout
    while not pred():
        if asyncio.get_running_loop().time() > end:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.02)


async def read_some(fd: int, timeout: float = WAIT) -> bytes:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end:
        try:
            return os.read(fd, 4096)
        except BlockingIOError:
            await asyncio.sleep(0.02)
    raise TimeoutError("nothing to read")


def test_notice_names_the_pty_and_label() -> None:
    notices: list[str] = []
    chr = PtyChardev("mon0", announce=notices.append)
    try:
        assert re.fullmatch(r"char device redirected to /dev/pts/\d+ \(label mon0\)\n", notices[0])
        assert chr.path in notices[0]
        assert chr.filename == f"pty:{chr.path}"
        assert not chr.be_open
    finally:
        chr.close()


def test_notice_goes_to_stdout_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    chr = PtyChardev("x")
    chr.close()
    assert capsys.readouterr().out.startswith("char device redirected to /dev/pts/")


def test_peer_connects_talks_leaves_and_comes_back() -> None:
    async def body() -> None:
        loop = asyncio.get_running_loop()
        chr = PtyChardev("p", announce=lambda _: None)
        got = bytearray()
        events: list[ChrEvent] = []
        chr.set_handlers(lambda: 4096, got.extend, events.append, loop)
        try:
            await asyncio.sleep(0.05)
            assert events == [] and not chr.connected
            # Nobody there: output is dropped but reported as written.
            assert chr.write(b"lost") == 4
            assert not chr.add_watch(lambda: None)
            for round_ in range(2):
                fd = os.open(chr.path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
                tty.setraw(fd)
                try:
                    await wait_for(lambda n=round_: events.count(ChrEvent.OPENED) == n + 1)
                    assert chr.write(b"hello") == 5
                    assert await read_some(fd) == b"hello"
                    os.write(fd, b"typed")
                    await wait_for(lambda: got.endswith(b"typed"))
                finally:
                    os.close(fd)
                await wait_for(lambda: not chr.connected)
            # QEMU 7.2 sends no CLOSED when the peer goes.
            assert ChrEvent.CLOSED not in events
        finally:
            chr.close()
        assert chr.write(b"x") == -1

    asyncio.run(body())
