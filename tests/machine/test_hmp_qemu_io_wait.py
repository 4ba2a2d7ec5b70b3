"""qemu-io ``sleep`` on HMP: the monitor holds its input until the timer fires, as QEMU's."""

from __future__ import annotations

import errno
from collections.abc import Callable
from typing import Any

from qmonitor.machine.block.hmp_qemu_io import _MonitorOutput


class _Loop:
    def __init__(self) -> None:
        self.timers: list[tuple[float, Callable[[], None]]] = []

    def call_later(self, delay: float, callback: Callable[[], None]) -> None:
        self.timers.append((delay, callback))


class _Machine:
    def __init__(self) -> None:
        self.loop = _Loop()


class _Mon:
    def __init__(self, interactive: bool) -> None:
        self.machine = _Machine()
        self.interactive = interactive
        self.suspended = 0

    def suspend(self) -> int:
        if not self.interactive:
            return -errno.ENOTTY
        self.suspended += 1
        return 0

    def resume(self) -> None:
        self.suspended -= 1


def test_an_interactive_monitor_is_suspended_until_the_timer() -> None:
    mon = _Mon(interactive=True)
    output: Any = _MonitorOutput(mon)  # type: ignore[arg-type]
    output.wait(0.25)
    assert mon.suspended == 1
    [(delay, callback)] = mon.machine.loop.timers
    assert delay == 0.25
    callback()
    assert mon.suspended == 0


def test_a_monitor_without_chardev_waits_in_place() -> None:
    mon = _Mon(interactive=False)
    output: Any = _MonitorOutput(mon)  # type: ignore[arg-type]
    output.wait(0.0)
    assert mon.machine.loop.timers == [] and mon.suspended == 0
