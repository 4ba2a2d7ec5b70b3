"""Recorded command lines of the network options: -netdev, -nic, -net and NICs' netdev.

QEMU's errors for back-ends and NICs it cannot set up, and the warnings
of net_check_clients for back-ends and NICs left unjoined.  Same format
as :mod:`qmonitor_testsupport.cli_cases`; tools/record_cli_net.py records
them into tests/golden/cli/net.json with its runner, and
tests/system/test_cmdline_net.py runs qmonitor on them (the machine, not
only the option parser, must see them).
"""

from __future__ import annotations

#: A PC without default devices.
PC = ["-M", "pc", "-display", "none", "-nodefaults"]

NET_CASES: list[tuple[str, list[str], dict[str, bool]]] = [
    ("netdev_bad_net", ["-netdev", "user,id=n0,net=300.0.0.0/8"], {}),
    ("netdev_bad_id", ["-netdev", "user,id=1"], {}),
    ("netdev_no_id", ["-netdev", "user"], {}),
    ("netdev_duplicate", ["-netdev", "user,id=a", "-netdev", "user,id=a"], {}),
    ("netdev_hubport_no_hubid", ["-netdev", "hubport,id=h"], {}),
    ("netdev_hubport_no_netdev", ["-netdev", "hubport,id=h,hubid=1,netdev=x"], {}),
    ("netdev_bad_bool", ["-netdev", "user,id=a,ipv4=maybe"], {}),
    ("netdev_unknown_param", ["-netdev", "user,id=a,foo=1"], {}),
    ("netdev_no_peer", ["-netdev", "user,id=a", "-S"], {}),
    ("netdev_json", ["-netdev", '{"type":"user","id":"j"}', "-netdev", "user,id=a", "-S"], {}),
    ("netdev_json_bad", ["-netdev", '{"type":"user"}'], {}),
    ("netdev_stream_keyval", ["-netdev", "stream,id=s,server=on,addr.type=unix,addr.path=x"], {}),
    ("nic_bad_model", [*PC, "-nic", "user,model=nope"], {"base": False}),
    ("nic_multicast_mac", ["-nic", "user,mac=01:00:00:00:00:00"], {}),
    ("nic_bad_mac", ["-nic", "user,mac=zz"], {}),
    ("nic_on_none", ["-nic", "user", "-S"], {}),
    ("nic_none", ["-nic", "none", "-S"], {}),
    ("net_nic_missing_netdev", ["-net", "nic,netdev=x"], {}),
    ("net_nic_multicast_mac", ["-net", "nic,macaddr=03:00:00:00:00:00"], {}),
    ("net_hubport", ["-net", "hubport,hubid=1"], {}),
    ("net_nic_on_none", ["-net", "nic", "-net", "user", "-S"], {}),
    ("net_user_no_nic", [*PC, "-S", "-net", "user"], {"base": False}),
    ("net_nic_no_host", [*PC, "-S", "-net", "nic"], {"base": False}),
    ("device_netdev_missing", [*PC, "-device", "e1000,netdev=zz"], {"base": False}),
    (
        "device_netdev_in_use",
        [*PC, "-netdev", "user,id=a", "-device", "e1000,netdev=a", "-device", "e1000,netdev=a"],
        {"base": False},
    ),
    (
        "good_nics",
        [
            *PC,
            "-S",
            "-netdev",
            "user,id=a",
            "-device",
            "virtio-net-pci,netdev=a",
            "-nic",
            "user,model=rtl8139",
            "-net",
            "nic",
            "-net",
            "user",
        ],
        {"base": False},
    ),
]
