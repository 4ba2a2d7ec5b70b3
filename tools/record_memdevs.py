#!/usr/bin/env python3
"""Record what QEMU 7.2 answers about memory devices, the balloon and -mem-path.

Plays :data:`qmonitor_testsupport.memdev_cases.CASES` against
``qemu-system-x86_64 -display none -S`` with a QMP socket (HMP through
``human-monitor-command``), keeping each reply and the events that came
within 0.2 s of it, and runs each of :data:`memdev_cases.CLI_ERRORS`
for its exit status and standard error.  Writes
``tests/golden/memdev/cases.json``, replayed by
tests/machine/test_memdev_golden.py.

Usage::

    python tools/record_memdevs.py [--qemu PATH] [--out PATH]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from record_pcdev import record_cases, record_cli

from qmonitor_testsupport.memdev_cases import CASES, CLI_ERRORS
from qmonitor_testsupport.recording import qemu_version, recorder_parser

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "memdev" / "cases.json"


def main() -> int:
    options = recorder_parser(__doc__, GOLDEN).parse_args()
    document = {
        "version": qemu_version(options.qemu),
        "cases": record_cases(options.qemu, CASES),
        "cli": record_cli(options.qemu, CLI_ERRORS),
    }
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(document, indent=1) + "\n")
    print(f"{len(document['cases'])} sessions, {len(document['cli'])} command lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
