"""The QOM commands: ``qom-list``, ``qom-get`` and the type queries.

``qom-list`` and ``qom-get`` read the machine's object tree
(:mod:`qmonitor.machine.qom`), made the first time one of them is asked;
``qom-list-types``, ``qom-list-properties`` and ``device-list-properties``
read QEMU 7.2's recorded type tree (:mod:`qmonitor.machine.qom_types`),
likewise read when first needed, so that neither costs a machine that is
never asked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qmonitor.machine.schema import machine_schema
from qmonitor.qapi.binding import bind_command

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine
    from qmonitor.machine.qom import QomTree
    from qmonitor.machine.qom_types import QomTypes


def machine_qom(machine: Machine) -> QomTree:
    """The machine's QOM tree, made on first use."""
    from qmonitor.machine.qom import QomTree

    return machine.part(QomTree, lambda: QomTree(machine, machine.vcpu_records))


def machine_types(machine: Machine) -> QomTypes:
    """The machine's view of the QOM types (whether QEMU's modules are loaded yet)."""
    from qmonitor.machine.qom_types import QomTypes

    return machine.part(QomTypes, lambda: QomTypes())


def register_qom(machine: Machine) -> None:
    """The QOM commands, in the schema's order."""

    schema = machine_schema()
    full = machine.commands.full

    def qom_list(path: str) -> list[dict[str, Any]]:
        return machine_qom(machine).qom_list(path)

    def qom_get(path: str, property: str) -> Any:
        return machine_qom(machine).qom_get(path, property)

    def qom_list_types(
        implements: str | None = None, abstract: bool | None = None
    ) -> list[dict[str, Any]]:
        return machine_types(machine).qom_list_types(implements, bool(abstract))

    def qom_list_properties(typename: str) -> list[dict[str, Any]]:
        return machine_types(machine).qom_list_properties(typename)

    def device_list_properties(typename: str) -> list[dict[str, Any]]:
        return machine_types(machine).device_list_properties(typename)

    full.register(bind_command(schema, "qom-list", qom_list))
    full.register(bind_command(schema, "qom-get", qom_get))
    full.register(bind_command(schema, "qom-list-types", qom_list_types))
    full.register(bind_command(schema, "qom-list-properties", qom_list_properties))
    full.register(bind_command(schema, "device-list-properties", device_list_properties))
