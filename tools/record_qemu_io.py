#!/usr/bin/env python3
"""Record QEMU 7.2's HMP ``qemu-io``: its help texts, and sessions of I/O and dirty bitmaps.

The help texts (``help`` and ``help NAME`` for each command, which qemu-io
prints on QEMU's standard output) go to
``src/qmonitor/machine/data/qemu_io_help.json``, read by
qmonitor.machine.block.qemu_io.  The sessions of
:data:`qmonitor_testsupport.qemu_io_cases.CASES` (replies, standard output
with timings normalised, the images' content afterwards) go to
``tests/golden/qemu_io/cases.json``, replayed against qmonitor by
tests/machine/test_qemu_io_golden.py.  A session is recorded twice and
kept only if both runs agree.

Usage::

    python tools/record_qemu_io.py [--qemu PATH]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from qmonitor_testsupport.qemu_io_cases import CASES
from qmonitor_testsupport.qemu_io_session import run_session
from qmonitor_testsupport.recording import qemu_version, recorder_parser, write_cases

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "qemu_io" / "cases.json"
HELP = ROOT / "src" / "qmonitor" / "machine" / "data" / "qemu_io_help.json"
#: A word no command has: ``help MARK<n>`` separates the texts on standard output.
MARK = "zzmark"


def _help_session(names: list[str]) -> dict[str, object]:
    steps = []
    for i, name in enumerate(names):
        steps.append({"hmp": f'qemu-io d0 "help {name}"'})
        steps.append({"hmp": f'qemu-io d0 "help {MARK}{i}"'})
    return {"name": "help", "args": ["-drive", "if=none,id=d0,driver=null-co"], "steps": steps}


def record_help(qemu: str) -> dict[str, str]:
    """``help`` and ``help NAME`` of every command it lists."""
    listing = run_session([qemu], _help_session([""]))["stdout"]
    assert isinstance(listing, str)
    text = listing.split(f"command {MARK}0 not found\n")[0]
    names = [line.split(" ")[0] for line in text.split("\n\n")[0].splitlines()]
    out = run_session([qemu], _help_session(names))["stdout"]
    assert isinstance(out, str)
    texts: dict[str, str] = {"": text}
    for i, name in enumerate(names):
        part, _, out = out.partition(f"command {MARK}{i} not found\n")
        texts[name] = part
    return texts


def main() -> int:
    parser = recorder_parser(__doc__, GOLDEN)
    opts = parser.parse_args()
    texts = record_help(opts.qemu)
    HELP.write_text(json.dumps(texts, indent=1, sort_keys=True) + "\n")
    print(f"{len(texts)} help texts written to {HELP}")
    cases = []
    for case in CASES:
        first = run_session([opts.qemu], case)
        second = run_session([opts.qemu], case)
        if first != second:
            print(f"{case['name']}: runs differ, not kept", file=sys.stderr)
            continue
        cases.append({**case, **first})
        print(case["name"], file=sys.stderr)
    write_cases(opts.out, qemu_version(opts.qemu), cases)
    return 0


if __name__ == "__main__":
    sys.exit(main())
