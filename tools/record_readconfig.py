#!/usr/bin/env python3
"""Record how real QEMU reads ``-readconfig`` files, for tests/options/test_readconfig.py.

Runs ``qemu-system-x86_64`` once per case of
:data:`qmonitor_testsupport.readconfig_cases.CASES` and writes what it
printed, its exit status and, for the files it accepts, its replies to the
probe queries (query-memdev, qom-list /objects, query-spice, query-name).

Usage: ``python tools/record_readconfig.py [--qemu PATH] [--out FILE]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

from qmonitor_testsupport.readconfig_cases import CASES, run_case


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qemu", default="qemu-system-x86_64")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent.parent / "tests/golden/cli/readconfig.json",
    )
    ns = parser.parse_args()
    version = subprocess.run(
        [ns.qemu, "-version"], capture_output=True, text=True, check=True
    ).stdout.splitlines()[0]
    cases = [run_case([ns.qemu], *case) for case in CASES]
    ns.out.write_text(json.dumps({"version": version, "cases": cases}, indent=1) + "\n")
    print(f"{len(cases)} cases written to {ns.out}")


if __name__ == "__main__":
    main()
