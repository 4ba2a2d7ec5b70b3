#!/usr/bin/env python3
"""QMP benchmark: real QEMU 7.2 against qmonitor.

    python bench/run.py [--quick] [--only qemu|qmonitor] [--before REV] [--rows GROUP,...]

Builds bench/build/loadgen from bench/loadgen.c, starts each target with its
QMP sockets in a temporary directory, drives it with loadgen, prints a
Markdown table and writes the same figures to bench/results/latest.json.
See bench/README.md for what each row measures.
"""

from __future__ import annotations

import argparse
import compileall
import datetime
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bench_events
import bench_hmp
from report import (
    ECHO_ROWS,
    LARGE_BYTES,
    N_MONITORS,
    PIPE_DEPTH,
    table,
    write_scaling_plot,
)
from targets import (
    BENCH,
    ECHO,
    ECHO_SRC,
    LOADGEN,
    REPO,
    BenchError,
    Target,
    _die_with_parent,
    before_target,
    build_c,
    build_loadgen,
    free_tcp_port,
    loadgen,
    log_tail,
    make_targets,
    qmp_unix,
    spawn,
    stop,
    stop_all,
    target_version,
    vm_rss_kib,
    wait_ready,
)

RESULTS = BENCH / "results" / "latest.json"

BASE_ARGS = ["-M", "none", "-display", "none", "-nodefaults"]


def _on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


#: The groups of rows ``--rows`` selects from, in the order they are measured.
GROUPS = (
    "workloads",  # sequential, pipelined and large rows (one process)
    "clients",
    "oob_busy",
    "mux",
    "hmp",
    "events",
    "scaling",
    "startup",
    "memory",
)


@dataclass
class Settings:
    duration: float
    warmup: float
    greeting_runs: int
    memory_runs: int
    idle: float
    #: The groups of rows to measure (``--rows``); all of them by default.
    groups: tuple[str, ...] = GROUPS


def note(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def record(t: Target, key: str, fn: Any) -> None:
    """Run one measurement; a failure leaves the row n/a and says why."""
    if t.kind == "echo" and key not in ECHO_ROWS:
        return
    try:
        value, detail = fn()
    except BenchError as e:
        t.results[key] = {"value": None, "error": str(e)}
        note(f"  {t.name} {key}: n/a ({e})")
        return
    t.results[key] = {"value": value, "detail": detail}
    note(f"  {t.name} {key}: {value:.6g}")


def run_workloads(t: Target, s: Settings, tmp: Path) -> None:
    log = tmp / "main.log"
    unix = tmp / "qmp.sock"
    proc = None
    last_err: BenchError | None = None
    port = 0
    for _attempt in range(3):  # the free port can be taken between probe and bind
        port = free_tcp_port()
        unix.unlink(missing_ok=True)
        argv = [
            *t.cmd,
            *BASE_ARGS,
            "-qmp",
            qmp_unix(unix),
            "-qmp",
            f"tcp:127.0.0.1:{port},server=on,wait=off",
        ]
        proc = spawn(argv, log, t.env)
        try:
            wait_ready(proc, log, [unix], port)
            last_err = None
            break
        except BenchError as e:
            last_err = e
            stop(proc)
            proc = None
    if proc is None:
        raise last_err or BenchError("did not start")
    try:
        lim = s.warmup + s.duration + 30
        common = ["-d", f"{s.duration:g}", "-w", f"{s.warmup:g}"]
        tcp = f"127.0.0.1:{port}"

        def seq(addr: str) -> Any:
            out = loadgen([*common, "seq", addr], lim)
            return out["ops_per_s"], out

        def pipe(addr: str, *extra: str) -> Any:
            out = loadgen([*common, "-k", str(PIPE_DEPTH), *extra, "pipe", addr], lim)
            return out["ops_per_s"], out

        def seq_latency() -> Any:
            out = loadgen([*common, "seq", str(unix)], lim)
            t.results["seq_unix_p99"] = {"value": out["p99_us"], "detail": out}
            return out["p50_us"], out

        def large() -> Any:
            # No warm-up: one 1 MiB request takes QEMU seconds.  At least one
            # complete request is measured, however long it takes.
            out = loadgen(
                ["-d", f"{s.duration:g}", "-m", "1", "-s", str(LARGE_BYTES), "large", str(unix)],
                300,
            )
            return out["mb_per_s"], out

        record(t, "seq_unix", lambda: seq(str(unix)))
        record(t, "seq_tcp", lambda: seq(tcp))
        record(t, "seq_unix_p50", seq_latency)
        if "seq_unix_p50" in t.results and t.results["seq_unix_p50"]["value"] is None:
            t.results["seq_unix_p99"] = dict(t.results["seq_unix_p50"])
        record(t, "pipe_unix", lambda: pipe(str(unix)))
        record(t, "pipe_tcp", lambda: pipe(tcp))
        record(t, "pipe_unix_1w", lambda: pipe(str(unix), "-1"))
        record(t, "pipe_tcp_1w", lambda: pipe(tcp, "-1"))
        record(t, "large", large)
        # last: once oob is negotiated on a connection nothing else changes,
        # but keep the plain rows away from it anyway
        record(t, "pipe_unix_oob", lambda: pipe(str(unix), "-o"))
    finally:
        stop(proc)


def run_startup(t: Target, s: Settings, tmp: Path) -> tuple[float, dict[str, Any]]:
    """Median time from spawning the process to the greeting's first byte."""
    times = []
    for i in range(s.greeting_runs):
        sock = tmp / f"start{i}.sock"
        log = tmp / "start.log"
        argv = [*t.cmd, *BASE_ARGS, "-qmp", qmp_unix(sock)]
        t0 = time.perf_counter()
        proc = spawn(argv, log, t.env)
        try:
            deadline = t0 + 30
            got = None
            while time.perf_counter() < deadline:
                if proc.poll() is not None:
                    raise BenchError(f"exited with status {proc.returncode}: {log_tail(log)}")
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
                    try:
                        c.connect(str(sock))
                    except (FileNotFoundError, ConnectionRefusedError):
                        time.sleep(0.0005)
                        continue
                    c.settimeout(max(0.1, deadline - time.perf_counter()))
                    try:
                        first = c.recv(1)
                    except OSError as e:
                        raise BenchError(f"no greeting: {e}") from e
                    got = time.perf_counter()
                    if first != b"{":
                        raise BenchError(f"greeting starts with {first!r}")
                    break
            if got is None:
                raise BenchError("no greeting within 30 s")
            times.append((got - t0) * 1000)
        finally:
            stop(proc)
    detail: dict[str, Any] = {"runs_ms": [round(x, 3) for x in times]}
    if t.kind == "qmonitor":
        detail["python_floor_ms"] = round(interpreter_floor(t, s), 3)
    return statistics.median(times), detail


def interpreter_floor(t: Target, s: Settings) -> float:
    """Median time for the same interpreter to start and exit, doing nothing.

    What no Python monitor can go below: the reference for the startup row
    (the early greeter greets before asyncio or the machine is imported).
    """
    argv = [t.cmd[0], "-c", "pass"]
    times = []
    for _ in range(s.greeting_runs):
        t0 = time.perf_counter()
        subprocess.run(argv, env=t.env, check=True)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def idle_rss(t: Target, socks: Sequence[Path], log: Path, s: Settings) -> int:
    """VmRSS (KiB) of a fresh process with these monitors, idle after one greeting."""
    argv = [*t.cmd, *BASE_ARGS]
    for p in socks:
        p.unlink(missing_ok=True)
        argv += ["-qmp", qmp_unix(p)]
    proc = spawn(argv, log, t.env)
    try:
        wait_ready(proc, log, socks)
        time.sleep(s.idle)
        return vm_rss_kib(proc.pid)
    finally:
        stop(proc)


def run_memory(t: Target, s: Settings, tmp: Path) -> None:
    """Idle RSS with 1 monitor and with 100 (medians of alternating runs)."""
    log = tmp / "mem.log"
    one = [tmp / "one.sock"]
    many = [tmp / f"m{i}.sock" for i in range(N_MONITORS)]
    rss1: list[int] = []
    rss100: list[int] = []
    for _ in range(s.memory_runs):  # alternate, so drift hits both alike
        rss1.append(idle_rss(t, one, log, s))
        try:
            rss100.append(idle_rss(t, many, log, s))
        except BenchError as e:
            rss100.clear()
            t.results["rss_per_monitor"] = {"value": None, "error": f"{N_MONITORS} monitors: {e}"}
            note(f"  {t.name} {N_MONITORS} monitors: n/a ({e})")
            break
    m1 = statistics.median(rss1)
    t.results["rss_idle"] = {"value": m1 / 1024, "detail": {"vmrss_kib": rss1}}
    note(f"  {t.name} rss_idle: {m1:.0f} KiB")
    if rss100:
        per = (statistics.median(rss100) - m1) / (N_MONITORS - 1)
        t.results["rss_per_monitor"] = {
            "value": per,
            "detail": {"vmrss_1_kib": rss1, f"vmrss_{N_MONITORS}_kib": rss100},
        }
        note(f"  {t.name} rss_per_monitor: {per:.1f} KiB")


def run_clients(t: Target, s: Settings, tmp: Path) -> None:
    """One sequential client on each of 100 monitors of one process."""
    log = tmp / "clients.log"
    socks = [tmp / f"c{i}.sock" for i in range(N_MONITORS)]
    argv = [*t.cmd, *BASE_ARGS]
    for p in socks:
        argv += ["-qmp", qmp_unix(p)]
    proc = spawn(argv, log, t.env)
    try:

        def clients() -> Any:
            wait_ready(proc, log, socks)
            lim = s.warmup + s.duration + 60
            args = ["-d", f"{s.duration:g}", "-w", f"{s.warmup:g}", "clients", *map(str, socks)]
            out = loadgen(args, lim)
            return out["ops_per_s"], out

        record(t, "clients", clients)
    finally:
        stop(proc)


#: The in-band load that keeps the main loop busy: HMP's help, 8 in flight.
BUSY_ARGS = ["-k", "8", "-c", "human-monitor-command", "-a", '{"command-line":"help"}']


def run_oob_busy(t: Target, s: Settings, tmp: Path) -> None:
    """Out-of-band round trips on one monitor while another saturates the main loop."""
    log = tmp / "oob.log"
    busy_sock, oob_sock = tmp / "busy.sock", tmp / "oob.sock"
    argv = [*t.cmd, *BASE_ARGS, "-qmp", qmp_unix(busy_sock), "-qmp", qmp_unix(oob_sock)]
    proc = spawn(argv, log, t.env)
    try:

        def measure() -> Any:
            wait_ready(proc, log, [busy_sock, oob_sock])
            busy_secs = s.warmup + s.duration + 1
            busy = subprocess.Popen(
                [str(LOADGEN), "-d", f"{busy_secs:g}", *BUSY_ARGS, "pipe", str(busy_sock)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                preexec_fn=_die_with_parent,
            )
            try:
                time.sleep(0.2)
                lim = s.warmup + s.duration + 60
                args = ["-d", f"{s.duration:g}", "-w", f"{s.warmup:g}", "-x", "-c", "query-yank"]
                out = loadgen([*args, "seq", str(oob_sock)], lim)
                busy_out, _ = busy.communicate(timeout=busy_secs + 30)
            finally:
                if busy.poll() is None:
                    busy.kill()
                    busy.wait()
            try:
                out["in_band_while_measured"] = json.loads(busy_out)
            except ValueError:
                raise BenchError("the in-band load failed") from None
            return out["ops_per_s"], out

        record(t, "oob_busy", measure)
    finally:
        stop(proc)


#: Request sizes (id string bytes) and client counts of the scaling sweep.
SCALE_SIZES = (64, 1 << 10, 16 << 10, 256 << 10, 1 << 20)
SCALE_CLIENTS = (1, 10, 30, 100)


def run_scaling(t: Target, s: Settings, tmp: Path) -> None:
    """How throughput goes with request size and with the number of clients."""
    sizes: list[tuple[int, float]] = []
    clients: list[tuple[int, float]] = []
    t.results["scaling"] = {"size_mb_per_s": sizes, "clients_ops_per_s": clients}
    log = tmp / "scaling.log"
    # Sizes on a process with one monitor (QEMU's main loop polls every
    # monitor's socket for each byte it reads: more monitors slow it down).
    one = tmp / "one.sock"
    proc = spawn([*t.cmd, *BASE_ARGS, "-qmp", qmp_unix(one)], log, t.env)
    try:
        wait_ready(proc, log, [one])
        for size in SCALE_SIZES:
            args = ["-d", f"{s.duration:g}", "-m", "1", "-s", str(size), "large", str(one)]
            try:
                sizes.append((size, loadgen(args, 300)["mb_per_s"]))
            except BenchError as e:
                note(f"  {t.name} scaling size {size}: n/a ({e})")
    except BenchError as e:
        note(f"  {t.name} scaling: n/a ({e})")
    finally:
        stop(proc)
    socks = [tmp / f"s{i}.sock" for i in range(max(SCALE_CLIENTS))]
    argv = [*t.cmd, *BASE_ARGS]
    for p in socks:
        argv += ["-qmp", qmp_unix(p)]
    proc = spawn(argv, log, t.env)
    try:
        wait_ready(proc, log, socks)
        for n in SCALE_CLIENTS:
            args = ["-d", f"{s.duration:g}", "-w", f"{s.warmup:g}", "clients"]
            try:
                out = loadgen([*args, *map(str, socks[:n])], s.warmup + s.duration + 60)
                clients.append((n, out["ops_per_s"]))
            except BenchError as e:
                note(f"  {t.name} scaling clients {n}: n/a ({e})")
    except BenchError as e:
        note(f"  {t.name} scaling: n/a ({e})")
    finally:
        stop(proc)
    note(f"  {t.name} scaling: sizes {sizes}, clients {clients}")


#: Clients sharing one monitor through the multiplexer.
MUX_CLIENTS = 10


def run_mux(t: Target, s: Settings, tmp: Path) -> None:
    """The target's monitor behind ``qmonitor mux`` (the mux is qmonitor's in both)."""
    log, mux_log = tmp / "mux-target.log", tmp / "mux.log"
    upstream, front = tmp / "up.sock", tmp / "mux.sock"
    proc = spawn([*t.cmd, *BASE_ARGS, "-qmp", qmp_unix(upstream)], log, t.env)
    mux = None
    try:
        wait_ready(proc, log, [upstream])
        qmonitor = make_targets()["qmonitor"]
        mux_cmd = [*qmonitor.cmd, "mux", "--upstream", f"unix:{upstream}"]
        mux = spawn([*mux_cmd, "--listen", f"unix:{front}"], mux_log, qmonitor.env)
        for _ in range(500):
            if front.exists():
                break
            if mux.poll() is not None:
                raise BenchError(f"mux exited: {log_tail(mux_log)}")
            time.sleep(0.01)
        lim = s.warmup + s.duration + 60
        common = ["-d", f"{s.duration:g}", "-w", f"{s.warmup:g}"]

        def seq() -> Any:
            out = loadgen([*common, "seq", str(front)], lim)
            return out["ops_per_s"], out

        def clients() -> Any:
            out = loadgen([*common, "clients", *[str(front)] * MUX_CLIENTS], lim)
            return out["ops_per_s"], out

        record(t, "mux_seq", seq)
        record(t, "mux_clients", clients)
    except BenchError as e:
        for key in ("mux_seq", "mux_clients"):
            t.results.setdefault(key, {"value": None, "error": str(e)})
        note(f"  {t.name} mux: n/a ({e})")
    finally:
        if mux is not None:
            stop(mux)
        stop(proc)


def run_hmp(t: Target, s: Settings) -> tuple[float, dict[str, Any]]:
    """Lines of ``info status`` answered per second (see bench_hmp.py)."""
    lines = bench_hmp.LINES if s.duration >= 1 else bench_hmp.LINES // 5
    try:
        out = bench_hmp.hmp_lines(t.cmd, t.env, lines, 60 + s.duration)
    except (bench_hmp.HmpBenchError, OSError) as e:
        raise BenchError(str(e)) from e
    return out["lines_per_s"], out


def run_events(t: Target, s: Settings, tmp: Path) -> None:
    """Events from stop/cont (every target); delivery and emission cost (qmonitor only).

    See bench_events.py.
    """
    keys = ["events_cmd"]
    keys += [f"events_{n}" for n in bench_events.CLIENT_COUNTS] if t.kind == "qmonitor" else []
    try:
        bench_events.build_evsink()
    except bench_events.EventBenchError as e:
        for key in keys:
            t.results[key] = {"value": None, "error": str(e)}
        note(f"  {t.name} events: n/a ({e})")
        return

    def commands() -> Any:
        try:
            out = bench_events.command_events(t.cmd, s.duration, s.warmup, tmp, t.env)
        except bench_events.EventBenchError as e:
            raise BenchError(str(e)) from e
        return out["events_per_s"], out

    record(t, "events_cmd", commands)
    if t.kind != "qmonitor":
        return
    for n in bench_events.CLIENT_COUNTS:

        def deliver(n: int = n) -> Any:
            try:
                out = bench_events.delivery(n, s.duration, s.warmup, tmp, t.cmd[0], t.env)
            except bench_events.EventBenchError as e:
                raise BenchError(str(e)) from e
            return out["events_per_s"], out

        record(t, f"events_{n}", deliver)
    try:
        em = bench_events.emission(s.duration, t.cmd[0], t.env)
    except bench_events.EventBenchError as err:
        for key in ("emit_throttled", "emit_unthrottled"):
            t.results[key] = {"value": None, "error": str(err)}
        note(f"  {t.name} emission: n/a ({err})")
        return
    t.results["emit_throttled"] = {"value": em["throttled_per_s"], "detail": em}
    t.results["emit_unthrottled"] = {"value": em["unthrottled_no_client_per_s"], "detail": em}
    note(f"  {t.name} emission: {em['throttled_per_s']:.6g} /s throttled")


def run_target(t: Target, s: Settings) -> None:
    note(f"{t.name}: {' '.join(t.cmd)}")
    t.version = target_version(t)
    note(f"  version: {t.version}")
    with tempfile.TemporaryDirectory(prefix="qmb") as d:
        tmp = Path(d)
        want = s.groups.__contains__
        if want("workloads"):
            try:
                run_workloads(t, s, tmp)
            except BenchError as e:
                t.status = f"failed to start: {e}"
                note(f"  {t.name}: {t.status}")
                return
        if want("clients"):
            run_clients(t, s, tmp)
        if t.kind != "echo":
            if want("oob_busy"):
                run_oob_busy(t, s, tmp)
            if want("mux"):
                run_mux(t, s, tmp)
            if want("hmp"):
                record(t, "hmp_lines", lambda: run_hmp(t, s))
        if t.kind != "echo" and want("events"):
            run_events(t, s, tmp)
        if t.kind != "echo" and want("scaling"):
            run_scaling(t, s, tmp)
        if want("startup"):
            record(t, "startup", lambda: run_startup(t, s, tmp))
        if want("memory"):
            try:
                run_memory(t, s, tmp)
            except (BenchError, OSError) as e:
                for key in ("rss_idle", "rss_per_monitor"):
                    t.results.setdefault(key, {"value": None, "error": str(e)})
                note(f"  {t.name} memory: n/a ({e})")


def parse_groups(text: str) -> tuple[str, ...]:
    """``--rows``: comma-separated names of :data:`GROUPS`."""
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in GROUPS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown group {', '.join(unknown) or '(none)'}: choose from {', '.join(GROUPS)}"
        )
    return names


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="0.5 s per workload instead of 2 s")
    ap.add_argument(
        "--only", choices=["qemu", "qmonitor", "echo", "before"], help="measure one target only"
    )
    ap.add_argument(
        "--before",
        metavar="REV",
        help="also measure qmonitor as of git revision REV (a 'before' column beside 'qmonitor')",
    )
    ap.add_argument(
        "--rows",
        type=parse_groups,
        default=GROUPS,
        metavar="GROUP,...",
        help=f"measure these groups of rows only (of {', '.join(GROUPS)}); the others are n/a",
    )
    args = ap.parse_args(argv)

    s = (
        Settings(duration=0.5, warmup=0.1, greeting_runs=3, memory_runs=3, idle=0.3)
        if args.quick
        else Settings(duration=2.0, warmup=0.5, greeting_runs=7, memory_runs=5, idle=0.5)
    )
    s.groups = args.rows
    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored
    targets = make_targets()
    before_dir = tempfile.TemporaryDirectory(prefix="qmb-before") if args.before else None
    if before_dir is not None:
        # Measured right after "qmonitor", so both see the machine in the same state.
        before = before_target(args.before, Path(before_dir.name))
        qemu, now, echo = targets["qemu"], targets["qmonitor"], targets["echo"]
        targets = {"qemu": qemu, "qmonitor": now, "before": before, "echo": echo}
    try:
        build_loadgen()
        build_c(ECHO_SRC, ECHO)
        compileall.compile_dir(REPO / "src" / "qmonitor", quiet=1)
        for name, t in targets.items():
            if args.only and name != args.only:
                t.status = "skipped (--only)"
                continue
            run_target(t, s)
    finally:
        stop_all()
        if before_dir is not None:
            before_dir.cleanup()

    md, rows = table(targets)
    floor = (targets["qmonitor"].results.get("startup", {}).get("detail") or {}).get(
        "python_floor_ms"
    )
    if floor is not None:
        md += f"\n\nstart to greeting: `python -c pass` alone takes {floor:.1f} ms"
    print(md)
    for t in targets.values():
        if t.status != "ok":
            print(f"\n{t.name}: {t.status}")
    doc = {
        "generated": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "before": args.before,
        "settings": {
            "duration_s": s.duration,
            "warmup_s": s.warmup,
            "greeting_runs": s.greeting_runs,
            "memory_runs": s.memory_runs,
            "idle_s": s.idle,
            "pipe_depth": PIPE_DEPTH,
            "monitors": N_MONITORS,
            "large_bytes": LARGE_BYTES,
        },
        "host": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
        "targets": {
            name: {"cmd": t.cmd, "version": t.version, "status": t.status}
            for name, t in targets.items()
        },
        "rows": rows,
        "markdown": md,
    }
    # A run of some rows only does not replace the last whole run's figures.
    whole = s.groups == GROUPS
    results = RESULTS if whole else RESULTS.with_name("rows.json")
    if not whole:
        doc["groups"] = list(s.groups)
    results.parent.mkdir(parents=True, exist_ok=True)
    tmp = results.with_name(results.name + ".tmp")
    doc["scaling"] = {name: t.results.get("scaling") for name, t in targets.items()}
    tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    os.replace(tmp, results)
    if "scaling" in s.groups:
        write_scaling_plot(targets)
    print(f"\nwritten {results.relative_to(REPO)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        stop_all()
        sys.exit(130)
