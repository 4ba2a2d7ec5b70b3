#!/usr/bin/env python3
"""Event benchmark: events delivered per second to 1, 10 and 100 QMP clients.

    python bench/bench_events.py [--quick] [--clients 1,10,100] [--qemu]
    python bench/bench_events.py --emission [--seconds S]

Delivery: qmonitor runs with ``-qmonitor-extensions`` and one ``-qmp`` unix
socket per client; ``bench/build/evsink`` (built from bench/evsink.c)
connects to each, negotiates, and drives the emission from the first
connection with ``x-qmonitor-emit-events`` batches, checking every event
line at every client (a full JSON syntax check, the envelope, and the
sequence number, so none is missing or out of order).  The figure is the
total events received by all clients per second.

Events from commands (``command_events``): the target (QEMU or qmonitor)
runs with ``1 + CMD_LISTENERS`` ``-qmp`` unix sockets and no extension;
``evsink -c`` keeps ``CMD_DEPTH`` requests in flight on the first,
alternating ``stop`` and ``cont`` (one ``write()`` each), while the others
only listen.  Every connection must receive STOP and RESUME strictly
alternating (the envelope checked, none missing); the figure is the events
received by all connections, the driver's own included, per second.

Emission (``--emission``, run in a fresh interpreter): the cost of
``Machine.emit_event`` with no client connected, for an unthrottled event
and for RTC_CHANGE, which the throttle holds after the first (emissions/s).

bench/run.py runs both and prints them in its table; see bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
EVSINK_SRC = BENCH / "evsink.c"
EVSINK = BENCH / "build" / "evsink"
BASE_ARGS = ["-M", "none", "-display", "none", "-nodefaults", "-qmonitor-extensions"]
CLIENT_COUNTS = (1, 10, 100)
#: Events per x-qmonitor-emit-events request.
BATCH = 500
#: Monitors that only listen in the command-events row (the driver's is one more).
CMD_LISTENERS = 10
#: stop/cont requests the driver keeps in flight.
CMD_DEPTH = 64


class EventBenchError(Exception):
    """A run failed; its figure is n/a."""


def build_evsink() -> None:
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not cc:
        raise EventBenchError("no C compiler (cc) to build bench/evsink.c")
    EVSINK.parent.mkdir(parents=True, exist_ok=True)
    cmd = [cc, "-O2", "-Wall", "-Wextra", "-o", str(EVSINK), str(EVSINK_SRC)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    if res.returncode != 0:
        raise EventBenchError(f"building evsink failed:\n{res.stderr}")


def qmonitor_env() -> dict[str, str]:
    env = dict(os.environ)
    src = str(REPO / "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def _die_with_parent() -> None:  # in the child between fork and exec
    with contextlib.suppress(Exception):  # best effort
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(3)


def delivery(
    n_clients: int,
    duration: float,
    warmup: float,
    tmp: Path,
    python: str = sys.executable,
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Run one delivery measurement; evsink's result (events_per_s, complete, ...).

    ``env`` is the environment qmonitor runs in (its ``PYTHONPATH`` names the
    tree measured: bench/run.py's "before" column); this tree's by default.
    """
    socks = [tmp / f"ev{n_clients}-{i}.sock" for i in range(n_clients)]
    argv = [python, "-m", "qmonitor", *BASE_ARGS]
    proc = _spawn(argv, socks, tmp / f"events{n_clients}.log", env)
    try:
        return _run_evsink(proc, socks, duration, warmup, ["-b", str(BATCH)])
    finally:
        _stop(proc)


def _spawn(
    argv: list[str], socks: Sequence[Path], log: Path, env: dict[str, str] | None
) -> subprocess.Popen[bytes]:
    """Start ``argv`` with a ``-qmp`` unix server on each of ``socks``, output to ``log``."""
    argv = list(argv)
    for p in socks:
        p.unlink(missing_ok=True)
        argv += ["-qmp", f"unix:{p},server=on,wait=off"]
    with open(log, "ab") as out:
        return subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            env=qmonitor_env() if env is None else env,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )


def command_events(
    cmd: Sequence[str],
    duration: float,
    warmup: float,
    tmp: Path,
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Events caused by stop/cont on monitor 0, heard by it and CMD_LISTENERS others.

    ``cmd`` starts the target (``qemu-system-x86_64``, or a Python running
    ``-m qmonitor``); evsink's result (events_per_s, complete, ...).
    """
    socks = [tmp / f"cmd-{i}.sock" for i in range(1 + CMD_LISTENERS)]
    argv = [*cmd, "-M", "none", "-display", "none", "-nodefaults"]
    proc = _spawn(argv, socks, tmp / "cmd-events.log", env)
    try:
        return _run_evsink(proc, socks, duration, warmup, ["-c", "-k", str(CMD_DEPTH)])
    finally:
        _stop(proc)


def _run_evsink(
    proc: subprocess.Popen[bytes],
    socks: Sequence[Path],
    duration: float,
    warmup: float,
    mode: Sequence[str],
) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while not all(p.exists() for p in socks):
        if proc.poll() is not None:
            raise EventBenchError(f"target exited with {proc.returncode}")
        if time.monotonic() > deadline:
            raise EventBenchError("sockets did not appear within 30 s")
        time.sleep(0.01)
    limit = warmup + duration + 40
    cmd = [str(EVSINK), "-d", f"{duration:g}", "-w", f"{warmup:g}", *mode]
    cmd += ["-t", f"{limit:g}", *map(str, socks)]
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=limit + 10)
    except subprocess.TimeoutExpired:
        raise EventBenchError("evsink did not finish") from None
    try:
        out_doc: dict[str, Any] = json.loads(res.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise EventBenchError(
            f"evsink exit {res.returncode}: {res.stderr.strip() or res.stdout!r}"
        ) from None
    if res.returncode != 0 or not out_doc.get("complete"):
        raise EventBenchError(
            f"evsink exit {res.returncode}, incomplete: {res.stderr.strip()} {out_doc}"
        )
    return out_doc


# ---- emission cost, in this interpreter -------------------------------------


def _rate(emit: Any, seconds: float) -> tuple[float, int]:
    n = 0
    t0 = time.perf_counter()
    end = t0 + seconds
    while True:
        for _ in range(1000):
            emit()
        n += 1000
        t = time.perf_counter()
        if t >= end:
            return n / (t - t0), n


async def _emission(seconds: float) -> dict[str, Any]:
    from qmonitor.machine.machine import Machine, MachineOptions

    machine = Machine(MachineOptions(use_io_thread=False))
    data = {"offset": 0, "qom-path": "/machine/unattached/device[0]"}
    throttled, n_t = _rate(lambda: machine.emit_event("RTC_CHANGE", dict(data)), seconds)
    seq = iter(range(1 << 62))
    free, n_f = _rate(lambda: machine.emit_event("BENCH_EVENT", {"seq": next(seq)}), seconds)
    await machine.cleanup()
    return {
        "throttled_per_s": throttled,
        "throttled_emitted": n_t,
        "unthrottled_no_client_per_s": free,
        "unthrottled_emitted": n_f,
    }


def emission(
    seconds: float, python: str = sys.executable, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Emission cost measured in a fresh interpreter (``--emission``), in ``env`` as delivery."""
    cmd = [python, str(Path(__file__).resolve()), "--emission", "--seconds", f"{seconds:g}"]
    try:
        res = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=seconds * 2 + 60,
            env=qmonitor_env() if env is None else env,
        )
    except subprocess.TimeoutExpired:
        raise EventBenchError("emission benchmark did not finish") from None
    if res.returncode != 0:
        raise EventBenchError(f"emission benchmark failed: {res.stderr.strip()[-500:]}")
    doc: dict[str, Any] = json.loads(res.stdout.strip().splitlines()[-1])
    return doc


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="0.5 s per run instead of 2 s")
    ap.add_argument("--clients", default=",".join(map(str, CLIENT_COUNTS)))
    ap.add_argument(
        "--commands", action="store_true", help="only the stop/cont row, QEMU and qmonitor"
    )
    ap.add_argument("--emission", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--seconds", type=float, default=1.0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.emission:
        # The tree measured comes first on PYTHONPATH; this one only without.
        if not os.environ.get("PYTHONPATH"):
            sys.path.insert(0, str(REPO / "src"))
        print(json.dumps(asyncio.run(_emission(args.seconds))))
        return 0
    duration, warmup = (0.5, 0.1) if args.quick else (2.0, 0.5)
    build_evsink()
    with tempfile.TemporaryDirectory(prefix="qme") as d:
        qemu = os.environ.get("QEMU") or shutil.which("qemu-system-x86_64")
        targets = [("qmonitor", [sys.executable, "-m", "qmonitor"])]
        targets += [("QEMU", [qemu])] if qemu else []
        for name, cmd in targets:
            try:
                r = command_events(cmd, duration, warmup, Path(d))
            except EventBenchError as e:
                print(f"stop/cont, {CMD_LISTENERS} listeners, {name}: n/a ({e})")
                continue
            print(
                f"stop/cont, {CMD_LISTENERS} listeners, {name}: "
                f"{r['events_per_s']:>12,.0f} events/s delivered in total"
            )
        if args.commands:
            return 0
        for n in (int(x) for x in args.clients.split(",")):
            try:
                r = delivery(n, duration, warmup, Path(d))
            except EventBenchError as e:
                print(f"{n:>3} clients: n/a ({e})")
                continue
            print(f"{n:>3} clients: {r['events_per_s']:>12,.0f} events/s delivered in total")
    em = emission(duration)
    print(f"throttled emission (RTC_CHANGE, held):   {em['throttled_per_s']:>12,.0f} /s")
    unthrottled = em["unthrottled_no_client_per_s"]
    print(f"unthrottled emission, no client:         {unthrottled:>12,.0f} /s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
