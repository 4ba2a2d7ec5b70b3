"""HMP ``netdev_add``, ``netdev_del`` and ``set_link`` (net/net.c, monitor/hmp-cmds.c).

``netdev_add`` reads its options as text, as ``-netdev`` does (QemuOpts
then the Netdev visitor); the other two call the QMP commands' code.
Errors print as ``Error: TEXT``.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from qmonitor.machine.net.cmdline import BAD_ID, DUPLICATE_OPTS_ID, read_netdev_flat

if TYPE_CHECKING:
    from qmonitor.machine.hmp_info import MachineHMP

#: monitor/hmp.c: what the argument parser prints when an argument is refused.
TRY_HELP = 'Try "help netdev_add" for more information\n'


def hmp_netdev_add(mon: MachineHMP, args: dict[str, Any]) -> None:
    from qmonitor.machine.net_cmds import add_netdev, id_wellformed, net_clients

    flat = {key: str(value) for key, value in args.items()}
    ident = flat.get("id")
    if ident is not None and (
        not id_wellformed(ident) or net_clients(mon.machine).find_netdev(ident) is not None
    ):
        # qemu_opts_from_qdict fails in the argument parser: its text goes to
        # stderr (no monitor is current there) and the monitor gets the hint.
        error = BAD_ID if not id_wellformed(ident) else DUPLICATE_OPTS_ID.format(ident)
        sys.stderr.write(error + "\n")
        mon.printf(TRY_HELP)
        return
    add_netdev(mon.machine, read_netdev_flat(flat), check_id=False)


def hmp_netdev_del(mon: MachineHMP, args: dict[str, Any]) -> None:
    from qmonitor.machine.net_cmds import netdev_del

    netdev_del(mon.machine, args["id"])


def hmp_set_link(mon: MachineHMP, args: dict[str, Any]) -> None:
    from qmonitor.machine.net_cmds import set_link

    set_link(mon.machine, args["name"], bool(args["up"]))


#: The commands of this module, by name.
HANDLERS: dict[str, Any] = {
    "netdev_add": hmp_netdev_add,
    "netdev_del": hmp_netdev_del,
    "set_link": hmp_set_link,
}
