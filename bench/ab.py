"""qmonitor now against qmonitor at another revision, interleaved: is a change slower?

``python bench/ab.py --before REV [--rounds N] [--rows GROUP,...]`` measures
the rows of ``bench/run.py`` (or the groups of them ``--rows`` names) for
both, alternating ``now`` and ``before`` in each of ``N`` rounds (5 by
default, with run.py's ``--quick`` durations), and prints the median of each
row for each side and their ratio.  On a shared machine one run of run.py
can differ by tens of percent from the next; alternating and taking medians
makes a few percent visible.  QEMU is not measured here: run.py puts it
beside qmonitor.
"""

from __future__ import annotations

import argparse
import compileall
import statistics
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from report import ROWS, fmt
from run import (
    Settings,
    parse_groups,
    record,
    run_clients,
    run_events,
    run_hmp,
    run_memory,
    run_mux,
    run_oob_busy,
    run_startup,
    run_workloads,
)
from targets import REPO, Target, before_target, build_loadgen, make_targets, stop_all

#: One round's measurements of a target, into ``t.results``, by group of
#: run.py's ``--rows`` (ab.py measures no scaling sweep).
STEPS: dict[str, Callable[[Target, Settings, Path], None]] = {
    "workloads": run_workloads,
    "clients": run_clients,
    "oob_busy": run_oob_busy,
    "mux": run_mux,
    "hmp": lambda t, s, tmp: record(t, "hmp_lines", lambda: run_hmp(t, s)),
    "events": run_events,
    "startup": lambda t, s, tmp: record(t, "startup", lambda: run_startup(t, s, tmp)),
    "memory": run_memory,
}


def _round(t: Target, s: Settings, into: dict[str, list[float]]) -> None:
    t.results.clear()
    with tempfile.TemporaryDirectory(prefix="qmb-ab") as d:
        for group, step in STEPS.items():
            if group in s.groups:
                step(t, s, Path(d))
    for key, result in t.results.items():
        value = result.get("value")
        if isinstance(value, int | float):
            into.setdefault(key, []).append(float(value))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", required=True, metavar="REV", help="the git revision to compare")
    ap.add_argument("--rounds", type=int, default=5, help="rounds of both targets (default 5)")
    ap.add_argument(
        "--rows",
        type=parse_groups,
        default=tuple(STEPS),
        metavar="GROUP,...",
        help=f"measure these groups of rows only (of {', '.join(STEPS)})",
    )
    args = ap.parse_args(argv)
    s = Settings(duration=0.5, warmup=0.1, greeting_runs=3, memory_runs=3, idle=0.3)
    s.groups = args.rows
    build_loadgen()
    compileall.compile_dir(REPO / "src" / "qmonitor", quiet=1)  # as installed, as run.py
    now: dict[str, list[float]] = {}
    before: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="qmb-before") as d:
        targets = {"now": make_targets()["qmonitor"], "before": before_target(args.before, Path(d))}
        try:
            for i in range(args.rounds):
                # Alternate which goes first, so neither always follows the other.
                order = ("now", "before") if i % 2 == 0 else ("before", "now")
                for name in order:
                    print(f"round {i + 1}/{args.rounds}: {name}", file=sys.stderr)
                    _round(targets[name], s, now if name == "now" else before)
        finally:
            stop_all()
    print(f"| workload | now (median of {args.rounds}) | before ({args.before}) | now/before |")
    print("|---|---:|---:|---:|")
    for row in ROWS:
        a, b = now.get(row.key), before.get(row.key)
        if not a or not b:
            continue
        ma, mb = statistics.median(a), statistics.median(b)
        ratio = f"{ma / mb:.3f}x" if mb else "n/a"
        label = f"{row.label} ({row.unit}, {row.better} is better)"
        print(f"| {label} | {fmt(ma, row.digits)} | {fmt(mb, row.digits)} | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
