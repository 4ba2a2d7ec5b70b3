"""Migration URIs as QEMU 7.2 reads them: ``tcp:``, ``unix:``, ``fd:``, ``exec:``.

Sans-IO: :func:`parse_uri` only splits and checks the text; opening,
connecting and listening are the callers' business.  The texts are
QEMU's (migration/migration.c, util/qemu-sockets.c).
"""

from __future__ import annotations

from dataclasses import dataclass

from qmonitor.qapi.error import QapiError

# migration/migration.c (qmp_migrate, qemu_start_incoming_migration).
BAD_PROTOCOL_OUT = "Parameter 'uri' expects a valid migration protocol"
BAD_PROTOCOL_IN = "unknown migration protocol: {}"
# util/qemu-sockets.c (inet_parse).
BAD_ADDRESS = "error parsing address '{}'"


@dataclass(frozen=True, slots=True)
class MigrationUri:
    """A parsed URI: ``kind`` and what that kind needs."""

    #: ``tcp``, ``unix``, ``fd`` or ``exec``.
    kind: str
    #: tcp: the host (brackets of an IPv6 address removed); unix: the path;
    #: fd: the name or number; exec: the shell command.
    target: str
    #: tcp: the port (a number or a service name).
    port: str = ""

    def socket_address(self) -> dict[str, str | bool]:
        """How ``query-migrate`` lists a listening address (SocketAddress)."""
        if self.kind == "unix":
            return {"type": "unix", "path": self.target}
        out: dict[str, str | bool] = {"type": "inet", "host": self.target, "port": self.port}
        if ":" in self.target:
            out["ipv6"] = True
        else:
            out["ipv4"] = True
        return out


def _inet(address: str) -> tuple[str, str]:
    """inet_parse: ``HOST:PORT`` or ``[V6]:PORT``."""
    if address.startswith("["):
        end = address.find("]")
        if end < 0 or address[end + 1 : end + 2] != ":":
            raise QapiError(BAD_ADDRESS.format(address))
        return address[1:end], address[end + 2 :]
    host, sep, port = address.rpartition(":")
    if not sep or ":" in host:
        raise QapiError(BAD_ADDRESS.format(address))
    return host, port


def parse_uri(uri: str, *, incoming: bool) -> MigrationUri:
    """The URI, or QapiError with the text QEMU's source or destination gives."""
    scheme, sep, rest = uri.partition(":")
    if sep and scheme == "tcp":
        host, port = _inet(rest)
        return MigrationUri("tcp", host, port)
    if sep and scheme in ("unix", "fd", "exec"):
        return MigrationUri(scheme, rest)
    raise QapiError(BAD_PROTOCOL_IN.format(uri) if incoming else BAD_PROTOCOL_OUT)
