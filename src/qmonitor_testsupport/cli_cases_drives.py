"""Command lines with ``-drive`` and its short forms, for :data:`cli_cases.CASES`.

What QEMU 7.2 prints (and its status) for bad drives, missing images,
probed images and storage devices whose ``drive`` is wrong.  Recorded by
tools/record_cli.py, replayed by tests/options/test_cmdline.py.
"""

from __future__ import annotations

#: A PC without default devices (its IDE and floppy controllers are there).
_PC = ["-M", "pc", "-display", "none", "-nodefaults"]
_NULL = "driver=null-co"


def _pc(*args: str) -> list[str]:
    return [*_PC, *args]


_NO_BASE = {"base": False}

DRIVE_CASES: list[tuple[str, list[str], dict[str, bool]]] = [
    ("drive_hda_missing", _pc("-hda", "nofile.img"), _NO_BASE),
    ("drive_cdrom_missing", _pc("-cdrom", "nofile.iso"), _NO_BASE),
    ("drive_fda_missing", _pc("-fda", "nofile.img"), _NO_BASE),
    ("drive_image_missing", _pc("nofile.img"), _NO_BASE),
    ("drive_file_missing", _pc("-drive", "file=nofile.img,if=none,id=x,format=raw"), _NO_BASE),
    ("drive_bad_if", _pc("-drive", "if=bogus"), _NO_BASE),
    ("drive_bad_media", _pc("-drive", "media=floppy"), _NO_BASE),
    ("drive_index_and_bus", _pc("-drive", "if=none,index=1,bus=1"), _NO_BASE),
    ("drive_unit_too_big", _pc("-drive", f"if=ide,unit=2,{_NULL}"), _NO_BASE),
    ("drive_exists", _pc("-drive", f"if=ide,index=0,{_NULL}", "-drive", f"if=ide,index=0,{_NULL}"),
     _NO_BASE),
    ("drive_duplicate_id", _pc("-drive", "if=none,id=x", "-drive", "if=none,id=x"), _NO_BASE),
    ("drive_bad_cache", _pc("-drive", "if=none,cache=bogus"), _NO_BASE),
    ("drive_format_and_driver", _pc("-drive", f"if=none,format=raw,{_NULL}"), _NO_BASE),
    ("drive_werror_floppy", _pc("-drive", f"if=floppy,werror=stop,{_NULL}"), _NO_BASE),
    ("drive_unknown_driver", _pc("-drive", "if=none,driver=nope"), _NO_BASE),
    ("drive_hda_probed_raw", _pc("-S", "-hda", "null-co://"), _NO_BASE),
    ("drive_cdrom_probed_raw", _pc("-S", "-cdrom", "null-co://"), _NO_BASE),
    ("drive_good", _pc("-S", "-drive", f"if=none,id=d0,{_NULL}", "-drive", f"if=ide,{_NULL}",
                       "-drive", f"if=virtio,{_NULL}", "-fda", "null-co://"), _NO_BASE),
    ("drive_device_not_found", _pc("-device", "ide-hd,drive=nope"), _NO_BASE),
    ("drive_device_no_drive", _pc("-device", "ide-hd"), _NO_BASE),
    ("drive_device_in_use_auto", _pc("-drive", f"if=ide,index=0,{_NULL}", "-device",
                                     "ide-hd,drive=ide0-hd0"), _NO_BASE),
    ("drive_device_in_use", _pc("-drive", f"if=none,id=d0,{_NULL}", "-device", "ide-hd,drive=d0",
                                "-device", "virtio-blk-pci,drive=d0"), _NO_BASE),
    ("drive_device_unit_in_use", _pc(
        "-drive", f"if=none,id=d0,{_NULL}", "-drive", f"if=none,id=d1,{_NULL}",
        "-drive", f"if=none,id=d2,{_NULL}", "-device", "ide-hd,drive=d0",
        "-device", "ide-hd,drive=d1", "-device", "ide-hd,drive=d2"), _NO_BASE),
    ("drive_device_unit_too_big", _pc("-drive", f"if=none,id=d0,{_NULL}", "-device",
                                      "ide-hd,drive=d0,unit=2"), _NO_BASE),
    ("drive_orphan_on_none", ["-M", "none", "-display", "none", "-nodefaults", "-drive",
                              f"if=ide,{_NULL}", "-drive", f"if=scsi,{_NULL}"], _NO_BASE),
    ("drive_orphan_scsi_on_pc", _pc("-drive", f"if=scsi,{_NULL}"), _NO_BASE),
    ("drive_orphan_ide_bus_2", _pc("-drive", f"if=ide,index=5,{_NULL}"), _NO_BASE),
    ("drive_none_on_none", ["-M", "none", "-display", "none", "-nodefaults", "-S", "-hda",
                            "null-co://"], _NO_BASE),
    # disks whose drive has no medium: the board's, then -device's
    ("drive_empty_hdd", _pc("-hdd", ""), _NO_BASE),
    ("drive_empty_ide", _pc("-drive", "if=ide,index=1"), _NO_BASE),
    ("drive_empty_cdrom_starts", _pc("-S", "-drive", "if=ide,index=1,media=cdrom"), _NO_BASE),
    ("drive_empty_ide_hd_device", _pc("-drive", "if=none,id=d0", "-device", "ide-hd,drive=d0"),
     _NO_BASE),
    ("drive_empty_ide_hd_unit_first", _pc("-drive", "if=none,id=d0", "-device",
                                          "ide-hd,drive=d0,unit=2"), _NO_BASE),
    ("drive_empty_virtio_device", _pc("-drive", "if=none,id=d0", "-device",
                                      "virtio-blk-pci,drive=d0"), _NO_BASE),
    ("drive_empty_virtio", _pc("-drive", "if=virtio"), _NO_BASE),
]  # fmt: skip
