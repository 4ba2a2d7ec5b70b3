"""Code-first QAPI: typed Python functions become schema commands and events.

A :class:`CodeFirstSchema` collects definitions from type hints and writes
them as QAPI schema expressions, which go through the same parser and
checks as a schema file: both styles end in one :class:`Schema`, with
QEMU's validation, errors and introspection::

    api = CodeFirstSchema()

    @api.command(allow_preconfig=True)
    def set_speed(hz: Uint32, mode: Mode = Mode.FAST) -> SpeedInfo: ...

    @api.event("SPEED_CHANGED")
    def speed_changed(hz: int) -> None: ...

    schema = api.schema()
    api.register(schema, commands)            # QmpCommands for each function
    speed_changed.emit(machine.emit_event, schema, hz=5)

Type hints: ``int`` (or :data:`Int8` ... :data:`Uint64`, :data:`Size`),
``float``, ``bool``, ``str``, ``None``, ``Any``, ``enum.Enum`` subclasses
(string values), dataclasses and TypedDicts (structs), ``list[T]``,
``T | None`` (an optional member when it has a default), and unions of
several types (an alternate).  Python names use ``_`` where the wire has
``-``.  Handlers receive enums as members and structs as instances, and
may return dataclass instances and enums.
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import types
import typing
from collections.abc import Callable, Collection, Mapping
from typing import Annotated, Any, NotRequired, Required, Union, get_args, get_origin

from qmonitor.qapi.binding import EventEmitter, bind_command, emit_event
from qmonitor.qapi.commands import Handler, QmpCommand, QmpCommandList
from qmonitor.qapi.schema import Schema, load_schema_text


@dataclasses.dataclass(frozen=True)
class QapiName:
    """Marks an ``int`` as one of QAPI's sized integer types."""

    name: str


Int8 = Annotated[int, QapiName("int8")]
Int16 = Annotated[int, QapiName("int16")]
Int32 = Annotated[int, QapiName("int32")]
Int64 = Annotated[int, QapiName("int64")]
Uint8 = Annotated[int, QapiName("uint8")]
Uint16 = Annotated[int, QapiName("uint16")]
Uint32 = Annotated[int, QapiName("uint32")]
Uint64 = Annotated[int, QapiName("uint64")]
Size = Annotated[int, QapiName("size")]

_SCALARS: dict[Any, str] = {int: "int", float: "number", bool: "bool", str: "str"}


def _wire(name: str) -> str:
    return name.replace("_", "-")


def _quote(value: Any) -> str:
    """A value in the schema language (single-quoted strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        assert "'" not in value and "\\" not in value, value
        return f"'{value}'"
    if isinstance(value, list):
        return "[ " + ", ".join(_quote(v) for v in value) + " ]"
    assert isinstance(value, dict)
    return "{ " + ", ".join(f"{_quote(k)}: {_quote(v)}" for k, v in value.items()) + " }"


class _Converter:
    """How a wire value becomes the handler's value (enums, dataclasses)."""

    def __init__(self, hint: Any) -> None:
        self.hint = hint

    def __call__(self, value: Any) -> Any:
        return _to_python(self.hint, value)


def _strip(hint: Any) -> tuple[Any, bool]:
    """(hint without Optional, whether None was allowed)."""
    if get_origin(hint) in (Union, types.UnionType):
        args = [a for a in get_args(hint) if a is not type(None)]
        if len(args) < len(get_args(hint)):
            return (args[0] if len(args) == 1 else Union[tuple(args)]), True  # noqa: UP007
    return hint, False


def _to_python(hint: Any, value: Any) -> Any:
    hint, _ = _strip(hint)
    if value is None:
        return None
    origin = get_origin(hint)
    if origin is Annotated:
        return _to_python(get_args(hint)[0], value)
    if origin is list:
        (elt,) = get_args(hint)
        return [_to_python(elt, v) for v in value]
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type) and isinstance(value, dict):
        hints = typing.get_type_hints(hint, include_extras=True)
        kwargs = {
            f.name: _to_python(hints[f.name], value[_wire(f.name)])
            for f in dataclasses.fields(hint)
            if _wire(f.name) in value
        }
        return hint(**kwargs)
    return value


def to_wire(value: Any) -> Any:
    """A handler's return value as JSON: dataclasses, enums, lists, dicts."""
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            _wire(f.name): to_wire(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if getattr(value, f.name) is not None
        }
    if isinstance(value, list | tuple):
        return [to_wire(v) for v in value]
    if isinstance(value, dict):
        return {k: to_wire(v) for k, v in value.items()}
    return value


@dataclasses.dataclass
class CodeFirstCommand:
    """A command defined by a function."""

    name: str
    fn: Callable[..., Any]
    converters: dict[str, _Converter]

    def handler(self, **kwargs: Any) -> Any:
        args = {k: self.converters[k](v) for k, v in kwargs.items()}
        result = self.fn(**args)
        if inspect.isawaitable(result):

            async def finish() -> Any:
                return to_wire(await result)

            return finish()
        return to_wire(result)


@dataclasses.dataclass
class CodeFirstEvent:
    """An event defined by a function's signature; :meth:`emit` sends it."""

    name: str

    def emit(self, emit: EventEmitter, schema: Schema, **data: Any) -> None:
        """Check the event against ``schema`` and send it through ``emit``."""
        wire = {_wire(k): to_wire(v) for k, v in data.items() if v is not None}
        emit_event(emit, schema, self.name, wire or None)


class CodeFirstSchema:
    """Collects code-first definitions; :meth:`schema` checks and builds them."""

    def __init__(self) -> None:
        self.exprs: list[dict[str, Any]] = []
        self._types: dict[Any, str] = {}
        self.commands: list[CodeFirstCommand] = []
        self.returns_exceptions: list[str] = []

    # Python types -> schema type names, defining structs/enums/alternates.

    def type_name(self, hint: Any) -> str | list[str]:
        hint, _ = _strip(hint)
        if hint is Any:
            return "any"
        if hint is None or hint is type(None):
            return "null"
        origin = get_origin(hint)
        if origin is Annotated:
            base, *meta = get_args(hint)
            for mark in meta:
                if isinstance(mark, QapiName):
                    return mark.name
            return self.type_name(base)
        if origin is list:
            (elt,) = get_args(hint)
            name = self.type_name(elt)
            if isinstance(name, list):
                raise TypeError("QAPI has no lists of lists")
            return [name]
        if origin in (Union, types.UnionType):
            return self._alternate(get_args(hint))
        if hint in _SCALARS:
            return _SCALARS[hint]
        if hint in self._types:
            return self._types[hint]
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            self._types[hint] = hint.__name__
            self.exprs.append({"enum": hint.__name__, "data": [str(m.value) for m in hint]})
            return hint.__name__
        if isinstance(hint, type) and (dataclasses.is_dataclass(hint) or typing.is_typeddict(hint)):
            self._types[hint] = hint.__name__
            expr: dict[str, Any] = {"struct": hint.__name__, "data": {}}
            self.exprs.append(expr)  # before its members: recursion ends here
            expr["data"] = self._members(hint)
            return hint.__name__
        raise TypeError(f"no QAPI type for {hint!r}")

    def _alternate(self, args: tuple[Any, ...]) -> str:
        names = [self.type_name(a) for a in args]
        if any(isinstance(n, list) for n in names):
            raise TypeError("an alternate cannot have a list branch")
        name = "Or".join(str(n)[:1].upper() + str(n)[1:] for n in names)
        if name not in self._types.values():
            self._types[args] = name
            self.exprs.append({"alternate": name, "data": {str(n).lower(): n for n in names}})
        return name

    def _members(self, cls: type) -> dict[str, Any]:
        hints = typing.get_type_hints(cls, include_extras=True)
        members: dict[str, Any] = {}
        if dataclasses.is_dataclass(cls):
            for f in dataclasses.fields(cls):
                hint = hints[f.name]
                optional = (
                    f.default is not dataclasses.MISSING
                    or f.default_factory is not dataclasses.MISSING
                )
                members[("*" if optional else "") + _wire(f.name)] = self.type_name(hint)
            return members
        total = getattr(cls, "__total__", True)
        for key, hint in hints.items():
            optional = not total
            if get_origin(hint) is NotRequired:
                optional, hint = True, get_args(hint)[0]
            elif get_origin(hint) is Required:
                optional, hint = False, get_args(hint)[0]
            members[("*" if optional else "") + _wire(key)] = self.type_name(hint)
        return members

    def _params(self, fn: Callable[..., Any]) -> tuple[dict[str, Any], dict[str, _Converter]]:
        hints = typing.get_type_hints(fn, include_extras=True)
        data: dict[str, Any] = {}
        converters: dict[str, _Converter] = {}
        for param in inspect.signature(fn).parameters.values():
            if param.kind not in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY):
                raise TypeError(f"{fn.__name__}: only named parameters map to QAPI members")
            hint = hints.get(param.name, Any)
            optional = param.default is not inspect.Parameter.empty
            data[("*" if optional else "") + _wire(param.name)] = self.type_name(hint)
            converters[param.name] = _Converter(hint)
        return data, converters

    # Decorators.

    def command(
        self,
        name: str | None = None,
        *,
        allow_oob: bool = False,
        allow_preconfig: bool = False,
        success_response: bool = True,
        features: Collection[str] = (),
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Define a command from a function (its name: the function's, ``_`` -> ``-``)."""

        def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
            cmd_name = name or _wire(fn.__name__)
            data, converters = self._params(fn)
            expr: dict[str, Any] = {"command": cmd_name}
            if data:
                expr["data"] = data
            ret = typing.get_type_hints(fn, include_extras=True).get("return")
            if ret is not None and ret is not type(None):
                returns = self.type_name(ret)
                expr["returns"] = returns
                elt = returns[0] if isinstance(returns, list) else returns
                if not any(e.get("struct") == elt for e in self.exprs):
                    self.returns_exceptions.append(cmd_name)
            if allow_oob:
                expr["allow-oob"] = True
            if allow_preconfig:
                expr["allow-preconfig"] = True
            if not success_response:
                expr["success-response"] = False
            if inspect.iscoroutinefunction(fn):
                expr["coroutine"] = True
            if features:
                expr["features"] = list(features)
            self.exprs.append(expr)
            self.commands.append(CodeFirstCommand(cmd_name, fn, converters))
            return fn

        return wrap

    def event(
        self, name: str, *, features: Collection[str] = ()
    ) -> Callable[[Callable[..., Any]], CodeFirstEvent]:
        """Define an event from a function's parameters (its body is not used)."""

        def wrap(fn: Callable[..., Any]) -> CodeFirstEvent:
            data, _ = self._params(fn)
            expr: dict[str, Any] = {"event": name}
            if data:
                expr["data"] = data
            if features:
                expr["features"] = list(features)
            self.exprs.append(expr)
            return CodeFirstEvent(name)

        return wrap

    # Results.

    def schema_text(self) -> str:
        """The definitions in the schema language."""
        lines = ["# Generated by qmonitor from typed Python functions."]
        if self.returns_exceptions:
            pragma = {"command-returns-exceptions": self.returns_exceptions}
            lines.append(_quote({"pragma": pragma}))
        lines.extend(_quote(expr) for expr in self.exprs)
        return "\n".join(lines) + "\n"

    def schema(self, fname: str = "codefirst.json", defined: Collection[str] = ()) -> Schema:
        """Check the definitions as a schema file would be checked."""
        return load_schema_text(self.schema_text(), fname, defined)

    def register(
        self,
        schema: Schema,
        cmds: QmpCommandList,
        handlers: Mapping[str, Handler] | None = None,
    ) -> list[QmpCommand]:
        """Register every code-first command (``handlers`` may replace some)."""
        out = []
        for cmd in self.commands:
            handler = (handlers or {}).get(cmd.name, cmd.handler)
            out.append(cmds.register(bind_command(schema, cmd.name, handler)))
        return out
