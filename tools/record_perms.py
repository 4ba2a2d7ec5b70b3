#!/usr/bin/env python3
"""Record QEMU 7.2's block permission conflicts: a node's second user refused.

The sessions of :data:`qmonitor_testsupport.perm_cases.CASES` (each reply
and the events that came with it) and the command lines of
:data:`perm_cases.CLI_ERRORS` (QEMU's message and exit status), played
against ``qemu-system-x86_64 -display none -S`` through the machinery of
tools/record_pcdev.py, into ``tests/golden/perms/cases.json``; replayed by
tests/machine/test_perms_golden.py.

Usage::

    python tools/record_perms.py [--qemu PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from record_pcdev import record_cases, record_cli

from qmonitor_testsupport import perm_cases
from qmonitor_testsupport.recording import qemu_version

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "perms" / "cases.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--qemu", default="qemu-system-x86_64")
    opts = parser.parse_args()
    cases = record_cases(opts.qemu, perm_cases.CASES)
    cli = record_cli(opts.qemu, perm_cases.CLI_ERRORS)
    document = {"version": qemu_version(opts.qemu), "cases": cases, "cli": cli}
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    GOLDEN.write_text(json.dumps(document, indent=1) + "\n")
    print(f"{len(cases)} cases written to {GOLDEN}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
