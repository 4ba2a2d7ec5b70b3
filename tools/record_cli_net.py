#!/usr/bin/env python3
"""Record the network command lines (qmonitor_testsupport.cli_cases_net) from QEMU.

Each case runs for a moment as :func:`qmonitor_testsupport.cli_cases.run_case`
runs it (QEMU's stderr, exit status, whether it kept running) and the
recordings go to tests/golden/cli/net.json.

Usage::

    python tools/record_cli_net.py [--qemu PATH] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from qmonitor_testsupport.cli_cases import run_case
from qmonitor_testsupport.cli_cases_net import NET_CASES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qemu", default="qemu-system-x86_64")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent.parent / "tests/golden/cli/net.json",
    )
    ns = parser.parse_args()
    cases = [run_case(ns.qemu, name, args, opts) for name, args, opts in NET_CASES]
    ns.out.write_text(json.dumps({"cases": cases}, indent=1) + "\n")
    print(f"{len(cases)} cases written to {ns.out}")


if __name__ == "__main__":
    main()
