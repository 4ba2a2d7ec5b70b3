"""The host back-ends (tap, bridge, socket, stream, dgram, l2tpv3, vhost-*): QEMU's checks.

Each function checks a back-end's options in QEMU 7.2's order (net/tap.c,
net/socket.c, net/stream.c, net/dgram.c, net/l2tpv3.c, net/vhost-vdpa.c)
and returns the text ``info network`` prints for it.  The null machine
moves no frame, so it opens no host interface and no socket: a back-end
that needs one fails as it fails for a user without privileges (a tap or
a bridge, whose helper cannot set one up; l2tpv3's raw socket), and a
socket back-end is kept with the text QEMU shows before any peer came.
A descriptor given by number or by its ``getfd`` name must be open.
"""

from __future__ import annotations

import errno
import os
from typing import Any

from qmonitor.qapi.error import QapiError

# Texts of QEMU 7.2.
TAP_FD_EXCLUSIVE = (
    "ifname=, script=, downscript=, vnet_hdr=, helper=, queues=, fds=, and vhostfds= "
    "are invalid with fd="
)
BAD_FD = "{}: Can't use file descriptor {}: {}"
#: net/tap-linux.c tap_open() for a user who may not open the clone device.
NO_TUN = "could not open /dev/net/tun: Permission denied"
#: net/tap.c net_bridge_run_helper(): the setuid helper refused (no ACL for this user).
HELPER_FAILED = "bridge helper failed"
SOCKET_ONE_OF = "exactly one of listen=, connect=, mcast= or udp= is required"
SOCKET_LOCALADDR_ONLY = "localaddr= is only valid with mcast= or udp="
SOCKET_LOCALADDR_MANDATORY = "localaddr= is mandatory with udp="
NO_HOST = "can't resolve host address '{}'"
DGRAM_NO_LOCAL = "dgram requires local= parameter"
DGRAM_NO_REMOTE = "type=inet or type=unix requires remote parameter"
#: net/l2tpv3.c: the raw socket needs CAP_NET_RAW (EPERM).
L2TPV3_NO_SOCKET = "socket creation failed, errno = 1"
VDPA_OPEN = "Could not open '{}': {}"
CONNECTION_ERROR = "connection error"


def _fd(name: str, text: str) -> int:
    """monitor_fd_param, then a check that the descriptor is open (set non-blocking)."""
    from qmonitor.machine.migrate.channels import monitor_fd_param

    fd = monitor_fd_param(text)
    try:
        os.fstat(fd)
    except OSError as exc:
        raise QapiError(BAD_FD.format(name, fd, os.strerror(exc.errno or errno.EBADF))) from None
    return fd


def tap(name: str, opts: dict[str, Any], hub_peer: bool) -> str:
    """net_init_tap: ``fd=`` alone; otherwise the tap device or the helper is needed."""
    if hub_peer and any(k in opts for k in ("queues", "fds", "vhostfds")):
        raise QapiError("Multiqueue tap cannot be used with hubs")
    if "fd" in opts:
        others = ("ifname", "script", "downscript", "vnet_hdr", "helper", "queues", "fds")
        if any(k in opts for k in (*others, "vhostfds")):
            raise QapiError(TAP_FD_EXCLUSIVE)
        fd = _fd(name, opts["fd"])
        return f"fd={fd}"
    if "helper" in opts:
        raise QapiError(HELPER_FAILED)
    raise QapiError(NO_TUN)


def bridge(name: str, opts: dict[str, Any]) -> str:
    """net_init_bridge: the helper it runs cannot set the bridge up for this user."""
    raise QapiError(HELPER_FAILED)


def _resolve(address: str) -> None:
    import socket

    host = address.rpartition(":")[0]
    if host:
        try:
            socket.inet_aton(host)
        except OSError:
            try:
                socket.gethostbyname(host)
            except OSError:
                raise QapiError(NO_HOST.format(host)) from None


def socket_backend(name: str, opts: dict[str, Any]) -> str:
    """net_init_socket: exactly one way to reach the other end."""
    ways = [k for k in ("fd", "listen", "connect", "mcast", "udp") if k in opts]
    if len(ways) != 1:
        raise QapiError(SOCKET_ONE_OF)
    if "localaddr" in opts and ways[0] not in ("mcast", "udp"):
        raise QapiError(SOCKET_LOCALADDR_ONLY)
    way = ways[0]
    if way == "fd":
        return f"socket: fd={_fd(name, opts['fd'])}"
    if way == "udp" and "localaddr" not in opts:
        raise QapiError(SOCKET_LOCALADDR_MANDATORY)
    _resolve(opts[way])
    if way == "mcast":
        return f"socket: mcast={opts['mcast']}"
    if way == "udp":
        return f"socket: udp={opts['udp']}"
    # listen and connect show their peer once one is there: none is, here.
    return ""


def stream(name: str, opts: dict[str, Any]) -> str:
    """net_init_stream: a server waits (no text); a client has no server to reach."""
    addr = opts["addr"]
    if addr.get("type") == "fd":
        # A descriptor it cannot use is reported in its text, not as an error.
        try:
            _fd(name, addr["str"])
        except QapiError:
            return CONNECTION_ERROR
    if opts.get("server"):
        return ""
    return CONNECTION_ERROR


def dgram(name: str, opts: dict[str, Any]) -> str:
    """net_init_dgram: a local address, and a remote one for inet and unix."""
    local = opts.get("local")
    remote = opts.get("remote")
    if local is None:
        raise QapiError(DGRAM_NO_LOCAL)
    if local.get("type") in ("inet", "unix") and remote is None:
        raise QapiError(DGRAM_NO_REMOTE)
    raise QapiError("qmonitor: a dgram back-end with a remote address is not modelled")


def l2tpv3(name: str, opts: dict[str, Any]) -> str:
    raise QapiError(L2TPV3_NO_SOCKET)


def vhost_vdpa(name: str, opts: dict[str, Any]) -> str:
    path = opts.get("vhostdev")
    if path is not None and not os.path.exists(path):
        raise QapiError(VDPA_OPEN.format(path, os.strerror(errno.ENOENT)))
    raise QapiError("qmonitor: a vhost-vdpa back-end is not modelled")


def backend_info(kind: str, name: str, opts: dict[str, Any], hub_peer: bool) -> str | None:
    """The ``info network`` text of a host back-end, or None for a kind not handled here."""
    if kind == "tap":
        return tap(name, opts, hub_peer)
    if kind == "bridge":
        return bridge(name, opts)
    if kind == "socket":
        return socket_backend(name, opts)
    if kind == "stream":
        return stream(name, opts)
    if kind == "dgram":
        return dgram(name, opts)
    if kind == "l2tpv3":
        return l2tpv3(name, opts)
    if kind == "vhost-vdpa":
        return vhost_vdpa(name, opts)
    return None
