"""``-netdev``, ``-nic`` and ``-net`` at start-up, as QEMU 7.2's net_init_clients runs them.

Back-ends of ``-netdev`` come first, then each ``-nic`` (a back-end and a
NIC the board makes), then each ``-net`` (``-net nic`` asks the board for
a NIC on hub 0, any other ``-net`` puts a back-end on hub 0).  Without
any of them and without ``-nodefaults``, QEMU adds ``-net nic -net user``.
A ``-nic`` or ``-net nic`` gets its MAC address when it is read, so the
board's NICs come before the ``-device`` ones in the address table.
The first error ends start-up with QEMU's text after the option.

A back-end's options are read as text (QemuOpts), each member for its
type in the ``Netdev`` union (the "flat confused" visitor of net/net.c).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from qmonitor.machine.net.clients import NetClient, NetClients
from qmonitor.qapi.error import QapiError

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine

# Texts of QEMU 7.2 (net/net.c, util/qemu-option.c, hw/pci/pci.c).
ID_MISSING = "Parameter 'id' is missing"
BAD_ID = (
    "Parameter 'id' expects an identifier\n"
    "Identifiers consist of letters, digits, '-', '.', '_', starting with a letter."
)
DUPLICATE_OPTS_ID = "Duplicate ID '{}' for netdev"
INVALID_PARAMETER = "Invalid parameter '{}'"
HUBPORT_LEGACY = "network backend '{}' is only supported with -netdev/-nic"
NETDEV_NOT_FOUND = "netdev '{}' not found"
BAD_MAC = "invalid syntax for ethernet address"
MULTICAST_MAC = "NIC cannot have multicast MAC address"
MULTICAST_MAC_NET = "NIC cannot have multicast MAC address (odd 1st byte)"
UNSUPPORTED_MODEL = "Unsupported NIC model: {}"

#: The models ``-nic``/``-net nic`` may name on a PC (qemu_find_nic_model's list).
PC_NIC_MODELS = ("e1000", "e1000e", "rtl8139", "virtio-net-pci")


def _netdev_type() -> Any:
    from qmonitor.machine.schema import machine_schema
    from qmonitor.qapi.binding import schema_type

    return schema_type(machine_schema(), "Netdev")


def read_netdev(text: str, legacy_id: str | None = None) -> dict[str, Any]:
    """A back-end's options given as ``TYPE,id=ID,KEY=VALUE...``, read as QEMU reads them."""
    from qmonitor.machine.hmp_objects import keyval_typed
    from qmonitor.qapi.types import Path
    from qmonitor.util.error import QemuOptsError
    from qmonitor.util.keyval import keyval_parse

    try:
        flat, _ = keyval_parse(text, "type", help_allowed=False)
    except QemuOptsError as exc:
        raise QapiError(exc.message) from None
    if legacy_id is not None:
        flat.setdefault("id", legacy_id)
    return typed_netdev(flat, keyval_typed, Path)


def typed_netdev(flat: dict[str, str], keyval_typed: Any, path: Any) -> dict[str, Any]:
    """Each option read for its member's type, then the whole visited as a ``Netdev``."""
    from qmonitor.qapi.types import UnionType

    qtype = _netdev_type()
    if "id" not in flat:
        raise QapiError(ID_MISSING)
    target = qtype.target if hasattr(qtype, "target") else qtype
    if isinstance(target, UnionType):
        members = {m.name for m in target.members}
        branch = dict(target.variants).get(flat.get("type", ""))
        if branch is not None:
            members |= {m.name for m in branch.members}
            for key in flat:
                if key not in members:
                    raise QapiError(INVALID_PARAMETER.format(key))
    values = keyval_typed(qtype, dict(flat), path())
    visited: dict[str, Any] = qtype.visit(values, path(), None)
    return visited


def parse_mac(text: str) -> str | None:
    """net_parse_macaddr: ``XX:XX:XX:XX:XX:XX`` (or ``-``), or a number for the last three bytes."""
    number = re.fullmatch(r"\s*([+-]?(?:0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*))", text)
    if number is not None:
        value = (
            int(number.group(1), 0)
            if not re.fullmatch(r"\s*[+-]?0[0-7]+", text)
            else int(number.group(1), 8)
        )
        if 0 <= value <= 0xFFFFFF:
            return f"00:00:00:{value >> 16:02x}:{value >> 8 & 0xFF:02x}:{value & 0xFF:02x}"
    parts = re.split(r"[:-]", text)
    if len(parts) != 6 or not all(re.fullmatch(r"\s*[+-]?[0-9a-fA-F]*", p) for p in parts):
        return None
    return ":".join(f"{(int(p, 16) if p.strip(' +-') else 0) & 0xFF:02x}" for p in parts)


def _given_mac(clients: NetClients, text: str | None, multicast_text: str) -> str:
    if text is None:
        return clients.macs.allocate()
    mac = parse_mac(text)
    if mac is None:
        raise QapiError(BAD_MAC)
    if int(mac[:2], 16) & 1:
        raise QapiError(multicast_text)
    clients.macs.take(mac)
    return mac


def _nic_model(model: str | None) -> str | None:
    if model == "virtio":
        return "virtio-net-pci"
    if model is not None and model not in PC_NIC_MODELS:
        raise QapiError(UNSUPPORTED_MODEL.format(model))
    return model


def is_modern(text: str) -> bool:
    """netdev_is_modern: JSON, or a ``stream`` or ``dgram`` back-end (set up first)."""
    return text.startswith("{") or text.split(",", 1)[0].removeprefix("type=") in (
        "stream",
        "dgram",
    )


def read_modern(text: str) -> dict[str, Any]:
    """netdev_parse_modern: JSON, or keyval with dotted keys for nested members."""
    from qmonitor.machine.hmp_objects import keyval_typed
    from qmonitor.qapi.types import Path
    from qmonitor.qjson.parser import JsonError
    from qmonitor.qjson.streamer import qobject_from_json
    from qmonitor.util.error import QemuOptsError
    from qmonitor.util.keyval import keyval_parse

    qtype = _netdev_type()
    if text.startswith("{"):
        try:
            value = qobject_from_json(text)
        except JsonError as exc:
            raise QapiError(exc.message) from None
        visited: dict[str, Any] = qtype.visit(value, Path(), None)
        return visited
    try:
        flat, _ = keyval_parse(text, "type", help_allowed=False)
    except QemuOptsError as exc:
        raise QapiError(exc.message) from None
    nested: dict[str, Any] = {}
    for key, item in flat.items():
        *outer, last = key.split(".")
        place = nested
        for part in outer:
            place = place.setdefault(part, {})
        place[last] = item
    branch = _branch(qtype, nested.get("type"))
    for name, member in list(nested.items()):
        if isinstance(member, dict) and name in branch:
            nested[name] = keyval_typed(branch[name], member, Path().member(name))
    flat_top = {k: v for k, v in nested.items() if not isinstance(v, dict)}
    typed = keyval_typed(qtype, flat_top, Path())
    typed.update({k: v for k, v in nested.items() if isinstance(v, dict)})
    visited = qtype.visit(typed, Path(), None)
    return visited


def _branch(qtype: Any, kind: Any) -> dict[str, Any]:
    """The member types of the union's branch for ``kind``."""
    from qmonitor.qapi.types import UnionType

    target = qtype.target if hasattr(qtype, "target") else qtype
    if not isinstance(target, UnionType) or not isinstance(kind, str):
        return {}
    branch = dict(target.variants).get(kind)
    return {m.name: m.type for m in branch.members} if branch is not None else {}


def _netdev(machine: Machine, text: str) -> None:
    from qmonitor.machine.net_cmds import add_netdev, id_wellformed

    if is_modern(text):
        add_netdev(machine, read_modern(text), check_id=False)
        return
    netdev = read_netdev(text)
    if not id_wellformed(netdev["id"]):
        raise QapiError(BAD_ID)
    add_netdev(machine, netdev, check_id=False)


def _nic(machine: Machine, clients: NetClients, text: str) -> None:
    """net_param_nic: the back-end (``user`` unless typed) and the board's NIC."""
    from qmonitor.machine.net_cmds import add_netdev, id_wellformed
    from qmonitor.util.error import QemuOptsError
    from qmonitor.util.keyval import keyval_parse

    try:
        flat, _ = keyval_parse(text, "type", help_allowed=False)
    except QemuOptsError as exc:
        raise QapiError(exc.message) from None
    if flat.get("type") == "none":
        return
    flat.setdefault("type", "user")
    model = flat.pop("model", None)
    if "id" in flat and not id_wellformed(flat["id"]):
        raise QapiError(BAD_ID)
    if "id" not in flat:
        flat["id"] = clients.generate_id()
    mac = _given_mac(clients, flat.pop("mac", None), MULTICAST_MAC)
    netdev = add_netdev(machine, read_netdev_flat(flat), check_id=False)
    clients.board_nics.append((model, mac, netdev, None))


def read_netdev_flat(flat: dict[str, str]) -> dict[str, Any]:
    from qmonitor.machine.hmp_objects import keyval_typed
    from qmonitor.qapi.types import Path

    return typed_netdev(flat, keyval_typed, Path)


def _net(machine: Machine, clients: NetClients, text: str) -> None:
    """net_init_client: ``-net nic`` asks for a board NIC; other types join hub 0."""
    from qmonitor.machine.net_cmds import add_netdev
    from qmonitor.util.error import QemuOptsError
    from qmonitor.util.keyval import keyval_parse

    try:
        flat, _ = keyval_parse(text, "type", help_allowed=False)
    except QemuOptsError as exc:
        raise QapiError(exc.message) from None
    kind = flat.get("type")
    if kind is None:
        raise QapiError("Parameter 'type' is missing")
    flat.setdefault("id", clients.generate_id())
    if kind == "none":
        return
    if kind == "hubport":
        raise QapiError(HUBPORT_LEGACY.format(kind))
    if kind == "nic":
        named = flat.get("netdev")
        if named is not None:
            peer = clients.find_netdev(named)
            if peer is None:
                raise QapiError(NETDEV_NOT_FOUND.format(named))
        else:
            peer = clients.add_hub_port(0)
        mac = _given_mac(clients, flat.get("macaddr"), MULTICAST_MAC_NET)
        clients.board_nics.append((flat.get("model"), mac, peer, flat["id"]))
        return
    port = clients.add_hub_port(0)
    add_netdev(machine, read_netdev_flat(flat), is_netdev=False, peer=port, check_id=False)


def create_from_options(machine: Machine, clients: NetClients) -> None:
    """Set up the command line's network; the first failure goes to ``startup_error``."""
    options: tuple[tuple[str, str], ...] = getattr(machine.options, "net", ())
    if not options and not machine.options.nodefaults:
        options = (("net", "nic"), ("net", "user"))
    order = {"netdev": 0, "nic": 1, "net": 2}

    def rank(option: tuple[str, str]) -> int:
        if option[0] == "netdev" and is_modern(option[1]):
            return -1
        return order.get(option[0], 3)

    for option, text in sorted(options, key=rank):
        try:
            if option == "netdev":
                _netdev(machine, text)
            elif option == "nic":
                _nic(machine, clients, text)
            elif option == "net":
                _net(machine, clients, text)
        except QapiError as exc:
            desc = exc.desc
            if option == "netdev" and desc.startswith("Duplicate ID '"):
                desc = DUPLICATE_OPTS_ID.format(desc.split("'")[1])
            clients.startup_error = f"-{option} {text}: {desc}"
            return


def nic_models(clients: NetClients, default: str) -> list[tuple[str, str, NetClient]]:
    """The board's NICs: (model, MAC, back-end), each model checked."""
    return [(_nic_model(model) or default, mac, peer) for model, mac, peer, _ in clients.board_nics]


_HOST_KINDS = frozenset({"user", "tap", "socket", "stream", "dgram", "vde", "vhost-user"})


def check_clients(clients: NetClients, default_net: bool, qtest: bool) -> list[str]:
    """net_check_clients: the warnings of a network set up from the command line.

    Nothing is said of the default network (``-net nic -net user`` that
    QEMU adds by itself); ``-nic`` and ``-net nic`` NICs a machine without
    PCI never made are reported.
    """
    if default_net:
        return []
    warnings: list[str] = []
    for hub in clients.hubs:
        has_nic = has_host = False
        for port in hub.ports:
            if port.peer is None:
                warnings.append(f"hub port {port.name} has no peer")
                continue
            has_nic |= port.peer.kind == "nic"
            has_host |= port.peer.kind in _HOST_KINDS
        if has_host and not has_nic:
            warnings.append(f"hub {hub.id} with no nics")
        if has_nic and not has_host and not qtest:
            warnings.append(f"hub {hub.id} is not connected to host network")
    for client in clients.list:
        if client.peer is None:
            kind = "nic" if client.kind == "nic" else "netdev"
            warnings.append(f"{kind} {client.name} has no peer")
    for model, _, peer, name in clients.board_nics:
        if not any(c.kind == "nic" and c.peer is peer for c in clients.list):
            warnings.append(
                f"requested NIC ({name or 'anonymous'}, model "
                f"{model or 'unspecified'}) was not created (not supported by this machine?)"
            )
    return warnings
