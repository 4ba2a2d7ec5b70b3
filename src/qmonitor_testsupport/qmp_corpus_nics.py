"""The ``nics`` theme of the QMP golden corpus: NICs on a PC and their back-ends.

What QEMU 7.2 shows of ``-netdev`` back-ends joined to ``-device`` NICs
(virtio-net, e1000, e1000e, rtl8139), of the board's NICs from ``-nic``
and ``-net nic``, hubs, ``info network``, ``query-rx-filter``,
``set_link``, NIC hotplug with its netdev checks, and HMP's
``netdev_add``/``netdev_del``/``set_link``.  Anonymous back-ends are
``#netNNRR`` with two random digits, zeroed by the transcripts'
normalising.  Imported by :mod:`.qmp_corpus`.
"""

from __future__ import annotations

from typing import Any

from qmonitor_testsupport.qmp_steps import NEG, PROBE, Opts, cmd, hmp, table


def _pc(*args: str, q35: bool = False) -> Opts:
    return Opts(("-M", "q35" if q35 else "pc", "-S", *args))


def _dev(driver: str, tag: Any, **props: Any) -> Any:
    return cmd("device_add", {"driver": driver, **props}, tag)


def _rx(tag: Any, name: str | None = None) -> Any:
    return cmd("query-rx-filter", {"name": name} if name is not None else {}, tag)


def _link(name: str, up: bool, tag: Any) -> Any:
    return cmd("set_link", {"name": name, "up": up}, tag)


_INFO = hmp("info network", "info")


def _add(ident: str, kind: str, **opts: Any) -> Any:
    return cmd("netdev_add", {"id": ident, "type": kind, **opts}, ident)


_LOCAL = {"type": "inet", "host": "127.0.0.1", "port": "0"}
_TWO_NICS = _pc("-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0,id=nic0",
                "-netdev", "user,id=n1,net=192.168.7.0/24,restrict=on",
                "-device", "e1000,netdev=n1")  # fmt: skip

table("nics", [
    ("nics_virtio_e1000", "-netdev user with virtio-net-pci and e1000: info network, rx filters",
     NEG, _INFO, _rx("all"), _rx("nic0", "nic0"), _rx("e1000", "e1000.0"), _rx("backend", "n1"),
     _rx("nope", "nope"), _link("nic0", False, 1), _link("n1", False, 2),
     _link("nope", True, 3), hmp("info network", "after"), _rx("after", "nic0"),
     cmd("qom-list", {"path": "/machine/peripheral"}, 4),
     cmd("qom-get", {"path": "/machine/peripheral/nic0", "property": "netdev"}, 5),
     cmd("query-pci", id=6), PROBE, _TWO_NICS),
    ("nics_hotplug", "device_add of NICs: netdev checks, MACs, netdev_del of a NIC's back-end",
     NEG, _dev("virtio-net-pci", 1, netdev="n0", id="v0"),
     _dev("e1000", 2, netdev="n0"), _dev("rtl8139", 3, netdev="nope"),
     _dev("e1000e", 4, netdev="n1", mac="52:54:00:12:34:57"), _dev("e1000", 5, netdev="n2"),
     _INFO, cmd("netdev_del", {"id": "n0"}, 6), hmp("info network", "del"),
     cmd("netdev_del", {"id": "n0"}, 7), cmd("netdev_add", {"type": "user", "id": "n0"}, 8),
     _dev("rtl8139", 9, netdev="n0", id="r0"), hmp("info network", "re-add"),
     cmd("device_del", {"id": "v0"}, 10), hmp("info network", "unplug"),
     _rx("all"), PROBE,
     _pc("-netdev", "user,id=n0", "-netdev", "user,id=n1", "-netdev", "user,id=n2")),
    ("nics_hubs", "-net nic and -net user on hub 0, hubport netdevs on other hubs", NEG,
     _INFO, _link("hub0port0", False, 1), cmd("netdev_del", {"id": "hub0port0"}, 2),
     cmd("netdev_del", {"id": "h1"}, 3), hmp("info network", "after"),
     cmd("qom-get", {"path": "/machine/unattached/device[16]", "property": "netdev"}, 4), PROBE,
     _pc("-net", "nic", "-net", "user,net=10.9.0.0/16", "-net", "nic,model=rtl8139",
         "-netdev", "user,id=u", "-netdev", "hubport,id=h0,hubid=3,netdev=u",
         "-netdev", "hubport,id=h1,hubid=3", "-device", "e1000,netdev=h1,id=e")),
    ("nics_nic_q35", "-nic on q35: the board's NICs (e1000e by default) and their back-ends", NEG,
     _INFO, _rx("all"), cmd("query-pci", id=1), PROBE,
     _pc("-nic", "user", "-nic", "user,model=rtl8139,mac=52:54:00:ab:cd:ef",
         "-nic", "user,id=named", q35=True)),
    ("nics_none", "-nic none and -net none: no NIC, no back-end", NEG,
     _INFO, _rx("all"), PROBE, _pc("-nic", "none", "-net", "none")),
    ("nics_backends", "netdev_add of socket, stream, dgram, tap (fd=) and vhost back-ends: checks",
     NEG, _add("s0", "socket"), _add("s1", "socket", listen="127.0.0.1:0", connect="x:1"),
     _add("s2", "socket", udp="127.0.0.1:9"), _add("s3", "socket", fd="99"),
     _add("s4", "socket", listen="127.0.0.1:0", localaddr="127.0.0.1:0"),
     _add("s5", "socket", listen="nohost.invalid:0"), _add("t0", "tap", fd="99"),
     _add("t1", "tap", fd="3", ifname="x"), _add("t2", "tap", fd="nope"),
     _add("st0", "stream", addr=_LOCAL, server=True),
     _add("st1", "stream", addr={"type": "fd", "str": "99"}),
     _add("d0", "dgram"), _add("d1", "dgram", local=_LOCAL),
     _add("vu", "vhost-user", chardev="nope"),
     _add("vd", "vhost-vdpa", vhostdev="/nonexistent/vdpa"), _INFO,
     cmd("netdev_del", {"id": "st0"}, "del"), hmp("info network", "after"), PROBE),
    ("nics_libvirt", "a NIC as libvirt 9.0 starts one (JSON -netdev, -device) and hotplugs one",
     NEG, _INFO, _rx("all"), _link("net0", False, 1), _link("net0", True, 2),
     cmd("netdev_add", {"type": "user", "id": "hostnet1"}, 3),
     _dev("e1000", 4, netdev="hostnet1", id="net1", mac="52:54:00:11:22:33", bus="pci.0",
          addr="0x5"),
     hmp("info network", "plugged"), cmd("device_del", {"id": "net1"}, 5),
     cmd("netdev_del", {"id": "hostnet1"}, 6), hmp("info network", "unplugging"), PROBE,
     _pc("-netdev", '{"type":"user","id":"hostnet0"}',
         "-device", '{"driver":"virtio-net-pci","netdev":"hostnet0","id":"net0",'
         '"mac":"52:54:00:aa:bb:cc","bus":"pci.0","addr":"0x3"}')),
    ("nics_hmp", "HMP netdev_add, netdev_del and set_link", NEG,
     hmp("netdev_add user,id=u1", 1), hmp("netdev_add user,id=u1", 2),
     hmp("netdev_add user,id=2", 3), hmp("netdev_add user,id=u3,ipv4=maybe", 4),
     hmp("netdev_add hubport,id=h1,hubid=2", 5), hmp("netdev_add user,id=u4,foo=bar", 6),
     hmp("netdev_add user", 7), hmp("netdev_add nope,id=x", 8), hmp("set_link u1 off", 9),
     hmp("set_link nope on", 10), hmp("netdev_del u1", 11), hmp("netdev_del nope", 12),
     hmp("netdev_del hub0port0", 13), _INFO, PROBE, _pc("-net", "nic", "-net", "user")),
])  # fmt: skip
