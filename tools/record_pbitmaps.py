#!/usr/bin/env python3
"""Record QEMU 7.2 storing and loading persistent dirty bitmaps in qcow2 images.

Each case of :data:`qmonitor_testsupport.pbitmap_cases.CASES` (images,
``qemu-img`` commands and machine runs in turn, see
:mod:`qmonitor_testsupport.pbitmap_session`) is played twice against
QEMU and kept only if both runs agree; the transcripts (replies, standard
output and error, and after each run the bitmaps ``qemu-img info`` lists,
``qemu-img check``'s figures and the image's SHA-256) go to
``tests/golden/pbitmap/cases.json``, replayed against qmonitor by
tests/machine/test_pbitmap_golden.py.

Usage::

    python tools/record_pbitmaps.py [--qemu PATH]
"""

from __future__ import annotations

import sys
from pathlib import Path

from qmonitor_testsupport.pbitmap_cases import CASES
from qmonitor_testsupport.pbitmap_session import run_case
from qmonitor_testsupport.recording import qemu_version, recorder_parser, write_cases

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "pbitmap" / "cases.json"


def main() -> int:
    parser = recorder_parser(__doc__, GOLDEN)
    parser.add_argument("names", nargs="*", help="record only these cases")
    opts = parser.parse_args()
    cases = []
    for case in CASES:
        if opts.names and case["name"] not in opts.names:
            continue
        first = run_case([[opts.qemu]], case)
        second = run_case([[opts.qemu]], case)
        if first != second:
            print(f"{case['name']}: runs differ, not kept", file=sys.stderr)
            continue
        cases.append({**case, "results": first})
        print(case["name"], file=sys.stderr)
    write_cases(opts.out, qemu_version(opts.qemu), cases)
    return 0


if __name__ == "__main__":
    sys.exit(main())
