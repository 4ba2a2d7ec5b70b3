"""HMP commands that read the guest: its vCPUs, their reset state, the balloon, mice, drives.

QEMU's HMP handlers mostly call the QMP command of the same purpose and
print its answer (``info cpus`` is ``query-cpus-fast``, ``info balloon``
is ``query-balloon``); these do the same through the machine's command
table, so that HMP and QMP agree about the guest.

qmonitor's guest never runs an instruction, so its vCPUs stay as a reset
left them: what QEMU 7.2 shows for a PC started with ``-S``.  Real QEMU's
registers change once the firmware runs; qmonitor's do not.  The dumps
below are that reset state, in the formats of QEMU's
target/i386/cpu-dump.c and monitor.c.  The state differs by accelerator in
two places: TCG parks the application processors halted until their
start-up IPI (``HLT=1``), KVM does not; and under KVM every CPU model has
x2APIC, which changes how ``info lapic`` names the ICR's destination.

A monitor has a current CPU (QEMU's ``mon_cpu_path``): the first CPU until
the ``cpu`` command picks another.  ``info cpus`` marks it with ``*``;
``info registers`` and ``info lapic`` without an argument show it.
"""

from __future__ import annotations

import contextlib
import re
import weakref
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qmonitor.qapi.error import ErrorClass, QapiError
from qmonitor.qapi.texts import COMMAND_NOT_FOUND
from qmonitor.util.cutils import BOOL_TRUE, c_property_integer

if TYPE_CHECKING:
    from qmonitor.machine.guest import GuestConfig
    from qmonitor.machine.machine import Machine
    from qmonitor.monitor.hmp import MonitorHMP

    #: An HMP monitor serving the null machine.
    MachineHMP = MonitorHMP[Machine]

# Texts of QEMU 7.2's monitor/hmp-cmds.c, monitor/misc.c and target/i386/monitor.c.
NO_CPU = "No CPU available\n"
CPU_NOT_AVAILABLE = "CPU#{} not available\n"
INVALID_CPU_INDEX = "invalid CPU index\n"
NO_LAPIC = "local apic state not available\n"
PAGING_DISABLED = "PG disabled\n"
NO_MICE = "No mouse devices connected\n"

#: The monitors' current CPUs, by monitor (absent: the first CPU).
_current_cpu: weakref.WeakKeyDictionary[MachineHMP, int] = weakref.WeakKeyDictionary()


def c_int(value: int) -> int:
    """``value`` read back as a C ``int``, as QEMU passes HMP's 64-bit integers on."""
    return (value + 2**31) % 2**32 - 2**31


def _cpu_count(mon: MachineHMP) -> int:
    """How many vCPUs the machine has (none for ``-M none``)."""
    options = mon.machine.options
    return options.guest.smp.cpus if options.has_cpus else 0


def current_cpu(mon: MachineHMP) -> int | None:
    """The monitor's current CPU index (mon_get_cpu), None without CPUs."""
    if _cpu_count(mon) == 0:
        return None
    return _current_cpu.get(mon, 0)


def qmp(mon: MachineHMP, name: str, arguments: dict[str, Any] | None = None) -> Any:
    """Run the machine's QMP command ``name``, as QEMU's HMP handlers call theirs."""
    cmd = mon.machine.commands.full.find(name)
    if cmd is None:
        raise QapiError(COMMAND_NOT_FOUND.format(name), ErrorClass.COMMAND_NOT_FOUND)
    return cmd.call(arguments or {})


_qmp = qmp


# -- the cpu command, info cpus, info hotpluggable-cpus ------------------------


def set_current_cpu(mon: MachineHMP, index: int) -> bool:
    """Make vCPU ``index`` the monitor's current CPU; False if there is no such vCPU.

    QEMU's monitor_set_cpu: the ``cpu`` command and human-monitor-command's
    ``cpu-index`` use it.
    """
    if not 0 <= index < _cpu_count(mon):
        return False
    _current_cpu[mon] = index
    return True


def hmp_cpu(mon: MachineHMP, args: dict[str, Any]) -> None:
    """``cpu N``: make vCPU N the monitor's current CPU (hmp_cpu)."""
    if not set_current_cpu(mon, c_int(args["index"])):
        mon.printf(INVALID_CPU_INDEX)


def info_cpus(mon: MachineHMP, args: dict[str, Any]) -> None:
    """One line per vCPU with its thread id; ``*`` marks the current CPU."""
    current = current_cpu(mon)
    for cpu in _qmp(mon, "query-cpus-fast"):
        mark = "*" if cpu["cpu-index"] == current else " "
        mon.printf(f"{mark} CPU #{cpu['cpu-index']}: thread_id={cpu['thread-id']}\n")


#: CpuInstanceProperties in the order hmp_hotpluggable_cpus prints them.
_SLOT_PROPS = ("node-id", "socket-id", "die-id", "cluster-id", "core-id", "thread-id")


def info_hotpluggable_cpus(mon: MachineHMP, args: dict[str, Any]) -> None:
    """Every CPU slot, the last first, as query-hotpluggable-cpus lists them."""
    slots = _qmp(mon, "query-hotpluggable-cpus")
    mon.printf("Hotpluggable CPUs:\n")
    for slot in slots:
        mon.printf(f'  type: "{slot["type"]}"\n')
        mon.printf(f'  vcpus_count: "{slot["vcpus-count"]}"\n')
        if "qom-path" in slot:
            mon.printf(f'  qom_path: "{slot["qom-path"]}"\n')
        mon.printf("  CPUInstance Properties:\n")
        for name in _SLOT_PROPS:
            if name in slot["props"]:
                mon.printf(f'    {name}: "{slot["props"][name]}"\n')


# -- the reset state of a vCPU ------------------------------------------------------

#: CPUID[1].EAX (family, model, stepping) of QEMU 7.2's x86 CPU models, which
#: a reset leaves in EDX.  A versioned or suffixed name (``Haswell-v2``,
#: ``EPYC-IBPB``) has its base model's value unless listed on its own.
#: Recorded from QEMU 7.2 (tests/golden/cpu_versions.json holds every model).
CPUID_VERSIONS: dict[str, int] = {
    "486": 0x480, "athlon": 0x623, "base": 0x0, "Broadwell": 0x306D2,
    "Cascadelake-Server": 0x50656, "Conroe": 0x6F3, "Cooperlake": 0x5065A,
    "core2duo": 0x6FB, "coreduo": 0x6E8, "Denverton": 0x506F1, "Dhyana": 0x900F01,
    "EPYC": 0x800F12, "EPYC-Milan": 0xA00F11, "EPYC-Rome": 0x830F10, "Haswell": 0x306C4,
    "Haswell-noTSX": 0x306C1, "Haswell-noTSX-IBRS": 0x306C1, "Haswell-v2": 0x306C1,
    "Haswell-v4": 0x306C1, "Icelake-Server": 0x80660, "Icelake-Server-v4": 0x606A0,
    "Icelake-Server-v5": 0x606A0, "Icelake-Server-v6": 0x606A0, "IvyBridge": 0x306A9,
    "KnightsMill": 0x80650, "kvm32": 0xF61, "kvm64": 0xF61, "max": 0x60FB1,
    "n270": 0x106C2, "Nehalem": 0x106A3, "Opteron_G1": 0xF61, "Opteron_G2": 0xF61,
    "Opteron_G3": 0x100F23, "Opteron_G4": 0x600F12, "Opteron_G5": 0x600F20,
    "Penryn": 0x10673, "pentium": 0x543, "pentium2": 0x652, "pentium3": 0x673,
    "phenom": 0x100F23, "qemu32": 0x663, "qemu64": 0x60FB1, "SandyBridge": 0x206A1,
    "Skylake-Client": 0x506E3, "Skylake-Server": 0x50654, "Snowridge": 0x80661,
    "Westmere": 0x206C1,
}  # fmt: skip
#: What versioned and suffixed model names add to their base model's name.
_MODEL_SUFFIX = re.compile(r"(-noTSX-IBRS|-noTSX|-IBRS|-IBPB)?(-v[0-9]+)?$")
#: The model whose value stands in for a name QEMU would not have started with.
_FALLBACK_MODEL = "qemu64"


def encode_cpuid_version(family: int, model: int, stepping: int) -> int:
    """CPUID[1].EAX from its fields, extended family and model included."""
    version = (model & 0xF) << 4 | (model >> 4 & 0xF) << 16 | (stepping & 0xF)
    if family > 0xF:
        return version | 0xF << 8 | (family - 0xF & 0xFF) << 20
    return version | family << 8


def decode_cpuid_version(version: int) -> tuple[int, int, int]:
    """The (family, model, stepping) of a CPUID[1].EAX value."""
    family = version >> 8 & 0xF
    if family == 0xF:
        family += version >> 20 & 0xFF
    model = (version >> 4 & 0xF) | (version >> 12 & 0xF0)
    return family, model, version & 0xF


def cpuinfo_version(cpuinfo: str) -> int | None:
    """The first processor's CPUID[1].EAX from /proc/cpuinfo's text, None if it has none."""
    fields: dict[str, int] = {}
    for line in cpuinfo.splitlines():
        if not line.strip():
            break  # the end of the first processor's block
        key, _, value = line.partition(":")
        key = key.strip()
        if key in ("cpu family", "model", "stepping"):
            with contextlib.suppress(ValueError):
                fields[key] = int(value)
    if len(fields) != 3:
        return None
    return encode_cpuid_version(fields["cpu family"], fields["model"], fields["stepping"])


@cache
def host_cpuid_version() -> int | None:
    """The host CPU's CPUID[1].EAX (``-cpu host``), None if unknown."""
    try:
        return cpuinfo_version(Path("/proc/cpuinfo").read_text())
    except OSError:
        return None


def cpuid_version(guest: GuestConfig, accel: str | None) -> int:
    """The CPUID version of the guest's vCPUs: the model's, then ``-cpu``'s overrides."""
    model = guest.cpu_model
    version: int | None = None
    if model == "host" or (model == "max" and accel == "kvm"):
        version = host_cpuid_version()
    if version is None:
        version = CPUID_VERSIONS.get(model)
    if version is None:
        match = _MODEL_SUFFIX.search(model)
        base = model[: match.start()] if match else model
        version = CPUID_VERSIONS.get(base, CPUID_VERSIONS[_FALLBACK_MODEL])
    fields = dict(zip(("family", "model", "stepping"), decode_cpuid_version(version), strict=True))
    overridden = False
    for name, value in guest.cpu_props:
        number = c_property_integer(value) if name in fields else None
        if number is not None:
            fields[name] = number
            overridden = True
    if overridden:
        version = encode_cpuid_version(fields["family"], fields["model"], fields["stepping"])
    return version


def _has_x2apic(mon: MachineHMP) -> bool:
    """Whether the vCPUs have x2APIC: KVM adds it to every model, TCG (7.2) has none."""
    options = mon.machine.options
    return options.accel == "kvm" and _cpu_feature(options.guest, "x2apic", True)


def _cpu_feature(guest: GuestConfig, name: str, default: bool) -> bool:
    """Whether ``-cpu`` leaves feature ``name`` on (the last setting counts)."""
    on = default
    for prop, value in guest.cpu_props:
        if prop == name:
            on = value in BOOL_TRUE
    return on


#: CPU models whose CPUID has no local APIC (QEMU's 486 and base models).
_NO_APIC_MODELS = frozenset(("486", "486-v1", "base"))


def _has_apic(mon: MachineHMP) -> bool:
    """Whether the vCPUs have a local APIC (x86_cpu_apic_create).

    Every vCPU gets one when the model's CPUID says APIC or when there is
    more than one vCPU.
    """
    guest = mon.machine.options.guest
    return guest.smp.cpus > 1 or _cpu_feature(guest, "apic", guest.cpu_model not in _NO_APIC_MODELS)


def _halted_at_reset(mon: MachineHMP, index: int) -> bool:
    """TCG halts the application processors until their start-up IPI; KVM does not."""
    return index != 0 and mon.machine.options.accel != "kvm"


_SEGMENTS = (
    ("ES ", 0x0000, 0x00000000, 0x9300),
    ("CS ", 0xF000, 0xFFFF0000, 0x9B00),
    ("SS ", 0x0000, 0x00000000, 0x9300),
    ("DS ", 0x0000, 0x00000000, 0x9300),
    ("FS ", 0x0000, 0x00000000, 0x9300),
    ("GS ", 0x0000, 0x00000000, 0x9300),
    ("LDT", 0x0000, 0x00000000, 0x8200),
    ("TR ", 0x0000, 0x00000000, 0x8B00),
)


def reset_registers(version: int, halted: bool) -> str:
    """x86_cpu_dump_state (with the FPU) of a vCPU just reset: real mode at the reset vector."""
    zero8 = "00000000"
    zero16 = "0" * 16
    lines = [
        f"EAX={zero8} EBX={zero8} ECX={zero8} EDX={version:08x}",
        f"ESI={zero8} EDI={zero8} EBP={zero8} ESP={zero8}",
        f"EIP=0000fff0 EFL=00000002 [-------] CPL=0 II=0 A20=1 SMM=0 HLT={int(halted)}",
    ]
    lines += [
        f"{name}={selector:04x} {base:08x} 0000ffff {flags:08x}"
        for name, selector, base, flags in _SEGMENTS
    ]
    lines += [
        "GDT=     00000000 0000ffff",
        "IDT=     00000000 0000ffff",
        "CR0=60000010 CR2=00000000 CR3=00000000 CR4=00000000",
        # QEMU ends the DR0-3 line with a blank.
        " ".join(f"DR{i}={zero16}" for i in range(4)) + " ",
        "DR6=00000000ffff0ff0 DR7=0000000000000400",
        f"EFER={zero16}",
        "FCW=037f FSW=0000 [ST=0] FTW=00 MXCSR=00001f80",
    ]
    lines += [f"FPR{i}={zero16} 0000 FPR{i + 1}={zero16} 0000" for i in range(0, 8, 2)]
    lines += [
        f"XMM{i:02d}={zero16} {zero16} XMM{i + 1:02d}={zero16} {zero16}" for i in range(0, 8, 2)
    ]
    return "\n".join(lines) + "\n"


def _registers_of(mon: MachineHMP, index: int) -> None:
    version = cpuid_version(mon.machine.options.guest, mon.machine.options.accel)
    mon.printf(f"\nCPU#{index}\n")
    mon.printf(reset_registers(version, _halted_at_reset(mon, index)))


def info_registers(mon: MachineHMP, args: dict[str, Any]) -> None:
    """``info registers [-a|vcpu]``: the reset state of one vCPU or of all (hmp_info_registers)."""
    count = _cpu_count(mon)
    if args.get("cpustate_all"):
        for each in range(count):
            _registers_of(mon, each)
        return
    if "vcpu" in args:
        vcpu = c_int(args["vcpu"])
        if vcpu >= 0:
            if vcpu >= count:
                mon.printf(CPU_NOT_AVAILABLE.format(vcpu))
            else:
                _registers_of(mon, vcpu)
            return
    index = current_cpu(mon)
    if index is None:
        mon.printf(NO_CPU)
        return
    _registers_of(mon, index)


def _lvt(name: str, timer: bool) -> str:
    """One masked local vector table entry as dump_apic_lvt prints it after a reset."""
    mode = "one-shot" if timer else ""
    return f"{name}\t 0x00010000 active-hi edge  masked {'':7} {mode:12} Fixed  (vec 0)\n"


def reset_lapic(index: int, x2apic: bool) -> str:
    """x86_cpu_dump_local_apic_state of a local APIC just reset (software-disabled)."""
    lvts = ("LVT0", "LVT1", "LVTPC", "LVTERR", "LVTTHMR")
    return "".join(
        (
            f"dumping local APIC state for CPU {index:<2}\n\n",
            *(_lvt(name, False) for name in lvts),
            _lvt("LVTT", True),
            "Timer\t DCR=0x0 (divide by 2) initial_count = 0 current_count = 0\n",
            "SPIV\t 0x000000ff APIC disabled, focus=off, spurious vec 255\n",
            "ICR\t 0x00000000 physical edge de-assert no-shorthand\n",
            f"ICR2\t 0x00000000 cpu 0 ({'X2APIC ID' if x2apic else 'APIC ID'})\n",
            "ESR\t 0x00000000\n",
            "ISR\t (none)\n",
            "IRR\t (none)\n",
            "\nAPR 0x00 TPR 0x00 DFR 0x0f LDR 0x00 PPR 0x00\n",
        )
    )


def info_lapic(mon: MachineHMP, args: dict[str, Any]) -> None:
    """``info lapic [apic-id]``: the local APIC of the CPU with that APIC ID, or the current one."""
    index: int | None
    if "apic-id" in args:
        apic_id = c_int(args["apic-id"])
        smp = mon.machine.options.guest.smp
        found = (i for i in range(_cpu_count(mon)) if smp.apic_id(i) == apic_id)
        index = next(found, None)
    else:
        index = current_cpu(mon)
    if index is None:
        mon.printf(NO_CPU)
    elif not _has_apic(mon):
        mon.printf(NO_LAPIC)
    else:
        mon.printf(reset_lapic(index, _has_x2apic(mon)))


def info_mem(mon: MachineHMP, args: dict[str, Any]) -> None:
    """``info mem`` and ``info tlb``: a CPU fresh from reset has paging off (CR0.PG clear)."""
    mon.printf(NO_CPU if current_cpu(mon) is None else PAGING_DISABLED)


# -- balloon, mice, drives ------------------------------------------------------------


def info_balloon(mon: MachineHMP, args: dict[str, Any]) -> None:
    """The balloon's size in MiB (hmp_info_balloon), or query-balloon's error."""
    info = _qmp(mon, "query-balloon")
    mon.printf(f"balloon: actual={info['actual'] >> 20}\n")


#: Input devices QEMU 7.2 has: the name of their input handler and whether
#: it is a mouse that reports absolute positions (None: a keyboard).
INPUT_DEVICES: dict[str, tuple[str, bool | None]] = {
    "usb-kbd": ("QEMU HID Keyboard", None),
    "usb-mouse": ("QEMU HID Mouse", False),
    "usb-tablet": ("QEMU HID Tablet", True),
    "virtio-keyboard-pci": ("QEMU Virtio Keyboard", None),
    "virtio-keyboard-device": ("QEMU Virtio Keyboard", None),
    "virtio-mouse-pci": ("QEMU Virtio Mouse", False),
    "virtio-mouse-device": ("QEMU Virtio Mouse", False),
    "virtio-tablet-pci": ("QEMU Virtio Tablet", True),
    "virtio-tablet-device": ("QEMU Virtio Tablet", True),
}
#: The input handler id of a PC's PS/2 mouse (after the PS/2 keyboard);
#: ``-device`` input devices are numbered after it.
PS2_MOUSE_ID = 2


def _has_ps2(mon: MachineHMP) -> bool:
    """Whether the machine type has an i8042 with a PS/2 mouse (the PCs)."""
    typename = mon.machine.options.guest.machine_typename or ""
    return typename.startswith(("pc-i440fx-", "pc-q35-")) or typename == "isapc"


#: The PS/2 keyboard's input handler id: the first handler registered.
PS2_KEYBOARD_ID = 1
#: Input handlers moved to the head of the list (``mouse_set``), per machine, latest first.
_activated: weakref.WeakKeyDictionary[Machine, list[int]] = weakref.WeakKeyDictionary()


def input_handlers(mon: MachineHMP) -> list[tuple[int, str, bool | None]]:
    """The input handlers in QEMU's list order: (id, name, absolute or None for a keyboard).

    Handlers are numbered as they register: a PC's PS/2 keyboard and
    mouse, then each ``-device`` input device in command-line order;
    ``mouse_set`` moves one to the head of the list.
    """
    handlers: list[tuple[int, str, bool | None]] = []
    if mon.machine.options.has_cpus and _has_ps2(mon):
        handlers.append((PS2_KEYBOARD_ID, "QEMU PS/2 Keyboard", None))
        handlers.append((PS2_MOUSE_ID, "QEMU PS/2 Mouse", False))
        next_id = PS2_MOUSE_ID + 1
        for device in mon.machine.options.guest.devices:
            handler = INPUT_DEVICES.get(device.driver)
            if handler is not None:
                handlers.append((next_id, *handler))
                next_id += 1
    first = _activated.get(mon.machine, [])
    rank = {ident: i for i, ident in enumerate(first)}
    return sorted(handlers, key=lambda h: (rank.get(h[0], len(rank)), handlers.index(h)))


def mouse_set(mon: MachineHMP, args: dict[str, Any]) -> None:
    """``mouse_set N``: the mouse with handler id N gets relative motion (hmp_mouse_set)."""
    index = c_int(args["index"])
    for ident, name, absolute in input_handlers(mon):
        if ident != index:
            continue
        if absolute is None:
            mon.printf(f"Input device '{name}' is not a mouse\n")
            return
        order = _activated.setdefault(mon.machine, [])
        if ident in order:
            order.remove(ident)
        order.insert(0, ident)
        return
    mon.printf(f"Mouse at index '{index}' not found\n")


def info_mice(mon: MachineHMP, args: dict[str, Any]) -> None:
    """The mice, last in the list first; ``*`` marks the one getting motion (hmp_info_mice)."""
    mice = [
        (i, name, absolute) for i, name, absolute in input_handlers(mon) if absolute is not None
    ]
    if not mice:
        mon.printf(NO_MICE)
        return
    current = mice[0][0]
    for ident, name, absolute in reversed(mice):
        mark = "*" if ident == current else " "
        mon.printf(f"{mark} Mouse #{ident}: {name}{' (absolute)' if absolute else ''}\n")


def info_block(mon: MachineHMP, args: dict[str, Any]) -> None:
    """``info block [-n] [-v] [device]``: the BlockBackends, or the nodes (hmp_info_block)."""
    from qmonitor.machine.block.backend_cmds import machine_info_block

    mon.printf(machine_info_block(mon.machine, args.get("device"), bool(args.get("nodes"))))


def info_blockstats(mon: MachineHMP, args: dict[str, Any]) -> None:
    """``info blockstats``: each drive's counters (hmp_info_blockstats)."""
    from qmonitor.machine.block.backend_cmds import machine_blockstats

    keys = ("rd_bytes", "wr_bytes", "rd_operations", "wr_operations", "flush_operations",
            "wr_total_time_ns", "rd_total_time_ns", "flush_total_time_ns", "rd_merged",
            "wr_merged", "idle_time_ns")  # fmt: skip
    for entry in machine_blockstats(mon.machine, False):
        stats = entry["stats"]
        values = " ".join(f"{key}={stats.get(key, 0)}" for key in keys)
        mon.printf(f"{entry['device']}: {values}\n")
