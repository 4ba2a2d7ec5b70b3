"""The migration stream, sans-IO: framing, QEMU's texts for foreign streams, fuzzing."""

from __future__ import annotations

import errno

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qmonitor.machine.migrate.stream import (
    CUT_SHORT,
    MACHINE_TYPE,
    NOT_A_STREAM,
    SIZE_MISMATCH,
    UNKNOWN_SECTION,
    UNSUPPORTED_VERSION,
    LoadError,
    StreamReader,
    encode_body,
    encode_header,
)

STATE = {"runstate": "running", "rtc": {"cmos": "00" * 128, "guest-ns": 5}}
STREAM = encode_header("pc-i440fx-7.2", 128 << 20) + encode_body(STATE)


def reader() -> StreamReader:
    return StreamReader("pc-i440fx-7.2", 128 << 20)


def load(data: bytes, chunk: int = 0) -> StreamReader:
    r = reader()
    step = chunk or len(data) or 1
    for i in range(0, len(data), step):
        r.feed(data[i : i + step])
    if r.state is None:
        r.eof()
    return r


@pytest.mark.parametrize("chunk", [0, 1, 3, 7])
def test_round_trip_in_any_chunks(chunk: int) -> None:
    assert load(STREAM, chunk).state == STATE


def test_configuration_is_checked_before_the_state_comes() -> None:
    r = StreamReader("pc-i440fx-7.2", 256 << 20)
    with pytest.raises(LoadError) as info:
        r.feed(encode_header("pc-i440fx-7.2", 128 << 20))
    assert info.value.messages[0] == SIZE_MISMATCH.format("pc.ram", 128 << 20, 256 << 20)
    assert info.value.report()[-1] == "load of migration failed: Invalid argument"


def test_machine_type_mismatch() -> None:
    with pytest.raises(LoadError) as info:
        StreamReader("none", 0).feed(STREAM)
    assert info.value.messages == (MACHINE_TYPE.format("pc-i440fx-7.2", "none"),)


@pytest.mark.parametrize("cut", [9, 12, 20, len(STREAM) - 4, len(STREAM) - 1])
def test_truncated_stream_fails_as_a_cut_section(cut: int) -> None:
    with pytest.raises(LoadError) as info:
        load(STREAM[:cut])
    assert info.value.messages == (CUT_SHORT,)
    assert info.value.errno == errno.EINVAL


@pytest.mark.parametrize("cut", [4, 6])
def test_truncated_header_reads_as_version_zero(cut: int) -> None:
    with pytest.raises(LoadError) as info:
        load(STREAM[:cut])
    assert info.value.report() == [
        UNSUPPORTED_VERSION,
        "load of migration failed: Operation not supported",
    ]


def test_garbage_and_qemu_streams() -> None:
    with pytest.raises(LoadError) as info:
        load(b"hello")
    assert info.value.messages == (NOT_A_STREAM,)
    qemu = (
        b"QEVM\x00\x00\x00\x03\x07\x00\x00\x00\x0dpc-i440fx-7.2"
        b"\x04\x00\x00\x00\x01\x03ram\x00\x00\x00\x00\x00\x00\x00\x04"
    )
    with pytest.raises(LoadError) as info:
        load(qemu)
    assert info.value.messages == (UNKNOWN_SECTION.format("ram", 0),)


def test_corrupted_state_frame() -> None:
    bad = bytearray(STREAM)
    bad[len(encode_header("pc-i440fx-7.2", 128 << 20)) + 5] = 0xFF
    with pytest.raises(LoadError):
        load(bytes(bad))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.integers(min_value=0, max_value=len(STREAM)))
def test_fuzz_only_load_errors(noise: bytes, at: int) -> None:
    """Whatever arrives, the reader either loads a state or raises LoadError."""
    data = STREAM[:at] + noise
    try:
        load(data)
    except LoadError as exc:
        assert exc.report()[-1].startswith("load of migration failed: ")
