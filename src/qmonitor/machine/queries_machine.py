"""Queries about the guest's memory, interrupts, ROMs, replication and statistics.

They answer from what the command line made of the machine: its RAM size
(``-m``; a ``-M none`` machine has none unless asked), its accelerator
(TCG by default: the ``x-query-jit`` and ``x-query-opcount`` texts need
it), whether it has ACPI (a PC) and a USB bus.  The guest never ran, so
every counter is zero; QEMU 7.2's texts and errors for the same state
were recorded into tests/golden/qmp/queries.json.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qmonitor.machine.queries_ui import is_pc
from qmonitor.machine.schema import machine_schema
from qmonitor.qapi.binding import bind_command
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    from collections.abc import Callable

    from qmonitor.machine.machine import Machine

# Texts of QEMU 7.2: accel/tcg/cpu-exec.c, hw/usb/bus.c, monitor/qmp-cmds.c,
# hw/acpi/vmgenid.c.
JIT_NEEDS_TCG = "JIT information is only available with accel=tcg"
OPCOUNT_NEEDS_TCG = "Opcode count information is only available with accel=tcg"
NO_PROFILER = "Internal profiler not compiled"
NO_USB = "USB support not enabled"
NO_ACPI = "command is not supported, missing ACPI device"
NO_VMGENID = "VM Generation ID device not found"

#: tcg/tcg.c's line where the TCG profiler would print.
TCG_NO_PROFILER = "[TCG profiler not compiled]\n"

#: x-query-jit of a TCG machine that translated nothing (dump_exec_info in
#: accel/tcg/translate-all.c): QEMU 7.2's text, recorded with its default
#: 1 GiB translation buffer less its prologue.
JIT_IDLE = (
    "Translation buffer state:\n"
    "gen code size       0/1073736704\n"
    "TB count            0\n"
    "TB avg target size  0 max=0 bytes\n"
    "TB avg host size    0 bytes (expansion ratio: 0.0)\n"
    "cross page TB count 0 (0%)\n"
    "direct jump count   0 (0%) (2 jumps=0 0%)\n"
    "TB hash buckets     0/8192 (0.00% head buckets used)\n"
    "TB hash occupancy   0.00% avg chain occ. Histogram: [0.0,0.0)%|\u2588|[0.0,0.0]%\n"
    "TB hash avg chain   nan buckets. Histogram: (empty)\n"
    "\n"
    "Statistics:\n"
    "TB flush count      0\n"
    "TB invalidate count 0\n"
    "TLB full flushes    0\n"
    "TLB partial flushes 0\n"
    "TLB elided flushes  0\n" + TCG_NO_PROFILER
)

#: The RAM block of a ``-M none -m SIZE`` machine, and its host page size.
NONE_RAM_BLOCK = "ram"
HOST_PAGE_SIZE = "4 KiB"


def ramblock_text(blocks: list[tuple[str, int]]) -> str:
    """``x-query-ramblock``'s table (ram_block_format in softmmu/physmem.c)."""
    lines = [f"{'Block Name':>24} {'PSize':>8}  {'Offset':>18} {'Used':>18} {'Total':>18}\n"]
    offset = 0
    for name, size in blocks:
        lines.append(
            f"{name:>24} {HOST_PAGE_SIZE:>8}  0x{offset:016x} 0x{size:016x} 0x{size:016x}\n"
        )
        offset += size
    return "".join(lines)


def is_tcg(machine: Machine) -> bool:
    """Whether the vCPUs would run under TCG (QEMU 7.2's default accelerator)."""
    return machine.options.accel in (None, "tcg")


def has_acpi(machine: Machine) -> bool:
    """Whether the machine has an ACPI device (the i440FX and Q35 PCs)."""
    options = machine.options
    name = options.guest.machine_typename or options.machine_type
    return is_pc(machine) and not name.startswith("isapc")


def text(value: str) -> dict[str, Any]:
    return {"human-readable-text": value}


def register_machine_queries(machine: Machine) -> None:
    """Register the queries of this module on ``machine``."""
    schema = machine_schema()
    full = machine.commands.full
    guest = machine.options.guest

    def replication_status() -> dict[str, Any]:
        return {"error": False}

    def colo_status() -> dict[str, Any]:
        return {"mode": "none", "last-mode": "none", "reason": "none"}

    def dirty_rate() -> dict[str, Any]:
        # calc-dirty-rate never ran.
        return {
            "status": "unstarted",
            "start-time": 0,
            "calc-time": 0,
            "sample-pages": 0,
            "mode": "page-sampling",
        }

    def current_machine() -> dict[str, Any]:
        # The PCs' ACPI PM device lets a suspended guest be woken up.
        return {"wakeup-suspend-support": has_acpi(machine)}

    def vm_generation_id() -> dict[str, Any]:
        raise QapiError(NO_VMGENID)

    def memory_size_summary() -> dict[str, Any]:
        from qmonitor.machine.devices.dimms import plugged_memory_devices as dimms

        devices = dimms(machine)
        plugged = devices.plugged_size() if devices is not None else 0
        return {"base-memory": guest.ram_size, "plugged-memory": plugged}

    def memory_devices() -> list[dict[str, Any]]:
        from qmonitor.machine.devices.dimms import plugged_memory_devices as dimms

        devices = dimms(machine)
        return devices.query() if devices is not None else []

    def x_query_irq() -> dict[str, Any]:
        return text("")

    def x_query_jit() -> dict[str, Any]:
        if not is_tcg(machine):
            raise QapiError(JIT_NEEDS_TCG)
        return text(JIT_IDLE)

    def x_query_numa() -> dict[str, Any]:
        return text("0 nodes\n")

    def x_query_opcount() -> dict[str, Any]:
        if not is_tcg(machine):
            raise QapiError(OPCOUNT_NEEDS_TCG)
        return text(TCG_NO_PROFILER)

    def x_query_profile() -> dict[str, Any]:
        raise QapiError(NO_PROFILER)

    def x_query_ramblock() -> dict[str, Any]:
        blocks = []
        if not machine.options.has_cpus and guest.ram_size:
            blocks.append((NONE_RAM_BLOCK, guest.ram_size))
        return text(ramblock_text(blocks))

    def x_query_empty() -> dict[str, Any]:
        return text("")

    def x_query_usb() -> dict[str, Any]:
        from qmonitor.machine.devices.state import pc_hotplug
        from qmonitor.machine.devices.usb import info_usb

        hotplug = pc_hotplug(machine)
        if hotplug is None or not hotplug.pc.usb_buses:
            raise QapiError(NO_USB)
        return text(info_usb(hotplug.pc.usb_buses))

    def query_replay() -> dict[str, Any]:
        return {"mode": "none", "icount": 0}

    def acpi_ospm_status() -> list[dict[str, Any]]:
        from qmonitor.machine.devices.dimms import plugged_memory_devices as dimms

        if not has_acpi(machine):
            raise QapiError(NO_ACPI)
        devices = dimms(machine)
        # The ACPI memory hotplug's slots (the CPU hotplug stays in legacy mode).
        return devices.ospm_status() if devices is not None else []

    def stats_schemas(provider: str | None = None) -> list[dict[str, Any]]:
        # Only KVM provides statistics, and the null machine runs no KVM vCPU.
        return []

    handlers: tuple[tuple[str, Callable[..., Any]], ...] = (
        ("query-xen-replication-status", replication_status),
        ("query-colo-status", colo_status),
        ("query-dirty-rate", dirty_rate),
        ("query-current-machine", current_machine),
        ("query-vm-generation-id", vm_generation_id),
        ("query-memory-size-summary", memory_size_summary),
        ("query-memory-devices", memory_devices),
        ("x-query-irq", x_query_irq),
        ("x-query-jit", x_query_jit),
        ("x-query-numa", x_query_numa),
        ("x-query-opcount", x_query_opcount),
        ("x-query-profile", x_query_profile),
        ("x-query-ramblock", x_query_ramblock),
        ("x-query-rdma", x_query_empty),
        ("x-query-roms", x_query_empty),
        ("x-query-usb", x_query_usb),
        ("query-replay", query_replay),
        ("query-acpi-ospm-status", acpi_ospm_status),
        ("query-stats-schemas", stats_schemas),
    )
    for name, handler in handlers:
        full.register(bind_command(schema, name, handler, any_thread=True))
