"""Every option list ``query-command-line-options`` shows, in QEMU 7.2's order.

QEMU lists each option group it registered (``vm_config_groups``), the
``drive`` group's parameters merged from the block layer's lists and the
``machine`` group's from every machine type's properties.  The lists the
parser reads options with are shown from their own specs, so that what it
accepts and what it lists cannot drift apart; the groups whose options
qmonitor does not model (``drive``, ``fsdev``, ``machine`` and the like)
come from QEMU's reply, recorded by tools/record_cmdline_options.py into
``data/option_groups.json``.  The reply is the same for every machine type.
"""

from __future__ import annotations

import json
import os

from qmonitor.options.checks import OVERCOMMIT_OPTS, RTC_OPTS, SANDBOX_OPTS
from qmonitor.options.guest import MEMORY_OPTS
from qmonitor.options.optlists import (
    ACCEL_OPTS,
    ACTION_OPTS,
    ADD_FD_OPTS,
    BOOT_HELP_OPTS,
    CHARDEV_OPTS,
    DEVICE_OPTS,
    MON_OPTS,
    MSG_OPTS,
    NAME_OPTS,
    OBJECT_OPTS,
    SMP_HELP_OPTS,
)
from qmonitor.options.parse_logging import TRACE_OPTS
from qmonitor.options.parse_misc import (
    FW_CFG_OPTS,
    GLOBAL_OPTS,
    ICOUNT_OPTS,
    ISCSI_OPTS,
    VNC_OPTS,
)
from qmonitor.options.smbios import SMBIOS_OPTS
from qmonitor.util.qemuopts import OptDesc, OptsListSpec, OptType

#: The parser's own lists, by group name.
_PARSED: dict[str, OptsListSpec] = {
    spec.name: spec
    for spec in (
        ISCSI_OPTS, SANDBOX_OPTS, SMBIOS_OPTS, VNC_OPTS, ACTION_OPTS, FW_CFG_OPTS, ICOUNT_OPTS,
        NAME_OPTS, MSG_OPTS, OVERCOMMIT_OPTS, OBJECT_OPTS, ADD_FD_OPTS, BOOT_HELP_OPTS,
        SMP_HELP_OPTS, MEMORY_OPTS, ACCEL_OPTS, TRACE_OPTS, MON_OPTS, GLOBAL_OPTS, RTC_OPTS,
        DEVICE_OPTS, CHARDEV_OPTS,
    )
}  # fmt: skip
#: The parameter types of the reply, as QemuOpts types.
_TYPES = {"string": OptType.STRING, "boolean": OptType.BOOL, "number": OptType.NUMBER,
          "size": OptType.SIZE}  # fmt: skip


def _recorded_spec(group: dict[str, object]) -> OptsListSpec:
    """A recorded group as a list spec (the reply lists descriptions last first)."""
    params = group["parameters"]
    assert isinstance(params, list)
    descs = tuple(
        OptDesc(p["name"], _TYPES[p["type"]], p.get("default"), p.get("help"))
        for p in reversed(params)
    )
    name = group["option"]
    assert isinstance(name, str)
    return OptsListSpec(name, None, descs)


def _load() -> tuple[OptsListSpec, ...]:
    # os.path, not importlib.resources: start-up stays without pathlib.
    path = os.path.join(os.path.dirname(__file__), "data", "option_groups.json")
    with open(path, encoding="utf-8") as file:
        text = file.read()
    groups: list[dict[str, object]] = json.loads(text)
    out = []
    for group in groups:
        name = group["option"]
        assert isinstance(name, str)
        out.append(_PARSED[name] if name in _PARSED else _recorded_spec(group))
    return tuple(out)


#: What ``query-command-line-options`` lists, in its order (handed to the
#: machine when it is built, so that the machine needs nothing from the
#: command line).
QUERYABLE_OPTION_LISTS: tuple[OptsListSpec, ...] = _load()


def recorded_spec(name: str, implied: str | None = None) -> OptsListSpec:
    """A listed group (not ``machine``) as a spec, with the implied first option QEMU gives it."""
    for spec in QUERYABLE_OPTION_LISTS:
        if spec.name == name and name != "machine":
            return OptsListSpec(name, implied, spec.descs) if implied else spec
    raise KeyError(name)
