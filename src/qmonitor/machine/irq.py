"""Interrupt lines and GPIO lists, as QEMU's qemu_irq and qdev's GPIO lists.

A :class:`IrqLine` is one input pin: setting its level calls its handler
with the pin's number (``qemu_set_irq``).  A device's output pins are
:class:`GpioOut` slots, each connected to some other device's input line
(or to nothing).  :class:`GpioDevice` groups a device's input lines and
output slots by GPIO list name (None for the unnamed lists) under the
device's canonical QOM path, which is what qtest's ``irq_intercept_in``,
``irq_intercept_out`` and ``set_irq_in`` work on (hw/core/irq.c,
hw/core/gpio.c).

:class:`PcInterrupts` wires a PC's interrupt routing: an ISA interrupt n
reaches input n of the i8259 pair (n < 16) and input n of the IOAPIC, as
the PC's GSI handler does (hw/i386/x86.c); the null machine has no CPU, so
neither controller delivers anything further.  The HPET's legacy inputs
(PIT and RTC) pass through to ISA interrupts 0 and 8 while the HPET is
not in legacy mode, which it never is without a guest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

#: The handler of an input line: (pin number, level).
IrqHandler = Callable[[int, int], None]

#: Interrupts of the ISA bus (ISA_NUM_IRQS) and pins of the PC's IOAPIC (IOAPIC_NUM_PINS).
ISA_NUM_IRQS = 16
IOAPIC_NUM_PINS = 24

#: The ISA interrupts of the PIT and the RTC (and the HPET's legacy inputs for them).
PIT_ISA_IRQ = 0
RTC_ISA_IRQ = 8


def _ignore(n: int, level: int) -> None:
    """The input of a controller with no CPU behind it."""


class IrqLine:
    """One input pin: a handler and the pin number it is called with."""

    __slots__ = ("handler", "n")

    def __init__(self, handler: IrqHandler, n: int) -> None:
        self.handler = handler
        self.n = n

    def set(self, level: int) -> None:
        self.handler(self.n, level)

    def intercept(self, handler: IrqHandler, n: int) -> None:
        """Route the pin through ``handler`` first (``qemu_irq_intercept_in``).

        ``handler`` is called with ``n``; the pin's old handler still runs
        before it, as QEMU's qtest handler forwards to the original line.
        """
        old_handler, old_n = self.handler, self.n

        def both(_: int, level: int) -> None:
            old_handler(old_n, level)
            handler(n, level)

        self.handler, self.n = both, n


def set_irq(line: IrqLine | None, level: int) -> None:
    """``qemu_set_irq``: a line that is not connected takes nothing."""
    if line is not None:
        line.set(level)


class GpioOut:
    """An output pin of a device: where its level goes (``qdev_connect_gpio_out``)."""

    __slots__ = ("target",)

    def __init__(self, target: IrqLine | None = None) -> None:
        self.target = target

    def set(self, level: int) -> None:
        set_irq(self.target, level)

    def raise_(self) -> None:
        self.set(1)

    def lower(self) -> None:
        self.set(0)


class GpioDevice:
    """A device's GPIO lists by name (None: the unnamed lists), at its QOM path."""

    def __init__(self, path: str) -> None:
        self.path = path
        #: Input lines by list name, in list order.
        self.gpio_in: dict[str | None, list[IrqLine]] = {}
        #: Output pins by list name, in list order.
        self.gpio_out: dict[str | None, list[GpioOut]] = {}

    def init_in(self, handler: IrqHandler, count: int, name: str | None = None) -> list[IrqLine]:
        """``qdev_init_gpio_in_named``: ``count`` more input lines on ``handler``."""
        lines = self.gpio_in.setdefault(name, [])
        start = len(lines)
        lines.extend(IrqLine(handler, start + i) for i in range(count))
        return lines[start:]

    def init_out(self, count: int, name: str | None = None) -> list[GpioOut]:
        """``qdev_init_gpio_out_named``: ``count`` more output pins, unconnected."""
        pins = self.gpio_out.setdefault(name, [])
        new = [GpioOut() for _ in range(count)]
        pins.extend(new)
        return new

    def gpio_in_line(self, name: str | None, n: int) -> IrqLine | None:
        """``qdev_get_gpio_in_named`` (None where QEMU would assert)."""
        lines = self.gpio_in.get(name, [])
        return lines[n] if 0 <= n < len(lines) else None


class PcInterrupts:
    """A PC's ISA interrupts fanned out to the i8259 pair and the IOAPIC."""

    def __init__(self, ioapic_path: str, pic_paths: tuple[str, str]) -> None:
        self.ioapic = GpioDevice(ioapic_path)
        self.ioapic.init_in(_ignore, IOAPIC_NUM_PINS)
        self.pics = (GpioDevice(pic_paths[0]), GpioDevice(pic_paths[1]))
        for pic in self.pics:
            pic.init_in(_ignore, 8)
        #: The ISA bus's interrupts (the GSI lines a device's output connects to).
        self.isa = [IrqLine(self._gsi, n) for n in range(ISA_NUM_IRQS)]

    def _gsi(self, n: int, level: int) -> None:
        pic = self.pics[n // 8]
        pic.gpio_in[None][n % 8].set(level)
        self.ioapic.gpio_in[None][n].set(level)

    def devices(self) -> Iterable[GpioDevice]:
        return (self.ioapic, *self.pics)
