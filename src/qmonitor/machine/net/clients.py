"""Net clients as QEMU 7.2 keeps them (net/net.c, net/hub.c): one list, peers, hubs.

Every back-end, hub port and NIC is a :class:`NetClient` in one list in
creation order; a back-end and a NIC that use each other are peers.  A
hub (``-net``, ``hubport``) keeps its ports newest first, and the hubs
are newest first too, as QEMU's lists put new entries at their head.
A NIC without a name is ``MODEL.N``, N counting the clients of that
model already there (assign_name).  MAC addresses a NIC is not given
come from :class:`MacTable`, QEMU's table of ``52:54:00:12:34:XX``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

#: qemu_macaddr_default_if_unset's prefix and the first and last free byte.
MAC_PREFIX = "52:54:00:12:34"
MAC_FIRST, MAC_END = 0x56, 0xFF


@dataclass(eq=False, slots=True)
class NetClient:
    """One net client: a back-end (``user``, ``socket`` ...), a hub port or a NIC."""

    name: str
    #: The NetClientDriver: ``user``, ``hubport``, ``nic`` ...
    kind: str
    #: What assign_name counts: the back-end's kind, ``hub``, the NIC's model.
    model: str
    #: The text ``info network`` prints after the kind.
    info: str = ""
    peer: NetClient | None = None
    link_down: bool = False
    #: Made by -netdev or netdev_add (netdev_del takes only those).
    is_netdev: bool = False
    #: The hub of a hub port.
    hub: Hub | None = None
    #: A NIC's MAC address.
    mac: str | None = None
    #: A NIC whose back-end was deleted keeps printing it (peer_deleted).
    peer_deleted: bool = False
    #: The options the back-end was made with (its kind's own members).
    options: dict[str, Any] = field(default_factory=dict)
    #: A NIC's device.
    device: Any = None


@dataclass(eq=False, slots=True)
class Hub:
    """A hub: its id and its ports, newest first."""

    id: int
    ports: list[NetClient] = field(default_factory=list)
    #: Ports ever made: the next port's number.
    made: int = 0


class MacTable:
    """QEMU's count of the ``52:54:00:12:34:XX`` addresses in use (net/net.c mac_table)."""

    def __init__(self) -> None:
        self.used: dict[int, int] = {}

    def allocate(self) -> str:
        """The first free address, now in use."""
        last = next((i for i in range(MAC_FIRST, MAC_END) if not self.used.get(i)), MAC_END)
        self.used[last] = self.used.get(last, 0) + 1
        return f"{MAC_PREFIX}:{last & 0xFF:02x}"

    def take(self, mac: str) -> None:
        """A given address: counted when it is one of the table's."""
        last = self._index(mac)
        if last is not None:
            self.used[last] = self.used.get(last, 0) + 1

    def free(self, mac: str) -> None:
        last = self._index(mac)
        if last is not None and self.used.get(last):
            self.used[last] -= 1

    @staticmethod
    def _index(mac: str) -> int | None:
        if not mac.lower().startswith(MAC_PREFIX + ":"):
            return None
        last = int(mac[-2:], 16)
        return last if MAC_FIRST <= last < MAC_END else None


class NetClients:
    """Every net client of the machine, in creation order, and the hubs."""

    def __init__(self) -> None:
        self.list: list[NetClient] = []
        #: Hubs, newest first.
        self.hubs: list[Hub] = []
        self.macs = MacTable()
        self._generated = 0
        #: The NICs ``-nic`` and ``-net nic`` ask the board for: (model, MAC,
        #: back-end, name: a ``-net nic``'s id).
        self.board_nics: list[tuple[str | None, str, NetClient, str | None]] = []
        #: QEMU's error for the first network option it could not set up.
        self.startup_error: str | None = None

    def generate_id(self) -> str:
        """id_generate(ID_NET): ``#net``, a counter and two random digits."""
        ident = f"#net{self._generated}{random.randrange(100):02d}"
        self._generated += 1
        return ident

    # ------------------------------------------------------------ lookup

    def find_netdev(self, name: str) -> NetClient | None:
        """qemu_find_netdev: the client of that name that is no NIC."""
        return next((c for c in self.list if c.kind != "nic" and c.name == name), None)

    def find_any(self, name: str) -> NetClient | None:
        """The first client of that name, NIC or not (set_link, query-rx-filter)."""
        return next((c for c in self.list if c.name == name), None)

    @property
    def netdevs(self) -> dict[str, NetClient]:
        """The back-ends netdev_del can remove, by id."""
        return {c.name: c for c in self.list if c.is_netdev}

    # ------------------------------------------------------------ creation

    def new_client(
        self, kind: str, model: str, name: str | None, peer: NetClient | None = None
    ) -> NetClient:
        """qemu_net_client_setup: named, or ``MODEL.N``; joined to ``peer``; appended."""
        if name is None:
            count = sum(1 for c in self.list if c.model == model)
            name = f"{model}.{count}"
        client = NetClient(name, kind, model)
        if peer is not None:
            client.peer = peer
            peer.peer = client
        self.list.append(client)
        return client

    def hub(self, hub_id: int) -> Hub:
        """The hub of that id, made (at the head of the list) if there is none."""
        for hub in self.hubs:
            if hub.id == hub_id:
                return hub
        hub = Hub(hub_id)
        self.hubs.insert(0, hub)
        return hub

    def add_hub_port(
        self, hub_id: int, name: str | None = None, hubpeer: NetClient | None = None
    ) -> NetClient:
        """net_hub_add_port: a port named ``hubNportM`` unless named."""
        hub = self.hub(hub_id)
        if name is None:
            name = f"hub{hub_id}port{hub.made}"
        hub.made += 1
        port = self.new_client("hubport", "hub", name, hubpeer)
        port.hub = hub
        hub.ports.insert(0, port)
        return port

    def add_nic(self, model: str, name: str | None, mac: str, peer: NetClient | None) -> NetClient:
        """qemu_new_nic: a NIC's client, its info ``model=...,macaddr=...``."""
        mac = mac.lower()
        nic = self.new_client("nic", model, name, peer)
        nic.mac = mac
        nic.info = f"model={model},macaddr={mac}"
        return nic

    # ------------------------------------------------------------ removal

    def delete(self, client: NetClient) -> None:
        """qemu_del_net_client: a NIC's back-end stays as its (deleted) peer."""
        peer = client.peer
        if peer is not None and peer.kind == "nic":
            if peer.peer_deleted:
                return
            peer.peer_deleted = True
            peer.link_down = True
            self._unlist(client)
            return
        if peer is not None:
            peer.peer = None
            client.peer = None
        self._unlist(client)

    def delete_nic(self, nic: NetClient) -> None:
        """qemu_del_nic: the NIC and a back-end deleted before it go; its MAC is free."""
        peer = nic.peer
        if peer is not None:
            if nic.peer_deleted:
                pass  # already off the list
            else:
                peer.peer = None
        if nic.mac is not None:
            self.macs.free(nic.mac)
        self._unlist(nic)

    def _unlist(self, client: NetClient) -> None:
        if client in self.list:
            self.list.remove(client)
        if client.hub is not None:
            client.hub.ports.remove(client)
