"""Command lines the fuzz (tests/fuzz/test_cli_fuzz.py) once crashed the parser with.

Each was a Python exception escaping ``parse_args``: the real program printed
a traceback where QEMU starts or prints its error.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from qmonitor.machine.cpu_models import CpuOptionError, check_cpu_option
from qmonitor.options.cmdline import CmdlineError, parse_args

ROOT = Path(__file__).resolve().parents[2]

PC = ["-M", "pc", "-display", "none", "-nodefaults"]


def test_fw_cfg_name_with_a_byte_that_is_not_utf8() -> None:
    # An argument of bytes that are not UTF-8 reaches sys.argv with surrogate
    # escapes; QEMU counts the name's bytes and starts.
    config = parse_args([*PC, "-fw_cfg", "opt/a\udce1b,string=x"], "qemu-system-x86_64")
    assert config is not None


def test_fw_cfg_name_length_counts_bytes() -> None:
    # FW_CFG_MAX_FILE_PATH is 56 with the NUL: 55 bytes fit, 56 do not.
    fits = "opt/" + "a" * 50 + "\udce1"
    parse_args([*PC, "-fw_cfg", f"{fits},string=x"], "q")
    with pytest.raises(CmdlineError) as err:
        parse_args([*PC, "-fw_cfg", f"{fits}\udce2,string=x"], "q")
    assert "name too long" in err.value.message


def test_cpu_vendor_counts_bytes() -> None:
    # QEMU wants 12 bytes; an argument that is not UTF-8 is counted in its bytes.
    check_cpu_option("qemu64,vendor=ab\udc8e\udcf8cdefghij", machine_type="pc", accel=None)
    with pytest.raises(CpuOptionError) as err:
        check_cpu_option("qemu64,vendor=ab\udc8e\udcf8c", machine_type="pc", accel=None)
    assert "doesn't take value" in str(err.value)


def test_messages_carry_the_arguments_bytes() -> None:
    # QEMU prints the argument's bytes back; Python's default would print "\udc8e".
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-m", "qmonitor", *PC, "-cpu", os.fsdecode(b"qemu64,vendor=ab\x8e\xf8c")],
        capture_output=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert b"vendor=ab\x8e\xf8c: Property '.vendor' doesn't take value 'ab\x8e\xf8c'" in done.stderr


@pytest.mark.parametrize(
    "drive",
    ["if=none,format=raw,dri\udc9bver=null-co", "if=none,format=raw", "if=none,driver=qcow2"],
)
def test_a_format_drive_without_an_image(drive: str) -> None:
    # A KeyError once the drives were checked by the parser; QEMU's text
    # (block.c: bdrv_open_child_bs), as QEMU 7.2 prints it for these.
    with pytest.raises(CmdlineError) as err:
        parse_args([*PC, "-drive", drive], "q")
    assert err.value.message == f'q: -drive {drive}: A block device must be specified for "file"\n'


@pytest.mark.parametrize("driver", ["file", "host_device"])
def test_a_protocol_drive_without_a_file_name(driver: str) -> None:
    # A KeyError once the drives were checked by the parser (block.c's text).
    with pytest.raises(CmdlineError) as err:
        parse_args(["-M", "none", "-drive", f"driver={driver},if=none"], "q")
    assert err.value.message == (
        f"q: -drive driver={driver},if=none: The '{driver}' block driver requires a file name\n"
    )


@pytest.mark.parametrize("value", ["1k=virtio", "abc", "-1"])
def test_a_drive_size_that_is_not_a_size(value: str) -> None:
    # int() of the text once; QEMU's parse_option_size text (QEMU 7.2 then aborts).
    with pytest.raises(CmdlineError) as err:
        parse_args(["-M", "none", "-drive", f"if=none,driver=null-co,size={value}"], "q")
    assert err.value.message.endswith(
        f"size={value}: Parameter 'size' expects a non-negative number below 2^64\n"
    )


def test_a_drive_size_in_qemus_syntax() -> None:
    parse_args(["-M", "none", "-drive", "if=none,driver=null-co,size=1k"], "q")
    parse_args(["-M", "none", "-drive", "if=none,driver=null-co,size=0x10"], "q")


def test_an_option_rom_the_board_cannot_open(tmp_path: Path) -> None:
    # Fuzz case 4: QEMU's PC board says so (not fatal) before the display fails.
    config = parse_args([*PC, "-option-rom", "nosuch.rom"], "q")
    assert config.option_rom_warnings == (
        "Could not open option rom 'nosuch.rom': No such file or directory\n",
    )
    rom = tmp_path / "x.rom"
    rom.write_bytes(b"\x55\xaa")
    assert parse_args([*PC, "-option-rom", str(rom)], "q").option_rom_warnings == ()
    assert (
        parse_args([*PC, "-L", str(tmp_path), "-option-rom", "x.rom"], "q").option_rom_warnings
        == ()
    )


def test_a_drive_file_child_of_options_alone() -> None:
    # The long fuzz run: "file.img" is file.img=on, a file child with neither driver
    # nor filename (a KeyError escaped); QEMU 7.2 refuses it so.
    with pytest.raises(CmdlineError) as err:
        parse_args([*PC, "-drive", "file.img,if=none,id=x,format=raw"], "qemu-system-x86_64")
    loc = "qemu-system-x86_64: -drive file.img,if=none,id=x,format=raw: "
    assert err.value.message == (
        f"{loc}warning: short-form boolean option 'file.img' deprecated\n"
        "Please use file.img=on instead\n"
        f"{loc}Must specify either driver or file\n"
    )
