#!/usr/bin/env python3
"""Record when real QEMU sends its QMP events while a qtest script drives it.

Each scenario of :data:`SCENARIOS` starts ``qemu-system-x86_64 -M pc
-display none -nodefaults -qtest unix:SOCK -qmp unix:QMP,...`` plus the
scenario's options (this harness listens on SOCK first: QEMU connects out),
negotiates QMP, then plays the scenario's steps -- qtest lines (each waits
for its reply), QMP commands and pauses -- and writes down every QMP event
with its arrival time and its ``timestamp``, both in seconds since the
script started, the qtest and QMP replies, what QEMU printed on stderr and
how it ended.  Debian's QEMU has no qtest accelerator, so everything runs
in real time: the RTC's RTC_CHANGE and the ib700's WATCHDOG show QEMU's
one-a-second throttle on the wire, and the ib700's timer runs on the
virtual clock of a running VM.

tests/machine/test_event_timing.py plays the same scenarios against
qmonitor with :func:`play` and compares.

Usage: ``python tools/record_event_timing.py [--qemu PATH] [--out DIR] [NAME...]``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from qmonitor_testsupport.event_timing import SCENARIOS, play
from qmonitor_testsupport.recording import qemu_version, recorder_parser


def main() -> None:
    parser = recorder_parser(
        __doc__, Path(__file__).resolve().parent.parent / "tests/golden/events"
    )
    parser.add_argument("names", nargs="*")
    ns = parser.parse_args()
    version = qemu_version(ns.qemu)
    ns.out.mkdir(parents=True, exist_ok=True)
    for scenario in SCENARIOS:
        if ns.names and scenario.name not in ns.names:
            continue
        record = {
            "qemu": os.path.basename(ns.qemu),
            "version": version,
            **play([ns.qemu], scenario),
        }
        path = ns.out / f"{scenario.name}.json"
        path.write_text(json.dumps(record, indent=1) + "\n")
        summary = ", ".join(f"{e['event']}@{e['at']:.3f}" for e in record["events"])
        print(f"{scenario.name}: {summary}")


if __name__ == "__main__":
    main()
