"""Single-step mode (QEMU's ``singlestep``): set by ``-singlestep`` and HMP ``singlestep``.

A null machine executes nothing, so the mode changes no execution; it is
state that ``query-status`` and ``info status`` report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine


class Singlestep:
    """Whether single-step mode is on for one machine."""

    def __init__(self) -> None:
        self.enabled = False


def singlestep_on(machine: Machine) -> bool:
    """Whether single-step mode is on."""
    return machine.part(Singlestep, Singlestep).enabled


def set_singlestep(machine: Machine, enabled: bool) -> None:
    """Turn single-step mode on or off."""
    machine.part(Singlestep, Singlestep).enabled = enabled
