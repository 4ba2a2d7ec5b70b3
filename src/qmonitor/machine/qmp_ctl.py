"""QMP commands of the machine's life before it runs and of its front ends.

``x-exit-preconfig`` (``--preconfig``), ``query-memdev`` (the memory
backends, :mod:`qmonitor.machine.memdev`) and ``query-spice`` (the SPICE
server ``-spice`` or a ``[spice]`` section configured; qmonitor's SPICE
server has no clients, so its channel list is empty).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from qmonitor.machine.memdev import BACKEND_TYPES, query_memdev
from qmonitor.machine.schema import machine_schema
from qmonitor.qapi.binding import bind_command
from qmonitor.util.cutils import c_strtoull, parse_bool
from qmonitor.util.error import QemuOptsError

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine

#: The SPICE library of QEMU 7.2's build (Debian 12: libspice-server 0.15.1),
#: as query-spice reports it.
SPICE_COMPILED_VERSION: Final = "0.15.1"


def spice_info(options: tuple[tuple[str, str], ...] | None) -> dict[str, Any]:
    """``query-spice`` for a SPICE server with ``options`` (None: none), as ui/spice-core.c."""
    if options is None:
        return {"enabled": False, "migrated": False, "mouse-mode": "client"}
    opts = dict(options)

    def number(name: str) -> int:
        value = c_strtoull(opts.get(name, "0"))
        return value if value is not None else 0

    def flag(name: str) -> bool:
        try:
            return parse_bool(name, opts.get(name, "off"))
        except QemuOptsError:
            return False

    port, tls_port = number("port"), number("tls-port")
    if flag("sasl"):
        auth = "spice+sasl" if not flag("disable-ticketing") else "sasl"
    else:
        auth = "none" if flag("disable-ticketing") else "spice"
    info: dict[str, Any] = {
        "enabled": True,
        "migrated": False,
        "host": opts.get("addr") or "*",
    }
    if port:
        info["port"] = port
    if tls_port:
        info["tls-port"] = tls_port
    info["auth"] = auth
    info["compiled-version"] = SPICE_COMPILED_VERSION
    # Without a guest agent and an absolute pointer the server moves the mouse.
    info["mouse-mode"] = "server"
    info["channels"] = []
    return info


def register_ctl_commands(machine: Machine) -> None:
    """Register x-exit-preconfig, query-memdev and query-spice."""
    schema = machine_schema()
    full = machine.commands.full

    def x_exit_preconfig() -> None:
        machine.exit_preconfig()

    def memdevs() -> list[dict[str, Any]]:
        from qmonitor.machine.qom_commands import machine_qom

        options = machine.options
        tree = machine_qom(machine)
        # query_memdev() walks object_get_objects_root(), which makes /objects.
        root = tree.objects_root()
        order = [p["name"] for p in tree.qom_list("/objects")]
        added = {
            name: (obj.typename, {p.name: p.value for p in obj.props})
            for name, obj in root.children.items()
            if obj.typename in BACKEND_TYPES
        }
        return query_memdev(options.machine_type, options.guest, order, added)

    def query_spice() -> dict[str, Any]:
        return spice_info(machine.options.spice)

    full.register(bind_command(schema, "x-exit-preconfig", x_exit_preconfig))
    full.register(bind_command(schema, "query-memdev", memdevs))
    full.register(bind_command(schema, "query-spice", query_spice, any_thread=True))
