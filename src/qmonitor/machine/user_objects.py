"""``object-add``, ``object-del`` and ``qom-set``: user-created objects in ``/objects``.

``object-add`` takes the schema's ObjectOptions (the dispatcher has checked
the arguments against it, with QEMU's texts), then does what
qom/object_interfaces.c's user_creatable_add_type does, in its order:
check the id, set the properties (the type's own checks, such as a memory
backend's non-zero size), add the child to ``/objects`` (a duplicate id
fails there), then complete the object (a secret needs its data).
``object-del`` removes a child of ``/objects`` unless the machine uses it.

Objects of the types below have QEMU 7.2's properties (listing order,
values, and which of them can change once the object exists, recorded
from QEMU); an object of another type lists the properties it was given.
``qom-set`` sets a property of such an object, or a string or boolean
property of the machine, with the visitors' type checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qmonitor.machine.schema import machine_schema
from qmonitor.qapi.binding import bind_command, schema_type
from qmonitor.qapi.error import ErrorClass, QapiError
from qmonitor.qapi.texts import DEVICE_NOT_FOUND, INVALID_PARAMETER_VALUE, PROPERTY_NOT_FOUND
from qmonitor.qapi.types import Path, QType
from qmonitor.util.texts import NOT_WRITABLE

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine
    from qmonitor.machine.qom import QomObject, QomTree

# Texts of QEMU 7.2: qom/object.c, qom/object_interfaces.c, backends/hostmem.c,
# crypto/secret_common.c.
DUPLICATE_CHILD = "attempt to add duplicate property '{}' to object (type '{}')"
OBJECT_NOT_FOUND = "object '{}' not found"
OBJECT_IN_USE = "object '{}' is in use, can not be deleted"
NOT_AN_IDENTIFIER = INVALID_PARAMETER_VALUE.format("id", "an identifier")
SIZE_ZERO = "property 'size' of {} doesn't take value '0'"
BACKEND_FIXED = "cannot change property value"
BACKEND_SIZE_FIXED = "cannot change property size of {} "
SECRET_NEEDS_DATA = "Either 'file' or 'data' must be provided"

#: qmonitor's own text: setting this property is not modelled.
SET_NOT_MODELLED = "qmonitor: setting property '{}.{}' is not modelled"

#: id_wellformed() (util/id.c): a letter, then letters, digits, '-', '.', '_'.
_ID = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*\Z")

_MEMORY_BACKENDS = ("memory-backend-ram", "memory-backend-file", "memory-backend-memfd")


@dataclass(frozen=True, slots=True)
class PropSpec:
    """A class property: QOM type, QAPI type of its value, default, and whether it is fixed."""

    name: str
    qom_type: str
    qapi_type: str
    default: Any
    #: The error text for setting it once the object exists (None: it can be set).
    fixed: str | None = None
    #: Whether that error comes before the value is read (a bool property's
    #: setter reads the value first).
    fixed_first: bool = False


#: The properties of a memory backend, in QEMU 7.2's listing order.
_BACKEND_PROPS = (
    PropSpec("share", "bool", "bool", False, BACKEND_FIXED),
    PropSpec("size", "int", "size", 0, BACKEND_SIZE_FIXED, fixed_first=True),
    PropSpec("dump", "bool", "bool", True),
    PropSpec("prealloc-threads", "int", "uint32", 1),
    PropSpec("x-use-canonical-path-for-ramblock-id", "bool", "bool", False),
    PropSpec("policy", "HostMemPolicy", "HostMemPolicy", "default"),
    PropSpec("prealloc-context", "link<thread-context>", "str", ""),
    PropSpec("prealloc", "bool", "bool", False),
    PropSpec("reserve", "bool", "bool", True, BACKEND_FIXED),
    PropSpec("host-nodes", "int", "[uint16]", []),
    PropSpec("merge", "bool", "bool", True),
)

#: The properties of an iothread, in QEMU 7.2's listing order.
_IOTHREAD_PROPS = (
    PropSpec("thread-pool-min", "int", "int", 0),
    PropSpec("aio-max-batch", "int", "int", 0),
    PropSpec("thread-pool-max", "int", "int", 64),
    PropSpec("poll-max-ns", "int", "int", 32768),
    PropSpec("poll-grow", "int", "int", 0),
    PropSpec("poll-shrink", "int", "int", 0),
)

CLASS_PROPS: dict[str, tuple[PropSpec, ...]] = {
    "memory-backend-ram": _BACKEND_PROPS,
    "iothread": _IOTHREAD_PROPS,
}


def _qtype(name: str) -> QType:
    from qmonitor.qapi import types as t

    if name.startswith("["):
        return t.ArrayType(_qtype(name[1:-1]))
    return schema_type(machine_schema(), name)


def _qom_type_of(value: Any) -> str:
    """The QOM type of a property an unmodelled object was given."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, str):
        return "string"
    return "any"


@dataclass(slots=True)
class UserObject:
    """What object-add made: its QOM object and its property specifications."""

    obj: QomObject
    specs: dict[str, PropSpec] = field(default_factory=dict)


class UserObjects:
    """The machine's ``/objects``: object-add, object-del and qom-set over its QOM tree."""

    def __init__(self, machine: Machine, tree: QomTree) -> None:
        self.machine = machine
        self.tree = tree
        self.made: dict[int, UserObject] = {}

    def add(self, options: dict[str, Any]) -> None:
        from qmonitor.machine.qom import Prop, QomObject, _memory_region

        qom_type: str = options["qom-type"]
        ident: str = options["id"]
        given = {k: v for k, v in options.items() if k not in ("qom-type", "id")}
        if not _ID.match(ident):
            raise QapiError(NOT_AN_IDENTIFIER)
        if qom_type.startswith("memory-backend-") and given.get("size") == 0:
            raise QapiError(SIZE_ZERO.format(qom_type))
        specs = {s.name: s for s in CLASS_PROPS.get(qom_type, ())}
        if specs:
            # -mem-prealloc: every backend preallocates unless it says otherwise.
            sugar = {"prealloc": True} if self.machine.options.guest.mem_prealloc else {}
            props = tuple(
                Prop(s.name, s.qom_type, given.get(s.name, sugar.get(s.name, s.default)))
                for s in specs.values()
            )
        else:
            props = tuple(Prop(k, _qom_type_of(v), v) for k, v in given.items())
        root = self.tree.objects_root()
        if ident in root.children:
            raise QapiError(DUPLICATE_CHILD.format(ident, root.typename))
        if qom_type == "secret" and "data" not in given and "file" not in given:
            raise QapiError(SECRET_NEEDS_DATA)
        obj = QomObject(qom_type, props)
        if qom_type in _MEMORY_BACKENDS:
            obj.add(f"{ident}[0]", _memory_region(given.get("size", 0)))
        root.add(ident, obj)
        self.made[id(obj)] = UserObject(obj, specs)

    def delete(self, ident: str) -> None:
        root = self.tree.objects_root()
        obj = root.children.get(ident)
        if obj is None:
            raise QapiError(OBJECT_NOT_FOUND.format(ident))
        if self._in_use(ident, obj):
            raise QapiError(OBJECT_IN_USE.format(ident))
        del root.children[ident]
        obj.parent = None
        self.made.pop(id(obj), None)

    def _in_use(self, ident: str, obj: QomObject) -> bool:
        from qmonitor.machine.qom import DEFAULT_RAM_ID

        if not obj.typename.startswith("memory-backend-"):
            return False
        from qmonitor.machine.devices.dimms import mapped_backend

        if mapped_backend(self.machine, ident):
            return True
        # The machine's RAM: -machine memory-backend, or the one a PC makes.
        guest = self.machine.options.guest
        backend = dict(guest.machine_props).get("memory-backend")
        if backend is None and self.machine.options.has_cpus:
            backend = DEFAULT_RAM_ID
        return ident == backend

    def set(self, path: str, prop: str, value: Any) -> None:
        from qmonitor.machine.qom import Prop

        obj, _ = self.tree.resolve(path)
        if obj is None:
            raise QapiError(DEVICE_NOT_FOUND.format(path), ErrorClass.DEVICE_NOT_FOUND)
        index = next((i for i, p in enumerate(obj.props) if p.name == prop), None)
        if index is None:
            if prop == "type" or prop in obj.child_map():
                raise QapiError(NOT_WRITABLE.format(obj.typename, prop))
            raise QapiError(PROPERTY_NOT_FOUND.format(obj.typename, prop))
        current = obj.props[index]
        if current.setter is not None:
            current.setter(value)  # a device's property that checks and visits its value
            return
        made = self.made.get(id(obj))
        if made is not None:
            spec = made.specs.get(prop)
            qapi_type = spec.qapi_type if spec is not None else None
        elif obj.parent is self.tree.root and obj.name == "machine":
            qapi_type = {"string": "str", "bool": "bool"}.get(current.type)
            if qapi_type is None:
                raise QapiError(SET_NOT_MODELLED.format(obj.typename, prop))
            spec = None
        else:
            raise QapiError(NOT_WRITABLE.format(obj.typename, prop))
        fixed = spec.fixed if spec is not None else None
        if fixed is not None and spec is not None and spec.fixed_first:
            raise QapiError(fixed.format(obj.typename))
        if qapi_type is not None:
            value = _qtype(qapi_type).visit(value, Path().member(prop), prop)
        if fixed is not None:
            raise QapiError(fixed.format(obj.typename))
        props = list(obj.props)
        props[index] = Prop(current.name, current.type, value)
        obj.props = tuple(props)


def register_object_commands(machine: Machine) -> None:
    """``object-add``, ``object-del`` and ``qom-set`` on ``machine``."""
    from qmonitor.machine.qom_commands import machine_qom

    schema = machine_schema()
    full = machine.commands.full
    objects: UserObjects | None = None

    def user_objects() -> UserObjects:
        nonlocal objects
        if objects is None:
            objects = UserObjects(machine, machine_qom(machine))
        return objects

    def object_add(options: dict[str, Any]) -> None:
        user_objects().add(options)

    def object_del(id: str) -> None:
        user_objects().delete(id)

    def qom_set(path: str, property: str, value: Any) -> None:
        user_objects().set(path, property, value)

    full.register(bind_command(schema, "qom-set", qom_set))
    full.register(bind_command(schema, "object-add", object_add))
    full.register(bind_command(schema, "object-del", object_del))
