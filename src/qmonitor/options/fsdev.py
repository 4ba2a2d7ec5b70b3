"""``-fsdev``: the checks QEMU 7.2's qemu_fsdev_add() makes (fsdev/qemu-fsdev.c).

Each ``-fsdev`` (and the one each ``-virtfs`` makes) is checked as the
early backends are made: an id, a known ``fsdriver``, only the options
that driver takes, then the driver's own checks (hw/9pfs/9p-local.c and
9p-proxy.c).  The throttling options are taken as given (their limits are
not checked), and no file system is exported: the null machine's guest
mounts nothing.
"""

from __future__ import annotations

from typing import Final

from qmonitor.errors import QmonitorError

_COMMON: Final = ("id", "fsdriver", "readonly")
_THROTTLING: Final = tuple(
    f"throttling.{name}"
    for name in (
        "bps-total", "bps-read", "bps-write", "iops-total", "iops-read", "iops-write",
        "bps-total-max", "bps-read-max", "bps-write-max", "iops-total-max", "iops-read-max",
        "iops-write-max", "bps-total-max-length", "bps-read-max-length",
        "bps-write-max-length", "iops-total-max-length", "iops-read-max-length",
        "iops-write-max-length", "iops-size",
    )
)  # fmt: skip
#: The build's file system drivers (FsDrivers) and the options each takes.
FS_DRIVERS: Final[dict[str, tuple[str, ...]]] = {
    "local": (*_COMMON, "security_model", "path", "writeout", "fmode", "dmode", "multidevs",
              *_THROTTLING),
    "synth": _COMMON,
    "proxy": (*_COMMON, "socket", "sock_fd", "writeout"),
}  # fmt: skip
NO_ID: Final = "fsdev: No id specified"
NO_DRIVER: Final = "fsdev: No fsdriver specified"
UNKNOWN_DRIVER: Final = "fsdev: fsdriver {} not found"
INVALID_OPTION: Final = "'{}' is invalid for fsdriver '{}'"
NO_SECURITY_MODEL: Final = "security_model property not set"
BAD_SECURITY_MODEL: Final = "invalid security_model property '{}'"
SECURITY_MODEL_HINT: Final = (
    "Valid options are: security_model=[passthrough|mapped-xattr|mapped-file|none]\n"
)
BAD_MULTIDEVS: Final = "invalid multidevs property '{}'"
MULTIDEVS_HINT: Final = "Valid options are: multidevs=[remap|forbid|warn]\n"
NO_PATH: Final = "path property not set"
MODE_NOT_MAPPED: Final = "{} is only valid for mapped security modes"
PROXY_MISSING: Final = "both socket and sock_fd properties are missing"
PROXY_BOTH: Final = "both socket and sock_fd properties are set"
_MAPPED: Final = ("mapped", "mapped-xattr", "mapped-file")


class FsdevError(QmonitorError):
    """The fsdev is refused: QEMU's ``message`` and the hint it appends, if any."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def check_fsdev(ident: str | None, items: list[tuple[str, str]]) -> None:
    """qemu_fsdev_add() for one fsdev group: returns, or raises FsdevError."""
    values = dict(items)
    if ident is None:
        raise FsdevError(NO_ID)
    driver = values.get("fsdriver")
    if driver is None:
        raise FsdevError(NO_DRIVER)
    if driver not in FS_DRIVERS:
        raise FsdevError(UNKNOWN_DRIVER.format(driver))
    for name, _ in items:
        if name not in FS_DRIVERS[driver]:
            raise FsdevError(INVALID_OPTION.format(name, driver))
    if driver == "local":
        _check_local(values)
    elif driver == "proxy":
        socket, sock_fd = values.get("socket"), values.get("sock_fd")
        if socket is None and sock_fd is None:
            # No hint: without ERRP_GUARD the error is fatal before one is added.
            raise FsdevError(PROXY_MISSING)
        if socket is not None and sock_fd is not None:
            raise FsdevError(PROXY_BOTH)


def _check_local(values: dict[str, str]) -> None:
    model = values.get("security_model")
    if model is None:
        raise FsdevError(NO_SECURITY_MODEL, SECURITY_MODEL_HINT)
    if model not in ("passthrough", "none", *_MAPPED):
        raise FsdevError(BAD_SECURITY_MODEL.format(model), SECURITY_MODEL_HINT)
    multidevs = values.get("multidevs")
    if multidevs is not None and multidevs not in ("remap", "forbid", "warn"):
        raise FsdevError(BAD_MULTIDEVS.format(multidevs), MULTIDEVS_HINT)
    if values.get("path") is None:
        raise FsdevError(NO_PATH)
    if model not in _MAPPED:
        for mode in ("fmode", "dmode"):
            if mode in values:
                raise FsdevError(MODE_NOT_MAPPED.format(mode))
