"""The crossing storm: does a reply to one client ever reach the next one?

Client A negotiates, sends a burst of big requests and resets its
connection while the replies are being written; client B connects at once
on the same socket and must only ever see what is its own: the greeting,
its negotiation reply and the reply to its own request.  Anything else it
reads (a ``query-commands`` list of A's, an error of A's request run in B's
negotiation state) is a crossing.  The same for HMP: A fills the monitor
with long commands and resets; B must see the banner, the prompt and its
own command's output and nothing else.

Shared by the storm tests; the CPU hogs (``yes``-like processes the test
starts and kills itself) make the races likely on a 2-core machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

#: How long B waits for its own reply before the round counts as a hang.
REPLY_TIMEOUT = 20.0
#: SO_LINGER on, 0 s: close() sends a reset, with replies still on their way.
RESET = struct.pack("ii", 1, 0)
HMP_PROMPT = b"(qemu) "


@dataclass
class StormResult:
    """What the rounds of one storm saw."""

    rounds: int = 0
    #: Rounds in which B read something that was not its own.
    crossings: int = 0
    #: Rounds in which B's own reply did not come within REPLY_TIMEOUT.
    hangs: int = 0
    #: The first few foreign lines B read, for the report.
    samples: list[bytes] = field(default_factory=list)

    def foreign(self, data: bytes) -> None:
        self.crossings += 1
        if len(self.samples) < 5:
            self.samples.append(data[:200])

    def line(self, name: str) -> str:
        return f"{name}: {self.rounds} rounds, {self.crossings} crossings, {self.hangs} hangs"


@contextlib.contextmanager
def cpu_hogs(count: int = 2) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``count`` busy processes (a ``yes > /dev/null`` each), killed at exit."""
    procs: list[subprocess.Popen[bytes]] = []
    yes = shutil.which("yes")
    try:
        for _ in range(count):
            cmd = [yes] if yes else [sys.executable, "-c", "while True: pass"]
            procs.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL))
        yield procs
    finally:
        for proc in procs:
            proc.kill()
            proc.wait(10)


def wait(n: int) -> float:
    """How long A reads before it resets, in round ``n``: 0, 1, 5 or 20 ms."""
    return (0.0, 0.001, 0.005, 0.02)[n % 4]


def connect(path: Path, timeout: float = REPLY_TIMEOUT) -> socket.socket:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    end = time.monotonic() + timeout
    while True:
        try:
            s.connect(str(path))
            return s
        except (ConnectionRefusedError, BlockingIOError, FileNotFoundError):
            # The backlog of a one-client listener can fill while it is
            # busy with A: wait (bounded) as a client would.
            if time.monotonic() > end:
                raise
            time.sleep(0.005)


def reset(s: socket.socket) -> None:
    with contextlib.suppress(OSError):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, RESET)
    s.close()


class Lines:
    """``\\r\\n``-terminated lines from a socket, with a deadline."""

    def __init__(self, s: socket.socket) -> None:
        self.sock, self.buf = s, b""

    def line(self, deadline: float) -> bytes | None:
        while b"\r\n" not in self.buf:
            if not self.more(deadline):
                return None
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def more(self, deadline: float) -> bool:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        self.sock.settimeout(left)
        try:
            chunk = self.sock.recv(65536)
        except (TimeoutError, OSError):
            return False
        self.buf += chunk
        return bool(chunk)


def qmp_round(path: Path, burst: int, result: StormResult, n: int) -> None:
    """One round of the QMP storm."""
    a = connect(path)
    a_lines = Lines(a)
    a_lines.line(time.monotonic() + REPLY_TIMEOUT)  # A's greeting
    requests = [b'{"execute": "qmp_capabilities"}']
    requests += [b'{"execute": "query-commands", "id": "A-%d"}' % i for i in range(burst)]
    with contextlib.suppress(OSError):
        a.sendall(b"".join(requests))
    # Let the replies start (or not: the wait varies by round), then reset.
    a_lines.more(time.monotonic() + wait(n))
    reset(a)
    b = connect(path)
    try:
        lines = Lines(b)
        deadline = time.monotonic() + REPLY_TIMEOUT
        greeting = lines.line(deadline)
        if greeting is None:
            result.hangs += 1
            return
        if not greeting.startswith(b'{"QMP": '):
            result.foreign(greeting)
            return
        b.sendall(
            b'{"execute": "qmp_capabilities", "id": "B-cap"}'
            b'{"execute": "query-name", "id": "B-%d"}' % n
        )
        expected = [b'{"return": {}, "id": "B-cap"}', b'{"return": {}, "id": "B-%d"}' % n]
        for want in expected:
            got = lines.line(deadline)
            if got is None:
                result.hangs += 1
                return
            if got != want:
                result.foreign(got)
                return
        # Anything more already on its way would be foreign too.
        if lines.more(time.monotonic() + 0.005) or lines.buf:
            result.foreign(lines.buf)
    finally:
        b.close()
        result.rounds += 1


def hmp_read_to_prompt(lines: Lines, deadline: float) -> bool:
    """Read until the output ends with a fresh prompt (after a line end)."""
    while not lines.buf.endswith(b"\r\n" + HMP_PROMPT) and lines.buf != HMP_PROMPT:
        if not lines.more(deadline):
            return False
    return True


def hmp_clean(path: Path) -> tuple[bytes, bytes]:
    """What a fresh HMP connection reads: its banner up to the first prompt,
    then the editor's echo and output of ``info name`` up to the next."""
    s = connect(path)
    try:
        lines = Lines(s)
        deadline = time.monotonic() + REPLY_TIMEOUT
        if not hmp_read_to_prompt(lines, deadline):
            raise TimeoutError("no HMP prompt")
        banner, lines.buf = lines.buf, b""
        s.sendall(HMP_PROBE)
        if not hmp_read_to_prompt(lines, deadline):
            raise TimeoutError("no HMP prompt after the probe")
        return banner, lines.buf
    finally:
        s.close()


#: B's command: short, with output that does not change between rounds.
HMP_PROBE = b"info version\n"


def hmp_round(
    path: Path, clean: tuple[bytes, bytes], burst: int, result: StormResult, n: int
) -> None:
    """One round of the HMP storm: long commands, reset, then a short one on B."""
    banner, answer = clean
    a = connect(path)
    a_lines = Lines(a)
    a_lines.more(time.monotonic() + REPLY_TIMEOUT)
    with contextlib.suppress(OSError):
        a.sendall(b"help\ninfo qtree\ninfo mtree\n" * burst)
    a_lines.more(time.monotonic() + wait(n))
    reset(a)
    b = connect(path)
    try:
        lines = Lines(b)
        deadline = time.monotonic() + REPLY_TIMEOUT
        if not hmp_read_to_prompt(lines, deadline):
            result.hangs += 1
            return
        if lines.buf != banner:
            result.foreign(lines.buf)
            return
        lines.buf = b""
        b.sendall(HMP_PROBE)
        if not hmp_read_to_prompt(lines, deadline):
            result.hangs += 1
            return
        if lines.buf != answer or lines.more(time.monotonic() + 0.005):
            result.foreign(lines.buf)
    finally:
        b.close()
        result.rounds += 1


def storm_args(kind: str, sock: Path) -> list[str]:
    if kind == "qmp":
        return ["-qmp", f"unix:{sock},server=on,wait=off"]
    return ["-monitor", f"unix:{sock},server=on,wait=off"]


def run_storm(cmd: list[str], kind: str, rounds: int, burst: int, tmp: Path) -> StormResult:
    """Start ``cmd`` (qmonitor or QEMU) with one monitor and run ``rounds`` rounds."""
    sock = tmp / f"{kind}.sock"
    args = [*cmd, "-M", "none", "-display", "none", "-nodefaults", *storm_args(kind, sock)]
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    result = StormResult()
    try:
        end = time.monotonic() + 20
        while not sock.exists():
            if proc.poll() is not None or time.monotonic() > end:
                raise RuntimeError(f"{cmd[0]} did not start")
            time.sleep(0.01)
        clean = hmp_clean(sock) if kind == "hmp" else (b"", b"")
        for n in range(rounds):
            if kind == "qmp":
                qmp_round(sock, burst, result, n)
            else:
                hmp_round(sock, clean, burst, result, n)
            if proc.poll() is not None:
                raise RuntimeError(f"{cmd[0]} exited with {proc.returncode}")
        return result
    finally:
        proc.kill()
        proc.wait(10)


if __name__ == "__main__":  # python tests/reliability/storm.py KIND ROUNDS [qemu]
    import tempfile

    kind, rounds = sys.argv[1], int(sys.argv[2])
    qemu = len(sys.argv) > 3
    cmd = ["qemu-system-x86_64"] if qemu else [sys.executable, "-m", "qmonitor"]
    with tempfile.TemporaryDirectory() as tmp, cpu_hogs(int(os.environ.get("HOGS", "2"))):
        r = run_storm(cmd, kind, rounds, 200 if kind == "qmp" else 20, Path(tmp))
    print(
        r.line(f"{'QEMU' if qemu else 'qmonitor'} {kind}"),
        json.dumps([s.decode("latin-1") for s in r.samples]),
    )
