"""``qmonitor mux``: share one QMP monitor among many clients.

    qmonitor mux --upstream unix:/qemu.sock --listen unix:/mux.sock [--listen tcp:HOST:PORT]

Runs until the upstream monitor goes away (QEMU quit) or a signal; exit
status 0 then, 1 when the upstream cannot be reached or does not speak QMP.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Sequence

from qmonitor.mux.address import Address, parse_address
from qmonitor.mux.core import UpstreamError
from qmonitor.mux.server import Multiplexer


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"{prog} mux",
        description="Share one QMP monitor (QEMU's or qmonitor's) among many clients.",
    )
    parser.add_argument(
        "--upstream", required=True, type=parse_address, help="the monitor: unix:PATH or tcp:H:P"
    )
    parser.add_argument(
        "--listen",
        required=True,
        action="append",
        type=parse_address,
        help="where clients connect: unix:PATH or tcp:HOST:PORT (repeatable; port 0 picks one)",
    )
    parser.add_argument(
        "--connect-timeout",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="keep trying to reach an upstream that is not listening yet (default: 0)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log to stderr")
    return parser


async def _amain(upstream: Address, listen: list[Address], prog: str, timeout: float) -> int:
    mux = Multiplexer(upstream, listen, connect_timeout=timeout)
    try:
        await mux.start()
    except (OSError, UpstreamError) as exc:
        sys.stderr.write(f"{prog} mux: {upstream}: {exc}\n")
        return 1
    for asked, real in zip(listen, mux.addresses, strict=True):
        if asked != real:
            sys.stderr.write(f"{prog} mux: listening on {real}\n")
            sys.stderr.flush()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, lambda: asyncio.ensure_future(mux.close()))
    await mux.serve_forever()
    return 0


def main(argv: Sequence[str], prog: str = "qmonitor") -> int:
    """Run the multiplexer with ``argv`` (the arguments after ``mux``)."""
    args = _parser(prog).parse_args(list(argv))
    if args.verbose or os.environ.get("QMONITOR_DEBUG"):
        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")
    try:
        return asyncio.run(_amain(args.upstream, args.listen, prog, args.connect_timeout))
    except KeyboardInterrupt:
        return 1
