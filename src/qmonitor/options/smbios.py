"""``-smbios``: QEMU 7.2's SMBIOS entries (hw/smbios/smbios.c: smbios_entry_add), checked.

The option list takes any option; each entry is then checked against the
options of its kind -- ``file=`` a binary table, else ``type=`` one of the
structures QEMU can build fields for -- with QemuOpts' texts, and the few
values QEMU reads at once are read (a type 0 release, a type 1 UUID, type 4
speeds).  No guest reads the tables, so nothing else is kept; a type 1
UUID becomes the machine's UUID, as in QEMU.
"""

from __future__ import annotations

import os
import re

from qmonitor.errors import QmonitorError
from qmonitor.util.cutils import c_strtoull
from qmonitor.util.error import QemuOptsError
from qmonitor.util.qemuopts import OptDesc, OptsListSpec, OptType, QemuOpts

_S, _N, _B = OptType.STRING, OptType.NUMBER, OptType.BOOL
#: ``-smbios`` (qemu_smbios_opts): any option, checked per entry below.
SMBIOS_OPTS = OptsListSpec("smbios", None, ())
#: sizeof(struct smbios_structure_header): type, length, handle.
HEADER_SIZE = 4
#: SMBIOS_MAX_TYPE (include/hw/firmware/smbios.h).
SMBIOS_MAX_TYPE = 127
#: The options of each kind of entry (qemu_smbios_file_opts, qemu_smbios_typeN_opts).
_FIELDS: dict[str, tuple[tuple[str, OptType], ...]] = {
    "file": (("file", _S),),
    "0": (("vendor", _S), ("version", _S), ("date", _S), ("release", _S), ("uefi", _B)),
    "1": (("manufacturer", _S), ("product", _S), ("version", _S), ("serial", _S),
          ("uuid", _S), ("sku", _S), ("family", _S)),
    "2": (("manufacturer", _S), ("product", _S), ("version", _S), ("serial", _S),
          ("asset", _S), ("location", _S)),
    "3": (("manufacturer", _S), ("version", _S), ("serial", _S), ("asset", _S), ("sku", _S)),
    "4": (("sock_pfx", _S), ("manufacturer", _S), ("version", _S), ("max-speed", _N),
          ("current-speed", _N), ("serial", _S), ("asset", _S), ("part", _S),
          ("processor-id", _N)),
    "8": (("internal_reference", _S), ("external_reference", _S), ("connector_type", _N),
          ("port_type", _N)),
    "11": (("value", _S), ("path", _S)),
    "17": (("loc_pfx", _S), ("bank", _S), ("manufacturer", _S), ("serial", _S),
           ("asset", _S), ("part", _S), ("speed", _N)),
    "41": (("designation", _S), ("kind", _S), ("instance", _N), ("pcidev", _S)),
}  # fmt: skip
_SPECS = {
    kind: OptsListSpec(
        "smbios",
        None,
        tuple(
            OptDesc(name, kind_type)
            for name, kind_type in ((() if kind == "file" else (("type", _N),)) + fields)
        ),
    )
    for kind, fields in _FIELDS.items()
}
_UUID = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")

# Texts of hw/smbios/smbios.c.
NEEDS_TYPE_OR_FILE = "Must specify type= or file="
OUT_OF_RANGE = "out of range!"
NO_FIELDS = "Don't know how to build fields for SMBIOS type {}"
INVALID_RELEASE = "Invalid release"
INVALID_UUID = "Invalid UUID"
SPEED_TOO_LARGE = "SMBIOS CPU speed is too large (> 65535)"
CANNOT_READ_FILE = "Cannot read SMBIOS file {}"


class SmbiosError(QmonitorError):
    """QEMU's text for an ``-smbios`` it refuses."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _validate(opts: QemuOpts, kind: str) -> None:
    """qemu_opts_validate(): every option must be one of the kind's, of its type."""
    checked = QemuOpts(_SPECS[kind], None)
    try:
        for name, value in opts.items:
            checked.set(name, value)
    except QemuOptsError as exc:
        raise SmbiosError(exc.message) from None


def _strtoul(text: str) -> int:
    """strtoul(text, NULL, 0): the number at the start of ``text`` (0 when there is none)."""
    found = re.match(r"\s*[+-]?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)", text)
    if found is None:
        return 0
    value = c_strtoull(found.group().strip())
    return value if value is not None and value < 2**64 else 2**64 - 1


def check_smbios(opts: QemuOpts) -> str | None:
    """smbios_entry_add(): the UUID a type 1 entry sets, if any.

    :raises SmbiosError: with QEMU's text.
    """
    path = opts.get("file")
    if path is not None:
        _validate(opts, "file")
        # get_image_size(): at least a structure header (4 bytes) must be there.
        try:
            with open(path, "rb") as f:
                size = f.seek(0, os.SEEK_END)
        except OSError:
            size = -1
        if size < HEADER_SIZE:
            raise SmbiosError(CANNOT_READ_FILE.format(path))
        return None
    text = opts.get("type")
    if text is None:
        raise SmbiosError(NEEDS_TYPE_OR_FILE)
    kind = _strtoul(text)
    if kind > SMBIOS_MAX_TYPE:
        raise SmbiosError(OUT_OF_RANGE)
    if str(kind) not in _SPECS:
        raise SmbiosError(NO_FIELDS.format(kind))
    _validate(opts, str(kind))
    if kind == 0:
        release = opts.get("release")
        if release is not None and re.match(r"\s*\d+\.\s*\d+", release) is None:
            raise SmbiosError(INVALID_RELEASE)
    elif kind == 1:
        uuid = opts.get("uuid")
        if uuid is not None:
            if _UUID.fullmatch(uuid) is None:
                raise SmbiosError(INVALID_UUID)
            return uuid.lower()
    elif kind == 4:
        for name in ("max-speed", "current-speed"):
            value = opts.get(name)
            if value is not None and (c_strtoull(value) or 0) > 0xFFFF:
                raise SmbiosError(SPEED_TOO_LARGE)
    return None
