#!/usr/bin/env python3
"""Record what QEMU 7.2 shows of SCSI adapters and disks on a PC.

Two recordings, each from ``qemu-system-x86_64 -display none -S`` with a
QMP socket (the machinery of tools/record_pcdev.py):

``cases``
    The sessions of :data:`qmonitor_testsupport.scsi_cases.CASES` (each
    reply and the events that came with it) and the command lines of
    :data:`scsi_cases.CLI_ERRORS` (QEMU's message and exit status), into
    ``tests/golden/scsi/cases.json``; replayed by
    tests/machine/devices/test_scsi_golden.py.
``devices``
    The facts of the SCSI device types (``info qtree`` lines, PCI
    configuration space and BARs) from :data:`scsi_cases.TEMPLATES`, into
    ``src/qmonitor/machine/data/scsi_devices.json``.

Usage::

    python tools/record_scsi.py [--qemu PATH] [cases|devices]...
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from record_pcdev import record_family

from qmonitor_testsupport import scsi_cases

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "scsi" / "cases.json"
DATA = ROOT / "src" / "qmonitor" / "machine" / "data" / "scsi_devices.json"
#: The types whose facts are kept (the others are in pc_devices.json).
TYPES = (
    "lsi53c895a",
    "lsi53c810",
    "megasas",
    "megasas-gen2",
    "mptsas1068",
    "am53c974",
    "dc390",
    "pvscsi",
    "virtio-scsi-pci-transitional",
    "virtio-scsi-pci-non-transitional",
    "scsi-hd",
    "scsi-cd",
)


def main() -> int:
    description = (__doc__ or "").splitlines()[0]
    return record_family(scsi_cases, TYPES, GOLDEN, DATA, description)


if __name__ == "__main__":
    sys.exit(main())
