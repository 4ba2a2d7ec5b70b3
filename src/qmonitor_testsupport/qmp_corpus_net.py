"""The ``net`` theme of the QMP golden corpus: netdev_add/netdev_del, set_link, announce-self,
dump-guest-memory and the rocker queries.

What QEMU 7.2 answers on ``-M none`` (and a PC) when a client adds,
removes and links network backends, asks for announcements, a memory
dump of a machine without guest memory, and the state of rocker switches
it does not have.  Imported by :mod:`.qmp_corpus`.
"""

from __future__ import annotations

from typing import Any

from qmonitor_testsupport.qmp_steps import NEG, PROBE, Opts, cmd, table


def _add(id: str, kind: str, tag: Any = None, **opts: Any) -> Any:
    args = {"id": id, "type": kind, **{k.replace("_", "-"): v for k, v in opts.items()}}
    return cmd("netdev_add", args, tag if tag is not None else id)


def _del(id: Any, tag: Any) -> Any:
    return cmd("netdev_del", {"id": id}, tag)


def _link(name: str, up: Any, tag: Any) -> Any:
    return cmd("set_link", {"name": name, "up": up}, tag)


_ANNOUNCE = {"initial": 50, "max": 550, "rounds": 5, "step": 50}
_PC = Opts(("-M", "pc", "-accel", "qtest"))

table("net", [
    ("net_add_del", "netdev_add of user and hubport backends, duplicates, netdev_del", NEG,
     _add("n0", "user"), _add("n0", "user", "dup"), _add("h0", "hubport", hubid=0),
     _add("h1", "hubport", hubid=0), _add("nn", "none", "none"),
     _link("n0", False, 1), _link("n0", True, 2), _link("nope", True, 3),
     _del("n0", 4), _del("n0", 5), _del("h0", 6), _del("nope", 7),
     cmd("query-rx-filter", id=8), PROBE),
    ("net_add_errors", "netdev_add argument and id errors", NEG,
     _add("1a", "user"), _add("a b", "user"), _add("", "user", "empty"),
     cmd("netdev_add", {"id": "x"}, 1), cmd("netdev_add", {"type": "user"}, 2),
     cmd("netdev_add", {"id": "x", "type": "nope"}, 3),
     _add("u1", "user", "opt", ipv4=True, restrict=False, hostname="h"),
     _add("u2", "user", "bad-net", net="300.0.0.0/8"), _add("u3", "user", "unknown", nope=1),
     _add("n1", "nic", "nic"), _add("v0", "vde", "vde"), _add("nm", "netmap", "netmap", ifname="x"),
     _add("vu", "vhost-user", "vhost-user", chardev="nope"),
     _add("hx", "hubport", "hub-bad", hubid=-1),
     _add("hy", "hubport", "hub-netdev", hubid=2, netdev="nope"),
     _add("hz", "hubport", "hub-peer", hubid=2, netdev="hx"),
     _add("u4", "user", "mask-range", net="10.0.0.0/2"),
     _add("u5", "user", "mask-trail", net="10.0.0.0/8x"),
     _add("u6", "user", "host-out", net="10.0.0.0/8", host="11.0.0.2"),
     _add("u7", "user", "dns-host", host="10.0.2.3"),
     _add("u8", "user", "no-v4", ipv4=False, net="10.0.0.0/8"),
     _add("u9", "user", "none", ipv4=False, ipv6=False),
     _add("ua", "user", "domain", domainname=""),
     _add("ub", "user", "dhcp", dhcpstart="10.0.2.2"),
     _add("uc", "user", "ip", ip="192.168.7.0"), _add("ud", "user", "dns-bad", dns="x"),
     cmd("query-rx-filter", {"name": "u1"}, "rx-netdev"),
     _del(1, 4), cmd("netdev_del", {}, 5), PROBE),
    ("net_announce", "announce-self with and without NICs", NEG,
     cmd("announce-self", _ANNOUNCE, 1),
     cmd("announce-self", {**_ANNOUNCE, "interfaces": ["x"], "id": "a"}, 2),
     cmd("announce-self", {"initial": 50}, 3), PROBE),
    ("net_dump_rocker", "dump-guest-memory without guest memory; rocker queries", NEG,
     cmd("dump-guest-memory", {"paging": False, "protocol": "fd:nope"}, 1),
     cmd("dump-guest-memory", {"paging": False, "protocol": "file:/nonexistent/x"}, 2),
     cmd("dump-guest-memory", {"paging": False, "protocol": "x"}, 3),
     cmd("dump-guest-memory", {"paging": True, "protocol": "fd:x", "format": "elf"}, 4),
     cmd("dump-guest-memory", {"paging": False, "protocol": "fd:x", "begin": 0}, 5),
     cmd("dump-guest-memory", {"paging": False, "protocol": "fd:x", "detach": True}, 6),
     cmd("query-dump", id=7),
     cmd("dump-guest-memory", {"paging": False, "protocol": "file:/dev/null"}, "null-elf"),
     cmd("query-dump", id="after"),
     cmd("dump-guest-memory", {"paging": True, "protocol": "file:/dev/null"}, "null-paging"),
     cmd("dump-guest-memory", {"paging": False, "protocol": "file:/dev/null",
                               "format": "kdump-zlib"}, "zlib"),
     cmd("dump-guest-memory", {"paging": True, "protocol": "file:/dev/null",
                               "format": "kdump-zlib"}, "zlib-paging"),
     cmd("dump-guest-memory", {"paging": False, "protocol": "file:/dev/null",
                               "format": "kdump-lzo"}, "lzo"),
     cmd("dump-guest-memory", {"paging": False, "protocol": "file:/dev/null",
                               "format": "win-dmp"}, "win"),
     cmd("dump-guest-memory", {"paging": False, "protocol": "file:/dev/null", "length": 1},
         "no-begin"),
     cmd("dump-guest-memory", {"paging": False, "protocol": "file:/dev/null", "begin": 0,
                               "length": 0}, "zero-length"),
     cmd("query-rocker", {"name": "r"}, 8), cmd("query-rocker-ports", {"name": "r"}, 9),
     cmd("query-rocker-of-dpa-flows", {"name": "r"}, 10),
     cmd("query-rocker-of-dpa-flows", {"name": "r", "tbl-id": 1}, 11),
     cmd("query-rocker-of-dpa-groups", {"name": "r", "type": 1}, 12), PROBE),
    ("net_pc_link", "set_link and query-rx-filter on a PC without NICs; a hubport's link", NEG,
     _add("h0", "hubport", hubid=1), _link("h0", False, 1), cmd("query-rx-filter", id=2),
     cmd("dump-guest-memory", {"paging": False, "protocol": "fd:x"}, 3),
     cmd("query-dump", id=5), _PC),
])  # fmt: skip
