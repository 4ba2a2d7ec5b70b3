"""``-numa``: parsed into the numa list, its type checked by parse_numa_opts (fuzz case 181).

Texts: the recorded fuzz case, qapi/qobject-input-visitor.c's and hw/core/numa.c's.
"""

from __future__ import annotations

import pytest

from qmonitor.options.cmdline import CmdlineError, parse_args

PROG = "qemu-system-x86_64"


def _refusal(machine: str, *argv: str) -> str:
    with pytest.raises(CmdlineError) as info:
        parse_args(["-M", machine, "-display", "none", "-nodefaults", *argv], PROG)
    return info.value.message


@pytest.mark.parametrize("value", [" ", "x", "help", ""])
def test_no_numa_options_type(value: str) -> None:
    got = _refusal("none", "-numa", f"type={value},")
    assert got == f"{PROG}: -numa type={value},: Parameter 'type' does not accept value '{value}'\n"


def test_the_machine_type_without_numa() -> None:
    got = _refusal("none", "-numa", "node")
    assert got == f"{PROG}: -numa node: NUMA is not supported by this machine-type\n"


def test_a_pc_takes_it_unmodelled() -> None:
    config = parse_args(["-M", "pc", "-display", "none", "-numa", "node"], PROG)
    assert "-numa node" in config.unmodelled
