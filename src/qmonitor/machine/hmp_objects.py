"""HMP ``object_add`` and ``object_del``: user-created objects from a line of text.

As QEMU 7.2's user_creatable_add_from_str: ``key=value,...`` with the
implied key ``qom-type`` (or a JSON object, when the text starts with
``{``), then the QAPI visitor in keyval mode, which reads each value from
its text by the member's type (integers with C's base prefixes, sizes
with a suffix, booleans as ``on``/``yes``/``true``/``y`` or their
opposites) before the machine's ``object-add`` takes the options with
its usual checks.  ``help`` lists the types a user may create.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from qmonitor.machine.hmp_info import qmp
from qmonitor.qapi.error import QapiError
from qmonitor.qapi.texts import INVALID_PARAMETER_VALUE
from qmonitor.util.cutils import BOOL_FALSE, BOOL_TRUE, c_strtoll, c_strtoull, do_strtosz
from qmonitor.util.error import QemuOptsError

if TYPE_CHECKING:
    from qmonitor.machine.hmp_info import MachineHMP
    from qmonitor.qapi.types import Path, QType

#: What ``object_add help`` prints before the type names.
HELP_HEADER = "List of user creatable objects:\n"
#: The types QEMU 7.2 x86_64 (Debian's build) lets a user create, as
#: ``object_add help`` lists them (recorded in tests/golden/hmp/table.json).
CREATABLE_TYPES: tuple[str, ...] = (
    "authz-list",
    "authz-list-file",
    "authz-simple",
    "can-bus",
    "can-host-socketcan",
    "colo-compare",
    "cryptodev-backend",
    "cryptodev-backend-builtin",
    "cryptodev-vhost-user",
    "dbus-vmstate",
    "filter-buffer",
    "filter-dump",
    "filter-mirror",
    "filter-redirector",
    "filter-replay",
    "filter-rewriter",
    "input-barrier",
    "input-linux",
    "iothread",
    "main-loop",
    "memory-backend-file",
    "memory-backend-memfd",
    "memory-backend-ram",
    "pr-manager-helper",
    "qtest",
    "rng-builtin",
    "rng-egd",
    "rng-random",
    "secret",
    "secret_keyring",
    "sev-guest",
    "thread-context",
    "throttle-group",
    "tls-cipher-suites",
    "tls-creds-anon",
    "tls-creds-psk",
    "tls-creds-x509",
    "x-remote-object",
)


def _resolve(qtype: QType) -> QType:
    from qmonitor.qapi.types import LazyType

    while isinstance(qtype, LazyType):
        qtype = qtype.target
    return qtype


def keyval_scalar(qtype: QType, text: str, path: Path) -> Any:
    """A member's value read from ``text`` as the keyval visitor reads it."""
    from qmonitor.qapi.types import BoolType, IntType, NumberType

    qtype = _resolve(qtype)

    def expects(what: str) -> QapiError:
        return QapiError(INVALID_PARAMETER_VALUE.format(path.full_name(), what))

    if isinstance(qtype, IntType):
        if qtype.qapi_name == "size":
            size = do_strtosz(text)
            if size.error is not None:
                raise expects("size")
            return size.value
        number = c_strtoll(text) if qtype.signed else c_strtoull(text)
        if number is None or not -(2**63) <= number < 2**64:
            raise expects("integer")
        return number
    if isinstance(qtype, BoolType):
        if text in BOOL_TRUE:
            return True
        if text in BOOL_FALSE:
            return False
        raise expects("'on' or 'off'")
    if isinstance(qtype, NumberType):
        try:
            return float(text)
        except ValueError:
            raise expects("number") from None
    # Strings and enums are taken as they are; a list or an object given
    # as text fails in the visitor with its "expected" type.
    return text


def keyval_typed(qtype: QType, values: dict[str, Any], path: Path) -> dict[str, Any]:
    """``values`` (strings) with each member's value read for its type."""
    from qmonitor.qapi.types import ObjectType, UnionType

    qtype = _resolve(qtype)
    if not isinstance(qtype, ObjectType):
        return values
    members = {m.name: m.type for m in qtype.members}
    if isinstance(qtype, UnionType) and isinstance(values.get(qtype.tag), str):
        branch = dict(qtype.variants).get(values[qtype.tag])
        if branch is not None:
            members.update({m.name: m.type for m in branch.members})
    out: dict[str, Any] = {}
    for key, value in values.items():
        member = members.get(key)
        if member is None or not isinstance(value, str):
            out[key] = value
            continue
        out[key] = keyval_scalar(member, value, path.member(key))
    return out


def hmp_object_add(mon: MachineHMP, args: dict[str, Any]) -> None:
    """``object_add [qom-type=]TYPE,id=ID[,prop=value...]`` or a JSON object."""
    # The QAPI types and keyval are loaded when an object is added, not at start.
    from qmonitor.qapi.types import Path
    from qmonitor.util.keyval import keyval_parse

    text = args["object"]
    if text.startswith("{"):
        try:
            options = json.loads(text)
        except ValueError:
            raise QapiError("JSON parse error") from None
        if not isinstance(options, dict):
            raise QapiError("Parameter 'object' expects an object")
        qmp(mon, "object-add", options)
        return
    try:
        values, want_help = keyval_parse(text, "qom-type")
    except QemuOptsError as err:
        raise QapiError(err.message) from None
    if want_help and "qom-type" not in values:
        mon.printf(HELP_HEADER + "".join(f"  {name}\n" for name in CREATABLE_TYPES))
        return
    cmd = mon.machine.commands.full.find("object-add")
    if cmd is not None and cmd.args is not None:
        values = keyval_typed(cmd.args, values, Path())
    qmp(mon, "object-add", values)


def hmp_object_del(mon: MachineHMP, args: dict[str, Any]) -> None:
    qmp(mon, "object-del", {"id": args["id"]})


#: Handlers of the commands this module answers.
HANDLERS: dict[str, Any] = {"object_add": hmp_object_add, "object_del": hmp_object_del}
