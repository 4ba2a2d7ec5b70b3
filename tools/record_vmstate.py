#!/usr/bin/env python3
"""Record what ``qemu-system-x86_64 -dump-vmstate FILE`` writes, for ``-dump-vmstate``.

QEMU 7.2 writes a JSON description of every registered VM state (each
device type's sections, fields and subsections) and exits.  The text is
the same for every machine type but for the ``Name`` of its first entry,
``vmschkmachine``: the machine type's name.  The tool runs QEMU twice with
``-M none`` (the output must be the same both times), checks that ``-M pc``
differs only in that name, and writes ``-M none``'s text, gzipped without a
timestamp (some 36 KB), to ``src/qmonitor/machine/data/vmstate_dump.json.gz``.

Usage::

    python tools/record_vmstate.py [--qemu PATH]
"""

from __future__ import annotations

import argparse
import gzip
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "src" / "qmonitor" / "machine" / "data" / "vmstate_dump.json.gz"
#: The machine name line of the text -M none writes.
NONE_NAME = '"vmschkmachine": {\n    "Name": "none"\n'


def dump(qemu: str, machine: str) -> str:
    """What QEMU writes for ``-M machine -dump-vmstate FILE``."""
    with tempfile.TemporaryDirectory(prefix="vmstate") as tmp:
        out = Path(tmp) / "vmstate.json"
        args = ["-M", machine, "-display", "none", "-nodefaults", "-dump-vmstate", str(out)]
        subprocess.run([qemu, *args], check=True, timeout=60)
        return out.read_text()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--qemu", default="qemu-system-x86_64")
    args = parser.parse_args()
    text = dump(args.qemu, "none")
    if dump(args.qemu, "none") != text:
        print("-dump-vmstate wrote two different texts", file=sys.stderr)
        return 1
    if NONE_NAME not in text:
        print("no vmschkmachine entry for machine none", file=sys.stderr)
        return 1
    pc = dump(args.qemu, "pc")
    if pc != text.replace(NONE_NAME, NONE_NAME.replace('"none"', '"pc-i440fx-7.2"'), 1):
        print("-M pc's text differs beyond the machine name", file=sys.stderr)
        return 1
    DATA.write_bytes(gzip.compress(text.encode(), compresslevel=9, mtime=0))
    print(f"{len(text)} bytes ({DATA.stat().st_size} gzipped) written to {DATA}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
