"""An opt-in guest for tests: ``-qmonitor-guest`` adds ``x-qmonitor-guest-*`` commands.

The null machine runs no guest code, so whatever QEMU does only when a
guest acts never happens: an unplug waits forever, a tray never moves by
itself, a disk's counters stay at 0, the guest never resets, powers off
or panics.  These commands make the guest act (only while the VM runs:
a stopped guest does nothing), and the machine answers with what QEMU
7.2 does when a real guest does the same:

- ``x-qmonitor-guest-unplug``: the guest ejects a PCI slot (ACPI ``_EJ0``,
  or a PCIe slot powered off).  Every device in the slot goes, newest
  first (hw/acpi/pcihp.c walks the bus's children, which qdev keeps newest
  first), each with DEVICE_DELETED (a virtio proxy's backend before the
  proxy, hw/core/qdev.c's device_finalize); a bridge the command line
  made stays (acpi_pcihp_pc_no_hotplug).  ``accept: false`` is a guest
  that refuses: on x86 QEMU raises no event for a PCI device; the
  request lapses and ``device_del`` may ask again.  A DIMM's slot is
  ejected through ACPI memory hotplug (hw/acpi/memory_hotplug.c): the
  DIMM goes with DEVICE_DELETED; a guest that cannot offline the memory
  reports it through the slot's ``_OST``, which QEMU passes on as
  ACPI_DEVICE_OST (QEMU 7.2 raises DEVICE_UNPLUG_GUEST_ERROR and
  MEM_UNPLUG_ERROR only when its own unplug handler fails after an
  eject, which a DIMM in a valid slot never does).
- ``x-qmonitor-guest-virtio-mem``: the guest's virtio-mem driver plugs or
  unplugs blocks until the device has ``requested-size`` (or ``size``)
  bytes plugged (hw/virtio/virtio-mem.c: a plug beyond ``requested-size``
  is refused); MEMORY_DEVICE_SIZE_CHANGE goes out when ``size`` moved.
- ``x-qmonitor-guest-tray``: ATAPI PREVENT ALLOW MEDIUM REMOVAL, then
  START STOP UNIT with LoEj (hw/ide/atapi.c): locking raises nothing,
  moving the tray raises DEVICE_TRAY_MOVED; a locked tray does not open.
- ``x-qmonitor-guest-disk-io``: one request of the guest's device,
  accounted as block/accounting.c does (:mod:`.block.accounting`); a
  write also raises the highest offset written of each node on its path,
  marks their enabled dirty bitmaps (as does a discard on a drive opened
  with ``discard=unmap``) and fires a node's write threshold
  (block/write-threshold.c).  The guest's data is not written.
- ``x-qmonitor-guest-reset`` / ``-shutdown``: the guest's requests
  (cause ``guest-reset`` / ``guest-shutdown``) under ``-no-reboot``,
  ``-no-shutdown`` and ``-action`` as QEMU applies them.
- ``x-qmonitor-guest-panic``: a pvpanic device reports a panic
  (softmmu/runstate.c qemu_system_guest_panicked, no panic information).
- ``x-qmonitor-guest-balloon``: the balloon driver reports its memory
  (query-balloon's ``actual``, BALLOON_CHANGE).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qmonitor.machine.block import bitmaps, block_io
from qmonitor.machine.block.accounting import QTEST_LATENCY_NS, IoType
from qmonitor.machine.block.backend import BlockBackend
from qmonitor.machine.block.backend_cmds import acct_now_ns, synced_backends
from qmonitor.machine.block.media import NO_TRAY
from qmonitor.machine.devices.dimms import memory_devices
from qmonitor.machine.devices.hotplug import DEVICE_NOT_FOUND
from qmonitor.machine.devices.pci import PciBus, PciDevice
from qmonitor.machine.devices.state import finish_unplugs, pc_hotplug
from qmonitor.machine.runstate import RunState, ShutdownCause
from qmonitor.machine.schema import machine_schema
from qmonitor.qapi.binding import bind_command
from qmonitor.qapi.error import ErrorClass, QapiError
from qmonitor.qapi.texts import INVALID_PARAMETER_VALUE

if TYPE_CHECKING:
    from qmonitor.machine.block.graph import BlockNode
    from qmonitor.machine.devices.qdev import Device
    from qmonitor.machine.machine import Machine

# qmonitor's own texts: what a guest cannot do.
NO_EJECT = "qmonitor: the guest cannot eject '{}': its bus has no hotplug controller"
NOT_PENDING = "qmonitor: no unplug of '{}' is pending"
TRAY_LOCKED = "qmonitor: the guest cannot open the tray of '{}': its medium is locked"
NOT_ATTACHED = "qmonitor: '{}' is attached to no guest device"
NO_MEDIUM = "qmonitor: '{}' has no medium for the guest to use"
NO_PANIC_DEVICE = "qmonitor: the guest has no pvpanic device"
NO_BALLOON_DEVICE = "qmonitor: the guest has no balloon device"
NOT_RUNNING = "qmonitor: the guest is not running (the VM is {})"
NOT_VIRTIO_MEM = "qmonitor: '{}' is no virtio-mem device"
NVDIMM_NO_EJECT = "qmonitor: the guest cannot eject '{}': an NVDIMM has no memory hotplug slot"
#: What ``op`` takes.
OPS = {"read": IoType.READ, "write": IoType.WRITE, "flush": IoType.FLUSH, "unmap": IoType.UNMAP}
#: The devices' logical block size: requests are in whole sectors (BDRV_SECTOR_SIZE).
SECTOR = 512
#: The pvpanic devices of QEMU 7.2 (hw/misc/pvpanic-isa.c, pvpanic-pci.c).
PANIC_DEVICES = ("pvpanic", "pvpanic-pci")


def _find_device(machine: Machine, ident: str) -> Device:
    """A user device by id or QOM path, as ``device_del`` finds it."""
    from qmonitor.machine.qom_commands import machine_qom

    hotplug = pc_hotplug(machine)
    dev = None
    if hotplug is not None:
        if ident.startswith("/"):
            machine_qom(machine)  # the devices get their paths with the tree
            path = "/" + "/".join(p for p in ident.split("/") if p)
            dev = next((d for d in hotplug.created if d.qom_path == path), None)
        else:
            dev = hotplug.by_id.get(ident)
    if dev is None or (dev.bus is None and dev.memory is None):
        raise QapiError(DEVICE_NOT_FOUND.format(ident), ErrorClass.DEVICE_NOT_FOUND)
    return dev


def _running(machine: Machine) -> None:
    """A guest acts only while its vCPUs run."""
    if not machine.runstate.is_running:
        raise QapiError(NOT_RUNNING.format(machine.runstate.value))


def _ejectable(dev: Device) -> bool:
    """acpi_pcihp_pc_no_hotplug's complement: a bridge goes only if it was hotplugged."""
    bridge = any(isinstance(bus, PciBus) for bus in dev.buses)
    return dev.user and (dev.hotplugged or not bridge)


def slot_devices(dev: Device) -> list[Device]:
    """What ejecting ``dev``'s slot removes: the slot's devices, newest first."""
    bus = dev.bus
    assert bus is not None
    if not isinstance(dev, PciDevice):
        return [dev] if _ejectable(dev) else []
    slot = dev.devfn >> 3
    return [
        d
        for d in reversed(bus.children)
        if isinstance(d, PciDevice) and d.devfn >> 3 == slot and _ejectable(d)
    ]


def guest_unplug(machine: Machine, ident: str, accept: bool = True) -> None:
    """The guest ejects ``ident``'s slot, or refuses the unplug it was asked for."""
    _running(machine)
    dev = _find_device(machine, ident)
    if dev.bus is None:
        _guest_dimm_unplug(machine, dev, ident, accept)
        return
    if not dev.bus.hotpluggable:
        raise QapiError(NO_EJECT.format(ident))
    if not accept:
        if not dev.unplug_pending:
            raise QapiError(NOT_PENDING.format(ident))
        dev.unplug_pending = False
        return
    gone = slot_devices(dev)
    devices = memory_devices(machine)
    for each in gone:
        # A virtio-mem device's slot ejected anyway: it unrealizes and its
        # backend is unmapped (QEMU's unplug handler leaves the rest).
        if each.memory is not None and devices is not None:
            devices.remove(each.memory)
    finish_unplugs(machine, gone)


def _guest_dimm_unplug(machine: Machine, dev: Device, ident: str, accept: bool) -> None:
    """A DIMM's ACPI slot: the guest ejects it, or reports that it cannot."""
    from qmonitor.machine.devices.dimms import eject_dimm, refuse_dimm

    hotplug = pc_hotplug(machine)
    assert hotplug is not None
    if dev.memory.kind == "nvdimm":
        raise QapiError(NVDIMM_NO_EJECT.format(ident))
    if accept:
        eject_dimm(machine, hotplug, dev)
        return
    if not dev.memory.removing:
        raise QapiError(NOT_PENDING.format(ident))
    refuse_dimm(machine, dev)


def guest_virtio_mem(machine: Machine, ident: str, size: int | None = None) -> None:
    """The guest's virtio-mem driver plugs or unplugs blocks towards ``size`` bytes."""
    from qmonitor.machine.devices.virtio_mem_pci import guest_resize
    from qmonitor.machine.virtio_mem import VirtioMem

    _running(machine)
    dev = _find_device(machine, ident)
    if not isinstance(dev.memory, VirtioMem):
        raise QapiError(NOT_VIRTIO_MEM.format(ident))
    guest_resize(machine, dev, size)


def _attached(machine: Machine, device: str | None, ident: str | None) -> BlockBackend:
    blk = synced_backends(machine).drives.get(device, ident)
    name = ident if ident is not None else device
    if not isinstance(blk, BlockBackend) or not blk.attached:
        raise QapiError(NOT_ATTACHED.format(name))
    return blk


def guest_tray(
    machine: Machine,
    device: str | None = None,
    ident: str | None = None,
    locked: bool | None = None,
    open_: bool | None = None,
) -> None:
    """The guest locks or unlocks the medium, then opens or closes the tray."""
    _running(machine)
    blk = _attached(machine, device, ident)
    name = ident if ident is not None else device
    if not blk.has_tray:
        raise QapiError(NO_TRAY.format(name))
    if locked is not None:
        blk.locked = locked  # blk_lock_medium: no event
    if open_ is None or open_ == blk.tray_open:
        return
    if open_ and blk.locked:
        # The device answers MEDIUM REMOVAL PREVENTED; the tray stays shut.
        raise QapiError(TRAY_LOCKED.format(name))
    blk.move_tray(open_)


def _write_path(node: BlockNode) -> list[BlockNode]:
    """The nodes a write at the same offset goes through: filters and raw pass it down."""
    path = [node]
    while node.driver in ("raw", "blkdebug"):
        child = node.children.get("file") or node.children.get("image")
        if child is None or node.options.get("offset"):
            break
        node = child
        path.append(node)
    return path


def guest_disk_io(
    machine: Machine,
    op: str,
    device: str | None = None,
    ident: str | None = None,
    offset: int = 0,
    nbytes: int = 0,
) -> None:
    """One request of the guest's device to its drive, accounted as QEMU accounts it."""
    _running(machine)
    kind = OPS.get(op)
    if kind is None:
        raise QapiError(INVALID_PARAMETER_VALUE.format("op", "read, write, flush or unmap"))
    blk = _attached(machine, device, ident)
    medium = blk.medium
    if medium is None or (blk.has_tray and blk.tray_open):
        raise QapiError(NO_MEDIUM.format(ident if ident is not None else device))
    stats = blk.acct
    start = acct_now_ns(machine)
    if kind is not IoType.FLUSH:
        # virtio_blk_sect_range_ok / ide_sect_range_ok: refused before any I/O.
        aligned = offset % SECTOR == 0 and nbytes % SECTOR == 0
        if offset < 0 or nbytes < 0 or offset + nbytes > medium.size or not aligned:
            stats.invalid(kind, start)
            return
    else:
        nbytes = 0
    now = acct_now_ns(machine)
    latency = QTEST_LATENCY_NS if machine.virtual_clock is not None else now - start
    if kind in (IoType.WRITE, IoType.UNMAP) and medium.read_only:
        stats.failed(kind, latency, now)  # -EPERM from the block layer
        return
    if kind in (IoType.WRITE, IoType.UNMAP) and nbytes:
        unmap = block_io.unmaps(medium)
        for node in _write_path(medium):
            check_threshold(machine, node, offset + nbytes)
            if kind is IoType.WRITE:
                node.wr_highest_offset = max(node.wr_highest_offset, offset + nbytes)
            if kind is IoType.WRITE or unmap:
                bitmaps.mark(node, offset, nbytes)
    stats.done(kind, nbytes, latency, now)


def check_threshold(machine: Machine, node: BlockNode, end: int) -> None:
    """bdrv_write_threshold_check_write: BLOCK_WRITE_THRESHOLD once, then no threshold."""
    threshold = node.write_threshold
    if threshold and end > threshold:
        data = {"node-name": node.name, "amount-exceeded": end - threshold}
        data["write-threshold"] = threshold
        machine.emit_event("BLOCK_WRITE_THRESHOLD", data)
        node.write_threshold = 0


def guest_panic(machine: Machine) -> None:
    """qemu_system_guest_panicked(NULL): GUEST_PANICKED, then the panic action."""
    _running(machine)
    hotplug = pc_hotplug(machine)
    if hotplug is None or not any(d.typename in PANIC_DEVICES for d in hotplug.created):
        raise QapiError(NO_PANIC_DEVICE)
    action = machine.panic_action
    if action == "pause" or (action == "shutdown" and machine.shutdown_action == "pause"):
        machine.emit_event("GUEST_PANICKED", {"action": "pause"})
        machine.vm_stop(RunState.GUEST_PANICKED)
    elif action in ("shutdown", "exit-failure"):
        machine.emit_event("GUEST_PANICKED", {"action": "poweroff"})
        machine.vm_stop(RunState.GUEST_PANICKED)
        machine.shutdown_request(ShutdownCause.GUEST_PANIC)
    else:
        machine.emit_event("GUEST_PANICKED", {"action": "run"})


def guest_balloon(machine: Machine, actual: int | None) -> None:
    """The guest's balloon driver reports its memory: ``actual`` bytes, or what the host asked.

    The report is clamped to the RAM, as virtio_balloon_set_config's page
    count leaves it; BALLOON_CHANGE goes out when it changed (throttled).
    """
    from qmonitor.machine.devices.balloon import balloon_target, guest_set_actual, has_balloon

    _running(machine)
    if not has_balloon(machine):
        raise QapiError(NO_BALLOON_DEVICE)
    guest_set_actual(machine, balloon_target(machine) if actual is None else actual)


def register_guest(machine: Machine) -> None:
    """Add the ``x-qmonitor-guest-*`` commands (schema: qmonitor_guest.py's)."""

    def unplug(id: str, accept: bool = True) -> None:
        guest_unplug(machine, id, accept)

    def tray(
        device: str | None = None,
        id: str | None = None,
        locked: bool | None = None,
        open: bool | None = None,
    ) -> None:
        guest_tray(machine, device, id, locked, open)

    def disk_io(
        op: str,
        device: str | None = None,
        id: str | None = None,
        offset: int = 0,
        bytes: int = 0,
    ) -> None:
        guest_disk_io(machine, op, device, id, offset, bytes)

    def reset() -> None:
        _running(machine)
        machine.system_reset_request(ShutdownCause.GUEST_RESET)

    def shutdown() -> None:
        _running(machine)
        machine.shutdown_request(ShutdownCause.GUEST_SHUTDOWN)

    def panic() -> None:
        guest_panic(machine)

    def balloon(actual: int | None = None) -> None:
        guest_balloon(machine, actual)

    def virtio_mem(id: str, size: int | None = None) -> None:
        guest_virtio_mem(machine, id, size)

    schema = machine_schema(guest=True)
    full = machine.commands.full
    for name, func in (
        ("unplug", unplug),
        ("tray", tray),
        ("disk-io", disk_io),
        ("reset", reset),
        ("shutdown", shutdown),
        ("panic", panic),
        ("balloon", balloon),
        ("virtio-mem", virtio_mem),
    ):
        full.register(bind_command(schema, f"x-qmonitor-guest-{name}", func))
