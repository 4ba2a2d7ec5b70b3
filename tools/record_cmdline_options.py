#!/usr/bin/env python3
"""Record QEMU 7.2's ``query-command-line-options`` replies, as test data and package data.

Runs ``qemu-system-x86_64 -M TYPE -S -display none -nodefaults`` for the
machine types ``none``, ``pc`` and ``q35`` and writes:

- tests/golden/cli/command_line_options.json: the reply line to the
  request without arguments, and to ``option`` for each group and for an
  unknown one, per machine type (replayed by
  tests/options/test_command_line_options.py);
- src/qmonitor/options/data/option_groups.json: every group of the ``pc``
  reply with its parameters, in QEMU's order (qmonitor.options.optgroups
  builds the option lists its parser does not model from it).

Usage: ``python tools/record_cmdline_options.py [--qemu PATH]``
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from qmonitor_testsupport.procs import qmp_replies
from qmonitor_testsupport.recording import qemu_version, recorder_parser

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "src" / "qmonitor" / "options" / "data" / "option_groups.json"
MACHINES = ("none", "pc", "q35")
CAPS: dict[str, Any] = {"execute": "qmp_capabilities"}
QUERY = "query-command-line-options"


def record(qemu: str, machine: str) -> dict[str, str]:
    """The replies for one machine type: ``"*"`` for all groups, else by option asked."""
    args = ["-M", machine, "-S", "-display", "none", "-nodefaults"]
    with tempfile.TemporaryDirectory(prefix="qmonitor-clo-") as tmp:
        first = qmp_replies([qemu], args, [CAPS, {"execute": QUERY}], Path(tmp))[1]
        groups = [group["option"] for group in json.loads(first)["return"]]
        asked = [*groups, "nosuch"]
        requests: list[dict[str, Any]] = [CAPS]
        requests += [{"execute": QUERY, "arguments": {"option": o}} for o in asked]
        lines = qmp_replies([qemu], args, requests, Path(tmp))[1:]
    replies = {"*": first.decode().rstrip("\r\n")}
    for option, line in zip(asked, lines, strict=True):
        replies[option] = line.decode().rstrip("\r\n")
    return replies


def main() -> None:
    parser = recorder_parser(
        __doc__, ROOT / "tests" / "golden" / "cli" / "command_line_options.json"
    )
    ns = parser.parse_args()
    recorded = {machine: record(ns.qemu, machine) for machine in MACHINES}
    document = {"version": qemu_version(ns.qemu), "replies": recorded}
    ns.out.write_text(json.dumps(document, indent=1) + "\n")
    groups = json.loads(recorded["pc"]["*"])["return"]
    DATA.write_text(json.dumps(groups, indent=0) + "\n")
    print(f"{len(MACHINES)} machine types written to {ns.out}; {len(groups)} groups to {DATA}")


if __name__ == "__main__":
    main()
