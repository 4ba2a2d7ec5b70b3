"""-acpitable checks the recorded command lines do not reach (texts from hw/acpi/core.c)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from qmonitor.options.acpitable import AcpiTableError, check_acpitable


def _table(tmp_path: Path, length_field: int, body: bytes) -> Path:
    path = tmp_path / "t.aml"
    header = b"SSDT" + struct.pack("<I", length_field) + bytes(28)
    path.write_bytes(header + body)
    return path


def test_whole_table_with_a_wrong_length_warns(tmp_path: Path) -> None:
    path = _table(tmp_path, 99, b"xyz")
    warnings = check_acpitable([("file", str(path))])
    assert warnings == ["ACPI table has wrong length, header says 99, actual size 39 bytes"]


def test_whole_table_with_the_right_length(tmp_path: Path) -> None:
    assert check_acpitable([("file", str(_table(tmp_path, 39, b"xyz")))]) == []


def test_too_big_a_body(tmp_path: Path) -> None:
    path = tmp_path / "big"
    path.write_bytes(bytes(0xFFFF - 36 + 1))
    with pytest.raises(AcpiTableError) as info:
        check_acpitable([("data", str(path))])
    assert info.value.message == "ACPI table too big, requested: 65536, max: 65535"


def test_an_endless_file_is_read_only_so_far() -> None:
    with pytest.raises(AcpiTableError) as info:
        check_acpitable([("data", "/dev/zero:/nonexistent")])
    assert info.value.message == "can't open file /nonexistent: No such file or directory"
    with pytest.raises(AcpiTableError) as info:
        check_acpitable([("data", "/dev/zero"), ("sig", "X")])
    assert info.value.message.startswith("ACPI table too big, requested: ")


def test_first_unknown_option_in_the_visitors_order() -> None:
    """The opts visitor reports the first option it did not visit in GHashTable order (case 144)."""
    items = [("", "a=b"), ("help", "sse=off"), ("backend", "id"), ("x", "virtio-serial")]
    with pytest.raises(AcpiTableError, match="Invalid parameter 'backend'"):
        check_acpitable(items)
