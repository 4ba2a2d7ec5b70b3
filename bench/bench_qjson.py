"""Micro-benchmark of qmonitor.qjson: requests/s and MB/s through feed + next_event.

    .venv/bin/python bench/bench_qjson.py [--seconds 1.0]

Rows (one core, this process):

* small request, one per feed: ``{"execute": "query-status", "id": N}``
  fed alone, then next_event until NEED_DATA (what a monitor does per read);
* small requests, 100 per feed (a pipelining client);
* a request that misses the fast path (single quotes: lexed, then decoded), one per feed;
* 1 MiB-string request, ``{"execute": "x", "arguments": {"data": "<1 MiB>"}}``,
  whole, and in 64 KiB pieces as a socket delivers it;
* 2 Mi tokens in one value (``[0,0,...]``);
* encode() of a query-status reply and of a 1 MiB string.

QEMU's parser cannot be timed on its own; the stdlib json module is shown
for scale (json.loads / json.dumps on the same text, not QEMU's dialect).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from qmonitor.qjson import NEED_DATA, JsonStreamer, encode

SMALL = b'{"execute": "query-status", "id": 1}'
SINGLE_QUOTED = b"{'execute': 'query-status', 'id': 1}"
BIG = b'{"execute": "x", "arguments": {"data": "' + b"x" * (1 << 20) + b'"}}'
# 1 + 2 * (2**20 - 2) + 2 = 2**21 - 1 tokens: just under the limit.
TOKENS = b"[" + b"0," * ((1 << 20) - 2) + b"0]"
REPLY = {"return": {"running": True, "singlestep": False, "status": "running"}, "id": 1}


def rate(run: Callable[[], int], seconds: float) -> float:
    """Items per second: ``run`` does some work and says how many items."""
    run()  # warm up
    items = 0
    start = time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        items += run()
    return items / elapsed


def feeding(data: bytes, per_feed: int, piece: int | None = None) -> Callable[[], int]:
    streamer = JsonStreamer()
    chunk = data * per_feed
    step = piece or len(chunk)
    pieces = [chunk[i : i + step] for i in range(0, len(chunk), step)]

    def run() -> int:
        got = 0
        for p in pieces:
            streamer.feed(p)
            while streamer.next_event() is not NEED_DATA:
                got += 1
        assert got == per_feed
        return per_feed

    return run


def row(name: str, per_s: float, size: int, reference: float | None = None) -> None:
    mb = per_s * size / 1e6
    ref = f"   (stdlib json: {reference:,.0f}/s)" if reference is not None else ""
    print(f"{name:<44} {per_s:>12,.0f}/s {mb:>9,.1f} MB/s{ref}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="time per row")
    t = parser.parse_args().seconds

    def loads(text: bytes, n: int = 1) -> Callable[[], int]:
        def run() -> int:
            for _ in range(n):
                json.loads(text)
            return n

        return run

    print(f"qmonitor.qjson, Python {sys.version.split()[0]}, {t:g} s per row")
    row("small request, one per feed", rate(feeding(SMALL, 1), t), len(SMALL),
        rate(loads(SMALL, 100), t))  # fmt: skip
    row("small requests, 100 per feed", rate(feeding(SMALL, 100), t), len(SMALL))
    row("small request, single-quoted (token path)", rate(feeding(SINGLE_QUOTED, 1), t),
        len(SINGLE_QUOTED))  # fmt: skip
    row("1 MiB-string request, whole", rate(feeding(BIG, 1), t), len(BIG), rate(loads(BIG), t))
    row("1 MiB-string request, 64 KiB pieces", rate(feeding(BIG, 1, 1 << 16), t), len(BIG))
    row("2 Mi tokens in one value", rate(feeding(TOKENS, 1), t), len(TOKENS))

    def encoding(value: object, n: int) -> Callable[[], int]:
        def run() -> int:
            for _ in range(n):
                encode(value)
            return n

        return run

    def dumps(value: object, n: int) -> Callable[[], int]:
        def run() -> int:
            for _ in range(n):
                json.dumps(value)
            return n

        return run

    reply_size = len(encode(REPLY)) + 2
    row("encode a query-status reply", rate(encoding(REPLY, 100), t), reply_size,
        rate(dumps(REPLY, 100), t))  # fmt: skip
    big = {"return": {}, "id": "x" * (1 << 20)}
    row("encode a reply with a 1 MiB string", rate(encoding(big, 1), t), 1 << 20,
        rate(dumps(big, 1), t))  # fmt: skip


if __name__ == "__main__":
    main()
