"""Argument completion of HMP commands (QEMU 7.2's ``*_completion`` in monitor/misc.c).

A completer gets the monitor, its line editor, how many words the line
has (the command's name counts) and the last word; it sets where the
completion starts and offers the candidates that begin with the word:
key names, migration capabilities and parameters, watchdog actions,
trace events, chardevs, user objects, network back-ends, and ``on``/
``off`` where a command wants one.  The editor keeps the first 256
distinct candidates and lists them sorted, as QEMU's does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from qmonitor.chardev.container import listing_order
from qmonitor.machine import hmp_trace
from qmonitor.machine.hmp_chardev import RINGBUF_DRIVERS
from qmonitor.machine.hmp_info import qmp
from qmonitor.machine.hmp_input import QKEYCODES
from qmonitor.machine.hmp_migration import PARAMETER_TYPES
from qmonitor.machine.migration import CAPABILITIES

if TYPE_CHECKING:
    from qmonitor.machine.hmp_info import MachineHMP
    from qmonitor.monitor.hmp_table import HmpCompleter
    from qmonitor.monitor.readline import ReadLineState


def _offer(rs: ReadLineState, word: str, candidates: Iterable[str]) -> None:
    """Complete ``word`` from ``candidates`` (readline_set_completion_index, then each match)."""
    rs.set_completion_index(len(word.encode("utf-8", "surrogateescape")))
    for candidate in candidates:
        if candidate.startswith(word):
            rs.add_completion(candidate.encode("utf-8", "surrogateescape"))


def _on_off(rs: ReadLineState, word: str) -> None:
    _offer(rs, word, ("on", "off"))


def _chardev_labels(mon: MachineHMP) -> list[str]:
    """The chardevs in query-chardev's order."""
    return list(listing_order(mon.machine.chardevs))


def sendkey(mon: MachineHMP, rs: ReadLineState, nb_args: int, word: str) -> None:
    """The key after the last ``-``."""
    if nb_args != 2:
        return
    _offer(rs, word.rpartition("-")[2], QKEYCODES)


def watchdog_action(mon: MachineHMP, rs: ReadLineState, nb_args: int, word: str) -> None:
    # Imported here: the watchdog module brings in the event machinery.
    from qmonitor.machine.watchdog import WatchdogAction

    if nb_args == 2:
        _offer(rs, word, (action.value for action in WatchdogAction))


def migrate_set_capability(mon: MachineHMP, rs: ReadLineState, nb_args: int, word: str) -> None:
    rs.set_completion_index(len(word))
    if nb_args == 2:
        _offer(rs, word, CAPABILITIES)
    elif nb_args == 3:
        _on_off(rs, word)


def migrate_set_parameter(mon: MachineHMP, rs: ReadLineState, nb_args: int, word: str) -> None:
    rs.set_completion_index(len(word))
    if nb_args == 2:
        _offer(rs, word, PARAMETER_TYPES)


def trace_event(mon: MachineHMP, rs: ReadLineState, nb_args: int, word: str) -> None:
    rs.set_completion_index(len(word))
    if nb_args == 2:
        # QEMU walks the events in registration order, the reverse of its listing.
        _offer(rs, word, reversed(hmp_trace.matching(word + "*")))
    elif nb_args == 3:
        _on_off(rs, word)


def chardev_add(mon: MachineHMP, rs: ReadLineState, nb_args: int, word: str) -> None:
    if nb_args == 2:
        _offer(rs, word, (b["name"] for b in qmp(mon, "query-chardev-backends")))


def chardev_remove(mon: MachineHMP, rs: ReadLineState, nb_args: int, word: str) -> None:
    if nb_args == 2:
        _offer(rs, word, _chardev_labels(mon))


def ringbuf(mon: MachineHMP, rs: ReadLineState, nb_args: int, word: str) -> None:
    if nb_args == 2:
        chardevs = mon.machine.chardevs
        labels = (c for c in _chardev_labels(mon) if chardevs[c].driver in RINGBUF_DRIVERS)
        _offer(rs, word, labels)


def object_add(mon: MachineHMP, rs: ReadLineState, nb_args: int, word: str) -> None:
    from qmonitor.machine.hmp_objects import CREATABLE_TYPES

    if nb_args == 2:
        _offer(rs, word, CREATABLE_TYPES)


def object_del(mon: MachineHMP, rs: ReadLineState, nb_args: int, word: str) -> None:
    """The children of ``/objects`` (which exists once an object was made)."""
    if nb_args != 2:
        return
    try:
        props = qmp(mon, "qom-list", {"path": "/objects"})
    except Exception:  # no /objects yet: nothing to offer
        props = []
    rs.set_completion_index(len(word))
    _offer(rs, word, (p["name"] for p in props if str(p["type"]).startswith("child<")))


def set_link(mon: MachineHMP, rs: ReadLineState, nb_args: int, word: str) -> None:
    """Network clients (none: qmonitor has no network back-end), then on or off."""
    rs.set_completion_index(len(word))
    if nb_args == 3:
        _on_off(rs, word)


def no_candidates(mon: MachineHMP, rs: ReadLineState, nb_args: int, word: str) -> None:
    """Snapshots (delvm, loadvm) and network back-ends (netdev_del): there are none."""
    if nb_args == 2:
        rs.set_completion_index(len(word))


def netdev_add(mon: MachineHMP, rs: ReadLineState, nb_args: int, word: str) -> None:
    """Every NetClientDriver, as QEMU offers them."""
    if nb_args == 2:
        _offer(rs, word, NETDEV_TYPES)


#: NetClientDriver's members in QEMU 7.2's order (Debian's build; its
#: query-qmp-schema, recorded in tests/golden/qapi/query-qmp-schema.json).
NETDEV_TYPES = (
    "none",
    "nic",
    "user",
    "tap",
    "l2tpv3",
    "socket",
    "stream",
    "dgram",
    "vde",
    "bridge",
    "hubport",
    "netmap",
    "vhost-user",
    "vhost-vdpa",
)

#: Completers by command (first name).
COMPLETERS: dict[str, HmpCompleter] = {
    "chardev-add": chardev_add,
    "chardev-remove": chardev_remove,
    "chardev-send-break": chardev_remove,
    "delvm": no_candidates,
    "loadvm": no_candidates,
    "migrate_set_capability": migrate_set_capability,
    "migrate_set_parameter": migrate_set_parameter,
    "netdev_add": netdev_add,
    "netdev_del": no_candidates,
    "object_add": object_add,
    "object_del": object_del,
    "ringbuf_read": ringbuf,
    "ringbuf_write": ringbuf,
    "sendkey": sendkey,
    "set_link": set_link,
    "trace-event": trace_event,
    "watchdog_action": watchdog_action,
}
