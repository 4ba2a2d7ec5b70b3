"""Live migration between null machines, as QEMU 7.2 migrates.

:mod:`.uri` reads the URIs, :mod:`.stream` is the wire format (sans-IO),
:mod:`.state` what it carries, :mod:`.stats` the figures
``query-migrate`` reports, :mod:`.outgoing` and :mod:`.incoming` the two
ends, :mod:`.channels` their sockets, fds and commands, and
:mod:`.commands` their QMP commands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qmonitor.errors import QmonitorError
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine


class IncomingError(QmonitorError):
    """``-incoming URI`` could not start: QEMU's text (the process exits 1)."""


def start_incoming(machine: Machine, uri: str) -> None:
    """Start the incoming migration the command line asked for (``-incoming URI``)."""
    from qmonitor.machine.migrate.commands import incoming

    try:
        incoming(machine).start(uri)
    except QapiError as exc:
        raise IncomingError(exc.desc) from None


__all__ = ["IncomingError", "start_incoming"]
