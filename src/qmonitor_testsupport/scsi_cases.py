"""The SCSI sessions tools/record_scsi.py plays against QEMU 7.2 (and tests replay).

:data:`CASES` are (name, arguments, requests): SCSI host adapters on a
PC (virtio-scsi-pci, lsi53c895a, megasas, mptsas1068), ``scsi-hd``,
``scsi-cd`` and ``scsi-block`` on their buses from ``-device`` and
``device_add``, their addresses (channel, scsi-id, lun) and QEMU's errors
for bad or taken ones, ``device_del``, and a CD-ROM's tray.
:data:`TEMPLATES` are the command lines the SCSI devices' facts are
recorded from, :data:`CLI_ERRORS` command lines QEMU refuses.
"""

from __future__ import annotations

from qmonitor_testsupport.pcdev_cases import Request, add, delete, hmp, qom_list

_NULL = "null-co,node-name={},size={}"


def _qmp(execute: str, **arguments: object) -> Request:
    return (execute, dict(arguments))


SHOW: tuple[Request, ...] = (hmp("info qtree"), ("query-block", {}), hmp("info block"))

_VIRTIO = (
    "-M",
    "pc",
    "-nodefaults",
    "-device",
    "virtio-scsi-pci,id=vs",
    "-blockdev",
    _NULL.format("n0", 1 << 20),
    "-blockdev",
    _NULL.format("n1", 1 << 30),
)

CASES: list[tuple[str, tuple[str, ...], tuple[Request, ...]]] = [
    (
        "virtio_scsi_hotplug",
        _VIRTIO,
        (
            add(driver="scsi-hd", drive="x"),
            add(driver="scsi-hd", id="nodrive"),
            add(driver="scsi-hd", drive="n0", id="d0"),
            add(driver="scsi-hd", drive="n0", id="again"),
            add(driver="scsi-cd", id="c1", **{"scsi-id": "0"}),
            add(driver="scsi-cd", id="c2", **{"scsi-id": "256"}),
            add(driver="scsi-cd", id="c3", lun="300"),
            add(driver="scsi-cd", id="c4", channel="1"),
            add(driver="scsi-cd", id="c5", lun="16384"),
            add(driver="scsi-cd", id="c6", **{"scsi-id": "0", "lun": "1"}),
            add(driver="scsi-cd", **{"scsi-id": "0", "lun": "300"}),
            add(driver="scsi-block", id="b0"),
            add(driver="scsi-block", id="b1", drive="n1"),
            add(driver="scsi-hd", drive="n1", id="d1", bus="vs.0", **{"scsi-id": "5"}),
            add(driver="scsi-hd", drive="n1", id="d2", bus="nope"),
            add(driver="scsi-hd", id="d3", bus="pci.0"),
            *SHOW,
            qom_list("/machine/peripheral/d0"),
            delete("d0"),
            ("query-block", {}),
            delete("c1"),
            delete("d0"),
            hmp("info qtree"),
            hmp("device_add scsi-block,drive=n0"),
            hmp("device_add scsi-cd,scsi-id=300"),
        ),
    ),
    (
        "lsi_addresses",
        (
            "-M",
            "pc",
            "-nodefaults",
            "-device",
            "lsi53c895a,id=lsi",
            "-device",
            "scsi-cd,id=first",
            "-device",
            "scsi-cd,scsi-id=3",
        ),
        (
            add(driver="scsi-cd", **{"scsi-id": "8"}),
            add(driver="scsi-cd", lun="1"),
            add(driver="scsi-cd", **{"scsi-id": "3"}),
            add(driver="scsi-cd", id="a"),
            add(driver="scsi-cd", id="b"),
            add(driver="scsi-cd", id="c"),
            add(driver="scsi-cd", id="d"),
            add(driver="scsi-cd", id="e"),
            add(driver="scsi-cd", id="f"),
            add(driver="scsi-cd", id="g"),
            *SHOW,
            delete("a"),
            delete("first"),
            hmp("info qtree"),
            ("query-pci", {}),
        ),
    ),
    (
        "more_adapters",
        (
            "-M",
            "pc",
            "-nodefaults",
            "-device",
            "megasas,id=m",
            "-device",
            "mptsas1068",
            "-device",
            "lsi53c895a",
            "-device",
            "scsi-cd,bus=m.0,scsi-id=64",
            "-device",
            "scsi-cd,bus=scsi.1",
        ),
        (
            add(driver="scsi-cd", bus="m.0", **{"scsi-id": "65"}),
            add(driver="scsi-cd", bus="m.0", channel="1"),
            add(driver="scsi-cd", bus="m.0", lun="255", id="l255"),
            add(driver="scsi-cd", bus="m.0", lun="256"),
            add(driver="scsi-cd", bus="scsi.0", **{"scsi-id": "9"}),
            add(driver="scsi-cd", bus="scsi.0", lun="1", id="mpt1"),
            add(driver="scsi-cd", bus="scsi.0", lun="2"),
            add(driver="scsi-cd", bus="scsi.2"),
            add(driver="scsi-cd", id="newest"),
            add(driver="megasas-gen2", id="g2"),
            add(driver="scsi-cd", bus="g2.0", **{"scsi-id": "64", "lun": "255"}),
            add(driver="scsi-cd", bus="g2.0", **{"scsi-id": "65"}),
            add(driver="lsi53c810"),
            add(driver="scsi-cd", bus="scsi.2", **{"scsi-id": "7"}),
            add(driver="scsi-cd", bus="scsi.2", **{"scsi-id": "8"}),
            *SHOW,
            ("query-pci", {}),
            hmp("info pci"),
        ),
    ),
    (
        "cd_tray",
        (
            "-M",
            "pc",
            "-nodefaults",
            "-device",
            "virtio-scsi-pci",
            "-drive",
            "if=none,id=cdd,driver=null-co,media=cdrom,size=1048576",
            "-device",
            "scsi-cd,drive=cdd,id=cd",
            "-blockdev",
            _NULL.format("n0", 1 << 20),
            "-device",
            "scsi-hd,drive=n0,id=hd",
        ),
        (
            *SHOW,
            _qmp("eject", id="hd"),
            _qmp("blockdev-open-tray", id="hd"),
            _qmp("eject", id="cd"),
            ("query-block", {}),
            _qmp("blockdev-close-tray", id="cd"),
            _qmp("blockdev-open-tray", id="cd"),
            _qmp("blockdev-remove-medium", id="cd"),
            _qmp("blockdev-add", driver="null-co", **{"node-name": "m2"}),
            _qmp("blockdev-insert-medium", id="cd", **{"node-name": "m2"}),
            _qmp("blockdev-close-tray", id="cd"),
            *SHOW,
            hmp("eject -f cdd"),
            hmp("info block"),
        ),
    ),
    (
        "removable_disk",
        (
            "-M",
            "pc",
            "-nodefaults",
            "-device",
            "virtio-scsi-pci",
            "-blockdev",
            _NULL.format("n0", 1 << 20),
            "-device",
            "scsi-hd,drive=n0,id=hd,removable=on",
        ),
        (
            ("query-block", {}),
            _qmp("eject", id="hd"),
            ("query-block", {}),
            _qmp("blockdev-close-tray", id="hd"),
            _qmp("blockdev-insert-medium", id="hd", **{"node-name": "n0"}),
            hmp("info block"),
        ),
    ),
    (
        "unplug_first_thing",
        (
            "-M",
            "pc",
            "-nodefaults",
            "-device",
            "virtio-scsi-pci",
            "-device",
            "scsi-cd,id=c",
            "-device",
            "scsi-cd",
        ),
        (
            delete("c"),
            qom_list("/machine/peripheral"),
            delete("/machine/peripheral-anon/device[1]"),
            qom_list("/machine/peripheral-anon"),
            ("query-block", {}),
        ),
    ),
    (
        "q35_virtio_scsi",
        (
            "-M",
            "q35",
            "-nodefaults",
            "-device",
            "virtio-scsi-pci",
            "-drive",
            "if=none,id=dr0,driver=null-co,size=2097152",
            "-device",
            "scsi-hd,drive=dr0,lun=2",
        ),
        (*SHOW, add(driver="scsi-cd", id="hot"), ("query-block", {}), delete("hot")),
    ),
]

#: Command lines whose SCSI devices (or drives) QEMU refuses: its message and status.
CLI_ERRORS: list[tuple[str, tuple[str, ...]]] = [
    ("if_scsi_q35", ("-M", "q35", "-drive", "if=scsi,driver=null-co")),
    (
        "if_scsi_with_lsi",
        ("-M", "pc", "-nodefaults", "-device", "lsi53c895a", "-drive", "if=scsi,driver=null-co"),
    ),
    ("scsi_hd_no_bus", ("-M", "pc", "-nodefaults", "-device", "scsi-hd,drive=x")),
    (
        "scsi_id_taken",
        (
            "-M",
            "pc",
            "-nodefaults",
            "-device",
            "lsi53c895a",
            "-device",
            "scsi-cd,scsi-id=1",
            "-device",
            "scsi-cd,scsi-id=1",
        ),
    ),
    (
        "scsi_block_file",
        (
            "-M",
            "pc",
            "-nodefaults",
            "-device",
            "virtio-scsi-pci",
            "-drive",
            "if=none,id=d,driver=null-co",
            "-device",
            "scsi-block,drive=d",
        ),
    ),
]

#: The command lines the SCSI devices' facts (qtree lines, PCI configuration) come from.
TEMPLATES: list[tuple[str, ...]] = [
    (
        "-M",
        "pc",
        "-nodefaults",
        "-device",
        "lsi53c895a",
        "-device",
        "megasas",
        "-device",
        "mptsas1068",
        "-device",
        "megasas-gen2",
        "-device",
        "lsi53c810",
        "-blockdev",
        _NULL.format("n0", 1 << 20),
        "-device",
        "scsi-hd,drive=n0",
        "-device",
        "scsi-cd",
    ),
]
