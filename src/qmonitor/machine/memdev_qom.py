"""The command line's objects in ``/objects``, memory backends with their properties.

``-object`` objects and the RAM backend a machine makes for itself
(hw/core/machine.c create_default_memdev: a memory-backend-file in
``-mem-path`` when it is given, else a memory-backend-ram) show their
backend properties to ``qom-get``; ``-mem-prealloc`` sets ``prealloc`` on
every backend that does not set it (vl.c registers it as a sugar
property of ``memory-backend``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qmonitor.machine.memdev import BACKEND_TYPES, _size, default_memdev, memdev_info
from qmonitor.machine.qom_object import Prop, QomObject

if TYPE_CHECKING:
    from qmonitor.machine.guest import GuestConfig


def backend_object(
    qom_type: str, props: dict[str, Any], size: int, guest: GuestConfig, mem_path: str | None
) -> QomObject:
    """A memory backend's QOM object: the class properties, then a file backend's path."""
    from qmonitor.machine.user_objects import CLASS_PROPS

    info = memdev_info(qom_type, "", props, size, guest.mem_prealloc)
    out = []
    for spec in CLASS_PROPS["memory-backend-ram"]:
        value = info.get(spec.name, props.get(spec.name, spec.default))
        out.append(Prop(spec.name, spec.qom_type, value))
    if qom_type == "memory-backend-file":
        out.append(Prop("mem-path", "string", mem_path or props.get("mem-path", "")))
    return QomObject(qom_type, tuple(out))


def backend_objects(machine_type: str, guest: GuestConfig) -> list[tuple[str, QomObject]]:
    """``/objects``' children from the command line, in creation order."""
    out = []
    for obj in guest.objects:
        props = dict(obj.props)
        if obj.qom_type in BACKEND_TYPES:
            size = _size(props.get("size"))
            out.append((obj.id, backend_object(obj.qom_type, props, size, guest, None)))
        else:
            out.append((obj.id, QomObject(obj.qom_type)))
    ram = default_memdev(machine_type, guest)
    if ram is not None:
        qom_type = "memory-backend-file" if guest.mem_path is not None else "memory-backend-ram"
        out.append((ram, backend_object(qom_type, {}, guest.ram_size, guest, guest.mem_path)))
    return out
