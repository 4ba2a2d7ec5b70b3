"""I/O limits of BlockBackends: ``block_set_io_throttle`` and throttle groups (QEMU 7.2).

A throttled backend belongs to a throttle group (named by ``group``, else
by the drive's name or the device's id); the group holds the limits, so
every member shows the group's (block/qapi-sysemu.c
qmp_block_set_io_throttle, util/throttle.c throttle_is_valid).  The null
guest does no I/O, so the limits only change what the queries show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from qmonitor.qapi.error import QapiError

# Texts of util/throttle.c throttle_is_valid and block/qapi-sysemu.c.
TOTAL_AND_RW = "bps/iops/max total values and read/write values cannot be used at the same time"
IOPS_SIZE = "iops size requires an iops value to be set"
#: THROTTLE_VALUE_MAX (include/qemu/throttle.h).
VALUE_MAX = 1000000000000000
OUT_OF_RANGE = f"bps/iops/max values must be within [0, {VALUE_MAX}]"
ZERO_BURST = "the burst length cannot be 0"
BURST_NO_RATE = "burst length set without burst rate"
BURST_TOO_HIGH = "burst length too high for this burst rate"
MAX_NO_AVG = "bps_max/iops_max require corresponding bps/iops values"
MAX_BELOW_AVG = "bps_max/iops_max cannot be lower than bps/iops"
NO_MEDIUM = "Device has no medium"

#: The buckets, by the name of their average limit.
BUCKETS = ("bps", "bps_rd", "bps_wr", "iops", "iops_rd", "iops_wr")


@dataclass
class ThrottleConfig:
    """The limits of a group: per bucket its average, burst rate and burst length."""

    avg: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BUCKETS, 0))
    max: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BUCKETS, 0))
    length: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BUCKETS, 1))
    op_size: int = 0

    @property
    def enabled(self) -> bool:
        """throttle_enabled: some bucket has a limit."""
        return any(self.avg.values()) or any(self.max.values())

    def check(self) -> None:
        """throttle_is_valid, in its order."""

        def both(kind: dict[str, int], prefix: str) -> bool:
            return bool(kind[prefix] and (kind[f"{prefix}_rd"] or kind[f"{prefix}_wr"]))

        if any(both(kind, p) for kind in (self.avg, self.max) for p in ("bps", "iops")):
            raise QapiError(TOTAL_AND_RW)
        if self.op_size and not (self.avg["iops"] or self.avg["iops_rd"] or self.avg["iops_wr"]):
            raise QapiError(IOPS_SIZE)
        for name in BUCKETS:
            avg, top, length = self.avg[name], self.max[name], self.length[name]
            if not 0 <= avg <= VALUE_MAX or not 0 <= top <= VALUE_MAX:
                raise QapiError(OUT_OF_RANGE)
            if not length:
                raise QapiError(ZERO_BURST)
            if length > 1 and not top:
                raise QapiError(BURST_NO_RATE)
            if top and length > VALUE_MAX // top:
                raise QapiError(BURST_TOO_HIGH)
            if top and not avg:
                raise QapiError(MAX_NO_AVG)
            if top and top < avg:
                raise QapiError(MAX_BELOW_AVG)

    def info(self) -> dict[str, Any]:
        """What BlockDeviceInfo shows of the limits (a burst rate only where set)."""
        out: dict[str, Any] = dict(self.avg)
        for name in BUCKETS:
            if self.max[name]:
                out[f"{name}_max"] = self.max[name]
                out[f"{name}_max_length"] = self.length[name]
        if self.op_size:
            out["iops_size"] = self.op_size
        return out


def _unsigned(value: int) -> int:
    """The C code keeps limits in uint64_t: a negative one becomes huge."""
    return value & 0xFFFFFFFFFFFFFFFF


def config_from_args(args: dict[str, Any]) -> ThrottleConfig:
    """A ThrottleConfig from BlockIOThrottle's members (absent ones keep the defaults)."""
    cfg = ThrottleConfig()
    for name in BUCKETS:
        cfg.avg[name] = _unsigned(int(args.get(name, 0)))
        if f"{name}_max" in args:
            cfg.max[name] = _unsigned(int(args[f"{name}_max"]))
        if f"{name}_max_length" in args:
            cfg.length[name] = _unsigned(int(args[f"{name}_max_length"]))
    if "iops_size" in args:
        cfg.op_size = _unsigned(int(args["iops_size"]))
    return cfg


class ThrottleGroups:
    """The throttle groups by name, and which group each backend is in."""

    def __init__(self) -> None:
        self.configs: dict[str, ThrottleConfig] = {}
        #: Backend (by id()) -> its group's name.
        self.member: dict[int, str] = {}

    def group_of(self, backend: object) -> str | None:
        return self.member.get(id(backend))

    def config_of(self, backend: object) -> ThrottleConfig | None:
        group = self.group_of(backend)
        return self.configs.get(group) if group is not None else None

    def set(self, backend: object, cfg: ThrottleConfig, group: str | None, default: str) -> None:
        """qmp_block_set_io_throttle once the device is found: enable, update or disable."""
        cfg.check()
        current = self.group_of(backend)
        if cfg.enabled:
            if current is None:
                current = group if group is not None else default
            elif group is not None:
                current = group
            self.member[id(backend)] = current
            self.configs[current] = cfg
        elif current is not None:
            self.leave(backend)

    def leave(self, backend: object) -> None:
        """blk_io_limits_disable: a group no backend is in any more is gone."""
        group = self.member.pop(id(backend), None)
        if group is not None and group not in self.member.values():
            self.configs.pop(group, None)
