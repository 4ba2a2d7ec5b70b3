"""One QOM object as ``qom-list`` and ``qom-get`` see it: its properties and children.

An object lists ``type`` first, then its other properties, then its
children in the order of QEMU's property hash table
(:func:`~qmonitor.chardev.container.listing_order`).  An object built
from a recording keeps the recorded listing verbatim (QEMU interleaves
instance properties and children) until a child is added to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from qmonitor.chardev.container import listing_order
from qmonitor.qapi.error import ErrorClass, QapiError
from qmonitor.qapi.texts import PROPERTY_NOT_FOUND

#: A property value: a constant, or computed when asked.
Value = Any | Callable[[], Any]


@dataclass(frozen=True, slots=True)
class Failing:
    """The value of a property whose ``qom-get`` fails in QEMU: the error it gives."""

    error_class: str
    desc: str


@dataclass(frozen=True, slots=True)
class Prop:
    """A non-child property: its QOM type name and value (``""`` for an empty link)."""

    name: str
    type: str
    value: Value = None
    #: ``qom-set``'s handler (given the value as QMP gave it), None: not settable this way.
    setter: Callable[[Any], None] | None = None


@dataclass(slots=True)
class QomObject:
    """An object: its type, properties (listing order) and children."""

    typename: str
    props: tuple[Prop, ...] = ()
    parent: QomObject | None = None
    name: str = ""
    #: Children by name in creation order; listed as the hash table orders them.
    children: dict[str, QomObject] = field(default_factory=dict)
    #: Computes the children when asked (``/chardevs``); overrides ``children``.
    dynamic: Callable[[QomObject], dict[str, QomObject]] | None = None
    #: The listing QEMU gave, as (name, type) pairs, while it still holds.
    recorded: list[tuple[str, str]] | None = None

    def add(self, name: str, child: QomObject) -> QomObject:
        child.parent, child.name = self, name
        self.children[name] = child
        self.recorded = None
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
        if self.recorded is not None:
            return [{"name": name, "type": typ} for name, typ in self.recorded]
        out = [{"name": "type", "type": "string"}]
        out.extend({"name": p.name, "type": p.type} for p in self.props)
        children = self.child_map()
        out.extend(
            {"name": name, "type": f"child<{children[name].typename}>"}
            for name in listing_order(children)
        )
        return out

    def get(self, prop: str) -> Any:
        if prop == "type":
            return self.typename
        for p in self.props:
            if p.name == prop:
                value = p.value() if callable(p.value) else p.value
                if isinstance(value, Failing):
                    raise QapiError(value.desc, ErrorClass(value.error_class))
                return value
        child = self.child_map().get(prop)
        if child is not None:
            return child.path()
        raise QapiError(PROPERTY_NOT_FOUND.format(self.typename, prop))
