#!/usr/bin/env python3
"""Record QEMU's ``-h`` text into package data (src/qmonitor/options/data/help.txt).

``qemu-system-x86_64 -h`` prints its version lines, a usage line naming the
program, then the option blocks of qemu-options.def for its target and a
closing paragraph.  Only the first three lines vary (with the version and
the name QEMU was run as), so the file keeps what follows the usage
paragraph; :func:`qmonitor.options.help.help_text` puts the varying lines
back in front.  tests/golden/cli/cases.json's ``help`` case checks the
whole output byte for byte.

Usage: ``python tools/record_help_text.py [--qemu PATH] [--out FILE]``
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from qmonitor_testsupport.recording import recorder_parser

#: The paragraph that ends QEMU's fixed head; help.txt starts after it.
USAGE_END = "'disk_image' is a raw hard disk image for IDE hard disk 0\n\n"


def main() -> None:
    default = Path(__file__).resolve().parent.parent / "src/qmonitor/options/data/help.txt"
    ns = recorder_parser(__doc__, default).parse_args()
    out = subprocess.run(
        [ns.qemu, "-h"], capture_output=True, check=True, stdin=subprocess.DEVNULL
    ).stdout.decode()
    at = out.index(USAGE_END) + len(USAGE_END)
    ns.out.parent.mkdir(parents=True, exist_ok=True)
    ns.out.write_text(out[at:])
    print(f"{out[at:].count(chr(10))} lines written to {ns.out}")


if __name__ == "__main__":
    main()
