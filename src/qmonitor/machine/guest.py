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

#: QEMU's default RAM size (hw/i386/pc.c: 128 MiB).
DEFAULT_RAM_SIZE = 128 << 20
#: The CPU model QEMU gives an x86_64 PC when ``-cpu`` is absent.
DEFAULT_CPU_MODEL = "qemu64"
#: Machine types with another default CPU model (hw/i386/pc_piix.c: the ISA-only PC).
MACHINE_CPU_MODELS = {"isapc": "486"}

# Texts of hw/core/machine-smp.c (QEMU 7.2).
SMP_PRODUCT = (
    "Invalid CPU topology: product of the hierarchy must match maxcpus: "
    "sockets ({}) * dies ({}) * cores ({}) * threads ({}) != maxcpus ({})"
)
SMP_MAXCPUS = (
    "Invalid CPU topology: maxcpus must be equal to or greater than smp: "
    "sockets ({}) * dies ({}) * cores ({}) * threads ({}) == maxcpus ({}) < smp_cpus ({})"
)


class TopologyError(Exception):
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
    ) -> SmpConfig:
        """Fill in what ``-smp`` left out (0 = not given) and check the product.

        :raises TopologyError: with QEMU's text.
        """
        dies = dies or 1
        clusters = clusters or 1
        if cpus == 0 and maxcpus == 0:
            sockets = sockets or 1
            cores = cores or 1
            threads = threads or 1
        else:
            maxcpus = maxcpus or cpus
            sockets = sockets or 1
            threads = threads or 1
            cores = cores or maxcpus // (sockets * dies * clusters * threads)
        maxcpus = maxcpus or sockets * dies * clusters * cores * threads
        cpus = cpus or maxcpus
        if sockets * dies * clusters * cores * threads != maxcpus:
            raise TopologyError(SMP_PRODUCT.format(sockets, dies, cores, threads, maxcpus))
        if maxcpus < cpus:
            raise TopologyError(SMP_MAXCPUS.format(sockets, dies, cores, threads, maxcpus, cpus))
        return cls(cpus, sockets, dies, clusters, cores, threads, maxcpus)

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


@dataclass(frozen=True, slots=True)
class GuestObject:
    """One ``-object``: its QOM type and id."""

    qom_type: str
    id: str


@dataclass(frozen=True, slots=True)
class GuestConfig:
    """What the command line says about the guest (see the module docstring)."""

    cpu_model: str = DEFAULT_CPU_MODEL
    #: ``-cpu MODEL,+feat,-feat,prop=value``: the properties after the model,
    #: as (name, value) with ``+feat`` as ``on`` and ``-feat`` as ``off``.
    cpu_props: tuple[tuple[str, str], ...] = ()
    smp: SmpConfig = field(default_factory=SmpConfig)
    ram_size: int = DEFAULT_RAM_SIZE
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
