"""``-M TYPE`` for every machine type of QEMU 7.2, as recorded (tools/record_qom.py)."""

from __future__ import annotations

import pytest

from qmonitor.machine.recorded import machines_record
from qmonitor.options.cmdline import parse_args
from qmonitor.options.config import CmdlineError

PROG = "qemu-system-x86_64"
RECORDED = machines_record()
NAMES = [m["name"] for m in RECORDED["machines"]] + [
    m["alias"] for m in RECORDED["machines"] if "alias" in m
]


@pytest.mark.parametrize("name", NAMES)
def test_every_machine_type_starts(name: str) -> None:
    config = parse_args(["-display", "none", "-M", name, "-accel", "qtest"], PROG)
    assert config.machine == name
    assert config.warnings == ()


def test_an_unknown_machine_type_is_refused_as_qemu_does() -> None:
    with pytest.raises(CmdlineError) as info:
        parse_args(["-display", "none", "-accel", "qtest", "-machine", "no-such-machine"], PROG)
    assert (info.value.status, info.value.message) == (
        RECORDED["unknown"]["status"],
        RECORDED["unknown"]["stderr"],
    )


@pytest.mark.parametrize("name", sorted(RECORDED["deprecation"]))
def test_a_deprecated_machine_type_warns_unless_under_qtest(name: str) -> None:
    config = parse_args(["-display", "none", "-nodefaults", "-S", "-M", name], PROG)
    assert "".join(config.warnings) == RECORDED["deprecation"][name]
    quiet = parse_args(["-display", "none", "-M", name, "-accel", "qtest"], PROG)
    assert quiet.warnings == ()


@pytest.mark.parametrize("name", sorted(RECORDED["options_help"]))
def test_machine_options_help_is_qemus(name: str) -> None:
    from qmonitor.machine.machine_props import machine_options_help

    assert machine_options_help(name) == RECORDED["options_help"][name]
