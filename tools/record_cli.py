#!/usr/bin/env python3
"""Record how real QEMU answers command lines, for tests/options/test_cmdline.py.

Runs ``qemu-system-x86_64`` once per case in :data:`CASES` and writes what
it printed (stdout, stderr), its exit status, and for command lines it
accepts, whether it was still running after a moment and -- when the case
asks -- the chardevs ``query-chardev`` lists.  Command lines QEMU accepts
keep running, so the script kills them (SIGKILL, so QEMU prints nothing
more).  Sockets go to a fresh temporary directory per case, which is
written back as ``{tmp}`` in the recording, so the tests can replay the same
argument vectors without QEMU.

Usage: ``python tools/record_cli.py [--qemu PATH] [--out FILE] [--cases NAME ...]``
(``--cases`` records only the cases named and keeps the other recordings).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from qmonitor_testsupport.cli_cases import BASE, CASES, DAEMON_CASES, run_case, run_daemon_case
from qmonitor_testsupport.recording import qemu_version


def record_some(qemu: str, out: Path, names: list[str]) -> None:
    """Record the cases ``names`` and merge them into ``out``, in :data:`CASES` order.

    Every other case keeps its recording; each case of :data:`CASES` must
    then have one (new cases are recorded by naming them).
    """
    document = json.loads(out.read_text())
    known = {case["name"]: case for case in document["cases"]}
    wanted = set(names)
    unknown = wanted - {name for name, _, _ in CASES}
    if unknown:
        raise SystemExit(f"no such case: {', '.join(sorted(unknown))}")
    for name, args, opts in CASES:
        if name in wanted:
            known[name] = run_case(qemu, name, args, opts)
    missing = [name for name, _, _ in CASES if name not in known]
    if missing:
        raise SystemExit(f"not recorded yet (name them too): {', '.join(missing)}")
    document["cases"] = [known[name] for name, _, _ in CASES]
    out.write_text(json.dumps(document, indent=1) + "\n")
    print(f"{len(wanted)} cases recorded into {out}")


def main() -> None:
    """Record every case and write the JSON file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qemu", default="qemu-system-x86_64")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent.parent / "tests/golden/cli/cases.json",
    )
    parser.add_argument(
        "--daemon-out",
        type=Path,
        default=Path(__file__).resolve().parent.parent / "tests/golden/cli/daemonize.json",
    )
    parser.add_argument("--only-daemon", action="store_true", help="record DAEMON_CASES only")
    parser.add_argument(
        "--cases",
        nargs="+",
        metavar="NAME",
        help="record these CASES only, keeping the other recordings of --out",
    )
    ns = parser.parse_args()
    if ns.cases:
        record_some(ns.qemu, ns.out, ns.cases)
        return
    daemon_cases = [run_daemon_case([ns.qemu], name, args) for name, args in DAEMON_CASES]
    ns.daemon_out.parent.mkdir(parents=True, exist_ok=True)
    ns.daemon_out.write_text(json.dumps({"cases": daemon_cases}, indent=1) + "\n")
    print(f"{len(daemon_cases)} cases written to {ns.daemon_out}")
    if ns.only_daemon:
        return
    version = qemu_version(ns.qemu)
    cases = [run_case(ns.qemu, name, args, opts) for name, args, opts in CASES]
    ns.out.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "qemu": os.path.basename(ns.qemu),
        "version": version,
        "base": BASE,
        "cases": cases,
    }
    ns.out.write_text(json.dumps(document, indent=1) + "\n")
    print(f"{len(cases)} cases written to {ns.out}")


if __name__ == "__main__":
    main()
