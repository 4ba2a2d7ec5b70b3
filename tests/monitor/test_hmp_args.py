"""HMP argument types o, T, O and / against QEMU 7.2's texts (monitor/hmp.c).

QEMU's answers were recorded through ``human-monitor-command`` with
commands that take these types (tests/golden/hmp/arguments.json):
``block_resize device:B,size:o``, ``print fmt:/,val:l`` and ``device_add
device:O``.  qmonitor has none of those commands, so each line is parsed
here by a command with the same ``args_type``: where QEMU's parser failed,
the monitor must print QEMU's text; where it succeeded (QEMU then ran the
command), the parse must succeed too.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qmonitor.machine.hmp_commands import HMPCommand
from qmonitor.machine.machine import Machine, MachineOptions
from qmonitor.monitor.hmp import MonitorHMP
from qmonitor.monitor.hmp_args import (
    FORMAT_DEFAULTS,
    FormatDefaults,
    _parse_format,
    strtod,
)
from qmonitor.util.cutils import SizeErrno, do_strtosz
from qmonitor_testsupport.hmp_golden import load_theme

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "hmp" / "arguments.json"
CASES = {case["name"]: case for case in load_theme(GOLDEN)["cases"]}
#: The args_type of the QEMU 7.2 command each recorded line starts with.
ARGS_TYPES = {
    "block_resize": "device:B,size:o",
    "print": "fmt:/,val:l",
    "device_add": "device:O",
    "migrate_set_downtime": "value:T",
    "opt_size": "size:o?",
    "opt_seconds": "value:T?",
    "bad_opts": "chardev:O",
}


@pytest.fixture(autouse=True)
def _fresh_format_defaults() -> Iterator[None]:
    """QEMU's format defaults are process-wide: start each test from QEMU's start-up ones."""
    FORMAT_DEFAULTS.format, FORMAT_DEFAULTS.size = ord("x"), 4
    yield
    FORMAT_DEFAULTS.format, FORMAT_DEFAULTS.size = ord("x"), 4


def _run(lines: list[str]) -> list[tuple[str, dict[str, Any] | None]]:
    """Each line's monitor output and the arguments its handler got (None: not run)."""
    seen: list[dict[str, Any]] = []

    def handler(mon: MonitorHMP, args: dict[str, Any]) -> None:
        seen.append(args)

    table = tuple(
        HMPCommand(name, args_type, "", "", handler) for name, args_type in ARGS_TYPES.items()
    )

    async def main() -> list[tuple[str, dict[str, Any] | None]]:
        machine = Machine(MachineOptions(use_io_thread=False))
        out: list[tuple[str, dict[str, Any] | None]] = []
        for line in lines:
            mon = MonitorHMP(machine, None, use_readline=False, commands=table)
            before = len(seen)
            mon.handle_command(line)
            text = bytes(mon.outbuf).decode()
            out.append((text, seen[-1] if len(seen) > before else None))
        return out

    return asyncio.run(main())


def _parse_failed(qemu_text: str) -> bool:
    return qemu_text.endswith(" for more information\r\n")


@pytest.mark.parametrize("name", ["sizes", "formats", "options"])
def test_parse_errors_are_qemus(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    case = CASES[name]
    got = _run([step["send"] for step in case["steps"]])
    for step, (text, args) in zip(case["steps"], got, strict=True):
        if _parse_failed(step["recv"]):
            assert (step["send"], text) == (step["send"], step["recv"])
            assert args is None
        else:
            assert (step["send"], text) == (step["send"], "")
            assert args is not None
    assert capsys.readouterr().out == case["stdout"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("10", 10 << 20),
        ("1.5k", 1536),
        ("0x10", 16 << 20),
        ("0x10k", 16 << 10),
        ("9223372036854775807b", (1 << 63) - 1),
        ("1.", 1 << 20),
        ("1.k", 1 << 10),
        ("0.5", 1 << 19),
        ("2G", 2 << 30),
        ("1t", 1 << 40),
        ("7E", 7 << 60),
        ("0.0b", 0),
        ("0.7k", 717),  # rounded half up
        ("0.9999999999999999k", 1024),
        ("0.99999999999999999999k", 0),  # the fraction is 1.0, which x86-64 converts to 0
        ("1.99999999999999999999", 1 << 20),
        ("+1k", 1024),
    ],
)
def test_sizes(text: str, value: int, capsys: pytest.CaptureFixture[str]) -> None:
    (out, args), *_ = _run([f"block_resize d {text}"])
    assert out == ""
    assert args == {"device": "d", "size": value}


def _strtosz_mib(text: str) -> tuple[int, int] | None:
    """qemu_strtosz_MiB with an end pointer: (value, end), or None when it fails."""
    got = do_strtosz(text, default_suffix="M", whole=False)
    return None if got.error is not None else (got.value, got.end)


def test_size_end_is_left_to_the_caller() -> None:
    assert _strtosz_mib("1e3") == (1 << 60, 2)  # e is the exa suffix
    assert _strtosz_mib("0x") == (0, 1)
    assert _strtosz_mib("5 k") == (5 << 20, 1)
    assert _strtosz_mib(".5") is None
    assert do_strtosz("18446744073709551616b", whole=False).error is SizeErrno.RANGE


def test_size_values_are_qemus() -> None:
    """Every value QEMU 7.2's qemu_strtosz_MiB gave (read back as max-bandwidth).

    QEMU keeps the last good value when a set fails ("Error: Invalid size"),
    which a size qmonitor reads must then fail too (or exceed INT64_MAX).
    """
    steps = CASES["size_values"]["steps"]
    for set_step, info_step in zip(steps[::2], steps[1::2], strict=True):
        size = set_step["send"].split(" ", 2)[2]
        shown = re.search(r"max-bandwidth: (\d+) bytes/second", info_step["recv"])
        assert shown is not None
        got = do_strtosz(size, default_suffix="M")
        if set_step["recv"].startswith("Error: Invalid size"):
            assert got.error is not None or got.value > (1 << 63) - 1, size
        else:
            assert (size, got.error, got.value) == (size, None, int(shown.group(1)))
            assert got.hex_suffix == ("deprecated" in set_step["recv"])


def test_hex_with_a_suffix_warns_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    _run(["block_resize d 0x10k"])
    err = capsys.readouterr().err
    assert err.endswith("warning: Using a multiplier suffix on hex numbers is deprecated: 0x10k\n")


def test_optional_size() -> None:
    got = _run(["opt_size", "opt_size 1k", "opt_size k"])
    assert got == [
        ("", {}),
        ("", {"size": 1024}),
        ('invalid size\r\nTry "help opt_size" for more information\r\n', None),
    ]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1", 1.0),
        ("1ms", 1e-3),
        ("250us", 250e-6),
        ("-5ns", -5e-9),
        ("0x1p3", 8.0),
        (".5", 0.5),
        ("1e2", 100.0),
        ("inf", math.inf),
        ("1us   ", 1e-6),
    ],
)
def test_seconds(text: str, seconds: float) -> None:
    (out, args), *_ = _run([f"migrate_set_downtime {text}"])
    assert out == ""
    assert args is not None
    assert args["value"] == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x", "Number expected\n"),
        ("", "Number expected\n"),
        ("1xs", "Unknown unit suffix\n"),
        ("1s", "Unknown unit suffix\n"),
        ("1m", "Unknown unit suffix\n"),
        ("1e", "Unknown unit suffix\n"),
        ("1us x", "migrate_set_downtime: extraneous characters at the end of line\n"),
    ],
)
def test_seconds_errors(text: str, message: str) -> None:
    (out, args), *_ = _run([f"migrate_set_downtime {text}"])
    want = message + 'Try "help migrate_set_downtime" for more information\n'
    assert out == want.replace("\n", "\r\n")
    assert args is None


def test_optional_seconds_and_nan() -> None:
    (out, args), (out2, args2) = _run(["opt_seconds", "opt_seconds nan"])
    assert (out, args) == ("", {})
    assert out2 == ""
    assert args2 is not None
    assert math.isnan(args2["value"])


def test_strtod_is_c_strtod() -> None:
    assert strtod(b"1.5e3x", 0) == (1500.0, 5)
    assert strtod(b"0x", 0) == (0.0, 1)
    assert strtod(b"-.5", 0) == (-0.5, 3)
    assert strtod(b"e5", 0) is None
    assert strtod(b"INFINITY", 0) == (math.inf, 8)


def test_options_become_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    got = _run(["device_add e1000,id=n1,mac=52:54:00:12:34:56", "device_add foo,bar", "device_add"])
    assert got[0] == ("", {"driver": "e1000", "id": "n1", "mac": "52:54:00:12:34:56"})
    # A short-form flag is "on", with QEMU's warning on standard error.
    assert got[1] == ("", {"driver": "foo", "bar": "on"})
    assert got[2] == ("", {})
    err = capsys.readouterr().err
    assert "warning: short-form boolean option 'bar' deprecated\nPlease use bar=on instead\n" in err


def test_bad_id_is_reported_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    (out, args), *_ = _run(["device_add id=x!y,driver=foo"])
    assert out == 'Try "help device_add" for more information\r\n'
    assert args is None
    assert capsys.readouterr().err.endswith(
        "Parameter 'id' expects an identifier\n"
        "Identifiers consist of letters, digits, '-', '.', '_', starting with a letter.\n"
    )


def test_options_of_a_list_with_fixed_options_are_a_bad_type() -> None:
    (out, args), *_ = _run(["bad_opts x"])
    assert args is None
    assert out == "bad_opts: unknown type 'O'\r\n" + 'Try "help bad_opts" for more information\r\n'


def test_format_defaults_carry_over() -> None:
    defaults = FormatDefaults()
    args: dict[str, Any] = {}
    _parse_format(b"/2d", 0, args, defaults)
    assert args == {"count": 2, "format": ord("d"), "size": 4}
    _parse_format(b"/bx", 0, args, defaults)
    assert args == {"count": 1, "format": ord("x"), "size": 1}
    _parse_format(b"", 0, args, defaults)
    assert args == {"count": 1, "format": ord("x"), "size": 1}
    _parse_format(b"/i", 0, args, defaults)
    assert args == {"count": 1, "format": ord("i"), "size": -1}
    _parse_format(b"", 0, args, defaults)
    assert args == {"count": 1, "format": ord("i"), "size": -1}
    _parse_format(b"/x", 0, args, defaults)
    assert args == {"count": 1, "format": ord("x"), "size": 1}
