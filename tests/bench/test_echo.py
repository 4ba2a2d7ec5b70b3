"""bench/echo.c, the C fixed-reply server that gives the bench its limit row.

It must take the bench's command line, greet like QEMU and answer each line
once, however the lines are split; loadgen must count its replies.  No
timing assertions; skipped when no C compiler is installed.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CC = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")

pytestmark = pytest.mark.skipif(CC is None, reason="no C compiler")


def _build(tmp: Path, name: str) -> Path:
    exe = tmp / name
    assert CC is not None
    subprocess.run(
        [
            CC,
            "-O2",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-o",
            str(exe),
            str(ROOT / "bench" / f"{name}.c"),
        ],
        check=True,
        timeout=120,
    )
    return exe


@pytest.fixture(scope="module")
def binaries(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("echo")
    return {name: _build(tmp, name) for name in ("echo", "loadgen")}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def echo(binaries: dict[str, Path], tmp_path: Path) -> Iterator[tuple[list[Path], int]]:
    socks = [tmp_path / "a.sock", tmp_path / "b.sock"]
    port = _free_port()
    argv = [str(binaries["echo"]), "-M", "none", "-display", "none", "-nodefaults"]
    for sock in socks:
        argv += ["-qmp", f"unix:{sock},server=on,wait=off"]
    argv += ["-qmp", f"tcp:127.0.0.1:{port},server=on,wait=off"]
    proc = subprocess.Popen(argv, stderr=subprocess.PIPE)
    try:
        for _ in range(500):
            if all(s.exists() for s in socks) or proc.poll() is not None:
                break
            time.sleep(0.01)
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        yield socks, port
    finally:
        proc.kill()
        proc.wait(10)


def _lines(sock: socket.socket, n: int) -> list[bytes]:
    data = b""
    sock.settimeout(10)
    while data.count(b"\r\n") < n:
        chunk = sock.recv(65536)
        assert chunk, "closed early"
        data += chunk
    return data.split(b"\r\n")[:n]


def test_greets_and_answers_each_line_once(echo: tuple[list[Path], int]) -> None:
    socks, _ = echo
    with socket.socket(socket.AF_UNIX) as c:
        c.connect(str(socks[1]))
        (greeting,) = _lines(c, 1)
        assert json.loads(greeting)["QMP"]["capabilities"] == ["oob"]
        c.sendall(b'{"execute":')  # half a line: no answer yet
        c.sendall(b'"qmp_capabilities"}\n{"execute":"a"}\n{"exec')
        replies = _lines(c, 2)
        assert all(json.loads(r)["return"]["status"] == "running" for r in replies)
        c.sendall(b'ute":"b"}\n')
        assert len(_lines(c, 1)) == 1
        c.setblocking(False)
        with pytest.raises(BlockingIOError):
            c.recv(1)  # exactly one reply per line


def test_loadgen_counts_its_replies(
    binaries: dict[str, Path], echo: tuple[list[Path], int]
) -> None:
    socks, port = echo

    def loadgen(*args: str) -> dict[str, Any]:
        res = subprocess.run(
            [str(binaries["loadgen"]), "-t", "20", *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert res.returncode == 0, res.stderr
        out: dict[str, Any] = json.loads(res.stdout)
        return out

    assert loadgen("-n", "200", "seq", str(socks[0]))["ops"] == 200
    assert loadgen("-n", "2000", "-k", "64", "pipe", f"127.0.0.1:{port}")["ops"] == 2000
    assert loadgen("-o", "-n", "500", "-k", "64", "pipe", str(socks[0]))["ops"] == 500
    both = loadgen("-n", "300", "clients", *map(str, socks))
    assert both["ops"] == 300 and both["connections"] == 2


def test_version_and_bad_addresses(binaries: dict[str, Path], tmp_path: Path) -> None:
    exe = str(binaries["echo"])
    out = subprocess.run([exe, "-version"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 0 and out.stdout.strip()
    for argv in ([], ["-qmp", "vc:x"], ["-qmp", "unix:" + "x" * 200]):
        res = subprocess.run([exe, *argv], capture_output=True, text=True, timeout=10)
        assert res.returncode == 1 and res.stderr.startswith("echo: ")
