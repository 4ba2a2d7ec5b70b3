"""device_add, device_del, the trace event commands and the CPU model queries.

``device_add`` checks the id, the driver and the bus as QEMU 7.2 does; on a
PC the device model (:mod:`qmonitor.machine.devices`) creates the device.  A
``-M none`` machine has no bus and takes no hotplugged device, and what
QEMU answers for each device type there was recorded
(tools/record_surface_data.py, ``data/device_add_none.json``).
``device_del`` asks for the unplug of a PC's user device, which a guest
that runs no code leaves pending; it refuses the objects a path names.

The trace events are QEMU 7.2's (``data/trace_events.json``): their
states can be read and set; what an enabled event would log is not
produced.  The CPU models are QEMU 7.2's ``query-cpu-definitions``
(``data/cpu_definitions.json``); a model expansion checks the model and
its properties, and expanding them is not modelled.
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from qmonitor.machine.device_types import device_type_error, resolve_alias
from qmonitor.machine.schema import machine_schema
from qmonitor.qapi.binding import arg_type, bind_command
from qmonitor.qapi.commands import QmpCommand
from qmonitor.qapi.error import ErrorClass, QapiError

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine

# QEMU 7.2's texts (softmmu/qdev-monitor.c, util/qemu-option.c, trace/qmp.c,
# target/i386/cpu-sysemu.c, qom/object.c, qapi/qmp/qerror.h).
MISSING = "Parameter '{}' is missing"
NOT_AN_IDENTIFIER = "Parameter 'id' expects an identifier"
BUS_NOT_FOUND = "Bus '{}' not found"
NOT_PLUGGABLE = "Parameter 'driver' expects a pluggable device type"
DEVICE_NOT_FOUND = "Device '{}' not found"
NOT_HOTPLUGGABLE = "{} is not a hotpluggable device"
BUS_NO_HOTPLUG = "Bus '{}' does not support hotplugging"
INVALID_VCPU = "invalid vCPU index {}"
UNKNOWN_EVENT = 'unknown event "{}"'
NOT_VCPU_EVENT = 'event "{}" is not vCPU-specific'
EVENT_DISABLED = 'event "{}" is disabled'
CPU_MODEL_NOT_FOUND = "CPU model '{}' not found"
PROPERTY_NOT_FOUND = "Property '{}.{}' not found"
INVALID_TYPE = "Invalid parameter type for '{}', expected: {}"

_ID = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*\Z")


def _data(name: str) -> Any:
    # os.path, not importlib.resources: start-up stays without pathlib.
    path = os.path.join(os.path.dirname(__file__), "data", name)
    with open(path, encoding="utf-8") as file:
        return json.load(file)


@lru_cache(maxsize=1)
def device_add_answers() -> dict[str, str]:
    """What QEMU 7.2 answers to ``device_add`` of each creatable type on ``-M none``."""
    table: dict[str, list[str]] = _data("device_add_none.json")
    return {driver: text for text, drivers in table.items() for driver in drivers}


@lru_cache(maxsize=1)
def trace_events() -> tuple[tuple[str, bool, bool], ...]:
    """(name, per-vCPU, compiled in) of each trace event, in QEMU's reply order."""
    return tuple((name, vcpu, available) for name, vcpu, available in _data("trace_events.json"))


@lru_cache(maxsize=1)
def cpu_definitions() -> tuple[dict[str, Any], ...]:
    """QEMU 7.2's query-cpu-definitions reply."""
    return tuple(_data("cpu_definitions.json"))


def opts_from_qdict(args: dict[str, Any]) -> dict[str, str]:
    """device_add's arguments as QemuOpts take them (qemu_opts_from_qdict).

    A number or a boolean member becomes its text (``1`` -> ``"1"``,
    ``1.5`` -> ``"1.5"``, ``true`` -> ``"on"``); a null, list or object
    member is dropped, as is an ``id`` that is no string.
    """
    out: dict[str, str] = {}
    for key, value in args.items():
        if isinstance(value, bool):
            out[key] = "on" if value else "off"
        elif isinstance(value, str):
            out[key] = value
        elif isinstance(value, int) and key != "id":
            out[key] = str(value)
        elif isinstance(value, float) and key != "id":
            out[key] = f"{value:.17g}"
    if not isinstance(args.get("id"), str):
        out.pop("id", None)
    return out


class _RawArgsCommand(QmpCommand):
    """A ``'gen': false`` command: the handler takes the arguments unvisited."""

    def call(self, arguments: dict[str, Any]) -> Any:
        return self.handler(arguments)


def register_device_commands(machine: Machine) -> None:
    """device_add, device_del, the trace event commands and the CPU model queries."""
    from qmonitor.machine.devices.dimms import unplug_dimm, unplug_dimm_device
    from qmonitor.machine.devices.special import special_device_add
    from qmonitor.machine.devices.state import pc_hotplug
    from qmonitor.machine.qom_commands import machine_qom
    from qmonitor.machine.queries_ui import is_pc
    from qmonitor.machine.trace_state import enabled_events

    schema = machine_schema()
    full = machine.commands.full
    # One set of enabled events for QMP, HMP and the command line.
    enabled = enabled_events(machine)

    def device_add(raw: dict[str, Any]) -> None:
        ident = raw.get("id")
        if isinstance(ident, str) and not _ID.match(ident):
            raise QapiError(NOT_AN_IDENTIFIER)
        args = opts_from_qdict(raw)
        driver = args.get("driver")
        if not isinstance(driver, str):
            raise QapiError(MISSING.format("driver"))
        error = device_type_error(driver)
        if error is not None:
            raise QapiError(error)
        name = resolve_alias(driver)
        answer = device_add_answers().get(name)
        if answer == NOT_PLUGGABLE:
            raise QapiError(answer)
        hotplug = pc_hotplug(machine)
        if hotplug is not None:
            opts = dict(args)
            opts["driver"] = name
            dev = special_device_add(machine, hotplug, opts, True) or hotplug.add(opts, True)
            mach = machine_qom(machine).root.children["machine"]
            hotplug.attach_qom(dev, mach.children["peripheral"], mach.children["peripheral-anon"])
            if hotplug.pc.usb_buses:  # a hub QEMU plugged by itself
                from qmonitor.machine.devices.usb_qom import place_unnamed

                place_unnamed(mach.children["unattached"], hotplug)
            return
        if is_pc(machine):
            raise QapiError("device_add on this PC is not modelled")
        bus = args.get("bus")
        if isinstance(bus, str):
            raise QapiError(BUS_NOT_FOUND.format(bus))
        raise QapiError((answer or NOT_PLUGGABLE).format(name))

    def device_del(id: str) -> None:
        hotplug = pc_hotplug(machine)
        if hotplug is not None:
            if id.startswith("/"):
                machine_qom(machine)  # a user's device has its path once the tree is made
                path = "/" + "/".join(p for p in id.split("/") if p)
                dev = next((d for d in hotplug.created if d.qom_path == path), None)
                if dev is None and hotplug.pc.usb_buses:  # -usbdevice's, QEMU's own hubs
                    from qmonitor.machine.devices.usb_qom import unnamed_at

                    dev = unnamed_at(hotplug, path)
                if dev is not None and dev.bus is not None:
                    hotplug.unplug(dev, id)
                    return
                if dev is not None and unplug_dimm_device(machine, dev):
                    return
                obj, _ = machine_qom(machine).resolve(id)
                bus = hotplug.board_bus(obj.typename) if obj is not None else None
                if bus is not None and not bus.hotpluggable:
                    raise QapiError(BUS_NO_HOTPLUG.format(bus.name))
            elif unplug_dimm(machine, id):
                return
            elif id in hotplug.by_id:
                hotplug.delete(id)
                return
        if id.startswith("/"):
            obj, _ = machine_qom(machine).resolve(id)
            if obj is not None:
                raise QapiError(NOT_HOTPLUGGABLE.format(id))
        raise QapiError(DEVICE_NOT_FOUND.format(id), ErrorClass.DEVICE_NOT_FOUND)

    def check_vcpu(vcpu: int | None) -> None:
        if vcpu is not None and not 0 <= vcpu < machine.options.guest.smp.cpus:
            raise QapiError(INVALID_VCPU.format(vcpu & 0xFFFFFFFF))
        if vcpu is not None and not machine.options.has_cpus:
            raise QapiError(INVALID_VCPU.format(vcpu & 0xFFFFFFFF))

    def matching(name: str) -> list[tuple[str, bool, bool]]:
        if "*" not in name:
            return [e for e in trace_events() if e[0] == name]
        # GLib's simple patterns: * and ? only.
        pattern = re.compile(re.escape(name).replace(r"\*", ".*").replace(r"\?", ".") + r"\Z")
        return [e for e in trace_events() if pattern.match(e[0], 0)]

    def check_events(name: str, vcpu: int | None, ignore_unavailable: bool) -> None:
        # QEMU treats a name as a pattern only when it has a '*'.
        if "*" not in name:
            event = next((e for e in trace_events() if e[0] == name), None)
            if event is None:
                raise QapiError(UNKNOWN_EVENT.format(name))
            if vcpu is not None and not event[1]:
                raise QapiError(NOT_VCPU_EVENT.format(name))
            if not ignore_unavailable and not event[2]:
                raise QapiError(EVENT_DISABLED.format(name))
            return
        for event_name, _, available in matching(name):
            if not ignore_unavailable and not available:
                raise QapiError(EVENT_DISABLED.format(event_name))

    def trace_event_get_state(name: str, vcpu: int | None = None) -> list[dict[str, Any]]:
        check_vcpu(vcpu)
        check_events(name, vcpu, True)
        out = []
        for event_name, per_vcpu, available in matching(name):
            if vcpu is not None and not per_vcpu:
                continue
            state = "enabled" if event_name in enabled else "disabled"
            out.append(
                {
                    "name": event_name,
                    "state": state if available else "unavailable",
                    "vcpu": per_vcpu,
                }
            )
        return out

    def trace_event_set_state(
        name: str, enable: bool, ignore_unavailable: bool | None = None, vcpu: int | None = None
    ) -> None:
        check_vcpu(vcpu)
        check_events(name, vcpu, bool(ignore_unavailable))
        for event_name, per_vcpu, available in matching(name):
            if not available or (vcpu is not None and not per_vcpu):
                continue
            if enable:
                enabled.add(event_name)
            else:
                enabled.discard(event_name)

    def query_cpu_definitions() -> list[dict[str, Any]]:
        if machine.options.accel == "kvm":
            from qmonitor.machine.kvm_host import kvm_cpu_definitions

            return kvm_cpu_definitions(cpu_definitions())
        return [dict(d) for d in cpu_definitions()]

    def query_cpu_model_expansion(type: str, model: dict[str, Any]) -> dict[str, Any]:
        from qmonitor.machine.cpu_models import property_type

        name = model["name"]
        known = {d["name"]: d["typename"] for d in cpu_definitions()}
        if name not in known:
            raise QapiError(CPU_MODEL_NOT_FOUND.format(name))
        props = model.get("props")
        if isinstance(props, dict):
            for prop, value in props.items():
                kind = property_type(name, prop)
                if kind is None:
                    raise QapiError(PROPERTY_NOT_FOUND.format(known[name], prop))
                if kind == "bool" and not isinstance(value, bool):
                    raise QapiError(INVALID_TYPE.format(prop, "boolean"))
        raise QapiError("query-cpu-model-expansion is not modelled")

    full.register(_RawArgsCommand("device_add", device_add, arg_type(schema, "device_add")))
    for cmd_name, handler in (
        ("device_del", device_del),
        ("query-cpu-model-expansion", query_cpu_model_expansion),
        ("query-cpu-definitions", query_cpu_definitions),
        ("trace-event-get-state", trace_event_get_state),
        ("trace-event-set-state", trace_event_set_state),
    ):
        full.register(bind_command(schema, cmd_name, handler))
