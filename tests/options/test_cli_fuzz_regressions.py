"""Command lines the fuzz (tests/fuzz/test_cli_fuzz.py) once crashed the parser with.

Each was a Python exception escaping ``parse_args``: the real program printed
a traceback where QEMU starts or prints its error.
"""

from __future__ import annotations

import pytest

from qmonitor.options.cmdline import CmdlineError, parse_args

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
