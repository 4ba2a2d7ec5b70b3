"""``-chardev socket,fd=N`` as libvirt uses it, in a qmonitor process and in QEMU.

The same steps run against both (QEMU's tests skip when it is not
installed): an inherited listening socket serves clients one after the
other with a greeting each, an inherited connected socket is the
connection, bad descriptors get QEMU's texts, and the socket files are
unlinked at exit as QEMU unlinks them.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qmonitor_testsupport.procs import BASE_ARGS, QEMU, qmonitor_cmd

PROGRAMS = [
    pytest.param("qmonitor", id="qmonitor"),
    pytest.param(
        "qemu", id="qemu", marks=pytest.mark.skipif(QEMU is None, reason="QEMU not installed")
    ),
]


def command(program: str) -> list[str]:
    if program == "qemu":
        assert QEMU is not None
        return [QEMU, *BASE_ARGS]
    return [*qmonitor_cmd(), *BASE_ARGS]


def prog_name(program: str) -> str:
    return "qemu-system-x86_64" if program == "qemu" else "qmonitor"


class Client:
    """A blocking QMP client on a connected socket."""

    def __init__(self, sock: socket.socket) -> None:
        sock.settimeout(10)
        self.sock = sock
        self.buf = b""

    def line(self) -> dict[str, Any]:
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise EOFError
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        result: dict[str, Any] = json.loads(line)
        return result

    def cmd(self, name: str, **args: Any) -> Any:
        msg: dict[str, Any] = {"execute": name}
        if args:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode())
        while True:
            reply = self.line()
            if "event" not in reply:
                return reply.get("return", reply)

    def negotiate(self) -> None:
        assert "QMP" in self.line()
        assert self.cmd("qmp_capabilities") == {}

    def close(self) -> None:
        self.sock.close()


def unix_client(path: Path, timeout: float = 30) -> Client:
    """Connect, waiting (bounded) for the server: its socket file appears at
    bind, a moment before it listens, and a loaded machine stretches that."""
    end = time.monotonic() + timeout
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        try:
            s.connect(str(path))
            return Client(s)
        except (FileNotFoundError, ConnectionRefusedError):
            s.close()
            if time.monotonic() > end:
                raise
            time.sleep(0.01)


def wait_exit(proc: subprocess.Popen[bytes]) -> None:
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
        raise


def filenames(client: Client) -> dict[str, str]:
    return {c["label"]: c["filename"] for c in client.cmd("query-chardev")}


@pytest.fixture
def listening(tmp_path: Path) -> Iterator[tuple[socket.socket, Path]]:
    """A bound, listening unix socket as libvirt would pass it."""
    path = tmp_path / "mon.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    sock.listen(1)
    yield sock, path
    sock.close()


@pytest.mark.parametrize("program", PROGRAMS)
def test_inherited_listening_socket(
    program: str, listening: tuple[socket.socket, Path], tmp_path: Path
) -> None:
    sock, path = listening
    fd = sock.fileno()
    args = [
        *command(program),
        "-chardev",
        f"socket,id=charmonitor,fd={fd},server=on,wait=off",
        "-mon",
        "chardev=charmonitor,id=monitor,mode=control",
    ]
    proc = subprocess.Popen(args, pass_fds=[fd], stderr=subprocess.PIPE)
    try:
        first = unix_client(path)
        first.negotiate()
        assert first.cmd("query-status")["status"] == "running"
        assert filenames(first)["charmonitor"] == f"unix:{path},server=on"
        first.close()
        # The next client is served as by a socket the program created.
        second = unix_client(path)
        second.negotiate()
        assert second.cmd("query-name") == {}
        second.cmd("quit")
        second.close()
        wait_exit(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        assert proc.stderr is not None
        proc.stderr.close()
    assert proc.returncode == 0
    # Unlinked at exit, though the program did not create it.
    assert not path.exists()


@pytest.mark.parametrize("program", PROGRAMS)
def test_inherited_tcp_listener_shows_its_address(program: str, tmp_path: Path) -> None:
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(1)
    port = tcp.getsockname()[1]
    qmp = tmp_path / "qmp.sock"
    args = [
        *command(program),
        "-chardev",
        f"socket,id=c,fd={tcp.fileno()},server=on,wait=off",
        "-mon",
        "chardev=c,mode=control",
        "-qmp",
        f"unix:{qmp},server=on,wait=off",
    ]
    proc = subprocess.Popen(args, pass_fds=[tcp.fileno()], stderr=subprocess.PIPE)
    tcp.close()
    try:
        for _ in range(1000):
            if qmp.exists():
                break
            time.sleep(0.01)
        client = unix_client(qmp)
        client.negotiate()
        assert filenames(client)["c"] == f"disconnected:tcp:127.0.0.1:{port},server=on"
        over_tcp = Client(socket.create_connection(("127.0.0.1", port), timeout=10))
        over_tcp.negotiate()
        local = over_tcp.sock.getsockname()
        assert filenames(client)["c"] == (
            f"tcp:127.0.0.1:{port},server=on <-> 127.0.0.1:{local[1]}"
        )
        over_tcp.close()
        client.cmd("quit")
        client.close()
        wait_exit(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        assert proc.stderr is not None
        proc.stderr.close()


@pytest.mark.parametrize("program", PROGRAMS)
def test_inherited_connected_socket(program: str, tmp_path: Path) -> None:
    mine, theirs = socket.socketpair()
    qmp = tmp_path / "qmp.sock"
    args = [
        *command(program),
        "-chardev",
        f"socket,id=c,fd={theirs.fileno()}",
        "-mon",
        "chardev=c,mode=control",
        "-qmp",
        f"unix:{qmp},server=on,wait=off",
    ]
    proc = subprocess.Popen(args, pass_fds=[theirs.fileno()], stderr=subprocess.PIPE)
    theirs.close()
    try:
        direct = Client(mine)
        direct.negotiate()
        assert filenames(direct)["c"] == "unix:"
        direct.close()
        other = unix_client(qmp)
        other.negotiate()
        for _ in range(500):
            if filenames(other)["c"] != "unix:":
                break
            time.sleep(0.01)
        fd_name = args[args.index("-chardev") + 1].split("fd=")[1]
        assert filenames(other)["c"] == f"disconnected:fd:{fd_name}"
        other.cmd("quit")
        other.close()
        wait_exit(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        assert proc.stderr is not None
        proc.stderr.close()


@pytest.mark.parametrize("program", PROGRAMS)
def test_bad_descriptors(program: str, tmp_path: Path) -> None:
    regular = os.open(tmp_path / "file", os.O_RDWR | os.O_CREAT)
    pair = socket.socketpair()
    try:
        cases = [
            ("fd=99,server=on,wait=off", [], "File descriptor '99' is not a socket"),
            ("fd=+99", [], "File descriptor '+99' is not a socket"),
            (
                f"fd={regular},server=on,wait=off",
                [regular],
                f"File descriptor '{regular}' is not a socket",
            ),
            (
                f"fd={pair[0].fileno()},server=on,wait=off",
                [pair[0].fileno()],
                "Failed to listen on fd socket: Invalid argument",
            ),
            ("fd=abc,server=on,wait=off", [], "Unable to parse FD number abc"),
        ]
        for spec, fds, message in cases:
            opt = f"socket,id=c,{spec}"
            out = subprocess.run(
                [*command(program), "-chardev", opt, "-mon", "chardev=c,mode=control"],
                pass_fds=fds,
                capture_output=True,
                timeout=30,
            )
            assert out.returncode == 1
            assert out.stderr.decode() == f"{prog_name(program)}: -chardev {opt}: {message}\n"
    finally:
        os.close(regular)
        for s in pair:
            s.close()


@pytest.mark.parametrize("program", PROGRAMS)
def test_socket_file_unlinked_at_quit_kept_on_startup_error(program: str, tmp_path: Path) -> None:
    path = tmp_path / "q.sock"
    qmp = ["-qmp", f"unix:{path},server=on,wait=off"]
    proc = subprocess.Popen([*command(program), *qmp], stderr=subprocess.PIPE)
    try:
        for _ in range(1000):
            if path.exists():
                break
            time.sleep(0.01)
        client = unix_client(path)
        client.negotiate()
        client.cmd("quit")
        client.close()
        wait_exit(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        assert proc.stderr is not None
        proc.stderr.close()
    assert not path.exists()
    # A later chardev fails to open: the program exit()s, the file stays.
    bad = f"socket,id=bad,path={tmp_path / 'none' / 'x.sock'},server=on,wait=off"
    out = subprocess.run(
        [*command(program), *qmp, "-chardev", bad], capture_output=True, timeout=30
    )
    assert out.returncode == 1
    assert path.exists()


@pytest.mark.parametrize("program", PROGRAMS)
def test_signal_while_waiting_for_the_first_client(program: str, tmp_path: Path) -> None:
    """``wait=on``: SIGTERM before any client ends the process at once (as
    the signal's default action), leaving the socket file."""
    path = tmp_path / "w.sock"
    opt = f"socket,id=c,path={path},server=on"
    proc = subprocess.Popen(
        [*command(program), "-chardev", opt, "-mon", "chardev=c,mode=control"],
        stderr=subprocess.PIPE,
    )
    try:
        assert proc.stderr is not None
        notice = proc.stderr.readline().decode()
        assert notice == (
            f"{prog_name(program)}: -chardev {opt}: info: "
            f"QEMU waiting for connection on: disconnected:unix:{path},server=on\n"
        )
        proc.terminate()
        assert proc.wait(15) == -15
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        assert proc.stderr is not None
        proc.stderr.close()
    assert path.exists()
