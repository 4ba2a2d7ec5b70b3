"""The machine's properties are set once the early backends exist (qemu_apply_machine_options).

softmmu/vl.c sets them after the chardevs, before the accelerator and the
late backends (monitors, serial ports, fw_cfg): an unknown property is
reported before a monitor's missing chardev (fuzz case 135) or fw_cfg's
checks (case 80); ``-smp`` and ``-boot`` are the ``smp`` and ``boot``
properties, checked in their turn, unexpected keys in the visitor's order
(case 226).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qmonitor.options.cmdline import CmdlineError, parse_args

PROG = "qemu-system-x86_64"
NONE = ["-M", "none", "-display", "none", "-nodefaults"]


def _refusal(*argv: str) -> str:
    with pytest.raises(CmdlineError) as info:
        parse_args(list(argv), PROG)
    return info.value.message


def test_unknown_property_before_the_monitors() -> None:
    got = _refusal(*NONE, "-mon", "none", "-M", "mode=x")
    assert got == f"{PROG}: Property 'none-machine.mode' not found\n"


def test_unknown_property_before_fw_cfg() -> None:
    got = _refusal(*NONE, "-M", "a=b", "-fw_cfg", "name=x,string=y")
    assert got == f"{PROG}: Property 'none-machine.a' not found\n"


def test_smp_unexpected_keys_in_the_visitors_order(tmp_path: Path) -> None:
    path = tmp_path / "q.cfg"
    path.write_text('[smp-opts "a"]\nid = "0x"\nmaxcpus = "1"\ncores = "0"\nqom-type = "1"\n')
    got = _refusal("-display", "none", "-nodefaults", "-readconfig", str(path))
    assert got == f"{PROG}: Parameter 'smp.qom-type' is unexpected\n"


@pytest.mark.parametrize(
    ("arg", "text"),
    [
        # Fuzz case 44; the texts of qobject/json-parser.c and qapi/qobject-input-visitor.c.
        ('{"qom-type":"secret","id":"s","data":"x"}}', "Expecting at most one JSON value"),
        ('{"type":"none","x":1}', "Parameter 'x' is unexpected"),
        ('{"type":"none"', "JSON parse error, premature EOI"),
    ],
)
def test_json_display_is_visited_as_display_options(arg: str, text: str) -> None:
    got = _refusal("-M", "none", "-nodefaults", "-display", arg)
    assert got == f"{PROG}: -display {arg}: {text}\n"
