"""The guest's options of QEMU's command line: ``-cpu``, ``-smp``, ``-m`` and ``-device``.

QEMU 7.2 reads each of these in its option loop and acts on them later:
``-m`` is a QemuOpts list (implied ``size``, a bare number meaning MiB)
whose bad sizes stop QEMU at the option's location; ``-smp`` merges into
one QemuOpts list that becomes the machine's ``smp`` property, visited as
an SMPConfiguration (errors without a location); ``-cpu`` is a model name
and a comma list of features and properties, applied when the vCPUs are
made; ``-device`` is key=value (QemuOpts, implied ``driver``) or JSON.
The functions here parse them into what :class:`~qmonitor.machine.guest.GuestConfig`
holds, with QEMU's texts for what QEMU rejects while parsing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from qmonitor.errors import QmonitorError
from qmonitor.machine.guest import (
    SMP_ZERO,
    GuestDevice,
    SmpConfig,
    SmpLimits,
    TopologyError,
)
from qmonitor.qjson import qdict_order
from qmonitor.qjson.parser import PREFIX as JSON_PREFIX
from qmonitor.qjson.parser import PREMATURE_EOI, JsonError
from qmonitor.qjson.streamer import qobject_from_json
from qmonitor.util.cutils import c_strtoll, parse_size
from qmonitor.util.error import Diagnostic, QemuOptsError
from qmonitor.util.ghash import leftover_order
from qmonitor.util.qemuopts import OptDesc, OptsListSpec, OptType
from qmonitor.util.texts import INVALID_PARAMETER_VALUE, MISSING_PARAMETER, UNEXPECTED_PARAMETER

#: qobject/json-parser.c: what a JSON -device that is not an object reports.
JSON_PARSE_ERROR: Final = JSON_PREFIX + PREMATURE_EOI

#: ``-m`` (softmmu/vl.c: qemu_mem_opts).
MEMORY_OPTS: Final = OptsListSpec(
    "memory",
    "size",
    (
        OptDesc("size", OptType.SIZE),
        OptDesc("slots", OptType.NUMBER),
        OptDesc("maxmem", OptType.SIZE),
    ),
    merge_lists=True,
)
#: ``-smp`` (softmmu/vl.c: qemu_smp_opts): any name, checked as SMPConfiguration.
SMP_OPTS: Final = OptsListSpec("smp-opts", "cpus", (), merge_lists=True)
#: SMPConfiguration's members in the order QEMU's visitor reads them.
SMP_MEMBERS: Final = ("cpus", "sockets", "dies", "clusters", "cores", "threads", "maxcpus")

MIB: Final = 1 << 20


class GuestOptionError(QmonitorError):
    """QEMU's text for a guest option it rejects; ``located``: printed after the option."""

    def __init__(self, diagnostic: Diagnostic, located: bool = True) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic
        self.located = located


def ram_size(size: str | None, default: int) -> int:
    """``-m``'s ``size`` in bytes (parse_memory_options): a bare number is MiB.

    :raises GuestOptionError: a size QEMU cannot parse.
    """
    if size is None:
        return default
    try:
        value = parse_size("size", size)
    except QemuOptsError as exc:
        raise GuestOptionError(exc.diagnostic) from None
    if size and size[-1].isdigit():
        value *= MIB
    return value or default


# hw/core/machine.c machine_set_mem: what it refuses of -m's slots and maxmem.
MAXMEM_BELOW_SIZE: Final = (
    "invalid value of maxmem: maximum memory size (0x{:x}) must be at least "
    "the initial memory size (0x{:x})"
)
MAXMEM_EQUAL_SIZE: Final = (
    "invalid value of maxmem: memory slots were specified but maximum memory size "
    "(0x{:x}) is equal to the initial memory size (0x{:x})"
)
SLOTS_NO_MAXMEM: Final = "slots specified but no max-size"


def memory_limits(size: int, slots: str | None, maxmem: str | None) -> tuple[int, int | None]:
    """``-m``'s slots and maxmem (machine_set_mem): (slots, maxmem in bytes or None).

    :raises GuestOptionError: QEMU's text, printed without a location.
    """
    try:
        count = parse_size("slots", slots) if slots is not None else 0
        most = parse_size("maxmem", maxmem) if maxmem is not None else None
    except QemuOptsError as exc:
        raise GuestOptionError(exc.diagnostic) from None
    if most is None:
        if slots is not None:
            raise GuestOptionError(Diagnostic(SLOTS_NO_MAXMEM), False)
        return count, None
    if most < size:
        raise GuestOptionError(Diagnostic(MAXMEM_BELOW_SIZE.format(most, size)), False)
    if count and most == size:
        raise GuestOptionError(Diagnostic(MAXMEM_EQUAL_SIZE.format(most, size)), False)
    return count, most


def smp_config(
    values: dict[str, str], limits: SmpLimits | None = None, warnings: list[str] | None = None
) -> SmpConfig:
    """Visit ``-smp``'s options as SMPConfiguration and resolve the topology for a machine.

    A member given as 0 counts as not given, with QEMU's deprecation
    warning added to ``warnings``.

    :raises GuestOptionError: QEMU's text, printed without a location.
    """
    numbers: dict[str, int] = {}
    for name in SMP_MEMBERS:
        if name not in values:
            continue
        # An int member of SMPConfiguration, read as qemu_strtoi64 in base 0.
        number = c_strtoll(values[name])
        if number is None:
            raise GuestOptionError(
                Diagnostic(INVALID_PARAMETER_VALUE.format(f"smp.{name}", "integer")), False
            )
        numbers[name] = number
    unexpected = [name for name in values if name not in SMP_MEMBERS]
    if unexpected:
        # The visitor's table of keys not visited, in GHashTable order.
        first = leftover_order(qdict_order(values), [n for n in values if n in SMP_MEMBERS])[0]
        raise GuestOptionError(Diagnostic(UNEXPECTED_PARAMETER.format(f"smp.{first}")), False)
    if 0 in numbers.values() and warnings is not None:
        warnings.append(SMP_ZERO)
    try:
        return SmpConfig.resolve(**numbers, limits=limits)
    except TopologyError as exc:
        raise GuestOptionError(Diagnostic(str(exc)), False) from None


@dataclass(frozen=True, slots=True)
class CpuOption:
    """``-cpu``: the model and its properties (``+feat`` as ``feat=on``)."""

    model: str
    props: tuple[tuple[str, str], ...] = ()


def parse_cpu(arg: str) -> CpuOption:
    """Split ``-cpu MODEL,+feat,-feat,prop=value`` (x86_cpu_parse_featurestr's forms)."""
    model, _, rest = arg.partition(",")
    props: list[tuple[str, str]] = []
    for item in rest.split(",") if rest else ():
        if item.startswith("+"):
            props.append((item[1:], "on"))
        elif item.startswith("-"):
            props.append((item[1:], "off"))
        else:
            name, eq, value = item.partition("=")
            props.append((name, value if eq else "on"))
    return CpuOption(model, tuple(props))


def parse_json_device(arg: str) -> tuple[GuestDevice, dict[str, Any]]:
    """A JSON ``-device``: its driver and id, and all its properties.

    :raises GuestOptionError: QEMU's text for JSON it cannot read or a
        missing ``driver``.
    """
    try:
        value = qobject_from_json(arg)
    except JsonError as exc:
        raise GuestOptionError(Diagnostic(exc.message)) from None
    if not isinstance(value, dict):
        raise GuestOptionError(Diagnostic(JSON_PARSE_ERROR))
    # QEMU reads both with qdict_get_try_str(): a member that is not a
    # string counts as absent.
    driver = value.get("driver")
    if not isinstance(driver, str):
        raise GuestOptionError(Diagnostic(MISSING_PARAMETER.format("driver")))
    ident = value.get("id")
    props = tuple(
        (key, _opt_text(item)) for key, item in value.items() if key not in ("driver", "id")
    )
    return GuestDevice(driver, ident if isinstance(ident, str) else None, props), value


def _opt_text(value: Any) -> str:
    """A JSON ``-device`` member as the device model reads it: text, ``on``/``off``."""
    if isinstance(value, bool):
        return "on" if value else "off"
    return value if isinstance(value, str) else json.dumps(value)
