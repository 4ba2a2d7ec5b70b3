"""The checked schema: entities (types, commands, events) and their semantic checks.

:func:`load_schema` parses a schema file, checks each expression
(schema_expr.py), defines the entities QEMU's generator would (builtins,
``q_empty``, ``QType``, array types ``FooList``, implicit argument and
base types ``q_obj_NAME-arg``/``-base``) and checks them against each
other with QEMU's messages (scripts/qapi/schema.py): unknown types,
clashing members, bad bases and discriminators, indistinguishable
alternate branches, doc comments that do not match.

``if`` conditions are kept as written; :meth:`Schema.enabled` evaluates
one against the configuration symbols the schema was loaded with (like
the C preprocessor, an undefined symbol is false).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Collection, Iterator
from typing import TYPE_CHECKING, Any

from qmonitor.qapi.schema_model import (
    BUILTINS,
    SPECIAL_FEATURES,
    AlternateType,
    ArrayType,
    BuiltinType,
    Command,
    Entity,
    EnumMember,
    EnumType,
    Event,
    Feature,
    IfCond,
    Include,
    Member,
    ObjectMember,
    ObjectType,
    SchemaType,
    Variant,
    Variants,
    _make_features,
)
from qmonitor.qapi.schema_source import QapiSchemaError, SourceInfo

if TYPE_CHECKING:
    from qmonitor.qapi.schema_parser import Doc, Reader


class Schema:
    """A checked schema.

    :param fname: the main schema file.
    :param defined: the configuration symbols ``if`` conditions test.
    :param reader: reads a file by name (default: the file system).

    The parser and the expression checker are imported here, not with the
    module: a process that loads a checked schema from the disk cache
    never needs them.
    """

    def __init__(
        self, fname: str, defined: Collection[str] = (), reader: Reader | None = None
    ) -> None:
        from qmonitor.qapi.schema_expr import check_exprs
        from qmonitor.qapi.schema_parser import SchemaParser, read_file

        self.fname = fname
        self.defined = frozenset(defined)
        parser = SchemaParser(fname, reader or read_file)
        exprs = check_exprs(parser.exprs)
        self.docs = parser.docs
        self.entities: list[Entity] = []
        self._by_name: dict[str, Entity] = {}
        self._schema_dir = os.path.dirname(fname)
        self._module_names: dict[str, str] = {}  # file name -> _module_name()
        #: Module names in QEMU's visiting order: builtins (None), main, includes.
        self.modules: list[str | None] = [None, self._module_name(fname)]
        self._predefining = True
        self._def_predefineds()
        self._predefining = False
        for parsed in exprs:
            self._def_expr(parsed.expr, parsed.info, parsed.doc)
        for ent in self.entities:
            ent.check(self)
            ent.connect_doc()
            ent.check_doc()
        for ent in self.entities:
            info = ent.info
            if isinstance(ent, ArrayType):
                assert ent.element_type is not None
                info = ent.element_type.info
            ent.module = self._module_name(info.fname) if info is not None else None

    def drop_docs(self) -> None:
        """Forget the doc comments, once checked: what runs commands never reads them.

        They are most of a schema's memory (about 2 MB of the null
        machine's 2.7), and a schema kept for the life of a process needs
        its types, commands and events only.
        """
        self.docs = []
        for ent in self.entities:
            ent.doc = None

    def share_strings(self) -> None:
        """Make equal strings one object throughout the schema.

        Names recur (a type's name in every member of that type, member
        names across types); a schema read back from a pickle keeps one
        copy of each only if they were one object when it was written.
        """
        canon: dict[str, str] = {}

        def one(value: object) -> object:
            return canon.setdefault(value, value) if type(value) is str else value

        seen: set[int] = set()
        stack: list[object] = [self]
        while stack:
            obj = stack.pop()
            if id(obj) in seen or isinstance(obj, type):
                continue
            seen.add(id(obj))
            if isinstance(obj, list):
                obj[:] = [one(v) for v in obj]
                stack.extend(obj)
            elif isinstance(obj, dict):
                items = [(one(k), one(v)) for k, v in obj.items()]
                obj.clear()
                obj.update(items)
                stack.extend(v for _, v in items)
            elif isinstance(obj, tuple | frozenset | set):
                stack.extend(obj)
            elif not isinstance(obj, str | int | float | bool) and obj is not None:
                attrs = getattr(obj, "__dict__", None)
                if attrs is not None:
                    stack.append(attrs)
                for base in type(obj).__mro__:
                    for name in getattr(base, "__slots__", ()):
                        if hasattr(obj, name):
                            value = getattr(obj, name)
                            # A frozen object keeps its own copy.
                            with contextlib.suppress(AttributeError, TypeError):
                                setattr(obj, name, one(value))
                            stack.append(value)

    # Look-ups.

    def lookup_entity(self, name: str) -> Entity | None:
        return self._by_name.get(name)

    def lookup_type(self, name: str) -> SchemaType | None:
        ent = self._by_name.get(name)
        return ent if isinstance(ent, SchemaType) else None

    def resolve_type(
        self,
        name: str,
        info: SourceInfo | None,
        what: str | Callable[[SourceInfo | None], str] | None,
    ) -> SchemaType:
        typ = self.lookup_type(name)
        if typ is None:
            if callable(what):
                what = what(info)
            raise QapiSchemaError(info, f"{what} uses unknown type '{name}'")
        return typ

    def commands(self) -> Iterator[Command]:
        return (e for e in self.entities if isinstance(e, Command) and self.enabled(e.ifcond))

    def events(self) -> Iterator[Event]:
        return (e for e in self.entities if isinstance(e, Event) and self.enabled(e.ifcond))

    def enabled(self, ifcond: IfCond) -> bool:
        """Is a condition true for this schema's configuration symbols?"""
        if ifcond is None:
            return True
        if isinstance(ifcond, str):
            return ifcond in self.defined
        if "not" in ifcond:
            return not self.enabled(ifcond["not"])
        if "all" in ifcond:
            return all(self.enabled(c) for c in ifcond["all"])
        return any(self.enabled(c) for c in ifcond["any"])

    def type_enabled(self, typ: SchemaType) -> bool:
        if isinstance(typ, ArrayType):
            assert typ.element_type is not None
            return self.type_enabled(typ.element_type)
        return self.enabled(typ.ifcond)

    # Definitions.

    def _module_name(self, fname: str) -> str:
        # Asked once per entity, of a handful of files: relpath() is slow.
        name = self._module_names.get(fname)
        if name is None:
            name = self._module_names[fname] = os.path.relpath(fname, self._schema_dir)
        return name

    def _def_entity(self, ent: Entity) -> None:
        assert ent.info is not None or self._predefining
        self.entities.append(ent)
        if isinstance(ent, Include):
            return
        other = self._by_name.get(ent.name)
        if other is not None:
            if other.info is not None:
                where = QapiSchemaError(other.info, "previous definition")
                raise QapiSchemaError(ent.info, f"'{ent.name}' is already defined\n{where}")
            raise QapiSchemaError(ent.info, f"{other.describe()} is already defined")
        self._by_name[ent.name] = ent

    def _def_predefineds(self) -> None:
        for name, json_type in BUILTINS:
            self._def_entity(BuiltinType(name, json_type))
            self._make_array_type(name, None)
        self.the_empty_object_type = ObjectType("q_empty", None, None, None, None, None, [], None)
        self._def_entity(self.the_empty_object_type)
        qtypes = ["none", "qnull", "qnum", "qstring", "qdict", "qlist", "qbool"]
        self._def_entity(
            EnumType(
                "QType", None, None, None, None, [EnumMember(n, None) for n in qtypes], "QTYPE"
            )
        )

    def _make_array_type(self, element_type: str, info: SourceInfo | None) -> str:
        name = element_type + "List"  # 'List' suffixes are reserved for this
        if self.lookup_type(name) is None:
            self._def_entity(ArrayType(name, info, element_type))
        return name

    def _make_implicit_object_type(
        self,
        name: str,
        info: SourceInfo,
        ifcond: IfCond,
        role: str,
        members: list[ObjectMember],
    ) -> str | None:
        if not members:
            return None
        name = f"q_obj_{name}-{role}"
        if self.lookup_entity(name) is None:
            self._def_entity(ObjectType(name, info, None, ifcond, None, None, members, None))
        return name

    def _make_member(
        self,
        name: str,
        typ: str | list[str],
        ifcond: IfCond,
        features: list[dict[str, Any]] | None,
        info: SourceInfo,
    ) -> ObjectMember:
        optional = name.startswith("*")
        if optional:
            name = name[1:]
        if isinstance(typ, list):
            typ = self._make_array_type(typ[0], info)
        return ObjectMember(name, info, typ, optional, ifcond, _make_features(features, info))

    def _make_members(self, data: dict[str, Any], info: SourceInfo) -> list[ObjectMember]:
        return [
            self._make_member(key, value["type"], value.get("if"), value.get("features"), info)
            for key, value in data.items()
        ]

    def _def_expr(self, expr: dict[str, Any], info: SourceInfo, doc: Doc | None) -> None:
        ifcond = expr.get("if")
        features = _make_features(expr.get("features"), info)
        if "include" in expr:
            module = self._module_name(expr["include"])
            if module not in self.modules:
                self.modules.append(module)
            self._def_entity(Include(module, info))
        elif "enum" in expr:
            members = [
                EnumMember(v["name"], info, v.get("if"), _make_features(v.get("features"), info))
                for v in expr["data"]
            ]
            self._def_entity(
                EnumType(expr["enum"], info, doc, ifcond, features, members, expr.get("prefix"))
            )
        elif "struct" in expr:
            self._def_entity(
                ObjectType(
                    expr["struct"],
                    info,
                    doc,
                    ifcond,
                    features,
                    expr.get("base"),
                    self._make_members(expr["data"], info),
                    None,
                )
            )
        elif "union" in expr:
            name = expr["union"]
            base = expr["base"]
            if isinstance(base, dict):
                base = self._make_implicit_object_type(
                    name, info, ifcond, "base", self._make_members(base, info)
                )
            variants = [
                Variant(key, info, value["type"], value.get("if"))
                for key, value in expr["data"].items()
            ]
            self._def_entity(
                ObjectType(
                    name,
                    info,
                    doc,
                    ifcond,
                    features,
                    base,
                    [],
                    Variants(expr["discriminator"], info, None, variants),
                )
            )
        elif "alternate" in expr:
            variants = [
                Variant(
                    key,
                    info,
                    self._make_array_type(value["type"][0], info)
                    if isinstance(value["type"], list)
                    else value["type"],
                    value.get("if"),
                )
                for key, value in expr["data"].items()
            ]
            tag = ObjectMember("type", info, "QType", False)
            self._def_entity(
                AlternateType(
                    expr["alternate"],
                    info,
                    doc,
                    ifcond,
                    features,
                    Variants(None, info, tag, variants),
                )
            )
        elif "command" in expr:
            name = expr["command"]
            data = expr.get("data")
            if isinstance(data, dict):
                data = self._make_implicit_object_type(
                    name, info, ifcond, "arg", self._make_members(data, info)
                )
            rets = expr.get("returns")
            if isinstance(rets, list):
                rets = self._make_array_type(rets[0], info)
            self._def_entity(
                Command(
                    name,
                    info,
                    doc,
                    ifcond,
                    features,
                    data,
                    rets,
                    gen=expr.get("gen", True),
                    success_response=expr.get("success-response", True),
                    boxed=expr.get("boxed", False),
                    allow_oob=expr.get("allow-oob", False),
                    allow_preconfig=expr.get("allow-preconfig", False),
                    coroutine=expr.get("coroutine", False),
                )
            )
        else:
            name = expr["event"]
            data = expr.get("data")
            if isinstance(data, dict):
                data = self._make_implicit_object_type(
                    name, info, ifcond, "arg", self._make_members(data, info)
                )
            self._def_entity(
                Event(name, info, doc, ifcond, features, data, expr.get("boxed", False))
            )


def load_schema(fname: str, defined: Collection[str] = (), reader: Reader | None = None) -> Schema:
    """Load and check a schema file; raises :class:`QapiSchemaError` if it is bad."""
    return Schema(fname, defined, reader)


def load_schema_text(
    text: str,
    fname: str = "schema.json",
    defined: Collection[str] = (),
    files: dict[str, str] | None = None,
) -> Schema:
    """Load a schema given as a string (``files``: what it may include, by path)."""
    sources = dict(files or {})
    sources[fname] = text

    def reader(path: str) -> str:
        norm = os.path.normpath(path)
        for key, value in sources.items():
            if os.path.normpath(key) == norm:
                return value
        raise FileNotFoundError(2, "No such file or directory", path)

    return Schema(fname, defined, reader)


__all__ = [
    "BUILTINS",
    "SPECIAL_FEATURES",
    "AlternateType",
    "ArrayType",
    "BuiltinType",
    "Command",
    "Entity",
    "EnumMember",
    "EnumType",
    "Event",
    "Feature",
    "IfCond",
    "Include",
    "Member",
    "ObjectMember",
    "ObjectType",
    "Schema",
    "SchemaType",
    "Variant",
    "Variants",
    "load_schema",
    "load_schema_text",
]
