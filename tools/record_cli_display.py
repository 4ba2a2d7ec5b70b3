#!/usr/bin/env python3
"""Record how QEMU chooses and starts its local display, for tests/system/test_display_choice.py.

Runs each command line of qmonitor_testsupport.cli_cases_display twice
with the case's environment (no display server, or one that does not
answer) and keeps what QEMU did when both runs agree: whether it kept
running, its exit status, stdout and stderr.  The recordings go to
tests/golden/cli/display.json.

Usage::

    python tools/record_cli_display.py [--qemu PATH] [--out FILE]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qmonitor_testsupport.cli_cases_display import DISPLAY_CASES, run_display_case
from qmonitor_testsupport.recording import qemu_version, recorder_parser, write_cases

OUT = Path(__file__).resolve().parent.parent / "tests" / "golden" / "cli" / "display.json"


def main() -> None:
    parser = recorder_parser(__doc__, OUT)
    args = parser.parse_args()
    cases: list[dict[str, Any]] = []
    for name, argv, env in DISPLAY_CASES:
        first = run_display_case([args.qemu], argv, env)
        second = run_display_case([args.qemu], argv, env)
        if first != second:
            print(f"{name}: QEMU answered two ways, left out")
            continue
        cases.append({"name": name, "argv": argv, "env": env, **first})
    write_cases(args.out, qemu_version(args.qemu), cases)


if __name__ == "__main__":
    main()
