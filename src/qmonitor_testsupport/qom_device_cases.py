"""The device instances tools/record_qom_devices.py records from QEMU 7.2 (and tests replay).

Every device type the null machine makes on a PC from ``-device`` or
``device_add`` (the types of its device tables, ``data/pc_devices.json``
and ``data/scsi_devices.json``, that ``-device help`` lists on a bus a PC
has) is made once on ``-M pc`` and once on ``-M q35``, with the id ``dev``
and, where the type needs them, a back-end or a bus made before it
(:data:`NEEDS`).  A few are made by ``device_add`` too
(:data:`HOTPLUGGED`).  The recording holds ``qom-list`` of
``/machine/peripheral/dev`` and of each object below it, and ``qom-get``
of every property that is not a child.
"""

from __future__ import annotations

#: The arguments each case starts from (no default devices: none shift a
#: MAC address or a PCI slot).
BASE = ("-nodefaults",)

#: What a type needs besides ``-device TYPE,id=dev``: options before it,
#: and the properties it is given.
NEEDS: dict[str, tuple[tuple[str, ...], str]] = {
    "virtio-blk-pci": (("-blockdev", "null-co,node-name=disk0"), "drive=disk0"),
    "ide-hd": (("-blockdev", "null-co,node-name=disk0"), "drive=disk0"),
    "scsi-hd": (
        ("-blockdev", "null-co,node-name=disk0", "-device", "virtio-scsi-pci,id=scsi0"),
        "drive=disk0",
    ),
    "scsi-cd": (("-device", "virtio-scsi-pci,id=scsi0"), ""),
    "pci-bridge": ((), "chassis_nr=1"),
    "virtio-9p-pci": (
        ("-fsdev", "local,id=fs0,path=/tmp,security_model=none"),
        "fsdev=fs0,mount_tag=tag0",
    ),
    "virtio-mem-pci": (
        ("-m", "1G,maxmem=4G,slots=2", "-object", "memory-backend-ram,id=mem0,size=1G"),
        "memdev=mem0",
    ),
    "virtio-pmem-pci": (
        ("-m", "1G,maxmem=4G,slots=2", "-object", "memory-backend-ram,id=mem0,size=1G"),
        "memdev=mem0",
    ),
    "isa-debugcon": (("-chardev", "null,id=chr0"), "chardev=chr0"),
    "isa-parallel": (("-chardev", "null,id=chr0"), "chardev=chr0"),
}

#: What a type needs on one machine only: a Q35 has no floppy controller.
MACHINE_NEEDS: dict[tuple[str, str], tuple[tuple[str, ...], str]] = {
    ("q35", "floppy"): (("-device", "isa-fdc,id=fdc0"), ""),
}

#: Board devices ``-device help`` lists that a PC already has one of (a
#: second one takes the first one's ports) or that cannot be made twice;
#: ``vmmouse``, which only the board can link to its ``i8042``.
SKIP = frozenset({"i8042", "mc146818rtc", "isa-pit", "isa-i8259", "port92", "vmport",
                  "isa-pcspk", "ioapic", "hpet", "kvmvapic", "vmmouse"})  # fmt: skip

#: The types also made by ``device_add`` on ``-M pc`` (``hotplugged`` true;
#: a Q35's root bus takes no hotplugged device).
HOTPLUGGED = ("virtio-net-pci", "e1000", "virtio-balloon-pci")

MACHINES = ("pc", "q35")


def device_types() -> list[str]:
    """The types of the machine's device tables a user may plug on a PC, sorted."""
    from qmonitor.machine.devices.facts import known_types
    from qmonitor.machine.qom_types import type_table

    table = type_table()
    out = []
    for name in sorted(known_types()):
        if "@" in name or name in SKIP or name not in table.user_creatable:
            continue
        if table.buses.get(name) == "virtio-bus":
            continue  # a virtio device alone: a PC has no virtio bus of its own
        if table.buses.get(name) == "usb-bus":
            continue  # needs a USB controller: tests/golden/usb records them
        out.append(name)
    return out


#: The suffix of the facts of a device behind a PCIe root port (a virtio
#: device there is modern only: no legacy I/O BAR).
BEHIND_PORT = "@port"


def port_types() -> list[str]:
    """The types whose facts were recorded behind a PCIe root port as well, sorted."""
    from qmonitor.machine.devices.facts import known_types

    return sorted(n[: -len(BEHIND_PORT)] for n in known_types() if n.endswith(BEHIND_PORT))


def port_command_line(typename: str) -> tuple[str, ...]:
    """The arguments of the case of ``typename`` behind a Q35's root port ``rp``."""
    before, props = _needs("q35", typename)
    device = f"{typename},id=dev,bus=rp" + (f",{props}" if props else "")
    return ("-M", "q35", *BASE, "-device", "pcie-root-port,id=rp,chassis=1", *before,
            "-device", device)  # fmt: skip


def _needs(machine: str, typename: str) -> tuple[tuple[str, ...], str]:
    return MACHINE_NEEDS.get((machine, typename), NEEDS.get(typename, ((), "")))


def command_line(machine: str, typename: str) -> tuple[str, ...]:
    """The arguments of the ``-device`` case of ``typename`` on ``machine``."""
    before, props = _needs(machine, typename)
    device = f"{typename},id=dev" + (f",{props}" if props else "")
    return ("-M", machine, *BASE, *before, "-device", device)


def hotplug_case(machine: str, typename: str) -> tuple[tuple[str, ...], dict[str, str]]:
    """The arguments and ``device_add`` arguments of the hotplug case of ``typename``."""
    before, props = _needs(machine, typename)
    arguments = {"driver": typename, "id": "dev"}
    for item in filter(None, props.split(",")):
        key, _, value = item.partition("=")
        arguments[key] = value
    return ("-M", machine, *BASE, *before), arguments


#: ``qom-set`` of a realized device's properties: (arguments, path, property, value).
SETS: list[tuple[tuple[str, ...], str, str, object]] = [
    (("-M", "pc", *BASE, "-device", "virtio-net-pci,id=dev"), path, prop, value)
    for path, prop, value in (
        ("/machine/peripheral/dev", "mac", "52:54:00:00:00:01"),
        ("/machine/peripheral/dev", "addr", 5),
        ("/machine/peripheral/dev", "romfile", 1),
        ("/machine/peripheral/dev", "legacy-addr", "03.0"),
        ("/machine/peripheral/dev", "hotplugged", True),
        ("/machine/peripheral/dev", "hotpluggable", False),
        ("/machine/peripheral/dev", "parent_bus", ""),
        ("/machine/peripheral/dev", "type", "x"),
        ("/machine/peripheral/dev", "virtio-backend", "x"),
        ("/machine/peripheral/dev", "realized", True),
        ("/machine/peripheral/dev", "nosuch", 1),
        ("/machine/peripheral/dev/virtio-backend", "mac", "52:54:00:00:00:01"),
        ("/machine/peripheral/dev/virtio-backend", "parent_bus", ""),
        ("/machine/peripheral/dev/bus master[0]", "size", 1),
    )
] + [
    *(
        (("-M", "pc", *BASE, "-device", "virtio-balloon-pci,id=dev"), path, prop, value)
        for path, prop, value in (
            ("/machine/peripheral/dev", "guest-stats-polling-interval", 5),
            ("/machine/peripheral/dev/virtio-backend", "guest-stats-polling-interval", -1),
            ("/machine/peripheral/dev", "guest-stats-polling-interval", "x"),
            ("/machine/peripheral/dev", "guest-stats-polling-interval", 1 << 33),
            ("/machine/peripheral/dev", "guest-stats-polling-interval", True),
            ("/machine/peripheral/dev", "guest-stats", {}),
            ("/machine/peripheral/dev", "deflate-on-oom", True),
        )
    ),
    (("-M", "pc", *BASE, "-device", "e1000"), "/machine/peripheral-anon/device[0]", "mac",
     "52:54:00:00:00:01"),
    (("-M", "pc", *BASE, "-object", "memory-backend-ram,id=mem0,size=1G",
      "-m", "1G,maxmem=4G,slots=2", "-device", "virtio-pmem-pci,id=dev,memdev=mem0"),
     "/machine/peripheral/dev", "memdev", "/objects/mem0"),
]  # fmt: skip


#: Buses with devices on them, and devices without an id: (name, arguments,
#: the paths walked).
WALKS: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    (
        "scsi-bus-with-disks",
        ("-M", "pc", *BASE, "-blockdev", "null-co,node-name=d0",
         "-device", "virtio-scsi-pci,id=scsi0", "-device", "scsi-hd,drive=d0,id=a",
         "-device", "scsi-cd,id=b", "-device", "virtio-scsi-pci"),
        ("/machine/peripheral/scsi0", "/machine/peripheral-anon/device[0]"),
    ),
    (
        "pci-bridge-with-nics",
        ("-M", "pc", *BASE, "-device", "pci-bridge,chassis_nr=1,id=br",
         "-device", "e1000,bus=br,id=n1", "-device", "e1000,bus=br", "-device", "rtl8139,bus=br",
         "-device", "virtio-net-pci,bus=br,addr=5"),
        ("/machine/peripheral/br", "/machine/peripheral/n1",
         "/machine/peripheral-anon/device[0]", "/machine/peripheral-anon/device[2]"),
    ),
    (
        "isa-ports",
        ("-M", "pc", *BASE, "-chardev", "null,id=a", "-chardev", "null,id=b",
         "-device", "isa-parallel,chardev=a", "-device", "isa-parallel,chardev=b,id=p2",
         "-device", "isa-serial,id=s0", "-device", "isa-serial,id=s1"),
        ("/machine/peripheral/p2", "/machine/peripheral/s1", "/machine/peripheral-anon/device[0]"),
    ),
    (
        "q35-root-port-with-devices",
        ("-M", "q35", *BASE, "-device", "pcie-root-port,id=rp0,chassis=1",
         "-device", "virtio-blk-pci,bus=rp0,drive=d0,id=blk", "-blockdev", "null-co,node-name=d0"),
        ("/machine/peripheral/rp0", "/machine/peripheral/blk"),
    ),
]  # fmt: skip
