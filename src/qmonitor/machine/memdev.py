"""The guest's memory backends: ``query-memdev`` and the machine's default RAM backend.

A memory backend is a ``memory-backend-*`` object (``-object``, an
``[object]`` section, ``object-add``).  When ``-machine memory-backend`` is
not given, a machine type with a default RAM id makes one of its own for
its RAM (hw/core/machine.c: ``create_default_memdev``, when the RAM size is
not 0): ``pc.ram`` for the PCs, ``microvm.ram``, and ``ram`` for ``none``,
whose RAM is 0 unless ``-m`` gives one.  ``query-memdev`` lists them in the
order ``qom-list /objects`` lists them in (both walk the container's
property table and prepend).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

from qmonitor.util.cutils import c_strtoull, parse_bool, parse_size
from qmonitor.util.error import QemuOptsError

if TYPE_CHECKING:
    from qmonitor.machine.guest import GuestConfig

#: Machine types whose RAM is 0 unless ``-m`` says otherwise (default_ram_size 0).
#: Not x-remote: it keeps the generic 128 MiB (its /machine ``memory``, as
#: recorded from QEMU), it only makes no RAM backend (no default_ram_id).
NO_DEFAULT_RAM: Final = frozenset({"none"})
#: The memory backend types QEMU 7.2 (x86_64, Linux) can create.
BACKEND_TYPES: Final = frozenset(
    {"memory-backend-ram", "memory-backend-file", "memory-backend-memfd", "memory-backend-epc"}
)
#: HostMemoryBackend's defaults (backends/hostmem.c): merge and dump on, reserve on.
_BOOL_DEFAULTS: Final = {"merge": True, "dump": True, "prealloc": False, "reserve": True}
#: The types whose ``share`` is on unless set (memfd; epc is always shared).
_SHARED_BY_DEFAULT: Final = frozenset({"memory-backend-memfd", "memory-backend-epc"})


def default_ram_id(machine_type: str) -> str | None:
    """The id of the RAM backend the machine type makes (MachineClass default_ram_id)."""
    if machine_type == "none":
        return "ram"
    if machine_type == "x-remote":
        return None
    if machine_type == "microvm":
        return "microvm.ram"
    return "pc.ram"


def default_memdev(machine_type: str, guest: GuestConfig) -> str | None:
    """The id of the RAM backend the machine makes for itself, None when it makes none."""
    if any(name == "memory-backend" for name, _ in guest.machine_props):
        return None
    if guest.ram_size == 0:
        return None
    return default_ram_id(machine_type)


def _bool(value: Any, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return parse_bool("", value)
        except QemuOptsError:
            return default
    return default


def _size(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return parse_size("size", value)
        except QemuOptsError:
            return 0
    return 0


def _host_nodes(value: Any) -> list[int]:
    """``host-nodes``: a JSON list, or the opts visitor's ``N`` or ``N-M`` range."""
    if isinstance(value, list):
        return [n for n in value if isinstance(n, int) and not isinstance(n, bool)]
    if not isinstance(value, str):
        return []
    low_text, dash, high_text = value.partition("-")
    low = c_strtoull(low_text)
    high = c_strtoull(high_text) if dash else low
    if low is None or high is None or high < low:
        return []
    return list(range(low, high + 1))


def memdev_info(
    qom_type: str, ident: str, props: Mapping[str, Any], size: int, prealloc: bool = False
) -> dict[str, Any]:
    """One backend as ``query-memdev`` describes it (members in the schema's order).

    ``prealloc``: its default (``-mem-prealloc`` turns it on for every backend).
    """
    defaults = dict(_BOOL_DEFAULTS, prealloc=prealloc)
    bools = {name: _bool(props.get(name), default) for name, default in defaults.items()}
    return {
        "id": ident,
        "size": size,
        "merge": bools["merge"],
        "dump": bools["dump"],
        "prealloc": bools["prealloc"],
        "share": _bool(props.get("share"), qom_type in _SHARED_BY_DEFAULT),
        "reserve": bools["reserve"],
        "host-nodes": _host_nodes(props.get("host-nodes")),
        "policy": props.get("policy", "default"),
    }


def query_memdev(
    machine_type: str,
    guest: GuestConfig,
    order: Iterable[str] | None = None,
    added: Mapping[str, tuple[str, Mapping[str, Any]]] | None = None,
) -> list[dict[str, Any]]:
    """``query-memdev``: every memory backend; ``order``: the ids as /objects lists them.

    ``added``: the backends object-add made, by id: (QOM type, properties).
    """
    found: dict[str, dict[str, Any]] = {}
    prealloc = guest.mem_prealloc
    for obj in guest.objects:
        if obj.qom_type in BACKEND_TYPES:
            props = dict(obj.props)
            size = _size(props.get("size"))
            found[obj.id] = memdev_info(obj.qom_type, obj.id, props, size, prealloc)
    for ident, (qom_type, made) in (added or {}).items():
        if ident not in found:
            size = _size(made.get("size"))
            found[ident] = memdev_info(qom_type, ident, made, size, prealloc)
    ram = default_memdev(machine_type, guest)
    if ram is not None:
        found[ram] = memdev_info("memory-backend-ram", ram, {}, guest.ram_size, prealloc)
    ids = [i for i in order if i in found] if order is not None else list(found)
    return [found[i] for i in ids]
