"""The HMP commands over QOM and devices: qom-list, qom-get, info qom-tree, device_add/del.

As qom/qom-hmp-cmds.c and softmmu/qdev-monitor.c: ``qom-list`` prints
each property as ``name (type)``, ``qom-get`` the value as pretty JSON,
``info qom-tree`` the composition tree below ``/machine`` (or a path) with
each object's children sorted by name.  ``device_add help`` lists the
devices and ``device_add TYPE,help`` their properties, as ``-device`` does;
a device to create is checked as QEMU checks its type, but the null
machine plugs nothing in after start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from qmonitor.machine.qom_build import walk
from qmonitor.machine.qom_commands import machine_qom, machine_types
from qmonitor.qapi.error import ErrorClass, QapiError
from qmonitor.qapi.texts import DEVICE_NOT_FOUND, MISSING_PARAMETER
from qmonitor.qjson import encode

if TYPE_CHECKING:
    from qmonitor.machine.hmp_info import MachineHMP
    from qmonitor.machine.qom_object import QomObject

# Texts of qom/qom-hmp-cmds.c (QEMU 7.2).
PATH_NOT_RESOLVED: Final = "Path '{}' could not be resolved.\n"
PATH_AMBIGUOUS: Final = "Warning: Path '{}' is ambiguous.\n"
# Text of softmmu/qdev-monitor.c (QEMU 7.2).
NO_BUS: Final = "No '{}' bus found for device '{}'"
#: qmonitor's own: hot-plug is not modelled.
NO_HOTPLUG: Final = "qmonitor: the null machine does not plug in devices after start-up"


def qom_list(mon: MachineHMP, args: dict[str, Any]) -> None:
    path = args.get("path")
    if path is None:
        mon.printf("/\n")
        return
    for entry in machine_qom(mon.machine).qom_list(path):
        mon.printf(f"{entry['name']} ({entry['type']})\n")


def qom_get(mon: MachineHMP, args: dict[str, Any]) -> None:
    value = machine_qom(mon.machine).qom_get(args["path"], args["property"])
    mon.printf(encode(value, pretty=True) + "\n")


def _print_composition(mon: MachineHMP, obj: QomObject, indent: int) -> None:
    name = obj.name if obj.parent is not None else ""
    mon.printf(f"{'':{indent}}/{name} ({obj.typename})\n")
    children = obj.child_map()
    for child in sorted(children):
        _print_composition(mon, children[child], indent + 2)


def info_qom_tree(mon: MachineHMP, args: dict[str, Any]) -> None:
    tree = machine_qom(mon.machine)
    path = args.get("path")
    if path is None:
        obj = tree.root.children["machine"]
    else:
        found, ambiguous = tree.resolve(path)
        if found is None:
            mon.printf(PATH_NOT_RESOLVED.format(path))
            return
        if ambiguous:
            mon.printf(PATH_AMBIGUOUS.format(path))
            return
        obj = found
    _print_composition(mon, obj, 0)


def device_add(mon: MachineHMP, args: dict[str, Any]) -> None:
    from qmonitor.machine.device_types import device_type_error
    from qmonitor.util.qemuopts import is_help_option

    driver = args.get("driver")
    types = machine_types(mon.machine)
    if driver is not None and is_help_option(driver):
        mon.printf(types.device_help())
        return
    if driver is not None and any(is_help_option(key) for key in args):
        try:
            mon.printf(types.device_options_help(driver))
        except QapiError as err:
            mon.printf(err.desc + "\n")  # error_report_err(): no "Error: "
        return
    if driver is None:
        raise QapiError(MISSING_PARAMETER.format("driver"))
    error = device_type_error(driver)
    if error is not None:
        raise QapiError(error)
    from qmonitor.machine.devices.state import pc_hotplug
    from qmonitor.machine.hmp_info import qmp

    if pc_hotplug(mon.machine) is not None:
        # A PC's device model: the same road as QMP's device_add.
        qmp(mon, "device_add", dict(args))
        return
    # qdev_device_add(): the bus the device plugs into must be somewhere
    # below the machine.
    table = types.table
    bus = table.buses.get(table.aliases.get(driver, driver))
    machine = machine_qom(mon.machine).root.children["machine"]
    if bus is not None and not any(table.is_a(obj.typename, bus) for obj in walk(machine)):
        raise QapiError(NO_BUS.format(bus, driver))
    raise QapiError(NO_HOTPLUG)


def device_del(mon: MachineHMP, args: dict[str, Any]) -> None:
    ident = args["id"]
    from qmonitor.machine.devices.state import pc_hotplug
    from qmonitor.machine.hmp_info import qmp

    if pc_hotplug(mon.machine) is not None:
        qmp(mon, "device_del", {"id": ident})
        return
    tree = machine_qom(mon.machine)
    peripheral = tree.root.children["machine"].children.get("peripheral")
    if peripheral is None or ident not in peripheral.child_map():
        raise QapiError(DEVICE_NOT_FOUND.format(ident), ErrorClass.DEVICE_NOT_FOUND)
    raise QapiError(NO_HOTPLUG)
