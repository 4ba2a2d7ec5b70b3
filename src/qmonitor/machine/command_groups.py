"""Which modules register which of the machine's QMP commands, and QEMU's listing order.

The commands a fresh machine needs at once (run state, negotiation,
introspection, the queries every client starts with, fd passing) register
when the machine is built.  Every other family registers lazily
(:meth:`QmpCommandList.register_lazy`): :data:`LAZY_GROUPS` names, for each
``module:function`` that registers a family, the commands it registers, so
the family's modules are imported (and its argument types built) only when
a client first uses one of them.  A test checks that each function
registers exactly the names listed here.
"""

from __future__ import annotations

import importlib
import json
import os
from functools import lru_cache, partial
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine

#: ``module:function`` (the function takes the machine) -> the commands it registers.
LAZY_GROUPS: dict[str, tuple[str, ...]] = {
    "qmonitor.machine.qmp_commands:register_migration": (
        "migrate-set-parameters", "client_migrate_info", "migrate-start-postcopy",
        "x-colo-lost-heartbeat", "xen-save-devices-state", "xen-set-global-dirty-log",
        "xen-load-devices-state", "xen-set-replication", "xen-colo-do-checkpoint",
        "migrate-recover", "calc-dirty-rate", "set-vcpu-dirty-limit", "cancel-vcpu-dirty-limit",
        "query-vcpu-dirty-limit", "migrate", "migrate-incoming", "migrate_cancel",
        "migrate-continue", "query-migrate", "migrate-set-capabilities", "migrate-pause",
        "query-migrate-capabilities", "query-migrate-parameters",
    ),
    "qmonitor.machine.block.commands:register_block_commands": (
        "blockdev-add", "blockdev-del", "block-dirty-bitmap-add", "block-dirty-bitmap-remove",
        "block-dirty-bitmap-clear", "block-dirty-bitmap-enable", "block-dirty-bitmap-disable",
        "block-dirty-bitmap-merge", "x-debug-block-dirty-bitmap-sha256", "block_resize",
        "block-set-write-threshold", "block_set_io_throttle", "block-latency-histogram-set",
        "blockdev-snapshot-sync", "blockdev-snapshot", "blockdev-snapshot-internal-sync",
        "blockdev-snapshot-delete-internal-sync", "change-backing-file", "x-blockdev-change",
        "x-blockdev-set-iothread", "blockdev-reopen", "eject", "blockdev-open-tray",
        "blockdev-close-tray", "blockdev-remove-medium", "blockdev-insert-medium",
        "blockdev-change-medium", "nbd-server-start", "nbd-server-add", "nbd-server-remove",
        "nbd-server-stop", "block-export-add", "block-export-del", "query-block-exports",
        "block-commit", "drive-backup", "blockdev-backup", "drive-mirror", "blockdev-mirror",
        "block-stream", "block-job-set-speed", "block-job-cancel", "block-job-pause",
        "block-job-resume", "block-job-complete", "block-job-dismiss", "block-job-finalize",
        "blockdev-create", "x-blockdev-amend", "job-pause", "job-resume", "job-cancel",
        "job-complete", "job-dismiss", "job-finalize", "snapshot-save", "snapshot-load",
        "snapshot-delete", "transaction", "query-jobs", "query-block-jobs",
    ),
    "qmonitor.machine.qom_commands:register_qom": (
        "qom-list", "qom-get", "qom-list-types", "qom-list-properties", "device-list-properties",
    ),
    "qmonitor.machine.queries_devices:register_device_state_queries": (
        "query-pr-managers", "query-blockstats", "x-debug-query-block-graph", "query-dump",
        "query-dump-guest-memory-capability", "query-rx-filter", "query-tpm-models",
        "query-tpm-types", "query-tpm",
    ),
    "qmonitor.machine.queries_ui:register_ui_queries": (
        "query-vnc", "query-vnc-servers", "query-mice", "query-display-options",
    ),
    "qmonitor.machine.user_objects:register_object_commands": (
        "qom-set", "object-add", "object-del",
    ),
    "qmonitor.machine.queries_machine:register_machine_queries": (
        "query-xen-replication-status", "query-colo-status", "query-dirty-rate",
        "query-current-machine", "query-vm-generation-id", "query-memory-size-summary",
        "query-memory-devices", "x-query-irq", "x-query-jit", "x-query-numa", "x-query-opcount",
        "x-query-profile", "x-query-ramblock", "x-query-rdma", "x-query-roms", "x-query-usb",
        "query-replay", "query-acpi-ospm-status", "query-stats-schemas",
    ),
    "qmonitor.machine.qmp_ctl:register_ctl_commands": (
        "x-exit-preconfig", "query-memdev", "query-spice",
    ),
    "qmonitor.machine.chardev_cmds:register_chardev_commands": (
        "ringbuf-write", "ringbuf-read", "chardev-add", "chardev-change", "chardev-remove",
        "chardev-send-break",
    ),
    "qmonitor.machine.dump_cmd:register_dump_command": ("dump-guest-memory",),
    "qmonitor.machine.net_cmds:register_net_commands": (
        "set_link", "netdev_add", "netdev_del", "announce-self", "query-rocker",
        "query-rocker-ports", "query-rocker-of-dpa-flows", "query-rocker-of-dpa-groups",
    ),
    "qmonitor.machine.ui_cmds:register_ui_commands": (
        "set_password", "expire_password", "screendump", "change-vnc-password", "send-key",
        "input-send-event", "display-reload", "display-update",
    ),
    "qmonitor.machine.machine_cmds:register_machine_commands": (
        "system_wakeup", "inject-nmi", "memsave", "pmemsave", "set-numa-node", "dumpdtb",
        "replay-break", "replay-delete-break", "replay-seek", "add_client",
        "rtc-reset-reinjection", "query-sev", "query-sev-launch-measure",
        "query-sev-capabilities", "sev-inject-launch-secret", "query-sev-attestation-report",
        "query-sgx", "query-sgx-capabilities", "query-pci", "query-stats", "x-query-virtio",
        "x-query-virtio-status", "x-query-virtio-queue-status",
        "x-query-virtio-vhost-queue-status", "x-query-virtio-queue-element",
    ),
    "qmonitor.machine.device_cmds:register_device_commands": (
        "device_add", "device_del", "query-cpu-model-expansion", "query-cpu-definitions",
        "trace-event-get-state", "trace-event-set-state",
    ),
}  # fmt: skip


def load_group(machine: Machine, where: str) -> None:
    """Run the registering function ``where`` (``module:function``) on ``machine``."""
    module, _, function = where.partition(":")
    getattr(importlib.import_module(module), function)(machine)


def register_lazy_groups(machine: Machine) -> None:
    """Declare every group of :data:`LAZY_GROUPS` on the machine's full command list."""
    full = machine.commands.full
    for where, names in LAZY_GROUPS.items():
        full.register_lazy(names, partial(load_group, machine, where))


@lru_cache(maxsize=1)
def command_rank() -> dict[str, int]:
    """Each command's place in QEMU 7.2's ``query-commands`` listing (recorded)."""
    # os.path, not importlib.resources: start-up stays without pathlib.
    path = os.path.join(os.path.dirname(__file__), "data", "command_order.json")
    with open(path, encoding="utf-8") as file:
        order: list[str] = json.load(file)
    return {name: index for index, name in enumerate(order)}
