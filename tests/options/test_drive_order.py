"""The drives are checked where QEMU makes them: configure_blockdev, among the early backends.

A bad drive is reported before the errors of later stages: the machine's
-kernel check, -device, the accelerator, qtest's chardev (fuzz cases 16,
39, 53, 81); the short forms -sd, -pflash and -mtdblock are drives too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qmonitor.machine.block.drive_setup import DriveOption, check_drives
from qmonitor.options.cmdline import CmdlineError, parse_args

PROG = "qemu-system-x86_64"
NONE = ["-M", "none", "-display", "none", "-nodefaults"]


def _refusal(*argv: str) -> str:
    with pytest.raises(CmdlineError) as info:
        parse_args(list(argv), PROG)
    return info.value.message


def test_a_drive_without_driver_or_file_before_kernel() -> None:
    got = _refusal(*NONE, "-drive", "reset", "-kernel", "/nonexistent")
    assert got.endswith(f"{PROG}: -drive reset: Must specify either driver or file\n")


def test_an_image_argument_before_a_device(tmp_path: Path) -> None:
    image = str(tmp_path / "foo")
    got = _refusal(*NONE, "-device", "ib700", image)
    assert got == f"{PROG}: {image}: Could not open '{image}': No such file or directory\n"


def test_sd_is_a_drive_opened_before_qtest(tmp_path: Path) -> None:
    image = str(tmp_path / "a")
    got = _refusal("-sd", image, "-qtest", "id=x")
    assert got == f"{PROG}: -sd {image}: Could not open '{image}': No such file or directory\n"


def test_drive_index_taken_before_accelerator(tmp_path: Path) -> None:
    image = tmp_path / "i.raw"
    image.write_bytes(b"\0" * 512)
    got = _refusal(*NONE, "-accel", "nosuch", "-hda", str(image), "-drive", f"file={image},index=0")
    assert got.endswith("drive with bus=0, unit=0 (index=0) exists\n")


def test_check_drives_keeps_nothing(tmp_path: Path) -> None:
    image = tmp_path / "i.raw"
    image.write_bytes(b"\0" * 512)
    drive = DriveOption((("file", str(image)),), None, "-hda x")
    assert check_drives((drive, drive), "ide") is None
    assert check_drives((DriveOption((("reset", "on"),), None, "-drive reset"),), "none") == (
        "-drive reset",
        "Must specify either driver or file",
    )
