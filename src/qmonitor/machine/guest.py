"""The guest a command line describes: CPUs, memory, devices and objects.

qmonitor runs no guest, but management clients read its shape back over
QMP (libvirt asks for every vCPU, the balloon, the devices it added), so
the machine keeps what ``-cpu``, ``-smp``, ``-m``, ``-device`` and
``-object`` said and answers from it.  :class:`SmpConfig` resolves the
CPU topology as QEMU 7.2's ``machine_parse_smp_config`` does for machine
types that prefer cores over sockets (every 7.2 type), and places each
vCPU in it as ``x86_possible_cpu_arch_ids`` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from qmonitor.errors import QmonitorError

#: QEMU's default RAM size (hw/i386/pc.c: 128 MiB).
DEFAULT_RAM_SIZE = 128 << 20
#: The CPU model QEMU gives an x86_64 PC when ``-cpu`` is absent.
DEFAULT_CPU_MODEL = "qemu64"
#: Machine types with another default CPU model (hw/i386/pc_piix.c: the ISA-only PC).
MACHINE_CPU_MODELS = {"isapc": "486"}

# Texts of hw/core/machine-smp.c (QEMU 7.2).
SMP_PRODUCT = (
    "Invalid CPU topology: product of the hierarchy must match maxcpus: {} != maxcpus ({})"
)
SMP_MAXCPUS = (
    "Invalid CPU topology: maxcpus must be equal to or greater than smp: "
    "{} == maxcpus ({}) < smp_cpus ({})"
)
SMP_ZERO = (
    "Deprecated CPU topology (considered invalid): "
    "CPU topology parameters must be greater than zero"
)
SMP_UNSUPPORTED = "{} not supported by this machine's CPU topology"
SMP_TOO_MANY = "Invalid SMP CPUs {}. The max CPUs supported by machine '{}' is {}"


@dataclass(frozen=True, slots=True)
class SmpLimits:
    """What a machine type allows of ``-smp``: its name, whether it has dies, its most vCPUs."""

    name: str = ""
    dies_supported: bool = True
    max_cpus: int | None = None


def smp_limits(typename: str | None) -> SmpLimits:
    """The ``-smp`` limits of machine type ``typename`` (hw/i386: PCs have dies, 7.2's counts)."""
    name = typename or ""
    if name.startswith("pc-i440fx-"):
        return SmpLimits(name, True, 255)
    if name.startswith("pc-q35-"):
        return SmpLimits(name, True, 288)
    if name == "isapc":
        return SmpLimits(name, True, 1)
    if name == "microvm":
        return SmpLimits(name, False, 288)
    if name in ("none", "x-remote"):
        return SmpLimits(name, False, 1)
    return SmpLimits(name)


class TopologyError(QmonitorError):
    """QEMU's text for a ``-smp`` that does not add up."""


@dataclass(frozen=True, slots=True)
class SmpConfig:
    """A resolved CPU topology: how many vCPUs run, how many could, and their layout."""

    cpus: int = 1
    sockets: int = 1
    dies: int = 1
    clusters: int = 1
    cores: int = 1
    threads: int = 1
    maxcpus: int = 1

    @classmethod
    def resolve(
        cls,
        cpus: int = 0,
        sockets: int = 0,
        dies: int = 0,
        clusters: int = 0,
        cores: int = 0,
        threads: int = 0,
        maxcpus: int = 0,
        *,
        limits: SmpLimits | None = None,
    ) -> SmpConfig:
        """Fill in what ``-smp`` left out (0 = not given) and check it against the machine.

        :raises TopologyError: with QEMU's text.
        """
        limits = limits or SmpLimits()
        if not limits.dies_supported and dies > 1:
            raise TopologyError(SMP_UNSUPPORTED.format("dies"))
        if clusters > 1:
            raise TopologyError(SMP_UNSUPPORTED.format("clusters"))
        dies = dies or 1
        clusters = clusters or 1
        if cpus == 0 and maxcpus == 0:
            sockets = sockets or 1
            cores = cores or 1
            threads = threads or 1
        else:
            maxcpus = maxcpus or cpus
            sockets = sockets or 1
            if cores == 0:
                threads = threads or 1
                cores = maxcpus // (sockets * dies * clusters * threads)
            elif threads == 0:
                threads = maxcpus // (sockets * dies * clusters * cores)
        maxcpus = maxcpus or sockets * dies * clusters * cores * threads
        cpus = cpus or maxcpus
        smp = cls(cpus, sockets, dies, clusters, cores, threads, maxcpus)
        hierarchy = smp.hierarchy(limits.dies_supported)
        if sockets * dies * clusters * cores * threads != maxcpus:
            raise TopologyError(SMP_PRODUCT.format(hierarchy, maxcpus))
        if maxcpus < cpus:
            raise TopologyError(SMP_MAXCPUS.format(hierarchy, maxcpus, cpus))
        if limits.max_cpus is not None and maxcpus > limits.max_cpus:
            raise TopologyError(SMP_TOO_MANY.format(maxcpus, limits.name, limits.max_cpus))
        return smp

    def hierarchy(self, dies_supported: bool = True) -> str:
        """The topology as QEMU's error texts spell it (cpu_hierarchy_to_string)."""
        dies = f" * dies ({self.dies})" if dies_supported else ""
        return f"sockets ({self.sockets}){dies} * cores ({self.cores}) * threads ({self.threads})"

    def as_qom(self) -> dict[str, int]:
        """The machine's ``smp`` property (SMPConfiguration), members in schema order."""
        return {
            "cpus": self.cpus,
            "sockets": self.sockets,
            "dies": self.dies,
            "clusters": self.clusters,
            "cores": self.cores,
            "threads": self.threads,
            "maxcpus": self.maxcpus,
        }

    def props(self, index: int) -> dict[str, int]:
        """The slot of vCPU ``index``: CpuInstanceProperties as x86 reports them."""
        thread = index % self.threads
        core = index // self.threads % self.cores
        die = index // (self.threads * self.cores) % self.dies
        socket = index // (self.threads * self.cores * self.dies)
        out = {"socket-id": socket}
        if self.dies > 1:
            out["die-id"] = die
        out["core-id"] = core
        out["thread-id"] = thread
        return out

    def apic_id(self, index: int) -> int:
        """The APIC ID of vCPU ``index`` (x86_apicid_from_cpu_idx): one bit field per level."""
        thread_bits = (self.threads - 1).bit_length()
        core_bits = (self.cores - 1).bit_length()
        die_bits = (self.dies - 1).bit_length()
        p = self.props(index)
        return (
            (p["socket-id"] << (thread_bits + core_bits + die_bits))
            | (p.get("die-id", 0) << (thread_bits + core_bits))
            | (p["core-id"] << thread_bits)
            | p["thread-id"]
        )


@dataclass(frozen=True, slots=True)
class GuestDevice:
    """One ``-device``: its driver and id (None: QEMU names it in peripheral-anon)."""

    driver: str
    id: str | None = None
    #: The other properties, as given (``-device e1000,addr=3``: ``(("addr", "3"),)``).
    props: tuple[tuple[str, str], ...] = ()
    #: The option as written (``-device e1000,addr=3``), for error messages.
    loc: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class GuestObject:
    """One ``-object``: its QOM type, id and properties (as given: strings, or JSON values)."""

    qom_type: str
    id: str
    props: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class GuestConfig:
    """What the command line says about the guest (see the module docstring)."""

    cpu_model: str = DEFAULT_CPU_MODEL
    #: ``-cpu MODEL,+feat,-feat,prop=value``: the properties after the model,
    #: as (name, value) with ``+feat`` as ``on`` and ``-feat`` as ``off``.
    cpu_props: tuple[tuple[str, str], ...] = ()
    smp: SmpConfig = field(default_factory=SmpConfig)
    ram_size: int = DEFAULT_RAM_SIZE
    #: ``-m slots=N``: DIMM slots (0: none).
    ram_slots: int = 0
    #: ``-m maxmem=M``: the most RAM with memory devices (None: the RAM size).
    maxram_size: int | None = None
    #: ``-mem-path``: the machine's own RAM backend is a memory-backend-file there.
    mem_path: str | None = None
    #: ``-mem-prealloc``: memory backends preallocate unless told otherwise.
    mem_prealloc: bool = False
    devices: tuple[GuestDevice, ...] = ()
    objects: tuple[GuestObject, ...] = ()
    #: ``-name debug-threads=on``: vCPU threads are named ``CPU N/ACCEL``.
    debug_threads: bool = False
    #: The machine type's full name (``pc`` is ``pc-i440fx-7.2``), None if unknown.
    machine_typename: str | None = None
    #: ``-machine`` properties besides type and accel, as given.
    machine_props: tuple[tuple[str, str], ...] = ()

    def has_device(self, *drivers: str) -> bool:
        return any(device.driver in drivers for device in self.devices)
