"""QEMU's command line, parsed the way ``qemu-system-x86_64`` 7.2 parses it.

:func:`parse_args` turns an argument vector into a :class:`Config`: the
chardevs to open, the monitors to put on them, and the machine settings.  It
opens nothing.  Errors QEMU only meets while opening a device (a socket that
cannot be bound, a file that cannot be created) are left to whoever opens it.

``-qmonitor-version X.Y.Z`` and ``-qmonitor-package STR`` are qmonitor's
own options: the QEMU version to emulate and the ``package`` string to
report.  Options QEMU has but qmonitor does not model are accepted and
listed in :attr:`Config.unmodelled`.

This module is the command line's front door; the work is done by
:mod:`qmonitor.options.parser` (the passes and stages) and its option
groups, with the results in :mod:`qmonitor.options.config`.
"""

from __future__ import annotations

from qmonitor.options.config import ChardevConfig, CmdlineError, Config, DeviceConfig, MonitorConfig
from qmonitor.options.parser import Parser
from qmonitor.options.parser_state import msg_timestamp

__all__ = [
    "ChardevConfig",
    "CmdlineError",
    "Config",
    "DeviceConfig",
    "MonitorConfig",
    "msg_timestamp",
    "parse_args",
]


def parse_args(argv: list[str], prog: str) -> Config:
    """Parse QEMU's command line ``argv`` (without the program name).

    :param prog: the program name QEMU puts in front of its messages.
    :raises CmdlineError: for errors, ``-h``, ``-version`` and help requests,
        with QEMU's text and exit status.
    """
    return Parser(argv, prog).run()
