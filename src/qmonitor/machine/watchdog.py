"""The iBASE 700 watchdog (``-device ib700``) and what a watchdog does on expiry.

The ib700 has two write-only registers of two ports each: a byte written
to 0x443/0x444 arms the timer, its low nibble choosing the timeout from
QEMU's table (30 s down to 0 s in 2 s steps); any byte written to
0x441/0x442 disarms it.  A word write within one register is two byte
writes, one across the two registers reaches only the first, a long write
neither; reads see nothing behind the ports.  The timer runs on QEMU_CLOCK_VIRTUAL; when
it expires the machine performs the watchdog action (``-watchdog-action``,
``-action watchdog=``, QMP ``watchdog-set-action`` / ``set-action``) and
the timer is disarmed (hw/watchdog/wdt_ib700.c, hw/watchdog/watchdog.c).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from qmonitor.monitor.events import SECOND_NS, Clock, TimerHandle

#: The ports the ib700 claims.
IB700_BASE = 0x441
IB700_PORTS = 4

#: Seconds to expiry for each value of the low nibble written to 0x443.
IB700_TIMEOUTS_S = (30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0)

#: What QEMU prints on stderr for the ``debug`` action.
WATCHDOG_DEBUG_MESSAGE = "watchdog: timer fired\n"


class WatchdogAction(Enum):
    """WatchdogAction (qapi/run-state.json): what an expired watchdog does."""

    #: Reset the guest, as a guest-initiated reset.
    RESET = "reset"
    #: Ask the guest to power down (an ACPI power button press).
    SHUTDOWN = "shutdown"
    #: Exit at once with status 0; no SHUTDOWN event.
    POWEROFF = "poweroff"
    #: Stop the VM in the ``watchdog`` run state.
    PAUSE = "pause"
    #: Print a message on stderr and carry on.
    DEBUG = "debug"
    #: Only the event.
    NONE = "none"
    #: Inject an NMI into the guest (nothing a monitor sees).
    INJECT_NMI = "inject-nmi"


class Ib700:
    """The ib700's ports and timer; ``expired`` is called when the timer runs out."""

    def __init__(self, clock: Clock, expired: Callable[[], None]) -> None:
        self._clock = clock
        self._expired = expired
        self._timer: TimerHandle | None = None
        self._deadline_ns = 0

    @property
    def armed(self) -> bool:
        return self._timer is not None

    def port_read(self, addr: int, size: int) -> int:
        return (1 << (8 * size)) - 1

    def port_write(self, addr: int, size: int, value: int) -> None:
        # QEMU's portio glue: a word write is split into two byte writes only
        # while both bytes fall in the same register; a long write reaches
        # neither register.
        if size == 4:
            return
        self._write_byte(addr, value & 0xFF)
        if size == 2 and addr // 2 == (addr + 1) // 2:
            self._write_byte(addr + 1, (value >> 8) & 0xFF)

    def _write_byte(self, addr: int, value: int) -> None:
        if addr < 2:
            self.disarm()
        else:
            self.arm(IB700_TIMEOUTS_S[value & 0x0F] * SECOND_NS)

    def arm(self, timeout_ns: int) -> None:
        """(Re)start the timer to expire ``timeout_ns`` from now on its clock."""
        self.disarm()
        self._deadline_ns = self._clock.now_ns() + timeout_ns
        self._timer = self._clock.call_at(self._deadline_ns, self._fire)

    def remaining_ns(self) -> int | None:
        """Nanoseconds until the armed timer expires (None when not armed), for migration."""
        if self._timer is None:
            return None
        return max(0, self._deadline_ns - self._clock.now_ns())

    def disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def reset(self) -> None:
        """Device reset: the timer stops."""
        self.disarm()

    def _fire(self) -> None:
        self._timer = None
        self._expired()
