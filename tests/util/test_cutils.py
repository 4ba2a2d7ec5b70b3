"""qmonitor.util.cutils: C numbers, sizes and booleans as QEMU reads them."""

from __future__ import annotations

import pytest

from qmonitor.util.cutils import (
    SizeErrno,
    Strtosz,
    c_property_integer,
    c_strtoll,
    c_strtoull,
    do_strtosz,
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


@pytest.mark.parametrize(
    ("value", "result"),
    [("010", 8), (" 0x1F", 31), ("-2", -2), ("0xffffffffffffffff", 2**64 - 1),
     ("1_0", None), ("0b1", None), ("99999999999999999999", None), ("", None)],
)  # fmt: skip
def test_property_integer_reads_c_numbers(value: str, result: int | None) -> None:
    assert c_property_integer(value) == result


@pytest.mark.parametrize(
    ("value", "suffix", "result"),
    [("1.5", "M", 3 << 19), ("0.7k", "B", 717), ("0.9999999999999999k", "B", 1024),
     ("0.99999999999999999999k", "B", 0), ("+1k", "B", 1024), ("1.", "M", 1 << 20),
     ("7.9999999999999999E", "B", (1 << 63) - 128)],
)  # fmt: skip
def test_do_strtosz_values(value: str, suffix: str, result: int) -> None:
    got = do_strtosz(value, default_suffix=suffix)
    assert (got.error, got.value) == (None, result)


@pytest.mark.parametrize(
    ("value", "error", "end"),
    [("99999999999999999999", SizeErrno.RANGE, 20),
     ("99999999999999999999k", SizeErrno.INVALID, 20),
     ("-99999999999999999999", SizeErrno.RANGE, 21), ("-1", SizeErrno.INVALID, 0),
     ("0x1ffffffffffffffff", SizeErrno.RANGE, 19), ("1.5e3k", SizeErrno.INVALID, 0),
     ("0.5b", SizeErrno.INVALID, 0), ("16E", SizeErrno.RANGE, 3), ("0x", SizeErrno.INVALID, 1)],
)  # fmt: skip
def test_do_strtosz_errors(value: str, error: SizeErrno, end: int) -> None:
    got = do_strtosz(value)
    assert (got.error, got.end) == (error, end)


def test_do_strtosz_end_and_metric() -> None:
    assert do_strtosz("x 5k", 2, whole=False) == Strtosz(5120, 4, None)
    assert do_strtosz("1.5G", unit=1000).value == 1_500_000_000
    assert do_strtosz("0x10kz").hex_suffix  # the warning comes before the failure


def test_size_plus_sign_and_range_with_suffix() -> None:
    assert parse_size("size", "+1M") == 1 << 20
    with pytest.raises(QemuOptsError) as info:
        parse_size("size", "-99999999999999999999")
    assert (
        info.value.message == "Value '-99999999999999999999' is out of range for parameter 'size'"
    )
