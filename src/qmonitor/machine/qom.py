"""The null machine's QOM tree, as ``qom-list`` and ``qom-get`` show it.

QEMU 7.2 with ``-M none`` has a small object tree: the root container
with ``/machine`` (a ``none-machine`` with its containers and the memory
regions and system bus it always makes), ``/chardevs`` (one child per
chardev) and, once something asked for it, ``/objects``.  This module
models that tree with the properties QEMU lists and their values.

Listing order follows qom/object.c: properties are iterated instance
properties first (a GLib string hash table, :class:`~qmonitor.qapi.ghash.StrTable`),
then class properties from the object's class up to ``object``, and
``qmp_qom_list`` prepends each to its answer; so the listing is
``type`` (the root class's), the class properties, then the instance
properties in reverse table order.  The class property lists below are
recorded in that listing order.

Paths resolve as ``object_resolve_path`` does: an absolute path walks
child properties from the root (empty components are skipped); a partial
path matches wherever it resolves below any object of the tree, and is
ambiguous when it does so in more than one place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qmonitor.chardev.container import listing_order
from qmonitor.chardev.socket import SocketChardev
from qmonitor.qapi.error import ErrorClass, QapiError

if TYPE_CHECKING:
    from qmonitor.chardev.base import Chardev
    from qmonitor.machine.machine import Machine

# Texts of qom/qom-qmp-cmds.c and qom/object.c (QEMU 7.2).
DEVICE_NOT_FOUND = "Device '{}' not found"
PATH_AMBIGUOUS = "Path '{}' is ambiguous"
PROPERTY_NOT_FOUND = "Property '{}.{}' not found"

#: qmonitor's own text: the tree of other machine types is not modelled.
NOT_MODELLED = "qmonitor: the QOM tree of machine type '{}' is not modelled"

#: A property value: a constant, or computed when asked.
Value = Any | Callable[[], Any]


@dataclass(frozen=True, slots=True)
class Prop:
    """A non-child property: its QOM type name and value (``""`` for an empty link)."""

    name: str
    type: str
    value: Value = None


@dataclass(slots=True)
class QomObject:
    """An object: its type, class properties (listing order) and children."""

    typename: str
    props: tuple[Prop, ...] = ()
    parent: QomObject | None = None
    name: str = ""
    #: Children by name in creation order; listed as the hash table orders them.
    children: dict[str, QomObject] = field(default_factory=dict)
    #: Computes the children when asked (``/chardevs``); overrides ``children``.
    dynamic: Callable[[QomObject], dict[str, QomObject]] | None = None

    def add(self, name: str, child: QomObject) -> QomObject:
        child.parent, child.name = self, name
        self.children[name] = child
        return child

    def child_map(self) -> dict[str, QomObject]:
        return self.dynamic(self) if self.dynamic is not None else self.children

    def path(self) -> str:
        parts = []
        obj: QomObject | None = self
        while obj is not None and obj.parent is not None:
            parts.append(obj.name)
            obj = obj.parent
        return "/" + "/".join(reversed(parts))

    def listing(self) -> list[dict[str, Any]]:
        out = [{"name": "type", "type": "string"}]
        out.extend({"name": p.name, "type": p.type} for p in self.props)
        children = self.child_map()
        out.extend(
            {"name": name, "type": f"child<{children[name].typename}>"}
            for name in _table_order(children)
        )
        return out

    def get(self, prop: str) -> Any:
        if prop == "type":
            return self.typename
        for p in self.props:
            if p.name == prop:
                return p.value() if callable(p.value) else p.value
        child = self.child_map().get(prop)
        if child is not None:
            return child.path()
        raise QapiError(PROPERTY_NOT_FOUND.format(self.typename, prop))


def _table_order(children: dict[str, QomObject]) -> list[str]:
    """Child names in QEMU's listing order (reverse hash-table order)."""
    return listing_order(children)


def _memory_region(size: int) -> QomObject:
    return QomObject(
        "memory-region",
        (
            Prop("container", "link<memory-region>", ""),
            Prop("addr", "uint64", 0),
            Prop("size", "uint64", size),
            Prop("priority", "uint32", 0),
        ),
    )


#: The class properties of QEMU 7.2's ``none-machine`` and their values
#: without options.
_NONE_MACHINE_PROPS = (
    Prop("kernel", "string", ""),
    Prop("dt-compatible", "string", ""),
    Prop("boot", "BootConfiguration", {"order": ""}),
    Prop("memory", "MemorySizeConfiguration", {"size": 0}),
    Prop("initrd", "string", ""),
    Prop("confidential-guest-support", "link<confidential-guest-support>", ""),
    Prop("graphics", "bool", True),
    Prop("usb", "bool", False),
    Prop("firmware", "string", ""),
    Prop("memory-encryption", "string", ""),
    Prop(
        "smp",
        "SMPConfiguration",
        {"cpus": 1, "sockets": 1, "dies": 1, "clusters": 1, "cores": 1, "threads": 1, "maxcpus": 1},
    ),
    Prop("dump-guest-core", "bool", True),
    Prop("phandle-start", "int", 0),
    Prop("dumpdtb", "string", ""),
    Prop("memory-backend", "link<memory-backend>", ""),
    Prop("dtb", "string", ""),
    Prop("mem-merge", "bool", True),
    Prop("append", "string", ""),
    Prop("suppress-vmdesc", "bool", False),
)

#: The size of the root memory region (UINT64_MAX: all of the address space).
SYSTEM_MEMORY_SIZE = (1 << 64) - 1
#: The size of the I/O port address space.
IO_MEMORY_SIZE = 0x10000


def _chardev_object(chr: Chardev) -> QomObject:
    if isinstance(chr, SocketChardev):
        return QomObject(
            "chardev-socket",
            (
                Prop("connected", "bool", lambda: chr.be_open),
                Prop("addr", "SocketAddress", lambda: _socket_addr(chr)),
            ),
        )
    return QomObject(f"chardev-{chr.driver}")


def _socket_addr(chr: SocketChardev) -> dict[str, Any]:
    if chr.path is not None:
        return {"type": "unix", "path": chr.path}
    return {"type": "inet", "host": chr.host or "", "port": str(chr.port)}


class QomTree:
    """The QOM tree of one null machine."""

    def __init__(self, machine: Machine) -> None:
        self.machine = machine
        self.root = QomObject("container")
        self.modelled = machine.options.machine_type == "none"
        mach = self.root.add("machine", QomObject("none-machine", _NONE_MACHINE_PROPS))
        mach.add("peripheral-anon", QomObject("container"))
        mach.add("peripheral", QomObject("container"))
        unattached = mach.add("unattached", QomObject("container"))
        unattached.add("sysbus", QomObject("System", (
            Prop("realized", "bool", False),
            Prop("hotplug-handler", "link<hotplug-handler>", ""),
        )))  # fmt: skip
        unattached.add("system[0]", _memory_region(SYSTEM_MEMORY_SIZE))
        unattached.add("io[0]", _memory_region(IO_MEMORY_SIZE))
        self.root.add("chardevs", QomObject("container", dynamic=self._chardevs))

    def _chardevs(self, container: QomObject) -> dict[str, QomObject]:
        out = {}
        for label, chr in self.machine.chardevs.items():
            child = _chardev_object(chr)
            child.parent, child.name = container, label
            out[label] = child
        return out

    def objects_root(self) -> QomObject:
        """``/objects``, made the first time something asks for it (as QEMU does)."""
        objects = self.root.children.get("objects")
        if objects is None:
            objects = self.root.add("objects", QomObject("container"))
        return objects

    # -- path resolution ---------------------------------------------------

    def resolve(self, path: str) -> tuple[QomObject | None, bool]:
        """The object at ``path`` and whether a partial path was ambiguous."""
        parts = path.split("/")
        if path.startswith("/"):
            return _resolve_abs(self.root, parts), False
        found = None
        for obj in _walk(self.root):
            hit = _resolve_abs(obj, parts)
            if hit is not None:
                if found is not None:
                    return None, True
                found = hit
        return found, False

    def _check_modelled(self) -> None:
        if not self.modelled:
            raise QapiError(NOT_MODELLED.format(self.machine.options.machine_type))

    def qom_list(self, path: str) -> list[dict[str, Any]]:
        self._check_modelled()
        obj, ambiguous = self.resolve(path)
        if obj is None:
            if ambiguous:
                raise QapiError(PATH_AMBIGUOUS.format(path))
            raise QapiError(DEVICE_NOT_FOUND.format(path), ErrorClass.DEVICE_NOT_FOUND)
        return obj.listing()

    def qom_get(self, path: str, prop: str) -> Any:
        self._check_modelled()
        obj, _ = self.resolve(path)
        if obj is None:
            raise QapiError(DEVICE_NOT_FOUND.format(path), ErrorClass.DEVICE_NOT_FOUND)
        return obj.get(prop)


def _resolve_abs(obj: QomObject, parts: list[str]) -> QomObject | None:
    for part in parts:
        if part == "":
            continue
        child = obj.child_map().get(part)
        if child is None:
            return None
        obj = child
    return obj


def _walk(obj: QomObject) -> Iterator[QomObject]:
    """Every object of the tree, parents before children."""
    yield obj
    for child in obj.child_map().values():
        yield from _walk(child)
