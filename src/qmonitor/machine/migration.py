"""Migration state of the null machine: capabilities, parameters, status.

Nothing ever migrates, but clients (libvirt first) set capabilities before
a migration and read them back, so the machine keeps them as QEMU 7.2's
migration/migration.c does: one flag per :data:`CAPABILITIES` member, all
off at start, changed all at once by ``migrate-set-capabilities`` after
the new set passed QEMU's compatibility checks (:meth:`check`).  The
parameters are QEMU 7.2's defaults; ``query-migrate`` is empty while no
migration has run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qmonitor.qapi.error import QapiError
from qmonitor.qapi.texts import INVALID_PARAMETER_VALUE

#: MigrationCapability, in the schema's order (query-migrate-capabilities lists them so).
CAPABILITIES = (
    "xbzrle",
    "rdma-pin-all",
    "auto-converge",
    "zero-blocks",
    "compress",
    "events",
    "postcopy-ram",
    "x-colo",
    "release-ram",
    "block",
    "return-path",
    "pause-before-switchover",
    "multifd",
    "dirty-bitmaps",
    "postcopy-blocktime",
    "late-block-activate",
    "x-ignore-shared",
    "validate-uuid",
    "background-snapshot",
    "zero-copy-send",
    "postcopy-preempt",
)

#: The capabilities background-snapshot cannot be combined with, in the
#: order QEMU checks them (the first one on is named in the error).
BACKGROUND_SNAPSHOT_INCOMPATIBLE = (
    "postcopy-ram",
    "dirty-bitmaps",
    "postcopy-blocktime",
    "late-block-activate",
    "return-path",
    "multifd",
    "pause-before-switchover",
    "auto-converge",
    "release-ram",
    "rdma-pin-all",
    "compress",
    "xbzrle",
    "x-colo",
    "validate-uuid",
    "zero-copy-send",
)

# Texts of migrate_caps_check (migration/migration.c, QEMU 7.2).
POSTCOPY_IGNORE_SHARED = "Postcopy is not compatible with ignore-shared"
BACKGROUND_SNAPSHOT_WITH = "Background-snapshot is not compatible with {}"
ZERO_COPY_SEND = "Zero copy only available for non-compressed non-TLS multifd migration"
PREEMPT_NEEDS_POSTCOPY = "Postcopy preempt requires postcopy-ram"
PREEMPT_COMPRESS = "Postcopy preempt not compatible with compress"
MULTIFD_COMPRESS = "Multifd is not compatible with compress"

# Text of qmp_migrate_pause (migration/migration.c, QEMU 7.2).
PAUSE_NOT_POSTCOPY = "migrate-pause is currently only supported during postcopy-active state"

#: MigrationParameters as QEMU 7.2 starts (migration/migration.c's property
#: defaults), members in the schema's order.
DEFAULT_PARAMETERS: dict[str, Any] = {
    "announce-initial": 50,
    "announce-max": 550,
    "announce-rounds": 5,
    "announce-step": 100,
    "compress-level": 1,
    "compress-threads": 8,
    "compress-wait-thread": True,
    "decompress-threads": 2,
    "throttle-trigger-threshold": 50,
    "cpu-throttle-initial": 20,
    "cpu-throttle-increment": 10,
    "cpu-throttle-tailslow": False,
    "tls-creds": "",
    "tls-hostname": "",
    "tls-authz": "",
    "max-bandwidth": 134217728,
    "downtime-limit": 300,
    "x-checkpoint-delay": 20000,
    "block-incremental": False,
    "multifd-channels": 2,
    "multifd-compression": "none",
    "xbzrle-cache-size": 67108864,
    "max-postcopy-bandwidth": 0,
    "max-cpu-throttle": 99,
    "multifd-zlib-level": 1,
    "multifd-zstd-level": 1,
}


#: migrate_params_check's limits: (parameter, lowest, highest, what QEMU says is expected).
_PARAMETER_LIMITS = (
    ("compress-level", 0, 9, "a value between 0 and 9"),
    ("compress-threads", 1, 255, "a value between 1 and 255"),
    ("decompress-threads", 1, 255, "a value between 1 and 255"),
    ("throttle-trigger-threshold", 1, 100, "an integer in the range of 1 to 100"),
    ("cpu-throttle-initial", 1, 99, "an integer in the range of 1 to 99"),
    ("cpu-throttle-increment", 1, 99, "an integer in the range of 1 to 99"),
    ("downtime-limit", 0, 2000 * 1000, "an integer in the range of 0 to (2000 * 1000) ms"),
    ("multifd-channels", 1, 255, "a value between 1 and 255"),
)
_ANNOUNCE_LIMITS = (
    ("announce-initial", 0, 100000, "a value between 0 and 100000"),
    ("announce-max", 0, 100000, "a value between 0 and 100000"),
    ("announce-rounds", 0, 1000, "a value between 0 and 1000"),
    ("announce-step", 1, 10000, "a value between 0 and 10000"),
)
#: The smallest page of the target (x86: 4 KiB), which the XBZRLE cache must not undercut.
TARGET_PAGE_SIZE = 4096


def check_parameters(params: dict[str, Any], changed: dict[str, Any]) -> None:
    """migrate_params_check on the parameters as they would be, for those ``changed``."""

    def refuse(name: str, expected: str) -> None:
        raise QapiError(INVALID_PARAMETER_VALUE.format(name.replace("-", "_"), expected))

    for name, low, high, expected in _PARAMETER_LIMITS:
        if name in changed and not low <= params[name] <= high:
            refuse(name, expected)
    cache = params["xbzrle-cache-size"]
    if "xbzrle-cache-size" in changed and (cache < TARGET_PAGE_SIZE or cache & (cache - 1)):
        refuse("xbzrle-cache-size", "a power of two no less than the target page size")
    if "max-cpu-throttle" in changed and not (
        params["cpu-throttle-initial"] <= params["max-cpu-throttle"] <= 99
    ):
        refuse("max-cpu-throttle", "an integer in the range of cpu_throttle_initial to 99")
    for name, low, high, expected in _ANNOUNCE_LIMITS:
        if name in changed and not low <= params[name] <= high:
            refuse(name, expected)


class MigrationState:
    """One machine's migration settings."""

    def __init__(self) -> None:
        self.capabilities = dict.fromkeys(CAPABILITIES, False)
        self.parameters = dict(DEFAULT_PARAMETERS)
        #: The outgoing and incoming migrations' MigrationStatus: none ever runs.
        self.status = "none"
        self.incoming_status = "none"
        #: Why migration is refused now (QEMU's migration_blockers, oldest first).
        self.blockers: list[str] = []
        #: What migrate-pause tries, in order (the live migration's two ends).
        self.pause_hooks: list[Callable[[], bool]] = []

    def query_capabilities(self) -> list[dict[str, Any]]:
        return [{"capability": c, "state": on} for c, on in self.capabilities.items()]

    def set_capabilities(self, changes: list[dict[str, Any]]) -> None:
        """Apply ``changes`` if the resulting set passes QEMU's checks; else change nothing."""
        new = dict(self.capabilities)
        for change in changes:
            new[change["capability"]] = change["state"]
        self.check(new)
        self.capabilities = new

    def check(self, caps: dict[str, bool]) -> None:
        """QEMU 7.2's migrate_caps_check on a stopped, never-migrated machine.

        This QEMU was built with block migration and replication, the host
        supports write tracking (background snapshots) and the machine has
        no guest RAM it could be incompatible with; postcopy's host check
        runs only during an incoming migration.
        """
        if caps["postcopy-ram"] and caps["x-ignore-shared"]:
            raise QapiError(POSTCOPY_IGNORE_SHARED)
        if caps["background-snapshot"]:
            for cap in BACKGROUND_SNAPSHOT_INCOMPATIBLE:
                if caps[cap]:
                    raise QapiError(BACKGROUND_SNAPSHOT_WITH.format(cap))
        params = self.parameters
        if caps["zero-copy-send"] and (
            not caps["multifd"]
            or caps["compress"]
            or params["multifd-compression"] != "none"
            or params["tls-creds"] != ""
        ):
            raise QapiError(ZERO_COPY_SEND)
        if caps["postcopy-preempt"]:
            if not caps["postcopy-ram"]:
                raise QapiError(PREEMPT_NEEDS_POSTCOPY)
            if caps["compress"]:
                raise QapiError(PREEMPT_COMPRESS)
        if caps["multifd"] and caps["compress"]:
            raise QapiError(MULTIFD_COMPRESS)

    def pause(self) -> None:
        """``migrate-pause``: only a postcopy migration (either side) can be paused.

        It runs out of band, so it must not wait for the main loop: each
        of :attr:`pause_hooks` (the source's, then the destination's)
        shuts its channel down if it is in ``postcopy-active`` and says so.
        """
        if not any(hook() for hook in self.pause_hooks):
            raise QapiError(PAUSE_NOT_POSTCOPY)

    def set_parameters(self, changes: dict[str, Any]) -> None:
        """migrate-set-parameters: apply ``changes`` if they pass QEMU's checks.

        QEMU 7.2 copies every change but the multifd compression levels
        into the set it checks (migrate_params_test_apply), so those two
        are never refused.
        """
        checked = {k: v for k, v in changes.items() if not k.startswith("multifd-z")}
        check_parameters({**self.parameters, **checked}, checked)
        self.parameters.update(changes)

    def query_parameters(self) -> dict[str, Any]:
        return dict(self.parameters)

    def query(self) -> dict[str, Any]:
        """``query-migrate``: nothing while no migration has run."""
        return {}
