"""The texts of ``-version`` and ``-h``, in QEMU's layout.

Kept apart from the option scanner (:mod:`qmonitor.options.cmdline`): they are
data.  The ``-h`` text is QEMU 7.2's, recorded into ``data/help.txt``; only
its version lines and the program name are written here.
"""

from __future__ import annotations

import json
import os
from functools import cache


def copyright_year(version: tuple[int, int, int]) -> int:
    """The last year of QEMU's copyright line for ``version``.

    Since 3.0 QEMU has made one major release a year (x.0 in spring to x.2
    in December), so the year follows from the major number; 7.x says 2022.
    """
    return 2015 + version[0] if version[0] >= 3 else 2017


def version_text(version: tuple[int, int, int], package: str) -> str:
    """What ``-version`` prints: QEMU_FULL_VERSION and QEMU_COPYRIGHT."""
    pkg = f" ({package})" if package else ""
    return (
        f"QEMU emulator version {version[0]}.{version[1]}.{version[2]}{pkg}\n"
        f"Copyright (c) 2003-{copyright_year(version)} Fabrice Bellard and the QEMU Project "
        "developers\n"
    )


#: QEMU 7.2's -h text after its usage paragraph (recorded by tools/record_help_text.py).
HELP_FILE = os.path.join(os.path.dirname(__file__), "data", "help.txt")


@cache
def _help_body() -> str:
    with open(HELP_FILE, encoding="utf-8") as f:
        return f.read()


def help_text(prog: str, version: tuple[int, int, int], package: str) -> str:
    """What ``-h`` prints: QEMU 7.2's text, with the version and program name of this run.

    The option blocks are QEMU's own, byte for byte, so they list options
    qmonitor only accepts; qmonitor's ``-qmonitor-*`` options are not in
    them (QEMU's users see what they know; README.md lists qmonitor's).
    """
    return (
        version_text(version, package)
        + f"usage: {prog} [options] [disk_image]\n\n"
        + "'disk_image' is a raw hard disk image for IDE hard disk 0\n\n"
        + _help_body()
    )


#: QEMU 7.2's help listings that depend on its build (tools/record_help_text.py).
LISTINGS_FILE = os.path.join(os.path.dirname(__file__), "data", "help_lists.json")


@cache
def _listings() -> dict[str, str]:
    with open(LISTINGS_FILE, encoding="utf-8") as f:
        listings: dict[str, str] = json.load(f)
    return listings


def recorded_listing(key: str) -> str:
    """A recorded help listing: ``vga``, ``netdev``, ``audiodev`` or ``object:TYPE``."""
    return _listings()[key]
