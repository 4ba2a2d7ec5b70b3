"""What QEMU 7.2 showed of each device type: qtree property lines, PCI configuration.

``data/pc_devices.json`` is recorded by tools/record_pcdev.py.  For each
type it holds the GPIO lines and the properties ``info qtree`` prints with
their default values (as printed), and for a PCI device the 256 bytes of
configuration space at reset, its class description and its BARs.  A
property's kind (integer, size, bool, string, PCI address) is read from
how its default was printed, so that a device's own values print the same
way (:func:`format_value`).
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

#: The units of util/cutils.c size_to_str() (QEMU 7.2).
_SIZE_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
_INT = re.compile(r"-?\d+ \(0x[0-9a-f]+\)\Z")
_SIZE = re.compile(r"\d+ \([0-9.e+]+ [KMGTPE]?i?B\)\Z")
_DEVFN = re.compile(r"([0-9a-f]{2}\.[0-7]|<unset>)\Z")


@dataclass(frozen=True, slots=True)
class Region:
    """A BAR: its index, ``io`` or ``memory``, size, prefetchable, 64-bit."""

    bar: int
    type: str
    size: int
    prefetch: bool
    mem64: bool


@dataclass(frozen=True, slots=True)
class DeviceFacts:
    """One device type as recorded."""

    typename: str
    gpio: tuple[str, ...]
    #: (name, default as printed) in qtree order.
    props: tuple[tuple[str, str], ...]
    #: The configuration space at reset (PCI devices), else None.
    config: bytes | None
    desc: str | None
    regions: tuple[Region, ...]


#: The recordings, each of its tool: tools/record_pcdev.py, tools/record_scsi.py,
#: tools/record_usb.py.
_FILES = ("pc_devices.json", "scsi_devices.json", "usb_devices.json")


@lru_cache(maxsize=1)
def _recorded() -> dict[str, Any]:
    types: dict[str, Any] = {}
    for name in _FILES:
        path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", name)
        with open(path, encoding="utf-8") as file:
            types.update(json.load(file)["types"])
    return types


def known_types() -> frozenset[str]:
    """The device types whose facts were recorded."""
    return frozenset(_recorded())


@cache
def facts(typename: str) -> DeviceFacts:
    """The recorded facts of ``typename`` (KeyError when none were recorded)."""
    entry = _recorded()[typename]
    config = entry.get("config")
    return DeviceFacts(
        typename,
        tuple(entry["gpio"]),
        tuple((name, value) for name, value in entry["props"]),
        bytes.fromhex(config) if config is not None else None,
        entry.get("desc"),
        tuple(Region(*r) for r in entry.get("regions", ())),
    )


def size_to_str(value: int) -> str:
    """util/cutils.c size_to_str(): ``512 B``, ``2 GiB``, ``16 EiB``."""
    _, exp = math.frexp(value / (1000.0 / 1024.0))
    index = int((exp - 1) / 10)  # C's division truncates toward zero
    return f"{format(value / (1 << (index * 10)), '0.3g')} {_SIZE_UNITS[index]}"


def format_value(template: str, value: Any) -> str:
    """``value`` printed as qtree prints a property whose default printed as ``template``."""
    if isinstance(value, bool) or template in ("true", "false"):
        return "true" if value else "false"
    if template.startswith('"'):
        return f'"{value}"'
    if _DEVFN.match(template):
        if value is None or value < 0:
            return "<unset>"
        return f"{value >> 3:02x}.{value & 7:x}"
    if _SIZE.match(template):
        return f"{value} ({size_to_str(value)})"
    if _INT.match(template):
        return f"{value} (0x{value & 0xFFFFFFFFFFFFFFFF:x})"
    return str(value)
