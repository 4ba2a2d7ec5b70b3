"""What QEMU prints on stdout while reading the options stays printed when it then fails.

``-echr`` with no number prints ``Bad argument to echr`` (printf, softmmu/vl.c)
and goes on; a later error still exits 1 with its text on stderr (fuzz case 3).
"""

from __future__ import annotations

import pytest

from qmonitor.options.cmdline import CmdlineError, parse_args

PROG = "qemu-system-x86_64"


def test_echr_complaint_kept_with_a_later_error() -> None:
    with pytest.raises(CmdlineError) as info:
        parse_args(["-M", "none", "-nodefaults", "-echr", "x", "-serial", "nosuch:"], PROG)
    assert (info.value.stream, info.value.status) == ("stderr", 1)
    assert info.value.stdout == "Bad argument to echr\n"


def test_echr_complaint_before_a_listing() -> None:
    with pytest.raises(CmdlineError) as info:
        parse_args(["-echr", "x", "-display", "help"], PROG)
    assert info.value.stream == "stdout"
    assert info.value.message.startswith("Bad argument to echr\nAvailable display backend types:")


def test_report_prints_both(capsys: pytest.CaptureFixture[str]) -> None:
    assert CmdlineError("e\n", 1, "stderr", stdout="o\n").report() == 1
    assert capsys.readouterr() == ("o\n", "e\n")
