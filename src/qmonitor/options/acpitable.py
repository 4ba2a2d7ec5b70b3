"""``-acpitable``: the checks QEMU 7.2's acpi_table_add() makes (hw/acpi/core.c).

The option is QemuOpts (any name, implied ``data``) read by the opts
visitor as AcpiTableOptions: each member is visited in the schema's order
(the last occurrence of a name wins), numbers as the visitor parses them,
then a name no member has is refused.  Exactly one of ``data`` (a table
body) and ``file`` (a whole table, header included) names the files, joined
with ``:``; they are read now, and the table's size and header are checked.
The table itself is not modelled (no guest reads ACPI).
"""

from __future__ import annotations

import os
import struct
from typing import Final

from qmonitor.errors import QmonitorError
from qmonitor.util.cutils import c_strtoull
from qmonitor.util.ghash import leftover_order
from qmonitor.util.texts import INVALID_PARAMETER

#: AcpiTableOptions' members in visiting order, with their integer width (0: a string).
_MEMBERS: Final = (
    ("sig", 0), ("rev", 8), ("oem_id", 0), ("oem_table_id", 0), ("oem_rev", 32),
    ("asl_compiler_id", 0), ("asl_compiler_rev", 32), ("file", 0), ("data", 0),
)  # fmt: skip
#: sizeof(struct acpi_table_header).
ACPI_HEADER_SIZE: Final = 36
EXPECTS: Final = "Parameter '{}' expects {}"
NEEDS_ONE: Final = "'-acpitable' requires one of 'data' or 'file'"
NEEDS_PATH: Final = "'-acpitable' requires at least one pathname"
CANT_OPEN: Final = "can't open file {}: {}"
CANT_READ: Final = "can't read file {}: {}"
TOO_SHORT: Final = "ACPI table claiming to have header is too short, available: {}, expected: {}"
TOO_BIG: Final = "ACPI table too big, requested: {}, max: {}"
WRONG_LENGTH: Final = "ACPI table has wrong length, header says {}, actual size {} bytes"
NO_HEADERS: Final = "ACPI table: no headers are specified"


class AcpiTableError(QmonitorError):
    """The option is refused: ``message`` is QEMU's text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _uint(name: str, text: str, bits: int) -> None:
    """The opts visitor's uint64 (parse_uint_full: no minus sign), then the member's width."""
    value = c_strtoull(text)
    if value is None or value >= 2**64 or text.lstrip(" \t\n\v\f\r").startswith("-"):
        raise AcpiTableError(EXPECTS.format(name, "a uint64 value"))
    if value >= 2**bits:
        raise AcpiTableError(EXPECTS.format(name, f"uint{bits}_t"))


def check_acpitable(items: list[tuple[str, str]]) -> list[str]:
    """acpi_table_add() for one ``-acpitable``: its warnings, or AcpiTableError."""
    values = dict(items)  # the last occurrence of each name
    for name, bits in _MEMBERS:
        if bits and name in values:
            _uint(name, values[name], bits)
    known = {name for name, _ in _MEMBERS}
    names = list(dict.fromkeys(name for name, _ in items))
    if any(name not in known for name in names):
        # The opts visitor's table of options not visited, in GHashTable order.
        visited = [name for name in names if name in known]
        first = leftover_order(names, visited)[0]
        raise AcpiTableError(INVALID_PARAMETER.format(first))
    has_file = "file" in values
    if has_file == ("data" in values):
        raise AcpiTableError(NEEDS_ONE)
    paths = values["file" if has_file else "data"]
    if not paths:
        raise AcpiTableError(NEEDS_PATH)
    # Enough to know the size is too big; every file is still opened and read from.
    limit = 0xFFFF + ACPI_HEADER_SIZE + 1
    blob = b""
    for path in paths.split(":"):
        blob += _read(path, max(1, limit - len(blob)))
    body = len(blob) - (ACPI_HEADER_SIZE if has_file else 0)
    if body < 0:
        raise AcpiTableError(TOO_SHORT.format(len(blob), ACPI_HEADER_SIZE))
    payload = ACPI_HEADER_SIZE + body
    if payload > 0xFFFF:
        raise AcpiTableError(TOO_BIG.format(payload, 0xFFFF))
    warnings = []
    if has_file:
        (length,) = struct.unpack_from("<I", blob, 4)
        if length != payload:
            warnings.append(WRONG_LENGTH.format(length, payload))
    elif not any(name in values for name, _ in _MEMBERS[:7]):
        warnings.append(NO_HEADERS)
    return warnings


def _read(path: str, budget: int) -> bytes:
    """Up to about ``budget`` bytes of the file (QEMU reads it whole; the rest changes nothing)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as err:
        raise AcpiTableError(CANT_OPEN.format(path, os.strerror(err.errno or 0))) from None
    try:
        chunks: list[bytes] = []
        while True:
            try:
                data = os.read(fd, 8192)
            except OSError as err:
                raise AcpiTableError(CANT_READ.format(path, os.strerror(err.errno or 0))) from None
            if not data:
                return b"".join(chunks)
            chunks.append(data)
            budget -= len(data)
            if budget <= 0:
                return b"".join(chunks)
    finally:
        os.close(fd)
