"""NIC devices and their back-ends: the ``netdev`` property's checks and the NIC's client.

A NIC device (``-device``, ``device_add``, the board's) takes a back-end
that exists and has no peer yet (hw/core/qdev-properties-system.c
set_netdev); once made, its net client is named after the device's id,
or ``MODEL.N``, and becomes the back-end's peer.  A NIC whose unplug
completes frees its client and MAC address.
"""

from __future__ import annotations

from typing import Any

from qmonitor.machine.net.clients import NetClient, NetClients

#: What :func:`netdev_state` says of a name (the property setter's errno).
MISSING, IN_USE = "missing", "in-use"


def netdev_state(clients: NetClients, name: str) -> str | None:
    """None if a NIC may take back-end ``name``, else :data:`MISSING` or :data:`IN_USE`."""
    client = clients.find_netdev(name)
    if client is None:
        return MISSING
    if client.peer is not None:
        return IN_USE
    return None


def attach_nic(
    clients: NetClients, device: Any, model: str, mac: str, netdev: str, given: bool
) -> NetClient:
    """qemu_new_nic for a device made by ``-device`` or ``device_add`` (``given``: its MAC)."""
    peer = clients.find_netdev(netdev) if netdev else None
    if peer is not None and peer.peer is not None:
        peer = None  # checked before; never joins a taken back-end
    if given:
        clients.macs.take(mac)
    nic = clients.add_nic(model, getattr(device, "id", None), mac, peer)
    nic.device = device
    return nic


def detach_nic(clients: NetClients, device: Any) -> None:
    """qemu_del_nic for a device whose unplug completed."""
    for client in list(clients.list):
        if client.kind == "nic" and client.device is device:
            clients.delete_nic(client)
