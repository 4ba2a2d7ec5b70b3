"""Schema-first commands and events: bind Python handlers to a checked schema.

:func:`bind_command` makes a :class:`QmpCommand` from a schema command and
a handler: the arguments are validated and converted by QEMU's input
visitor rules (types.py) built from the schema's types, and the command
takes the schema's flags (``allow-oob``, ``allow-preconfig``,
``coroutine``, ``success-response``).  A ``boxed`` command's handler gets
one dict of the arguments (member names as on the wire); others get
keyword arguments (``-`` turned into ``_``).

:func:`check_event` validates an event's data against the schema before
:func:`emit_event` hands it to an emitter (qapi does not know the
monitors: the caller passes what sends an event to them, such as
``Machine.emit_event``), and :func:`check_return`
checks a handler's return value against ``returns`` (for tests).  Misuse
(unknown names, data that does not fit) raises :class:`SchemaBindingError`;
a client's bad arguments become QMP error replies as always.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from qmonitor.errors import QmonitorError
from qmonitor.qapi import schema as s
from qmonitor.qapi import types as t
from qmonitor.qapi.commands import Handler, QmpCommand, QmpCommandList
from qmonitor.qapi.error import QapiError

#: What sends an event to the monitors: ``emit(name, data)``.
EventEmitter = Callable[[str, dict[str, Any] | None], None]

#: The QType an alternate branch of a JSON type is chosen by.
_ALTERNATE_KEY = {
    "string": "str",
    "number": "num",
    "int": "num",
    "boolean": "bool",
    "object": "dict",
    "null": "null",
    "array": "list",
}


class SchemaBindingError(ValueError, QmonitorError):
    """A handler, event or value does not fit the schema (a program error)."""


class TypeBuilder:
    """Builds (and caches) the input-visitor type of each schema type."""

    def __init__(self, schema: s.Schema) -> None:
        self.schema = schema
        self._cache: dict[str, t.QType] = {}
        self._building: set[str] = set()

    def build(self, typ: s.SchemaType) -> t.QType:
        name = typ.name
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        if name in self._building:  # a recursive reference
            return t.LazyType(lambda: self._cache[name])
        self._building.add(name)
        try:
            built = self._make(typ)
        finally:
            self._building.discard(name)
        self._cache[name] = built
        return built

    def _make(self, typ: s.SchemaType) -> t.QType:
        enabled = self.schema.enabled
        if isinstance(typ, s.BuiltinType):
            return t.BUILTIN_TYPES[typ.name]
        if isinstance(typ, s.EnumType):
            return t.EnumType(typ.name, tuple(m.name for m in typ.members if enabled(m.ifcond)))
        if isinstance(typ, s.ArrayType):
            assert typ.element_type is not None
            return t.ArrayType(self.build(typ.element_type))
        if isinstance(typ, s.AlternateType):
            branches = tuple(
                (_ALTERNATE_KEY[_typ(v.type).json_type()], self.build(_typ(v.type)))
                for v in typ.variants.variants
                if enabled(v.ifcond)
            )
            return t.AlternateType(typ.name, branches)
        assert isinstance(typ, s.ObjectType) and typ.members is not None
        members = tuple(
            t.Member(m.name, self.build(_typ(m.type)), m.optional)
            for m in typ.members
            if enabled(m.ifcond)
        )
        if not typ.variants:
            return t.ObjectType(typ.name, members)
        assert typ.variants.tag_member is not None
        variants = []
        for v in typ.variants.variants:
            if enabled(v.ifcond):
                branch = self.build(_typ(v.type))
                assert isinstance(branch, t.ObjectType)
                variants.append((v.name, branch))
        return t.UnionType(typ.name, members, typ.variants.tag_member.name, tuple(variants))


def _typ(typ: s.SchemaType | None) -> s.SchemaType:
    assert typ is not None
    return typ


def _builder(schema: s.Schema) -> TypeBuilder:
    builder: TypeBuilder | None = getattr(schema, "_qmonitor_types", None)
    if builder is None:
        builder = TypeBuilder(schema)
        schema._qmonitor_types = builder  # type: ignore[attr-defined]
    return builder


def _entity(schema: s.Schema, name: str, kind: type[s.Command] | type[s.Event]) -> Any:
    ent = schema.lookup_entity(name)
    if not isinstance(ent, kind) or not schema.enabled(ent.ifcond):
        raise SchemaBindingError(f"the schema has no {kind.meta} '{name}'")
    return ent


class _BoxedCommand(QmpCommand):
    """A ``boxed`` command: the handler receives the arguments as one dict."""

    def call(self, arguments: dict[str, Any]) -> Any:
        assert self.args is not None
        return self.handler(self.args.visit_members(arguments, t.Path()))


def schema_type(schema: s.Schema, name: str) -> t.QType:
    """The input-visitor type of the schema's type ``name`` (an enum, a struct, ...)."""
    typ = schema.lookup_type(name)
    if typ is None or not schema.enabled(typ.ifcond):
        raise SchemaBindingError(f"the schema has no type '{name}'")
    return _builder(schema).build(typ)


def arg_type(schema: s.Schema, name: str) -> t.ObjectType | None:
    """The input-visitor type of a command's arguments (None: it takes none)."""
    cmd: s.Command = _entity(schema, name, s.Command)
    if cmd.arg_type is None:
        return None
    built = _builder(schema).build(cmd.arg_type)
    assert isinstance(built, t.ObjectType)
    return built


def bind_command(
    schema: s.Schema, name: str, handler: Handler, *, any_thread: bool = False
) -> QmpCommand:
    """A :class:`QmpCommand` running ``handler`` for schema command ``name``."""
    cmd: s.Command = _entity(schema, name, s.Command)
    args = arg_type(schema, name)
    cls = _BoxedCommand if cmd.boxed else QmpCommand
    return cls(
        name,
        handler,
        args,
        allow_oob=cmd.allow_oob,
        allow_preconfig=cmd.allow_preconfig,
        coroutine=cmd.coroutine,
        success_response=cmd.success_response,
        any_thread=any_thread and not cmd.coroutine,
    )


def bind_commands(
    schema: s.Schema, cmds: QmpCommandList, handlers: Mapping[str, Handler]
) -> list[QmpCommand]:
    """Register a handler for each named schema command; return the commands."""
    return [cmds.register(bind_command(schema, name, fn)) for name, fn in handlers.items()]


def check_event(schema: s.Schema, name: str, data: Mapping[str, Any] | None) -> None:
    """Check an event's data against the schema (raise SchemaBindingError)."""
    event: s.Event = _entity(schema, name, s.Event)
    if event.arg_type is None or event.arg_type.is_empty():
        if data:
            raise SchemaBindingError(f"event {name} takes no data")
        return
    if not isinstance(data, Mapping):
        raise SchemaBindingError(f"event {name} needs data")
    built = _builder(schema).build(event.arg_type)
    assert isinstance(built, t.ObjectType)
    try:
        built.visit_members(dict(data), t.Path())
    except QapiError as err:
        raise SchemaBindingError(f"event {name}: {err.desc}") from None


def emit_event(
    emit: EventEmitter, schema: s.Schema, name: str, data: Mapping[str, Any] | None = None
) -> None:
    """Check an event's data, then hand it to ``emit`` (e.g. ``machine.emit_event``)."""
    check_event(schema, name, data)
    emit(name, dict(data) if data is not None else None)


def check_return(schema: s.Schema, name: str, value: Any) -> None:
    """Check a command's return value against its ``returns`` (raise SchemaBindingError)."""
    cmd: s.Command = _entity(schema, name, s.Command)
    if cmd.ret_type is None:
        if value not in (None, {}):
            raise SchemaBindingError(f"command {name} returns nothing, not {value!r}")
        return
    built = _builder(schema).build(cmd.ret_type)
    try:
        built.visit(value, t.Path(), None)
    except QapiError as err:
        raise SchemaBindingError(f"command {name} returned a bad value: {err.desc}") from None
