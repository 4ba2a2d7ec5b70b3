"""QEMU 7.2's QOM type tree: the type lists and property lists QMP and HMP show.

The facts are recorded from QEMU (:mod:`qmonitor.machine.recorded`):
every type in the order QEMU's type table lists them, with its parent and
whether it is abstract; the types that implement each interface; what
``qom-list-properties`` answered for every type and
``device-list-properties`` for every device type; and the device list of
``-device help``.  From them this module answers as qom/qom-qmp-cmds.c
and softmmu/qdev-monitor.c do:

* ``qom-list-types`` walks the whole table in its order, keeping the
  types that can be cast to ``implements`` (a class and its descendants,
  or the types implementing an interface; none for an unknown name) and
  leaving out abstract ones unless asked for them.
* Some types live in QEMU's modules: they are unknown until something
  loads the modules (``qom-list-types``, ``device-list-properties``,
  ``-device help``), so ``qom-list-properties`` does not find them
  before.  A :class:`QomTypes` keeps that state for one machine.
* ``qom-list-properties`` of a few concrete types makes QEMU 7.2 abort
  (it creates an object the type cannot live without its machine);
  qmonitor answers those with an error naming the reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from typing import Any, Final

from qmonitor.machine.recorded import types_record
from qmonitor.qapi.error import ErrorClass, QapiError
from qmonitor.qapi.texts import DEVICE_NOT_FOUND, INVALID_PARAMETER_VALUE
from qmonitor.qjson import encode

# Texts of qom/qom-qmp-cmds.c (QEMU 7.2).
CLASS_NOT_FOUND: Final = "Class '{}' not found"
NOT_A_DEVICE_TYPE: Final = INVALID_PARAMETER_VALUE.format("typename", "a non-abstract device type")
#: qmonitor's own: where QEMU 7.2 aborts instead of answering.
QEMU_ABORTS: Final = "qmonitor: QEMU 7.2 aborts on qom-list-properties of type '{}'"

#: The root of the types a QMP client may instantiate or list properties of.
OBJECT: Final = "object"
DEVICE: Final = "device"
#: A device in the ``-device help`` listing: ``name "TYPE"``.
_LISTED: Final = re.compile(r'^name "([^"]+)"', re.MULTILINE)
#: A device listed with its bus: ``name "TYPE", bus BUS``.
_BUS: Final = re.compile(r'^name "([^"]+)", bus ([^,\n]+)', re.MULTILINE)
#: A device listed with its alias: ``name "TYPE", bus ..., alias "ALIAS"``.
_ALIAS: Final = re.compile(r'^name "([^"]+)"[^\n]*?, alias "([^"]+)"', re.MULTILINE)


class TypeTable:
    """The recorded type tree (shared by every machine; see the module docstring)."""

    def __init__(self, record: dict[str, Any]) -> None:
        self.order: list[str] = [t[0] for t in record["types"]]
        self.parent: dict[str, str | None] = {t[0]: t[1] for t in record["types"]}
        self.abstract: frozenset[str] = frozenset(t[0] for t in record["types"] if t[2])
        self.module: frozenset[str] = frozenset(record["module"])
        self.interfaces: dict[str, frozenset[str]] = {
            name: frozenset(members) for name, members in record["interfaces"].items()
        }
        #: The answers, each as JSON text (parsed when asked: most never are).
        self._lists: list[str] = record["lists"]
        self._properties: dict[str, int] = record["properties"]
        self._device_properties: dict[str, int] = record["device_properties"]
        #: What ``-device help`` and ``device_add help`` print.
        self.device_help: str = record["device_help"]
        #: The device types a user may create: those ``-device help`` lists.
        self.user_creatable: frozenset[str] = frozenset(_LISTED.findall(self.device_help))
        #: The bus each listed device plugs into, as ``-device help`` shows it.
        self.buses: dict[str, str] = dict(_BUS.findall(self.device_help))
        #: qdev's aliases of device types on this target, as ``-device help`` shows them.
        self.aliases: dict[str, str] = {
            alias: name for name, alias in _ALIAS.findall(self.device_help)
        }

    def ancestors(self, name: str) -> Iterator[str]:
        """``name``, its parent, and so on up to ``object`` (or an interface root)."""
        current: str | None = name
        while current is not None:
            yield current
            current = self.parent.get(current)

    def is_a(self, name: str, base: str) -> bool:
        """object_class_dynamic_cast(): whether type ``name`` can be cast to ``base``.

        A cast to an interface is QEMU's recorded answer: a type with two
        interfaces that both derive from ``base`` cannot be cast to it.
        """
        members = self.interfaces.get(base)
        if members is not None:
            return name in members
        return base in self.ancestors(name)

    def list_types(self, implements: str | None, abstract: bool) -> list[dict[str, Any]]:
        """``qom-list-types``'s answer."""
        if implements is not None and implements not in self.parent:
            return []
        out = []
        for name in self.order:
            is_abstract = name in self.abstract
            if is_abstract and not abstract:
                continue
            if implements is not None and not self.is_a(name, implements):
                continue
            info: dict[str, Any] = {"name": name}
            if is_abstract:
                info["abstract"] = True
            parent = self.parent[name]
            if parent is not None:
                info["parent"] = parent
            out.append(info)
        return out

    def recorded_properties(self, name: str) -> Any:
        """The recorded answer of ``qom-list-properties`` for a known type."""
        return json.loads(self._lists[self._properties[name]])

    def device_properties(self, name: str) -> Any:
        """The recorded answer of ``device-list-properties`` for a device type."""
        return json.loads(self._lists[self._device_properties[name]])

    def device_names(self) -> list[str]:
        """The device types (abstract ones too) in table order."""
        return [name for name in self.order if name in self._device_properties]


@cache
def type_table() -> TypeTable:
    """The recorded type tree, read the first time it is needed."""
    return TypeTable(types_record())


def _answer(recorded: Any, typename: str) -> list[dict[str, Any]]:
    if recorded == "died":
        raise QapiError(QEMU_ABORTS.format(typename))
    if isinstance(recorded, dict):
        cls, desc = recorded["error"]
        raise QapiError(desc, ErrorClass(cls))
    answer: list[dict[str, Any]] = recorded
    return answer


def property_help(info: dict[str, Any]) -> str:
    """One line of ``-device TYPE,help`` (object_property_help in qom/object_interfaces.c)."""
    line = f"  {info['name']}=<{info['type']}>"
    description = info.get("description")
    has_default = "default-value" in info
    if description is not None or has_default:
        line = line.ljust(24) + " - "
    if description is not None:
        line += description
    if has_default:
        line += f" (default: {encode(info['default-value'])})"
    return line


class QomTypes:
    """The type tree as one machine's QEMU sees it: modules loaded or not yet."""

    def __init__(self) -> None:
        self.modules_loaded = False

    @property
    def table(self) -> TypeTable:
        return type_table()

    def load_modules(self) -> None:
        """module_load_qom_all()."""
        self.modules_loaded = True

    def known(self, name: str) -> bool:
        """object_class_by_name(): the type exists (and its module, if any, is loaded)."""
        table = self.table
        return name in table.parent and (self.modules_loaded or name not in table.module)

    def qom_list_types(self, implements: str | None, abstract: bool) -> list[dict[str, Any]]:
        self.load_modules()
        return self.table.list_types(implements, abstract)

    def qom_list_properties(self, typename: str) -> list[dict[str, Any]]:
        if not self.known(typename):
            raise QapiError(CLASS_NOT_FOUND.format(typename), ErrorClass.DEVICE_NOT_FOUND)
        return _answer(self.table.recorded_properties(typename), typename)

    def device_list_properties(self, typename: str) -> list[dict[str, Any]]:
        table = self.table
        # module_object_class_by_name() loads the module of a type it does
        # not know yet (qmonitor: all of them, as one).
        if typename in table.module:
            self.load_modules()
        if typename not in table.parent:
            raise QapiError(DEVICE_NOT_FOUND.format(typename), ErrorClass.DEVICE_NOT_FOUND)
        if not table.is_a(typename, DEVICE) or typename in table.abstract:
            raise QapiError(NOT_A_DEVICE_TYPE)
        return _answer(table.device_properties(typename), typename)

    def device_help(self) -> str:
        """What ``-device help`` prints (qdev_print_devinfos; loads the modules)."""
        self.load_modules()
        return self.table.device_help

    def device_options_help(self, driver: str) -> str:
        """What ``-device DRIVER,help`` prints (qdev_device_help).

        A driver that names no type but an alias stands for the alias's type.

        :raises QapiError: device-list-properties' error, which QEMU reports.
        """
        typename = driver if self.known(driver) else self.table.aliases.get(driver, driver)
        props = self.device_list_properties(typename)
        if not props:
            return f"There are no options for {typename}.\n"
        lines = sorted(property_help(info) for info in props)
        return f"{typename} options:\n" + "".join(line + "\n" for line in lines)
