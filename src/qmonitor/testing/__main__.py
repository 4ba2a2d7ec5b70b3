"""``python -m qmonitor.testing record|replay``: cassettes from the command line.

    python -m qmonitor.testing record --upstream unix:/qemu.sock --listen /tmp/rec.sock out.json
    python -m qmonitor.testing replay --listen /tmp/replay.sock out.json

``record`` proxies clients of ``--listen`` to the upstream monitor and
writes the cassette when interrupted (Ctrl-C, SIGTERM); ``replay`` serves
the cassette until interrupted and exits 1 if a client strayed from it.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence

from qmonitor.testing.replay import Recorder, ReplayDivergence, ReplayServer


def _stop_on_signal() -> threading.Event:
    """An event set by SIGINT or SIGTERM, caught from now on.

    Installed before the socket exists: a client that sees the path and
    signals at once still gets a cassette written and a clean exit.
    """
    done = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: done.set())
    return done


def _wait(done: threading.Event) -> None:
    while not done.wait(0.5):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qmonitor.testing")
    sub = parser.add_subparsers(dest="mode", required=True)
    rec = sub.add_parser("record", help="record clients' sessions with a monitor")
    rec.add_argument("--upstream", required=True, help="the monitor: unix:PATH or tcp:H:P")
    rec.add_argument("--listen", required=True, help="unix socket path for clients")
    rec.add_argument("cassette", help="file to write")
    rep = sub.add_parser("replay", help="serve a cassette")
    rep.add_argument("--listen", required=True, help="unix socket path for clients")
    rep.add_argument("--time-scale", type=float, default=1.0, help="delay factor (0: none)")
    rep.add_argument("cassette", help="file to read")
    args = parser.parse_args(argv)
    done = _stop_on_signal()
    if args.mode == "record":
        with Recorder(args.upstream, socket_path=args.listen) as recorder:
            _wait(done)
        recorder.save(args.cassette)
        return 0
    with ReplayServer(args.cassette, time_scale=args.time_scale, socket_path=args.listen) as server:
        _wait(done)
    try:
        server.check()
    except ReplayDivergence as exc:
        sys.stderr.write(f"replay diverged: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
