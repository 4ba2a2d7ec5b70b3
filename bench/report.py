"""The rows of bench/run.py's table, and the report made of its figures.

:data:`ROWS` is what is measured (with the workload sizes that appear in
the labels), :data:`ECHO_ROWS` the rows the C echo server is measured for;
:func:`table` turns the targets' results into the Markdown table and the
rows of bench/results/latest.json, and :func:`write_scaling_plot` draws
bench/results/scaling.svg.  See bench/README.md for what each row measures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import bench_events
import bench_hmp
import plot
from targets import BENCH, Target

SCALING_PLOT = BENCH / "results" / "scaling.svg"

N_MONITORS = 100
PIPE_DEPTH = 64
LARGE_BYTES = 1 << 20

#: The rows the C echo server is measured for: the QMP socket rows.  It
#: answers every line at once, so busy-main-loop, HMP, mux and event rows
#: mean nothing for it, and it does not echo ids (the large row).
ECHO_ROWS = frozenset(
    {"seq_unix", "seq_tcp", "seq_unix_p50", "seq_unix_p99", "pipe_unix", "pipe_tcp"}
    | {"pipe_unix_1w", "pipe_tcp_1w"}
    | {"pipe_unix_oob", "clients", "startup", "rss_idle", "rss_per_monitor"}
)


# ---- rows -------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    unit: str
    better: str  # "higher" or "lower"
    digits: int


ROWS = [
    Row("seq_unix", "query-status round trips, sequential, unix", "ops/s", "higher", 0),
    Row("seq_tcp", "query-status round trips, sequential, TCP", "ops/s", "higher", 0),
    Row("seq_unix_p50", "sequential round-trip latency p50, unix", "µs", "lower", 0),
    Row("seq_unix_p99", "sequential round-trip latency p99, unix", "µs", "lower", 0),
    Row("pipe_unix", f"pipelined, {PIPE_DEPTH} in flight, unix", "ops/s", "higher", 0),
    Row("pipe_tcp", f"pipelined, {PIPE_DEPTH} in flight, TCP", "ops/s", "higher", 0),
    Row(
        "pipe_unix_1w",
        f"pipelined, {PIPE_DEPTH} in flight, one write() per request, unix",
        "ops/s",
        "higher",
        0,
    ),
    Row(
        "pipe_tcp_1w",
        f"pipelined, {PIPE_DEPTH} in flight, one write() per request, TCP",
        "ops/s",
        "higher",
        0,
    ),
    Row(
        "pipe_unix_oob",
        f"pipelined, {PIPE_DEPTH} in flight, unix, oob enabled",
        "ops/s",
        "higher",
        0,
    ),
    Row(
        "clients",
        f"{N_MONITORS} clients on {N_MONITORS} monitors, sequential each, aggregate",
        "ops/s",
        "higher",
        0,
    ),
    Row(
        "oob_busy",
        "exec-oob query-yank round trips while another monitor keeps the main loop busy",
        "ops/s",
        "higher",
        0,
    ),
    Row("mux_seq", "through `qmonitor mux`: sequential round trips, unix", "ops/s", "higher", 0),
    Row("mux_clients", "through `qmonitor mux`: 10 sequential clients", "ops/s", "higher", 0),
    Row("large", "1 MiB request id echoed back, in+out, unix", "MB/s", "higher", 2),
    Row(
        "hmp_lines",
        f"HMP: {bench_hmp.LINES:,} `info status` lines piped into -monitor stdio",
        "lines/s",
        "higher",
        0,
    ),
    Row("startup", "start to greeting (median)", "ms", "lower", 1),
    Row("rss_idle", "resident memory, idle, 1 monitor", "MiB", "lower", 1),
    Row(
        "rss_per_monitor",
        f"resident memory per idle QMP monitor ((RSS@{N_MONITORS} - RSS@1)/{N_MONITORS - 1})",
        "KiB",
        "lower",
        1,
    ),
    Row(
        "events_cmd",
        f"events from commands: stop/cont, {bench_events.CMD_DEPTH} in flight, "
        f"heard by it and {bench_events.CMD_LISTENERS} listening monitors, total",
        "events/s",
        "higher",
        0,
    ),
    # qmonitor only (bench_events.py): QEMU has no way to emit events on demand.
    *(
        Row(
            f"events_{n}",
            f"events delivered to {n} client{'s' if n > 1 else ''} on "
            f"{n} monitor{'s' if n > 1 else ''}, total",
            "events/s",
            "higher",
            0,
        )
        for n in bench_events.CLIENT_COUNTS
    ),
    Row("emit_throttled", "throttled emission (RTC_CHANGE, held), no client", "/s", "higher", 0),
    Row("emit_unthrottled", "unthrottled emission, no client", "/s", "higher", 0),
]


def write_scaling_plot(targets: dict[str, Target]) -> None:
    def series(key: str) -> dict[str, list[tuple[float, float]]]:
        return {
            name: [(float(x), float(y)) for x, y in t.results.get("scaling", {}).get(key, [])]
            for name, t in targets.items()
            if t.results.get("scaling", {}).get(key)
        }

    panels = [
        plot.Panel(
            "Large requests (id echoed)", "request size (bytes)", "MB/s", series("size_mb_per_s")
        ),
        plot.Panel(
            "Clients on as many monitors", "clients", "round trips/s", series("clients_ops_per_s")
        ),
    ]
    SCALING_PLOT.write_text(plot.svg(panels))


# ---- report -------------------------------------------------------------------


def fmt(v: float | None, digits: int) -> str:
    if v is None:
        return "n/a"
    return f"{v:,.{digits}f}"


def table(targets: dict[str, Target]) -> tuple[str, list[dict[str, Any]]]:
    q, m, e = targets["qemu"], targets["qmonitor"], targets["echo"]
    b = targets.get("before")
    lines = [
        "| workload | QEMU | qmonitor | ratio (qmonitor/QEMU) | C echo server (the limit) |"
        + (" qmonitor before | change (now/before) |" if b else ""),
        "|---|---:|---:|---:|---:|" + ("---:|---:|" if b else ""),
    ]
    rows = []
    for r in ROWS:
        qv = q.results.get(r.key, {}).get("value")
        mv = m.results.get(r.key, {}).get("value")
        ev = e.results.get(r.key, {}).get("value")
        ratio = mv / qv if qv and mv is not None else None
        label = f"{r.label} ({r.unit}, {r.better} is better)"
        rtxt = "n/a" if ratio is None else f"{ratio:.2f}x"
        etxt = fmt(ev, r.digits) if r.key in ECHO_ROWS else "-"
        line = f"| {label} | {fmt(qv, r.digits)} | {fmt(mv, r.digits)} | {rtxt} | {etxt} |"
        if b is not None:
            bv = b.results.get(r.key, {}).get("value")
            change = f"{mv / bv:.3f}x" if bv and mv is not None else "n/a"
            line += f" {fmt(bv, r.digits)} | {change} |"
        lines.append(line)
        rows.append(
            {
                "key": r.key,
                "label": r.label,
                "unit": r.unit,
                "better": r.better,
                "qemu": qv,
                "qmonitor": mv,
                "ratio": ratio,
                "echo": ev,
                "before": b.results.get(r.key, {}).get("value") if b else None,
                "detail": {
                    name: {k: v for k, v in t.results.get(r.key, {}).items() if k != "value"}
                    for name, t in targets.items()
                },
            }
        )
    return "\n".join(lines), rows
