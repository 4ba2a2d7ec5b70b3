"""Races at a socket chardev's connection edge (found by the soak run).

A QMP monitor keeps the previous client's negotiated session until the next
client's OPENED resets it, so an event emitted from another thread in
between used to reach the new client before its greeting (qemu.qmp then
fails with a GreetingError).  Until OPENED has been delivered, only
OPENED's own handler may write to a new connection.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from pathlib import Path

from qmonitor.chardev.base import ChrEvent
from qmonitor.chardev.socket import SocketChardev


class EventBeforeOpened(SocketChardev):
    """Another thread writes just before each OPENED reaches the frontend."""

    refused: list[int]

    def be_event(self, event: ChrEvent) -> None:
        if event is ChrEvent.OPENED:
            results: list[int] = []
            writer = threading.Thread(target=lambda: results.append(self.write(b"EVENT\r\n")))
            writer.start()
            writer.join()
            self.refused = results
        super().be_event(event)


def test_nothing_reaches_a_new_client_before_its_greeting(tmp_path: Path) -> None:
    path = tmp_path / "s.sock"
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    chr = EventBeforeOpened("c", path=str(path), server=True, wait=False)

    def on_event(event: ChrEvent) -> None:
        if event is ChrEvent.OPENED:
            chr.write(b"GREETING\r\n")

    try:
        chr.set_handlers(lambda: 65536, lambda data: None, on_event, loop)
        for _ in range(3):  # and again for the next client
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(5)
                s.connect(str(path))
                assert s.recv(100) == b"GREETING\r\n"
            assert chr.refused == [-1]
            chr.refused = []
    finally:
        loop.call_soon_threadsafe(chr.close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
