"""The machine types, accelerators and devices qmonitor's command line knows.

QEMU 7.2's x86_64 machine types as ``-machine help`` lists them, the
accelerators ``-accel`` and ``-machine accel=`` accept, and the ``-device``
drivers qmonitor models; data and lookups only.
"""

from __future__ import annotations

#: QEMU's limits (softmmu/vl.c MAX_PARALLEL_PORTS, chardev/char-mux.h MAX_MUX).
MAX_PARALLEL_PORTS = 3
MAX_MUX = 4

#: What ``-accel help`` prints (QEMU omits qtest, which is for tests only).
ACCEL_HELP_TEXT = "Accelerators supported in QEMU binary:\ntcg\nkvm\n"
#: The accelerators qmonitor accepts and the properties each takes.  QEMU 7.2
#: builds have qtest; Debian's 7.2 package leaves it out, qmonitor keeps it.
ACCELERATORS: dict[str, frozenset[str]] = {
    "tcg": frozenset({"thread", "tb-size", "split-wx"}),
    "kvm": frozenset(
        {"kernel-irqchip", "kvm-shadow-mem", "dirty-ring-size", "notify-vmexit", "notify-window"}
    ),
    "qtest": frozenset(),
}

#: x86_64 machine types of QEMU 7.2: (name, alias, description, flags) as ``-machine help``
#: lists them; flags: "d" default, "x" deprecated.
_PC_VERSIONS = ("7.2", "7.1", "7.0", "6.2", "6.1", "6.0", "5.2", "5.1", "5.0", "4.2", "4.1",
                "4.0", "3.1", "3.0", "2.9", "2.8", "2.7", "2.6", "2.5", "2.4", "2.3", "2.2",
                "2.12", "2.11", "2.10", "2.1", "2.0", "1.7", "1.6", "1.5", "1.4")  # fmt: skip
_Q35_VERSIONS = ("7.2", "7.1", "7.0", "6.2", "6.1", "6.0", "5.2", "5.1", "5.0", "4.2", "4.1",
                 "4.0.1", "4.0", "3.1", "3.0", "2.9", "2.8", "2.7", "2.6", "2.5", "2.4", "2.12",
                 "2.11", "2.10")  # fmt: skip
_I440FX = "Standard PC (i440FX + PIIX, 1996)"
_Q35 = "Standard PC (Q35 + ICH9, 2009)"
MACHINES: tuple[tuple[str, str | None, str, str], ...] = (
    ("microvm", None, "microvm (i386)", ""),
    *(
        (f"pc-i440fx-{v}", "pc" if v == "7.2" else None, _I440FX,
         "d" if v == "7.2" else "x" if v.startswith("1.") else "")
        for v in _PC_VERSIONS
    ),
    *((f"pc-q35-{v}", "q35" if v == "7.2" else None, _Q35, "") for v in _Q35_VERSIONS),
    ("isapc", None, "ISA-only PC", ""),
    ("none", None, "empty machine", ""),
    ("x-remote", None, "Experimental remote machine", ""),
)  # fmt: skip
#: Machines without default serial and parallel ports (MachineClass no_serial/no_parallel).
NO_DEFAULT_PORTS = frozenset({"none", "x-remote"})
#: What qmonitor reports when no -machine is given (QEMU's default is pc-i440fx-7.2).
DEFAULT_MACHINE = "pc"

#: The devices qmonitor models: driver -> (the bus it plugs into, its properties).
DEVICES: dict[str, tuple[str, frozenset[str]]] = {"ib700": ("ISA", frozenset())}
#: The ISA bus of the PC machines, as ``bus=`` names it.
ISA_BUS = "isa.0"


def machine_help_text() -> str:
    """What ``-machine help`` prints."""
    lines = ["Supported machines are:\n"]
    for name, alias, desc, flags in MACHINES:
        if alias is not None:
            lines.append(f"{alias:<20} {desc} (alias of {name})\n")
        suffix = (" (default)" if "d" in flags else "") + (" (deprecated)" if "x" in flags else "")
        lines.append(f"{name:<20} {desc}{suffix}\n")
    return "".join(lines)


def machine_known(name: str) -> bool:
    """Whether ``name`` is a machine type or an alias of one."""
    return any(name in (m[0], m[1]) for m in MACHINES)


def machine_typename(name: str) -> str | None:
    """The full name of machine type ``name`` (an alias resolved), None if unknown."""
    for full, alias, _, _ in MACHINES:
        if name in (full, alias):
            return full
    return None


def deprecation_warning(name: str) -> str | None:
    """The warning QEMU 7.2 prints when machine type ``name`` starts, None if not deprecated."""
    full = machine_typename(name)
    if full is None or not any(m[0] == full and "x" in m[3] for m in MACHINES):
        return None
    from qmonitor.machine.recorded import machines_record

    # Recorded from QEMU as it printed it: "PROG: warning: MESSAGE".
    recorded: str = machines_record()["deprecation"][full]
    return recorded.split("warning: ", 1)[1].rstrip("\n")
