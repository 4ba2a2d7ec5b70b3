#!/usr/bin/env python3
"""Record the QMP corpus (qmonitor_testsupport.qmp_corpus) from real QEMU into tests/golden/qmp/.

Runs every case of the corpus against ``qemu-system-x86_64`` (in parallel,
one fresh process per case) and writes one file per theme.  Each case is
recorded ``--runs`` times; a case whose runs differ is reported and the
script fails, so only deterministic transcripts are written.  The QEMU
version and package in each file's header come from the greetings.

Usage::

    python tools/record_golden.py [--qemu PATH] [--out DIR] [-k SUBSTRING]
                                  [--runs N] [--workers N] [--print]

``-k`` records only the cases whose name contains SUBSTRING and merges them
into the existing files; ``--print`` shows the transcripts instead of writing.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from qmonitor_testsupport import golden_diff, golden_format, goldenlib, qmp_corpus


def _greeting_version(recorded: dict[str, Any]) -> tuple[str, str] | None:
    for step in recorded["steps"]:
        if step["op"] == "connect":
            text = step.get("recv", {}).get(str(step["conn"]), "")
            if text.startswith('{"QMP": '):
                return goldenlib.parse_greeting(text.encode())
    return None


def _record_runs(case: goldenlib.Case, qemu: list[str], runs: int) -> tuple[Any, str | None]:
    first: dict[str, Any] | None = None
    for _ in range(runs):
        try:
            got = goldenlib.record_case(case, qemu)
        except (goldenlib.DriverError, OSError) as exc:
            return None, str(exc)
        if first is None:
            first = got
        else:
            problem = goldenlib.compare_recordings(
                first, got, qmp_corpus.FLOATING_REPLIES.get(case.name, frozenset())
            )
            if problem:
                return first, f"{case.name}: runs differ\n{problem}"
    return first, None


def _print_case(recorded: dict[str, Any]) -> None:
    print(f"=== {recorded['name']}: {recorded['description']}")
    if recorded["args"]:
        print("    args:", " ".join(recorded["args"]))
    for step in recorded["steps"]:
        parts = [step["op"], f"conn {step['conn']}" if "conn" in step else ""]
        print("--> " + " ".join(p for p in parts if p))
        if step["op"] == "send":
            for w in step.get("writes", [step]):
                data = golden_format._decode_bytes(w, "send")
                print(golden_diff._indent(goldenlib.escape(data), "    > "))
        for conn, (data, eof) in sorted(goldenlib.received_from_json(step).items()):
            if data:
                print(golden_diff._indent(goldenlib.escape(data), f"    <{conn} "))
            if eof:
                print(f"    <{conn} EOF")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--qemu", default=shutil.which("qemu-system-x86_64"))
    parser.add_argument("--out", type=Path, default=goldenlib.GOLDEN_DIR)
    parser.add_argument("-k", dest="select", default=None, help="only cases containing this")
    parser.add_argument("--runs", type=int, default=2, help="recordings per case to compare")
    parser.add_argument("--workers", type=int, default=goldenlib.WORKERS)
    parser.add_argument("--print", action="store_true", help="print transcripts, write nothing")
    args = parser.parse_args(argv)
    if not args.qemu:
        parser.error("qemu-system-x86_64 not found; use --qemu")

    cases = [c for c in qmp_corpus.CASES if args.select is None or args.select in c.name]
    if not cases:
        parser.error("no case selected")
    qemu = [args.qemu]
    start = time.monotonic()
    results = goldenlib.run_parallel(
        cases, lambda c: _record_runs(c, qemu, args.runs), args.workers
    )
    elapsed = time.monotonic() - start

    problems = [p for _, p in results if p]
    recorded = {c.name: r for c, (r, _) in zip(cases, results, strict=True) if r is not None}
    if args.print:
        for case in cases:
            if case.name in recorded:
                _print_case(recorded[case.name])
    for problem in problems:
        print("PROBLEM " + problem, file=sys.stderr)
    print(
        f"{len(recorded)} cases recorded ({args.runs} runs each) in {elapsed:.1f}s,"
        f" {len(problems)} problems",
        file=sys.stderr,
    )
    if problems or args.print:
        return 1 if problems else 0

    versions = {v for v in map(_greeting_version, recorded.values()) if v is not None}
    if len(versions) != 1:
        print(f"expected one QEMU version among the greetings, got {versions}", file=sys.stderr)
        return 1
    version, package = versions.pop()
    _write(args.out, recorded, args.qemu, version, package, partial=args.select is not None)
    return 0


def _write(
    out: Path,
    recorded: dict[str, dict[str, Any]],
    qemu: str,
    version: str,
    package: str,
    *,
    partial: bool,
) -> None:
    """One file per theme, cases in corpus order; a partial run merges into the old files."""
    out.mkdir(parents=True, exist_ok=True)
    old: dict[str, dict[str, Any]] = {}
    if partial:
        old = {name: rec for name, (_, rec) in goldenlib.load_recordings(out).items()}
    themes: dict[str, list[dict[str, Any]]] = {}
    for case in qmp_corpus.CASES:
        rec = recorded.get(case.name, old.get(case.name))
        if rec is not None:
            themes.setdefault(case.theme, []).append(rec)
    if not partial:
        for stale in out.glob("*.json"):
            if stale.stem not in themes:
                stale.unlink()
    for theme, recs in themes.items():
        data = {
            "format": goldenlib.FORMAT,
            "theme": theme,
            "qemu": {"binary": Path(qemu).name, "version": version, "package": package},
            "cases": recs,
        }
        (out / f"{theme}.json").write_text(_dump(data), encoding="utf-8")
    print(f"wrote {sum(map(len, themes.values()))} cases to {out}", file=sys.stderr)


def _dump(data: dict[str, Any]) -> str:
    """JSON with one line per step, so that diffs of re-recordings stay readable."""

    def one(obj: Any) -> str:
        return json.dumps(obj, ensure_ascii=True)

    lines = ["{"]
    for key, value in data.items():
        if key != "cases":
            lines.append(f" {one(key)}: {one(value)},")
    lines.append(' "cases": [')
    for i, rec in enumerate(data["cases"]):
        head = ", ".join(f"{one(k)}: {one(v)}" for k, v in rec.items() if k != "steps")
        lines.append(f'  {{{head}, "steps": [')
        steps = rec["steps"]
        for j, step in enumerate(steps):
            lines.append("   " + one(step) + ("," if j < len(steps) - 1 else ""))
        lines.append("  ]}" + ("," if i < len(data["cases"]) - 1 else ""))
    lines.append(" ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
