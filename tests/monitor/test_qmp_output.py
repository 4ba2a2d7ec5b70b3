"""How QMP replies reach the chardev: together for a pipelining client, never held back."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable

import pytest

from fakes import FakeChardev
from qmonitor.chardev.base import ChrEvent
from qmonitor.machine.machine import Machine, MachineOptions
from qmonitor.machine.runstate import ShutdownCause
from qmonitor.qapi.commands import QmpCommand


class CountingChardev(FakeChardev):
    """Records each write call separately."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.calls.append(bytes(data))
        return super().write(data)


async def _session(
    use_io_thread: bool,
    *chunks: bytes,
    setup: Callable[[Machine, CountingChardev], None] | None = None,
) -> CountingChardev:
    machine = Machine(MachineOptions(use_io_thread=use_io_thread))
    chr = CountingChardev()
    machine.add_qmp_monitor(chr)
    if setup is not None:
        setup(machine, chr)
    running = asyncio.ensure_future(machine.run())
    await asyncio.sleep(0.05)
    loop = machine.iothread.loop if machine.iothread is not None else machine.loop

    def feed(data: bytes) -> None:
        loop.call_soon_threadsafe(chr.be_write, data)

    loop.call_soon_threadsafe(chr.be_event, ChrEvent.OPENED)
    feed(b'{"execute":"qmp_capabilities"}')
    await asyncio.sleep(0.05)
    chr.calls.clear()
    for chunk in chunks:
        feed(chunk)
    await asyncio.sleep(0.2)
    machine.shutdown(ShutdownCause.HOST_QMP_QUIT)
    await asyncio.wait_for(running, 5)
    return chr


@pytest.mark.parametrize("use_io_thread", [True, False])
def test_pipelined_replies_go_out_in_one_write(use_io_thread: bool) -> None:
    requests = b"".join(b'{"execute":"query-status","id":%d}' % i for i in range(5))
    chr = asyncio.run(_session(use_io_thread, requests))
    replies = [json.loads(line) for line in b"".join(chr.calls).split(b"\r\n") if line]
    assert [r["id"] for r in replies if "id" in r] == [0, 1, 2, 3, 4]
    writes = len([c for c in chr.calls if b'"id"' in c])
    # With the I/O thread all five answers go out in one system call; on a
    # single loop each goes out at once, as QEMU writes them.
    assert writes == (1 if use_io_thread else 5)


@pytest.mark.parametrize("use_io_thread", [True, False])
def test_reply_is_not_held_for_an_unfinished_next_request(use_io_thread: bool) -> None:
    chr = asyncio.run(_session(use_io_thread, b'{"execute":"query-status","id":7}{"execu'))
    assert b'"id": 7}\r\n' in b"".join(chr.calls)


def test_events_keep_their_place_among_held_replies() -> None:
    """stop's STOP event goes before stop's reply, after the reply before it."""
    chr = asyncio.run(
        _session(
            True,
            b'{"execute":"query-status","id":1}{"execute":"stop","id":2}'
            b'{"execute":"query-status","id":3}',
        )
    )
    out = [json.loads(line) for line in b"".join(chr.calls).split(b"\r\n") if line]
    shape = [m.get("id", m.get("event")) for m in out]
    assert shape[:4] == [1, "STOP", 2, 3]


def test_a_long_command_does_not_hold_back_the_reply_before_it() -> None:
    seen: list[bool] = []

    def setup(machine: Machine, chr: CountingChardev) -> None:
        def slow() -> None:
            # Blocks the main loop, as a long synchronous command does; the
            # earlier reply must reach the client meanwhile.
            deadline = time.monotonic() + 3
            while b'"id": 1}' not in chr.written and time.monotonic() < deadline:
                time.sleep(0.01)
            seen.append(b'"id": 1}' in chr.written)

        machine.commands.full.register(QmpCommand("x-slow", slow))

    chr = asyncio.run(
        _session(
            True,
            b'{"execute":"query-status","id":1}{"execute":"x-slow","id":2}',
            setup=setup,
        )
    )
    assert seen == [True]
    assert b'{"return": {}, "id": 2}' in chr.written
