"""qmonitor.util.cutils: C numbers, sizes and booleans as QEMU reads them."""

from __future__ import annotations

import pytest

from qmonitor.util.cutils import (
    c_strtoll,
    c_strtoull,
    parse_bool,
    parse_number,
    parse_size,
    strtoull_digits,
)
from qmonitor.util.error import Diagnostic, QemuOptsError

# -- values --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "result"),
    [("on", True), ("yes", True), ("true", True), ("y", True),
     ("off", False), ("no", False), ("false", False), ("n", False)],
)  # fmt: skip
def test_bool_values(value: str, result: bool) -> None:
    assert parse_bool("b", value) is result


@pytest.mark.parametrize("value", ["ON", "", "1", "maybe", "of"])
def test_bool_rejects(value: str) -> None:
    with pytest.raises(QemuOptsError) as info:
        parse_bool("server", value)
    assert info.value.message == "Parameter 'server' expects 'on' or 'off'"


@pytest.mark.parametrize(
    ("value", "result"),
    [("0", 0), ("42", 42), ("0x10", 16), ("010", 8), (" 5", 5), ("+3", 3),
     ("-1", 2**64 - 1), ("18446744073709551615", 2**64 - 1)],
)  # fmt: skip
def test_numbers(value: str, result: int) -> None:
    assert parse_number("n", value) == result


@pytest.mark.parametrize("value", ["", "08", "5 ", "abc", "1.0", "0x"])
def test_number_rejects(value: str) -> None:
    with pytest.raises(QemuOptsError) as info:
        parse_number("cols", value)
    assert info.value.message == "Parameter 'cols' expects a number"


def test_number_too_large() -> None:
    with pytest.raises(QemuOptsError) as info:
        parse_number("to", "18446744073709551616")
    assert info.value.message == "Value '18446744073709551616' is too large for parameter 'to'"


@pytest.mark.parametrize(
    ("value", "result"),
    [("64", 64), ("64b", 64), ("64B", 64), ("16k", 16384), ("16K", 16384), ("1M", 1 << 20),
     ("1.5M", 3 << 19), ("1.0", 1), (" 2G", 2 << 30), ("0x10", 16), ("1E", 1 << 60)],
)  # fmt: skip
def test_sizes(value: str, result: int) -> None:
    assert parse_size("size", value) == result


@pytest.mark.parametrize("value", ["abc", "1.5", "-1", "1e3", "1x", "", "0x1.5k"])
def test_size_rejects(value: str) -> None:
    with pytest.raises(QemuOptsError) as info:
        parse_size("size", value)
    assert info.value.message == "Parameter 'size' expects a non-negative number below 2^64"
    assert info.value.hint.endswith("and exabytes, respectively.\n")


def test_size_limits_and_hex_suffix() -> None:
    with pytest.raises(QemuOptsError) as info:
        parse_size("size", "16E")
    assert info.value.message == "Value '16E' is out of range for parameter 'size'"
    warnings: list[Diagnostic] = []
    assert parse_size("size", "0x10k", warnings) == 16384
    assert warnings == [
        Diagnostic("Using a multiplier suffix on hex numbers is deprecated: 0x10k", warning=True)
    ]


@pytest.mark.parametrize(
    ("text", "pos", "result"),
    [("42", 0, (42, 2)), ("x0x1fy", 1, (31, 5)), ("0x", 0, (0, 1)), ("09", 0, (0, 1)),
     ("0777", 0, (511, 4)), ("-1", 0, (0, 0)), (" 1", 0, (0, 0)), ("", 0, (0, 0)),
     ("18446744073709551616", 0, (2**64, 20))],
)  # fmt: skip
def test_strtoull_digits(text: str, pos: int, result: tuple[int, int]) -> None:
    """The prefix reader the HMP expression parser uses: no blanks or sign, no wrapping."""
    assert strtoull_digits(text, pos) == result


@pytest.mark.parametrize(
    ("value", "unsigned", "signed"),
    [("10", 10, 10), (" -1", 2**64 - 1, -1), ("0x8000000000000000", 2**63, None),
     ("99999999999999999999", 99999999999999999999, None), ("1 ", None, None), ("", None, None)],
)  # fmt: skip
def test_whole_string_strtoull_and_strtoll(
    value: str, unsigned: int | None, signed: int | None
) -> None:
    assert c_strtoull(value) == unsigned
    assert c_strtoll(value) == signed
