"""When a QMP monitor on stdio greets: once the board is being made, or start-up is done.

QEMU sets a QMP monitor's handlers on its monitor I/O thread and the
greeting on stdio leaves from there while the main thread goes on with
start-up: a start-up error that comes soon after the monitors (``-cpu``,
``-loadvm`` and a display that fails on ``-M none``) usually wins that
race and QEMU prints no greeting, while one that comes once a PC's board
is being built (a bad ``-device``, an IDE disk without medium, a display
that fails after it) comes after the greeting (measured: 0 of 6 runs
against 6 of 6).  qmonitor makes that outcome certain: the stdio
monitor's OPENED is held until :func:`release_greetings`, which start-up
calls before it builds a board and once it is done, and which returns
once the greeting is written.
"""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING

from qmonitor.chardev.base import Chardev, ChrEvent

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine

#: How long a release waits for the I/O thread to write the greeting.
_RELEASE_SECONDS = 10.0


class HeldGreetings:
    """The stdio chardevs whose QMP monitor greets later (a part of the machine)."""

    def __init__(self) -> None:
        self.chardevs: list[Chardev] = []

    def hold(self, chr: Chardev) -> None:
        """Report the chardev closed until released: its monitor greets then."""
        chr.be_open = False
        self.chardevs.append(chr)

    def release(self) -> None:
        """Open each held chardev on its own loop; return once each monitor greeted."""
        held, self.chardevs = self.chardevs, []
        for chr in held:
            loop = chr.loop
            if loop is None or loop.is_closed():
                continue
            done = threading.Event()
            if _running_loop() is loop:  # no I/O thread: greet here
                chr.be_event(ChrEvent.OPENED)
                continue

            def fire(chr: Chardev = chr, done: threading.Event = done) -> None:
                try:
                    chr.be_event(ChrEvent.OPENED)
                finally:
                    done.set()

            loop.call_soon_threadsafe(fire)
            done.wait(_RELEASE_SECONDS)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def hold_greeting(machine: Machine, chr: Chardev) -> None:
    """Hold the greeting of a QMP monitor about to be made on ``chr``, if on stdio."""
    if chr.driver == "stdio" and machine.iothread is not None and chr.supports_gcontext:
        held_greetings(machine).hold(chr)


def held_greetings(machine: Machine) -> HeldGreetings:
    """The machine's held greetings (made on first use)."""
    return machine.part(HeldGreetings, HeldGreetings)


def release_greetings(machine: Machine) -> None:
    """Let the held QMP monitors greet (see the module's docstring)."""
    held_greetings(machine).release()
