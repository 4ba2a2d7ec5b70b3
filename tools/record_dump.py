"""Record QEMU 7.2's guest memory dumps (tests/golden/dump/).

Plays every case of :mod:`qmonitor_testsupport.dump_cases` against QEMU
and writes, per case, the QMP messages its client received and, for each
file QEMU wrote, the size, mode, SHA-256 and ``readelf -h -l`` output.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from qmonitor_testsupport.dump_cases import CASES, run_case
from qmonitor_testsupport.recording import qemu_version, recorder_parser

OUT = Path(__file__).resolve().parent.parent / "tests" / "golden" / "dump"


def main() -> int:
    parser = recorder_parser(__doc__, OUT)
    parser.add_argument("names", nargs="*", help="cases to record (default: all)")
    parser.add_argument("--print", action="store_true", help="print, do not write")
    opts = parser.parse_args()
    version = qemu_version(opts.qemu)
    for case in CASES:
        if opts.names and case.name not in opts.names:
            continue
        with tempfile.TemporaryDirectory(prefix="qm-dump-") as tmp:
            got = run_case(case, [opts.qemu], Path(tmp))
        doc = {"version": version, "case": case.name, "description": case.description, **got}
        text = json.dumps(doc, indent=1) + "\n"
        if opts.print:
            sys.stdout.write(text)
            continue
        opts.out.mkdir(parents=True, exist_ok=True)
        (opts.out / f"{case.name}.json").write_text(text)
        print(f"{case.name}: {len(got['messages'])} messages, {len(got['files'])} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
