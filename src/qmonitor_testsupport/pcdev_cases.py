"""The sessions and command lines tools/record_pcdev.py plays against QEMU 7.2 (and tests replay).

:data:`CASES` are (name, arguments, requests): a PC's default devices with
and without ``-nodefaults`` and the options that change them, ``-device``
on the command line, ``device_add``/``device_del`` and their errors.
:data:`TEMPLATES` are the command lines whose devices the device model's
facts are recorded from (every type a board makes or a case adds).
"""

from __future__ import annotations

from typing import Any

Request = tuple[str, dict[str, Any]]


def hmp(line: str) -> Request:
    return ("human-monitor-command", {"command-line": line})


def add(**props: Any) -> Request:
    return ("device_add", props)


def delete(ident: str) -> Request:
    return ("device_del", {"id": ident})


def qom_list(path: str) -> Request:
    return ("qom-list", {"path": path})


def qom_get(path: str, prop: str) -> Request:
    return ("qom-get", {"path": path, "property": prop})


SHOW: tuple[Request, ...] = (hmp("info qtree"), hmp("info pci"), ("query-pci", {}))

CASES: list[tuple[str, tuple[str, ...], tuple[Request, ...]]] = [
    ("pc_defaults", ("-M", "pc"), SHOW),
    ("pc_nodefaults", ("-M", "pc", "-nodefaults"), SHOW),
    ("q35_defaults", ("-M", "q35"), SHOW),
    ("q35_nodefaults", ("-M", "q35", "-nodefaults"), SHOW),
    (
        "pc_fewer",
        ("-M", "pc", "-vga", "none", "-serial", "none", "-parallel", "none", "-net", "none"),
        SHOW,
    ),
    ("q35_fewer", ("-M", "q35", "-vga", "none", "-net", "none", "-serial", "none"), SHOW),
    ("pc_nodefaults_vga", ("-M", "pc", "-nodefaults", "-vga", "std"), SHOW),
    (
        "pc_cmdline_devices",
        (
            "-M",
            "pc",
            "-nodefaults",
            "-device",
            "e1000,id=n0",
            "-device",
            "virtio-net-pci,addr=5",
            "-device",
            "pci-bridge,id=br0,chassis_nr=1",
            "-device",
            "e1000,bus=br0,addr=3",
            "-device",
            "virtio-serial-pci,id=vs",
        ),
        (
            *SHOW,
            qom_list("/machine/peripheral"),
            qom_get("/machine/peripheral/n0", "parent_bus"),
            qom_get("/machine/peripheral/n0", "addr"),
            qom_get("/machine/peripheral/n0", "mac"),
        ),
    ),
    (
        "pc_device_add",
        ("-M", "pc", "-nodefaults"),
        (
            add(driver="e1000", id="n0"),
            add(driver="e1000", id="n0"),
            add(driver="e1000", addr="2"),
            add(driver="e1000", bus="nope"),
            add(driver="virtio-blk-pci"),
            add(driver="virtio-net-pci", netdev="nope"),
            add(driver="e1000", addr="0x20"),
            add(driver="e1000", addr="1.7"),
            add(driver="pci-bridge", id="br0", chassis_nr=1),
            add(driver="e1000", bus="br0", id="n1"),
            add(driver="virtio-net-pci", id="n2", addr="6"),
            add(driver="isa-serial"),
            add(driver="e1000", multifunction="on", addr="7.0", id="m0"),
            add(driver="virtio-rng-pci", addr="7.1", id="m1"),
            *SHOW,
            qom_list("/machine/peripheral"),
            delete("n2"),
            delete("n2"),
            delete("nope"),
            delete("m1"),
            hmp("info pci"),
            ("query-pci", {}),
        ),
    ),
    (
        "q35_device_add",
        (
            "-M",
            "q35",
            "-nodefaults",
            "-device",
            "pcie-root-port,id=rp0,chassis=1,slot=1",
            "-device",
            "pcie-root-port,id=rp1,chassis=1,slot=2,addr=3",
        ),
        (
            add(driver="e1000e", id="n0"),
            add(driver="pcie-root-port", id="rp2", chassis=1, slot=3),
            add(driver="e1000e", id="n1", bus="rp0"),
            add(driver="e1000e", id="n2", bus="rp0"),
            add(driver="virtio-net-pci", id="n3", bus="rp1"),
            *SHOW,
            delete("n1"),
            delete("n1"),
            hmp("info pci"),
            ("system_reset", {}),
            ("query-status", {}),
            hmp("info pci"),
            delete("n2"),
        ),
    ),
]

CASES += [
    (
        "pc_unplug_reset",
        (
            "-M",
            "pc",
            "-nodefaults",
            "-device",
            "virtio-mouse-pci,id=dev0",
            "-device",
            "e1000,id=n0",
            "-device",
            "pci-bridge,id=br0,chassis_nr=1",
            "-device",
            "e1000,bus=br0,addr=2,id=n1",
            "-device",
            "virtio-net-pci",
        ),
        (
            delete("dev0"),
            delete("n1"),
            ("system_reset", {}),
            ("query-status", {}),
            hmp("info pci"),
            qom_list("/machine/peripheral"),
            delete("dev0"),
            hmp("info qtree"),
        ),
    ),
    (
        "q35_unplug_reset",
        (
            "-M",
            "q35",
            "-nodefaults",
            "-device",
            "pcie-root-port,id=p1",
            "-device",
            "pcie-pci-bridge,bus=p1,id=b1",
            "-device",
            "virtio-mouse-pci,bus=b1,id=dev0",
            "-device",
            "e1000e,id=n0",
        ),
        (
            delete("n0"),
            delete("dev0"),
            ("system_reset", {}),
            ("query-status", {}),
            hmp("info qtree"),
            delete("dev0"),
        ),
    ),
    (
        "pc_json_device",
        (
            "-M",
            "pc",
            "-nodefaults",
            "-device",
            '{"driver": "virtio-mouse-pci", "id": "dev0"}',
            "-device",
            '{"driver": "e1000", "addr": "5", "id": "n0", "mac": "52:54:00:00:00:01"}',
        ),
        (*SHOW, delete("dev0"), ("system_reset", {}), ("query-status", {}), hmp("info pci")),
    ),
]

CASES += [
    (
        "pc_hmp_device_add",
        ("-M", "pc", "-nodefaults"),
        (
            hmp("device_add e1000,id=n0"),
            hmp("device_add e1000,id=n0"),
            hmp("device_add pci-bridge,id=b"),
            hmp("device_add isa-serial,bus=pci.0"),
            hmp("device_add e1000,foo=1"),
            hmp("device_add e1000,bus=isa.0"),
            hmp("device_del n0"),
            hmp("device_del n0"),
            hmp("device_del nope"),
            add(driver="pci-bridge", id="b2", chassis_nr=256),
            add(driver="pci-bridge", id="b3", chassis_nr=2, addr="9"),
            add(driver="e1000", bus="b3", addr="0"),
            add(driver="e1000", bus="b3", addr="1", id="x"),
            add(driver="e1000", addr="a.1", id="y"),
            add(driver="e1000", multifunction="maybe"),
            hmp("info pci"),
            hmp("info qtree"),
        ),
    ),
]

CASES += [
    (
        "pc_device_del_by_path",
        ("-M", "pc", "-nodefaults", "-device", "e1000", "-device", "e1000,id=n"),
        (
            delete("/machine/peripheral-anon/device[0]"),
            delete("/machine/peripheral-anon/device[0]"),
            delete("/machine/peripheral/n"),
            delete("n"),
            delete("/machine/peripheral/nope"),
            delete("/machine/i440fx"),
            delete("/machine/unattached"),
            ("system_reset", {}),
            ("query-status", {}),
            hmp("info pci"),
        ),
    ),
]

CASES += [
    (
        "pc_ports",
        ("-M", "pc", "-nodefaults", "-serial", "null", "-serial", "null", "-parallel", "null"),
        (hmp("info qtree"),),
    ),
    (
        "q35_four_serials",
        (
            "-M",
            "q35",
            "-serial",
            "null",
            "-serial",
            "null",
            "-serial",
            "null",
            "-serial",
            "null",
            "-net",
            "none",
            "-vga",
            "cirrus",
            "-m",
            "3G",
        ),
        (hmp("info qtree"), hmp("info pci")),
    ),
]

CASES += [
    ("isapc_no_pci", ("-M", "isapc"), (("query-pci", {}), hmp("info pci"))),
]

# Without ACPI (libvirt's default for a domain without <acpi/>) the i440FX
# has no PIIX4_PM, so its root bus has no hotplug handler; Q35's ICH9 keeps
# its PM and the root ports their native hotplug.
CASES += [
    ("pc_no_acpi", ("-M", "pc", "-nodefaults", "-no-acpi"),
     (*SHOW, add(driver="virtio-net-pci", id="n0"))),
    ("q35_no_acpi", ("-M", "q35", "-nodefaults", "-no-acpi"),
     (*SHOW, add(driver="pcie-root-port", id="rp1", chassis=1),
      add(driver="virtio-net-pci", id="n0", bus="rp1"))),
    ("usb_controllers", ("-M", "pc", "-nodefaults", "-device", "piix3-usb-uhci,id=usb",
                         "-device", "piix3-usb-uhci", "-device", "qemu-xhci"), SHOW),
    # libvirt's serial port and its q35 devices behind root ports.
    ("pc_isa_serial_devices", ("-M", "pc", "-nodefaults", "-chardev", "null,id=c0",
                               "-device", "isa-serial,chardev=c0,id=s0,index=1",
                               "-device", "isa-serial,id=s1", "-device", "isa-serial,id=s2"),
     (hmp("info qtree"), add(driver="isa-serial", id="s3"))),
    ("q35_virtio_behind_ports", ("-M", "q35", "-nodefaults",
                                 "-drive", "if=none,id=d0,driver=null-co",
                                 "-device", "pcie-root-port,id=rp1,chassis=1,addr=2",
                                 "-device", "pcie-root-port,id=rp2,chassis=2,addr=3",
                                 "-device", "virtio-blk-pci,bus=rp1,drive=d0,id=vd0",
                                 "-device", "virtio-balloon-pci,bus=rp2,id=b0"), SHOW),
    # -virtfs: an fsdev and a virtio-9p-pci on it; -debugcon: a chardev and an isa-debugcon.
    ("pc_virtfs_debugcon", ("-M", "pc", "-nodefaults",
                            "-virtfs", "local,path=/tmp,mount_tag=share,security_model=none",
                            "-fsdev", "local,id=f2,path=/tmp,security_model=mapped",
                            "-device", "virtio-9p-pci,fsdev=f2,mount_tag=t2,id=p9",
                            "-debugcon", "null"),
     (*SHOW, qom_list("/machine/peripheral"), qom_list("/machine/peripheral-anon"))),
]  # fmt: skip

TEMPLATES: list[tuple[str, ...]] = [
    ("-M", "pc"),
    ("-M", "q35"),
    (
        "-M",
        "pc",
        "-nodefaults",
        "-device",
        "virtio-net-pci",
        "-device",
        "virtio-serial-pci",
        "-device",
        "pci-bridge,chassis_nr=1",
        "-device",
        "virtio-rng-pci",
        "-device",
        "virtio-balloon-pci",
        "-device",
        "rtl8139",
        "-device",
        "i6300esb",
    ),
    (
        "-M",
        "q35",
        "-nodefaults",
        "-device",
        "pcie-root-port",
        "-device",
        "ich9-intel-hda",
        "-device",
        "pcie-pci-bridge",
    ),
    (
        "-M",
        "pc",
        "-nodefaults",
        "-vga",
        "cirrus",
        "-device",
        "virtio-scsi-pci",
        "-device",
        "virtio-mouse-pci",
        "-device",
        "virtio-keyboard-pci",
        "-device",
        "virtio-tablet-pci",
    ),
    # virtio-mem and virtio-pmem devices (memory devices: they need maxmem and a backend).
    (
        "-M",
        "pc",
        "-nodefaults",
        "-m",
        "128M,maxmem=1G",
        "-object",
        "memory-backend-ram,id=vm,size=128M",
        "-device",
        "virtio-mem-pci,memdev=vm",
        "-object",
        "memory-backend-ram,id=pm,size=128M",
        "-device",
        "virtio-pmem-pci,memdev=pm",
    ),
    # The USB controllers libvirt gives its pc and q35 domains.
    ("-M", "pc", "-nodefaults", "-device", "piix3-usb-uhci,id=usb"),
    ("-M", "q35", "-nodefaults", "-device", "qemu-xhci,id=usb"),
    # -virtfs's virtio-9p-pci and -debugcon's isa-debugcon.
    (
        "-M",
        "pc",
        "-nodefaults",
        "-virtfs",
        "local,path=/tmp,mount_tag=t,security_model=none",
        "-debugcon",
        "null",
    ),
    # Storage devices made from -drive (ide-hd, virtio-blk) on null-co images.
    (
        "-M",
        "pc",
        "-nodefaults",
        "-drive",
        "if=ide,driver=null-co,index=0",
        "-drive",
        "if=virtio,driver=null-co",
    ),
]

#: Devices whose configuration differs behind a PCI Express port (a virtio
#: device there is modern only): (type, command line with the port at
#: 00:01.0 and the device behind it).
BEHIND_PORT: list[tuple[str, tuple[str, ...]]] = [
    (
        "virtio-net-pci",
        (
            "-M",
            "q35",
            "-nodefaults",
            "-device",
            "pcie-root-port,id=rp,chassis=1,addr=1",
            "-device",
            "virtio-net-pci,bus=rp",
        ),
    ),
    # libvirt's q35 domains put their disk and balloon on root ports too.
    ("virtio-blk-pci", ("-M", "q35", "-nodefaults", "-drive", "if=none,id=d0,driver=null-co",
                        "-device", "pcie-root-port,id=rp,chassis=1,addr=1",
                        "-device", "virtio-blk-pci,bus=rp,drive=d0")),
    ("virtio-mem-pci", ("-M", "q35", "-nodefaults", "-m", "128M,maxmem=1G",
                        "-object", "memory-backend-ram,id=vm,size=128M",
                        "-device", "pcie-root-port,id=rp,chassis=1,addr=1",
                        "-device", "virtio-mem-pci,bus=rp,memdev=vm")),
    ("virtio-balloon-pci", ("-M", "q35", "-nodefaults",
                            "-device", "pcie-root-port,id=rp,chassis=1,addr=1",
                            "-device", "virtio-balloon-pci,bus=rp")),
]  # fmt: skip

#: Command lines whose ``-device`` QEMU refuses once the board is built:
#: what it prints and its exit status.
CLI_ERRORS: list[tuple[str, tuple[str, ...]]] = [
    ("bad_addr", ("-M", "pc", "-device", "e1000,addr=0x20")),
    ("slot_in_use", ("-M", "pc", "-nodefaults", "-device", "e1000,addr=1")),
    ("no_bus", ("-M", "q35", "-device", "e1000e,bus=nope")),
    (
        "second_fails",
        (
            "-M",
            "pc",
            "-nodefaults",
            "-device",
            "e1000,id=a",
            "-device",
            "e1000,id=b,addr=2",
            "-device",
            "e1000,id=a",
        ),
    ),
    (
        "func0_single",
        ("-M", "pc", "-nodefaults", "-device", "e1000,addr=4", "-device", "e1000,addr=4.1"),
    ),
    (
        "duplicate_id",
        ("-M", "pc", "-nodefaults", "-device", "e1000,id=a", "-device", "virtio-net-pci,id=a"),
    ),
]
