"""HMP ``qom-set``: a QOM property from text, or from JSON with ``-j``.

As QEMU 7.2's hmp_qom_set: with ``-j`` the value is a JSON value, set as
``qom-set`` over QMP sets it; without, the text is read by the property's
type, as QEMU's string input visitor reads it (booleans as ``on``/``yes``/
``true``/``y`` or their opposites, integers with C's base prefixes, sizes
with their suffixes), and strings are taken as they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qmonitor.machine.hmp_info import qmp
from qmonitor.qapi.error import QapiError
from qmonitor.qapi.texts import INVALID_PARAMETER_VALUE
from qmonitor.util.cutils import BOOL_FALSE, BOOL_TRUE, c_strtoll, c_strtoull, parse_size
from qmonitor.util.error import QemuOptsError

if TYPE_CHECKING:
    from qmonitor.machine.hmp_info import MachineHMP

#: QOM property types read as signed and as unsigned integers.
_SIGNED = frozenset({"int", "int8", "int16", "int32", "int64"})
_UNSIGNED = frozenset({"uint8", "uint16", "uint32", "uint64"})


def json_value(text: str) -> Any:
    """qobject_from_json: the one JSON value ``text`` holds, or QapiError with QEMU's text."""
    from qmonitor.qjson.streamer import JsonMessage, JsonParseError, JsonStreamer

    streamer = JsonStreamer()
    streamer.feed(text.encode("utf-8", "surrogateescape"))
    streamer.flush()
    event = streamer.next_event()
    if isinstance(event, JsonParseError):
        raise QapiError(event.message)
    if isinstance(event, JsonMessage):
        return event.value
    raise QapiError("Expecting a JSON value")


def _property_type(mon: MachineHMP, path: str, name: str) -> str | None:
    """The QOM type of property ``name`` of the object at ``path`` (None if it has none)."""
    props = qmp(mon, "qom-list", {"path": path})
    return next((p["type"] for p in props if p["name"] == name), None)


def string_value(prop: str, qom_type: str | None, text: str) -> Any:
    """``text`` read for a property of ``qom_type`` (the string input visitor)."""

    def expects(what: str) -> QapiError:
        return QapiError(INVALID_PARAMETER_VALUE.format(prop, what))

    if qom_type == "bool":
        if text in BOOL_TRUE:
            return True
        if text in BOOL_FALSE:
            return False
        raise expects("'on' or 'off'")
    if qom_type == "size":
        # parse_type_size: parse_option_size, so suffixes (64M) are taken.
        try:
            return parse_size(prop, text)
        except QemuOptsError as exc:
            error = QapiError(exc.message)
            error.hint = exc.hint.removesuffix("\n")  # HMP ends the hint's line itself
            raise error from None
    if qom_type in _SIGNED or qom_type in _UNSIGNED:
        number = c_strtoll(text) if qom_type in _SIGNED else c_strtoull(text)
        if number is None or not -(2**63) <= number < 2**64:
            raise expects("int64" if qom_type in _SIGNED else "uint64")
        return number
    return text


def hmp_qom_set(mon: MachineHMP, args: dict[str, Any]) -> None:
    """``qom-set [-j] path property value``."""
    path, prop, text = args["path"], args["property"], args["value"]
    if args.get("json"):
        value = json_value(text)
    else:
        value = string_value(prop, _property_type(mon, path, prop), text)
    qmp(mon, "qom-set", {"path": path, "property": prop, "value": value})
