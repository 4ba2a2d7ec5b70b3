"""The ``/machine`` object tree from QEMU 7.2's recording of the machine type.

``tools/record_qom.py`` records, for every machine type, the composition
tree QEMU builds under ``/machine`` for ``-machine TYPE`` (and for ``-machine
TYPE -nodefaults``): each object's ``qom-list`` and the ``qom-get`` answer of
each of its properties.  :func:`build_recorded` makes :class:`QomObject`s
of it; :func:`adapt` then applies what the command line changed:

* the generic machine properties (``-m``, ``-smp``, ``-machine usb=on`` ...)
  take the command line's values;
* the clock-driven values (``rtc-time`` and the RTC's ``date``) follow the
  host clock, as the guest's RTC does;
* with more than one vCPU, or a vCPU other than the recorded one, the
  vCPUs are made again (:mod:`qmonitor.machine.qom`), and the devices
  the board made after them move up in ``/machine/unattached`` as they
  do in QEMU (the first vCPU is ``device[0]``, the machine's ``kvmvapic``
  ``device[1]``, the other vCPUs follow it), links to them included.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from qmonitor.machine.qom_object import Failing, Prop, QomObject

if TYPE_CHECKING:
    from qmonitor.machine.rtc import MC146818

#: The names of the devices the board puts in ``/machine/unattached``.
_DEVICE = re.compile(r"device\[(\d+)\]")
_UNATTACHED = "/machine/unattached/"


def build_recorded(record: dict[str, Any]) -> QomObject:
    """The recorded ``/machine`` (see :func:`qmonitor.machine.recorded.tree_record`)."""
    nodes: list[dict[str, Any]] = record["nodes"]

    def make(index: int) -> QomObject:
        node = nodes[index]
        values: dict[str, Any] = node["values"]
        listing = [(name, typ) for name, typ in node["listing"]]
        props = []
        for name, typ in listing:
            if name == "type" or typ.startswith("child<"):
                continue
            value = values[name]
            if isinstance(value, dict) and set(value) == {"error"}:
                value = Failing(*value["error"])
            props.append(Prop(name, typ, value))
        obj = QomObject(values["type"], tuple(props))
        for name, child in node["children"].items():
            obj.add(name, make(child))
        obj.recorded = listing
        return obj

    return make(record["root"])


def walk(obj: QomObject) -> Iterator[QomObject]:
    """``obj`` and every object below it, parents first."""
    yield obj
    for child in obj.children.values():
        yield from walk(child)


def set_values(obj: QomObject, values: dict[str, Any]) -> None:
    """Replace the values of ``obj``'s properties named in ``values``."""
    obj.props = tuple(
        Prop(p.name, p.type, values[p.name]) if p.name in values else p for p in obj.props
    )


def rtc_tm(rtc: MC146818 | None) -> Callable[[], dict[str, int]]:
    """The RTC's date as QEMU's ``struct tm`` property shows it (years since 1900, month 0-11)."""

    def value() -> dict[str, int]:
        offset = rtc.offset if rtc is not None else 0
        tm = time.gmtime(int(time.time()) + offset)
        return {"tm_year": tm.tm_year - 1900, "tm_sec": tm.tm_sec, "tm_hour": tm.tm_hour,
                "tm_min": tm.tm_min, "tm_mon": tm.tm_mon - 1, "tm_mday": tm.tm_mday}  # fmt: skip

    return value


def follow_clock(root: QomObject, volatile: list[str], rtc: MC146818 | None) -> None:
    """The recorded values that changed between two recordings: the RTC's date."""
    for where in volatile:
        path, _, name = where.rpartition(":")
        obj = find(root, path)
        if obj is not None and name in ("rtc-time", "date"):
            set_values(obj, {name: rtc_tm(rtc)})


def find(root: QomObject, path: str) -> QomObject | None:
    """The object at absolute ``path`` below ``root`` (``/machine/...``)."""
    parts = [p for p in path.split("/") if p][1:]
    obj: QomObject | None = root
    for part in parts:
        obj = obj.children.get(part) if obj is not None else None
    return obj


def shift_devices(unattached: QomObject, after: int, by: int) -> None:
    """Move ``device[N]`` for N > ``after`` up by ``by``, and the links to them."""
    moves: dict[str, str] = {}
    renamed: dict[str, QomObject] = {}
    for name, child in unattached.children.items():
        match = _DEVICE.fullmatch(name)
        if match is not None and int(match.group(1)) > after:
            new = f"device[{int(match.group(1)) + by}]"
            moves[_UNATTACHED + name] = _UNATTACHED + new
            child.name = new
            renamed[new] = child
        else:
            renamed[name] = child
    unattached.children = renamed
    unattached.recorded = None
    if not moves:
        return
    pattern = re.compile("|".join(re.escape(old) for old in moves) + r"(?=/|$)")

    def moved(value: Any) -> Any:
        if isinstance(value, str) and value.startswith(_UNATTACHED):
            return pattern.sub(lambda m: moves[m.group(0)], value)
        return value

    root = unattached
    while root.parent is not None:
        root = root.parent
    for obj in walk(root):
        obj.props = tuple(Prop(p.name, p.type, moved(p.value)) for p in obj.props)
