#!/usr/bin/env python3
"""Record what QEMU 7.2 shows of USB controllers and devices on a PC.

Two recordings, each from ``qemu-system-x86_64 -display none -S`` with a
QMP socket (the machinery of tools/record_pcdev.py):

``cases``
    The sessions of :data:`qmonitor_testsupport.usb_cases.CASES` (each
    reply and the events that came with it) and the command lines of
    :data:`usb_cases.CLI_ERRORS` (QEMU's message and exit status), into
    ``tests/golden/usb/cases.json``; replayed by
    tests/machine/devices/test_usb_golden.py.
``devices``
    The facts of the USB controllers and devices (``info qtree`` lines,
    PCI configuration space and BARs) from :data:`usb_cases.TEMPLATES`,
    into ``src/qmonitor/machine/data/usb_devices.json``.

Usage::

    python tools/record_usb.py [--qemu PATH] [cases|devices]...
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from record_pcdev import record_cases, record_cli, record_devices

from qmonitor_testsupport import usb_cases
from qmonitor_testsupport.recording import qemu_version

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "usb" / "cases.json"
DATA = ROOT / "src" / "qmonitor" / "machine" / "data" / "usb_devices.json"
#: The types whose facts are kept (the others are in pc_devices.json).
TYPES = (
    "piix4-usb-uhci",
    "qemu-xhci",
    "nec-usb-xhci",
    "usb-ehci",
    "pci-ohci",
    "ich9-usb-ehci1",
    "ich9-usb-ehci2",
    "ich9-usb-uhci1",
    "ich9-usb-uhci2",
    "ich9-usb-uhci3",
    "ich9-usb-uhci4",
    "ich9-usb-uhci5",
    "ich9-usb-uhci6",
    "usb-hub",
    "usb-tablet",
    "usb-mouse",
    "usb-kbd",
    "usb-wacom-tablet",
    "usb-serial",
    "usb-braille",
    "usb-net",
    "usb-storage",
    "usb-ccid",
    "usb-bot",
    "usb-uas",
    "usb-host",
    "usb-mtp",
    "usb-redir",
    "usb-audio",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--qemu", default="qemu-system-x86_64")
    parser.add_argument("what", nargs="*", default=["cases", "devices"])
    opts = parser.parse_args()
    version = qemu_version(opts.qemu)
    if "devices" in opts.what:
        found = record_devices(opts.qemu, usb_cases.TEMPLATES, [])
        types = {name: found[name] for name in TYPES}
        DATA.write_text(json.dumps({"version": version, "types": types}, indent=0,
                                   sort_keys=True) + "\n")  # fmt: skip
        print(f"{len(types)} device types written to {DATA}")
    if "cases" in opts.what:
        cases = record_cases(opts.qemu, usb_cases.CASES)
        cli = record_cli(opts.qemu, usb_cases.CLI_ERRORS)
        document = {"version": version, "cases": cases, "cli": cli}
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(document, indent=1) + "\n")
        print(f"{len(cases)} cases written to {GOLDEN}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
