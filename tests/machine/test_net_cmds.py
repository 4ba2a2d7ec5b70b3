"""Network backend checks (machine/net_cmds.py); the commands are replayed
against QEMU's recordings in tests/golden (theme ``net``)."""

from __future__ import annotations

from typing import Any

import pytest

from qmonitor.machine.net_cmds import check_user, id_wellformed
from qmonitor.qapi.error import QapiError


@pytest.mark.parametrize(
    ("ident", "ok"),
    [("n0", True), ("a.b_c-1", True), ("1a", False), ("", False), ("a b", False), ("é", False)],
)
def test_id_wellformed(ident: str, ok: bool) -> None:
    assert id_wellformed(ident) is ok


@pytest.mark.parametrize(
    ("opts", "error"),
    [
        ({"net": "300.0.0.0/8"}, "Failed to parse netmask"),
        ({"net": "10.0.0.0/2"}, "Invalid netmask provided (must be in range 4-32)"),
        ({"net": "10.0.0.0/8x"}, "Failed to parse netmask (trailing chars)"),
        ({"net": "10.0.0.0/8", "host": "11.0.0.2"}, "Host doesn't belong to network"),
        ({"host": "10.0.2.3"}, "DNS must be different from host"),
        ({"ipv4": False, "net": "10.0.0.0/8"}, "IPv4 disabled but netmask/host/dns provided"),
        ({"ipv4": False, "ipv6": False}, "IPv4 and IPv6 disabled"),
        ({"domainname": ""}, "'domainname' parameter cannot be empty"),
        ({"dhcpstart": "10.0.2.2"}, "DHCP must be different from host and DNS"),
        ({"dns": "x"}, "Failed to parse DNS"),
    ],
)
def test_user_settings_refused(opts: dict[str, Any], error: str) -> None:
    with pytest.raises(QapiError) as info:
        check_user(opts)
    assert info.value.desc == error


@pytest.mark.parametrize(
    "opts",
    [{}, {"ip": "192.168.7.0"}, {"net": "172.16.0.0"}, {"ipv4": True, "restrict": False}],
)
def test_user_settings_accepted(opts: dict[str, Any]) -> None:
    check_user(opts)
