#!/usr/bin/env python3
"""Record how real QEMU reads ``-readconfig`` files, for tests/options/test_readconfig.py.

Runs ``qemu-system-x86_64`` once per case of
:data:`qmonitor_testsupport.readconfig_cases.CASES` and writes what it
printed, its exit status and, for the files it accepts, its replies to the
probe queries (query-memdev, qom-list /objects, query-spice, query-name).

Usage: ``python tools/record_readconfig.py [--qemu PATH] [--out FILE]``
"""

from __future__ import annotations

from pathlib import Path

from qmonitor_testsupport.readconfig_cases import CASES, run_case
from qmonitor_testsupport.recording import qemu_version, recorder_parser, write_cases


def main() -> None:
    parser = recorder_parser(
        __doc__, Path(__file__).resolve().parent.parent / "tests/golden/cli/readconfig.json"
    )
    ns = parser.parse_args()
    version = qemu_version(ns.qemu)
    cases = [run_case([ns.qemu], *case) for case in CASES]
    write_cases(ns.out, version, cases)


if __name__ == "__main__":
    main()
