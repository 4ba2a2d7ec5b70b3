"""netdev_add, netdev_del, set_link, announce-self and the rocker queries.

The null machine keeps the network back-ends a client adds in its net
clients (:mod:`qmonitor.machine.net.clients`), with the NICs that use
them; no frame ever moves.  The user-mode stack (``user``) checks its
IPv4 settings as QEMU's slirp set-up does; a hub port checks the netdev
it names; the host back-ends are checked by :mod:`.net.backends`.  Those
QEMU 7.2 x86_64 does not have (``nic`` as a back-end, ``none``,
``netmap``) are refused with its text, as is a VDE back-end without a VDE
switch; a vhost-user back-end on an existing chardev is not modelled.
"""

from __future__ import annotations

import socket
import struct
from typing import TYPE_CHECKING, Any

from qmonitor.machine.net.backends import backend_info
from qmonitor.machine.net.clients import NetClient, NetClients
from qmonitor.machine.schema import machine_schema
from qmonitor.qapi.binding import bind_command
from qmonitor.qapi.error import ErrorClass, QapiError

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine

# QEMU 7.2's texts (net/net.c, net/slirp.c, net/hub.c, net/vde.c,
# net/vhost-user.c, hw/net/rocker/rocker.c, qapi/qmp/qerror.h).
NOT_AN_IDENTIFIER = "Parameter 'id' expects an identifier"
NOT_COMPILED = "network backend '{}' is not compiled into this binary"
DUPLICATE_ID = "Duplicate ID '{}'"
DEVICE_NOT_FOUND = "Device '{}' not found"
NOT_A_NETDEV = "Device '{}' is not a netdev"
HUB_NETDEV_NOT_FOUND = "netdev '{}' not found"
VDE_NO_SWITCH = "Could not open vde: No such file or directory"
VHOST_USER_NO_CHARDEV = 'chardev "{}" not found'
ROCKER_NOT_FOUND = "rocker {} not found"

#: Backends QEMU 7.2 x86_64 (Debian's build) has no netdev_add for.
_NOT_COMPILED = ("nic", "none", "netmap")


def id_wellformed(ident: str) -> bool:
    """QEMU's id_wellformed: a letter, then letters, digits, ``-``, ``.`` and ``_``."""
    if not ident or not ident[0].isascii() or not ident[0].isalpha():
        return False
    return all(c.isascii() and (c.isalnum() or c in "-._") for c in ident[1:])


def _aton(text: str) -> int | None:
    """inet_aton as an unsigned number, or None."""
    try:
        return int(struct.unpack("!I", socket.inet_aton(text))[0])
    except OSError:
        return None


def _classful_mask(addr: int) -> int:
    if not addr & 0x80000000:
        return 0xFF000000
    if addr & 0xFFF00000 == 0xAC100000:
        return 0xFFF00000
    if addr & 0xC0000000 == 0x80000000:
        return 0xFFFF0000
    if addr & 0xFFFF0000 == 0xC0A80000:
        return 0xFFFF0000
    if addr & 0xFFFF0000 == 0xC6120000:
        return 0xFFFE0000
    if addr & 0xE0000000 == 0xE0000000:
        return 0xFFFFFF00
    return 0xFFFFFFF0


def _network(vnet: str) -> tuple[int, int]:
    """The network and mask of ``net=`` (QEMU's parse, with its errors)."""
    addr_text, sep, mask_text = vnet.partition("/")
    if not sep:
        net = _aton(vnet)
        if net is None:
            raise QapiError("Failed to parse netmask")
        mask = _classful_mask(net)
    else:
        net = _aton(addr_text)
        if net is None:
            raise QapiError("Failed to parse netmask")
        if mask_text.isdigit() or (mask_text[:1] in "+-" and mask_text[1:].isdigit()):
            shift = int(mask_text)
            if shift < 4 or shift > 32:
                raise QapiError("Invalid netmask provided (must be in range 4-32)")
            mask = (0xFFFFFFFF << (32 - shift)) & 0xFFFFFFFF
        else:
            parsed = _aton(mask_text)
            if parsed is None:
                raise QapiError("Failed to parse netmask (trailing chars)")
            mask = parsed
    return net & mask, mask


def check_user(opts: dict[str, Any]) -> int:
    """The IPv4 checks of QEMU's user-mode network set-up; returns the network."""
    has4, has6 = "ipv4" in opts, "ipv6" in opts
    ipv4 = not ((has6 and opts["ipv6"] and not has4) or (has4 and not opts["ipv4"]))
    ipv6 = not ((has4 and opts["ipv4"] and not has6) or (has6 and not opts["ipv6"]))
    vnet = opts.get("net")
    if vnet is None and "ip" in opts:
        vnet = f"{opts['ip']}/24"
    if not ipv4 and (vnet or "host" in opts or "dns" in opts):
        raise QapiError("IPv4 disabled but netmask/host/dns provided")
    if not ipv6 and ("ipv6-prefix" in opts or "ipv6-host" in opts or "ipv6-dns" in opts):
        raise QapiError("IPv6 disabled but prefix/host6/dns6 provided")
    if not ipv4 and not ipv6:
        raise QapiError("IPv4 and IPv6 disabled")
    net, mask = 0x0A000200, 0xFFFFFF00
    host, dhcp, dns = 0x0A000202, 0x0A00020F, 0x0A000203
    if vnet:
        net, mask = _network(vnet)
        host = net | (0x0202 & ~mask)
        dhcp = net | (0x020F & ~mask)
        dns = net | (0x0203 & ~mask)
    host = _checked(opts.get("host"), host, "Failed to parse host")
    if host & mask != net:
        raise QapiError("Host doesn't belong to network")
    dns = _checked(opts.get("dns"), dns, "Failed to parse DNS")
    if opts.get("restrict") and dns & mask != net:
        raise QapiError("DNS doesn't belong to network")
    if dns == host:
        raise QapiError("DNS must be different from host")
    dhcp = _checked(opts.get("dhcpstart"), dhcp, "Failed to parse DHCP start address")
    if dhcp & mask != net:
        raise QapiError("DHCP doesn't belong to network")
    if dhcp in (host, dns):
        raise QapiError("DHCP must be different from host and DNS")
    domain = opts.get("domainname")
    if domain is not None and not domain:
        raise QapiError("'domainname' parameter cannot be empty")
    for key in ("domainname", "hostname", "tftp-server-name"):
        value = opts.get(key)
        name = "vhostname" if key == "hostname" else key
        if value is not None and len(value.encode()) > 255:
            raise QapiError(f"'{name}' parameter cannot exceed 255 bytes")
    return net


def _checked(text: str | None, default: int, error: str) -> int:
    if text is None:
        return default
    value = _aton(text)
    if value is None:
        raise QapiError(error)
    return value


def add_netdev(
    machine: Machine,
    netdev: dict[str, Any],
    is_netdev: bool = True,
    peer: NetClient | None = None,
    check_id: bool = True,
) -> NetClient:
    """net_client_init1 for one back-end (``peer``: the hub port of a ``-net``).

    ``check_id``: QMP's netdev_add checks the id (the command line's
    QemuOpts checked it already, and an id made for ``-nic`` is no identifier).
    """
    clients = net_clients(machine)
    ident: str = netdev["id"]
    kind: str = netdev["type"]
    if check_id and not id_wellformed(ident):
        raise QapiError(NOT_AN_IDENTIFIER)
    if kind in _NOT_COMPILED:
        raise QapiError(NOT_COMPILED.format(kind))
    if clients.find_netdev(ident) is not None:
        raise QapiError(DUPLICATE_ID.format(ident))
    if kind == "user":
        net = check_user(netdev)
        client = clients.new_client(kind, kind, ident, peer)
        restrict = "on" if netdev.get("restrict") else "off"
        client.info = f"net={socket.inet_ntoa(struct.pack('!I', net))},restrict={restrict}"
    elif kind == "hubport":
        name = netdev.get("netdev")
        hubpeer = None
        if name is not None:
            hubpeer = clients.find_netdev(name)
            if hubpeer is None:
                raise QapiError(HUB_NETDEV_NOT_FOUND.format(name))
        client = clients.add_hub_port(netdev["hubid"], ident, hubpeer)
    elif (info := backend_info(kind, ident, netdev, peer is not None)) is not None:
        client = clients.new_client(kind, kind, ident, peer)
        client.info = info
    elif kind == "vde":
        raise QapiError(VDE_NO_SWITCH)
    elif kind == "vhost-user":
        chardev = netdev["chardev"]
        if chardev not in machine.chardevs:
            raise QapiError(VHOST_USER_NO_CHARDEV.format(chardev))
        raise QapiError(f"netdev_add of a '{kind}' backend is not modelled")
    else:
        raise QapiError(f"netdev_add of a '{kind}' backend is not modelled")
    client.is_netdev = is_netdev
    client.options = {k: v for k, v in netdev.items() if k not in ("id", "type")}
    return client


def netdev_del(machine: Machine, ident: str) -> None:
    """qmp_netdev_del: only a back-end made as a netdev."""
    clients = net_clients(machine)
    client = clients.find_netdev(ident)
    if client is None:
        raise QapiError(DEVICE_NOT_FOUND.format(ident), ErrorClass.DEVICE_NOT_FOUND)
    if not client.is_netdev:
        raise QapiError(NOT_A_NETDEV.format(ident))
    clients.delete(client)


def set_link(machine: Machine, name: str, up: bool) -> None:
    """qmp_set_link: the client named and, if it is a NIC's back-end, the NIC."""
    client = net_clients(machine).find_any(name)
    if client is None:
        raise QapiError(DEVICE_NOT_FOUND.format(name), ErrorClass.DEVICE_NOT_FOUND)
    client.link_down = not up
    if client.peer is not None and client.peer.kind == "nic":
        client.peer.link_down = not up


def net_clients(machine: Machine) -> NetClients:
    """The machine's net clients, made (with the command line's) on first use."""
    from qmonitor.machine.net.cmdline import create_from_options

    def build() -> NetClients:
        clients = NetClients()
        machine.part(NetClients, lambda: clients)
        create_from_options(machine, clients)
        return clients

    return machine.part(NetClients, build)


def register_net_commands(machine: Machine) -> None:
    """netdev_add, netdev_del, set_link, announce-self and the rocker queries."""
    schema = machine_schema()
    full = machine.commands.full

    def netdev_add(netdev: dict[str, Any]) -> None:
        add_netdev(machine, netdev)

    def netdev_del_cmd(id: str) -> None:
        netdev_del(machine, id)

    def set_link_cmd(name: str, up: bool) -> None:
        set_link(machine, name, up)

    def announce_self(
        initial: int,
        max: int,
        rounds: int,
        step: int,
        interfaces: list[str] | None = None,
        id: str | None = None,
    ) -> None:
        # No NIC: there is nobody to announce.
        return None

    def no_rocker(name: str, **_: Any) -> Any:
        # The null machine has no rocker switch.
        raise QapiError(ROCKER_NOT_FOUND.format(name))

    full.register(bind_command(schema, "set_link", set_link_cmd))
    full.register(bind_command(schema, "netdev_add", netdev_add))
    full.register(bind_command(schema, "netdev_del", netdev_del_cmd))
    full.register(bind_command(schema, "announce-self", announce_self))
    for name in (
        "query-rocker",
        "query-rocker-ports",
        "query-rocker-of-dpa-flows",
        "query-rocker-of-dpa-groups",
    ):
        full.register(bind_command(schema, name, no_rocker))
