#!/usr/bin/env python3
"""Record QEMU's ``-h`` text and its help listings into package data (src/qmonitor/options/data).

``qemu-system-x86_64 -h`` prints its version lines, a usage line naming the
program, then the option blocks of qemu-options.def for its target and a
closing paragraph.  Only the first three lines vary (with the version and
the name QEMU was run as), so the file keeps what follows the usage
paragraph; :func:`qmonitor.options.help.help_text` puts the varying lines
back in front.  tests/golden/cli/cases.json's ``help`` case checks the
whole output byte for byte.

It also records, into help_lists.json, what QEMU prints on standard output
for the help requests whose text comes from its build (which types,
drivers and backends it has): ``-object TYPE,help`` for every user
creatable type, ``-vga help``, ``-netdev help`` and ``-audiodev help``.

Usage: ``python tools/record_help_text.py [--qemu PATH] [--out FILE]``
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from qmonitor.options.objects import USER_CREATABLE
from qmonitor_testsupport.recording import recorder_parser

#: The paragraph that ends QEMU's fixed head; help.txt starts after it.
USAGE_END = "'disk_image' is a raw hard disk image for IDE hard disk 0\n\n"


#: Every run starts with these options (no machine devices, no display).
BASE = ["-M", "none", "-display", "none", "-nodefaults"]

#: help_lists.json's keys and the options that ask QEMU for each text.
LISTINGS: dict[str, list[str]] = {
    "vga": ["-vga", "help"],
    "netdev": ["-netdev", "help"],
    "audiodev": ["-audiodev", "help"],
    "audio-help": ["-audio-help"],
    **{f"object:{name}": ["-object", f"{name},help"] for name in USER_CREATABLE},
}


def _stdout(qemu: str, args: list[str]) -> str:
    done = subprocess.run(
        [qemu, *args], capture_output=True, stdin=subprocess.DEVNULL, timeout=30, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{args}: exit status {done.returncode}: {done.stderr.decode()}")
    return done.stdout.decode()


def main() -> None:
    default = Path(__file__).resolve().parent.parent / "src/qmonitor/options/data/help.txt"
    ns = recorder_parser(__doc__, default).parse_args()
    out = _stdout(ns.qemu, ["-h"])
    at = out.index(USAGE_END) + len(USAGE_END)
    ns.out.parent.mkdir(parents=True, exist_ok=True)
    ns.out.write_text(out[at:])
    print(f"{out[at:].count(chr(10))} lines written to {ns.out}")
    lists = {key: _stdout(ns.qemu, [*BASE, *args]) for key, args in LISTINGS.items()}
    lists_out = ns.out.parent / "help_lists.json"
    lists_out.write_text(json.dumps(lists, indent=1) + "\n")
    print(f"{len(lists)} listings written to {lists_out}")


if __name__ == "__main__":
    main()
