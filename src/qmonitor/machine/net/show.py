"""``info network`` and ``query-rx-filter`` over the machine's net clients.

``info network`` prints the hubs with their ports first, then each
client not on a hub that has no peer or is a NIC, a NIC followed by its
back-end (net/net.c hmp_info_network, net/hub.c net_hub_info, QEMU 7.2).
Of the NICs a PC has, only virtio-net answers ``query-rx-filter``; what
it answers is its filter after a reset, which a guest that runs no code
never changes (hw/net/virtio-net.c): promiscuous, every VLAN (the
control-VLAN feature is not negotiated), no MAC table.
"""

from __future__ import annotations

from typing import Any

from qmonitor.machine.net.clients import NetClient, NetClients
from qmonitor.qapi.error import QapiError

# Texts of QEMU 7.2 (net/net.c qmp_query_rx_filter).
NOT_A_NIC = "net client({}) isn't a NIC"
NO_RX_FILTER = "net client({}) doesn't support rx-filter querying"
INVALID_NAME = "invalid net client name: {}"

#: The NIC models that implement query_rx_filter (the virtio-net device's proxies).
RX_FILTER_MODELS = frozenset({"virtio-net-pci", "virtio-net-device"})
#: VLAN ids a virtio-net filter passes when the guest negotiated nothing, as listed.
_ALL_VLANS = tuple(range(4095, -1, -1))


def client_line(client: NetClient) -> str:
    """print_net_client: ``NAME: index=0,type=KIND,INFO``."""
    return f"{client.name}: index=0,type={client.kind},{client.info}\n"


def _on_hub(client: NetClient) -> bool:
    """net_hub_id_for_client: a hub port, or a port's peer."""
    return client.kind == "hubport" or (client.peer is not None and client.peer.kind == "hubport")


def info_network(clients: NetClients) -> str:
    """hmp_info_network's text."""
    out: list[str] = []
    for hub in clients.hubs:
        out.append(f"hub {hub.id}\n")
        for port in hub.ports:
            if port.peer is not None:
                out.append(f" \\ {port.name}: {client_line(port.peer)}")
            else:
                out.append(f" \\ {port.name}\n")
    for client in clients.list:
        if _on_hub(client):
            continue
        peer = client.peer
        if peer is None or client.kind == "nic":
            out.append(client_line(client))
        if peer is not None and client.kind == "nic":
            out.append(f" \\ {client_line(peer)}")
    return "".join(out)


def rx_filter(nic: NetClient) -> dict[str, Any]:
    """A virtio-net NIC's RxFilterInfo after reset."""
    return {
        "name": nic.name,
        "promiscuous": True,
        "multicast": "normal",
        "unicast": "normal",
        "vlan": "all",
        "broadcast-allowed": False,
        "multicast-overflow": False,
        "unicast-overflow": False,
        "main-mac": nic.mac,
        "vlan-table": list(_ALL_VLANS),
        "unicast-table": [],
        "multicast-table": [],
    }


def query_rx_filter(clients: NetClients, name: str | None) -> list[dict[str, Any]]:
    """qmp_query_rx_filter: every NIC that has a filter, or the one named."""
    found: list[dict[str, Any]] = []
    for client in clients.list:
        if name is not None and client.name != name:
            continue
        if client.kind != "nic":
            if name is not None:
                raise QapiError(NOT_A_NIC.format(name))
            continue
        if client.model in RX_FILTER_MODELS:
            found.append(rx_filter(client))
        elif name is not None:
            raise QapiError(NO_RX_FILTER.format(name))
        if name is not None:
            break
    if not found and name is not None:
        raise QapiError(INVALID_NAME.format(name))
    return found
