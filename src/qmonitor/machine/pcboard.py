"""The devices of a PC board that qtest reaches: interrupts, PIT, RTC/CMOS and memory.

:class:`PcBoard` builds, for a ``pc`` (i440FX) or ``q35`` machine, the
interrupt routing (:class:`~qmonitor.machine.irq.PcInterrupts`), the PIT
on ports 0x40-0x43 driving ISA interrupt 0, the RTC on 0x70/0x71 driving
ISA interrupt 8, the guest's address space, and fills the CMOS bytes the
board sets at start-up (pc_cmos_init and its late part in hw/i386/pc.c:
memory sizes, boot order, equipment byte, floppy drive types).  It knows
the QOM paths QEMU 7.2 gives these devices, so that qtest's
``irq_intercept_in ioapic`` and friends find them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from qmonitor.machine.irq import PIT_ISA_IRQ, RTC_ISA_IRQ, GpioDevice, PcInterrupts
from qmonitor.machine.memory import GuestMemory
from qmonitor.machine.pit import Pit
from qmonitor.machine.ports import PortBus
from qmonitor.machine.rtc import MC146818
from qmonitor.machine.rtc_time import CLOCK_HOST, CLOCK_RT, RtcSettings
from qmonitor.machine.vclock import HostClock
from qmonitor.monitor.events import Clock, RealtimeClock

KIB, MIB = 1024, 1024 * 1024
#: CMOS bytes the board fills (hw/i386/pc.c).
CMOS_FLOPPY_TYPES, CMOS_EQUIPMENT = 0x10, 0x14
#: CMOS drive type of the 2.88 MB drive an empty default floppy reports.
CMOS_FLOPPY_288 = 5
#: Boot order ``cad`` as CMOS nibbles (0x3d: first two, 0x38: third; floppy check on).
CMOS_BOOT_CAD = ((0x3D, 0x12), (0x38, 0x30))


@dataclass(frozen=True)
class BoardLayout:
    """Where QEMU 7.2 puts a board's devices in the QOM tree."""

    ioapic: str
    pics: tuple[str, str]
    rtc: str
    pit: str


def _unattached(n: int) -> str:
    return f"/machine/unattached/device[{n}]"


def board_layout(machine_type: str, nodefaults: bool) -> BoardLayout | None:
    """The QOM paths of a ``pc*``/``q35`` machine's devices; None for other types."""
    if machine_type == "q35" or machine_type.startswith("pc-q35"):
        return BoardLayout("/machine/q35/ioapic", (_unattached(5), _unattached(6)),
                           _unattached(8), _unattached(9))  # fmt: skip
    if machine_type == "pc" or machine_type.startswith("pc-i440fx"):
        # The default VGA adapter comes before the RTC.
        rtc = 9 if nodefaults else 10
        return BoardLayout("/machine/i440fx/ioapic", (_unattached(6), _unattached(7)),
                           _unattached(rtc), _unattached(rtc + 1))  # fmt: skip
    return None


class PcBoard:
    """A PC's interrupt controllers, PIT, RTC and memory, wired as QEMU wires them."""

    def __init__(
        self,
        layout: BoardLayout,
        *,
        guest_clock: Clock,
        loop: asyncio.AbstractEventLoop,
        ports: PortBus,
        emit: Callable[[str, dict[str, Any]], None],
        ram_size: int,
        rtc_settings: RtcSettings,
        floppy: bool,
        q35: bool,
    ) -> None:
        self.layout = layout
        self.interrupts = PcInterrupts(layout.ioapic, layout.pics)
        self.pit = Pit(guest_clock, layout.pit)
        self.pit.irq.target = self.interrupts.isa[PIT_ISA_IRQ]
        ports.register(0x40, 4, self.pit)
        rtc_clock: Clock
        if rtc_settings.clock == CLOCK_HOST:
            rtc_clock = HostClock(loop)
        elif rtc_settings.clock == CLOCK_RT:
            rtc_clock = RealtimeClock(loop)
        else:
            rtc_clock = guest_clock
        self.rtc = MC146818(emit, rtc_clock, rtc_settings, qom_path=layout.rtc)
        self.rtc.irq.target = self.interrupts.isa[RTC_ISA_IRQ]
        ports.register(0x70, 2, self.rtc)
        self.memory = GuestMemory(ram_size, q35=q35)
        self._fill_cmos(floppy)

    def _fill_cmos(self, floppy: bool) -> None:
        """pc_cmos_init: what the BIOS reads from the CMOS about this board."""
        rtc, memory = self.rtc, self.memory
        below = memory.lowmem

        def word(addr: int, value: int) -> None:
            rtc.set_memory(addr, value)
            rtc.set_memory(addr + 1, value >> 8)

        word(0x15, min(below // KIB, 640))
        extended = min((below - MIB) // KIB if below > MIB else 0, 65535)
        word(0x17, extended)
        word(0x30, extended)
        word(0x34, min((below - 16 * MIB) // (64 * KIB) if below > 16 * MIB else 0, 65535))
        above = (memory.ram_size - below) // 65536
        for i in range(3):
            rtc.set_memory(0x5B + i, above >> (8 * i))
        for addr, value in CMOS_BOOT_CAD:
            rtc.set_memory(addr, value)
        equipment = 0x02 | 0x04  # FPU, PS/2 mouse
        if floppy:
            rtc.set_memory(CMOS_FLOPPY_TYPES, CMOS_FLOPPY_288 << 4)
            equipment |= 0x01  # one drive, ready for boot
        rtc.set_memory(CMOS_EQUIPMENT, equipment)

    def gpio_devices(self) -> Iterable[GpioDevice]:
        return (*self.interrupts.devices(), self.pit.gpio, self.rtc.gpio)

    def start_observed(self) -> None:
        """Something (a qtest harness) can see interrupts now: let the PIT's timer run."""
        self.pit.start_irq_timer()

    def reset(self) -> None:
        """System reset of the board's devices."""
        self.pit.reset()
        self.rtc.reset()


def resolve_gpio_device(devices: Iterable[GpioDevice], path: str) -> tuple[GpioDevice | None, bool]:
    """The device at QOM ``path`` among ``devices`` and whether a partial path was ambiguous.

    An absolute path must name the device exactly (empty components
    skipped); a partial one matches every device whose path ends with it.
    """
    parts = [p for p in path.split("/") if p]
    if path.startswith("/"):
        for dev in devices:
            if [p for p in dev.path.split("/") if p] == parts:
                return dev, False
        return None, False
    if not parts:
        return None, False
    hits = [dev for dev in devices if dev.path.split("/")[-len(parts) :] == parts]
    if len(hits) > 1:
        return None, True
    return (hits[0] if hits else None), False
