#!/usr/bin/env python3
"""Build QEMU 7.2's qtest programs from Debian's source package and run them against qmonitor.

Usage: ``python tools/qtest_suite.py [--dir DIR] [--jobs N] [--programs P ...]
[--no-qemu] [--update-expected] [--json FILE] [--failures]``

Prints a table of passed subtests per program, Debian's QEMU beside qmonitor
(both in the same run), and exits 1 when qmonitor fails a subtest listed in
``tests/golden/qtest/passing.txt`` (the subtests it is known to pass), so a
regression stops CI while the list grows.  ``--update-expected`` rewrites
that list from this run.  The build (about two minutes on two cores) is kept
in ``--dir`` (default ``$QMONITOR_QTEST_DIR`` or ``~/.cache/qmonitor-qtest``)
and reused while the installed QEMU version and the options stay the same.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from qmonitor_testsupport.qtest_suite import (
    PROGRAMS,
    Outcome,
    Target,
    default_root,
    ensure_build,
    list_subtests,
    read_expected,
    run_target,
    table,
    write_expected,
)

REPO = Path(__file__).resolve().parent.parent
EXPECTED = REPO / "tests" / "golden" / "qtest" / "passing.txt"
QEMU = Path("/usr/bin/qemu-system-x86_64")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--dir", type=Path, default=default_root())
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--programs", nargs="+", default=list(PROGRAMS), choices=PROGRAMS)
    parser.add_argument("--qmonitor", type=Path, default=Path(sys.executable).parent / "qmonitor")
    parser.add_argument("--no-qemu", action="store_true", help="run qmonitor only")
    parser.add_argument("--update-expected", action="store_true")
    parser.add_argument("--json", type=Path, help="write every outcome here")
    parser.add_argument(
        "--failures", action="store_true", help="print the output of qmonitor's failures"
    )
    args = parser.parse_args(argv)

    build = ensure_build(args.dir.expanduser(), args.jobs)
    with tempfile.TemporaryDirectory(prefix="qmonitor-qtest-") as tmp:
        link = Path(tmp) / "qemu-system-x86_64"
        link.symlink_to(args.qmonitor.resolve())
        targets = [Target("qmonitor", link)]
        if not args.no_qemu and QEMU.exists():
            targets.insert(0, Target("QEMU 7.2", QEMU, {"QEMU_MODULE_DIR": str(build.module_dir)}))
        wanted: dict[str, list[str]] = {}
        for program in args.programs:
            seen: list[str] = []
            for target in targets:
                seen += [p for p in list_subtests(build, program, target) if p not in seen]
            wanted[program] = seen
        results: dict[str, dict[tuple[str, str], Outcome]] = {}
        for target in targets:
            print(
                f"qtest: running {sum(map(len, wanted.values()))} subtests against {target.name}",
                flush=True,
            )
            results[target.name] = run_target(build, target, wanted, args.jobs)

    print(table(args.programs, wanted, results))
    mine = results["qmonitor"]
    if args.failures:
        for outcome in mine.values():
            if not outcome.passed:
                print(f"\n=== {outcome.program} {outcome.path}\n{outcome.output[-3000:]}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    name: [
                        {
                            "program": o.program,
                            "path": o.path,
                            "passed": o.passed,
                            "seconds": round(o.seconds, 2),
                        }
                        for o in outcomes.values()
                    ]
                    for name, outcomes in results.items()
                },
                indent=1,
            )
            + "\n"
        )
    if args.update_expected:
        EXPECTED.parent.mkdir(parents=True, exist_ok=True)
        write_expected(EXPECTED, mine)
        return 0
    expected = read_expected(EXPECTED) if EXPECTED.exists() else set()
    lost = sorted(
        k for k in expected if k[0] in args.programs and not (k in mine and mine[k].passed)
    )
    for program, path in lost:
        print(f"\nqtest: REGRESSION {program} {path}")
        if (program, path) in mine:
            print(mine[(program, path)].output[-3000:])
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
