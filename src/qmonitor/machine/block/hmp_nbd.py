"""HMP's NBD server commands (QEMU 7.2's block/monitor/block-hmp-cmds.c) over the QMP ones.

``nbd_server_start URI`` parses the URI as socket_parse does (``unix:PATH``,
``fd:NAME``, ``vsock:CID:PORT``, else ``HOST:PORT``) and starts the server
without TLS; ``-a`` would also export every drive with a medium (there are
none).  ``nbd_server_add``, ``nbd_server_remove`` and ``nbd_server_stop``
call their QMP commands; errors print as ``Error: ...``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from qmonitor.machine.hmp_info import qmp
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    from qmonitor.machine.hmp_info import MachineHMP

WRITABLE_NEEDS_ALL = "-w only valid together with -a"
#: util/qemu-sockets.c's inet_parse text.
BAD_ADDRESS = "error parsing address '{}'"
#: HOST:PORT, with an IPv6 host in brackets (inet_parse).
_INET = re.compile(r"(?:\[(?P<v6>[^\]]*)\]|(?P<host>[^:]*)):(?P<port>[^,]*)(?P<opts>,.*)?\Z")


def parse_uri(uri: str) -> dict[str, Any]:
    """socket_parse: the SocketAddressLegacy a URI names."""
    if uri.startswith("unix:"):
        return {"type": "unix", "data": {"path": uri[5:]}}
    if uri.startswith("fd:"):
        return {"type": "fd", "data": {"str": uri[3:]}}
    if uri.startswith("vsock:"):
        cid, _, port = uri[6:].partition(":")
        if not port:
            raise QapiError(f"error parsing vsock address '{uri[6:]}'")
        return {"type": "vsock", "data": {"cid": cid, "port": port}}
    match = _INET.match(uri)
    if match is None:
        raise QapiError(BAD_ADDRESS.format(uri))
    host = match["v6"] if match["v6"] is not None else match["host"]
    data: dict[str, Any] = {"host": host, "port": match["port"]}
    if match["v6"] is not None:
        data["ipv6"] = True
    return {"type": "inet", "data": data}


def hmp_nbd_server_start(mon: MachineHMP, args: dict[str, Any]) -> None:
    if args.get("writable") and not args.get("all"):
        raise QapiError(WRITABLE_NEEDS_ALL)
    qmp(mon, "nbd-server-start", {"addr": parse_uri(args["uri"])})
    # With -a every drive with a medium would be exported: the machine has none.


def hmp_nbd_server_add(mon: MachineHMP, args: dict[str, Any]) -> None:
    arguments = {"device": args["device"], "writable": bool(args.get("writable", False))}
    if args.get("name") is not None:
        arguments["name"] = args["name"]
    qmp(mon, "nbd-server-add", arguments)


def hmp_nbd_server_remove(mon: MachineHMP, args: dict[str, Any]) -> None:
    mode = "hard" if args.get("force") else "safe"
    qmp(mon, "nbd-server-remove", {"name": args["name"], "mode": mode})


def hmp_nbd_server_stop(mon: MachineHMP, args: dict[str, Any]) -> None:
    qmp(mon, "nbd-server-stop")


#: The handlers, by command name.
HANDLERS: dict[str, Any] = {
    "nbd_server_start": hmp_nbd_server_start,
    "nbd_server_add": hmp_nbd_server_add,
    "nbd_server_remove": hmp_nbd_server_remove,
    "nbd_server_stop": hmp_nbd_server_stop,
}
