"""QAPI types and QEMU's QObject input visitor: validate and convert arguments.

Commands receive their ``arguments`` through QEMU's qobject-input-visitor,
whose error texts clients see.  A type here knows how to take a JSON value
(as parsed from the wire) and return the value a handler gets, or raise
:class:`QapiError` with QEMU's text.  Members are visited in schema order;
keys left over in an object are reported after all members were visited.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from qmonitor.qapi.error import QapiError
from qmonitor.qapi.texts import (
    INVALID_ENUM_VALUE,
    INVALID_PARAMETER_TYPE,
    INVALID_PARAMETER_VALUE,
    MISSING_PARAMETER,
    UNEXPECTED_PARAMETER,
)
from qmonitor.qjson import qdict_order
from qmonitor.util.ghash import leftover_order


class Path:
    """Where in the arguments the visitor is, for QEMU's ``full_name()``."""

    __slots__ = ("parts",)

    def __init__(self, parts: tuple[str, ...] = ()) -> None:
        self.parts = parts

    def member(self, name: str) -> Path:
        return Path((*self.parts, "." + name if self.parts else name))

    def element(self, index: int) -> Path:
        return Path((*self.parts, f"[{index}]"))

    def full_name(self) -> str:
        return "".join(self.parts) if self.parts else "<anonymous>"


class QType:
    """A QAPI type: turns an input value into what a handler receives."""

    #: The word QEMU uses after "expected:" for this type.
    expected = "object"

    def visit(self, value: Any, path: Path, name: str | None) -> Any:
        """Validate ``value`` found at ``path`` (member ``name``, None in lists)."""
        raise NotImplementedError

    def mismatch(self, path: Path) -> QapiError:
        return QapiError(INVALID_PARAMETER_TYPE.format(path.full_name(), self.expected))


class StrType(QType):
    expected = "string"

    def visit(self, value: Any, path: Path, name: str | None) -> Any:
        if not isinstance(value, str):
            raise self.mismatch(path)
        return value


class BoolType(QType):
    expected = "boolean"

    def visit(self, value: Any, path: Path, name: str | None) -> Any:
        if not isinstance(value, bool):
            raise self.mismatch(path)
        return value


class NumberType(QType):
    expected = "number"

    def visit(self, value: Any, path: Path, name: str | None) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.mismatch(path)
        return float(value)


class AnyType(QType):
    def visit(self, value: Any, path: Path, name: str | None) -> Any:
        return value


class NullType(QType):
    expected = "null"

    def visit(self, value: Any, path: Path, name: str | None) -> Any:
        if value is not None:
            raise self.mismatch(path)
        return None


INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
UINT64_MAX = (1 << 64) - 1


@dataclass(frozen=True)
class IntType(QType):
    """int, int8..int64, uint8..uint64, size: QEMU's sized integers."""

    qapi_name: str = "int"
    bits: int = 64
    signed: bool = True

    expected = "integer"

    def visit(self, value: Any, path: Path, name: str | None) -> Any:
        if not self.signed:
            # Anything but a number that fits uint64 or int64 fails with one
            # text (qobject_input_type_uint64); the sized types check after.
            if isinstance(value, bool) or not isinstance(value, int):
                raise QapiError(INVALID_PARAMETER_VALUE.format(path.full_name(), "uint64"))
            if not INT64_MIN <= value <= UINT64_MAX:
                raise QapiError(INVALID_PARAMETER_VALUE.format(path.full_name(), "uint64"))
        elif isinstance(value, bool) or not isinstance(value, int):
            raise self.mismatch(path)
        if self.signed:
            if not INT64_MIN <= value <= INT64_MAX:
                raise self.mismatch(path)
            lo, hi = -(1 << (self.bits - 1)), (1 << (self.bits - 1)) - 1
        else:
            # QEMU accepts negative numbers for unsigned types and wraps them.
            value &= UINT64_MAX
            lo, hi = 0, (1 << self.bits) - 1
        if not lo <= value <= hi:
            # visit_type_intN names the C type: "Parameter 'x' expects uint8_t".
            raise QapiError(
                INVALID_PARAMETER_VALUE.format(
                    name if name is not None else "null", self.qapi_name + "_t"
                )
            )
        return value


@dataclass(frozen=True)
class EnumType(QType):
    name: str
    values: tuple[str, ...]

    expected = "string"

    def visit(self, value: Any, path: Path, name: str | None) -> Any:
        if not isinstance(value, str):
            raise self.mismatch(path)
        if value not in self.values:
            raise QapiError(INVALID_ENUM_VALUE.format(name if name is not None else "null", value))
        return value


@dataclass(frozen=True)
class ArrayType(QType):
    element: QType

    expected = "array"

    def visit(self, value: Any, path: Path, name: str | None) -> Any:
        if not isinstance(value, list):
            raise self.mismatch(path)
        return [self.element.visit(v, path.element(i), None) for i, v in enumerate(value)]


@dataclass(frozen=True)
class Member:
    """A struct member; ``optional`` is the schema's ``*name``."""

    name: str
    type: QType
    optional: bool = False


@dataclass(frozen=True)
class ObjectType(QType):
    """A struct (or a command's argument object)."""

    name: str
    members: tuple[Member, ...] = ()

    expected = "object"

    def visit(self, value: Any, path: Path, name: str | None) -> Any:
        if not isinstance(value, dict):
            raise self.mismatch(path)
        return self.visit_members(value, path)

    def visit_members(self, value: dict[str, Any], path: Path) -> dict[str, Any]:
        """Visit members in schema order, then complain about leftovers."""
        out: dict[str, Any] = {}
        self.visit_into(value, path, out)
        check_leftovers(value, out, path)
        return out

    def visit_into(self, value: dict[str, Any], path: Path, out: dict[str, Any]) -> None:
        """Visit this type's members of ``value`` into ``out`` (no leftover check)."""
        for member in self.members:
            mpath = path.member(member.name)
            if member.name not in value:
                if member.optional:
                    continue
                raise QapiError(MISSING_PARAMETER.format(mpath.full_name()))
            out[member.name] = member.type.visit(value[member.name], mpath, member.name)


def check_leftovers(value: dict[str, Any], out: dict[str, Any], path: Path) -> None:
    """QEMU's visit_check_struct: name a key no member took."""
    if len(out) != len(value):
        raise QapiError(
            UNEXPECTED_PARAMETER.format(path.member(first_unexpected(value, out)).full_name())
        )


@dataclass(frozen=True)
class UnionType(ObjectType):
    """A union: the base's members, then those of the branch ``tag`` selects."""

    tag: str = ""
    variants: tuple[tuple[str, ObjectType], ...] = ()

    def visit_members(self, value: dict[str, Any], path: Path) -> dict[str, Any]:
        out: dict[str, Any] = {}
        self.visit_into(value, path, out)
        branch = dict(self.variants).get(out[self.tag])
        if branch is not None:
            branch.visit_into(value, path, out)
        check_leftovers(value, out, path)
        return out


def qtype_of(value: Any) -> str:
    """The QType of a JSON value, as an alternate dispatches on it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "num"
    if isinstance(value, str):
        return "str"
    if isinstance(value, dict):
        return "dict"
    return "list"


@dataclass(frozen=True)
class AlternateType(QType):
    """An alternate: the branch is chosen by the value's JSON type."""

    name: str
    #: (QType as :func:`qtype_of` names it, the branch's type)
    branches: tuple[tuple[str, QType], ...] = ()

    def visit(self, value: Any, path: Path, name: str | None) -> Any:
        for qtype, branch in self.branches:
            if qtype == qtype_of(value):
                return branch.visit(value, path, name)
        # The generated visitor names the member, not its path.
        raise QapiError(
            INVALID_PARAMETER_TYPE.format(name if name is not None else "null", self.name)
        )


class LazyType(QType):
    """A type resolved on first use: lets recursive schema types refer to themselves."""

    def __init__(self, resolve: Callable[[], QType]) -> None:
        self._resolve = resolve
        self._type: QType | None = None

    @property
    def target(self) -> QType:
        if self._type is None:
            self._type = self._resolve()
        return self._type

    def visit(self, value: Any, path: Path, name: str | None) -> Any:
        return self.target.visit(value, path, name)


def first_unexpected(value: dict[str, Any], visited: dict[str, Any]) -> str:
    """The leftover key QEMU names: the first in its GHashTable's order.

    The visitor fills the table in QDict order and removes visited members.
    """
    leftover = [k for k in value if k not in visited]
    if len(leftover) == 1:
        return leftover[0]
    order = leftover_order(qdict_order(value.keys()), [k for k in value if k in visited])
    return order[0]


def object_type(name: str, members: Sequence[Member] = ()) -> ObjectType:
    """Shorthand for an argument object."""
    return ObjectType(name, tuple(members))


BUILTIN_TYPES: dict[str, QType] = {
    "str": StrType(),
    "bool": BoolType(),
    "number": NumberType(),
    "any": AnyType(),
    "null": NullType(),
    "int": IntType("int", 64, True),
    "int8": IntType("int8", 8, True),
    "int16": IntType("int16", 16, True),
    "int32": IntType("int32", 32, True),
    "int64": IntType("int64", 64, True),
    "uint8": IntType("uint8", 8, False),
    "uint16": IntType("uint16", 16, False),
    "uint32": IntType("uint32", 32, False),
    "uint64": IntType("uint64", 64, False),
    "size": IntType("size", 64, False),
}
