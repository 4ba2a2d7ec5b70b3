"""``-drive`` and its short forms (``-hda``, ``-cdrom``, ``-fda``, ``-sd``, ..., an image).

As softmmu/vl.c: each is a group of the ``drive`` option list (which
takes any option name; a duplicate id is refused at once), the short
forms made by drive_add (``file=``, ``index=``, ``media=``, and ``if=``
for a floppy).  The drives are opened later, by start-up
(:mod:`qmonitor.machine.block.drive_setup`), in command-line order.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from qmonitor.machine.block.drive_setup import DriveOption, check_drives
from qmonitor.machine.pcboard import board_layout
from qmonitor.options.machines import machine_typename
from qmonitor.options.parser_state import ParserState
from qmonitor.util.qemuopts import OptsGroup, OptsListSpec

#: The ``drive`` option list: any option name (blockdev.c checks them).
DRIVE_OPTS = OptsListSpec("drive", None, ())

#: The short forms: (interface or None for the machine's default, index, media),
#: index None for the next free unit.
_SHORT: dict[str, tuple[str | None, int | None, str | None]] = {
    "hda": (None, 0, "disk"), "hdb": (None, 1, "disk"), "hdc": (None, 2, "disk"),
    "hdd": (None, 3, "disk"), "cdrom": (None, 2, "cdrom"), "fda": ("floppy", 0, None),
    "fdb": ("floppy", 1, None), "sd": ("sd", None, None), "pflash": ("pflash", None, None),
    "mtdblock": ("mtd", None, None),
}  # fmt: skip


class DriveGroup(ParserState):
    """``-drive`` and the options that add a drive."""

    #: The ``-blockdev`` nodes (kept by MiscGroup).
    blockdevs: list[tuple[dict[str, Any], str]]

    def __init__(self, argv: list[str], prog: str) -> None:
        super().__init__(argv, prog)
        self.drive_group = OptsGroup(DRIVE_OPTS)
        #: The drives in command-line order.
        self.drives: list[DriveOption] = []
        #: ``-snapshot``: temporary overlays over the drives.
        self.snapshot_drives = False

    def _opt_drive(self, arg: str | None, loc: str) -> None:
        assert arg is not None
        opts = self._parse_opts(self.drive_group, arg, loc)
        self.drives.append(DriveOption(tuple(opts.items), opts.id, loc))

    def _opt_drive_short(self, name: str, file: str, loc: str) -> None:
        """drive_add(): the options of a short form."""
        interface, index, media = _SHORT[name]
        values: list[tuple[str, str]] = []
        if media is not None:
            values.append(("media", media))
        if interface is not None:
            values.append(("if", interface))
        if index is not None:
            values.append(("index", str(index)))
        values.append(("file", file))
        self.drives.append(DriveOption(tuple(values), None, loc))

    def _opt_snapshot(self, arg: str | None, loc: str) -> None:
        """``-snapshot``: every drive that does not say otherwise gets ``snapshot=on``."""
        self.snapshot_drives = True

    def _drives_with_snapshot(self) -> None:
        """configure_blockdev's drive_enable_snapshot, before the drives are made."""
        if not self.snapshot_drives:
            return
        self.drives = [
            drive
            if any(key == "snapshot" for key, _ in drive.values)
            else replace(drive, values=(*drive.values, ("snapshot", "on")))
            for drive in self.drives
        ]

    def _opt_image(self, file: str) -> None:
        """A positional argument: the first hard disk."""
        self._opt_drive_short("hda", file, file)

    def _configure_blockdev(self, machine: str) -> None:
        """configure_blockdev()'s drive checks, where QEMU makes the drives.

        Among the early backends: after the chardevs, before the machine's
        properties, the accelerator, the monitors and the devices.  QEMU
        opens the ``-blockdev`` nodes first, which start-up does (a node may
        reach out of the process): with any, the drives wait for start-up too.
        """
        self._drives_with_snapshot()
        if not self.drives or self.blockdevs:
            return
        mtype = machine_typename(machine) or machine
        pc = board_layout(mtype, not self.has_defaults) is not None
        error = check_drives(tuple(self.drives), "ide" if pc else "none", "q35" in mtype)
        if error is not None:
            loc, text = error
            raise self._fail(text, loc)
