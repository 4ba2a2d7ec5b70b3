"""migrate-set-parameters and the migration, COLO, Xen and dirty-rate commands.

Parameters are checked and applied as QEMU 7.2's migration/migration.c
does: the new values merged over the current ones must pass every check
(:func:`check_parameters`), then the given ones are kept, except the
multifd compression levels, which QEMU 7.2 neither checks nor keeps.

Migrating itself (``migrate``, ``migrate-incoming``, ``migrate_cancel``,
``migrate-continue``, ``query-migrate``) is :mod:`qmonitor.machine.migrate`'s.
The COLO, Xen and dirty-limit commands answer as QEMU does for a TCG
machine that is not in COLO mode.
"""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING, Any

from qmonitor.machine.migration import ZERO_COPY_SEND, MigrationState
from qmonitor.machine.runstate import RunState
from qmonitor.machine.schema import machine_schema
from qmonitor.qapi.binding import bind_command
from qmonitor.qapi.error import ErrorClass, QapiError

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine

# QEMU 7.2's texts (migration/migration.c, migration/colo.c, migration/savevm.c,
# migration/dirtyrate.c, softmmu/dirtylimit.c, monitor/misc.c, qapi/qmp/qerror.h).
EXPECTS = "Parameter '{}' expects {}"
#: migrate with resume=true (migrate_prepare, migration/migration.c): checked
#: before the URI; a null machine's migration never pauses in postcopy.
RESUME_NOT_PAUSED = "Cannot resume if there is no paused migration"
COLO_NOT_ENABLED = "The feature 'colo' is not enabled"
SPICE_NOT_IN_USE = "SPICE is not in use"
RUNNING_LOAD = "Cannot update device state while vm is running"
UNABLE_TO_OPEN = "Unable to open {}: {}"
FAILOVER_WHEN_ENABLING = "Parameter 'failover' is only for stopping replication"
NO_DIRTY_LIMIT = (
    "dirty page limit feature requires KVM with accelerator property 'dirty-ring-size' set'"
)
CALC_TIME_RANGE = "calc-time is out of range[1, 60]."
SAMPLE_PAGES_RANGE = "sample-pages is out of range[128, 16384]."
SAMPLE_PAGES_WITH_RING = "either sample-pages or dirty-ring can be specified."

#: x86's target page size (the smallest XBZRLE cache).
TARGET_PAGE_SIZE = 4096
#: MAX_MIGRATE_DOWNTIME, in milliseconds.
MAX_DOWNTIME = 2000 * 1000
#: Parameters QEMU 7.2's migrate-set-parameters takes but neither checks nor keeps.
IGNORED = ("multifd-zlib-level", "multifd-zstd-level")

#: (parameter, first value refused below, first value refused above, QEMU's words).
_RANGES: tuple[tuple[str, int | None, int | None, str], ...] = (
    ("compress-level", None, 9, "a value between 0 and 9"),
    ("compress-threads", 1, None, "a value between 1 and 255"),
    ("decompress-threads", 1, None, "a value between 1 and 255"),
    ("throttle-trigger-threshold", 1, 100, "an integer in the range of 1 to 100"),
    ("cpu-throttle-initial", 1, 99, "an integer in the range of 1 to 99"),
    ("cpu-throttle-increment", 1, 99, "an integer in the range of 1 to 99"),
    ("downtime-limit", None, MAX_DOWNTIME, "an integer in the range of 0 to (2000 * 1000) ms"),
    ("multifd-channels", 1, None, "a value between 1 and 255"),
)
_ANNOUNCE: tuple[tuple[str, int, int, str], ...] = (
    ("announce-initial", 0, 100000, "a value between 0 and 100000"),
    ("announce-max", 0, 100000, "a value between 0 and 100000"),
    ("announce-rounds", 0, 1000, "a value between 0 and 1000"),
    ("announce-step", 1, 10000, "a value between 0 and 10000"),
)


def _expects(name: str, words: str) -> QapiError:
    return QapiError(EXPECTS.format(name.replace("-", "_"), words))


def check_parameters(merged: dict[str, Any], given: dict[str, Any], zero_copy: bool) -> None:
    """QEMU's migrate_params_check on the merged parameters."""
    for name, low, high, words in _RANGES:
        value = merged[name]
        if (low is not None and value < low) or (high is not None and value > high):
            raise _expects(name, words)
    size = merged["xbzrle-cache-size"]
    if size < TARGET_PAGE_SIZE or size & (size - 1):
        raise _expects("xbzrle-cache-size", "a power of two no less than the target page size")
    throttle = merged["max-cpu-throttle"]
    if throttle < merged["cpu-throttle-initial"] or throttle > 99:
        raise _expects("max-cpu-throttle", "an integer in the range of cpu_throttle_initial to 99")
    for name, low, high, words in _ANNOUNCE:
        if not low <= merged[name] <= high:
            raise _expects(name, words)
    if zero_copy and (given.get("multifd-compression", "none") != "none" or given.get("tls-creds")):
        raise QapiError(ZERO_COPY_SEND)


def set_parameters(state: MigrationState, given: dict[str, Any]) -> None:
    """migrate-set-parameters: all the new values, or none of them."""
    given = {k: ("" if v is None and k.startswith("tls-") else v) for k, v in given.items()}
    merged = {**state.parameters, **{k: v for k, v in given.items() if k not in IGNORED}}
    check_parameters(merged, given, state.capabilities["zero-copy-send"])
    state.parameters = merged


def register_migration_commands(machine: Machine, state: MigrationState) -> None:
    """The migration commands beside the settings :mod:`.migration` keeps.

    Migrating itself is :mod:`qmonitor.machine.migrate`'s.
    """
    schema = machine_schema()
    full = machine.commands.full

    def migrate_set_parameters(params: dict[str, Any]) -> None:
        set_parameters(state, params)

    def client_migrate_info(protocol: str, **_: Any) -> None:
        if protocol == "spice":
            raise QapiError(SPICE_NOT_IN_USE, ErrorClass.DEVICE_NOT_ACTIVE)
        raise QapiError(EXPECTS.format("protocol", "'spice'"))

    def colo_lost_heartbeat() -> None:
        raise QapiError(COLO_NOT_ENABLED)

    def xen_save_devices_state(filename: str, live: bool | None = None) -> None:
        running = machine.runstate.is_running
        machine.vm_stop(RunState.SAVE_VM)
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
            try:
                fd = os.open(filename, flags, 0o660)
            except OSError as exc:
                raise QapiError(UNABLE_TO_OPEN.format(filename, exc.strerror)) from None
            # The null machine has no device with state to save.
            with contextlib.suppress(OSError):
                os.close(fd)
        finally:
            if running:
                machine.vm_start()

    def xen_set_global_dirty_log(enable: bool) -> None:
        return None

    def xen_load_devices_state(filename: str) -> None:
        if machine.runstate.is_running:
            raise QapiError(RUNNING_LOAD)
        raise QapiError("xen-load-devices-state is not modelled")

    def xen_set_replication(enable: bool, primary: bool, failover: bool | None = None) -> None:
        if failover is not None and enable:
            raise QapiError(FAILOVER_WHEN_ENABLING)

    def xen_colo_do_checkpoint() -> None:
        return None

    def set_vcpu_dirty_limit(dirty_rate: int, cpu_index: int | None = None) -> None:
        raise QapiError(NO_DIRTY_LIMIT)

    def cancel_vcpu_dirty_limit(cpu_index: int | None = None) -> None:
        return None

    def query_vcpu_dirty_limit() -> list[dict[str, Any]]:
        return []

    def calc_dirty_rate(
        calc_time: int, sample_pages: int | None = None, mode: str | None = None
    ) -> None:
        if not 1 <= calc_time <= 60:
            raise QapiError(CALC_TIME_RANGE)
        if sample_pages is not None and mode == "dirty-ring":
            raise QapiError(SAMPLE_PAGES_WITH_RING)
        if sample_pages is not None and not 128 <= sample_pages <= 16384:
            raise QapiError(SAMPLE_PAGES_RANGE)
        raise QapiError("calc-dirty-rate is not modelled")

    for name, handler in (
        ("migrate-set-parameters", migrate_set_parameters),
        ("client_migrate_info", client_migrate_info),
        ("x-colo-lost-heartbeat", colo_lost_heartbeat),
        ("xen-save-devices-state", xen_save_devices_state),
        ("xen-set-global-dirty-log", xen_set_global_dirty_log),
        ("xen-load-devices-state", xen_load_devices_state),
        ("xen-set-replication", xen_set_replication),
        ("xen-colo-do-checkpoint", xen_colo_do_checkpoint),
        ("calc-dirty-rate", calc_dirty_rate),
        ("set-vcpu-dirty-limit", set_vcpu_dirty_limit),
        ("cancel-vcpu-dirty-limit", cancel_vcpu_dirty_limit),
        ("query-vcpu-dirty-limit", query_vcpu_dirty_limit),
    ):
        full.register(bind_command(schema, name, handler))
