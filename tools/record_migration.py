"""Record two QEMU 7.2 processes migrating (tests/golden/migration/).

Plays every scenario of :mod:`qmonitor_testsupport.migration_cases` with
QEMU as both source and destination and writes each end's messages,
normalised (no timestamps, no statistics values, placeholders for paths
and ports), to one JSON file per scenario.  Re-recording gives the same
files but for QEMU's own races, which the replaying test
(tests/machine/migrate/test_migration_pairs.py) names and tolerates: how
many MIGRATION_PASS events a guest that dirties memory adds, a
query-status that still sees ``finish-migrate`` just after ``completed``,
and MIGRATION ``device`` before or after migrate-continue's reply.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from qmonitor_testsupport.migration_cases import BAD_STREAMS, SCENARIOS, write_stream
from qmonitor_testsupport.migration_pair import run_scenario
from qmonitor_testsupport.recording import qemu_version, recorder_parser

OUT = Path(__file__).resolve().parent.parent / "tests" / "golden" / "migration"


def main() -> int:
    parser = recorder_parser(__doc__, OUT)
    parser.add_argument("names", nargs="*", help="scenarios to record (default: all)")
    parser.add_argument("--print", action="store_true", help="print, do not write")
    opts = parser.parse_args()
    version = qemu_version(opts.qemu)
    for scenario in (*SCENARIOS, *BAD_STREAMS):
        if opts.names and scenario.name not in opts.names:
            continue
        prepare = write_stream(scenario) if scenario in BAD_STREAMS else None
        with tempfile.TemporaryDirectory(prefix="qm-mig-") as tmp:
            got = run_scenario(scenario, [opts.qemu], Path(tmp), prepare)
        doc = {"version": version, "scenario": scenario.name, "description": scenario.description}
        doc.update(got)
        text = json.dumps(doc, indent=1) + "\n"
        if opts.print:
            sys.stdout.write(text)
            continue
        opts.out.mkdir(parents=True, exist_ok=True)
        (opts.out / f"{scenario.name}.json").write_text(text)
        print(f"{scenario.name}: {len(got['both'])} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
