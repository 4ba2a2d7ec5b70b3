#!/usr/bin/env python3
"""Record how real QEMU takes file descriptors, for tests/monitor/test_fds_golden.py.

Plays each case of :data:`qmonitor_testsupport.fd_cases.CASES` against
``qemu-system-x86_64`` (getfd/closefd, add-fd/remove-fd/query-fdsets with
descriptors sent by ``socket.send_fds``, HMP, TCP, ``-add-fd``) and writes
the replies, descriptor numbers normalised as the module describes.  Each
case is played twice and must give the same record both times.

Usage: ``python tools/record_fds.py [--qemu PATH] [--out FILE]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

from qmonitor_testsupport.fd_cases import CASES, run_case


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qemu", default="qemu-system-x86_64")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent.parent / "tests/golden/fds/fds.json",
    )
    ns = parser.parse_args()
    version = subprocess.run(
        [ns.qemu, "-version"], capture_output=True, text=True, check=True
    ).stdout.splitlines()[0]
    cases = []
    for case in CASES:
        first = run_case([ns.qemu], case)
        if run_case([ns.qemu], case) != first:
            raise SystemExit(f"{case.name}: QEMU answered differently on a second run")
        cases.append(first)
    ns.out.write_text(json.dumps({"version": version, "cases": cases}, indent=1) + "\n")
    print(f"{len(cases)} cases written to {ns.out}")


if __name__ == "__main__":
    main()
