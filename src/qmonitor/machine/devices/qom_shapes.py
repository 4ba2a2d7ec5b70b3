"""A user's device in QOM as QEMU 7.2 shows it: every property, its buses, its children.

``qom-list`` of a realized device lists ``type``, its class properties and
those of its parents (what ``qom-list-properties`` answers for the type,
shipped in ``data/qom_types.json.gz``), then its instance properties and
the children realize made, in the order of the instance's property table.
``data/device_qom.json`` (tools/record_qom_devices.py) holds what that
list cannot give: how much of the listing is the type's recorded one, the
rest in QEMU's order, the values no other table has, the children realize
made (memory regions, an ``esp`` or ``serial`` core) and the device's
buses without the links to their devices.

Values come, first to last, from the device itself (its PCI address,
bus, what the user or the board set), what ``info qtree`` printed for the
type (``data/pc_devices.json``), the default ``device-list-properties``
gives, then the recorded value.  A virtio proxy's aliases of its virtio
device's properties read that device's values; the virtio device itself
is the proxy's ``virtio-backend`` child, on the proxy's ``virtio-bus``.

The recording is of devices whose id is ``dev``.  A device with buses
named after another id (or numbered by type) has them elsewhere in its
property table: the table is laid out again from the recorded order and
the names moved (:func:`_rehash`), which puts the bus where QEMU does
but may leave a neighbour or two of it in another order.

``qom-set`` of a realized device's qdev property fails as QEMU's
qdev_prop_set_after_realize does; a read-only one (``type``,
``parent_bus``, ``hotplugged``, ``legacy-*`` ...) as "not writable".
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from functools import cache
from typing import Any

from qmonitor.machine.devices.facts import facts, known_types
from qmonitor.machine.devices.pci import PciDevice
from qmonitor.machine.devices.qdev import Bus, Device
from qmonitor.machine.qom_object import Failing, Prop, QomObject
from qmonitor.qapi.error import QapiError
from qmonitor.util.ghash import StrTable, g_str_hash

# Texts of hw/core/qdev-properties.c (QEMU 7.2).
AFTER_REALIZE = "Attempt to set property '{}' on device '{}' (type '{}') after it was realized"
AFTER_REALIZE_ANON = (
    "Attempt to set property '{}' on anonymous device (type '{}') after it was realized"
)
LINK_AFTER_REALIZE = (
    "Attempt to set link property '{}' on device '{}' (type '{}') after it was realized"
)

#: Where the recording wrote the device's path and its buses.
_PATH = "{path}"
_BUS = "{bus:"
#: The device properties qdev keeps for every device, read-only but ``realized``.
_GENERIC_READ_ONLY = frozenset({"parent_bus", "hotplugged", "hotpluggable"})


@cache
def _shapes() -> dict[str, Any]:
    path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "device_qom.json")
    with open(path, encoding="utf-8") as file:
        types: dict[str, Any] = json.load(file)["types"]
    return types


def has_shape(typename: str) -> bool:
    """Whether the recording has the type (a user's device of it is modelled in full)."""
    return typename in _shapes()


def _bus_name(dev: Device, text: str) -> str:
    """``{bus:N}`` as the name of the device's N-th bus.

    A bus the device model does not make is named as qbus_init names it
    after the device's id.
    """
    if text.startswith(_BUS) and text.endswith("}"):
        index = int(text[len(_BUS) : -1])
        if index < len(dev.buses):
            return dev.buses[index].name
        if dev.id is not None:
            return f"{dev.id}.{index}"
    return text


def _relocate(value: Any, dev: Device, path: str) -> Any:
    """A recorded value with ``{path}`` and ``{bus:N}`` made this device's."""
    if isinstance(value, dict):
        return {k: _relocate(v, dev, path) for k, v in value.items()}
    if isinstance(value, list):
        return [_relocate(v, dev, path) for v in value]
    if isinstance(value, str) and value.startswith(_PATH):
        parts = value.split("/")
        return "/".join([path, *(_bus_name(dev, p) for p in parts[1:])])
    return value


def _instance_listing(
    dev: Device, recorded: list[list[str]], recorded_names: dict[str, str]
) -> list[tuple[str, str]]:
    """The instance part of the listing, the device's buses under their own names.

    The recording is of a device whose id is ``dev``; a bus named after
    another id hashes elsewhere in the instance's property table.  The
    table is laid out again as the recorded order implies, the recorded
    bus names taken out and the device's put in (:func:`_rehash`).
    """
    names = {name: _bus_name(dev, name) for name, _ in recorded if name.startswith(_BUS)}
    if all(names[n] == recorded_names[n] for n in names):
        return [(names.get(n, n), t) for n, t in recorded]
    types = {names.get(n, n): t for n, t in recorded}
    order = [recorded_names.get(n, n) for n, _ in recorded]
    renamed = {recorded_names[n]: names[n] for n in names}
    return [(n, types[n]) for n in _rehash(order, renamed)]


def _rehash(order: list[str], renamed: dict[str, str]) -> list[str]:
    """``order`` (a listing: the table's iteration order reversed) with keys renamed.

    Each key is put in its own bucket when that comes after the previous
    key's (and leaves room for the rest), else in the next one: a layout
    the recorded order implies.  The renamed keys are then taken out and
    put in again under their new names, each in its own bucket (a key
    there moves on, probing as GLib does).
    """
    table = StrTable()
    for index in range(len(order)):
        table.insert(f"\x00{index}")  # the size a table of that many keys has
    size = table.size
    hashes = [0] * size
    keys: list[str | None] = [None] * size
    last = -1
    iteration = list(reversed(order))
    for position, key in enumerate(iteration):
        hash_value = max(g_str_hash(key), 2)
        home = ((hash_value * 11) & 0xFFFFFFFF) % table.mod
        left = len(iteration) - position
        index = home if last < home <= size - left else last + 1
        hashes[index], keys[index] = hash_value, key
        last = index
    table.hashes, table.keys = hashes, keys
    for old in renamed:
        # By its bucket: the inferred layout need not be on the key's probe path.
        index = table.keys.index(old)
        table.hashes[index], table.keys[index] = 1, None  # a tombstone, as GLib leaves
        table.nnodes -= 1
    for new in renamed.values():
        # A device makes its buses early in realize: the bus takes its own
        # bucket, and a key found there was put in after it, so moves on.
        hash_value = max(g_str_hash(new), 2)
        home = ((hash_value * 11) & 0xFFFFFFFF) % table.mod
        evicted = table.keys[home]
        table.hashes[home], table.keys[home] = hash_value, new
        if evicted is not None:
            table.nnodes -= 1
            table.insert(evicted)
    return list(reversed(table.live_keys()))


def _printed(text: str) -> Any:
    """A default as ``info qtree`` printed it: ``"s"``, ``true``, ``5 (0x5)``, ``1 (1 B)``."""
    if text.startswith('"'):
        return text[1:-1]
    if text in ("true", "false"):
        return text == "true"
    head = text.split(" ", 1)[0]
    if head.lstrip("-").isdigit():
        return int(head)
    return None  # a PCI address (``<unset>``, ``02.0``): the device has its own


class _Values:
    """Where one device's property values come from (see the module docstring)."""

    def __init__(self, dev: Device, q35: bool, backend: Device | None) -> None:
        from qmonitor.machine.qom_types import type_table

        self.dev = dev
        self.backend = backend
        shape = _shapes().get(dev.facts_key) or _shapes()[dev.typename]
        self.recorded = dict(shape["values"])
        if q35:
            self.recorded.update(shape.get("q35", {}).get("values", {}))
        self.printed: dict[str, str] = {}
        for owner in (backend, dev):
            if owner is not None and owner.facts_key in known_types():
                self.printed.update(facts(owner.facts_key).props)
        self.defaults = {
            p["name"]: p["default-value"]
            for p in type_table().device_properties(dev.typename)
            if "default-value" in p
        }

    def value(self, name: str, typ: str) -> Any:
        for owner in (self.dev, self.backend):
            if owner is not None and name in owner.values:
                return _typed(owner.values[name], typ)
        if name in self.printed:
            value = _printed(self.printed[name])
            if value is not None:
                return value
        # Recorded: no default, or the realized device reads another one.
        if name in self.recorded:
            return self.recorded[name]
        return self.defaults.get(name)


def _typed(value: Any, typ: str) -> Any:
    """A device's own value as ``qom-get`` gives it: a link as its object's path."""
    if typ.startswith("link<") and isinstance(value, str) and value and "/" not in value:
        return f"/objects/{value}"
    return value


def _legacy_addr(devfn: int) -> str:
    return f"{devfn >> 3:02x}.{devfn & 7:x}"


def _after_realize(dev: Device, name: str, link: bool) -> Callable[[Any], None]:
    def refuse(value: Any) -> None:
        if link:  # QEMU prints a missing id with %s: glibc's "(null)"
            raise QapiError(LINK_AFTER_REALIZE.format(name, dev.id or "(null)", dev.typename))
        if dev.id is not None:
            raise QapiError(AFTER_REALIZE.format(name, dev.id, dev.typename))
        raise QapiError(AFTER_REALIZE_ANON.format(name, dev.typename))

    return refuse


#: The balloon's statistics timer (hw/virtio/virtio-balloon.c, QEMU 7.2), and its texts.
BALLOON = "virtio-balloon-device"
POLL_INTERVAL = "guest-stats-polling-interval"
POLL_NEGATIVE = "timer value must be greater than zero"
POLL_TOO_BIG = "timer value is too big"


def _poll_interval_setter(balloon: Device) -> Callable[[Any], None]:
    """balloon_stats_set_poll_interval: an int of 0 (no timer) to UINT32_MAX seconds.

    A guest that runs no code never fills the statistics in, so the timer
    changes only the interval ``qom-get`` reads back.
    """

    def set_interval(value: Any) -> None:
        from qmonitor.qapi.texts import INVALID_PARAMETER_TYPE

        if not isinstance(value, int) or isinstance(value, bool):
            raise QapiError(INVALID_PARAMETER_TYPE.format(POLL_INTERVAL, "integer"))
        if value < 0:
            raise QapiError(POLL_NEGATIVE)
        if value > 0xFFFFFFFF:
            raise QapiError(POLL_TOO_BIG)
        balloon.values[POLL_INTERVAL] = value

    return set_interval


def _poll_interval(balloon: Device, default: Any) -> Callable[[], Any]:
    return lambda: balloon.values.get(POLL_INTERVAL, default)


def _not_writable(typename: str, name: str) -> Callable[[Any], None]:
    def refuse(value: Any) -> None:
        from qmonitor.util.texts import NOT_WRITABLE

        raise QapiError(NOT_WRITABLE.format(typename, name))

    return refuse


def _set_realized(value: Any) -> None:
    from qmonitor.qapi.texts import INVALID_PARAMETER_TYPE

    if not isinstance(value, bool):
        raise QapiError(INVALID_PARAMETER_TYPE.format("realized", "bool"))
    if not value:
        raise QapiError("qmonitor: unrealizing a device with qom-set is not modelled")


def _qdev_names(typename: str) -> frozenset[str]:
    """The type's qdev properties: those a realized device refuses to change.

    They are the ones ``info qtree`` prints (qdev_print_props walks them)
    and the links ``device-list-properties`` lists (qtree prints none);
    instance properties (``bootindex``, a balloon's statistics) and the
    read-only ``legacy-*`` ones are not among them.
    """
    from qmonitor.machine.qom_types import type_table

    links = {p["name"] for p in type_table().device_properties(typename)
             if p["type"].startswith("link<")}  # fmt: skip
    if typename not in known_types():
        return frozenset(links)
    return frozenset(links | {name for name, _ in facts(typename).props})


def device_object(
    dev: Device,
    q35: bool,
    parent_bus: Callable[[], str],
    extra: tuple[Prop, ...] = (),
    hotplugged: bool | None = None,
) -> QomObject:
    """The QOM object of ``dev``, a user's device of a recorded type.

    ``parent_bus`` gives its bus's path; ``extra`` are properties a model
    computes itself (a virtio-mem device's size), which take the place of
    the ones of the same name; ``hotplugged``: whether it was, when it is
    not the device's own flag (a virtio device is realized with its proxy).
    """
    from qmonitor.machine.qom_types import type_table

    shape = _shapes().get(dev.facts_key) or _shapes()[dev.typename]
    backend = _backend(dev)
    values = _Values(dev, q35, backend)
    own = {p.name: p for p in extra}
    recorded = type_table().recorded_properties(dev.typename)[: shape["class"]]
    listing = [(p["name"], p["type"]) for p in recorded]
    own_class = {name for name, _ in listing}
    backend_qdev = _qdev_names(backend.typename) if backend is not None else frozenset()
    qdev = _qdev_names(dev.typename) | backend_qdev
    backend_names = (
        {p["name"] for p in type_table().recorded_properties(backend.typename)}
        if backend is not None
        else set()
    )
    listing += _instance_listing(dev, shape["instance"], shape["bus_names"])
    obj = QomObject(dev.typename)
    props = []
    for name, typ in listing:
        if name == "type" or typ.startswith("child<"):
            continue
        value: Any
        setter: Callable[[Any], None] | None = None
        if name in own:
            value, setter = own[name].value, own[name].setter
        elif name == "parent_bus":
            value = parent_bus
        elif name == "realized":
            value, setter = True, _set_realized
        elif name == "hotplugged":
            value = dev.hotplugged if hotplugged is None else hotplugged
        elif name == "hotpluggable":
            value = bool(values.recorded.get(name, True)) and (
                dev.bus is None or dev.bus.hotpluggable or dev.bus.kind not in ("PCI", "PCIE")
            )
        elif name in ("addr", "legacy-addr") and isinstance(dev, PciDevice):
            value = dev.devfn if name == "addr" else _legacy_addr(dev.devfn)
        else:
            value = values.value(name, typ)
            if isinstance(value, dict) and set(value) == {"error"}:
                value = Failing(*value["error"])
            elif isinstance(value, str) and value.startswith(_PATH):
                value = _lazy_path(obj, dev, value)
        if setter is None and name in qdev and name not in _GENERIC_READ_ONLY:
            # A proxy's alias sets its virtio device's property, which refuses.
            aliased = backend is not None and name not in own_class and name in backend_qdev
            target = backend if aliased and backend is not None else dev
            setter = _after_realize(target, name, typ.startswith("link<"))
        holder = backend if backend is not None else dev
        if name == POLL_INTERVAL and holder.typename == BALLOON:
            value, setter = _poll_interval(holder, value), _poll_interval_setter(holder)
        elif setter is None and backend is not None and name in backend_names - own_class:
            setter = _not_writable(backend.typename, name)  # the alias sets its target
        props.append(Prop(name, typ, value, setter))
    obj.props = tuple(props)
    objects = dict(shape["objects"])
    buses = dict(shape["buses"])
    if q35:
        objects.update(shape.get("q35", {}).get("objects", {}))
        buses.update(shape.get("q35", {}).get("buses", {}))
    for name, typ in listing:
        if not typ.startswith("child<"):
            continue
        if name == "virtio-backend" and backend is not None:
            made = device_object(
                backend, q35, _child_path(obj, dev.buses[0].name), hotplugged=dev.hotplugged
            )
            obj.add(name, made)
            continue
        bus_index = next(
            (i for i in range(len(buses)) if _bus_name(dev, f"{_BUS}{i}}}") == name), None
        )
        if bus_index is not None:
            qbus = dev.buses[bus_index] if bus_index < len(dev.buses) else None
            obj.add(name, _bus_object(dev, qbus, buses[f"{_BUS}{bus_index}}}"], obj))
            continue
        child = objects.get(name)
        if name == "virtio-bus" and dev.buses and child is not None:
            obj.add(name, _bus_object(dev, dev.buses[0], child, obj))
            continue
        if child is not None:
            obj.add(name, _recorded_object(child, dev, obj))
    _follow_iobase(obj, dev)
    obj.recorded = listing
    return obj


#: Where an ISA device's ports are mapped.
_IO_SPACE = "/machine/unattached/io[0]"


def _follow_iobase(obj: QomObject, dev: Device) -> None:
    """An ISA device's port region is at its ``iobase`` (the recording: the first port's)."""
    iobase = dev.values.get("iobase")
    if not isinstance(iobase, int) or isinstance(iobase, bool):
        return
    for child in obj.children.values():
        values = {p.name: p.value for p in child.props}
        if child.typename == "memory-region" and values.get("container") == _IO_SPACE:
            child.props = tuple(
                Prop(p.name, p.type, iobase) if p.name == "addr" else p for p in child.props
            )


def _child_path(obj: QomObject, name: str) -> Callable[[], str]:
    return lambda: f"{obj.path()}/{name}"


def _backend(dev: Device) -> Device | None:
    """A virtio proxy's virtio device, the one on its ``virtio-bus``."""
    if dev.buses and dev.buses[0].kind == "virtio-pci-bus" and dev.buses[0].children:
        inner = dev.buses[0].children[0]
        if has_shape(inner.typename):
            return inner
    return None


def _lazy_path(obj: QomObject, dev: Device, value: str) -> Callable[[], str]:
    return lambda: str(_relocate(value, dev, obj.path()))


def _recorded_object(node: dict[str, Any], dev: Device, owner: QomObject) -> QomObject:
    """A child realize made (a memory region ...), as recorded, moved to this device."""
    props = []
    for name, typ in node["listing"]:
        if name == "type" or typ.startswith("child<"):
            continue
        value = node["values"][name]
        if isinstance(value, dict) and set(value) == {"error"}:
            value = Failing(*value["error"])
        elif isinstance(value, str) and value.startswith(_PATH):
            value = _lazy_path(owner, dev, value)
        props.append(Prop(name, typ, value))
    obj = QomObject(node["values"]["type"], tuple(props))
    for name, child in node["children"].items():
        obj.add(name, _recorded_object(child, dev, owner))
    obj.recorded = [(n, t) for n, t in node["listing"]]
    return obj


class BusObject(QomObject):
    """A device's bus: its recorded properties and a ``child[N]`` link per device on it."""

    __slots__ = ("bus",)

    def __init__(self, typename: str, props: tuple[Prop, ...], bus: Bus | None) -> None:
        super().__init__(typename, props)
        #: The qdev bus (None: one the device model does not make, always empty).
        self.bus = bus

    def _devices(self) -> list[Device]:
        return self.bus.children if self.bus is not None else []

    def _links(self) -> dict[str, tuple[str, str]]:
        """``child[N]`` of each device on the bus: its path and its type."""
        out = {}
        for dev in self._devices():
            path = dev.qom_path
            if path is None and self.parent is not None:
                path = f"{self.parent.path()}/virtio-backend"
            out[f"child[{dev.bus_index}]"] = (path or "", dev.typename)
        return out

    def listing(self) -> list[dict[str, Any]]:
        # Only ``type`` is a class property: qbus_initfn adds ``hotplug-handler``
        # and ``realized`` to the instance, each device plugged adds its
        # ``child[N]`` link (an unplug takes it out), and the ACPI hotplug of
        # a PCI bus its ``acpi-pcihp-bsel`` once the machine is made.
        assert self.recorded is not None
        types = dict(self.recorded)
        first: list[str] = [n for n in ("hotplug-handler", "realized") if n in types]
        table = StrTable()
        for key in first:
            table.insert(key)
        links = self._links()
        later = [k for k, _ in self.recorded if k != "type" and k not in first]
        hot = {d.bus_index for d in self._devices() if d.hotplugged}
        for plugged, index in self.bus.history if self.bus is not None else []:
            if plugged and index in hot:
                for key in later:  # the machine was made before this plug
                    table.insert(key)
                later = []
            name = f"child[{index}]"
            if plugged:
                table.insert(name)
            else:
                table.remove(name)
        for key in later:
            table.insert(key)
        for name, (_, typename) in links.items():
            types[name] = f"link<{typename}>"
        ordered = list(reversed(table.live_keys()))
        return [{"name": "type", "type": "string"}] + [
            {"name": n, "type": types[n]} for n in ordered
        ]

    def get(self, prop: str) -> Any:
        links = self._links()
        if prop in links:
            return links[prop][0]
        return super().get(prop)


#: The number ACPI PCI hotplug gives each bus that takes hotplugged devices.
BSEL = "acpi-pcihp-bsel"


def _bsel(bus: Bus, recorded: Any) -> Callable[[], Any]:
    """acpi_set_bsel: hotpluggable PCI buses numbered depth first from the root bus.

    A bus's buses are visited newest first (QEMU's list of them is).
    """

    def number() -> Any:
        root = bus
        while root.parent is not None and root.parent.bus is not None:
            root = root.parent.bus
        count = 0

        def visit(current: Bus) -> int | None:
            nonlocal count
            if current.hotpluggable:
                if current is bus:
                    return count
                count += 1
            for device in reversed(current.children):
                for child in reversed(device.buses):
                    if child.kind in ("PCI", "PCIE"):
                        found = visit(child)
                        if found is not None:
                            return found
            return None

        found = visit(root)
        return recorded if found is None else found

    return number


def _bus_object(dev: Device, bus: Bus | None, node: dict[str, Any], owner: QomObject) -> QomObject:
    """One of ``dev``'s buses; the links to its devices are made when asked."""
    props = []
    listing = [(n, t) for n, t in node["listing"] if not n.startswith("child[")]
    # A hotplugged bridge gets no ACPI number: its own controller handles its bus.
    shpc = bus is not None and bus.kind == "PCI" and dev.hotplugged
    if shpc:
        listing = [(n, t) for n, t in listing if n != BSEL]
    for name, typ in listing:
        if name == "type":
            continue
        value = node["values"][name]
        if shpc and name == "hotplug-handler":
            value = owner.path
        if isinstance(value, str) and value.startswith(_PATH):
            value = _lazy_path(owner, dev, value)
        elif name == BSEL and bus is not None:
            value = _bsel(bus, value)
        props.append(Prop(name, typ, value))
    obj = BusObject(node["values"]["type"], tuple(props), bus)
    obj.recorded = listing
    return obj
