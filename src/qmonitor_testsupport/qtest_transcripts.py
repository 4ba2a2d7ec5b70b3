"""qtest transcripts: scripts of qtest lines played against a binary under ``-accel qtest``.

Each :class:`Script` starts a binary with ``-accel qtest -qtest unix:SOCK``
(this harness listens on SOCK; the binary connects out, as libqtest has it)
plus the script's options, sends its lines one at a time and writes down
every line that comes back until the reply (``OK``, ``FAIL``, ``ERR``),
the asynchronous ``IRQ raise N`` / ``IRQ lower N`` lines included.  Under
the qtest accelerator the virtual clock moves only when told to, so what
comes back is deterministic: ``tools/record_qtest.py`` records QEMU into
tests/golden/qtest and tests/machine/test_qtest_golden.py replays the same
lines against qmonitor's qtest session and compares.
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

from qmonitor_testsupport.qtest_virtio import SCSI_ARGS, scsi_lines

#: How long to wait for the binary to connect or answer.
TIMEOUT = 20.0

#: What every script's command line starts with.
BASE = ["-display", "none", "-accel", "qtest"]


@dataclass(frozen=True)
class Script:
    """One scenario: its name, what it shows, extra options and the qtest lines."""

    name: str
    doc: str
    args: tuple[str, ...]
    lines: tuple[str, ...]
    extra: dict[str, Any] = field(default_factory=dict)


def _rtc_set(mode: int, regs: list[tuple[int, int]]) -> list[str]:
    out = ["outb 0x70 0xb", f"outb 0x71 {mode:#x}", "outb 0x70 0xa", "outb 0x71 0x76"]
    for reg, value in regs:
        out += [f"outb 0x70 {reg:#x}", f"outb 0x71 {value:#x}"]
    return [*out, "outb 0x70 0xa", "outb 0x71 0x26"]


def _rtc_read(*regs: int) -> list[str]:
    out: list[str] = []
    for reg in regs:
        out += [f"outb 0x70 {reg:#x}", "inb 0x71"]
    return out


_DATE_2011 = [(0x09, 0x11), (0x32, 0x20), (0x08, 0x02), (0x07, 0x02), (0x04, 0x02), (0x02, 0x04),
              (0x00, 0x58)]  # fmt: skip

#: Channel 0 to mode 0 without a new count: its IRQ timer stops at its next transition.
_PIT_QUIET = ("outb 0x43 0x30", "clock_step")

#: Reads of the CMOS bytes the board fills (all but the clock's).
_CMOS_BYTES = tuple(_rtc_read(*(r for r in range(0x0E, 0x80) if r not in (0x32, 0x37))))


def _cmos(name: str, *args: str) -> Script:
    return Script(f"cmos_{name}", f"the CMOS bytes of {' '.join(args)}", args, _CMOS_BYTES)


def _config(slot: int, reg: int, op: str, value: int | None = None) -> tuple[str, ...]:
    """A configuration access of slot ``slot`` on bus 0 through ports 0xcf8/0xcfc."""
    select = f"outl 0xcf8 0x{0x80000000 | slot << 11 | reg & ~3:x}"
    port = f"0x{0xCFC + (reg & 3):x}"
    return (select, f"{op} {port}" if value is None else f"{op} {port} 0x{value:x}")


def _pci_writes(slot: int) -> tuple[str, ...]:
    """Write every header register of a device with ones, reading each back."""
    lines: list[str] = [*_config(slot, 0x04, "outw", 0xFFFF), *_config(slot, 0x04, "inl")]
    lines += [*_config(slot, 0x04, "outw", 0x0000), *_config(slot, 0x04, "inw")]
    for reg in (0x00, 0x08, 0x0C, 0x10, 0x14, 0x18, 0x1C, 0x20, 0x24, 0x28, 0x2C, 0x30, 0x3C):
        lines += [*_config(slot, reg, "outl", 0xFFFFFFFF), *_config(slot, reg, "inl")]
        lines += [*_config(slot, reg, "outl", 0), *_config(slot, reg, "inl")]
    lines += [*_config(slot, 0x0D, "outb", 0x40), *_config(slot, 0x0C, "inl")]
    return tuple(lines)


SCRIPTS: tuple[Script, ...] = (
    _cmos("pc", "-M", "pc"),
    _cmos("pc_nodefaults", "-M", "pc", "-nodefaults", "-m", "3G"),
    _cmos("q35", "-M", "q35", "-m", "5000"),
    _cmos("q35_nodefaults", "-M", "q35", "-nodefaults", "-m", "1"),
    Script(
        "protocol_errors",
        "replies to unknown, malformed and odd requests that QEMU answers without aborting",
        ("-M", "pc"),
        (
            "endianness",
            "bogus 1 2",
            "inb 0x70",
            "outb 0x80 0x1ff",
            "inw 0x2f0",
            "inl 0x2f4",
            "irq_intercept_in /machine/nothing",
            "irq_intercept_out nothing",
            "set_irq_in nothing unnamed-gpio-in 0 1",
            "clock_step 0",
            "clock_set 5",
            "clock_set 3",
            "write 0x1000 4 0x",
            "b64write 0x1000 4 QQ",
            "module_load block- nonexistent",
            "module_load accel qtest-x86_64",
            "module_load accel- qtest-x86_64",
            "readb 0x0",
            "outb 0x80 -1",
            "inw +0x2f0",
            "clock_step -5",
            "clock_step 0x10",
            "clock_set -1",
            "clock_step",
        ),
    ),
    Script(
        "pit_irq0",
        "the PIT's channel 0 square wave on IRQ 0 through the ioapic, and clock_step's deadlines",
        ("-M", "pc"),
        (
            "irq_intercept_in ioapic",
            "irq_intercept_in ioapic",
            "irq_intercept_in /machine/unattached/device[0]",
            "clock_step",
            "clock_step",
            "clock_step",
            "clock_step 100000000",
            "clock_step",
            "clock_set 1000000000",
        ),
    ),
    Script(
        "pit_programmed",
        "a programmed PIT: mode 2 with a short count, then counter reads",
        ("-M", "pc", "-nodefaults"),
        (
            "irq_intercept_in ioapic",
            "outb 0x43 0x34",
            "outb 0x40 0xe8",
            "outb 0x40 0x03",
            "clock_step",
            "clock_step",
            "clock_step",
            "outb 0x43 0x00",
            "inb 0x40",
            "inb 0x40",
            "outb 0x43 0xe2",
            "inb 0x40",
            "outb 0x43 0x10",
            "outb 0x40 0x10",
            "clock_step 20000",
            "inb 0x43",
        ),
    ),
    Script(
        "rtc_irq8",
        "RTC update-ended, alarm and periodic interrupts on IRQ 8 with clock=vm",
        ("-M", "pc", "-nodefaults", "-rtc", "clock=vm"),
        (
            "irq_intercept_in ioapic",
            *_PIT_QUIET,
            *_rtc_set(0x06, [(0x04, 10), (0x02, 20), (0x00, 30)]),
            *_rtc_read(0x00, 0x0A, 0x0C),
            "clock_step",
            *_rtc_read(0x00, 0x0C, 0x0C),
            "outb 0x70 0xb",
            "outb 0x71 0x16",
            "clock_step",
            "clock_step",
            *_rtc_read(0x0C, 0x00),
            "outb 0x70 0xb",
            "outb 0x71 0x26",
            "outb 0x70 0x1",
            "outb 0x71 35",
            "outb 0x70 0x3",
            "outb 0x71 0xc0",
            "outb 0x70 0x5",
            "outb 0x71 0xc0",
            "clock_step",
            *_rtc_read(0x0C, 0x00),
            "outb 0x70 0xb",
            "outb 0x71 0x46",
            "outb 0x70 0xa",
            "outb 0x71 0x2d",
            "clock_step",
            *_rtc_read(0x0C),
            "clock_step",
            "clock_step",
            *_rtc_read(0x0C, 0x0A),
            "outb 0x70 0xa",
            "outb 0x71 0x2f",
            "clock_step",
            "clock_step",
            *_rtc_read(0x0C),
        ),
    ),
    Script(
        "rtc_registers",
        "divider reset, SET, UIP, 12-hour and BCD conversions, century, CMOS bytes",
        ("-M", "pc", "-nodefaults", "-rtc", "clock=vm"),
        (
            *_PIT_QUIET,
            *_rtc_set(0x02, _DATE_2011),
            *_rtc_read(0x00, 0x02, 0x04, 0x06, 0x07, 0x08, 0x09, 0x32, 0x0A, 0x0B, 0x0D),
            "clock_step 499755859",
            *_rtc_read(0x0A),
            "clock_step 1",
            *_rtc_read(0x0A, 0x00),
            "clock_step 300000",
            *_rtc_read(0x0A, 0x00),
            "outb 0x70 0xb",
            "outb 0x71 0x82",
            *_rtc_read(0x0B, 0x04),
            "outb 0x70 0x8",
            "outb 0x71 0x0",
            "outb 0x70 0xb",
            "outb 0x71 0x2",
            *_rtc_read(0x08, 0x07, 0x09, 0x06),
            "outb 0x70 0xb",
            "outb 0x71 0x0",
            *_rtc_read(0x04),
            "outb 0x70 0xb",
            "outb 0x71 0x6",
            *_rtc_read(0x04, 0x09, 0x32),
            "outb 0x70 0x40",
            "outb 0x71 0x5a",
            *_rtc_read(0x40, 0x7F, 0x0E, 0x0F, 0x10, 0x14, 0x15, 0x16, 0x17, 0x18, 0x30, 0x31),
            "outb 0x70 0x37",
            "outb 0x71 0x21",
            *_rtc_read(0x32, 0x37),
            "outb 0x70 0xc0",
            "inb 0x71",
            "inb 0x70",
        ),
    ),
    Script(
        "memory",
        "the memory commands on a PC's RAM, ROM and unassigned space",
        ("-M", "pc", "-nodefaults", "-m", "16"),
        (
            "readb 0x1000",
            "writeb 0x1000 0x1234",
            "readb 0x1000",
            "writew 0x1000 0xabcd",
            "readw 0x1000",
            "readl 0x1000",
            "writel 0x1004 0x01020304",
            "readq 0x1000",
            "writeq 0x1008 0x1122334455667788",
            "read 0x1000 16",
            "b64read 0x1000 16",
            "write 0x2000 4 0xdeadbeef",
            "read 0x2000 6",
            "write 0x2000 4 0x12",
            "read 0x2000 4",
            "write 0x2000 2 0xzz9",
            "read 0x2000 4",
            "memset 0x3000 4 0x1ff",
            "read 0x3000 5",
            "memset 0x3000 0 0x55",
            "b64write 0x4000 3 AQID",
            "read 0x4000 4",
            "b64write 0x4000 5 AQID",
            "read 0x4000 6",
            "b64write 0x4000 2 BAUG",
            "read 0x4000 4",
            "b64read 0x4000 0",
            "readq 0x2000000",
            "writel 0x2000000 0x55",
            "readl 0x2000000",
            "readl 0xfeda0000",
            "readb 0xfffffff0",
            "writeb 0xfffffff0 0x99",
            "readb 0xfffffff0",
            "readl 0xa0000",
            "readl 0xc0000",
            "writel 0xc0000 5",
            "readl 0xc0000",
            "readl 0xe0000",
            "readq 0x100000000",
            "readb 0xfffffffffffffff0",
            "read 0xfffffffe 4",
        ),
    ),
    Script(
        "pci_bars",
        "PCI configuration writes: command, BAR sizing and mapping, a virtio status handshake",
        (
            "-M",
            "pc",
            "-nodefaults",
            "-device",
            "virtio-scsi-pci,addr=04.0",
            "-device",
            "megasas,addr=05.0",
            "-device",
            "am53c974,addr=06.0",
            "-device",
            "pvscsi,addr=07.0",
        ),
        (
            *(line for slot in (4, 5, 6, 7) for line in _pci_writes(slot)),
            *_config(4, 0x20, "outl", 0xE0000000),
            *_config(4, 0x24, "outl", 0),
            *_config(4, 0x04, "outw", 0x0007),
            *_config(4, 0x04, "inw"),
            "readb 0xe0000014",
            "writeb 0xe0000014 0x0",
            "readb 0xe0000014",
            "writeb 0xe0000014 0x1",
            "readb 0xe0000014",
            "writeb 0xe0000014 0x3",
            "readb 0xe0000014",
            *_config(4, 0x04, "outw", 0x0000),
            "readb 0xe0000014",
            "writeb 0xe0000014 0x7",
            "readb 0xe0000014",
            *_config(4, 0x04, "outw", 0x0002),
            "readb 0xe0000014",
        ),
    ),
    Script(
        "virtio_scsi",
        "a driver negotiates with virtio-scsi-pci and sends every SCSI command family through"
        " its request queue to a disk, a CD-ROM, a disk of 4 KiB blocks and missing LUNs",
        SCSI_ARGS,
        scsi_lines(),
    ),
    *(
        Script(
            f"acpi_pcihp_{name}",
            "PIIX4's ACPI PCI hotplug registers at 0xae00 (Q35 has none there)",
            args,
            (
                *(f"inl 0x{0xAE00 + off:x}" for off in range(0, 0x18, 4)),
                "outl 0xae10 0x1",
                "inl 0xae10",
                "outl 0xae10 0x0",
                "inw 0xae0c",
                "inb 0xae0f",
            ),
        )
        for name, args in (
            ("pc", ("-M", "pc")),
            ("pc_nodefaults", ("-M", "pc", "-nodefaults", "-device", "e1000,addr=07.0")),
            ("q35", ("-M", "q35")),
        )
    ),
)


def _recv_reply(sock: socket.socket, buf: bytearray) -> list[str]:
    """Lines up to and including the reply (a line not starting with ``IRQ``)."""
    lines: list[str] = []
    while True:
        while b"\n" not in buf:
            data = sock.recv(65536)
            if not data:
                raise RuntimeError("qtest connection closed")
            buf += data
        end = buf.index(b"\n")
        line = buf[:end].decode("latin-1")
        del buf[: end + 1]
        lines.append(line)
        if not line.startswith("IRQ "):
            return lines


def play(cmd: list[str], script: Script, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``cmd`` (QEMU or qmonitor) through ``script``; return the transcript."""
    tmp = tempfile.mkdtemp(prefix="qmonitor-qtest-")
    path = os.path.join(tmp, "qtest.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    listener.settimeout(TIMEOUT)
    argv = [*BASE, "-qtest", f"unix:{path}", "-qtest-log", "none", *script.args]
    proc = subprocess.Popen(
        [*cmd, *argv],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    exchanges: list[list[Any]] = []
    try:
        sock, _ = listener.accept()
        sock.settimeout(TIMEOUT)
        buf = bytearray()
        for line in script.lines:
            sock.sendall(line.encode("latin-1") + b"\n")
            try:
                exchanges.append([line, _recv_reply(sock, buf)])
            except (RuntimeError, OSError):
                # QEMU aborts (g_assert) on some requests: note where, stop there.
                exchanges.append([line, None])
                break
        sock.close()
    finally:
        listener.close()
        proc.terminate()
        try:
            _, err = proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        os.unlink(path) if os.path.exists(path) else None
        os.rmdir(tmp)
    time.sleep(0)
    return {
        "name": script.name,
        "doc": script.doc,
        "args": list(script.args),
        "exchanges": exchanges,
        "stderr": err.decode("utf-8", "replace"),
    }
