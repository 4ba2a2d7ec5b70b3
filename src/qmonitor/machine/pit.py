"""The i8254 programmable interval timer of a PC (ports 0x40-0x43), as QEMU 7.2 models it.

Three counters at 1.193182 MHz, each in one of six modes; counter 0's
output drives ISA interrupt 0 through a timer on QEMU_CLOCK_VIRTUAL that
fires at each transition of the output (hw/timer/i8254.c,
hw/timer/i8254_common.c).  After reset every counter is in mode 3 (square
wave) with a count of 65536, so a PC raises and lowers IRQ 0 about 18.2
times a second of virtual time even with no guest, which qtest clients
see as ``IRQ raise 0`` / ``IRQ lower 0`` lines once they intercept the
IOAPIC.

Counter 0's interrupt timer is armed only once something can observe it
(:meth:`Pit.start_irq_timer`, called when a qtest server attaches): the
null machine's guest reads nothing, and a PC started for a management
client should not wake its main loop 36 times a second.
"""

from __future__ import annotations

from dataclasses import dataclass

from qmonitor.machine.irq import GpioDevice, GpioOut
from qmonitor.monitor.events import SECOND_NS, Clock, TimerHandle

#: The counters' input clock, Hz (PIT_FREQ).
PIT_FREQ = 1193182

#: Read/write states of a counter's data port (RW_STATE_*).
RW_LSB, RW_MSB, RW_WORD0, RW_WORD1 = 1, 2, 3, 4


def _ticks(ns: int) -> int:
    """``muldiv64(ns, PIT_FREQ, NANOSECONDS_PER_SECOND)`` for ns >= 0."""
    return ns * PIT_FREQ // SECOND_NS


@dataclass
class _Counter:
    count: int = 0x10000
    mode: int = 3
    gate: int = 1
    load_time: int = 0
    rw_mode: int = 0
    read_state: int = 0
    write_state: int = 0
    write_latch: int = 0
    latched_count: int = 0
    count_latched: int = 0
    status: int = 0
    status_latched: bool = False
    bcd: int = 0
    next_transition: int = -1

    def elapsed(self, now: int) -> int:
        return _ticks(now - self.load_time)

    def out(self, now: int) -> int:
        """The counter's output at ``now`` (pit_get_out)."""
        d, count, mode = self.elapsed(now), self.count, self.mode
        if mode == 1:
            return int(d < count)
        if mode == 2:
            return int(d % count == 0 and d != 0)
        if mode == 3:
            return int(d % count < (count + 1) >> 1)
        if mode in (4, 5):
            return int(d == count)
        return int(d >= count)  # mode 0, and 6/7 as QEMU's default

    def next_transition_time(self, now: int) -> int:
        """When the output changes next, or -1 (pit_get_next_transition_time)."""
        d, count, mode = self.elapsed(now), self.count, self.mode
        if mode == 2:
            base = d - d % count
            nxt = base + count if d == base and d != 0 else base + count + 1
        elif mode == 3:
            base = d - d % count
            half = (count + 1) >> 1
            nxt = base + half if d - base < half else base + count
        elif mode in (4, 5):
            if d < count:
                nxt = count
            elif d == count:
                nxt = count + 1
            else:
                return -1
        elif d < count:  # modes 0 and 1
            nxt = count
        else:
            return -1
        when = self.load_time + nxt * SECOND_NS // PIT_FREQ
        return when if when > now else now + 1

    def current_count(self, now: int) -> int:
        """The counter's value (pit_get_count)."""
        d = self.elapsed(now)
        if self.mode in (0, 1, 4, 5):
            return (self.count - d) & 0xFFFF
        if self.mode == 3:
            return self.count - (2 * d) % self.count
        return self.count - d % self.count


class Pit:
    """The three counters, their ports, and counter 0's interrupt timer."""

    def __init__(self, clock: Clock, path: str) -> None:
        self._clock = clock
        self.gpio = GpioDevice(path)
        #: Counter 0's output, connected by the board (ISA interrupt 0).
        self.irq: GpioOut = self.gpio.init_out(1)[0]
        # The HPET turns counter 0's interrupt off while it is in legacy mode.
        self.gpio.init_in(self._irq_control, 1)
        self._irq_disabled = False
        self._armed = False
        self._timer: TimerHandle | None = None
        self.counters = [_Counter() for _ in range(3)]
        self.reset()

    # -- reset and the interrupt timer -------------------------------------------

    def reset(self) -> None:
        """Device reset: every counter in mode 3 with the full count (pit_reset)."""
        now = self._clock.now_ns()
        for index, c in enumerate(self.counters):
            c.mode, c.gate, c.load_time, c.count = 3, int(index != 2), now, 0x10000
        c0 = self.counters[0]
        if not self._irq_disabled:
            c0.next_transition = c0.next_transition_time(now)
            self._mod_timer(c0.next_transition)

    def start_irq_timer(self) -> None:
        """Let counter 0's timer run from now on (something can see IRQ 0)."""
        if not self._armed:
            self._armed = True
            c0 = self.counters[0]
            if not self._irq_disabled and c0.next_transition != -1:
                self._mod_timer(c0.next_transition)

    def _mod_timer(self, when: int) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._armed and when != -1:
            self._timer = self._clock.call_at(when, self._fire)

    def _fire(self) -> None:
        self._timer = None
        self._irq_update(self.counters[0].next_transition)

    def _irq_update(self, now: int) -> None:
        """pit_irq_timer_update for counter 0."""
        if self._irq_disabled:
            return
        c0 = self.counters[0]
        expire = c0.next_transition_time(now)
        self.irq.set(c0.out(now))
        c0.next_transition = expire
        self._mod_timer(expire)

    def _irq_control(self, n: int, enable: int) -> None:
        if enable:
            self._irq_disabled = False
            self._irq_update(self._clock.now_ns())
        else:
            self._irq_disabled = True
            self._mod_timer(-1)

    def _load(self, index: int, value: int) -> None:
        c = self.counters[index]
        c.count = value or 0x10000
        c.load_time = self._clock.now_ns()
        if index == 0:
            self._irq_update(c.load_time)

    def _latch(self, c: _Counter) -> None:
        if not c.count_latched:
            c.latched_count = c.current_count(self._clock.now_ns()) & 0xFFFF
            c.count_latched = c.rw_mode

    # -- ports -------------------------------------------------------------------

    def port_write(self, addr: int, size: int, value: int) -> None:
        for i in range(size):  # byte-wide registers: wider accesses split
            self._write_byte((addr + i) & 3, (value >> (8 * i)) & 0xFF)

    def port_read(self, addr: int, size: int) -> int:
        return sum(self._read_byte((addr + i) & 3) << (8 * i) for i in range(size))

    def _write_byte(self, addr: int, val: int) -> None:
        if addr != 3:
            c = self.counters[addr]
            state = c.write_state
            if state == RW_MSB:
                self._load(addr, val << 8)
            elif state == RW_WORD0:
                c.write_latch, c.write_state = val, RW_WORD1
            elif state == RW_WORD1:
                self._load(addr, c.write_latch | (val << 8))
                c.write_state = RW_WORD0
            else:
                self._load(addr, val)
            return
        channel = val >> 6
        if channel == 3:  # read-back command
            now = self._clock.now_ns()
            for c, bit in zip(self.counters, (2, 4, 8), strict=True):
                if not val & bit:
                    continue
                if not val & 0x20:
                    self._latch(c)
                if not val & 0x10 and not c.status_latched:
                    c.status = (c.out(now) << 7) | (c.rw_mode << 4) | (c.mode << 1) | c.bcd
                    c.status_latched = True
            return
        c = self.counters[channel]
        access = (val >> 4) & 3
        if access == 0:
            self._latch(c)
        else:
            c.rw_mode = c.read_state = c.write_state = access
            c.mode = (val >> 1) & 7
            c.bcd = val & 1

    def _read_byte(self, addr: int) -> int:
        if addr == 3:
            return 0  # the mode/command register reads as nothing
        c = self.counters[addr]
        if c.status_latched:
            c.status_latched = False
            return c.status
        if c.count_latched:
            if c.count_latched == RW_MSB:
                c.count_latched = 0
                return c.latched_count >> 8
            if c.count_latched == RW_WORD0:
                c.count_latched = RW_MSB
                return c.latched_count & 0xFF
            c.count_latched = 0
            return c.latched_count & 0xFF
        count = c.current_count(self._clock.now_ns())
        if c.read_state == RW_MSB:
            return (count >> 8) & 0xFF
        if c.read_state == RW_WORD0:
            c.read_state = RW_WORD1
            return count & 0xFF
        if c.read_state == RW_WORD1:
            c.read_state = RW_WORD0
            return (count >> 8) & 0xFF
        return count & 0xFF
