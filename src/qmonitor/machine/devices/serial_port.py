"""The receive side of a PC's 16550A serial port, as a frontend of its chardev.

QEMU's ``isa-serial`` installs its handlers on its chardev when the board
is made, after the monitors: on a mux (``-serial mon:stdio``) it is the
last frontend, so it has the input focus first and the monitor's banner
waits for ``C-a c``.  The null machine's guest never reads the port: after
reset the FIFO is off, so the receive buffer holds one byte and the port
takes nothing more (serial_can_receive: no room once LSR.DR is set); the
mux then holds what follows, up to its own buffer, as QEMU's does.
"""

from __future__ import annotations

import asyncio

from qmonitor.chardev.base import Chardev


class SerialReceiver:
    """One 16550A's receive buffer register, never read by the guest."""

    def __init__(self) -> None:
        #: The byte in the receive buffer register (LSR.DR set), if any.
        self.rbr: int | None = None

    def can_read(self) -> int:
        """serial_can_receive() with the FIFO off: one byte while the RBR is empty."""
        return 1 if self.rbr is None else 0

    def read(self, data: bytes) -> None:
        """serial_receive1(): the byte lands in the RBR (a guest would take it from there)."""
        if data and self.rbr is None:
            self.rbr = data[-1]

    def attach(self, chr: Chardev, loop: asyncio.AbstractEventLoop) -> None:
        """qemu_chr_fe_set_handlers() as the device is realized."""
        chr.set_handlers(self.can_read, self.read, None, loop)
