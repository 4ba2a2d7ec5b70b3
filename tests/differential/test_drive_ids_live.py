"""Drive commands that name a device by id: real QEMU 7.2 and qmonitor, same command line.

A device that has no drive of its own (a virtio-blk proxy: its drive is
its virtio backend's) is found, and answered "Device does not have a
block device backend"; an id no device has is DeviceNotFound.  Skipped
when qemu-system-x86_64 is not installed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qmonitor_testsupport.procs import qmonitor_cmd, qmp_replies

QEMU = shutil.which("qemu-system-x86_64")
pytestmark = [
    pytest.mark.qemu,
    pytest.mark.skipif(QEMU is None, reason="qemu-system-x86_64 is not installed"),
]

ARGS = (
    "-M", "pc", "-S", "-display", "none", "-nodefaults",
    "-blockdev", "null-co,node-name=d1,size=1048576",
    "-device", "virtio-blk-pci,drive=d1,id=vb",
    "-device", "e1000,id=n0",
)  # fmt: skip
_THROTTLE = {"bps": 0, "bps_rd": 0, "bps_wr": 0, "iops": 0, "iops_rd": 0, "iops_wr": 0}
REQUESTS = [
    {"execute": "qmp_capabilities"},
    {"execute": "eject", "arguments": {"id": "vb"}},
    {"execute": "eject", "arguments": {"id": "n0"}},
    {"execute": "eject", "arguments": {"id": "nope"}},
    {"execute": "block_set_io_throttle", "arguments": {"id": "vb", **_THROTTLE}},
    {
        "execute": "block_set_io_throttle",
        "arguments": {"id": "/machine/peripheral/vb/virtio-backend", **_THROTTLE},
    },
    {"execute": "blockdev-open-tray", "arguments": {"id": "n0"}},
]


def test_device_ids_without_a_drive(tmp_path: Path) -> None:
    assert QEMU is not None
    expected = qmp_replies([QEMU], ARGS, REQUESTS, tmp_path)
    assert b"does not have a block device backend" in expected[1]
    assert qmp_replies(qmonitor_cmd(), ARGS, REQUESTS, tmp_path) == expected
