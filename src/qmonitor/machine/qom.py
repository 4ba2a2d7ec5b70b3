"""The machine's QOM tree, as ``qom-list`` and ``qom-get`` show it.

The root container holds ``/machine``, ``/chardevs`` (one child per
chardev) and, once something asked for it or ``-object`` made one,
``/objects``.  ``/machine`` is the composition tree QEMU 7.2 builds for
the machine type, recorded from it (:mod:`qmonitor.machine.qom_build`,
with or without ``-nodefaults``), adapted to the command line: the
generic machine properties, the vCPUs at the paths QEMU gives them in
``/machine/unattached``, the ``-device`` devices in ``/machine/peripheral``
(by id) and ``/machine/peripheral-anon``, and the ``-object`` objects (and
the RAM backend QEMU makes when none is named) in ``/objects``.  A vCPU
other than the recorded one is the one a persona recorded for its CPU
model (:class:`RecordedObject`), its topology properties and ``-cpu``
options applied, so that ``qom-list`` and ``qom-get`` agree and match that
QEMU.  A machine type without a recording (a persona's) gets the generic
part of the tree only.

Listing order follows qom/object.c: properties are iterated instance
properties first (a GLib string hash table, :class:`~qmonitor.util.ghash.StrTable`),
then class properties from the object's class up to ``object``, and
``qmp_qom_list`` prepends each to its answer; so the listing is
``type`` (the root class's), the class properties, then the instance
properties in reverse table order.  The class property lists below are
recorded in that listing order.

Paths resolve as ``object_resolve_path`` does: an absolute path walks
child properties from the root (empty components are skipped); a partial
path matches wherever it resolves below any object of the tree, and is
ambiguous when it does so in more than one place.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from qmonitor.chardev.socket import SocketChardev
from qmonitor.machine.qom_object import Failing, Prop, QomObject
from qmonitor.qapi.error import ErrorClass, QapiError
from qmonitor.qapi.texts import DEVICE_NOT_FOUND, PROPERTY_NOT_FOUND
from qmonitor.util.cutils import c_property_integer

__all__ = ["Failing", "Prop", "QomObject", "QomTree"]

from qmonitor.machine.guest import DEFAULT_CPU_MODEL

if TYPE_CHECKING:
    from qmonitor.chardev.base import Chardev
    from qmonitor.machine.guest import GuestConfig
    from qmonitor.machine.machine import Machine

log = logging.getLogger(__name__)

# Text of qom/qom-qmp-cmds.c (QEMU 7.2); DEVICE_NOT_FOUND and
# PROPERTY_NOT_FOUND are qerror.h's (qapi/texts.py).
PATH_AMBIGUOUS = "Path '{}' is ambiguous"

#: qmonitor's own text: the tree of other machine types is not modelled.
NOT_MODELLED = "qmonitor: the QOM tree of machine type '{}' is not modelled"


class QomSource(Protocol):
    """A recorded object (qmonitor.persona.store.QomRecord): what QEMU showed of it."""

    @property
    def typename(self) -> str: ...
    @property
    def listing(self) -> list[dict[str, Any]]: ...
    @property
    def values(self) -> Mapping[str, tuple[Any, tuple[str, str] | None]]: ...
    @property
    def children(self) -> Mapping[str, QomSource]: ...


class RecordedObject(QomObject):
    """An object answered from a recording: its listing verbatim, its values as recorded.

    ``overrides`` replace recorded values (a vCPU's place in the topology,
    ``-cpu`` options); ``typename`` may differ from the recorded one (a
    CPU model recorded as a stand-in), and recorded error texts follow it.
    """

    __slots__ = ("overrides", "source")

    def __init__(
        self,
        source: QomSource,
        typename: str | None = None,
        overrides: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(typename or source.typename)
        self.source = source
        self.overrides = overrides or {}
        for name, child in source.children.items():
            self.add(name, RecordedObject(child))

    def listing(self) -> list[dict[str, Any]]:
        return [dict(entry) for entry in self.source.listing]

    def get(self, prop: str) -> Any:
        if prop == "type":
            return self.typename
        if prop in self.overrides:
            return self.overrides[prop]
        child = self.children.get(prop)
        if child is not None:
            return child.path()
        recorded = self.source.values.get(prop)
        if recorded is None:
            raise QapiError(PROPERTY_NOT_FOUND.format(self.typename, prop))
        value, error = recorded
        if error is not None:
            cls, desc = error
            raise QapiError(desc.replace(self.source.typename, self.typename), ErrorClass(cls))
        return value


def _memory_region(size: int) -> QomObject:
    return QomObject(
        "memory-region",
        (
            Prop("container", "link<memory-region>", ""),
            Prop("addr", "uint64", 0),
            Prop("size", "uint64", size),
            Prop("priority", "uint32", 0),
        ),
    )


#: The class properties of QEMU 7.2's ``none-machine`` and their values
#: without options.
_NONE_MACHINE_PROPS = (
    Prop("kernel", "string", ""),
    Prop("dt-compatible", "string", ""),
    Prop("boot", "BootConfiguration", {"order": ""}),
    Prop("memory", "MemorySizeConfiguration", {"size": 0}),
    Prop("initrd", "string", ""),
    Prop("confidential-guest-support", "link<confidential-guest-support>", ""),
    Prop("graphics", "bool", True),
    Prop("usb", "bool", False),
    Prop("firmware", "string", ""),
    Prop("memory-encryption", "string", ""),
    Prop(
        "smp",
        "SMPConfiguration",
        {"cpus": 1, "sockets": 1, "dies": 1, "clusters": 1, "cores": 1, "threads": 1, "maxcpus": 1},
    ),
    Prop("dump-guest-core", "bool", True),
    Prop("phandle-start", "int", 0),
    Prop("dumpdtb", "string", ""),
    Prop("memory-backend", "link<memory-backend>", ""),
    Prop("dtb", "string", ""),
    Prop("mem-merge", "bool", True),
    Prop("append", "string", ""),
    Prop("suppress-vmdesc", "bool", False),
)

#: The size of the root memory region (UINT64_MAX: all of the address space).
SYSTEM_MEMORY_SIZE = (1 << 64) - 1
#: The size of the I/O port address space.
IO_MEMORY_SIZE = 0x10000


def _chardev_object(chr: Chardev) -> QomObject:
    if isinstance(chr, SocketChardev):
        return QomObject(
            "chardev-socket",
            (
                Prop("connected", "bool", lambda: chr.be_open),
                Prop("addr", "SocketAddress", lambda: chr.socket_address),
            ),
        )
    return QomObject(f"chardev-{chr.driver}")


class QomTree:
    """The QOM tree of one machine (see the module docstring for what is modelled).

    ``vcpu_records`` are recorded vCPUs by CPU model (a persona's).
    """

    def __init__(
        self, machine: Machine, vcpu_records: Mapping[str, QomSource] | None = None
    ) -> None:
        from qmonitor.machine.recorded import tree_record

        self.machine = machine
        self.root = QomObject("container")
        options = machine.options
        guest = options.guest
        typename = guest.machine_typename or options.machine_type
        record = tree_record(typename, options.nodefaults)
        self.modelled = record is not None or options.machine_type == "none" or options.has_cpus
        if record is not None:
            mach = self.root.add("machine", _recorded_machine(machine, record, vcpu_records or {}))
        else:
            mach = self.root.add("machine", _sketched_machine(machine, vcpu_records or {}))
        anon = mach.children["peripheral-anon"]
        peripheral = mach.children["peripheral"]
        from qmonitor.machine.devices.state import pc_hotplug

        hotplug = pc_hotplug(machine)
        if hotplug is not None and hotplug.drives is not None and record is not None:
            from qmonitor.machine.devices.storage_setup import place_in_qom

            place_in_qom(mach.children["unattached"], hotplug)
        if hotplug is not None and record is not None and hotplug.pc.usb_buses:
            from qmonitor.machine.devices.usb_qom import place_controllers, place_unnamed

            place_controllers(mach.children["unattached"], hotplug)
            place_unnamed(mach.children["unattached"], hotplug)
        if hotplug is not None:
            for dev in hotplug.user_devices():
                hotplug.attach_qom(dev, peripheral, anon)
        for device in () if hotplug is not None else guest.devices:
            if device.id is not None:
                peripheral.add(device.id, _device_object(device.driver))
            else:
                anon.add(f"device[{len(anon.children)}]", _device_object(device.driver))
        self.root.add("chardevs", QomObject("container", dynamic=self._chardevs))
        from qmonitor.machine.memdev_qom import backend_objects

        objects = backend_objects(options.machine_type, guest)
        # /objects is made by the first object (object_get_objects_root()).
        if objects:
            root = self.objects_root()
            for ident, obj in objects:
                root.add(ident, obj)

    def _chardevs(self, container: QomObject) -> dict[str, QomObject]:
        out = {}
        for label, chr in self.machine.chardevs.items():
            child = _chardev_object(chr)
            child.parent, child.name = container, label
            out[label] = child
        return out

    def objects_root(self) -> QomObject:
        """``/objects``, made the first time something asks for it (as QEMU does)."""
        objects = self.root.children.get("objects")
        if objects is None:
            objects = self.root.add("objects", QomObject("container"))
        return objects

    # -- path resolution ---------------------------------------------------

    def resolve(self, path: str) -> tuple[QomObject | None, bool]:
        """The object at ``path`` and whether a partial path was ambiguous."""
        parts = path.split("/")
        if path.startswith("/"):
            return _resolve_abs(self.root, parts), False
        found = None
        for obj in _walk(self.root):
            hit = _resolve_abs(obj, parts)
            if hit is not None:
                if found is not None:
                    return None, True
                found = hit
        return found, False

    def _check_modelled(self) -> None:
        if not self.modelled:
            raise QapiError(NOT_MODELLED.format(self.machine.options.machine_type))

    def qom_list(self, path: str) -> list[dict[str, Any]]:
        self._check_modelled()
        obj, ambiguous = self.resolve(path)
        if obj is None:
            if ambiguous:
                raise QapiError(PATH_AMBIGUOUS.format(path))
            raise QapiError(DEVICE_NOT_FOUND.format(path), ErrorClass.DEVICE_NOT_FOUND)
        return obj.listing()

    def qom_get(self, path: str, prop: str) -> Any:
        self._check_modelled()
        obj, _ = self.resolve(path)
        if obj is None:
            raise QapiError(DEVICE_NOT_FOUND.format(path), ErrorClass.DEVICE_NOT_FOUND)
        return obj.get(prop)


#: The id of the RAM backend a PC makes when ``-machine memory-backend`` is absent.
DEFAULT_RAM_ID = "pc.ram"

#: The properties every device has (hw/core/qdev.c), with a device's values
#: once realized: (name, type, value).
_DEVICE_PROPS = (
    Prop("parent_bus", "link<bus>", ""),
    Prop("realized", "bool", True),
    Prop("hotplugged", "bool", False),
    Prop("hotpluggable", "bool", True),
)


def vcpu_device_name(index: int) -> str:
    """Where a PC puts vCPU ``index`` in ``/machine/unattached``.

    The first vCPU is ``device[0]``; the machine then makes the
    ``kvmvapic`` (``device[1]``) before the other vCPUs.
    """
    return f"device[{index if index == 0 else index + 1}]"


def vcpu_path(index: int) -> str:
    """The QOM path of vCPU ``index``."""
    return f"/machine/unattached/{vcpu_device_name(index)}"


def vcpu_typename(guest: GuestConfig) -> str:
    """The QOM type of the guest's vCPUs (x86: ``MODEL-x86_64-cpu``)."""
    return f"{guest.cpu_model}-x86_64-cpu"


def _device_object(driver: str) -> QomObject:
    return QomObject(driver, _DEVICE_PROPS)


def _machine_values(guest: GuestConfig) -> dict[str, Any]:
    """The generic machine properties the command line set, with its values."""
    given = dict(guest.machine_props)
    values: dict[str, Any] = {"smp": guest.smp.as_qom(), "memory": {"size": guest.ram_size}}
    for name in ("usb", "dump-guest-core", "mem-merge", "graphics", "suppress-vmdesc"):
        if name in given:
            values[name] = given[name] in ("on", "yes", "true", "y")
    if "memory-backend" in given:
        values["memory-backend"] = f"/objects/{given['memory-backend']}"
    return values


def _machine_props(guest: GuestConfig) -> tuple[Prop, ...]:
    """The generic machine properties with the command line's values."""
    values = _machine_values(guest)
    return tuple(
        Prop(p.name, p.type, values[p.name]) if p.name in values else p for p in _NONE_MACHINE_PROPS
    )


def _sketched_machine(machine: Machine, records: Mapping[str, QomSource]) -> QomObject:
    """``/machine`` of a machine type without a recording: the generic part of it."""
    options = machine.options
    guest = options.guest
    if options.has_cpus:
        typename = f"{guest.machine_typename or options.machine_type}-machine"
        mach = QomObject(typename, _machine_props(guest))
    else:
        mach = QomObject("none-machine", _NONE_MACHINE_PROPS)
    mach.add("peripheral-anon", QomObject("container"))
    mach.add("peripheral", QomObject("container"))
    unattached = mach.add("unattached", QomObject("container"))
    if options.has_cpus:
        for index in range(guest.smp.cpus):
            unattached.add(vcpu_device_name(index), _vcpu_object(guest, index, records))
    unattached.add("sysbus", QomObject("System", (
        Prop("realized", "bool", False),
        Prop("hotplug-handler", "link<hotplug-handler>", ""),
    )))  # fmt: skip
    unattached.add("system[0]", _memory_region(SYSTEM_MEMORY_SIZE))
    unattached.add("io[0]", _memory_region(IO_MEMORY_SIZE))
    return mach


def _recorded_machine(
    machine: Machine, record: dict[str, Any], records: Mapping[str, QomSource]
) -> QomObject:
    """``/machine`` as QEMU 7.2 built it for the machine type, adapted to the command line."""
    from qmonitor.machine import qom_build

    options = machine.options
    guest = options.guest
    mach = qom_build.build_recorded(record)
    qom_build.follow_clock(mach, record["volatile"], machine.rtc)
    qom_build.set_values(mach, _machine_values(guest))
    unattached = mach.children["unattached"]
    cpu0 = unattached.children.get(vcpu_device_name(0))
    if not options.has_cpus or cpu0 is None:
        return mach
    other_model = cpu0.typename != vcpu_typename(guest) and guest.cpu_model != DEFAULT_CPU_MODEL
    if records or guest.cpu_props or guest.smp.cpus > 1 or other_model:
        qom_build.shift_devices(unattached, 1, guest.smp.cpus - 1)
        for index in range(guest.smp.cpus):
            unattached.children.pop(vcpu_device_name(index), None)
            unattached.add(vcpu_device_name(index), _vcpu_object(guest, index, records))
    return mach


#: x86 CPU feature properties QEMU 7.2 adds under a second, legacy name
#: (target/i386/cpu.c); names differing only in ``-``, ``_`` and ``.`` are
#: aliases too.  A feature set through any of its names reads the same
#: through all of them.
FEATURE_ALIASES = {"sse3": "pni", "pclmuldq": "pclmulqdq", "xd": "nx", "ffxsr": "fxsr-opt",
                   "i64": "lm"}  # fmt: skip


def feature_key(name: str) -> str:
    """The name all aliases of CPU feature ``name`` share."""
    plain = name.replace("_", "-").replace(".", "-")
    return FEATURE_ALIASES.get(plain, plain)


def _vcpu_overrides(guest: GuestConfig, index: int, source: QomSource | None) -> dict[str, Any]:
    """A vCPU's values that are not the recorded ones: its place, its ``-cpu`` options.

    A feature turned off is no longer unavailable (``unavailable-features``
    lists the features asked for that the accelerator cannot give).
    """
    out: dict[str, Any] = dict(guest.smp.props(index))
    out["apic-id"] = guest.smp.apic_id(index)
    if source is None:
        return out
    features: dict[str, list[str]] = {}
    for name, (value, error) in source.values.items():
        if error is None and isinstance(value, bool):
            features.setdefault(feature_key(name), []).append(name)
    turned_off = set()
    for name, value in guest.cpu_props:
        names = features.get(feature_key(name))
        if names is not None:
            on = value in ("on", "yes", "true", "y")
            out.update(dict.fromkeys(names, on))
            if not on:
                turned_off.add(feature_key(name))
            continue
        recorded = source.values.get(name)
        if recorded is None or recorded[1] is not None:
            continue
        if isinstance(recorded[0], int):
            number = c_property_integer(value)
            if number is None:
                continue
            out[name] = number
        elif isinstance(recorded[0], str):
            out[name] = value
    unavailable = source.values.get("unavailable-features")
    if turned_off and unavailable is not None and isinstance(unavailable[0], list):
        out["unavailable-features"] = [
            f for f in unavailable[0] if feature_key(str(f)) not in turned_off
        ]
    return out


def _vcpu_object(guest: GuestConfig, index: int, records: Mapping[str, QomSource]) -> QomObject:
    """vCPU ``index``: the recorded vCPU of its model, else a stand-in, else a sketch."""
    typename = vcpu_typename(guest)
    source = records.get(guest.cpu_model)
    if source is None and records:
        stand_in = next(iter(records))
        log.info("no recorded vCPU of model %s; answering as %s", guest.cpu_model, stand_in)
        source = records[stand_in]
    overrides = _vcpu_overrides(guest, index, source)
    if source is not None:
        cpu = RecordedObject(source, typename, overrides)
        lapic = cpu.children.get("lapic")
        if isinstance(lapic, RecordedObject) and "id" in lapic.source.values:
            lapic.overrides["id"] = overrides["apic-id"]  # the local APIC has the vCPU's ID
        return cpu
    props = (
        *_DEVICE_PROPS,
        Prop("start-powered-off", "bool", False),
        *(Prop(name, "int32", value) for name, value in guest.smp.props(index).items()),
        Prop("apic-id", "uint32", overrides["apic-id"]),
    )
    return QomObject(typename, props)


def _resolve_abs(obj: QomObject, parts: list[str]) -> QomObject | None:
    for part in parts:
        if part == "":
            continue
        child = obj.child_map().get(part)
        if child is None:
            return None
        obj = child
    return obj


def _walk(obj: QomObject) -> Iterator[QomObject]:
    """Every object of the tree, parents before children."""
    yield obj
    for child in obj.child_map().values():
        yield from _walk(child)
