"""``-drive file=blkdebug:CONFIG:IMAGE``: blkdebug_parse_filename (block/blkdebug.c, QEMU 7.2).

qos-test's virtio-scsi paths open ``blkdebug::null-co://`` with
``file.image.read-zeroes=on`` and ``file.align=4k``; QEMU shows the
result as a raw node over a blkdebug node over a null-co image.
"""

from __future__ import annotations

import pytest

from qmonitor.machine.block.drive_setup import BLKDEBUG_NO_IMAGE, _open_options, protocol
from qmonitor.qapi.error import QapiError


def test_the_image_is_opened_from_its_name_with_the_image_options() -> None:
    opts = {"format": "raw", "file.image.read-zeroes": "on", "file.align": "4k"}
    opened = _open_options(
        "blkdebug::null-co://",
        {"driver": "raw", **{k: v for k, v in opts.items() if k != "format"}},
        False,
    )
    assert opened == {
        "driver": "raw",
        "file": {
            "driver": "blkdebug",
            "align": "4k",
            "image": {"driver": "null-co", "read-zeroes": "on"},
        },
    }


def test_a_config_file_is_named_before_the_image() -> None:
    opened = _open_options("blkdebug:/tmp/rules.cfg:/tmp/disk.img", {"driver": "raw"}, False)
    assert opened["file"]["config"] == "/tmp/rules.cfg"
    assert opened["file"]["image"] == {"driver": "file", "filename": "/tmp/disk.img"}


def test_no_format_is_raw_and_no_second_colon_is_an_error() -> None:
    assert protocol("blkdebug::null-co://")[0] == "blkdebug"
    assert _open_options("blkdebug::null-co://", {}, False)["driver"] == "raw"
    with pytest.raises(QapiError, match=BLKDEBUG_NO_IMAGE):
        _open_options("blkdebug:nothing", {}, False)
