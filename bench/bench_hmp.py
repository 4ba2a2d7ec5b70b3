"""HMP throughput: ``info status`` lines piped into ``-monitor stdio``.

Both QEMU and qmonitor read the lines from a pipe, run each and print
``VM status: running``; the figure is lines answered per second, from the
first byte written to the last answer read.

    python bench/bench_hmp.py [--lines N] [--qemu PATH]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

BASE_ARGS = ["-M", "none", "-display", "none", "-nodefaults"]
ANSWER = b"VM status: running"
LINES = 10_000


class HmpBenchError(Exception):
    pass


def hmp_lines(
    cmd: Sequence[str], env: dict[str, str] | None, lines: int, limit: float
) -> dict[str, Any]:
    """Pipe ``lines`` lines of ``info status`` into ``cmd -monitor stdio``; time the answers."""
    proc = subprocess.Popen(
        [*cmd, *BASE_ARGS, "-monitor", "stdio"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    assert proc.stdin is not None and proc.stdout is not None
    data = b"info status\n" * lines
    try:
        # Wait for the banner so start-up is not measured.
        banner = b""
        deadline = time.monotonic() + 30
        while b"(qemu)" not in banner:
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk or time.monotonic() > deadline:
                raise HmpBenchError(f"no prompt from {cmd[0]}")
            banner += chunk

        def feed() -> None:
            try:
                assert proc.stdin is not None
                proc.stdin.write(data)
                proc.stdin.flush()
            except OSError:
                pass

        start = time.monotonic()
        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        seen = 0
        tail = b""
        deadline = start + limit
        while seen < lines:
            if time.monotonic() > deadline:
                raise HmpBenchError(f"only {seen} of {lines} answers within {limit:g} s")
            chunk = os.read(proc.stdout.fileno(), 1 << 16)
            if not chunk:
                raise HmpBenchError(f"{cmd[0]} closed its output after {seen} answers")
            buf = tail + chunk
            seen += buf.count(ANSWER)
            tail = buf[-(len(ANSWER) - 1) :]
        seconds = time.monotonic() - start
    finally:
        proc.kill()
        proc.wait()
    return {"lines": lines, "seconds": seconds, "lines_per_s": lines / seconds}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=LINES)
    parser.add_argument("--qemu", default="qemu-system-x86_64")
    args = parser.parse_args(argv)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent / "src")
    for name, cmd in (("qemu", [args.qemu]), ("qmonitor", [sys.executable, "-m", "qmonitor"])):
        out = hmp_lines(cmd, env, args.lines, 120)
        print(f"{name}: {out['lines_per_s']:.0f} lines/s ({out['seconds']:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
