"""BlockBackends from -drive, their queries, I/O limits and the storage devices' helpers.

The texts and numbers here are QEMU 7.2's (recorded in tests/golden/qmp/drives.json
and tests/golden/cli/cases.json); these tests pin the pieces one at a time.
"""

from __future__ import annotations

import pytest

from qmonitor.machine.block.backend import Backends, BlockBackend, drive_name, query_block
from qmonitor.machine.block.drive_setup import DriveOption, default_drives, new_drive
from qmonitor.machine.block.graph import BlockGraph
from qmonitor.machine.block.media import Drives
from qmonitor.machine.block.throttle import (
    TOTAL_AND_RW,
    ThrottleConfig,
    ThrottleGroups,
    config_from_args,
)
from qmonitor.machine.devices.qdev import Bus, Device
from qmonitor.machine.devices.storage import floppy_drive_type, free_ide_unit, guess_chs
from qmonitor.qapi.error import QapiError

_ENOENT = "No such file or directory"


def _drive(*values: tuple[str, str], ident: str | None = None) -> DriveOption:
    return DriveOption(tuple(values), ident, "-drive x")


def _setup() -> tuple[BlockGraph, Backends]:
    return BlockGraph(), Backends(Drives())


def test_generated_names_follow_interface_bus_unit_and_media() -> None:
    assert drive_name("ide", 1, 0, True, 2) == "ide1-cd0"
    assert drive_name("ide", 0, 1, False, 2) == "ide0-hd1"
    assert drive_name("virtio", 0, 3, False, 0) == "virtio3"
    assert drive_name("floppy", 0, 1, False, 0) == "floppy1"
    assert drive_name("scsi", 0, 2, True, 7) == "scsi0-cd2"


def test_index_places_a_drive_and_q35_has_one_unit_a_port() -> None:
    graph, backends = _setup()
    pc = new_drive(graph, backends, _drive(("if", "ide"), ("index", "3")), "ide")
    assert (pc.name, pc.bus, pc.unit) == ("ide1-hd1", 1, 1)
    graph, backends = _setup()
    q35 = new_drive(graph, backends, _drive(("index", "3"), ("media", "cdrom")), "ide", q35=True)
    assert (q35.name, q35.bus, q35.unit, q35.media_cd) == ("ide3-cd0", 3, 0, True)


def test_unplaced_drives_take_the_next_free_unit() -> None:
    graph, backends = _setup()
    names = [new_drive(graph, backends, _drive(("if", "ide")), "ide").name for _ in range(3)]
    assert names == ["ide0-hd0", "ide0-hd1", "ide1-hd0"]


@pytest.mark.parametrize(
    ("values", "text"),
    [
        ((("if", "bogus"),), "unsupported bus type 'bogus'"),
        ((("media", "floppy"),), "'floppy' invalid media"),
        ((("index", "1"), ("bus", "1")), "index cannot be used with bus and unit"),
        ((("if", "ide"), ("unit", "2")), "unit 2 too big (max is 1)"),
        ((("cache", "bogus"),), "invalid cache option"),
        ((("format", "raw"), ("driver", "null-co")), "Cannot specify both 'driver' and 'format'"),
        ((("if", "floppy"), ("werror", "stop")), "werror is not supported by this bus type"),
        ((("driver", "nope"),), "Unknown driver 'nope'"),
        ((("file", "/nonexistent/x.img"),), f"Could not open '/nonexistent/x.img': {_ENOENT}"),
        ((("bps", "10"), ("bps_rd", "5")), TOTAL_AND_RW),
    ],
)  # fmt: skip
def test_bad_drives_get_qemus_texts(values: tuple[tuple[str, str], ...], text: str) -> None:
    graph, backends = _setup()
    with pytest.raises(QapiError) as info:
        new_drive(graph, backends, _drive(*values), "none")
    assert info.value.desc == text
    assert backends.all() == []


def test_a_taken_place_is_refused() -> None:
    graph, backends = _setup()
    new_drive(graph, backends, _drive(("if", "ide"), ("index", "0"), ("driver", "null-co")), "ide")
    with pytest.raises(QapiError, match=r"^drive with bus=0, unit=0 \(index=0\) exists$"):
        new_drive(graph, backends, _drive(("if", "ide"), ("index", "0")), "ide")


def test_a_writable_probed_image_warns_and_a_cdrom_does_not() -> None:
    graph, backends = _setup()
    printed: list[str] = []
    new_drive(graph, backends, _drive(("file", "null-co://")), "none", warn=printed.append)
    assert printed and printed[0].startswith(
        "WARNING: Image format was not specified for 'null-co://' and probing guessed raw.\n"
    )
    printed.clear()
    new_drive(graph, backends, _drive(("file", "null-co://"), ("media", "cdrom")), "none",
              warn=printed.append)  # fmt: skip
    assert printed == []


def test_discard_reaches_the_medium_so_detect_zeroes_unmap_is_allowed() -> None:
    graph, backends = _setup()
    values = (("driver", "null-co"), ("discard", "unmap"), ("detect-zeroes", "unmap"))
    blk = new_drive(graph, backends, _drive(*values, ident="d"), "none")
    assert blk.medium is not None and blk.medium.options["discard"] == "unmap"


def test_query_block_of_an_empty_and_a_filled_drive() -> None:
    graph, backends = _setup()
    new_drive(graph, backends, _drive(ident="e"), "none")
    new_drive(graph, backends, _drive(("driver", "null-co"), ("node-name", "n"), ident="d"), "none")
    empty, full = query_block(backends)
    assert empty == {"device": "e", "type": "unknown", "removable": True, "locked": False}
    assert full["inserted"]["node-name"] == "n"
    assert full["inserted"]["ro"] is False
    assert "qdev" not in full and "io-status" not in full and "tray_open" not in full


def test_default_drives_fill_only_free_places() -> None:
    graph, backends = _setup()
    new_drive(graph, backends, _drive(("index", "2"), ("driver", "null-co")), "ide")
    default_drives(graph, backends, "ide", False, cdrom=True, floppy=True, sdcard=True)
    assert [b.name for b in backends.all()] == ["ide1-hd0", "floppy0", "sd0"]


def test_throttle_checks_in_qemus_order() -> None:
    with pytest.raises(QapiError, match=r"^iops size requires an iops value to be set$"):
        config_from_args({"bps": 1, "iops_size": 512}).check()
    with pytest.raises(QapiError, match=r"^bps/iops/max values must be within \[0, "):
        config_from_args({"bps": -1}).check()
    with pytest.raises(QapiError, match=r"^burst length set without burst rate$"):
        config_from_args({"bps": 1, "bps_max_length": 2}).check()
    with pytest.raises(QapiError, match=r"^bps_max/iops_max cannot be lower than bps/iops$"):
        config_from_args({"bps": 30, "bps_max": 20}).check()


def test_a_throttle_group_is_shared_and_goes_with_its_last_member() -> None:
    groups = ThrottleGroups()
    first, second = BlockBackend("a"), BlockBackend("b")
    groups.set(first, config_from_args({"bps": 10}), "g", "a")
    groups.set(second, config_from_args({"iops": 3}), "g", "b")
    cfg = groups.config_of(first)
    assert cfg is not None and cfg.avg["iops"] == 3 and groups.group_of(first) == "g"
    groups.set(first, ThrottleConfig(), None, "a")
    assert groups.group_of(first) is None and "g" in groups.configs
    groups.leave(second)
    assert groups.configs == {}


def test_throttle_info_shows_burst_members_only_where_set() -> None:
    info = config_from_args({"bps": 1000, "bps_max": 2000, "iops": 10, "iops_size": 4096}).info()
    assert info["bps_max"] == 2000 and info["bps_max_length"] == 1
    assert "iops_max" not in info and info["iops_size"] == 4096


def test_disk_geometry_and_floppy_types_from_the_size() -> None:
    assert guess_chs(1 << 30) == (2080, 16, 63)
    assert guess_chs(1 << 20) == (2, 16, 63)
    assert floppy_drive_type(1474560) == "144"
    assert floppy_drive_type(2949120) == "288"
    assert floppy_drive_type(1228800) == "120"
    assert floppy_drive_type(0) == "288"


def test_ide_units_as_ide_qdev_realize_gives_them() -> None:
    bus = Bus("ide.0", "IDE")
    assert free_ide_unit(bus, None, 2) == 0
    bus.add(Device("ide-hd", unit=0))
    assert free_ide_unit(bus, None, 2) == 1
    with pytest.raises(QapiError, match=r"^IDE unit 0 is in use$"):
        free_ide_unit(bus, 0, 2)
    with pytest.raises(QapiError, match=r"^Can't create IDE unit 2, bus supports only 2 units$"):
        free_ide_unit(bus, 2, 2)
