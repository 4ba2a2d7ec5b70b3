"""The early greeter: QMP sockets greet before the machine is built, and nothing else changes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qmonitor.chardev.socket import SocketChardev
from qmonitor.system.early import EarlyGreeter, early_plan, greeting_bytes
from qmonitor_testsupport import procs

QMP = "unix:{},server=on,wait=off"


@pytest.mark.parametrize(
    ("args", "paths"),
    [
        (["-M", "none", "-display", "none", "-nodefaults", "-qmp", QMP.format("/t/a")], ["/t/a"]),
        (
            [
                "-S",
                "-machine",
                "pc",
                "-qmp",
                QMP.format("a"),
                "-display",
                "none",
                "-qmp",
                QMP.format("b"),
            ],
            ["a", "b"],
        ),
        # Without -display none QEMU starts GTK, which may fail once the machine is made.
        (["-M", "none", "-nodefaults", "-qmp", QMP.format("a")], None),
        (["-M", "none"], None),  # no QMP socket: nothing to greet on
        (["-M", "none", "-qmp", "unix:a,server=on,wait=on"], None),  # waits for its client
        (["-M", "none", "-qmp", "unix:a,server=on,wait=off,nodelay"], None),
        (["-M", "none", "-qmp", "unix:a,b,server=on,wait=off"], None),  # ",," and friends
        (["-M", "isapc", "-qmp", QMP.format("a")], None),
        (["-qmp", QMP.format("a"), "-qmp", QMP.format("a")], None),  # the parser's error
        (["-qmp", QMP.format("a"), "-monitor", "stdio"], None),
        (["-qmp", QMP.format("a"), "-persona", "x"], None),  # another version
        (["-qmp", QMP.format("a"), "-qmp-pretty", QMP.format("b")], None),
        (["-qmp", QMP.format("a"), "-display"], None),
        (["-qmp", QMP.format("a"), "-S", "-h"], None),
        (["-qmp", QMP.format("a"), "-daemonize"], None),
        (["-qmp", "tcp:127.0.0.1:4444,server=on,wait=off"], None),
    ],
)
def test_only_plain_command_lines(args: list[str], paths: list[str] | None) -> None:
    plan = early_plan(args)
    assert (plan.paths if plan is not None else None) == paths


@pytest.mark.parametrize(
    ("extra", "version", "package"),
    [
        (["-qmonitor-version", "9.1.02"], (9, 1, 2), "qmonitor 0.1.0"),
        (["-qmonitor-package", 'Debian "1:7.2"'], (7, 2, 0), 'Debian "1:7.2"'),
        (["-qmonitor-version", "8.0.0", "-qmonitor-version", "8.1.0"], (8, 1, 0), None),
        (["-qmonitor-version", "8.0"], None, None),  # the parser's error
        (["-qmonitor-version", "8.0.x"], None, None),
        (["-qmonitor-version", "\uff18.0.0"], None, None),  # not an ASCII digit
        (["-qmonitor-package", "caf\u00e9"], None, None),  # escaped by the encoder: left to it
        (["-qmonitor-package", "a\tb"], None, None),
    ],
)
def test_version_and_package(
    extra: list[str], version: tuple[int, int, int] | None, package: str | None
) -> None:
    plan = early_plan(["-qmp", QMP.format("a"), "-display", "none", *extra])
    if version is None:
        assert plan is None
        return
    assert plan is not None and plan.version == version
    if package is not None:
        assert plan.package == package


def _chardev_with_early_client(
    tmp_path: Path, greeted: bytes
) -> tuple[SocketChardev, socket.socket, socket.socket]:
    path = str(tmp_path / "s")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(path)
    conn, _ = listener.accept()
    chr = SocketChardev(
        "qmp", path=path, listener=listener, conn=conn, greeted=greeted, server=True, wait=False
    )
    return chr, client, listener


def _recv_all(sock: socket.socket) -> bytes:
    sock.settimeout(5)
    data = b""
    sock.setblocking(False)
    try:
        while chunk := sock.recv(4096):
            data += chunk
    except BlockingIOError:
        pass
    return data


def test_chardev_drops_what_was_greeted(tmp_path: Path) -> None:
    chr, client, _ = _chardev_with_early_client(tmp_path, b"GREET\r\n")
    try:
        assert chr.be_open
        assert chr._send(chr._wfd or 0, b"GRE") == 3  # a part of it
        assert chr._send(chr._wfd or 0, b"ET\r\n{}\r\n") == 8  # the rest, then more
        assert chr._send(chr._wfd or 0, b"GREET\r\n") == 7  # no longer dropped
        assert _recv_all(client) == b"{}\r\nGREET\r\n"
    finally:
        chr.close()
        client.close()


def test_chardev_sends_output_that_is_not_the_greeting(tmp_path: Path) -> None:
    chr, client, _ = _chardev_with_early_client(tmp_path, b"GREET\r\n")
    try:
        assert chr._send(chr._wfd or 0, b"OTHER\r\n") == 7
        assert _recv_all(client) == b"OTHER\r\n"
    finally:
        chr.close()
        client.close()


def test_greeter_greets_one_client_per_socket(tmp_path: Path) -> None:
    paths = [str(tmp_path / "a"), str(tmp_path / "b")]
    greeter = EarlyGreeter(paths)
    greeter.start()
    clients = []
    try:
        for path in paths:
            assert os.stat(path).st_mode & 0o777 == 0o600
            client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            client.connect(path)
            client.settimeout(10)
            clients.append(client)
            assert client.recv(4096) == greeting_bytes()
        # A second client waits in the backlog, as on QEMU's chardev.
        late = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        late.connect(paths[0])
        late.settimeout(0.2)
        clients.append(late)
        with pytest.raises(TimeoutError):
            late.recv(1)
        greeter.stop()
        taken = greeter.take(paths[0])
        assert taken is not None and taken.conn is not None
        taken.conn.close()
        taken.listener.close()
    finally:
        greeter.abandon()
        for client in clients:
            client.close()
    assert not os.path.exists(paths[1])  # abandoned: removed


def _start(
    tmp_path: Path, *extra: str, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], Path]:
    sock = tmp_path / "qmp.sock"
    argv = [*procs.qmonitor_cmd(), *procs.BASE_ARGS, *extra, "-qmp", QMP.format(sock)]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    return proc, sock


def _connect(proc: subprocess.Popen[bytes], sock: Path) -> socket.socket:
    end = time.monotonic() + 60
    while time.monotonic() < end:
        assert proc.poll() is None
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            client.connect(str(sock))
        except (FileNotFoundError, ConnectionRefusedError):
            client.close()
            time.sleep(0.005)
            continue
        client.settimeout(60)
        return client
    raise AssertionError("no socket")


def _read_lines(client: socket.socket, count: int) -> list[bytes]:
    data = b""
    while data.count(b"\r\n") < count:
        chunk = client.recv(65536)
        if not chunk:
            break
        data += chunk
    return data.split(b"\r\n")[:-1]


def _stop(proc: subprocess.Popen[bytes]) -> bytes:
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    return err


def test_requests_sent_at_once_are_answered_after_one_greeting(tmp_path: Path) -> None:
    proc, sock = _start(tmp_path, "-S")
    try:
        first = _connect(proc, sock)
        first.sendall(b'{"execute": "qmp_capabilities"}{"execute": "query-status"}')
        lines = _read_lines(first, 3)
        assert lines[0] == greeting_bytes().rstrip(b"\r\n")
        assert lines[1:] == [
            b'{"return": {}}',
            b'{"return": {"status": "prelaunch", "singlestep": false, "running": false}}',
        ]
        first.close()
        # The next client is the chardev's: its own greeting, a fresh session.
        second = _connect(proc, sock)
        second.sendall(b'{"execute": "query-status"}')
        lines = _read_lines(second, 2)
        assert lines[0] == greeting_bytes().rstrip(b"\r\n")
        assert b"CommandNotFound" in lines[1]
        second.close()
    finally:
        err = _stop(proc)
    assert proc.returncode == 0
    assert b"terminating on signal 15" in err
    assert not sock.exists()  # removed at exit as the chardev removes it


def test_early_client_gone_before_start_up_ends(tmp_path: Path) -> None:
    proc, sock = _start(tmp_path)
    try:
        gone = _connect(proc, sock)
        assert _read_lines(gone, 1)[0].startswith(b'{"QMP"')
        gone.close()
        client = _connect(proc, sock)
        client.sendall(b'{"execute": "qmp_capabilities"}')
        assert _read_lines(client, 2)[1] == b'{"return": {}}'
        client.close()
    finally:
        _stop(proc)


def test_turned_off_by_the_environment(tmp_path: Path) -> None:
    script = (
        "import os, sys; os.environ['QMONITOR_NO_EARLY_GREETER'] = '1'\n"
        "from qmonitor.system.early import start_early_greeter\n"
        "sys.exit(start_early_greeter(['-display', 'none', "
        f"'-qmp', {QMP.format(tmp_path / 's')!r}]) is not None)"
    )
    assert subprocess.run([sys.executable, "-c", script], check=False).returncode == 0
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize(
    "extra",
    [[], ["-qmonitor-version", "7.2.22", "-qmonitor-package", 'Debian 1:7.2+dfsg-7 \\"x\\"']],
)
def test_early_greeting_is_the_monitors(tmp_path: Path, extra: list[str]) -> None:
    # Without the early greeter the monitor greets: the same bytes.
    proc, sock = _start(tmp_path, *extra, env={**os.environ, "QMONITOR_NO_EARLY_GREETER": "1"})
    try:
        client = _connect(proc, sock)
        client.sendall(b'{"execute": "qmp_capabilities"}')
        lines = _read_lines(client, 2)
        client.close()
    finally:
        _stop(proc)
    plan = early_plan([*procs.BASE_ARGS, *extra, "-qmp", QMP.format(sock)])
    assert plan is not None
    assert lines == [greeting_bytes(plan.version, plan.package).rstrip(b"\r\n"), b'{"return": {}}']


def test_nothing_heavy_before_the_greeting() -> None:
    # What `python -m qmonitor` has loaded when the early greeter starts.
    script = "import sys, qmonitor.cli, qmonitor.system.early\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-I", "-c", script], check=True, capture_output=True, text=True
    ).stdout.split()
    heavy = ("asyncio", "typing", "logging", "dataclasses", "json", "ssl", "qmonitor.options")
    assert [m for m in out if m.startswith(heavy)] == []
    assert [m for m in out if m.startswith("qmonitor")] == [
        "qmonitor",
        "qmonitor.cli",
        "qmonitor.system",
        "qmonitor.system.early",
        "qmonitor.util",
        "qmonitor.util.unixsock",
        "qmonitor.version",
    ]
