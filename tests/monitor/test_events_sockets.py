"""Events over real unix sockets: a stalled client, a client that leaves mid-event.

A machine with the monitor I/O thread runs in this process, each QMP
monitor on a unix socket server in a temp dir; clients are non-blocking
sockets driven from the test's loop.  Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

from qmonitor.chardev.socket import SocketChardev
from qmonitor.machine.machine import Machine, MachineOptions
from qmonitor.machine.runstate import ShutdownCause
from qmonitor.monitor.qmp import MonitorQMP

WAIT = 5.0  # seconds: bound of every wait


class Client:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = bytearray()
        self.lines: list[bytes] = []

    @classmethod
    async def connect(cls, path: Path) -> Client:
        loop = asyncio.get_running_loop()
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.setblocking(False)
        await loop.sock_connect(s, str(path))
        c = cls(s)
        greeting = await c.line()
        assert greeting.startswith(b'{"QMP"')
        await loop.sock_sendall(s, b'{"execute":"qmp_capabilities"}')
        assert await c.line() == b'{"return": {}}'
        return c

    async def fill(self) -> None:
        loop = asyncio.get_running_loop()
        data = await asyncio.wait_for(loop.sock_recv(self.sock, 1 << 16), WAIT)
        assert data, "server closed the connection"
        self.buf += data
        *done, rest = self.buf.split(b"\r\n")
        self.lines += done
        self.buf = bytearray(rest)

    async def line(self) -> bytes:
        while not self.lines:
            await self.fill()
        return self.lines.pop(0)

    async def events(self, n: int) -> list[bytes]:
        while len(self.lines) < n:
            await self.fill()
        got, self.lines = self.lines[:n], self.lines[n:]
        return got

    def close(self) -> None:
        self.sock.close()


def fd_count() -> int:
    return len(os.listdir("/proc/self/fd"))


async def start(
    tmp: Path, n: int
) -> tuple[Machine, list[MonitorQMP], list[Path], asyncio.Future[object]]:
    machine = Machine(MachineOptions())
    paths = [tmp / f"m{i}.sock" for i in range(n)]
    mons = [
        machine.add_qmp_monitor(SocketChardev(f"m{i}", path=str(p), server=True, wait=False))
        for i, p in enumerate(paths)
    ]
    run = asyncio.ensure_future(machine.run())
    await asyncio.sleep(0.05)
    return machine, mons, paths, run


async def stop(machine: Machine, run: asyncio.Future[object]) -> None:
    machine.shutdown(ShutdownCause.HOST_SIGNAL)
    await asyncio.wait_for(run, WAIT)


PAYLOAD = "x" * 200


async def emit_until_dropping(machine: Machine, reader: Client, stalled: MonitorQMP) -> int:
    """Emit in rounds, the reader keeping up, until the stalled monitor drops events."""
    sent = 0
    for _ in range(400):  # bounded: 400 rounds of 50 events, ~12 MB at most
        for _ in range(50):
            machine.emit_event("MY_EVENT", {"seq": sent, "pad": PAYLOAD})
            sent += 1
        got = await reader.events(50)
        assert got[-1].endswith(b'"seq": %d}}' % (sent - 1))
        if stalled.events_dropped:
            break
    return sent


def test_stalled_client_is_bounded_and_costs_others_nothing(tmp_path: Path) -> None:
    async def main() -> None:
        machine, (m_stall, m_read), paths, run = await start(tmp_path, 2)
        m_stall.event_outbuf_limit = 64 * 1024
        stalled = await Client.connect(paths[0])
        reader = await Client.connect(paths[1])
        try:
            sent = await emit_until_dropping(machine, reader, m_stall)
            assert m_stall.events_dropped > 0, "the stalled client's buffer never filled"
            line_len = 300
            # Keep pouring: the buffer stays at the limit, the reader gets all.
            for _ in range(20):
                for _ in range(50):
                    machine.emit_event("MY_EVENT", {"seq": sent, "pad": PAYLOAD})
                    sent += 1
                await reader.events(50)
                with m_stall.mon_lock:
                    assert len(m_stall.outbuf) < m_stall.event_outbuf_limit + line_len
            assert m_read.events_dropped == 0
            # The stalled client may still talk: its reply is not dropped.
            loop = asyncio.get_running_loop()
            await loop.sock_sendall(stalled.sock, b'{"execute":"query-status","id":"late"}')
            deadline = loop.time() + WAIT
            while True:
                await stalled.fill()
                if any(b'"id": "late"' in line for line in stalled.lines):
                    break
                assert loop.time() < deadline
            received = [line for line in stalled.lines if line.startswith(b'{"timestamp"')]
            assert len(received) + m_stall.events_dropped == sent
        finally:
            stalled.close()
            reader.close()
            await stop(machine, run)

    asyncio.run(main())


def test_client_leaving_mid_event_then_next_client_is_served(tmp_path: Path) -> None:
    async def main() -> None:
        machine, (m_gone, _), paths, run = await start(tmp_path, 2)
        m_gone.event_outbuf_limit = 64 * 1024
        reader = await Client.connect(paths[1])
        fds = fd_count()
        for _round in range(3):
            leaver = await Client.connect(paths[0])
            await emit_until_dropping(machine, reader, m_gone)
            with m_gone.mon_lock:
                assert m_gone.outbuf and m_gone.out_watch  # a partial write pending
            leaver.close()
            # Events keep coming while the server notices the hang-up.
            for i in range(200):
                machine.emit_event("MY_EVENT", {"seq": i})
            await reader.events(200)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + WAIT
            while True:
                with m_gone.mon_lock:
                    if not m_gone.outbuf and not m_gone.out_watch:
                        break
                assert loop.time() < deadline, "output of the departed client was kept"
                await asyncio.sleep(0.01)
            # The same monitor serves the next client normally.
            nxt = await Client.connect(paths[0])
            machine.emit_event("AFTER", None)
            (line,) = await nxt.events(1)
            assert line.startswith(b'{"timestamp": ') and line.endswith(b'"event": "AFTER"}')
            (line,) = await reader.events(1)
            assert b'"AFTER"' in line
            nxt.close()
            await asyncio.sleep(0.05)
            m_gone.events_dropped = 0
        assert fd_count() == fds  # nothing leaked
        reader.close()
        await stop(machine, run)

    asyncio.run(main())
