"""``qmonitor persona record --qemu PATH -o FILE``: the persona subcommand."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from qmonitor.persona.record import RecordError, record_persona


def main(argv: Sequence[str], prog: str) -> int:
    """Run ``qmonitor persona ...``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog=f"{prog} persona", description="Record a real QEMU's answers as a persona."
    )
    sub = parser.add_subparsers(dest="action", required=True)
    rec = sub.add_parser("record", help="run a QEMU and record its answers")
    rec.add_argument("--qemu", default="qemu-system-x86_64", help="the QEMU binary to record")
    rec.add_argument("-o", "--output", required=True, help="the persona file to write")
    rec.add_argument(
        "--accel",
        action="append",
        choices=("kvm", "tcg"),
        help="record this accelerator (repeatable; default: kvm when usable, and tcg)",
    )
    rec.add_argument(
        "--cpu",
        action="append",
        metavar="MODEL",
        help="also record the vCPU of this CPU model (repeatable; default: qemu64, max, host)",
    )
    rec.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    ns = parser.parse_args(list(argv))

    def progress(message: str) -> None:
        if not ns.quiet:
            sys.stderr.write(f"{prog} persona: {message}\n")

    try:
        persona = record_persona(ns.qemu, ns.accel, progress, ns.cpu)
        persona.save(ns.output)
    except (RecordError, OSError) as exc:
        sys.stderr.write(f"{prog} persona: {exc}\n")
        return 1
    progress(f"written to {ns.output}")
    return 0
