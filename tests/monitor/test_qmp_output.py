"""In-band requests on the monitor I/O thread, and how replies reach the chardev.

With qmonitor's main loop (which has a big lock, as QEMU's), the I/O thread
answers simple queries itself while the main loop is idle, and replies to
requests that came in together go out in one write.  Neither may change
what the client sees: the order of replies and events, or a reply held back.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable

import pytest

from qmonitor.chardev.base import ChrEvent
from qmonitor.machine.machine import Machine, MachineOptions
from qmonitor.machine.runstate import ShutdownCause
from qmonitor.qapi.commands import QmpCommand
from qmonitor.util.mainloop import new_main_loop
from qmonitor_testsupport.fakes import FakeChardev


class CountingChardev(FakeChardev):
    """Records each write call separately."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.calls.append(bytes(data))
        return super().write(data)

    def messages(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in b"".join(self.calls).split(b"\r\n") if line]


Setup = Callable[[Machine, CountingChardev], None]


async def _session(
    *chunks: bytes, setup: Setup | None = None, oob: bool = False, settle: float = 0.3
) -> CountingChardev:
    machine = Machine(MachineOptions())
    chr = CountingChardev()
    machine.add_qmp_monitor(chr)
    if setup is not None:
        setup(machine, chr)
    running = asyncio.ensure_future(machine.run())
    await asyncio.sleep(0.05)
    assert machine.iothread is not None
    loop = machine.iothread.loop

    def feed(data: bytes) -> None:
        loop.call_soon_threadsafe(chr.be_write, data)

    loop.call_soon_threadsafe(chr.be_event, ChrEvent.OPENED)
    enable = b'{"enable":["oob"]}' if oob else b"{}"
    feed(b'{"execute":"qmp_capabilities","arguments":' + enable + b"}")
    for _ in range(500):  # until negotiation is over and the main loop idle again
        if b'{"return": {}}' in chr.written:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.02)
    chr.calls.clear()
    for chunk in chunks:
        # Arrives while the main loop waits (as a client's bytes would),
        # not while it is still busy handing them over.
        loop.call_soon_threadsafe(loop.call_later, 0.05, chr.be_write, chunk)
    await asyncio.sleep(settle)
    machine.shutdown(ShutdownCause.HOST_QMP_QUIT)
    await asyncio.wait_for(running, 5)
    return chr


def run(*chunks: bytes, **kwargs: object) -> CountingChardev:
    with asyncio.Runner(loop_factory=new_main_loop) as runner:
        return runner.run(_session(*chunks, **kwargs))  # type: ignore[arg-type]


def ids(chr: CountingChardev) -> list[object]:
    return [m.get("id", m.get("event")) for m in chr.messages()]


def test_pipelined_replies_go_out_in_one_write() -> None:
    chr = run(b"".join(b'{"execute":"query-status","id":%d}' % i for i in range(5)))
    assert ids(chr)[:5] == [0, 1, 2, 3, 4]
    # All five answers were written by a single system call, not five.
    assert len([c for c in chr.calls if b'"id"' in c]) == 1


def test_reply_is_not_held_for_an_unfinished_next_request() -> None:
    chr = run(b'{"execute":"query-status","id":7}{"execu')
    assert b'"id": 7}\r\n' in b"".join(chr.calls)


def test_events_keep_their_place_among_replies() -> None:
    """stop's STOP event goes before stop's reply, after the reply before it."""
    chr = run(
        b'{"execute":"query-status","id":1}{"execute":"stop","id":2}'
        b'{"execute":"query-status","id":3}'
    )
    assert ids(chr)[:4] == [1, "STOP", 2, 3]


def test_queries_run_on_the_io_thread_when_the_main_loop_is_idle() -> None:
    threads: dict[str, str] = {}

    def setup(machine: Machine, chr: CountingChardev) -> None:
        def here(name: str) -> Callable[[], None]:
            def handler() -> None:
                threads[name] = threading.current_thread().name

            return handler

        machine.commands.full.register(QmpCommand("x-any", here("x-any"), any_thread=True))
        machine.commands.full.register(QmpCommand("x-main", here("x-main")))

    chr = run(b'{"execute":"x-any","id":1}{"execute":"x-main","id":2}', setup=setup)
    assert ids(chr)[:2] == [1, 2]
    assert threads == {"x-any": "mon_iothread", "x-main": threading.main_thread().name}


def test_a_query_waits_while_the_main_loop_runs_a_command() -> None:
    """With oob the query is read at once, but the main loop holds the big lock."""

    def setup(machine: Machine, chr: CountingChardev) -> None:
        def slow() -> None:
            time.sleep(0.3)

        machine.commands.full.register(QmpCommand("x-slow", slow))

    chr = run(
        b'{"execute":"x-slow","id":1}{"execute":"query-status","id":2}',
        setup=setup,
        oob=True,
        settle=0.6,
    )
    assert ids(chr)[:2] == [1, 2]


def test_a_query_does_not_overtake_a_paused_coroutine_command() -> None:
    """A coroutine command leaves the main loop idle, but the batch is not done."""

    def setup(machine: Machine, chr: CountingChardev) -> None:
        async def wait() -> None:
            await asyncio.sleep(0.2)

        machine.commands.full.register(QmpCommand("x-wait", wait, coroutine=True))

    chr = run(
        b'{"execute":"x-wait","id":1}{"execute":"query-status","id":2}',
        setup=setup,
        oob=True,
        settle=0.5,
    )
    assert ids(chr)[:2] == [1, 2]


def test_the_io_thread_road_answers_as_the_dispatcher_does() -> None:
    """Each kind of outcome, once run on the I/O thread and once queued: same bytes."""
    from qmonitor.qapi.error import ErrorClass, QapiError

    def fail() -> None:
        raise QapiError("no such thing", ErrorClass.DEVICE_NOT_FOUND)

    def bug() -> None:
        raise ValueError("oops")

    handlers: dict[str, Callable[[], object]] = {
        "fail": fail,
        "bug": bug,
        "value": lambda: {"b": [1, "x"], "a": None},
        "none": lambda: None,
        "silent": lambda: None,
    }

    def setup(machine: Machine, chr: CountingChardev) -> None:
        for name, fn in handlers.items():
            for prefix, any_thread in (("x-io-", True), ("x-main-", False)):
                machine.commands.full.register(
                    QmpCommand(
                        prefix + name,
                        fn,
                        any_thread=any_thread,
                        success_response=name != "silent",
                    )
                )

    def batch(prefix: bytes) -> bytes:
        out = b""
        for name in handlers:
            out += b'{"execute":"%s%s","id":"%s"}' % (prefix, name.encode(), name.encode())
            out += b'{"execute":"%s%s"}' % (prefix, name.encode())
        return out

    ran_on: list[str] = []
    handlers["value"] = lambda: ran_on.append(threading.current_thread().name) or {"b": [1, "x"]}
    # All I/O-thread requests first: the queued ones would make them queue too.
    chr = run(batch(b"x-io-") + batch(b"x-main-"), setup=setup)
    lines = [line for line in b"".join(chr.calls).split(b"\r\n") if b'"event"' not in line]
    lines = [line for line in lines if line]
    half = len(lines) // 2
    assert half == 2 * (len(handlers) - 1)  # "silent" answers nothing
    assert lines[:half] == lines[half:]
    assert ran_on == ["mon_iothread"] * 2 + [threading.main_thread().name] * 2
    assert b'"desc": "no such thing"' in lines[0] + lines[1]
    assert b"Internal error: ValueError: oops" in b"".join(lines[:half])


def test_a_client_that_does_not_read_stops_being_served_until_it_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Replies never pile up past the backlog limit; none is lost; order is kept."""
    from qmonitor.monitor import qmp

    monkeypatch.setattr(qmp, "REPLY_BACKLOG_LIMIT", 4096)
    total = 2000

    async def main() -> tuple[int, int, bytes]:
        machine = Machine(MachineOptions(use_io_thread=False))
        chr = FakeChardev(capacity=0)  # the client reads nothing
        mon = machine.add_qmp_monitor(chr)
        running = asyncio.ensure_future(machine.run())
        await asyncio.sleep(0)
        chr.be_event(ChrEvent.OPENED)
        chr.be_write(b'{"execute":"qmp_capabilities"}')
        chr.be_write(b"".join(b'{"execute":"query-status","id":%d}' % i for i in range(total)))
        await asyncio.sleep(0.2)
        stalled_at = len(mon.outbuf)
        can_read = mon.can_read()
        # Now the client reads, a little at a time.
        for _ in range(2000):
            if chr.written.count(b'"id"') == total:
                break
            chr.capacity = 5000
            chr.fire_watches()
            await asyncio.sleep(0.001)
        machine.shutdown(ShutdownCause.HOST_QMP_QUIT)
        await asyncio.wait_for(running, 5)
        return stalled_at, can_read, bytes(chr.written)

    stalled_at, can_read, written = asyncio.run(main())
    assert stalled_at < 4096 + 200 and can_read == 0
    messages = [json.loads(line) for line in written.split(b"\r\n") if line]
    ids = [m["id"] for m in messages if "id" in m]
    assert ids == list(range(total))


def test_a_burst_larger_than_the_backlog_is_answered_in_full(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The corked replies of a long run hit the limit, are written, and the run goes on."""
    from qmonitor.monitor import qmp

    monkeypatch.setattr(qmp, "REPLY_BACKLOG_LIMIT", 4096)
    total = 3000
    chr = run(b"".join(b'{"execute":"query-status","id":%d}' % i for i in range(total)))
    assert [m["id"] for m in chr.messages() if "id" in m] == list(range(total))


def test_long_runs_of_queries_lose_nothing() -> None:
    """Runs longer than one hold of the big lock (PLAIN_BURST_MAX) go on where they stopped."""
    from qmonitor.monitor.qmp import PLAIN_BURST_MAX

    total = 3 * PLAIN_BURST_MAX + 7
    requests = b"".join(b'{"execute":"query-status","id":%d}' % i for i in range(total))
    chr = run(requests + b'{"execute":"query-name","id":"last"}')
    ids = [m["id"] for m in chr.messages() if "id" in m]
    assert ids == [*range(total), "last"]


def test_events_raised_in_a_run_of_queries_keep_their_place() -> None:
    """A query that raises an event: the event comes after the replies before it."""

    def setup(machine: Machine, chr: CountingChardev) -> None:
        def emit() -> None:
            machine.emit_event("X_QUERY_EVENT", {"n": 1})

        machine.commands.full.register(QmpCommand("x-emit", emit, any_thread=True))

    chr = run(
        b'{"execute":"query-status","id":1}{"execute":"x-emit","id":2}'
        b'{"execute":"query-status","id":3}{"execute":"x-emit","id":4}',
        setup=setup,
    )
    assert ids(chr)[:6] == [1, "X_QUERY_EVENT", 2, 3, "X_QUERY_EVENT", 4]


def test_a_run_read_by_the_short_road_answers_as_requests_one_by_one() -> None:
    """Requests after the first of a run are read without building them; the
    replies must still be those of the same requests sent one at a time,
    whatever comes in the middle (unknown or not plain commands, odd ids)."""

    def setup(machine: Machine, chr: CountingChardev) -> None:
        def fail() -> None:
            from qmonitor.qapi.error import QapiError

            raise QapiError("failed here")

        machine.commands.full.register(QmpCommand("x-fail", fail, any_thread=True))

    requests = [
        b'{"execute":"query-status","id":1}',
        b'{"execute":"query-name","id":-123456789012345678}',
        b'{"execute":"x-nope","id":"a b"}',
        b'{"execute":"x-fail","id":"f"}',
        b'{"execute":"x-fail","id":0}',
        b' { "execute" : "query-status" } ',
        b'{"execute":"stop","id":2}',
        b'{"execute":"query-status","id":"s"}',
        b'{"execute":"cont","id":1.5}',
        b'{"execute":"query-status","id":[1]}',
        b'{"execute":"x-fail"}',
    ]
    together = run(b"".join(requests), setup=setup)
    apart = run(*requests, setup=setup, settle=0.8)

    def replies(chr: CountingChardev) -> list[bytes]:
        lines = b"".join(chr.calls).split(b"\r\n")
        return [line for line in lines if line and b'"event"' not in line]

    assert replies(together) == replies(apart)
    assert len(replies(together)) == len(requests)
