"""Unit tests of the HMP command modules' pure parts (the golden files replay the rest)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qmonitor.machine import hmp_log, hmp_trace
from qmonitor.machine.hmp_input import QKEYCODES, parse_keys
from qmonitor.machine.hmp_memory import _digits, _word
from qmonitor.machine.hmp_migration import PARAMETER_TYPES, parse_value
from qmonitor.machine.migration import DEFAULT_PARAMETERS, MigrationState
from qmonitor.qapi.error import QapiError


def test_log_items_parse_as_qemu_str_to_log_mask() -> None:
    assert hmp_log.parse_items("in_asm,int") == {"in_asm", "int"}
    assert hmp_log.parse_items("all") == {name for name, _ in hmp_log.LOG_ITEMS}
    assert hmp_log.parse_items("in_asm,bogus") is None
    assert hmp_log.parse_items("") is None
    assert hmp_log.parse_items("trace:") is None
    seen: list[str] = []
    assert hmp_log.parse_items("trace:foo*", seen.append) == {hmp_log.TRACE}
    assert seen == ["foo*"]


def test_log_usage_lists_none_first_and_ends_with_the_trace_hint() -> None:
    usage = hmp_log.log_usage()
    assert usage.startswith("Log items (comma separated):\nnone            remove all logs\n")
    assert usage.endswith('Use "log trace:help" to get a list of trace events.\n\n')


def test_tid_sticks_and_needs_a_template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the log file is made where the template says: here
    state = hmp_log.LogState()
    assert hmp_log._set_log(state, frozenset({"tid"}), None, rename=False) == (
        hmp_log.TID_NEEDS_TEMPLATE
    )
    assert not state.per_thread
    assert hmp_log._set_log(state, frozenset(), "x-%d", rename=True) == ""
    assert state.filename is not None and "%" not in state.filename  # the pid went in
    assert hmp_log._set_log(state, frozenset(), "bad-%s", rename=True) == (
        hmp_log.BAD_TEMPLATE.format("bad-%s")
    )


def test_trace_patterns() -> None:
    assert hmp_trace.is_pattern("qemu_*")
    assert not hmp_trace.is_pattern("qemu_?")
    assert hmp_trace.matching("qemu_mutex_lock") == ["qemu_mutex_lock"]
    assert hmp_trace.matching("nope") == []
    found = hmp_trace.matching("qemu_mutex_?ock*")
    assert "qemu_mutex_lock" in found and "qemu_mutex_unlock" not in found
    assert len(hmp_trace.event_names()) == len(set(hmp_trace.event_names()))


def test_sendkey_keys() -> None:
    assert parse_keys("ctrl-alt-delete") == ["ctrl", "alt", "delete"]
    assert parse_keys("<") == ["less"]
    assert parse_keys("0x1c-a") == [0x1C, "a"]
    assert parse_keys("0x1g") == "0x1g"
    assert parse_keys("0X1c") == "0X1c"
    assert parse_keys("x-") == ""
    assert len(QKEYCODES) == len(set(QKEYCODES))


@pytest.mark.parametrize(
    ("value", "fmt", "wsize", "want"),
    [
        (0xEA, "x", 1, "0xea"),
        (0x5BEA, "x", 2, "0x5bea"),
        (0o352, "o", 1, "0352"),
        (0, "o", 1, "  0"),
        (234, "u", 1, "234"),
        (91, "d", 4, "        91"),
        (0x27, "c", 1, "'\\''"),
    ],
)
def test_memory_dump_words(value: int, fmt: str, wsize: int, want: str) -> None:
    assert _word(value, fmt, _digits(fmt, wsize)) == want


def test_migration_parameter_values() -> None:
    def warn(text: str) -> None:
        raise AssertionError(text)

    assert parse_value("compress-level", "uint8", "0x5", warn) == 5
    with pytest.raises(QapiError, match="expects uint8_t"):
        parse_value("compress-level", "uint8", "-1", warn)
    with pytest.raises(QapiError, match="expects uint64"):
        parse_value("compress-level", "uint8", "1-2", warn)
    assert parse_value("max-bandwidth", "size-MiB", "1", warn) == 1 << 20
    assert parse_value("downtime-limit", "size", "1k", warn) == 1024
    assert parse_value("block-incremental", "bool", "yes", warn) is True
    warned: list[str] = []
    assert parse_value("max-bandwidth", "size-MiB", "0x10k", warned.append) == 0x4000
    assert warned == ["Using a multiplier suffix on hex numbers is deprecated: 0x10k"]
    assert set(PARAMETER_TYPES) - {"block-bitmap-mapping"} == set(DEFAULT_PARAMETERS)


def test_migration_parameters_are_checked_whole() -> None:
    state = MigrationState()
    state.set_parameters({"cpu-throttle-initial": 50})
    with pytest.raises(QapiError, match="cpu_throttle_initial to 99"):
        state.set_parameters({"max-cpu-throttle": 40})
    assert state.query_parameters()["max-cpu-throttle"] == 99
    with pytest.raises(QapiError, match="power of two"):
        state.set_parameters({"xbzrle-cache-size": 3 << 10})
    # QEMU 7.2 never checks the multifd compression levels.
    state.set_parameters({"multifd-zlib-level": 10})
