"""``-blockdev`` and ``-compat``: QAPI types read from the command line as QEMU 7.2 reads them.

softmmu/vl.c visits the argument as ``BlockdevOptions`` when it meets the
option (qobject_input_visitor_new_str with ``driver`` as the implied key):
JSON when it starts with ``{``, else keyval, whose dotted keys make nested
objects and whose values are strings read for each member's type (the
keyval input visitor).  A visitor error ends QEMU at once; the node is
opened later, with the other block devices, by ``blockdev-add``'s own code
(:func:`qmonitor.machine.block.commands.blockdev_add`), from start-up.
``-compat`` is read the same way as CompatPolicy, without an implied key.
"""

from __future__ import annotations

from typing import Any

from qmonitor.errors import QmonitorError
from qmonitor.machine.hmp_objects import keyval_scalar
from qmonitor.qapi.error import QapiError
from qmonitor.qapi.types import (
    AlternateType,
    EnumType,
    LazyType,
    Member,
    ObjectType,
    Path,
    QType,
    UnionType,
)
from qmonitor.qjson.streamer import qobject_from_json
from qmonitor.util.error import QemuOptsError
from qmonitor.util.keyval import keyval_parse


class QapiOptionError(QmonitorError):
    """QEMU's text for an option argument (``-blockdev``, ``-compat``) it cannot read."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _resolve(qtype: QType) -> QType:
    while isinstance(qtype, LazyType):
        qtype = qtype.target
    return qtype


def _nest(flat: dict[str, str]) -> Any:
    """Dotted keys as nested objects (``file.driver=x`` is ``{"file": {"driver": "x"}}``).

    An object whose keys are all numbers is a list (keyval_listify), in
    their order.
    """
    out: dict[str, Any] = {}
    for key, value in flat.items():
        *parents, last = key.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return _listify(out)


def _listify(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    items = {key: _listify(item) for key, item in value.items()}
    if items and all(key.isdigit() for key in items):
        return [items[key] for key in sorted(items, key=int)]
    return items


def _keyval_values(qtype: QType, value: Any, path: Path) -> Any:
    """``value`` with each string read for its member's type, as the keyval visitor reads it."""
    qtype = _resolve(qtype)
    if isinstance(qtype, AlternateType):
        # A nested object takes the object branch; a string stays a string.
        if isinstance(value, dict):
            branch = next((b for q, b in qtype.branches if q == "dict"), None)
            return _keyval_values(branch, value, path) if branch is not None else value
        return value
    if isinstance(qtype, ObjectType):
        if not isinstance(value, dict):
            return value
        members = {m.name: m.type for m in qtype.members}
        if isinstance(qtype, UnionType) and isinstance(value.get(qtype.tag), str):
            branch = dict(qtype.variants).get(value[qtype.tag])
            if branch is not None:
                members.update({m.name: m.type for m in branch.members})
        return {
            key: _keyval_values(members[key], item, path.member(key)) if key in members else item
            for key, item in value.items()
        }
    if isinstance(value, str):
        return keyval_scalar(qtype, value, path)
    return value


#: qapi/compat.json's CompatPolicy (not in the machine's schema: no command uses it).
_INPUT = EnumType("CompatPolicyInput", ("accept", "reject", "crash"))
_OUTPUT = EnumType("CompatPolicyOutput", ("accept", "hide"))
COMPAT_POLICY = ObjectType(
    "CompatPolicy",
    (
        Member("deprecated-input", _INPUT, True),
        Member("deprecated-output", _OUTPUT, True),
        Member("unstable-input", _INPUT, True),
        Member("unstable-output", _OUTPUT, True),
    ),
)


def parse_blockdev(arg: str) -> dict[str, Any]:
    """The BlockdevOptions ``-blockdev ARG`` gives, visited.

    :raises QapiOptionError: with QEMU's text.
    """
    from qmonitor.machine.schema import machine_schema
    from qmonitor.qapi.binding import schema_type

    return visit_option(arg, schema_type(machine_schema(), "BlockdevOptions"), "driver")


def visit_option(arg: str, qtype: QType, implied_key: str | None) -> dict[str, Any]:
    """qobject_input_visitor_new_str() then the type's visit: JSON, else keyval.

    :raises QapiOptionError: with QEMU's text.
    """
    from qmonitor.qjson.parser import JsonError

    try:
        if arg.startswith("{"):
            value: Any = qobject_from_json(arg)
        else:
            flat, _ = keyval_parse(arg, implied_key, help_allowed=False)
            return visit_keyval_dict(flat, qtype)
    except JsonError as exc:
        raise QapiOptionError(exc.message) from None
    except QemuOptsError as exc:
        raise QapiOptionError(exc.message) from None
    return _visit(qtype, value)


def _visit(qtype: QType, value: Any) -> dict[str, Any]:
    """``value`` through the visitor of ``qtype``, its errors as QapiOptionError."""
    try:
        visited: dict[str, Any] = qtype.visit(value, Path(), None)
    except QemuOptsError as exc:
        raise QapiOptionError(exc.message) from None
    except QapiError as exc:
        raise QapiOptionError(exc.desc) from None
    return visited


def visit_keyval_dict(values: dict[str, str], qtype: QType) -> dict[str, Any]:
    """A QDict of strings (a ``-readconfig`` section, crumpled) visited by the keyval visitor.

    :raises QapiOptionError: with QEMU's text.
    """
    try:
        value = _keyval_values(qtype, _nest(values), Path())
    except QemuOptsError as exc:
        raise QapiOptionError(exc.message) from None
    except QapiError as exc:
        raise QapiOptionError(exc.desc) from None
    return _visit(qtype, value)


def check_object_section(values: dict[str, str]) -> None:
    """object_option_add_visitor(): an ``[object]`` section visited as ObjectOptions.

    :raises QapiOptionError: a missing member, a bad value or an unexpected key.
    """
    from qmonitor.machine.schema import machine_schema
    from qmonitor.qapi.binding import schema_type

    visit_keyval_dict(values, schema_type(machine_schema(), "ObjectOptions"))
