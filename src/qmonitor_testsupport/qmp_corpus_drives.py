"""The ``drives`` theme of the QMP golden corpus: -drive, BlockBackends and storage devices.

What QEMU 7.2 answers on a PC (i440FX and Q35) whose command line has
``-drive`` drives of each interface, ``-device`` storage devices given a
drive or a node, and device_add of them: ``query-block``,
``query-blockstats``, ``info block``, ``info blockstats``, ``info qtree``,
``query-pci``, the devices in QOM, the ``drive`` property's errors and the
removable-media commands with their DEVICE_TRAY_MOVED events.  Every
medium is a named null-co node, so no reply carries a generated name.
Imported by :mod:`.qmp_corpus`.
"""

from __future__ import annotations

from typing import Any

from qmonitor_testsupport.qmp_steps import NEG, PROBE, Opts, cmd, hmp, table


def _pc(*args: str, q35: bool = False) -> Opts:
    return Opts(("-M", "q35" if q35 else "pc", "-accel", "qtest", "-S", *args))


def _null(name: str, **extra: str) -> str:
    opts = ",".join(f"{k}={v}" for k, v in extra.items())
    return f"driver=null-co,node-name={name}" + (f",{opts}" if opts else "")


_QUERIES = (
    cmd("query-block", id="block"),
    cmd("query-blockstats", id="stats"),
    hmp("info block", "info-block"),
    hmp("info blockstats", "info-blockstats"),
)
_EVERY_IF = (
    "-drive", f"if=none,id=d0,{_null('n0')}",
    "-drive", f"if=ide,index=0,{_null('n1')}",
    "-drive", "if=ide,index=2,media=cdrom",
    "-drive", f"if=virtio,{_null('n2', size='1048576')}",
    "-drive", f"if=floppy,{_null('n3', size='1474560')}",
)  # fmt: skip


def _thr(tag: str, **args: Any) -> Any:
    limits = dict.fromkeys(("bps", "bps_rd", "bps_wr", "iops", "iops_rd", "iops_wr"), 0)
    return cmd("block_set_io_throttle", {**limits, **args}, tag)


table("drives", [
    ("drives_pc_every_if", "-drive of every interface a PC has: backends, devices, stats", NEG,
     *_QUERIES, hmp("info qtree", "qtree"), cmd("query-pci", id="pci"),
     cmd("qom-list", {"path": "/machine/peripheral-anon"}, "anon"),
     cmd("qom-get", {"path": "/machine/unattached/device[13]", "property": "type"}, "fd-type"),
     cmd("qom-get", {"path": "/machine/unattached/device[19]", "property": "type"}, "hd-type"),
     cmd("qom-get", {"path": "/machine/unattached/device[20]", "property": "type"}, "cd-type"),
     hmp("info block -n n1", "info-node"), hmp("info block d0", "info-d0"),
     hmp("info block nope", "info-nope"), PROBE, _pc(*_EVERY_IF)),
    ("drives_q35_ide", "-drive if=ide on Q35's AHCI ports: one unit a port", NEG,
     *_QUERIES, hmp("info qtree", "qtree"),
     _pc("-drive", f"if=ide,index=0,{_null('n1')}", "-drive", f"if=ide,index=1,{_null('n2')}",
         "-drive", "if=ide,media=cdrom,index=3", q35=True)),
    ("drives_pc_empty", "An empty -drive and a CD-ROM with no medium", NEG, *_QUERIES,
     _pc("-drive", f"if=ide,index=0,{_null('n1')}", "-drive", "if=none,id=cd,media=cdrom")),
    ("drives_device_drive", "-device storage devices given a drive, a node or none", NEG,
     *_QUERIES, hmp("info qtree", "qtree"),
     _pc("-drive", f"if=none,id=d0,{_null('n0')}", "-drive", f"if=none,id=d1,{_null('n1')}",
         "-blockdev", "null-co,node-name=b0", "-blockdev", "null-co,node-name=b1",
         "-device", "ide-hd,drive=d0,id=disk0", "-device", "ide-cd,id=cd0,bus=ide.1",
         "-device", "ide-hd,drive=b0,bus=ide.0", "-device", "virtio-blk-pci,drive=d1,id=vd0",
         "-device", "virtio-blk-pci,drive=b1")),
    ("drives_device_add", "device_add of storage devices: drive errors, buses", NEG,
     cmd("device_add", {"driver": "virtio-blk-pci", "drive": "nope"}, "nope"),
     cmd("device_add", {"driver": "virtio-blk-pci", "drive": "d0"}, "in-use"),
     cmd("device_add", {"driver": "virtio-blk-pci", "drive": "ide0-hd0"}, "in-use-auto"),
     cmd("device_add", {"driver": "virtio-blk-pci", "drive": "d1", "id": "vd1"}, "ok"),
     cmd("device_add", {"driver": "virtio-blk-pci", "drive": "d1"}, "again"),
     cmd("device_add", {"driver": "virtio-blk-pci", "drive": "b0", "id": "vd2"}, "node"),
     cmd("device_add", {"driver": "ide-hd", "drive": "d2"}, "ide-hotplug"),
     cmd("device_add", {"driver": "virtio-blk-pci"}, "no-drive"),
     *_QUERIES, cmd("device_del", {"id": "vd1"}, "del"), cmd("query-block", id="after-del"),
     _pc("-drive", f"if=none,id=d0,{_null('n0')}", "-drive", f"if=none,id=d1,{_null('n1')}",
         "-drive", f"if=none,id=d2,{_null('n2')}", "-drive", f"if=ide,index=0,{_null('h0')}",
         "-blockdev", "null-co,node-name=b0", "-device", "virtio-blk-pci,drive=d0")),
    ("drives_media", "Trays and media of an IDE CD-ROM and a floppy", NEG,
     cmd("blockdev-add", {"driver": "null-co", "node-name": "m0"}, "add"),
     cmd("blockdev-open-tray", {"id": "cd0"}, "open"),
     cmd("query-block", id="opened"),
     cmd("blockdev-insert-medium", {"id": "cd0", "node-name": "m0"}, "insert"),
     cmd("blockdev-close-tray", {"id": "cd0"}, "close"),
     cmd("query-block", id="closed"),
     cmd("eject", {"id": "cd0"}, "eject"),
     cmd("eject", {"device": "floppy0"}, "eject-fd"),
     cmd("eject", {"device": "ide0-hd0"}, "eject-hd"),
     cmd("blockdev-open-tray", {"device": "floppy0"}, "open-fd"),
     cmd("blockdev-remove-medium", {"id": "cd0"}, "remove"),
     cmd("query-block", id="final"), hmp("info block", "info-block"), PROBE,
     _pc("-drive", f"if=ide,index=0,{_null('h0')}", "-device", "ide-cd,id=cd0,bus=ide.1",
         "-drive", f"if=floppy,{_null('f0', size='1474560')}")),
    ("drives_throttle", "block_set_io_throttle: checks, groups, limits in query-block", NEG,
     _thr("no-dev", device="nope"), _thr("both", device="d0", id="x"),
     _thr("neither"), _thr("no-medium", device="cd"),
     _thr("total-rw", device="d0", bps=10, bps_rd=5),
     _thr("max-total-rw", device="d0", bps=10, bps_max=20, iops=1, iops_rd_max=5),
     _thr("size-no-iops", device="d0", bps=10, iops_size=512),
     _thr("range", device="d0", bps=1000000000000001),
     _thr("negative", device="d0", bps=-1),
     _thr("zero-burst", device="d0", bps=10, bps_max=20, bps_max_length=0),
     _thr("burst-no-rate", device="d0", bps=10, bps_max_length=2),
     _thr("burst-high", device="d0", bps=10, bps_max=1000000000, bps_max_length=10000000),
     _thr("max-no-avg", device="d0", bps_max=20),
     _thr("max-below", device="d0", bps=30, bps_max=20),
     _thr("set", device="d0", bps=1000, iops=10, bps_max=2000, iops_size=4096),
     _thr("by-id", id="disk1", iops_rd=7, group="g1"),
     _thr("join", device="d2", bps=5, group="g1"),
     cmd("query-block", id="throttled"), hmp("info block", "info-block"),
     _thr("off", device="d0"), cmd("query-block", id="unthrottled"), PROBE,
     _pc("-drive", f"if=none,id=d0,{_null('n0')}", "-drive", f"if=none,id=d1,{_null('n1')}",
         "-drive", f"if=none,id=d2,{_null('n2')}", "-drive", "if=none,id=cd,media=cdrom",
         "-device", "ide-hd,drive=d1,id=disk1",
         "-drive", f"if=none,id=d3,{_null('n3')},bps_rd=100,iops_wr=3,group=g2")),
    ("drives_hmp_media", "HMP eject and change, blockdev-change-medium on a CD-ROM", NEG,
     hmp("eject cd", "eject"), hmp("eject nope", "eject-nope"),
     hmp("change cd null-co:// raw", "change"),
     hmp("change cd null-co:// raw bogus", "change-mode"),
     hmp("eject -f cd", "eject-f"), hmp("eject hd", "eject-hd"),
     cmd("blockdev-change-medium", {"device": "cd", "filename": "null-co://", "format": "raw",
                                    "read-only-mode": "read-write"}, "bcm"),
     hmp("block_set_io_throttle hd 1 0 0 0 0 0", "throttle"),
     hmp("block_set_io_throttle cd0 0 0 0 2 0 0", "throttle-id"),
     hmp("block_set_io_throttle nope 0 0 0 0 0 0", "throttle-nope"),
     hmp("info block hd", "info-hd"), PROBE,
     _pc("-drive", "if=none,id=cd,media=cdrom", "-device", "ide-cd,drive=cd,id=cd0",
         "-drive", f"if=none,id=hd,{_null('h0')}", "-device", "ide-hd,drive=hd,bus=ide.0")),
    ("drives_eject_nodes", "What ejecting and inserting do to the nodes and blockdev-del", NEG,
     cmd("blockdev-add", {"driver": "null-co", "node-name": "m0"}, "add"),
     cmd("query-named-block-nodes", {"flat": True}, "nodes"),
     cmd("blockdev-del", {"node-name": "c0"}, "del-drive-node"),
     cmd("eject", {"id": "cd0"}, "eject"),
     cmd("query-named-block-nodes", {"flat": True}, "nodes-after"),
     cmd("blockdev-insert-medium", {"id": "cd0", "node-name": "m0"}, "insert"),
     cmd("blockdev-del", {"node-name": "m0"}, "del-inserted"),
     cmd("blockdev-remove-medium", {"id": "cd0"}, "remove"),
     cmd("blockdev-del", {"node-name": "m0"}, "del"),
     cmd("query-block", id="block"), PROBE,
     _pc("-drive", f"if=none,id=cd,media=cdrom,{_null('c0')}", "-device",
         "ide-cd,drive=cd,id=cd0")),
])  # fmt: skip
