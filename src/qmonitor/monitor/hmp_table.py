"""HMP command tables and what an HMP monitor needs of the machine behind it.

An :class:`HMPCommand` is QEMU's ``HMPCommand`` (monitor/monitor-internal.h):
a name with its ``|`` aliases, the ``args_type`` string the argument parser
follows, the ``params`` and ``help`` texts ``help`` prints, and the
handler.  A table is a tuple of them sorted by name, as QEMU sorts its
tables at start-up (``sortcmdlist``); a command with a ``sub_table``
(``info``) takes a word naming one of its sub-commands.

Tables are plain tuples, so whoever builds a monitor chooses its commands:
:func:`extend_table` adds commands (and ``info`` sub-commands) to a table,
keeping QEMU's order.  :class:`HmpHost` is the narrow view an HMP monitor
has of its machine; the machine's commands reach the rest of it through
``mon.machine``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from qmonitor.monitor.hmp import MonitorHMP
    from qmonitor.monitor.monitor import MonitorRegistry
    from qmonitor.monitor.readline import ReadLineState

#: A command's handler: the monitor it runs on, and the parsed arguments.
HmpHandler = Callable[["MonitorHMP[Any]", dict[str, Any]], None]
#: A command's argument completion (``command_completion``): the monitor, its
#: line editor, how many words the line has (the command's name counts) and
#: the last one, which the completer offers candidates for.
HmpCompleter = Callable[["MonitorHMP[Any]", "ReadLineState", int, str], None]


@dataclass(frozen=True, slots=True)
class HMPCommand:
    """One HMP command (``HMPCommand`` in monitor-internal.h)."""

    #: The name and its aliases, ``|``-separated (``"stop|s"``).
    name: str
    #: ``key:type`` pairs the argument parser follows (``"item:s?"``).
    args_type: str
    #: The argument synopsis ``help`` shows.
    params: str
    #: The one-line description ``help`` shows.
    help: str
    handler: HmpHandler
    #: Sub-commands (``info``): a word after the name selects one.
    sub_table: tuple[HMPCommand, ...] | None = None
    #: Completes the command's arguments; without one, its argument types do.
    completion: HmpCompleter | None = None
    #: Available before the machine is built (``--preconfig``; QEMU's flag ``p``).
    preconfig: bool = False

    def matches(self, name: str) -> bool:
        """Whether ``name`` is the name or one of its aliases (``hmp_compare_cmd``)."""
        return name in self.name.split("|")


#: Name-to-command indexes of the tables looked up, by ``id`` of the table
#: (which the entry keeps alive, so the id stays its own).
_INDEXES: dict[int, tuple[tuple[HMPCommand, ...], dict[str, HMPCommand]]] = {}
#: Past this many tables the indexes are dropped and built again as needed.
_MAX_INDEXES = 256


def find_command(table: tuple[HMPCommand, ...], name: str) -> HMPCommand | None:
    """The first command of ``table`` that :meth:`~HMPCommand.matches` ``name``.

    The table's index is built on its first lookup, so a command line costs
    a dictionary lookup per word instead of a walk over the table.
    """
    entry = _INDEXES.get(id(table))
    if entry is None or entry[0] is not table:
        index: dict[str, HMPCommand] = {}
        for cmd in table:
            for alias in cmd.name.split("|"):
                index.setdefault(alias, cmd)
        if len(_INDEXES) >= _MAX_INDEXES:
            _INDEXES.clear()
        entry = _INDEXES[id(table)] = (table, index)
    return entry[1].get(name)


#: ``help`` listings of whole tables, by ``id`` of the table (kept alive by
#: the entry), the words before each name and whether only preconfig
#: commands are available: a listing is the same text every time.
_LISTINGS: dict[tuple[int, str, bool], tuple[tuple[HMPCommand, ...], str]] = {}


def help_listing(table: tuple[HMPCommand, ...], lead: str, preconfig_only: bool) -> str:
    """What ``help`` prints for every command of ``table`` (help_cmd_dump).

    One line per available command, ``lead`` (the words typed before it,
    each followed by a blank) then ``name params -- help``.  Made once per
    table: QEMU's whole table is over a hundred lines.
    """
    key = (id(table), lead, preconfig_only)
    entry = _LISTINGS.get(key)
    if entry is None or entry[0] is not table:
        listing = "".join(
            f"{lead}{cmd.name} {cmd.params} -- {cmd.help}\n"
            for cmd in table
            if cmd.preconfig or not preconfig_only
        )
        if len(_LISTINGS) >= _MAX_INDEXES:
            _LISTINGS.clear()
        entry = _LISTINGS[key] = (table, listing)
    return entry[1]


def sort_table(cmds: Iterable[HMPCommand]) -> tuple[HMPCommand, ...]:
    """A table in QEMU's order: sorted by name, byte by byte (``compare_mon_cmd``)."""
    return tuple(sorted(cmds, key=lambda c: c.name.encode()))


def extend_table(
    table: tuple[HMPCommand, ...],
    cmds: Iterable[HMPCommand] = (),
    *,
    info: Iterable[HMPCommand] = (),
) -> tuple[HMPCommand, ...]:
    """``table`` with ``cmds`` added and ``info`` added to the ``info`` sub-table.

    A command whose name equals one already there replaces it.  The result
    is sorted as QEMU sorts its tables; ``table`` is left as it was.
    """

    def merge(old: Iterable[HMPCommand], new: Iterable[HMPCommand]) -> tuple[HMPCommand, ...]:
        added = {c.name: c for c in new}
        return sort_table([*(c for c in old if c.name not in added), *added.values()])

    info = tuple(info)
    if info:
        has_info = False
        out = []
        for cmd in table:
            if cmd.matches("info") and cmd.sub_table is not None:
                cmd = replace(cmd, sub_table=merge(cmd.sub_table, info))
                has_info = True
            out.append(cmd)
        if not has_info:
            raise ValueError("the table has no 'info' command to add sub-commands to")
        table = tuple(out)
    return merge(table, cmds)


class HmpHost(Protocol):
    """What an HMP monitor needs of the machine it serves."""

    @property
    def registry(self) -> MonitorRegistry:
        """The monitor list the monitor joins."""

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The main loop the monitor's chardev handlers run on."""

    @property
    def hmp_commands(self) -> tuple[HMPCommand, ...]:
        """The command table a monitor gets unless it is given one."""

    @property
    def qemu_version(self) -> tuple[int, int, int]:
        """The QEMU version the banner names."""

    def request_quit(self) -> None:
        """Quit as the ``quit`` command does (C-a x on a mux)."""
