"""Two programs on one image: what tools/record_locking.py asks of QEMU 7.2 (and tests replay).

Each case is (name, holder, second): the holder's command line starts
first and keeps the image open; then the second's, which either starts
(status 0) or stops with QEMU's lock error and hint.  :data:`SESSIONS`
are (name, holder, second, requests): the second starts and then plays
the QMP requests, whose replies are recorded.  Both run in a
directory holding ``disk.raw`` (raw, 1 MiB) and ``disk.qcow2`` (qcow2,
1 MiB), named relatively so the hint's image name is the same everywhere.
The lock bytes are the ones of block/file-posix.c, so the holder and the
second may be QEMU or qmonitor in either role.
"""

from __future__ import annotations

#: The start of every command line (a PC without default devices, stopped).
BASE = ("-display", "none", "-S", "-nodefaults")

_RAW = "file=disk.raw,format=raw,if=none,id=d"
_QCOW2 = "file=disk.qcow2,format=qcow2,if=none,id=d"
_VBLK = ("-M", "pc", "-drive", _RAW, "-device", "virtio-blk-pci,drive=d")
_SCSI = ("-M", "pc", "-drive", _RAW, "-device", "virtio-scsi-pci", "-device", "scsi-hd,drive=d")

CASES: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    ("disk_then_disk", _VBLK, _VBLK),
    ("disk_then_drive_alone", _VBLK, ("-M", "none", "-drive", _RAW)),
    ("drive_alone_then_disk", ("-M", "none", "-drive", _RAW), _VBLK),
    ("scsi_then_scsi", _SCSI, _SCSI),
    ("scsi_then_disk", _SCSI, _VBLK),
    (
        "cd_then_disk",
        (
            "-M",
            "pc",
            "-drive",
            _RAW + ",media=cdrom",
            "-device",
            "virtio-scsi-pci",
            "-device",
            "scsi-cd,drive=d",
        ),
        _VBLK,
    ),
    (
        "readonly_disk_then_disk",
        ("-M", "pc", "-drive", _RAW + ",readonly=on", "-device", "virtio-blk-pci,drive=d"),
        _VBLK,
    ),
    ("qcow2_then_qcow2", ("-M", "none", "-drive", _QCOW2), ("-M", "none", "-drive", _QCOW2)),
    (
        "qcow2_then_qcow2_readonly",
        ("-M", "none", "-drive", _QCOW2),
        ("-M", "none", "-drive", _QCOW2 + ",readonly=on"),
    ),
    (
        "qcow2_readonly_then_qcow2",
        ("-M", "none", "-drive", _QCOW2 + ",readonly=on"),
        ("-M", "none", "-drive", _QCOW2),
    ),
    (
        "locking_off_then_disk",
        ("-M", "pc", "-drive", _RAW + ",file.locking=off", "-device", "virtio-blk-pci,drive=d"),
        _VBLK,
    ),
    (
        "disk_then_locking_off",
        _VBLK,
        ("-M", "pc", "-drive", _RAW + ",file.locking=off", "-device", "virtio-blk-pci,drive=d"),
    ),
    (
        "share_rw_both",
        ("-M", "pc", "-drive", _RAW, "-device", "virtio-blk-pci,drive=d,share-rw=on"),
        ("-M", "pc", "-drive", _RAW, "-device", "virtio-blk-pci,drive=d,share-rw=on"),
    ),
    (
        "blockdev_then_blockdev_disk",
        (
            "-M",
            "pc",
            "-blockdev",
            "file,filename=disk.raw,node-name=f",
            "-device",
            "virtio-blk-pci,drive=f",
        ),
        (
            "-M",
            "pc",
            "-blockdev",
            "file,filename=disk.raw,node-name=f",
            "-device",
            "virtio-blk-pci,drive=f",
        ),
    ),
]

_CD = ("-M", "pc", "-device", "virtio-scsi-pci", "-device", "scsi-cd,id=cd")
_RAW_NODE: dict[str, object] = {
    "driver": "raw",
    "node-name": "m",
    "file": {"driver": "file", "filename": "disk.raw"},
}

SESSIONS: list[
    tuple[str, tuple[str, ...], tuple[str, ...], tuple[tuple[str, dict[str, object]], ...]]
] = [
    (
        "insert_into_cd_while_written",
        _VBLK,
        _CD,
        (
            ("blockdev-add", _RAW_NODE),
            ("blockdev-open-tray", {"id": "cd"}),
            ("blockdev-insert-medium", {"id": "cd", "node-name": "m"}),
            ("query-block", {}),
            ("blockdev-change-medium", {"id": "cd", "filename": "disk.raw", "format": "raw"}),
            ("blockdev-del", {"node-name": "m"}),
        ),
    ),
    (
        "hotplug_disk_while_written",
        _VBLK,
        (
            "-M",
            "pc",
            "-device",
            "virtio-scsi-pci",
            "-blockdev",
            "file,filename=disk.raw,node-name=f",
        ),
        (
            ("device_add", {"driver": "scsi-hd", "drive": "f", "id": "hd"}),
            ("query-block", {}),
            ("device_add", {"driver": "scsi-hd", "drive": "f", "id": "hd", "share-rw": True}),
            ("device_add", {"driver": "scsi-cd", "drive": "f", "id": "cd"}),
            ("query-block", {}),
        ),
    ),
    (
        "disk_leaves_then_writer_comes",
        (
            "-M",
            "pc",
            "-device",
            "virtio-scsi-pci",
            "-blockdev",
            "file,filename=disk.raw,node-name=f",
        ),
        (
            "-M",
            "pc",
            "-device",
            "virtio-scsi-pci",
            "-blockdev",
            "file,filename=disk.raw,node-name=f",
        ),
        (("device_add", {"driver": "scsi-hd", "drive": "f", "id": "hd"}),),
    ),
]
