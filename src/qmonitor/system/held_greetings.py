"""When a QMP monitor on stdio greets: once the board is being made, or start-up is done.

QEMU sets a QMP monitor's handlers on its monitor I/O thread (a bottom
half, which also puts the monitor on the monitor list), and the greeting
on stdio leaves from there while the main thread goes on with start-up: a
start-up error that comes soon after the monitors (``-cpu``, ``-loadvm``
and a display that fails on ``-M none``) usually wins that race and QEMU
prints no greeting, while one that comes once a PC's board is being built
(an IDE disk without medium, a display that fails after it) comes after
the greeting (measured: 0 of 6 runs against 6 of 6).  qmonitor makes that
outcome certain: such a monitor is made but started (handlers set, input
read, greeting written) only by :func:`release_greetings`, which start-up
calls before it builds a board and once it is done, and which returns
once the greeting is written.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from qmonitor.chardev.base import Chardev

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine
    from qmonitor.monitor.qmp import MonitorQMP

#: How long a release waits for the I/O thread to write the greeting.
_RELEASE_SECONDS = 10.0


class HeldGreetings:
    """The QMP monitors on stdio not started yet (a part of the machine)."""

    def __init__(self) -> None:
        self.monitors: list[MonitorQMP] = []

    def release(self) -> None:
        """Start each held monitor; return once its I/O thread has greeted."""
        held, self.monitors = self.monitors, []
        for mon in held:
            mon.start()
            loop = mon.loop
            if loop is None or loop.is_closed():
                continue
            # The greeting is scheduled on the monitor's loop: what comes after it ran.
            done = threading.Event()
            loop.call_soon_threadsafe(done.set)
            done.wait(_RELEASE_SECONDS)


def add_held_qmp_monitor(machine: Machine, chr: Chardev, pretty: bool) -> None:
    """A QMP monitor on ``chr``; on stdio with an I/O thread it starts once released."""
    if chr.driver == "stdio" and machine.iothread is not None and chr.supports_gcontext:
        mon = machine.add_qmp_monitor(chr, pretty=pretty, start=False)
        machine.part(HeldGreetings, HeldGreetings).monitors.append(mon)
    else:
        machine.add_qmp_monitor(chr, pretty=pretty)


def release_greetings(machine: Machine) -> None:
    """Start the held QMP monitors (see the module's docstring)."""
    machine.part(HeldGreetings, HeldGreetings).release()
