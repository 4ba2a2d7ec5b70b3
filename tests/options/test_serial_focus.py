"""``-serial mon:...`` on a PC: the serial port, attached after the monitor, has the focus first.

QEMU's 16550A takes its chardev when the board is made, after the
monitors, so on a mux it is the last frontend and gets the input focus
(chardev/char-mux.c); the monitor speaks only after ``C-a c``.  On ``-M
none`` there is no serial device and the monitor keeps the focus.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from qmonitor import MonitorServer

BANNER = b"QEMU 7.2.0 monitor - type 'help' for more information\r\n"


def _read_until(conn: socket.socket, marker: bytes) -> bytes:
    out = b""
    while marker not in out:
        data = conn.recv(4096)
        assert data, out
        out += data
    return out


def _session(tmp_path: Path, machine: str, until: bytes = b"(qemu) ") -> bytes:
    path = tmp_path / "mux.sock"
    args = ["-M", machine, "-S", "-display", "none", "-nodefaults",
            "-serial", f"mon:unix:{path},server=on,wait=off"]  # fmt: skip
    with MonitorServer(args=args), socket.socket(socket.AF_UNIX) as conn:
        conn.settimeout(10)
        conn.connect(str(path))
        # Typed while the serial port has the focus: the monitor never sees it.
        conn.sendall(b"info status\r\x01c")
        return _read_until(conn, until)


@pytest.mark.parametrize("machine", ["pc", "q35"])
def test_pc_serial_port_has_the_focus_first(tmp_path: Path, machine: str) -> None:
    # The banner from start-up (held while out of focus) and the one for the client.
    assert _session(tmp_path, machine) == BANNER * 2 + b"(qemu) "


def test_null_machine_has_no_serial_port(tmp_path: Path) -> None:
    shown = _session(tmp_path, "none", b"VM status: paused (prelaunch)\r\n")
    assert shown.startswith(BANNER + b"(qemu) i\x1b[K")
