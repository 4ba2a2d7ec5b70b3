"""``info`` sub-commands over the machine's queries and over what it does not have.

Where QEMU's ``hmp_info_*`` prints the answer of a QMP query, these call
the machine's command of that name and print it as QEMU does
(``info migrate_parameters`` from query-migrate-parameters, ``info jit``
from x-query-jit's text ...), so that HMP and QMP agree.  Where the
machine has none of the thing asked about (no PCI bus, no NIC, no USB, no
virtio device, no SEV), they print what QEMU 7.2 prints on ``-M none``
(recorded in tests/golden/hmp/table.json).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qmonitor.machine.hmp_info import qmp
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    from qmonitor.machine.hmp_info import MachineHMP

# Texts of QEMU 7.2 (monitor/hmp-cmds.c, migration/, target/i386/, hw/, softmmu/).
NO_SEV = "SEV is not enabled\n"
SGX_PC_ONLY = "SGX is only supported on PC machines\n"
NO_EPC = "No EPC regions defined, SGX not available\n"
NO_VIRTIO = "No VirtIO devices\n"
NO_DIRTY_LIMIT = "Dirty page limit not enabled!\n"
SYNC_PROFILE_HEADER = (
    "Type               Object  Call site  Wait Time (s)         Count  Average (us)\n"
    + "-" * 79
    + "\n"
    + "-" * 79
    + "\n"
)
#: info mtree of the null machine: the I/O and memory address spaces, empty.
NULL_MTREE = (
    "address-space: I/O\n"
    "  0000000000000000-000000000000ffff (prio 0, i/o): io\n"
    "\n"
    "address-space: memory\n"
    "  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n"
    "\n"
)
#: info qtree of the null machine: the main system bus and nothing on it.
NULL_QTREE = "bus: main-system-bus\n  type System\n"


def _on_off(value: bool) -> str:
    return "on" if value else "off"


def _human_text(query: str) -> Any:
    """A handler printing the text of an x-query-* command (HumanReadableText)."""

    def handler(mon: MachineHMP, args: dict[str, Any]) -> None:
        mon.printf(qmp(mon, query)["human-readable-text"])

    return handler


def _prints(text: str) -> Any:
    def handler(mon: MachineHMP, args: dict[str, Any]) -> None:
        mon.printf(text)

    return handler


def _nothing(mon: MachineHMP, args: dict[str, Any]) -> None:
    """An empty list prints nothing (no captures, NICs, PCI buses, TPMs ...)."""


def info_dirty_rate(mon: MachineHMP, args: dict[str, Any]) -> None:
    """hmp_info_dirty_rate: query-dirty-rate's measurement."""
    info = qmp(mon, "query-dirty-rate")
    mon.printf(f"Status: {info['status']}\n")
    mon.printf(f"Start Time: {info['start-time']} (ms)\n")
    if info["mode"] == "page-sampling":
        mon.printf(f"Sample Pages: {info['sample-pages']} (per GB)\n")
    mon.printf(f"Period: {info['calc-time']} (sec)\n")
    mon.printf(f"Mode: {info['mode']}\n")
    mon.printf("Dirty rate: ")
    if info["status"] == "measured":
        mon.printf(f"{info['dirty-rate']} (MB/s)\n")
    else:
        mon.printf("(not ready)\n")


def info_memory_devices(mon: MachineHMP, args: dict[str, Any]) -> None:
    from qmonitor.machine.memdevs import memory_devices_text

    mon.printf(memory_devices_text(qmp(mon, "query-memory-devices")))


def info_memory_size_summary(mon: MachineHMP, args: dict[str, Any]) -> None:
    info = qmp(mon, "query-memory-size-summary")
    mon.printf(f"base memory: {info['base-memory']}\n")
    if "plugged-memory" in info:
        mon.printf(f"plugged memory: {info['plugged-memory']}\n")


#: What ``info migrate`` prints of the migration globals (never changed here).
MIGRATION_GLOBALS = (
    "globals:\n"
    "store-global-state: on\n"
    "only-migratable: off\n"
    "send-configuration: on\n"
    "send-section-footer: on\n"
    "decompress-error-check: on\n"
    "clear-bitmap-shift: 18\n"
)


def info_migrate(mon: MachineHMP, args: dict[str, Any]) -> None:
    """hmp_info_migrate: the globals, then the migration's status and figures."""
    from qmonitor.machine.migrate.hmp import migration_info_text

    info = qmp(mon, "query-migrate")
    mon.printf(MIGRATION_GLOBALS)
    mon.printf(migration_info_text(info))


def info_migrate_capabilities(mon: MachineHMP, args: dict[str, Any]) -> None:
    for cap in qmp(mon, "query-migrate-capabilities"):
        mon.printf(f"{cap['capability']}: {_on_off(cap['state'])}\n")


#: How hmp_info_migrate_parameters prints each parameter, in its order.
_PARAM_UNITS = {
    "announce-initial": " ms",
    "announce-max": " ms",
    "announce-step": " ms",
    "max-bandwidth": " bytes/second",
    "downtime-limit": " ms",
    "x-checkpoint-delay": " ms",
    "xbzrle-cache-size": " bytes",
}
_PARAM_ORDER = (
    "announce-initial",
    "announce-max",
    "announce-rounds",
    "announce-step",
    "compress-level",
    "compress-threads",
    "compress-wait-thread",
    "decompress-threads",
    "throttle-trigger-threshold",
    "cpu-throttle-initial",
    "cpu-throttle-increment",
    "cpu-throttle-tailslow",
    "max-cpu-throttle",
    "tls-creds",
    "tls-hostname",
    "max-bandwidth",
    "downtime-limit",
    "x-checkpoint-delay",
    "block-incremental",
    "multifd-channels",
    "multifd-compression",
    "xbzrle-cache-size",
    "max-postcopy-bandwidth",
    "tls-authz",
)


def info_migrate_parameters(mon: MachineHMP, args: dict[str, Any]) -> None:
    params = qmp(mon, "query-migrate-parameters")
    for name in _PARAM_ORDER:
        if name not in params:
            continue
        value = params[name]
        if isinstance(value, bool):
            shown = _on_off(value)
        elif isinstance(value, str) and name.startswith("tls-"):
            shown = f"'{value}'"
        else:
            shown = str(value)
        mon.printf(f"{name}: {shown}{_PARAM_UNITS.get(name, '')}\n")


def info_memdev(mon: MachineHMP, args: dict[str, Any]) -> None:
    """hmp_info_memdev: each backend, then an empty line."""
    for dev in qmp(mon, "query-memdev"):
        mon.printf(f"memory backend: {dev['id']}\n")
        mon.printf(f"  size:  {dev['size']}\n")
        mon.printf(f"  merge: {str(dev['merge']).lower()}\n")
        mon.printf(f"  dump: {str(dev['dump']).lower()}\n")
        mon.printf(f"  prealloc: {str(dev['prealloc']).lower()}\n")
        mon.printf(f"  share: {str(dev['share']).lower()}\n")
        if "reserve" in dev:
            mon.printf(f"  reserve: {str(dev['reserve']).lower()}\n")
        mon.printf(f"  policy: {dev['policy']}\n")
        nodes = ",".join(str(n) for n in dev["host-nodes"])
        mon.printf(f"  host nodes: {nodes}\n")
    mon.printf("\n")


def info_vnc(mon: MachineHMP, args: dict[str, Any]) -> None:
    """hmp_info_vnc: the servers; none without ``-vnc``."""
    servers = qmp(mon, "query-vnc-servers")
    if not servers:
        mon.printf("None\n")


def info_spice(mon: MachineHMP, args: dict[str, Any]) -> None:
    """hmp_info_spice: query-spice's server."""
    info = qmp(mon, "query-spice")
    if not info["enabled"]:
        mon.printf("Server: disabled\n")
        return
    mon.printf("Server:\n")
    if "port" in info:
        mon.printf(f"     address: {info['host']}:{info['port']}\n")
    if "tls-port" in info:
        mon.printf(f"     address: {info['host']}:{info['tls-port']} [tls]\n")
    mon.printf(f"    migrated: {str(info['migrated']).lower()}\n")
    mon.printf(f"        auth: {info.get('auth', '')}\n")
    mon.printf(f"    compiled: {info.get('compiled-version', '')}\n")
    mon.printf(f"  mouse-mode: {info['mouse-mode']}\n")
    # No SPICE client ever connects to qmonitor: no channel to list.
    mon.printf("Channels: none\n")


def info_snapshots(mon: MachineHMP, args: dict[str, Any]) -> None:
    from qmonitor.machine.savevm import info_snapshots as show

    show(mon, args)


def info_tpm(mon: MachineHMP, args: dict[str, Any]) -> None:
    """hmp_info_tpm: nothing without a TPM."""
    qmp(mon, "query-tpm")


def info_iothreads(mon: MachineHMP, args: dict[str, Any]) -> None:
    for thread in qmp(mon, "query-iothreads"):
        mon.printf(f"{thread['id']}:\n")
        mon.printf(f"  thread_id={thread['thread-id']}\n")
        mon.printf(f"  poll-max-ns={thread['poll-max-ns']}\n")
        mon.printf(f"  poll-grow={thread['poll-grow']}\n")
        mon.printf(f"  poll-shrink={thread['poll-shrink']}\n")
        mon.printf(f"  aio-max-batch={thread['aio-max-batch']}\n")


def info_sync_profile(mon: MachineHMP, args: dict[str, Any]) -> None:
    """No lock has been profiled: the header and two rules."""
    mon.printf(SYNC_PROFILE_HEADER)


def info_profile(mon: MachineHMP, args: dict[str, Any]) -> None:
    mon.printf(qmp(mon, "x-query-profile")["human-readable-text"])


#: What a PC's memory, device and interrupt controller views answer: qmonitor
#: models them for the null machine only.
PC_NOT_MODELLED = "info {} is not modelled for this machine type"


def _null_machine_only(name: str, text: str) -> Any:
    """A handler printing the null machine's ``text``; a PC's is not modelled."""

    def handler(mon: MachineHMP, args: dict[str, Any]) -> None:
        if mon.machine.board is not None:
            raise QapiError(PC_NOT_MODELLED.format(name))
        mon.printf(text)

    return handler


def info_qtree(mon: MachineHMP, args: dict[str, Any]) -> None:
    """hmp_info_qtree: the PC's device tree, or the null machine's empty system bus."""
    from qmonitor.machine.devices.qdev import qtree_text
    from qmonitor.machine.devices.state import pc_hotplug

    hotplug = pc_hotplug(mon.machine)
    mon.printf(NULL_QTREE if hotplug is None else qtree_text(hotplug.pc.sysbus))


def info_network(mon: MachineHMP, args: dict[str, Any]) -> None:
    """hmp_info_network: the hubs, then each NIC with its back-end."""
    from qmonitor.machine.net.show import info_network as text
    from qmonitor.machine.net_cmds import net_clients

    mon.printf(text(net_clients(mon.machine)))


def info_pci(mon: MachineHMP, args: dict[str, Any]) -> None:
    """hmp_info_pci: query-pci's answer, device by device."""
    from qmonitor.machine.devices.pci import info_pci_text

    mon.printf(info_pci_text(qmp(mon, "query-pci")))


def info_sgx(mon: MachineHMP, args: dict[str, Any]) -> None:
    """hmp_info_sgx: a PC without ``sgx-epc`` memory has no EPC section."""
    mon.printf(SGX_PC_ONLY if mon.machine.board is None else NO_EPC)


def _rocker(mon: MachineHMP, args: dict[str, Any]) -> None:
    # No rocker switch exists to be named.
    raise QapiError(f"rocker {args['name']} not found")


def _virtio_path(mon: MachineHMP, args: dict[str, Any]) -> None:
    # No QOM path names a virtio device on the null machine.
    raise QapiError(f"Path {args['path']} is not a VirtIODevice")


def _virtio_element(mon: MachineHMP, args: dict[str, Any]) -> None:
    raise QapiError(f"Path {args['path']} is not a VirtIO device")


def _stats(mon: MachineHMP, args: dict[str, Any]) -> None:
    """hmp_info_stats: the target must be a StatsTarget; no provider has stats here."""
    target = args["target"]
    if target not in ("vm", "vcpu", "cryptodev"):
        mon.printf(f"invalid stats target {target}\n")


def _not_available(mon: MachineHMP, args: dict[str, Any]) -> None:
    # A command QEMU's build left without a handler (info usbhost needs libusb).
    mon.printf('Command "info usbhost" is not available.\n')


#: Handlers of the info sub-commands this module answers.
INFO_HANDLERS: dict[str, Any] = {
    "capture": _nothing,
    "dirty_rate": info_dirty_rate,
    "iothreads": info_iothreads,
    "irq": _human_text("x-query-irq"),
    "jit": _human_text("x-query-jit"),
    "memdev": info_memdev,
    "memory-devices": info_memory_devices,
    "memory_size_summary": info_memory_size_summary,
    "migrate": info_migrate,
    "migrate_capabilities": info_migrate_capabilities,
    "migrate_parameters": info_migrate_parameters,
    "mtree": _null_machine_only("mtree", NULL_MTREE),
    "network": info_network,
    "opcount": _human_text("x-query-opcount"),
    "pci": info_pci,
    "pic": _null_machine_only("pic", ""),
    "profile": info_profile,
    "qtree": info_qtree,
    "ramblock": _human_text("x-query-ramblock"),
    "rdma": _human_text("x-query-rdma"),
    "rocker": _rocker,
    "rocker-of-dpa-flows": _rocker,
    "rocker-of-dpa-groups": _rocker,
    "rocker-ports": _rocker,
    "roms": _human_text("x-query-roms"),
    "sev": _prints(NO_SEV),
    "sgx": info_sgx,
    "snapshots": info_snapshots,
    "spice": info_spice,
    "stats": _stats,
    "sync-profile": info_sync_profile,
    "tpm": info_tpm,
    "usb": _human_text("x-query-usb"),
    "usbhost": _not_available,
    "usernet": _nothing,
    "vcpu_dirty_limit": _prints(NO_DIRTY_LIMIT),
    "virtio": _prints(NO_VIRTIO),
    "virtio-queue-element": _virtio_element,
    "virtio-queue-status": _virtio_path,
    "virtio-status": _virtio_path,
    "virtio-vhost-queue-status": _virtio_path,
    "vnc": info_vnc,
}
