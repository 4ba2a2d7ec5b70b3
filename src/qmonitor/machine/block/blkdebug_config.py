"""blkdebug's config file: its rules, read as QEMU 7.2 reads them.

The file is QEMU's -readconfig syntax (util/qemu-config.c's parser, line by
line with ``sscanf`` patterns, so a bare word is an option with an empty
value and only a blank line that is not empty is a "parse error") with
two groups, ``[inject-error]`` and ``[set-state]``.  Each group becomes an
option group checked against blkdebug's option lists, then a rule, whose
event and I/O type must be names of the schema's BlkdebugEvent and
BlkdebugIOType.  The rules would act on guest I/O, which the null machine
never does; reading them gives QEMU's errors for bad files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from qmonitor.qapi.error import QapiError
from qmonitor.qjson.encode import qdict_order
from qmonitor.util.error import QemuOptsError
from qmonitor.util.qemuopts import OptDesc, OptsGroup, OptsListSpec, OptType, QemuOpts

# Texts of util/qemu-config.c, block/blkdebug.c and qapi/qapi-util.c.
PARSE_ERROR = "parse error"
NO_GROUP = "no group defined"
NO_SUCH_GROUP = "There is no option group '{}'"
MISSING_EVENT = "Missing event name for rule"
INVALID_ENUM = "invalid parameter value: {}"

#: fgets() reads at most this many bytes less one per call.
_LINE_BUF = 1024

_S, _N, _B = OptType.STRING, OptType.NUMBER, OptType.BOOL
INJECT_ERROR = OptsListSpec(
    "inject-error",
    None,
    tuple(
        OptDesc(name, kind)
        for name, kind in (
            ("event", _S), ("state", _N), ("iotype", _S), ("errno", _N), ("sector", _N),
            ("once", _B), ("immediately", _B),
        )
    ),
)  # fmt: skip
SET_STATE = OptsListSpec(
    "set-state",
    None,
    (OptDesc("event", _S), OptDesc("state", _N), OptDesc("new_state", _N)),
)
GROUPS = {spec.name: spec for spec in (INJECT_ERROR, SET_STATE)}

# sscanf's patterns: "[%63s \"%63[^\"]\"]", "[%63[^]]]" and " %63s = \"%1023[^\"]\"".
_GROUP_ID = re.compile(r'\[\s*(\S{1,63}+)\s*"([^"]{1,63}+)')
_GROUP = re.compile(r"\[([^\]]{1,63}+)")
_TOKEN = re.compile(r"\s*(\S{1,63}+)")
_VALUE = re.compile(r'\s*=\s*"([^"]{1,1023}+)')


@dataclass
class BlkdebugRule:
    """One rule: on ``event`` in ``state``, inject an error or change state."""

    action: str
    event: str
    state: int
    options: dict[str, int | str | bool] = field(default_factory=dict)


def _lines(text: str) -> list[str]:
    """The pieces fgets() returns: lines, long ones cut every 1023 bytes."""
    out: list[str] = []
    for line in text.splitlines(keepends=True):
        while len(line) > _LINE_BUF - 1:
            out.append(line[: _LINE_BUF - 1])
            line = line[_LINE_BUF - 1 :]
        out.append(line)
    return out


def _add_group(lists: dict[str, OptsGroup], group: str, values: dict[str, str]) -> None:
    """qemu_config_do_parse: one [group] becomes one option group of its list."""
    target = lists.get(group)
    if target is None:
        raise QapiError(NO_SUCH_GROUP.format(group))
    try:
        opts = target.create(values.get("id"))
        for key in qdict_order(values):
            if key != "id":
                opts.set(key, values[key])
    except QemuOptsError as err:
        target.entries = target.entries[:-1] if target.entries else []
        raise QapiError(err.message) from None


def parse_config_groups(text: str) -> dict[str, OptsGroup]:
    """The option groups a config text defines (QEMU's qemu_config_parse)."""
    lists = {name: OptsGroup(spec) for name, spec in GROUPS.items()}
    current: dict[str, str] | None = None
    group = ""
    for line in _lines(text):
        if line.startswith(("\n", "#")):
            continue
        if line.startswith("["):
            matched = _GROUP_ID.match(line)
            fresh: dict[str, str] | None = None
            if matched:
                fresh = {"id": matched.group(2)}
                name = matched.group(1)
            else:
                only = _GROUP.match(line)
                if only:
                    fresh = {}
                    name = only.group(1)
            if fresh is not None:
                if current is not None:
                    _add_group(lists, group, current)
                current, group = fresh, name
                continue
        token = _TOKEN.match(line)
        if token is None:
            raise QapiError(PARSE_ERROR)
        if current is None:
            raise QapiError(NO_GROUP)
        value = _VALUE.match(line, token.end())
        current[token.group(1)] = value.group(1) if value else ""
    if current is not None:
        _add_group(lists, group, current)
    return lists


@cache
def _enum_values(name: str) -> tuple[str, ...]:
    from qmonitor.machine.schema import machine_schema
    from qmonitor.qapi.schema_model import EnumType

    typ = machine_schema().lookup_type(name)
    assert isinstance(typ, EnumType)
    return tuple(m.name for m in typ.members)


def _enum(name: str, value: str) -> str:
    if value not in _enum_values(name):
        raise QapiError(INVALID_ENUM.format(value))
    return value


def _rule(action: str, opts: QemuOpts) -> BlkdebugRule:
    """blkdebug's add_rule for one option group."""
    event = opts.get("event")
    if event is None:
        raise QapiError(MISSING_EVENT)
    rule = BlkdebugRule(action, _enum("BlkdebugEvent", event), opts.get_number("state", 0))
    if action == "inject-error":
        iotype = opts.get("iotype")
        rule.options = {
            "errno": opts.get_number("errno", 5),
            "once": opts.get_bool("once", False),
            "immediately": opts.get_bool("immediately", False),
            "sector": opts.get_number("sector", -1),
        }
        if iotype is not None:
            rule.options["iotype"] = _enum("BlkdebugIOType", iotype)
    else:
        rule.options = {"new_state": opts.get_number("new_state", 0)}
    return rule


def parse_blkdebug_config(text: str) -> list[BlkdebugRule]:
    """The rules of a blkdebug config file: inject-error ones first, as QEMU adds them."""
    lists = parse_config_groups(text)
    return [_rule(name, opts) for name, group in lists.items() for opts in group.entries]
