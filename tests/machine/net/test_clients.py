"""Net clients, hubs, MAC addresses and ``info network`` (qmonitor.machine.net).

The rules come from QEMU 7.2's net/net.c and net/hub.c; whole sessions
are replayed from recordings in tests/golden/qmp/nics.json.
"""

from __future__ import annotations

import pytest

from qmonitor.machine.net.clients import NetClients
from qmonitor.machine.net.cmdline import parse_mac
from qmonitor.machine.net.show import info_network, query_rx_filter
from qmonitor.qapi.error import QapiError


def test_mac_table_reuses_a_freed_address() -> None:
    macs = NetClients().macs
    assert [macs.allocate() for _ in range(3)] == [
        "52:54:00:12:34:56",
        "52:54:00:12:34:57",
        "52:54:00:12:34:58",
    ]
    macs.free("52:54:00:12:34:57")
    macs.take("52:54:00:12:34:59")  # given by a user: counted
    macs.take("02:00:00:00:00:01")  # not one of the table's
    assert macs.allocate() == "52:54:00:12:34:57"
    assert macs.allocate() == "52:54:00:12:34:5a"


def test_nics_are_named_after_their_model_count() -> None:
    clients = NetClients()
    clients.add_nic("e1000", "e", "52:54:00:12:34:56", None)
    assert clients.add_nic("e1000", None, "52:54:00:12:34:57", None).name == "e1000.1"
    assert clients.add_nic("rtl8139", None, "52:54:00:12:34:58", None).name == "rtl8139.0"


def test_hub_ports_count_every_port_made_and_list_newest_first() -> None:
    clients = NetClients()
    first = clients.add_hub_port(0)
    clients.add_hub_port(0)
    clients.delete(first)
    third = clients.add_hub_port(0)
    assert third.name == "hub0port2"
    assert [p.name for p in clients.hubs[0].ports] == ["hub0port2", "hub0port1"]


def test_a_nics_deleted_backend_stays_its_peer() -> None:
    clients = NetClients()
    user = clients.new_client("user", "user", "n0")
    user.info = "net=10.0.2.0,restrict=off"
    nic = clients.add_nic("e1000", None, "52:54:00:12:34:56", user)
    clients.delete(user)
    assert clients.find_netdev("n0") is None
    assert nic.peer is user and nic.peer_deleted and nic.link_down
    assert info_network(clients) == (
        "e1000.0: index=0,type=nic,model=e1000,macaddr=52:54:00:12:34:56\n"
        " \\ n0: index=0,type=user,net=10.0.2.0,restrict=off\n"
    )


def test_info_network_prints_hubs_first() -> None:
    clients = NetClients()
    port = clients.add_hub_port(0)
    clients.add_nic("e1000", None, "52:54:00:12:34:56", port)
    clients.add_hub_port(1)
    clients.new_client("user", "user", "lonely")
    assert info_network(clients) == (
        "hub 1\n"
        " \\ hub1port0\n"
        "hub 0\n"
        " \\ hub0port0: e1000.0: index=0,type=nic,model=e1000,macaddr=52:54:00:12:34:56\n"
        "lonely: index=0,type=user,\n"
    )


def test_only_virtio_net_answers_rx_filter_queries() -> None:
    clients = NetClients()
    clients.add_nic("e1000", None, "52:54:00:12:34:56", None)
    clients.add_nic("virtio-net-pci", "v", "52:54:00:12:34:57", None)
    (only,) = query_rx_filter(clients, None)
    assert only["name"] == "v" and only["vlan-table"][:2] == [4095, 4094]
    with pytest.raises(QapiError, match="doesn't support rx-filter querying"):
        query_rx_filter(clients, "e1000.0")


@pytest.mark.parametrize(
    ("text", "mac"),
    [
        ("52:54:00:ab:CD:ef", "52:54:00:ab:cd:ef"),
        ("52-54-00-01-02-03", "52:54:00:01:02:03"),
        ("0x123456", "00:00:00:12:34:56"),
        ("zz", None),
        ("52:54:00:01:02", None),
    ],
)
def test_mac_addresses_read_as_net_parse_macaddr(text: str, mac: str | None) -> None:
    assert parse_mac(text) == mac


def test_a_nic_given_its_mac_takes_no_address_from_the_table() -> None:
    import asyncio
    from dataclasses import replace

    from qmonitor.machine.machine import Machine
    from qmonitor.machine.net_cmds import net_clients
    from qmonitor.options.cmdline import parse_args
    from qmonitor.system.startup import check_devices, machine_options

    argv = ["-M", "pc", "-S", "-display", "none", "-nodefaults", "-netdev", "user,id=a",
            "-netdev", "user,id=b", "-device", "virtio-net-pci,netdev=a,mac=52:54:00:aa:bb:cc",
            "-device", "e1000,netdev=b"]  # fmt: skip

    async def run() -> list[str | None]:
        config = parse_args(argv, "qemu-system-x86_64")
        machine = Machine(replace(machine_options(config), use_io_thread=False))
        check_devices(machine)
        return [c.mac for c in net_clients(machine).list if c.kind == "nic"]

    # As QEMU 7.2 gave them (qemu_macaddr_default_if_unset only for the second).
    assert asyncio.run(run()) == ["52:54:00:aa:bb:cc", "52:54:00:12:34:56"]
