"""The schema's entities: types, commands, events, their members, and their checks.

Each entity checks itself against the schema it belongs to, with QEMU's
messages (scripts/qapi/schema.py): unknown types, clashing members, bad
bases and discriminators, alternate branches that cannot be told apart.
:class:`qmonitor.qapi.schema.Schema` defines them and runs the checks.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from qmonitor.qapi.schema_source import QapiSchemaError, SourceInfo

if TYPE_CHECKING:
    from qmonitor.qapi.schema import Schema
    from qmonitor.qapi.schema_parser import Doc

#: Features QEMU itself interprets (-compat policy); not allowed on types.
SPECIAL_FEATURES = frozenset({"deprecated", "unstable"})

#: Builtin types: name -> JSON type (QAPISchema._def_predefineds).
BUILTINS: tuple[tuple[str, str], ...] = (
    ("str", "string"),
    ("number", "number"),
    ("int", "int"),
    ("int8", "int"),
    ("int16", "int"),
    ("int32", "int"),
    ("int64", "int"),
    ("uint8", "int"),
    ("uint16", "int"),
    ("uint32", "int"),
    ("uint64", "int"),
    ("size", "int"),
    ("bool", "boolean"),
    ("any", "value"),
    ("null", "null"),
)

#: JSON type -> the QType an alternate dispatches on.
_ALTERNATE_QTYPE = {
    "null": "QTYPE_QNULL",
    "string": "QTYPE_QSTRING",
    "number": "QTYPE_QNUM",
    "int": "QTYPE_QNUM",
    "boolean": "QTYPE_QBOOL",
    "object": "QTYPE_QDICT",
    "array": "QTYPE_QLIST",
}

IfCond = Any  # None, a symbol, or {'all'|'any': [...]} / {'not': ...}


class Member:
    """A named part of an entity: object member, enum value, feature, branch."""

    role = "member"
    # Slots: a schema has thousands of members, kept for the life of a process.
    __slots__ = ("defined_in", "ifcond", "info", "name")

    def __init__(self, name: str, info: SourceInfo | None, ifcond: IfCond = None) -> None:
        self.name = name
        self.info = info
        self.ifcond = ifcond
        self.defined_in: str | None = None

    def set_defined_in(self, name: str) -> None:
        assert self.defined_in is None
        self.defined_in = name

    def check_clash(self, info: SourceInfo | None, seen: dict[str, Member]) -> None:
        # Checking happens only when a schema is built from its text: the
        # checker's module is not needed to use a checked schema.
        from qmonitor.qapi.schema_expr import c_name

        cname = c_name(self.name)
        if cname in seen:
            raise QapiSchemaError(
                info, f"{self.describe(info)} collides with {seen[cname].describe(info)}"
            )
        seen[cname] = self

    def describe(self, info: SourceInfo | None) -> str:
        role = self.role
        defined_in = self.defined_in
        assert defined_in is not None
        if defined_in.startswith("q_obj_"):
            # An implicit type: say what it was made for.
            defined_in = defined_in[6:]
            if defined_in.endswith("-arg"):
                role = "parameter"
            elif defined_in.endswith("-base"):
                role = "base " + role
        elif info is not None and defined_in != info.defn_name:
            return f"{role} '{self.name}' of type '{defined_in}'"
        return f"{role} '{self.name}'"


class Feature(Member):
    role = "feature"
    __slots__ = ()


def _make_features(raw: list[dict[str, Any]] | None, info: SourceInfo | None) -> list[Feature]:
    return [Feature(f["name"], info, f.get("if")) for f in raw or []]


class EnumMember(Member):
    role = "value"
    __slots__ = ("features",)

    def __init__(
        self,
        name: str,
        info: SourceInfo | None,
        ifcond: IfCond = None,
        features: list[Feature] | None = None,
    ) -> None:
        super().__init__(name, info, ifcond)
        self.features = features or []
        for feat in self.features:
            feat.set_defined_in(name)


class ObjectMember(Member):
    """A member of an object type; ``type`` is set by :meth:`check`."""

    __slots__ = ("features", "optional", "type", "type_name")

    def __init__(
        self,
        name: str,
        info: SourceInfo | None,
        type_name: str,
        optional: bool,
        ifcond: IfCond = None,
        features: list[Feature] | None = None,
    ) -> None:
        super().__init__(name, info, ifcond)
        self.type_name = type_name
        self.type: SchemaType | None = None
        self.optional = optional
        self.features = features or []
        for feat in self.features:
            feat.set_defined_in(name)

    def check(self, schema: Schema) -> None:
        self.type = schema.resolve_type(self.type_name, self.info, self.describe)
        seen: dict[str, Member] = {}
        for feat in self.features:
            feat.check_clash(self.info, seen)


class Variant(ObjectMember):
    role = "branch"
    __slots__ = ()

    def __init__(
        self, name: str, info: SourceInfo | None, type_name: str, ifcond: IfCond = None
    ) -> None:
        super().__init__(name, info, type_name, False, ifcond)


class Entity:
    """A definition: a type, command, event, or include."""

    meta = ""

    def __init__(
        self,
        name: str,
        info: SourceInfo | None,
        doc: Doc | None = None,
        ifcond: IfCond = None,
        features: list[Feature] | None = None,
    ) -> None:
        self.name = name
        self.info = info
        self.doc = doc
        self.ifcond = ifcond
        self.features = features or []
        for feat in self.features:
            feat.set_defined_in(name)
        self.checked = False
        self.module: str | None = None

    def check(self, schema: Schema) -> None:
        assert not self.checked
        seen: dict[str, Member] = {}
        for feat in self.features:
            feat.check_clash(self.info, seen)
        self.checked = True

    def connect_doc(self, doc: Doc | None = None) -> None:
        doc = doc or self.doc
        if doc is not None:
            for feat in self.features:
                doc.connect_feature(feat.name, feat, feat.info)

    def check_doc(self) -> None:
        if self.doc is not None:
            self.doc.check()

    def is_implicit(self) -> bool:
        return self.info is None

    def describe(self) -> str:
        return f"{self.meta} '{self.name}'"


class Include(Entity):
    meta = "include"


class SchemaType(Entity):
    """A type; ``json_type`` is what its values look like on the wire."""

    def json_type(self) -> str:
        raise NotImplementedError

    def check(self, schema: Schema) -> None:
        super().check(schema)
        for feat in self.features:
            if feat.name in SPECIAL_FEATURES:
                raise QapiSchemaError(
                    self.info, f"feature '{feat.name}' is not supported for types"
                )

    def describe(self) -> str:
        return f"{self.meta} type '{self.name}'"


class BuiltinType(SchemaType):
    meta = "built-in"

    def __init__(self, name: str, json_type: str) -> None:
        super().__init__(name, None)
        self._json_type = json_type

    def json_type(self) -> str:
        return self._json_type


class EnumType(SchemaType):
    meta = "enum"

    def __init__(
        self,
        name: str,
        info: SourceInfo | None,
        doc: Doc | None,
        ifcond: IfCond,
        features: list[Feature] | None,
        members: list[EnumMember],
        prefix: str | None,
    ) -> None:
        super().__init__(name, info, doc, ifcond, features)
        for member in members:
            member.set_defined_in(name)
        self.members = members
        self.prefix = prefix

    def check(self, schema: Schema) -> None:
        super().check(schema)
        seen: dict[str, Member] = {}
        for member in self.members:
            member.check_clash(self.info, seen)

    def connect_doc(self, doc: Doc | None = None) -> None:
        super().connect_doc(doc)
        doc = doc or self.doc
        if doc is not None:
            for member in self.members:
                doc.connect_member(member.name, member)
                for feat in member.features:
                    doc.connect_feature(feat.name, feat, feat.info)

    def is_implicit(self) -> bool:
        return self.name == "QType"

    def json_type(self) -> str:
        return "string"


class ArrayType(SchemaType):
    meta = "array"

    def __init__(self, name: str, info: SourceInfo | None, element_type_name: str) -> None:
        super().__init__(name, info)
        self.element_type_name = element_type_name
        self.element_type: SchemaType | None = None

    def check(self, schema: Schema) -> None:
        super().check(schema)
        self.element_type = schema.resolve_type(
            self.element_type_name, self.info, self.info.defn_meta if self.info else None
        )

    def is_implicit(self) -> bool:
        return True

    def json_type(self) -> str:
        return "array"

    def describe(self) -> str:
        return f"{self.meta} type ['{self.element_type_name}']"


class Variants:
    """A union's branches (selected by ``tag_name``) or an alternate's."""

    def __init__(
        self,
        tag_name: str | None,
        info: SourceInfo | None,
        tag_member: ObjectMember | None,
        variants: list[Variant],
    ) -> None:
        assert (tag_name is None) != (tag_member is None)
        self.tag_name = tag_name
        self.info = info
        self.tag_member = tag_member
        self.variants = variants

    def set_defined_in(self, name: str) -> None:
        for variant in self.variants:
            variant.set_defined_in(name)

    def check(self, schema: Schema, seen: dict[str, Member]) -> None:
        from qmonitor.qapi.schema_expr import c_name

        if self.tag_name is not None:  # a union
            tag = seen.get(c_name(self.tag_name))
            base = "'base'"
            if not isinstance(tag, ObjectMember) or tag.name != self.tag_name:
                raise QapiSchemaError(
                    self.info, f"discriminator '{self.tag_name}' is not a member of {base}"
                )
            self.tag_member = tag
            assert tag.defined_in is not None
            base_type = schema.lookup_type(tag.defined_in)
            assert base_type is not None
            if not base_type.is_implicit():
                base = f"base type '{tag.defined_in}'"
            problem = None
            if not isinstance(tag.type, EnumType):
                problem = "be of enum type"
            elif tag.optional:
                problem = "not be optional"
            elif tag.ifcond is not None:
                problem = "not be conditional"
            if problem:
                raise QapiSchemaError(
                    self.info,
                    f"discriminator member '{self.tag_name}' of {base} must {problem}",
                )
            # Values without a branch get the empty type.
            assert isinstance(tag.type, EnumType)
            cases = {v.name for v in self.variants}
            for value in tag.type.members:
                if value.name not in cases:
                    variant = Variant(value.name, self.info, "q_empty", value.ifcond)
                    variant.set_defined_in(tag.defined_in)
                    self.variants.append(variant)
        if not self.variants:
            raise QapiSchemaError(self.info, "union has no branches")
        for variant in self.variants:
            variant.check(schema)
            if seen:  # a union's branches must be values of its tag enum
                assert self.tag_member is not None
                tag_type = self.tag_member.type
                assert isinstance(tag_type, EnumType)
                if variant.name not in [m.name for m in tag_type.members]:
                    raise QapiSchemaError(
                        self.info,
                        f"branch '{variant.name}' is not a value of {tag_type.describe()}",
                    )
                vtype = variant.type
                assert vtype is not None
                if not isinstance(vtype, ObjectType) or vtype.variants:
                    raise QapiSchemaError(
                        self.info,
                        f"{variant.describe(self.info)} cannot use {vtype.describe()}",
                    )
                vtype.check(schema)

    def check_clash(self, info: SourceInfo | None, seen: dict[str, Member]) -> None:
        for variant in self.variants:
            # Each branch is checked against the common members only.
            assert isinstance(variant.type, ObjectType)
            variant.type.check_clash(info, dict(seen))


class ObjectType(SchemaType):
    """A struct, a union (base plus variants), or an implicit ``q_obj_*`` type."""

    def __init__(
        self,
        name: str,
        info: SourceInfo | None,
        doc: Doc | None,
        ifcond: IfCond,
        features: list[Feature] | None,
        base_name: str | None,
        local_members: list[ObjectMember],
        variants: Variants | None,
    ) -> None:
        super().__init__(name, info, doc, ifcond, features)
        self.meta = "union" if variants else "struct"
        for member in local_members:
            member.set_defined_in(name)
        if variants is not None:
            variants.set_defined_in(name)
        self.base_name = base_name
        self.base: ObjectType | None = None
        self.local_members = local_members
        self.variants = variants
        self.members: list[ObjectMember] | None = None

    def check(self, schema: Schema) -> None:
        if self.members is not None:
            return  # checked already
        if self.checked:
            raise QapiSchemaError(self.info, f"object {self.name} contains itself")
        super().check(schema)
        seen: dict[str, Member] = {}
        if self.base_name:
            base = schema.resolve_type(self.base_name, self.info, "'base'")
            if not isinstance(base, ObjectType) or base.variants:
                raise QapiSchemaError(
                    self.info, f"'base' requires a struct type, {base.describe()} isn't"
                )
            self.base = base
            base.check(schema)
            base.check_clash(self.info, seen)
        for member in self.local_members:
            member.check(schema)
            member.check_clash(self.info, seen)
        members = [m for m in seen.values() if isinstance(m, ObjectMember)]
        if self.variants:
            self.variants.check(schema, seen)
            self.variants.check_clash(self.info, seen)
        self.members = members

    def check_clash(self, info: SourceInfo | None, seen: dict[str, Member]) -> None:
        assert self.members is not None and not self.variants
        for member in self.members:
            member.check_clash(info, seen)

    def connect_doc(self, doc: Doc | None = None) -> None:
        super().connect_doc(doc)
        doc = doc or self.doc
        if doc is not None:
            if self.base is not None and self.base.is_implicit():
                self.base.connect_doc(doc)
            for member in self.local_members:
                doc.connect_member(member.name, member)
                for feat in member.features:
                    doc.connect_feature(feat.name, feat, feat.info)

    def is_implicit(self) -> bool:
        return self.name.startswith("q_")

    def is_empty(self) -> bool:
        return not self.members and not self.variants

    def json_type(self) -> str:
        return "object"


class AlternateType(SchemaType):
    meta = "alternate"

    def __init__(
        self,
        name: str,
        info: SourceInfo | None,
        doc: Doc | None,
        ifcond: IfCond,
        features: list[Feature] | None,
        variants: Variants,
    ) -> None:
        super().__init__(name, info, doc, ifcond, features)
        assert variants.tag_member is not None
        variants.set_defined_in(name)
        variants.tag_member.set_defined_in(name)
        self.variants = variants

    def check(self, schema: Schema) -> None:
        super().check(schema)
        assert self.variants.tag_member is not None
        self.variants.tag_member.check(schema)
        self.variants.check(schema, {})
        seen: dict[str, Member] = {}
        types_seen: dict[str, str] = {}
        for variant in self.variants.variants:
            variant.check_clash(self.info, seen)
            vtype = variant.type
            assert vtype is not None
            qtype = _ALTERNATE_QTYPE.get(vtype.json_type())
            if qtype is None:
                raise QapiSchemaError(
                    self.info, f"{variant.describe(self.info)} cannot use {vtype.describe()}"
                )
            conflicting = {qtype}
            if qtype == "QTYPE_QSTRING":
                if isinstance(vtype, EnumType):
                    for value in vtype.members:
                        if value.name in ("on", "off"):
                            conflicting.add("QTYPE_QBOOL")
                        if re.match(r"[-+0-9.]", value.name):
                            conflicting.add("QTYPE_QNUM")
                else:
                    conflicting.update(("QTYPE_QNUM", "QTYPE_QBOOL"))
            for qt in sorted(conflicting):
                if qt in types_seen:
                    raise QapiSchemaError(
                        self.info,
                        f"{variant.describe(self.info)} can't be distinguished "
                        f"from '{types_seen[qt]}'",
                    )
                types_seen[qt] = variant.name

    def connect_doc(self, doc: Doc | None = None) -> None:
        super().connect_doc(doc)
        doc = doc or self.doc
        if doc is not None:
            for variant in self.variants.variants:
                doc.connect_member(variant.name, variant)

    def json_type(self) -> str:
        return "value"


class _ArgsEntity(Entity):
    """What commands and events share: an argument type, maybe boxed."""

    def __init__(
        self,
        name: str,
        info: SourceInfo | None,
        doc: Doc | None,
        ifcond: IfCond,
        features: list[Feature] | None,
        arg_type_name: str | None,
        boxed: bool,
    ) -> None:
        super().__init__(name, info, doc, ifcond, features)
        self.arg_type_name = arg_type_name
        self.arg_type: ObjectType | None = None
        self.boxed = boxed

    def check(self, schema: Schema) -> None:
        super().check(schema)
        if self.arg_type_name:
            what = f"{self.meta}'s 'data'"
            arg_type = schema.resolve_type(self.arg_type_name, self.info, what)
            if not isinstance(arg_type, ObjectType):
                raise QapiSchemaError(self.info, f"{what} cannot take {arg_type.describe()}")
            self.arg_type = arg_type
            if arg_type.variants and not self.boxed:
                raise QapiSchemaError(
                    self.info,
                    f"{what} can take {arg_type.describe()} only with 'boxed': true",
                )

    def connect_doc(self, doc: Doc | None = None) -> None:
        super().connect_doc(doc)
        doc = doc or self.doc
        if doc is not None and self.arg_type is not None and self.arg_type.is_implicit():
            self.arg_type.connect_doc(doc)


class Command(_ArgsEntity):
    meta = "command"

    def __init__(
        self,
        name: str,
        info: SourceInfo | None,
        doc: Doc | None,
        ifcond: IfCond,
        features: list[Feature] | None,
        arg_type_name: str | None,
        ret_type_name: str | None,
        *,
        gen: bool = True,
        success_response: bool = True,
        boxed: bool = False,
        allow_oob: bool = False,
        allow_preconfig: bool = False,
        coroutine: bool = False,
    ) -> None:
        super().__init__(name, info, doc, ifcond, features, arg_type_name, boxed)
        self.ret_type_name = ret_type_name
        self.ret_type: SchemaType | None = None
        self.gen = gen
        self.success_response = success_response
        self.allow_oob = allow_oob
        self.allow_preconfig = allow_preconfig
        self.coroutine = coroutine

    def check(self, schema: Schema) -> None:
        super().check(schema)
        if self.ret_type_name:
            what = "command's 'returns'"
            ret_type = schema.resolve_type(self.ret_type_name, self.info, what)
            self.ret_type = ret_type
            assert self.info is not None
            if self.name not in self.info.pragma.command_returns_exceptions:
                typ: SchemaType | None = ret_type
                if isinstance(typ, ArrayType):
                    typ = typ.element_type
                if not isinstance(typ, ObjectType):
                    raise QapiSchemaError(self.info, f"{what} cannot take {ret_type.describe()}")


class Event(_ArgsEntity):
    meta = "event"
