"""HMP commands over guest memory and I/O ports: x, xp, sum, memsave, pmemsave, i, o, gva2gpa.

As QEMU 7.2's monitor/misc.c and softmmu/cpus.c.  The null machine
(``-M none``) has no memory at all: every physical read fails, and the
commands that go through a CPU find none.  A PC has RAM and its BIOS
(:class:`~qmonitor.machine.memory.GuestMemory`); its vCPUs stay as a
reset left them, in real mode with paging off, so a virtual address is
the physical one.  Reads outside RAM, the first megabyte, the BIOS and
the I/O APIC's page fail as QEMU's reads of unassigned memory fail.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qmonitor.machine.hmp_info import current_cpu
from qmonitor.machine.hmp_print import printc
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    from qmonitor.machine.hmp_info import MachineHMP

# Texts of QEMU 7.2 (monitor/misc.c, monitor/hmp-cmds.c, softmmu/cpus.c).
DUMP_NEEDS_CPU = "Can not dump without CPU\n"
CANNOT_ACCESS = " Cannot access memory\n"
NO_CPU_GVA = "No cpu\n"
NO_CPU_AVAILABLE = "No CPU available\n"
NO_MEMORY_AT = "No memory is mapped at address 0x{:x}\n"
COULD_NOT_OPEN = "Could not open '{}': {}"

_U64 = 2**64
#: The first megabyte (low RAM, the VGA window, the ISA BIOS) is always mapped on a PC.
_LOW_MB = 1 << 20
#: The I/O APIC's registers (hw/intc/ioapic.c): they read as zero until programmed.
_IOAPIC = (0xFEC00000, 0xFEC01000)
#: What one ``memsave``/``pmemsave`` writes at most here (QEMU loops on ``size``).
_SAVE_LIMIT = 1 << 30


def _read(mon: MachineHMP, addr: int, length: int) -> bytes | None:
    """``length`` bytes of guest physical memory at ``addr``; None where none is mapped."""
    board = mon.machine.board
    if board is None:
        return None
    memory = board.memory
    high_ram_end = 2**32 + memory.ram_size - memory.lowmem
    for a in range(addr, addr + length):
        mapped = (
            a < max(memory.lowmem, _LOW_MB)
            or 2**32 <= a < high_ram_end
            or memory.bios_base <= a < 2**32
            or _IOAPIC[0] <= a < _IOAPIC[1]
        )
        if not mapped:
            return None
    return memory.read(addr, length)


def _digits(fmt: str, wsize: int) -> int:
    if fmt == "o":
        return -(-wsize * 8 // 3)
    if fmt in ("u", "d"):
        return -(-wsize * 8 * 10 // 33)
    return wsize * 8 // 4


def _word(value: int, fmt: str, digits: int) -> str:
    if fmt == "o":
        text = "0" if value == 0 else "0" + format(value, "o")
        return text.rjust(digits)
    if fmt == "u" or fmt == "d":
        # PRId64 of a zero-extended word: never negative below 8 bytes.
        number = value - _U64 if fmt == "d" and value >= 2**63 else value
        return str(number).rjust(digits)
    if fmt == "c":
        return printc(value)
    return f"0x{value:0{digits}x}"


def memory_dump(mon: MachineHMP, args: dict[str, Any], physical: bool) -> None:
    """memory_dump: ``count`` units of ``size`` bytes from ``addr`` in ``format``."""
    fmt = chr(args["format"])
    cpu = current_cpu(mon)
    if cpu is None and (fmt == "i" or not physical):
        mon.printf(DUMP_NEEDS_CPU)
        return
    if fmt == "i":
        # The disassembler is not modelled.
        raise QapiError("the disassembler is not available")
    wsize = args["size"]
    addr = args["addr"] % _U64
    length = wsize * args["count"]
    line_size = 8 if wsize == 1 else 16
    digits = _digits(fmt, wsize)
    if fmt == "c":
        wsize = 1
    elif fmt not in "oxud":
        fmt = "x"
    while length > 0:
        chunk = min(length, line_size)
        line = f"{addr:016x}:"
        data = _read(mon, addr, chunk)
        if data is None:
            mon.printf(line + CANNOT_ACCESS)
            return
        words = [
            _word(int.from_bytes(data[i : i + wsize], "little"), fmt, digits)
            for i in range(0, chunk, wsize)
        ]
        mon.printf(line + "".join(" " + w for w in words) + "\n")
        addr = (addr + chunk) % _U64
        length -= chunk


def hmp_x(mon: MachineHMP, args: dict[str, Any]) -> None:
    """``x /fmt addr``: virtual memory, which a CPU in real mode maps one to one."""
    memory_dump(mon, args, physical=False)


def hmp_xp(mon: MachineHMP, args: dict[str, Any]) -> None:
    """``xp /fmt addr``: physical memory."""
    memory_dump(mon, args, physical=True)


def hmp_sum(mon: MachineHMP, args: dict[str, Any]) -> None:
    """hmp_sum: the BSD checksum of ``size`` bytes (unassigned memory reads as zeros)."""
    start, size = args["start"] & 0xFFFFFFFF, args["size"] & 0xFFFFFFFF
    # Unassigned memory reads as zeros, which add nothing.
    data = _read(mon, start, size) if size else None
    total = 0
    for byte in data or b"":
        total = ((total >> 1) | (total << 15)) & 0xFFFF
        total = (total + byte) & 0xFFFF
    mon.printf(f"{total:05d}\n")


def _save(mon: MachineHMP, addr: int, size: int, filename: str) -> None:
    try:
        f = open(filename, "wb")  # noqa: SIM115 - closed below, as QEMU's fclose
    except OSError as err:
        raise QapiError(COULD_NOT_OPEN.format(filename, err.strerror)) from None
    with f:
        size = min(size, _SAVE_LIMIT)
        while size > 0:
            chunk = min(size, 1024)
            f.write(_read(mon, addr, chunk) or bytes(chunk))
            addr += chunk
            size -= chunk


def hmp_memsave(mon: MachineHMP, args: dict[str, Any]) -> None:
    """``memsave addr size file``: through the current CPU (none on the null machine)."""
    if current_cpu(mon) is None:
        mon.printf(NO_CPU_AVAILABLE)
        return
    _save(mon, args["val"] % _U64, args["size"] & 0xFFFFFFFF, args["filename"])


def hmp_pmemsave(mon: MachineHMP, args: dict[str, Any]) -> None:
    """``pmemsave addr size file``: physical memory, unassigned reads as zeros."""
    _save(mon, args["val"] % _U64, args["size"] & 0xFFFFFFFF, args["filename"])


def hmp_gva2gpa(mon: MachineHMP, args: dict[str, Any]) -> None:
    if current_cpu(mon) is None:
        mon.printf(NO_CPU_GVA)
        return
    # A vCPU fresh from reset has paging off: the address is the physical one.
    gpa = args["addr"] % _U64
    mon.printf("gpa: " + ("0" if gpa == 0 else f"{gpa:#x}") + "\n")


def hmp_gpa_to_host(mon: MachineHMP, args: dict[str, Any]) -> None:
    """gpa2hva and gpa2hpa on the null machine: no RAM is mapped anywhere."""
    mon.printf(NO_MEMORY_AT.format(args["addr"] % _U64))


def hmp_ioport_read(mon: MachineHMP, args: dict[str, Any]) -> None:
    """hmp_ioport_read: ``i /fmt addr[.index]``."""
    addr = args["addr"] & 0xFFFF
    if "index" in args:
        mon.machine.ports.outp(addr, 1, args["index"] & 0xFF)
        addr += 1
    width = {2: 2, 4: 4}.get(args["size"], 1)
    suffix = {2: "w", 4: "l"}.get(width, "b")
    value = mon.machine.ports.inp(addr, width)
    # The digits follow the unit size asked for, even one read as a byte
    # (C's %0*x: a negative width, from /i, pads on the right).
    digits = args["size"] * 2
    shown = f"{value:0{digits}x}" if digits >= 0 else f"{value:x}".ljust(-digits)
    mon.printf(f"port{suffix}[0x{addr:04x}] = 0x{shown}\n")


def hmp_ioport_write(mon: MachineHMP, args: dict[str, Any]) -> None:
    """hmp_ioport_write: ``o /fmt addr value``."""
    size = {2: 2, 4: 4}.get(args["size"], 1)
    mask = (1 << (8 * size)) - 1
    mon.machine.ports.outp(args["addr"] & 0xFFFF, size, args["val"] & mask)


#: Handlers of the commands this module answers, by first name.
HANDLERS: dict[str, Any] = {
    "gpa2hpa": hmp_gpa_to_host,
    "gpa2hva": hmp_gpa_to_host,
    "gva2gpa": hmp_gva2gpa,
    "i": hmp_ioport_read,
    "memsave": hmp_memsave,
    "o": hmp_ioport_write,
    "pmemsave": hmp_pmemsave,
    "sum": hmp_sum,
    "x": hmp_x,
    "xp": hmp_xp,
}
