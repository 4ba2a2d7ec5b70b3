"""HMP ``migrate`` and ``migrate_set_parameter``, as QEMU 7.2 runs them.

``migrate`` without ``-d`` keeps the monitor suspended until the
migration ends (hmp_migrate_status_cb polls it every second), then says
why it failed, if it did, on stderr as QEMU's error_report does from a
timer.

``migrate_set_parameter`` reads one migration parameter from text:

hmp_migrate_set_parameter reads the value with QEMU's string input
visitor, by the parameter's type: integers with C's base prefixes (a
minus sign wraps, then the type's range is checked), booleans as
``on``/``yes``/``true``/``y`` or their opposites, sizes with a suffix
(bytes by default; ``max-bandwidth`` in MiB), strings as they are.  The
machine then checks the whole set (:mod:`qmonitor.machine.migration`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from qmonitor.machine.hmp_info import qmp
from qmonitor.machine.migration import MigrationState
from qmonitor.qapi.error import QapiError
from qmonitor.qapi.texts import INVALID_PARAMETER_VALUE
from qmonitor.util.cutils import BOOL_FALSE, BOOL_TRUE, c_strtoull, do_strtosz
from qmonitor.util.texts import SIZE_HEX_SUFFIX_DEPRECATED

if TYPE_CHECKING:
    from qmonitor.machine.hmp_info import MachineHMP

#: Each MigrationParameter and how HMP reads its value.
PARAMETER_TYPES: dict[str, str] = {
    "announce-initial": "size",
    "announce-max": "size",
    "announce-rounds": "size",
    "announce-step": "size",
    "compress-level": "uint8",
    "compress-threads": "uint8",
    "compress-wait-thread": "bool",
    "decompress-threads": "uint8",
    "throttle-trigger-threshold": "uint8",
    "cpu-throttle-initial": "uint8",
    "cpu-throttle-increment": "uint8",
    "cpu-throttle-tailslow": "bool",
    "tls-creds": "str",
    "tls-hostname": "str",
    "tls-authz": "str",
    "max-bandwidth": "size-MiB",
    "downtime-limit": "size",
    "x-checkpoint-delay": "uint32",
    "block-incremental": "bool",
    "multifd-channels": "uint8",
    "multifd-compression": "MultiFDCompression",
    "xbzrle-cache-size": "size",
    "max-postcopy-bandwidth": "size",
    "max-cpu-throttle": "uint8",
    "multifd-zlib-level": "uint8",
    "multifd-zstd-level": "uint8",
    "block-bitmap-mapping": "QMP only",
}
#: MultiFDCompression's members.
MULTIFD_COMPRESSION = ("none", "zlib", "zstd")

# Texts of QEMU 7.2 (qapi/string-input-visitor.c, qapi/qapi-visit-core.c,
# monitor/hmp-cmds.c).
SIZE_EXPECTED = (
    "a non-negative number below 2^64\n"
    "Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\n"
    "and exabytes, respectively."
)
INVALID_SIZE = "Invalid size {}"
QMP_ONLY = "The block-bitmap-mapping parameter can only be set through QMP"
BAD_ENUM = "Parameter '{}' does not accept value '{}'"
UNKNOWN_PARAMETER = "invalid parameter value: {}"
_INT64_MAX = 2**63 - 1


def parse_value(name: str, kind: str, text: str, warn: Callable[[str], None]) -> Any:
    """The value of parameter ``name`` read from ``text``; QapiError with QEMU's text.

    ``warn`` gets what QEMU's warn_report says on the way (a hexadecimal
    size with a suffix).
    """

    def expects(what: str) -> QapiError:
        return QapiError(INVALID_PARAMETER_VALUE.format(name, what))

    if kind in ("uint8", "uint32"):
        value = c_strtoull(text)
        if value is None or value >= 2**64:
            raise expects("uint64")
        if value >= (1 << (8 if kind == "uint8" else 32)):
            raise expects(kind + "_t")
        return value
    if kind == "bool":
        if text in BOOL_TRUE:
            return True
        if text in BOOL_FALSE:
            return False
        raise expects("'on' or 'off'")
    if kind == "str":
        return text
    if kind == "MultiFDCompression":
        if text not in MULTIFD_COMPRESSION:
            raise QapiError(BAD_ENUM.format(name, text))
        return text
    if kind == "size-MiB":
        size = do_strtosz(text, default_suffix="M")
        if size.hex_suffix:
            warn(SIZE_HEX_SUFFIX_DEPRECATED.format(text))
        if size.error is not None or size.value > _INT64_MAX:
            raise QapiError(INVALID_SIZE.format(text))
        return size.value
    if kind == "size":
        size = do_strtosz(text)
        if size.hex_suffix:
            warn(SIZE_HEX_SUFFIX_DEPRECATED.format(text))
        if size.error is not None:
            raise expects(SIZE_EXPECTED)
        if name == "xbzrle-cache-size" and size.value > _INT64_MAX:
            raise QapiError(INVALID_SIZE.format(text))
        return size.value
    raise QapiError(QMP_ONLY)


def hmp_migrate_set_parameter(mon: MachineHMP, args: dict[str, Any]) -> None:
    """``migrate_set_parameter NAME VALUE``."""
    name, text = args["parameter"], args["value"]
    kind = PARAMETER_TYPES.get(name)
    if kind is None:
        raise QapiError(UNKNOWN_PARAMETER.format(name))

    def warn(message: str) -> None:
        mon.printf(f"warning: {message}\n")

    value = parse_value(name, kind, text, warn)
    mon.machine.part(MigrationState, MigrationState).set_parameters({name: value})


#: hmp_migrate's text when the monitor cannot wait (HMP run through QMP).
CONTINUING_DETACHED = "terminal does not allow synchronous migration, continuing detached\n"
#: How often hmp_migrate_status_cb looks (seconds).
POLL_INTERVAL = 1.0


def hmp_migrate(mon: MachineHMP, args: dict[str, Any]) -> None:
    """``migrate [-d] [-b] [-i] [-r] URI``."""
    qmp(
        mon,
        "migrate",
        {
            "uri": args["uri"],
            "blk": bool(args.get("blk")),
            "inc": bool(args.get("inc")),
            "resume": bool(args.get("resume")),
        },
    )
    if args.get("detach"):
        return
    if mon.suspend() < 0:
        mon.printf(CONTINUING_DETACHED)
        return
    loop = mon.machine.loop
    block = bool(args.get("blk") or args.get("inc"))

    def poll() -> None:
        info = qmp(mon, "query-migrate")
        if info.get("status", "setup") in ("setup", "active"):
            loop.call_later(POLL_INTERVAL, poll)
            return
        if block:
            mon.printf("\n")
        if "error-desc" in info:
            prog = os.path.basename(sys.argv[0] if sys.argv else "") or "qmonitor"
            sys.stderr.write(f"{prog}: {info['error-desc']}\n")
        mon.resume()

    loop.call_soon(poll)
