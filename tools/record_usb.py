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

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from record_pcdev import record_family

from qmonitor_testsupport import usb_cases

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
    description = (__doc__ or "").splitlines()[0]
    return record_family(usb_cases, TYPES, GOLDEN, DATA, description)


if __name__ == "__main__":
    sys.exit(main())
