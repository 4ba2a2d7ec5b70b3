#!/usr/bin/env python3
"""Record real QEMU's answers to the qtest scripts of qmonitor_testsupport.qtest_transcripts.

Every script runs under ``-accel qtest`` (Debian's QEMU loads it as a
module: point QEMU_MODULE_DIR at a directory holding
``accel-qtest-x86_64.so``), so the virtual clock moves only on
``clock_step``/``clock_set`` and the transcript is the same on every run;
the tool plays each script twice and refuses to write a transcript that
differs between the runs.

Usage: ``python tools/record_qtest.py [--qemu PATH] [--out DIR] [NAME...]``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from qmonitor_testsupport.qtest_transcripts import SCRIPTS, play
from qmonitor_testsupport.recording import qemu_version, recorder_parser


def main() -> int:
    parser = recorder_parser(__doc__, Path(__file__).resolve().parent.parent / "tests/golden/qtest")
    parser.add_argument("names", nargs="*")
    ns = parser.parse_args()
    version = qemu_version(ns.qemu)
    ns.out.mkdir(parents=True, exist_ok=True)
    status = 0
    for script in SCRIPTS:
        if ns.names and script.name not in ns.names:
            continue
        first = play([ns.qemu], script)
        second = play([ns.qemu], script)
        if first["exchanges"] != second["exchanges"]:
            print(f"{script.name}: not deterministic, not written", file=sys.stderr)
            status = 1
            continue
        record = {"qemu": Path(ns.qemu).name, "version": version, **first}
        (ns.out / f"{script.name}.json").write_text(json.dumps(record, indent=1) + "\n")
        print(f"{script.name}: {len(record['exchanges'])} exchanges")
    return status


if __name__ == "__main__":
    sys.exit(main())
