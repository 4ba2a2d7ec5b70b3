"""A PC machine's device model, made on first use, and its configuration ports.

:func:`pc_hotplug` builds the board's devices (:mod:`.board`) from the
machine's options and then the ``-device`` devices, in command-line
order, as QEMU creates them once the board is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qmonitor.machine.devices.board import DefaultDevices, PcDevices
from qmonitor.machine.devices.hotplug import Hotplug, NotModelled
from qmonitor.machine.devices.pci import ConfigPorts, PciBus, PciDevice
from qmonitor.machine.devices.pci_mmio import AddressSpace, PciMemoryView
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    from qmonitor.machine.block.backend import BlockBackend
    from qmonitor.machine.devices.qdev import Device
    from qmonitor.machine.machine import Machine
    from qmonitor.machine.virtio.transport import Backend


def pc_hotplug(machine: Machine) -> Hotplug | None:
    """The PC's devices (None on a machine that is no i440FX or Q35 PC)."""
    # A machine stand-in (a test's) may have no board at all.
    if getattr(machine, "board", None) is None:
        return None
    return machine.part(Hotplug, lambda: _build(machine))


def _build(machine: Machine) -> Hotplug:
    from qmonitor.machine.memory import pc_lowmem
    from qmonitor.machine.net.cmdline import nic_models
    from qmonitor.machine.net.devices import attach_nic, netdev_state
    from qmonitor.machine.net_cmds import net_clients
    from qmonitor.machine.qom_types import type_table

    options = machine.options
    name = options.guest.machine_typename or options.machine_type
    q35 = "q35" in name
    defaults = options.default_devices
    if defaults is None:
        defaults = DefaultDevices.none() if options.nodefaults else DefaultDevices()
    ram = options.guest.ram_size
    from qmonitor.machine.devices.storage_setup import board_drives

    net = net_clients(machine)
    nic_error = None
    try:
        nics = nic_models(net, "e1000e" if q35 else "e1000")
    except QapiError as exc:
        # pci_nic_init_nofail ends QEMU before any -device (no location).
        nics, nic_error = [], exc.desc
    drives = board_drives(machine)
    pc = PcDevices(
        q35,
        defaults,
        pc_lowmem(ram, q35),
        ram,
        [(model, mac, peer.name) for model, mac, peer in nics],
        net.macs.allocate,
        drives,
        acpi=dict(options.guest.machine_props).get("acpi") != "off",
    )
    for dev, (model, mac, peer) in zip(pc.board_nics, nics, strict=True):
        net.add_nic(model, None, mac, peer).device = dev
    table = type_table()
    hotplug = Hotplug(pc, table.buses.get, lambda name: netdev_state(net, name))
    hotplug.on_nic = lambda dev, model, mac, netdev, given: attach_nic(
        net, dev, model, mac, netdev, given
    )
    hotplug.on_removed = lambda dev: _removed(machine, dev)
    hotplug.chardev_exists = machine.chardevs.__contains__
    # blk_by_qdev_id: a device found without a drive (a virtio proxy, a
    # NIC) is "Device does not have a block device backend", not missing.
    from qmonitor.machine.block.node_registry import drives_of
    from qmonitor.machine.devices.special import board_memory_error, special_device_add

    drives_of(machine).devices = hotplug.by_id.__contains__
    memory_error = board_memory_error(machine)
    if memory_error is not None or nic_error is not None:
        hotplug.startup_error = memory_error or nic_error
        return hotplug
    if drives is not None:
        from qmonitor.machine.devices.storage_setup import attach_board_drives

        try:
            attach_board_drives(machine, hotplug)
        except QapiError as exc:
            hotplug.startup_error = exc.desc
            return hotplug
    if defaults.usbdevices:
        from qmonitor.machine.devices.usb_plug import add_usbdevices

        try:
            add_usbdevices(hotplug, defaults.usbdevices)
        except QapiError as exc:
            hotplug.startup_error = exc.desc
            return hotplug
    for device in options.guest.devices:
        opts = {"driver": device.driver, **dict(device.props)}
        if device.id is not None:
            opts["id"] = device.id
        try:
            special_device_add(machine, hotplug, opts, False) or hotplug.add(opts, hotplug=False)
        except NotModelled:
            hotplug.add_unmodelled(device.driver, device.id)
        except QapiError as exc:
            # QEMU stops at the first bad -device (the caller ends the program).
            hotplug.startup_error = f"{device.loc}: {exc.desc}" if device.loc else exc.desc
            if exc.hint:  # error_append_hint: printed on the line after the error
                hotplug.startup_error += f"\n{exc.hint}"
            break
    if drives is not None and hotplug.startup_error is None:
        from qmonitor.machine.devices.storage_setup import add_virtio_drives

        try:
            add_virtio_drives(machine, hotplug)
        except QapiError as exc:
            hotplug.startup_error = exc.desc
    return hotplug


def _removed(machine: Machine, dev: Device) -> None:
    """A device that went at once leaves QOM; DEVICE_DELETED follows the command's reply."""
    from qmonitor.machine.qom_commands import machine_qom

    tree = machine_qom(machine)  # a device has its path once the tree is made
    path = dev.qom_path
    if path is not None:
        obj, _ = tree.resolve(path)
        if obj is not None and obj.parent is not None:
            obj.parent.children.pop(obj.name, None)
            obj.parent.recorded = None
    from qmonitor.machine.net.devices import detach_nic
    from qmonitor.machine.net_cmds import net_clients

    detach_nic(net_clients(machine), dev)  # a NIC (usb-net) leaves the network
    data = {"device": dev.id, "path": path} if dev.id is not None else {"path": path}
    # QEMU sends it once the device is finalized, after the reply.
    machine.loop.call_soon(machine.emit_event, "DEVICE_DELETED", data)


def startup_error(machine: Machine) -> str | None:
    """QEMU's error for the first ``-device`` it could not create, None if all were made."""
    hotplug = pc_hotplug(machine)
    return hotplug.startup_error if hotplug is not None else None


class _LazyConfigPorts:
    """Ports 0xcf8-0xcff, reaching the device model once something uses them."""

    def __init__(self, machine: Machine) -> None:
        self.machine = machine
        self.ports: ConfigPorts | None = None

    def _get(self) -> ConfigPorts:
        if self.ports is None:
            hotplug = pc_hotplug(self.machine)
            assert hotplug is not None
            self.ports = ConfigPorts(hotplug.pc.root)
        return self.ports

    def port_read(self, addr: int, size: int) -> int:
        return self._get().port_read(addr, size)

    def port_write(self, addr: int, size: int, value: int) -> None:
        self._get().port_write(addr, size, value)


def reset_devices(machine: Machine) -> None:
    """A system reset: the PCI devices' registers go back to their reset values."""
    hotplug = pc_hotplug(machine)
    if hotplug is None:
        return
    for dev in hotplug.pc.sysbus.walk():
        if isinstance(dev, PciDevice):
            dev.reset()


def qtest_memory(machine: Machine, memory: AddressSpace) -> PciMemoryView:
    """What qtest's memory commands reach: ``memory``, and the PCI devices' mapped BARs."""

    def root() -> PciBus | None:
        hotplug = pc_hotplug(machine)
        return hotplug.pc.root if hotplug is not None else None

    def backends(dev: PciDevice) -> Backend | None:
        from qmonitor.machine.devices.storage_setup import drive_attach
        from qmonitor.machine.virtio.attach import virtio_backend

        def drive_of(device: Device) -> BlockBackend | None:
            for blk, owner, _ in drive_attach(machine).owners.values():
                if owner is device:
                    return blk
            return None

        return virtio_backend(dev, drive_of)

    return PciMemoryView(memory, root, backends)


def devices_resized(machine: Machine) -> None:
    """A drive changed size: each virtio function whose configuration follows it says so."""
    from qmonitor.machine.virtio.transport import VirtioPci

    hotplug = pc_hotplug(machine)
    if hotplug is None:
        return
    for dev in hotplug.pc.sysbus.walk():
        if isinstance(dev, PciDevice) and isinstance(dev.device_regs, VirtioPci):
            dev.device_regs.config_maybe_changed()


def register_config_ports(machine: Machine) -> None:
    """Claim the PCI configuration ports of a PC, and an i440FX PC's ACPI hotplug registers."""
    if machine.board is not None:
        machine.ports.register(0xCF8, 8, _LazyConfigPorts(machine))
        from qmonitor.machine.devices.acpi_pcihp import BASE, SIZE, AcpiPciHotplug
        from qmonitor.machine.devices.pci_io import PciIoView

        def root() -> PciBus | None:
            hotplug = pc_hotplug(machine)
            return hotplug.pc.root if hotplug is not None else None

        def i440fx_root() -> PciBus | None:
            """The i440FX root bus (Q35's hotplug registers are elsewhere)."""
            hotplug = pc_hotplug(machine)
            return hotplug.pc.root if hotplug is not None and not hotplug.pc.q35 else None

        def eject(devices: list[Device]) -> None:
            finish_unplugs(machine, devices)

        machine.ports.fallback = PciIoView(root)
        machine.ports.register(BASE, SIZE, AcpiPciHotplug(i440fx_root, eject))


def finish_unplugs(machine: Machine, devices: list[Device] | None = None) -> None:
    """At a system reset: remove the devices whose unplug was pending, with their events.

    ``devices``: remove these instead, in this order (a guest ejected them).
    """
    from qmonitor.machine.qom_commands import machine_qom

    hotplug = pc_hotplug(machine)
    if hotplug is None:
        return
    if devices is None:
        devices = [d for d in hotplug.pc.sysbus.walk() if d.unplug_pending]
    if not devices:
        return
    tree = machine_qom(machine)  # the devices' paths are their places in it
    from qmonitor.machine.net.devices import detach_nic
    from qmonitor.machine.net_cmds import net_clients

    for dev in devices:
        detach_nic(net_clients(machine), dev)
    for data in hotplug.finish_unplugs(devices):
        path = data["path"]
        if "/virtio-backend" not in path:
            obj, _ = tree.resolve(path)
            if obj is not None and obj.parent is not None:
                obj.parent.children.pop(obj.name, None)
                obj.parent.recorded = None
        machine.emit_event("DEVICE_DELETED", data)
