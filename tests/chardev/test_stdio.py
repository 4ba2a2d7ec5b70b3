"""The stdio chardev over pipes and regular files."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from qmonitor.chardev.base import ChrEvent
from qmonitor.chardev.stdio import StdioChardev


def run_frontend(rfd: int, wfd: int, feed: bytes | None) -> tuple[bytes, list[ChrEvent]]:
    async def main() -> tuple[bytes, list[ChrEvent]]:
        loop = asyncio.get_running_loop()
        chr = StdioChardev("stdio", rfd=rfd, wfd=wfd)
        got = bytearray()
        events: list[ChrEvent] = []
        done = asyncio.Event()

        def on_event(ev: ChrEvent) -> None:
            events.append(ev)
            if ev is ChrEvent.CLOSED:
                done.set()

        chr.set_handlers(lambda: 4096, got.extend, on_event, loop)
        await asyncio.sleep(0)
        assert chr.write(b"out") == 3
        await asyncio.wait_for(done.wait(), 5)
        chr.close()
        return bytes(got), events

    return asyncio.run(main())


def test_pipe_input_then_eof_closes(tmp_path: Path) -> None:
    r, w = os.pipe()
    out_r, out_w = os.pipe()
    os.write(w, b"hello")
    os.close(w)
    data, events = run_frontend(r, out_w, None)
    assert data == b"hello"
    assert events == [ChrEvent.OPENED, ChrEvent.CLOSED]
    assert os.read(out_r, 10) == b"out"
    for fd in (r, out_r, out_w):
        os.close(fd)


def test_regular_file_input(tmp_path: Path) -> None:
    src = tmp_path / "in.txt"
    src.write_bytes(b"x" * 200_000)
    out = tmp_path / "out.txt"
    r = os.open(src, os.O_RDONLY)
    w = os.open(out, os.O_WRONLY | os.O_CREAT)
    data, events = run_frontend(r, w, None)
    assert data == b"x" * 200_000
    assert events[-1] is ChrEvent.CLOSED
    os.close(r)
    os.close(w)
    assert out.read_bytes() == b"out"
