"""Options qmonitor records without modelling, checked as QEMU 7.2 checks them.

libvirt puts ``-rtc``, ``-overcommit``, ``-sandbox`` and ``-boot`` on every
domain's command line.  qmonitor runs no guest clock, memory locking,
seccomp filter or firmware, so these change nothing, but a value QEMU
rejects must stop qmonitor with QEMU's text, not be silently accepted:

* ``-overcommit`` and ``-sandbox`` are QemuOpts lists with typed options,
  checked when parsed (errors at the option's location); ``-sandbox``'s
  values are checked right after the option loop (``parse_sandbox``);
* ``-rtc`` is checked by ``configure_rtc`` (errors without a location);
* ``-boot`` becomes the machine's ``boot`` property, visited as a
  BootConfiguration (errors without a location).
"""

from __future__ import annotations

import re
from typing import Final

from qmonitor.errors import QmonitorError
from qmonitor.options.texts import (
    RTC_DATETIME,
    RTC_DATETIME_HINT,
    RTC_INVALID_VALUE,
    SANDBOX_INVALID,
)
from qmonitor.util.cutils import parse_bool
from qmonitor.util.error import QemuOptsError
from qmonitor.util.qemuopts import OptDesc, OptsListSpec, OptType
from qmonitor.util.texts import INVALID_PARAMETER_VALUE, UNEXPECTED_PARAMETER

_B, _S = OptType.BOOL, OptType.STRING

#: softmmu/vl.c: qemu_overcommit_opts.
OVERCOMMIT_OPTS: Final = OptsListSpec(
    "overcommit", None, (OptDesc("mem-lock", _B), OptDesc("cpu-pm", _B))
)
#: softmmu/qemu-seccomp.c: qemu_sandbox_opts.
SANDBOX_OPTS: Final = OptsListSpec(
    "sandbox",
    "enable",
    (
        OptDesc("enable", _B),
        OptDesc("obsolete", _S),
        OptDesc("elevateprivileges", _S),
        OptDesc("spawn", _S),
        OptDesc("resourcecontrol", _S),
    ),
)
#: softmmu/vl.c: qemu_rtc_opts.
RTC_OPTS: Final = OptsListSpec(
    "rtc", None, (OptDesc("base", _S), OptDesc("clock", _S), OptDesc("driftfix", _S)),
    merge_lists=True,
)  # fmt: skip
#: softmmu/vl.c: qemu_boot_opts (any name: checked as BootConfiguration).
BOOT_OPTS: Final = OptsListSpec("boot-opts", "order", (), merge_lists=True)

#: The values each -sandbox option takes when the sandbox is enabled.
SANDBOX_VALUES: Final = {
    "obsolete": ("allow", "deny"),
    "elevateprivileges": ("allow", "deny", "children"),
    "spawn": ("allow", "deny"),
    "resourcecontrol": ("allow", "deny"),
}

RTC_CLOCKS: Final = ("host", "rt", "vm")
RTC_DRIFTFIX: Final = ("slew", "none")
#: What configure_rtc's sscanf formats read ("%d-%d-%dT%d:%d:%d" or "%d-%d-%d").
_DATETIME: Final = re.compile(
    r"\s*[+-]?\d+-\s*[+-]?\d+-\s*[+-]?\d+(T\s*[+-]?\d+:\s*[+-]?\d+:\s*[+-]?\d+)?.*"
)

#: BootConfiguration's members in the order QEMU's visitor reads them.
BOOT_MEMBERS: Final = (
    ("order", "str"), ("once", "str"), ("menu", "bool"), ("splash", "str"),
    ("splash-time", "int"), ("reboot-timeout", "int"), ("strict", "bool"),
)  # fmt: skip
#: What qemu_strtoi64 (base 0) reads as a whole number.
_INTEGER: Final = re.compile(r"\s*[+-]?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")


class CheckError(QmonitorError):
    """QEMU's text (and hint) for an option value it rejects."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def check_sandbox(values: dict[str, str]) -> None:
    """parse_sandbox(): with the sandbox on, each option names a known policy."""
    try:
        enabled = parse_bool("enable", values.get("enable", "off"))
    except QemuOptsError:
        return  # reported when the option was parsed
    if not enabled:
        return
    for name, choices in SANDBOX_VALUES.items():
        value = values.get(name)
        if value is not None and value not in choices:
            raise CheckError(SANDBOX_INVALID.format(name))


def check_rtc(values: dict[str, str]) -> None:
    """configure_rtc(): the base is utc, localtime or a date; known clock and driftfix."""
    base = values.get("base")
    if base not in (None, "utc", "localtime") and not _DATETIME.fullmatch(base):
        raise CheckError(RTC_DATETIME, RTC_DATETIME_HINT)
    clock = values.get("clock")
    if clock is not None and clock not in RTC_CLOCKS:
        raise CheckError(RTC_INVALID_VALUE.format(clock))
    driftfix = values.get("driftfix")
    if driftfix is not None and driftfix not in RTC_DRIFTFIX:
        raise CheckError(RTC_INVALID_VALUE.format(driftfix))


def check_boot(values: dict[str, str]) -> None:
    """Visit ``-boot``'s options as BootConfiguration (keyval's booleans and integers)."""
    for name, kind in BOOT_MEMBERS:
        value = values.get(name)
        if value is None:
            continue
        if kind == "bool":
            try:
                parse_bool(name, value)
            except QemuOptsError:
                raise CheckError(
                    INVALID_PARAMETER_VALUE.format(f"boot.{name}", "'on' or 'off'")
                ) from None
        elif kind == "int" and _INTEGER.fullmatch(value) is None:
            raise CheckError(INVALID_PARAMETER_VALUE.format(f"boot.{name}", "integer"))
    known = {name for name, _ in BOOT_MEMBERS}
    for name in values:
        if name not in known:
            raise CheckError(UNEXPECTED_PARAMETER.format(f"boot.{name}"))
