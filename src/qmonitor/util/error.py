"""Errors and diagnostics of the util layer (QEMU's util/error.c, in exceptions).

QEMU reports a failed parse with an ``Error`` carrying a message and an
optional hint, and prints warnings through ``warn_report``; the caller adds
the command-line location in front.  Here an error is :class:`QemuOptsError`,
a warning a :class:`Diagnostic` appended to a list the caller supplies, and a
request for help :class:`QemuOptsHelp`.  Nothing here prints or exits.
"""

from __future__ import annotations

from dataclasses import dataclass

from qmonitor.errors import QmonitorError


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One message QEMU would print: ``message`` after the location prefix, then ``hint``.

    ``hint`` is printed verbatim on the following line(s) (QEMU's
    ``error_append_hint`` / ``error_printf``); it ends with a newline when present.
    """

    message: str
    hint: str = ""
    warning: bool = False

    def render(self, prefix: str) -> str:
        """Return the text QEMU prints, given ``prefix`` (``"PROG: -opt arg: "``)."""
        kind = "warning: " if self.warning else ""
        return f"{prefix}{kind}{self.message}\n{self.hint}"


class QemuOptsError(QmonitorError):
    """An option argument QEMU rejects; ``message`` and ``hint`` are QEMU's text."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    @property
    def diagnostic(self) -> Diagnostic:
        """The error as a :class:`Diagnostic`."""
        return Diagnostic(self.message, self.hint)


class QemuOptsHelp(QmonitorError):
    """The option asked for help: QEMU prints ``text`` on stdout and exits with ``status``."""

    def __init__(self, text: str, status: int) -> None:
        super().__init__(text)
        self.text = text
        self.status = status
