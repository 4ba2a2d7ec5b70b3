"""``query-qmp-schema``: the SchemaInfo list, built as QEMU's introspect.py builds it.

The rules, from QEMU 7.2's scripts/qapi/introspect.py (rewritten here):

- commands and events come first, module by module in definition order;
  then every type they use, in order of first use (types used by those
  types are appended as they are met);
- all sized integer types are shown as ``int`` (and arrays of them as
  ``[int]``); builtins keep their names, arrays are named ``[ELEMENT]``;
  every other type name is masked as a number, numbered by first use;
- an optional member gets ``"default": null``; ``features`` appear only
  when non-empty; ``allow-oob`` only when true; a command without
  arguments or return value uses the empty object type;
- what an ``if`` condition excludes is left out, as QEMU compiles it out.
"""

from __future__ import annotations

from typing import Any

from qmonitor.qapi.schema import (
    AlternateType,
    ArrayType,
    BuiltinType,
    Command,
    EnumType,
    Event,
    Feature,
    ObjectMember,
    ObjectType,
    Schema,
    SchemaType,
)


class _Introspector:
    def __init__(self, schema: Schema, unmask: bool) -> None:
        self.schema = schema
        self.unmask = unmask
        self.out: list[dict[str, Any]] = []
        self.used: list[SchemaType] = []
        self.names: dict[str, str] = {}

    def run(self) -> list[dict[str, Any]]:
        schema = self.schema
        for module in schema.modules:
            for ent in schema.entities:
                if ent.module != module or not schema.enabled(ent.ifcond):
                    continue
                if isinstance(ent, Command):
                    self._command(ent)
                elif isinstance(ent, Event):
                    self._event(ent)
        i = 0
        while i < len(self.used):  # grows while we go
            self._type(self.used[i])
            i += 1
        return self.out

    def _name(self, name: str) -> str:
        if self.unmask:
            return name
        return self.names.setdefault(name, str(len(self.names)))

    def _use_type(self, typ: SchemaType) -> str:
        schema = self.schema
        if typ.json_type() == "int":
            typ = _lookup(schema, "int")
        elif isinstance(typ, ArrayType):
            assert typ.element_type is not None
            if typ.element_type.json_type() == "int":
                typ = _lookup(schema, "intList")
        if typ not in self.used:
            self.used.append(typ)
        if isinstance(typ, BuiltinType):
            return typ.name
        if isinstance(typ, ArrayType):
            assert typ.element_type is not None
            return "[" + self._use_type(typ.element_type) + "]"
        return self._name(typ.name)

    def _features(self, features: list[Feature]) -> list[str]:
        return [f.name for f in features if self.schema.enabled(f.ifcond)]

    def _emit(
        self, name: str, meta: str, obj: dict[str, Any], features: list[Feature] | None
    ) -> None:
        if meta not in ("command", "event", "builtin", "array"):
            name = self._name(name)
        obj["name"] = name
        obj["meta-type"] = meta
        feats = self._features(features or [])
        if feats:
            obj["features"] = feats
        self.out.append(obj)

    def _member(self, member: ObjectMember) -> dict[str, Any]:
        assert member.type is not None
        obj: dict[str, Any] = {"name": member.name, "type": self._use_type(member.type)}
        if member.optional:
            obj["default"] = None
        feats = self._features(member.features)
        if feats:
            obj["features"] = feats
        return obj

    def _type(self, typ: SchemaType) -> None:
        enabled = self.schema.enabled
        if isinstance(typ, BuiltinType):
            self._emit(typ.name, "builtin", {"json-type": typ.json_type()}, None)
        elif isinstance(typ, EnumType):
            members = []
            for m in typ.members:
                if not enabled(m.ifcond):
                    continue
                entry: dict[str, Any] = {"name": m.name}
                feats = self._features(m.features)
                if feats:
                    entry["features"] = feats
                members.append(entry)
            values = [m.name for m in typ.members if enabled(m.ifcond)]
            self._emit(typ.name, "enum", {"members": members, "values": values}, typ.features)
        elif isinstance(typ, ArrayType):
            assert typ.element_type is not None
            element = self._use_type(typ.element_type)
            self._emit(f"[{element}]", "array", {"element-type": element}, None)
        elif isinstance(typ, ObjectType):
            assert typ.members is not None
            obj: dict[str, Any] = {
                "members": [self._member(m) for m in typ.members if enabled(m.ifcond)]
            }
            if typ.variants:
                assert typ.variants.tag_member is not None
                obj["tag"] = typ.variants.tag_member.name
                obj["variants"] = [
                    {"case": v.name, "type": self._use_type(_checked(v.type))}
                    for v in typ.variants.variants
                    if enabled(v.ifcond)
                ]
            self._emit(typ.name, "object", obj, typ.features)
        elif isinstance(typ, AlternateType):
            members = [
                {"type": self._use_type(_checked(v.type))}
                for v in typ.variants.variants
                if enabled(v.ifcond)
            ]
            self._emit(typ.name, "alternate", {"members": members}, typ.features)

    def _command(self, cmd: Command) -> None:
        empty = self.schema.the_empty_object_type
        obj: dict[str, Any] = {
            "arg-type": self._use_type(cmd.arg_type or empty),
            "ret-type": self._use_type(cmd.ret_type or empty),
        }
        if cmd.allow_oob:
            obj["allow-oob"] = True
        self._emit(cmd.name, "command", obj, cmd.features)

    def _event(self, event: Event) -> None:
        empty = self.schema.the_empty_object_type
        self._emit(
            event.name,
            "event",
            {"arg-type": self._use_type(event.arg_type or empty)},
            event.features,
        )


def _lookup(schema: Schema, name: str) -> SchemaType:
    typ = schema.lookup_type(name)
    assert typ is not None
    return typ


def _checked(typ: SchemaType | None) -> SchemaType:
    assert typ is not None
    return typ


def schema_info(schema: Schema, unmask: bool = False) -> list[dict[str, Any]]:
    """The ``query-qmp-schema`` reply for a schema (``unmask``: QEMU's -u)."""
    return _Introspector(schema, unmask).run()
