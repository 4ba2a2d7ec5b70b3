#!/usr/bin/env python3
"""Record QEMU's temporary overlays of ``-snapshot`` and ``snapshot=on`` drives.

Runs each case of qmonitor_testsupport.snapshot_overlay_cases against
QEMU (its drives, the queries' replies, the temporary folder while it runs
and after, whether the images changed) and writes them to
tests/golden/block/snapshot_overlay.json.

Usage::

    python tools/record_snapshot_overlay.py [--qemu PATH] [--out FILE]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qmonitor_testsupport.recording import qemu_version, recorder_parser, write_cases
from qmonitor_testsupport.snapshot_overlay_cases import OVERLAY_CASES, run_overlay_case

OUT = Path(__file__).resolve().parent.parent / "tests/golden/block/snapshot_overlay.json"


def main() -> None:
    args = recorder_parser(__doc__, OUT).parse_args()
    cases: list[dict[str, Any]] = []
    for name, argv, tmpdir in OVERLAY_CASES:
        got = run_overlay_case([args.qemu], argv, tmpdir)
        cases.append({"name": name, "argv": argv, "tmpdir": tmpdir, **got})
    write_cases(args.out, qemu_version(args.qemu), cases)


if __name__ == "__main__":
    main()
