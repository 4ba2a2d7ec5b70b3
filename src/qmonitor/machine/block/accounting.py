"""A BlockBackend's I/O accounting, as QEMU 7.2's block/accounting.c keeps it.

Each device-level request of a kind (read, write, flush, unmap) that
completes adds its bytes, one operation and its latency, and marks the
time of the last access (what ``idle_time_ns`` is measured from); a
failed one counts as failed (its latency and access time only with
``stats-account-failed``); an invalid one (out of range, caught before
any I/O) counts as invalid and marks the access time only with
``stats-account-invalid``.  Under qtest the clock is the virtual one and
every latency is 1 ms, as in QEMU; otherwise the host's monotonic clock.

Only the opt-in guest (:mod:`qmonitor.machine.guest_actions`) makes
requests: a machine that runs no guest code keeps every counter at 0.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class IoType(enum.Enum):
    """BlockAcctType: the kinds of request a device accounts."""

    #: BLOCK_ACCT_READ.
    READ = "rd"
    #: BLOCK_ACCT_WRITE.
    WRITE = "wr"
    #: BLOCK_ACCT_FLUSH.
    FLUSH = "flush"
    #: BLOCK_ACCT_UNMAP.
    UNMAP = "unmap"


#: qtest_latency_ns (block/accounting.c): every request takes 1 ms under qtest.
QTEST_LATENCY_NS = 1_000_000


def _per_type() -> dict[IoType, int]:
    return dict.fromkeys(IoType, 0)


@dataclass(eq=False)
class BlockAcctStats:
    """BlockAcctStats: counters per request type and the last access time."""

    account_invalid: bool = True
    account_failed: bool = True
    nr_bytes: dict[IoType, int] = field(default_factory=_per_type)
    nr_ops: dict[IoType, int] = field(default_factory=_per_type)
    failed_ops: dict[IoType, int] = field(default_factory=_per_type)
    invalid_ops: dict[IoType, int] = field(default_factory=_per_type)
    merged: dict[IoType, int] = field(default_factory=_per_type)
    total_time_ns: dict[IoType, int] = field(default_factory=_per_type)
    #: 0 until the first access (then ``idle_time_ns`` is reported).
    last_access_time_ns: int = 0

    def done(self, kind: IoType, nbytes: int, latency_ns: int, now_ns: int) -> None:
        """block_acct_done: a request completed."""
        self.nr_bytes[kind] += nbytes
        self.nr_ops[kind] += 1
        self.total_time_ns[kind] += latency_ns
        self.last_access_time_ns = now_ns

    def failed(self, kind: IoType, latency_ns: int, now_ns: int) -> None:
        """block_acct_failed: a request the driver failed."""
        self.failed_ops[kind] += 1
        if self.account_failed:
            self.total_time_ns[kind] += latency_ns
            self.last_access_time_ns = now_ns

    def invalid(self, kind: IoType, now_ns: int) -> None:
        """block_acct_invalid: a request refused before any I/O (no latency)."""
        self.invalid_ops[kind] += 1
        if self.account_invalid:
            self.last_access_time_ns = now_ns

    def counters(self, now_ns: int) -> dict[str, Any]:
        """The BlockDeviceStats members these counters give (bdrv_query_blk_stats)."""
        out: dict[str, Any] = {}
        for kind in IoType:
            if kind is not IoType.FLUSH:
                out[f"{kind.value}_bytes"] = self.nr_bytes[kind]
                out[f"{kind.value}_merged"] = self.merged[kind]
            out[f"{kind.value}_operations"] = self.nr_ops[kind]
            out[f"{kind.value}_total_time_ns"] = self.total_time_ns[kind]
            out[f"failed_{kind.value}_operations"] = self.failed_ops[kind]
            out[f"invalid_{kind.value}_operations"] = self.invalid_ops[kind]
        if self.last_access_time_ns:
            out["idle_time_ns"] = now_ns - self.last_access_time_ns
        return out
