"""The numbers ``query-migrate`` reports, computed from the machine, not the host.

The null machine's guest RAM is all zero, so every page goes as QEMU
sends a zero page (ram.c's save_zero_page: an 8-byte address-and-flags
word and one byte), which QEMU counts as ``duplicate``.  How long that
takes follows from ``max-bandwidth``: QEMU's rate limiter lets that many
bytes through per second.  Everything here is a pure function of RAM
size, bandwidth and the size of the device state, so two runs report the
same figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

#: x86's target page size.
PAGE_SIZE = 4096
#: Bytes a zero page costs on the wire (ram.c: be64 offset|flags, then the byte).
ZERO_PAGE_BYTES = 9
#: ROM blocks a PC board migrates beside its RAM: QEMU 7.2's ``-M pc -m 128``
#: reports a RAM total of 134750208, 128 MiB + this (pc.bios and pc.rom,
#: then the ACPI tables, the table loader and the RSDP) ...
PC_ROM_BYTES = 532480
#: ... and with ``acpi=off`` (or ``-no-acpi``, as libvirt starts a domain
#: without ``<acpi/>``) 134610944: no ACPI blobs, pc.bios and pc.rom only.
PC_NO_ACPI_ROM_BYTES = 393216
#: dirty-sync-count after a completed precopy (the setup sync and the final one).
FINAL_SYNC_COUNT = 2


def ram_total(machine_type: str, ram_size: int, *, acpi: bool = True) -> int:
    """Bytes of RAM blocks a machine migrates (none: 0)."""
    if machine_type == "none" or machine_type.startswith("x-remote"):
        return 0
    return ram_size + (PC_ROM_BYTES if acpi else PC_NO_ACPI_ROM_BYTES)


def acpi_enabled(machine_props: tuple[tuple[str, str], ...]) -> bool:
    """Whether the machine builds ACPI tables (its ``acpi`` property is not ``off``)."""
    return dict(machine_props).get("acpi") != "off"


@dataclass(frozen=True, slots=True)
class Plan:
    """One migration's figures, fixed when it starts."""

    total: int
    bandwidth: int
    device_bytes: int
    #: The VM ran during the RAM pass: QEMU counts bytes sent while it runs
    #: as ``precopy-bytes`` and the others as ``downtime-bytes``.
    running: bool = False
    #: Pages sent when postcopy started (None: precopy only).  QEMU counts what
    #: goes after that as ``postcopy-bytes``, nothing as ``downtime-bytes``.
    postcopy_from: int | None = None

    @property
    def pages(self) -> int:
        return self.total // PAGE_SIZE

    @property
    def ram_bytes(self) -> int:
        return self.pages * ZERO_PAGE_BYTES

    @property
    def transfer_ms(self) -> int:
        """Milliseconds the RAM pass takes at ``max-bandwidth``."""
        return math.ceil(self.ram_bytes * 1000 / self.bandwidth) if self.bandwidth else 0

    @property
    def downtime_ms(self) -> int:
        """Milliseconds the device state takes once the VM is stopped."""
        return math.ceil(self.device_bytes * 1000 / self.bandwidth) if self.bandwidth else 0

    def ram_info(self, sent_pages: int, syncs: int, *, completed: bool) -> dict[str, Any]:
        """MigrationStats after ``sent_pages`` pages and ``syncs`` bitmap syncs."""
        # QEMU's RAM counters count RAM pages only, not the device state.
        transferred = sent_pages * ZERO_PAGE_BYTES
        postcopy = 0
        if self.postcopy_from is None:
            precopy = transferred if self.running else 0
        else:
            precopy = min(sent_pages, self.postcopy_from) * ZERO_PAGE_BYTES if self.running else 0
            postcopy = transferred - precopy
        downtime_bytes = transferred - precopy - postcopy
        elapsed = self.transfer_ms + (self.downtime_ms if completed else 0)
        mbps = transferred * 8 / 1e6 / (elapsed / 1000) if completed and elapsed else 0.0
        pps = sent_pages * 1000 // elapsed if completed and elapsed else 0
        return {
            "transferred": transferred,
            "remaining": (self.pages - sent_pages) * PAGE_SIZE,
            "total": self.total,
            "duplicate": sent_pages,
            "skipped": 0,
            "normal": 0,
            "normal-bytes": 0,
            "dirty-pages-rate": 0,
            "mbps": mbps,
            "dirty-sync-count": syncs,
            "postcopy-requests": 0,
            "page-size": PAGE_SIZE,
            "multifd-bytes": 0,
            "pages-per-second": pps,
            "precopy-bytes": precopy,
            "downtime-bytes": downtime_bytes,
            "postcopy-bytes": postcopy,
            "dirty-sync-missed-zero-copy": 0,
        }
