"""The multi-client listener (``x-qmonitor-multi=on``) in a qmonitor process.

Every client gets a monitor of its own, as if each had its own ``-qmp``
socket: its own greeting and negotiation, the events of its own monitor.
A thousand clients at once negotiate and query; once they have all gone
the process holds no more descriptors or threads than before and serves
the next client normally.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import selectors
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from pki import OPENSSL, make_pki
from qemu.qmp import QMPClient

from qmonitor import CodeFirstSchema, MonitorServer
from qmonitor_testsupport.procs import BASE_ARGS, qmonitor_cmd

#: How long a whole run of clients may take before the test gives up.
DEADLINE = 120.0


def fd_count(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/fd").iterdir()))


def thread_count(pid: int) -> int:
    return len(list(Path(f"/proc/{pid}/task").iterdir()))


def steady(pid: int) -> tuple[int, int]:
    """fds and threads once the server has noticed earlier clients leave.

    The counts must stay the same for a few readings in a row (bounded).
    """
    last, same = (-1, -1), 0
    for _ in range(200):
        now = (fd_count(pid), thread_count(pid))
        same = same + 1 if now == last else 0
        if same == 5:
            break
        last = now
        time.sleep(0.02)
    return last


def settled(pid: int, fds: int, threads: int) -> bool:
    """Give the server a moment to notice the last hang-ups (bounded)."""
    for _ in range(500):
        if fd_count(pid) == fds and thread_count(pid) == threads:
            return True
        time.sleep(0.02)
    return False


def usual_nofile_limit() -> None:
    """Start the server with the usual soft limit of 1024 descriptors: a
    multi-client listener raises it to the hard limit itself."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard == resource.RLIM_INFINITY or hard > 1024:
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))


@contextmanager
def multi_server(
    tmp_path: Path, chardev_extra: str = "", mon_extra: str = "", extra: Sequence[str] = ()
) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    path = tmp_path / "multi.sock"
    chardev = f"socket,id=m,path={path},server=on,wait=off,x-qmonitor-multi=on{chardev_extra}"
    args = [*qmonitor_cmd(), *BASE_ARGS, "-chardev", chardev, "-mon", f"chardev=m{mon_extra}"]
    proc = subprocess.Popen(
        [*args, *extra],
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=usual_nofile_limit,
    )
    try:
        end = time.monotonic() + 20
        while not path.exists():
            if proc.poll() is not None or time.monotonic() > end:
                raise RuntimeError("qmonitor did not start")
            time.sleep(0.01)
        yield proc, path
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        assert proc.stderr is not None
        proc.stderr.close()


def connect_listening(sock: socket.socket, path: Path, pause: float = 0.01) -> None:
    """Connect, trying again while the server cannot take the connection yet.

    Refused: the socket file exists from bind() on and listen() follows (as
    in QEMU), so a client that connects as soon as it sees the file may come
    in between.  EAGAIN: the listen backlog of a unix socket is full.
    """
    end = time.monotonic() + DEADLINE
    while True:
        try:
            sock.connect(str(path))
            return
        except (ConnectionRefusedError, BlockingIOError):
            if time.monotonic() > end:
                raise
            time.sleep(pause)


class Client:
    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        connect_listening(self.sock, path)
        self.buf = b""

    def raw_line(self) -> bytes:
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise EOFError
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def line(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.raw_line())
        return result

    def send(self, msg: dict[str, Any]) -> None:
        self.sock.sendall(json.dumps(msg).encode())

    def negotiate(self) -> None:
        assert "QMP" in self.line()
        self.send({"execute": "qmp_capabilities"})
        assert self.line() == {"return": {}}

    def close(self) -> None:
        self.sock.close()


def read_until(client: Client, want: str) -> dict[str, Any]:
    """The next message with ``want`` (``return``, ``event``, ...), skipping others."""
    for _ in range(20):
        msg = client.line()
        if want in msg:
            return msg
    raise AssertionError(f"no {want}")


def test_each_client_has_a_monitor_of_its_own(tmp_path: Path) -> None:
    with multi_server(tmp_path, mon_extra=",mode=control") as (proc, path):
        a, b, silent = Client(path), Client(path), Client(path)
        a.negotiate()
        b.negotiate()
        assert "QMP" in silent.line()  # greeted, never negotiates
        # Negotiation is per client: the silent one is still in it.
        silent.send({"execute": "query-status", "id": 1})
        reply = silent.line()
        assert reply["error"]["class"] == "CommandNotFound" and reply["id"] == 1
        # Events go to every negotiated client's monitor.
        a.send({"execute": "stop", "id": "a"})
        got_a = [a.line(), a.line()]
        assert {"return": {}, "id": "a"} in got_a
        assert any(m.get("event") == "STOP" for m in got_a)
        assert read_until(b, "event")["event"] == "STOP"
        # One client leaving leaves the others be.
        b.close()
        a.send({"execute": "cont", "id": 2})
        assert read_until(a, "return") == {"return": {}, "id": 2}
        silent.send({"execute": "qmp_capabilities"})
        assert silent.line() == {"return": {}}
        silent.send({"execute": "query-status", "id": 3})
        assert read_until(silent, "return")["return"]["status"] == "running"
        a.close()
        silent.close()
        assert proc.poll() is None


def test_pretty_and_hmp_per_client(tmp_path: Path) -> None:
    with multi_server(tmp_path, mon_extra=",mode=control,pretty=on") as (_proc, path):
        one, two = Client(path), Client(path)
        for c in (one, two):
            assert c.raw_line() == b"{"  # the pretty greeting, each its own
            c.close()
    hmp_dir = tmp_path / "hmp"
    hmp_dir.mkdir()
    with multi_server(hmp_dir, mon_extra=",mode=readline") as (_proc, path):
        clients = [Client(path), Client(path)]
        for c in clients:
            assert c.raw_line().startswith(b"QEMU 7.2.0 monitor")
            c.sock.sendall(b"info status\r")
            seen = b""
            while b"VM status: running" not in seen:
                seen += c.sock.recv(4096)
        for c in clients:
            c.close()


def test_max_clients_makes_the_next_wait(tmp_path: Path) -> None:
    with multi_server(tmp_path, ",x-qmonitor-max-clients=2", ",mode=control") as (_proc, path):
        first, second = Client(path), Client(path)
        first.negotiate()
        second.negotiate()
        third = Client(path)  # connected (the backlog), not served
        third.sock.settimeout(0.3)
        with pytest.raises(TimeoutError):
            third.sock.recv(1)
        first.close()
        third.sock.settimeout(10)
        third.negotiate()
        second.close()
        third.close()


@pytest.mark.skipif(OPENSSL is None, reason="no openssl command")
def test_tls_clients_each_with_a_monitor(tmp_path: Path) -> None:
    pki = make_pki(tmp_path / "pki")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    tls = f"tls-creds-x509,id=tls0,dir={pki},endpoint=server,verify-peer=on"
    chardev = f"socket,id=m,host=127.0.0.1,port={port},server=on,wait=off,tls-creds=tls0"
    args = [
        *qmonitor_cmd(),
        *BASE_ARGS,
        "-object",
        tls,
        "-chardev",
        chardev + ",x-qmonitor-multi=on",
    ]
    ctx = ssl.create_default_context(cafile=str(pki / "ca-cert.pem"))
    ctx.load_cert_chain(pki / "client-cert.pem", pki / "client-key.pem")
    proc = subprocess.Popen([*args, "-mon", "m,mode=control"], stderr=subprocess.PIPE)
    try:
        end = time.monotonic() + 20
        while True:
            with open("/proc/net/tcp") as f:
                if any(f":{port:04X} 00000000:0000 0A" in line for line in f):
                    break
            assert proc.poll() is None and time.monotonic() < end
            time.sleep(0.02)
        sessions = []
        for _ in range(3):  # all at once, each its own TLS session and monitor
            raw = socket.create_connection(("127.0.0.1", port), timeout=10)
            sessions.append(ctx.wrap_socket(raw, server_hostname="127.0.0.1"))
        for i, s in enumerate(sessions):
            buf = b""
            s.sendall(
                b'{"execute":"qmp_capabilities"}' + f'{{"execute":"query-name","id":{i}}}'.encode()
            )
            while buf.count(b"\r\n") < 3:
                buf += s.recv(4096)
            greeting, negotiated, reply = buf.split(b"\r\n")[:3]
            assert greeting.startswith(b'{"QMP": ') and negotiated == b'{"return": {}}'
            assert reply == f'{{"return": {{}}, "id": {i}}}'.encode()
        for s in sessions:
            s.close()
    finally:
        proc.terminate()
        proc.wait(10)
        assert proc.stderr is not None
        proc.stderr.close()


def test_peer_uid_applies_to_every_client(tmp_path: Path) -> None:
    other = f",x-qmonitor-peer-uid={os.getuid() + 1}"
    with multi_server(tmp_path, other, ",mode=control") as (_proc, path):
        for _ in range(3):
            c = Client(path)
            with pytest.raises(EOFError):
                c.line()
            c.close()
    mine = tmp_path / "mine"
    mine.mkdir()
    with multi_server(mine, f",x-qmonitor-peer-uid={os.getuid()}", ",mode=control") as (_p, path):
        clients = [Client(path) for _ in range(3)]
        for c in clients:
            c.negotiate()
            c.close()


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (",x-qmonitor-multi=maybe", "Parameter 'x-qmonitor-multi' expects 'on' or 'off'"),
        (",x-qmonitor-max-clients=0", "x-qmonitor-max-clients: '0' is not a positive number"),
        (
            ",x-qmonitor-multi=off,x-qmonitor-max-clients=3",
            "x-qmonitor-max-clients needs x-qmonitor-multi=on",
        ),
    ],
)
def test_bad_options(tmp_path: Path, option: str, message: str) -> None:
    chardev = f"socket,id=m,path={tmp_path / 'm.sock'},server=on,wait=off{option}"
    out = subprocess.run(
        [*qmonitor_cmd(), *BASE_ARGS, "-chardev", chardev, "-mon", "chardev=m,mode=control"],
        capture_output=True,
        timeout=30,
    )
    assert out.returncode == 1
    assert out.stderr.decode() == f"qmonitor: -chardev {chardev}: {message}\n"


def run_clients(path: Path, count: int) -> list[socket.socket]:
    """``count`` clients at once: each negotiates and asks query-status.

    One thread multiplexes them all; returns their sockets, still open,
    once every one has its three lines (greeting, negotiation, status).
    """
    sel = selectors.DefaultSelector()
    socks: list[socket.socket] = []
    lines: dict[int, list[bytes]] = {}
    bufs: dict[int, bytes] = {}
    try:
        for i in range(count):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(10)
            connect_listening(s, path, pause=0.001)
            s.sendall(
                b'{"execute":"qmp_capabilities"}'
                + f'{{"execute":"query-status","id":{i}}}'.encode()
            )
            s.setblocking(False)
            socks.append(s)
            lines[i], bufs[i] = [], b""
            sel.register(s, selectors.EVENT_READ, i)
        pending = count
        end = time.monotonic() + DEADLINE
        while pending and time.monotonic() < end:
            for key, _ in sel.select(1.0):
                i = key.data
                s = socks[i]
                try:
                    chunk = s.recv(65536)
                except BlockingIOError:
                    continue
                if not chunk:
                    raise AssertionError(f"client {i} lost its connection")
                bufs[i] += chunk
                while b"\r\n" in bufs[i]:
                    line, bufs[i] = bufs[i].split(b"\r\n", 1)
                    lines[i].append(line)
                if len(lines[i]) >= 3:
                    sel.unregister(s)
                    pending -= 1
        assert pending == 0, f"{pending} clients not served in time"
    finally:
        sel.close()
    for i in range(count):
        greeting, negotiated, status = lines[i][:3]
        assert greeting.startswith(b'{"QMP": ')
        assert negotiated == b'{"return": {}}'
        assert json.loads(status) == {
            "return": {"status": "running", "singlestep": False, "running": True},
            "id": i,
        }
    return socks


def session_works(path: Path) -> None:
    c = Client(path)
    try:
        c.negotiate()
        c.send({"execute": "query-status", "id": "x"})
        assert c.line()["id"] == "x"
    finally:
        c.close()


def ensure_nofile(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            pytest.skip(f"RLIMIT_NOFILE hard limit {hard} < {needed}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


@pytest.mark.parametrize("count", [1000, pytest.param(5000, marks=pytest.mark.slow)])
def test_a_thousand_clients_at_once(tmp_path: Path, count: int) -> None:
    ensure_nofile(count + 256)
    with multi_server(tmp_path, mon_extra=",mode=control") as (proc, path):
        session_works(path)  # the I/O thread is up: the baseline is steady
        fds, threads = steady(proc.pid)
        start = time.monotonic()
        socks = run_clients(path, count)
        served = time.monotonic() - start
        peak_fds = fd_count(proc.pid)
        for s in socks:
            s.close()
        now = (fd_count(proc.pid), thread_count(proc.pid))
        assert settled(proc.pid, fds, threads), f"fds, threads {now}, were {(fds, threads)}"
        print(
            f"\n{count} clients served in {served:.2f} s; fds {fds} -> peak {peak_fds} -> "
            f"{fd_count(proc.pid)}; threads {threads} -> {thread_count(proc.pid)}"
        )
        session_works(path)
        assert proc.poll() is None


def test_embedded_server(tmp_path: Path) -> None:
    """In a MonitorServer too: each qemu.qmp client has a monitor of its own,
    an event the embedder emits reaches every one, the file goes at stop."""
    api = CodeFirstSchema()

    @api.command()
    def lamp_count() -> int:
        return 1

    @api.event("LAMP_CHANGED")
    def lamp_changed(name: str) -> None: ...

    sock = tmp_path / "m.sock"
    chardev = f"socket,id=m,path={sock},server=on,wait=off,x-qmonitor-multi=on"
    server = MonitorServer(api, args=["-chardev", chardev, "-mon", "chardev=m,mode=control"])

    async def session() -> None:
        clients = []
        for _ in range(3):
            client = QMPClient("test")
            await client.connect(str(sock))
            clients.append(client)
        try:
            for client in clients:
                assert await client.execute("lamp-count") == 1
            with ExitStack() as stack:
                listeners = [stack.enter_context(c.listener()) for c in clients]
                server.emit("LAMP_CHANGED", name="desk")
                for listener in listeners:
                    event = await asyncio.wait_for(listener.get(), 10)
                    assert event["data"] == {"name": "desk"}
        finally:
            for client in clients:
                await client.disconnect()

    with server:
        asyncio.run(asyncio.wait_for(session(), 30))
        assert sock.exists()
    assert not sock.exists()
