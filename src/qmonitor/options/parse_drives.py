"""``-drive`` and its short forms: ``-hda``..``-hdd``, ``-cdrom``, ``-fda``/``-fdb``, an image.

As softmmu/vl.c: each is a group of the ``drive`` option list (which
takes any option name; a duplicate id is refused at once), the short
forms made by drive_add (``file=``, ``index=``, ``media=``, and ``if=``
for a floppy).  The drives are opened later, by start-up
(:mod:`qmonitor.machine.block.drive_setup`), in command-line order.
"""

from __future__ import annotations

from qmonitor.machine.block.drive_setup import DriveOption
from qmonitor.options.parser_state import ParserState
from qmonitor.util.qemuopts import OptsGroup, OptsListSpec

#: The ``drive`` option list: any option name (blockdev.c checks them).
DRIVE_OPTS = OptsListSpec("drive", None, ())

#: The short forms: (interface or None for the machine's default, index, media).
_SHORT = {
    "hda": (None, 0, "disk"), "hdb": (None, 1, "disk"), "hdc": (None, 2, "disk"),
    "hdd": (None, 3, "disk"), "cdrom": (None, 2, "cdrom"), "fda": ("floppy", 0, None),
    "fdb": ("floppy", 1, None),
}  # fmt: skip


class DriveGroup(ParserState):
    """``-drive`` and the options that add a drive."""

    def __init__(self, argv: list[str], prog: str) -> None:
        super().__init__(argv, prog)
        self.drive_group = OptsGroup(DRIVE_OPTS)
        #: The drives in command-line order.
        self.drives: list[DriveOption] = []

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
        values.append(("index", str(index)))
        values.append(("file", file))
        self.drives.append(DriveOption(tuple(values), None, loc))

    def _opt_image(self, file: str) -> None:
        """A positional argument: the first hard disk."""
        self._opt_drive_short("hda", file, file)
