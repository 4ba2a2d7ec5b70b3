"""``qmonitor -version`` answers without importing the command-line parser, with its text."""

from __future__ import annotations

import subprocess
import sys

import pytest

from qmonitor.cli import main
from qmonitor.options.cmdline import CmdlineError, parse_args


@pytest.mark.parametrize("option", ["-version", "--version"])
def test_same_text_as_the_parser(option: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(CmdlineError) as parsed:
        parse_args([option], "qmonitor")
    assert main(["qmonitor", option]) == parsed.value.status == 0
    out = capsys.readouterr()
    assert out.out == parsed.value.message and out.err == ""


def test_parser_not_imported() -> None:
    script = (
        "import sys\nfrom qmonitor.cli import main\nmain(['qmonitor', '-version'])\n"
        "sys.stderr.write(' '.join(m for m in sys.modules if m.startswith('qmonitor')))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0
    assert "qmonitor.options.cmdline" not in done.stderr.split()
    assert done.stdout.startswith("QEMU emulator version 7.2.0")
