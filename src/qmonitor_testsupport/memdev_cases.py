"""The sessions tools/record_memdevs.py plays against QEMU 7.2 (and tests replay).

:data:`CASES` are (name, arguments, requests): memory devices (``pc-dimm``,
``nvdimm``) with ``-m size,slots=N,maxmem=M`` and memory backends, their
``device_add``/``device_del`` rules and errors, ``query-memory-devices``,
``query-memory-size-summary`` and their HMP forms; ``virtio-mem-pci``
(its properties' checks, ``requested-size`` through ``qom-set``, its
refused ``device_del``) and the ACPI memory hotplug slots
(``query-acpi-ospm-status``) for a guest that never plugs a block or
ejects a slot; the balloon
(``query-balloon``, ``balloon``, ``info balloon``) for a guest that never
answers; ``-mem-path`` and ``-mem-prealloc`` as ``query-memdev`` and QOM
show them.  :data:`CLI_ERRORS` are command lines QEMU refuses.
"""

from __future__ import annotations

from typing import Any

from qmonitor_testsupport.pcdev_cases import Request, add, delete, hmp, qom_get

#: A directory that exists wherever the cases are recorded and replayed.
MEM_DIR = "/tmp"


def backend(ident: str, size: str, qom_type: str = "memory-backend-ram") -> tuple[str, str]:
    return ("-object", f"{qom_type},id={ident},size={size}")


SHOW_MEM: tuple[Request, ...] = (
    ("query-memory-devices", {}),
    ("query-memory-size-summary", {}),
    hmp("info memory-devices"),
    hmp("info memory_size_summary"),
)

HOTPLUG = (
    "-M", "pc", "-nodefaults", "-m", "128M,slots=2,maxmem=1G",
    *backend("m1", "128M"), *backend("m2", "64M"), *backend("m3", "1M"),
)  # fmt: skip

CASES: list[tuple[str, tuple[str, ...], tuple[Request, ...]]] = [
    (
        "dimm_hotplug",
        HOTPLUG,
        (
            *SHOW_MEM,
            add(driver="pc-dimm", id="d1", memdev="m1"),
            add(driver="pc-dimm", id="d2", memdev="m1"),
            add(driver="pc-dimm", id="d2"),
            add(driver="pc-dimm", id="d3", memdev="nope"),
            add(driver="pc-dimm", id="d4", memdev="m3"),
            add(driver="pc-dimm", id="d5", memdev="m2", addr="4294967296"),
            add(driver="pc-dimm", id="d5", memdev="m2", addr="4297064448"),
            add(driver="pc-dimm", id="d5", memdev="m2", addr="4296015872"),
            add(driver="pc-dimm", id="d5", memdev="m2", addr="8589934592"),
            add(driver="pc-dimm", id="d5", memdev="m2", slot="0"),
            add(driver="pc-dimm", id="d5", memdev="m2", slot="5"),
            add(driver="pc-dimm", id="d5", memdev="m2", slot="-3"),
            add(driver="pc-dimm", id="d5", memdev="m2", node="1"),
            add(driver="pc-dimm", id="d1", memdev="m2"),
            *SHOW_MEM,
            add(driver="pc-dimm", memdev="m2"),
            *SHOW_MEM,
            add(driver="pc-dimm", id="d6", memdev="m3"),
            delete("d1"),
            delete("d1"),
            *SHOW_MEM,
            qom_get("/machine/peripheral/d1", "slot"),
            qom_get("/machine/peripheral/d1", "addr"),
            qom_get("/machine/peripheral/d1", "size"),
            qom_get("/machine/peripheral/d1", "memdev"),
            qom_get("/machine/peripheral/d1", "node"),
            ("object-del", {"id": "m1"}),
            ("query-memdev", {}),
        ),
    ),
    (
        "dimm_object_add",
        ("-M", "q35", "-nodefaults", "-m", "256M,slots=4,maxmem=4G"),
        (
            ("object-add", {"qom-type": "memory-backend-ram", "id": "r1", "size": 1 << 30}),
            ("object-add", {"qom-type": "memory-backend-ram", "id": "r2", "size": 1 << 30}),
            ("object-add", {"qom-type": "memory-backend-ram", "id": "r3", "size": 1 << 30}),
            ("object-add", {"qom-type": "memory-backend-ram", "id": "r4", "size": 2 << 20}),
            add(driver="pc-dimm", id="a", memdev="r1", slot="3"),
            add(driver="pc-dimm", id="b", memdev="r2", addr="6442450944"),
            add(driver="pc-dimm", id="c", memdev="r3"),
            add(driver="pc-dimm", id="c", memdev="r4"),
            add(driver="pc-dimm", id="e", memdev="r4"),
            *SHOW_MEM,
            ("query-memdev", {}),
        ),
    ),
    (
        "dimm_cmdline",
        (
            "-M",
            "q35",
            "-nodefaults",
            "-m",
            "512M,slots=3,maxmem=2G",
            *backend("m1", "256M"),
            *backend("m2", "128M"),
            "-device",
            "pc-dimm,id=d0,memdev=m1,slot=1",
            "-device",
            "pc-dimm,memdev=m2",
        ),
        (*SHOW_MEM, delete("d0"), *SHOW_MEM),
    ),
    (
        "dimm_properties",
        (
            "-M",
            "pc",
            "-nodefaults",
            "-m",
            "128M,slots=4,maxmem=2G",
            "-object",
            "iothread,id=io",
            *backend("m0", "2M"),
            *backend("m1", "4M"),
            "-object",
            f"memory-backend-file,id=f1,size=4M,mem-path={MEM_DIR}",
            "-device",
            "pc-dimm,id=d0,memdev=m0",
        ),
        (
            add(driver="pc-dimm", id="x1", memdev="m1", slot="abc"),
            add(driver="pc-dimm", id="x1", memdev="m1", slot="99999999999"),
            add(driver="pc-dimm", id="x1", memdev="m1", addr="-1"),
            add(driver="pc-dimm", id="x1", memdev="m1", node="x"),
            add(driver="pc-dimm", id="x1", memdev="io"),
            add(driver="pc-dimm", id="x1", memdev="pc.ram"),
            add(driver="pc-dimm", id="x1", memdev="m1", bogus="1"),
            add(driver="pc-dimm", id="x1", memdev="m1", bus="pci.0"),
            add(driver="pc-dimm", id="x1", memdev="m1", bus="nope"),
            add(driver="pc-dimm", id="d0", memdev="m1"),
            add(driver="pc-dimm", id="x1", memdev="/objects/f1"),
            ("object-del", {"id": "m0"}),
            ("object-del", {"id": "m1"}),
            *SHOW_MEM,
        ),
    ),
    (
        "no_acpi",
        (
            "-M",
            "pc",
            "-no-acpi",
            "-nodefaults",
            "-m",
            "128M,slots=2,maxmem=1G",
            *backend("m1", "128M"),
        ),
        (add(driver="pc-dimm", id="d1", memdev="m1"), *SHOW_MEM),
    ),
    (
        "acpi_off",
        (
            "-M",
            "q35,acpi=off",
            "-nodefaults",
            "-m",
            "128M,slots=2,maxmem=1G",
            *backend("m1", "128M"),
        ),
        (add(driver="pc-dimm", id="d1", memdev="m1"),),
    ),
    (
        "no_space",
        (
            "-M",
            "q35",
            "-nodefaults",
            "-m",
            "128M,slots=4,maxmem=256M",
            *backend("m1", "126M"),
            *backend("m2", "4M"),
            *backend("m3", "2M"),
        ),
        (
            add(driver="pc-dimm", id="d1", memdev="m1"),
            add(driver="pc-dimm", id="d2", memdev="m2"),
            add(driver="pc-dimm", id="d3", memdev="m3"),
            *SHOW_MEM,
        ),
    ),
    (
        "no_slots",
        ("-M", "pc", "-nodefaults", *backend("m1", "128M")),
        (
            add(driver="pc-dimm", id="d1", memdev="m1"),
            add(driver="nvdimm", id="n1", memdev="m1"),
            *SHOW_MEM,
        ),
    ),
    (
        "maxmem_no_slots",
        ("-M", "pc", "-nodefaults", "-m", "128M,maxmem=1G", *backend("m1", "128M")),
        (add(driver="pc-dimm", id="d1", memdev="m1"), *SHOW_MEM),
    ),
    (
        "none_machine",
        ("-M", "none", "-m", "128M,slots=2,maxmem=1G", *backend("m1", "128M")),
        (add(driver="pc-dimm", id="d1", memdev="m1"), *SHOW_MEM),
    ),
    (
        "nvdimm",
        (
            "-M",
            "pc,nvdimm=on",
            "-nodefaults",
            "-m",
            "128M,slots=2,maxmem=1G",
            *backend("m1", "128M"),
            *backend("m2", "128M"),
        ),
        (
            add(driver="nvdimm", id="n1", memdev="m1"),
            add(driver="pc-dimm", id="d1", memdev="m2"),
            *SHOW_MEM,
            delete("n1"),
            delete("d1"),
            *SHOW_MEM,
        ),
    ),
    (
        "balloon",
        ("-M", "pc", "-nodefaults", "-device", "virtio-balloon-pci,id=b0"),
        (
            ("query-balloon", {}),
            ("balloon", {"value": 64 << 20}),
            ("query-balloon", {}),
            ("balloon", {"value": 0}),
            ("balloon", {"value": -5}),
            ("balloon", {"value": 1 << 40}),
            ("query-balloon", {}),
            hmp("info balloon"),
            hmp("balloon 64"),
            hmp("balloon 0"),
            add(driver="virtio-balloon-pci", id="b1"),
            add(driver="virtio-balloon-pci"),
            delete("b0"),
            ("query-balloon", {}),
            hmp("info balloon"),
        ),
    ),
    (
        "balloon_hotplug",
        ("-M", "q35", "-nodefaults", "-m", "1G"),
        (
            ("query-balloon", {}),
            ("balloon", {"value": 1}),
            hmp("info balloon"),
            hmp("balloon 100"),
            add(driver="virtio-balloon-pci", id="b1", bus="pcie.0"),
            ("query-balloon", {}),
            ("balloon", {"value": 512 << 20}),
            hmp("info balloon"),
        ),
    ),
    (
        "no_balloon_none",
        ("-M", "none"),
        (("query-balloon", {}), ("balloon", {"value": 1}), hmp("info balloon")),
    ),
    (
        "mem_path",
        ("-M", "pc", "-nodefaults", "-m", "16M", "-mem-path", MEM_DIR),
        (
            ("query-memdev", {}),
            qom_get("/objects/pc.ram", "mem-path"),
            qom_get("/objects/pc.ram", "prealloc"),
            qom_get("/objects/pc.ram", "share"),
            qom_get("/objects/pc.ram", "size"),
            qom_get("/machine", "memory-backend"),
        ),
    ),
    (
        "mem_prealloc",
        (
            "-M",
            "pc",
            "-nodefaults",
            "-m",
            "16M",
            "-mem-prealloc",
            *backend("m1", "2M"),
            "-object",
            "memory-backend-ram,id=m2,size=2M,prealloc=off",
        ),
        (
            ("query-memdev", {}),
            qom_get("/objects/pc.ram", "prealloc"),
            qom_get("/objects/m1", "prealloc"),
            qom_get("/objects/m2", "prealloc"),
            ("object-add", {"qom-type": "memory-backend-ram", "id": "m3", "size": 2 << 20}),
            (
                "object-add",
                {"qom-type": "memory-backend-ram", "id": "m4", "size": 2 << 20, "prealloc": False},
            ),
            qom_get("/objects/m3", "prealloc"),
            qom_get("/objects/m4", "prealloc"),
            ("query-memdev", {}),
        ),
    ),
    (
        "mem_path_prealloc",
        ("-M", "q35", "-nodefaults", "-m", "16M", "-mem-path", MEM_DIR, "-mem-prealloc"),
        (("query-memdev", {}), qom_get("/objects/pc.ram", "prealloc")),
    ),
]

VMEM_PC = (
    "-M", "pc", "-nodefaults", "-m", "512M,maxmem=4G",
    *backend("b1", "1G"), *backend("b2", "512M"), *backend("b3", "3M"), *backend("b4", "64M"),
)  # fmt: skip
#: virtio-mem-pci's place in the device-memory region once vm0 (1 GiB) took the first one.
VMEM_ADDR = 1 << 32


def vmem(**props: Any) -> Request:
    return add(driver="virtio-mem-pci", **props)


def qom_set(path: str, prop: str, value: Any) -> Request:
    return ("qom-set", {"path": path, "property": prop, "value": value})


VMEM_CASES: list[tuple[str, tuple[str, ...], tuple[Request, ...]]] = [
    (
        "virtio_mem_hotplug",
        VMEM_PC,
        (
            *SHOW_MEM,
            vmem(id="vm0", memdev="b1"),
            vmem(id="vm1", memdev="b1"),
            vmem(id="vm1"),
            vmem(id="vm1", memdev="nope"),
            vmem(id="vm1", memdev="b3"),
            vmem(id="vm1", memdev="b2", **{"requested-size": "3M"}),
            vmem(id="vm1", memdev="b2", **{"requested-size": "abc"}),
            vmem(id="vm1", memdev="b2", **{"block-size": "512K"}),
            vmem(id="vm1", memdev="b2", **{"block-size": "3M"}),
            vmem(id="vm1", memdev="b2", **{"block-size": "1G"}),
            vmem(id="vm1", memdev="b2", node="1"),
            vmem(id="vm1", memdev="b2", memaddr="1048576"),
            vmem(id="vm1", memdev="b2", memaddr=str(VMEM_ADDR + (1 << 30) + (1 << 20))),
            vmem(id="vm1", memdev="b2", memaddr=str(VMEM_ADDR + (512 << 20))),
            vmem(id="vm1", memdev="b2", bogus="1"),
            vmem(id="vm1", memdev="b2", **{"requested-size": "128M", "block-size": "4M"}),
            *SHOW_MEM,
            qom_get("/machine/peripheral/vm1", "requested-size"),
            qom_get("/machine/peripheral/vm1", "size"),
            qom_get("/machine/peripheral/vm1", "block-size"),
            qom_get("/machine/peripheral/vm1", "memaddr"),
            qom_get("/machine/peripheral/vm1", "node"),
            qom_get("/machine/peripheral/vm1", "memdev"),
            qom_get("/machine/peripheral/vm0", "block-size"),
            qom_set("/machine/peripheral/vm1", "requested-size", 256 << 20),
            qom_set("/machine/peripheral/vm1", "requested-size", 6 << 20),
            qom_set("/machine/peripheral/vm1", "requested-size", 1 << 30),
            qom_set("/machine/peripheral/vm1", "requested-size", "1G"),
            qom_set("/machine/peripheral/vm1", "requested-size", -1),
            qom_set("/machine/peripheral/vm1", "block-size", 8 << 20),
            qom_set("/machine/peripheral/vm1", "block-size", "x"),
            qom_set("/machine/peripheral/vm1", "size", 0),
            hmp("qom-set /machine/peripheral/vm0 requested-size 64M"),
            hmp("qom-set /machine/peripheral/vm0 requested-size 12x"),
            qom_get("/machine/peripheral/vm1", "requested-size"),
            qom_get("/machine/peripheral/vm0", "requested-size"),
            *SHOW_MEM,
            delete("vm0"),
            delete("vm1"),
            ("object-del", {"id": "b1"}),
            ("query-acpi-ospm-status", {}),
            vmem(memdev="b4", **{"requested-size": "1G"}),
            *SHOW_MEM,
            ("system_reset", {}),
            *SHOW_MEM,
        ),
    ),
    (
        "virtio_pmem",
        VMEM_PC,
        (
            add(driver="virtio-pmem-pci", id="p0", memdev="b2"),
            add(driver="virtio-pmem-pci", id="p1", memdev="b2"),
            add(driver="virtio-pmem-pci", id="p1"),
            add(driver="virtio-pmem-pci", id="p1", memdev="b3"),
            add(driver="virtio-pmem-pci", id="p1", memdev="b4", memaddr="1048576"),
            vmem(id="vm0", memdev="b1", **{"requested-size": "2M"}),
            add(driver="virtio-pmem-pci", memdev="b4"),
            *SHOW_MEM,
            qom_get("/machine/peripheral/p0", "memaddr"),
            qom_get("/machine/peripheral/p0", "memdev"),
            delete("p0"),
            ("object-del", {"id": "b2"}),
        ),
    ),
    (
        "virtio_mem_q35",
        (
            "-M",
            "q35",
            "-nodefaults",
            "-m",
            "1G,slots=2,maxmem=3G",
            *backend("m0", "256M"),
            *backend("m1", "128M"),
            *backend("m2", "128M"),
            *backend("m3", "64M"),
            "-device",
            "pcie-root-port,id=rp1,chassis=1",
            "-device",
            "pcie-root-port,id=rp2,chassis=2",
            "-device",
            "virtio-mem-pci,id=vm0,memdev=m0,requested-size=64M",
            "-device",
            "pc-dimm,id=d0,memdev=m1",
        ),
        (
            *SHOW_MEM,
            vmem(id="vm1", memdev="m2"),
            vmem(id="vm1", memdev="m2", bus="pcie.0"),
            vmem(id="vm1", memdev="m2", bus="rp1"),
            vmem(id="vm2", memdev="m3", bus="rp2", **{"block-size": "16M"}),
            *SHOW_MEM,
            hmp("info qtree"),
            delete("vm0"),
            delete("vm1"),
            ("query-acpi-ospm-status", {}),
            delete("d0"),
            ("query-acpi-ospm-status", {}),
        ),
    ),
    (
        "virtio_mem_no_maxmem",
        ("-M", "pc", "-nodefaults", "-m", "128M", *backend("m1", "128M")),
        (vmem(id="vm0", memdev="m1"), *SHOW_MEM, ("query-acpi-ospm-status", {})),
    ),
    (
        "virtio_mem_none_machine",
        ("-M", "none", "-m", "128M,maxmem=1G", *backend("m1", "128M")),
        (vmem(id="vm0", memdev="m1"), *SHOW_MEM),
    ),
    (
        "dimm_ospm",
        (
            "-M",
            "pc",
            "-nodefaults",
            "-m",
            "128M,slots=3,maxmem=1G",
            *backend("m0", "128M"),
            *backend("m1", "128M"),
            "-device",
            "pc-dimm,id=d0,memdev=m0,slot=1",
        ),
        (
            ("query-acpi-ospm-status", {}),
            add(driver="pc-dimm", memdev="m1"),
            ("query-acpi-ospm-status", {}),
            delete("d0"),
            delete("d0"),
            delete("/machine/peripheral/d0"),
            delete("/machine/peripheral-anon/device[0]"),
            ("query-acpi-ospm-status", {}),
            *SHOW_MEM,
        ),
    ),
]
CASES.extend(VMEM_CASES)

#: Command lines QEMU 7.2 refuses: (name, arguments).
CLI_ERRORS: list[tuple[str, tuple[str, ...]]] = [
    ("slots_no_maxmem", ("-M", "pc", "-m", "128M,slots=2")),
    (
        "virtio_mem_no_maxmem",
        ("-M", "pc", *backend("m1", "128M"), "-device", "virtio-mem-pci,memdev=m1"),
    ),
    (
        "virtio_mem_busy",
        (
            "-M",
            "q35",
            "-m",
            "128M,maxmem=1G",
            *backend("m1", "128M"),
            "-device",
            "virtio-mem-pci,memdev=m1",
            "-device",
            "virtio-mem-pci,id=x,memdev=m1",
        ),
    ),
    (
        "virtio_mem_requested",
        (
            "-M",
            "pc",
            "-m",
            "128M,maxmem=1G",
            *backend("m1", "128M"),
            "-device",
            "virtio-mem-pci,id=v,memdev=m1,requested-size=1M",
        ),
    ),
    ("maxmem_below_size", ("-M", "pc", "-m", "1G,slots=2,maxmem=512M")),
    ("maxmem_equal_size", ("-M", "pc", "-m", "1G,slots=2,maxmem=1G")),
    ("too_many_slots", ("-M", "pc", "-m", "128M,slots=300,maxmem=1G")),
    ("mem_path_missing", ("-M", "pc", "-m", "16M", "-mem-path", "/nonexistent/dir")),
    (
        "dimm_no_slots_cmdline",
        (
            "-M",
            "pc",
            "-object",
            "memory-backend-ram,id=m1,size=128M",
            "-device",
            "pc-dimm,memdev=m1",
        ),
    ),
    (
        "second_balloon",
        ("-M", "pc", "-device", "virtio-balloon-pci", "-device", "virtio-balloon-pci"),
    ),
]
