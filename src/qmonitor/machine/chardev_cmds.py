"""chardev-add, chardev-change, chardev-remove, chardev-send-break, ringbuf-write/-read.

The chardevs a client makes join ``machine.chardevs`` (and so
``query-chardev``, ``info chardev`` and ``/chardevs``) as QEMU's join the
``/chardevs`` container.  Backends with nothing to do on a null machine
(a mouse, a tablet, a test device, a SPICE channel, the built-in agent, a
virtual console, a D-Bus channel) are made as QEMU makes them, with the
file name QEMU reports; ring buffers keep what is written to them; a file
is opened for real, and so are sockets and ptys.  A backend QEMU 7.2 cannot open here answers QEMU's
error: braille without brltty, a SPICE port without ``-spice``,
``console`` (not a driver of x86_64).  Errors are prefixed as QEMU's
``Failed to add chardev 'ID': ...``.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import TYPE_CHECKING, Any

from qmonitor.chardev.base import Chardev, ChardevError, ChrEvent, NullChardev
from qmonitor.chardev.ringbuf import RingbufChardev
from qmonitor.machine.schema import machine_schema
from qmonitor.qapi.binding import bind_command
from qmonitor.qapi.error import QapiError
from qmonitor.util.ghash import StrTable

if TYPE_CHECKING:
    from qmonitor.machine.machine import Machine

# QEMU 7.2's texts (chardev/char.c, chardev/char-ringbuf.c, chardev/char-mux.c,
# chardev/char-stdio.c, chardev/spice.c, chardev/baum.c, util/base64.c).
EXISTS = "Chardev with id '{}' already exists"
NOT_FOUND = "Chardev '{}' not found"
BUSY = "Chardev '{}' is busy"
DOES_NOT_EXIST = "Chardev '{}' does not exist"
MUX_HOTSWAP = "Mux device hotswap not supported yet"
NO_HOTSWAP = "Chardev user does not support chardev hotswap"
ADD_FAILED = "Failed to add chardev '{}': {}"
NOT_A_DRIVER = "'{}' is not a valid char driver name"
DEVICE_NOT_FOUND = "Device '{}' not found"
NOT_RINGBUF = "{} is not a ringbuf device"
SIZE_NOT_POSITIVE = "size must be greater than zero"
BASE64_NUL = "Base64 data contains embedded NUL characters"
BASE64_INVALID = "Base64 data contains invalid characters"
MUX_NO_BASE = "mux: base chardev {} not found"
STDIO_TWICE = "cannot use stdio by multiple character devices"
SPICE_NOT_ENABLED = "spice not enabled"
BRAILLE_NO_DAEMON = "brlapi__openConnection: connect: No such file or directory"

#: Backends made as QEMU makes them, with the file name it reports.
_PLAIN = {
    "null": "null",
    "msmouse": "msmouse",
    "wctablet": "wctablet",
    "testdev": "testdev",
    "spicevmc": "spicevmc",
    "qemu-vdagent": "qemu-vdagent",
    "vc": "vc",
    "stdio": "stdio",
    # A D-Bus channel is a socket chardev waiting for the display's fd.
    "dbus": "disconnected:fd:,server=on",
}
#: Backend kinds of the schema that are no chardev driver of QEMU 7.2 x86_64.
_NOT_DRIVERS = ("console",)
_BASE64_CHARS = re.compile(r"[A-Za-z0-9+/=\n]*")


class _ModelChardev(NullChardev):
    """A backend with no I/O on a null machine, under QEMU's driver name and file name."""

    def __init__(self, label: str, driver: str, filename: str) -> None:
        super().__init__(label, driver=driver)
        self._filename = filename

    @property
    def filename(self) -> str:
        return self._filename


class ChardevTable:
    """The machine's chardevs as the ``/chardevs`` container holds them.

    Keeps QEMU's hash table of them, once one was added or removed, so that
    ``query-chardev`` lists them in its order, removals included.  The
    table is updated as chardevs come and go (a log of every addition and
    removal, replayed at each listing, grew for ever).
    """

    def __init__(self, machine: Machine) -> None:
        self.machine = machine
        self._table: StrTable | None = None
        #: Chardevs in use by another chardev (a mux's base): label -> user.
        self.users: dict[str, str] = {}

    def listing_order(self) -> list[str]:
        """Labels in the order QEMU lists them (its table's order, reversed)."""
        table = self._table
        if table is None:
            table = StrTable()
            for label in self.machine.chardevs:
                table.insert(label)
        return list(reversed(table.live_keys()))

    def _log(self, label: str, added: bool) -> None:
        table = self._table
        if table is None:
            table = self._table = StrTable()
            for initial in self.machine.chardevs:
                table.insert(initial)
        if added:
            table.insert(label)
        else:
            table.remove(label)

    def add(self, chr: Chardev) -> None:
        self._log(chr.label, True)
        self.machine.chardevs[chr.label] = chr

    def remove(self, label: str) -> None:
        self._log(label, False)
        chr = self.machine.chardevs.pop(label)
        for base, user in list(self.users.items()):
            if user == label:
                del self.users[base]
        chr.close()

    def busy(self, chr: Chardev) -> bool:
        """A frontend (a monitor, a mux) uses it (QEMU's qemu_chr_is_busy)."""
        return chr.loop is not None or chr.label in self.users

    def open_backend(self, label: str, backend: dict[str, Any]) -> Chardev:
        """A new chardev of ``backend`` (raises ChardevError with QEMU's text)."""
        kind: str = backend["type"]
        data: dict[str, Any] = backend["data"]
        if kind in _NOT_DRIVERS:
            raise ChardevError(NOT_A_DRIVER.format(kind))
        if kind in ("ringbuf", "memory"):
            return RingbufChardev(label, data.get("size"), driver=kind)
        if kind == "file":
            from qmonitor.chardev.file import FileChardev

            return FileChardev(label, data["out"], append=bool(data.get("append", False)))
        if kind == "mux":
            base = data["chardev"]
            if base not in self.machine.chardevs:
                raise ChardevError(MUX_NO_BASE.format(base))
            self.users[base] = label
            return _ModelChardev(label, "mux", "mux")
        if kind == "socket":
            return _socket(label, data)
        if kind == "pty":
            from qmonitor.chardev.pty import PtyChardev

            return PtyChardev(label)
        if kind == "spiceport":
            raise ChardevError(SPICE_NOT_ENABLED)
        if kind == "braille":
            raise ChardevError(BRAILLE_NO_DAEMON)
        if kind == "stdio" and any(c.driver == "stdio" for c in self.machine.chardevs.values()):
            raise ChardevError(STDIO_TWICE)
        if kind in _PLAIN:
            return _ModelChardev(label, kind, _PLAIN[kind])
        # Host devices and UDP: their backends are the host's.
        raise ChardevError(f"chardev-add of a '{kind}' backend is not modelled")


def _socket(label: str, data: dict[str, Any]) -> Chardev:
    """A socket chardev on a unix path or an IP address (a server unless told otherwise)."""
    from qmonitor.chardev.socket import SocketChardev

    addr = data["addr"]
    where: dict[str, Any] = addr["data"]
    if addr["type"] not in ("unix", "inet"):
        raise ChardevError(f"chardev-add of a '{addr['type']}' socket is not modelled")
    server = data.get("server", True)
    # A QMP client does not wait for a connection unless it asks; qmonitor never
    # blocks its main loop for one.
    if addr["type"] == "unix":
        return SocketChardev(label, path=where["path"], server=server, wait=False)
    return SocketChardev(
        label,
        host=where["host"],
        port=where["port"],
        server=server,
        wait=False,
        ipv4=bool(where.get("ipv4", False)),
        ipv6=bool(where.get("ipv6", False)),
        nodelay=bool(data.get("nodelay", False)),
    )


def chardev_table(machine: Machine) -> ChardevTable:
    """The machine's chardev table, made on first use."""
    return machine.part(ChardevTable, lambda: ChardevTable(machine))


def base64_decode(text: str) -> bytes:
    """Decode as QEMU's qbase64_decode: strict on characters, lenient on padding."""
    if "\0" in text:
        raise QapiError(BASE64_NUL)
    if not _BASE64_CHARS.fullmatch(text):
        raise QapiError(BASE64_INVALID)
    # GLib decodes whole groups of four and drops what trails them.
    chars = text.replace("\n", "")
    whole = len(chars) - len(chars) % 4
    try:
        return base64.b64decode(chars[:whole])
    except binascii.Error:
        return b""


def utf8_text(data: bytes) -> str:
    """The bytes as QEMU returns a C string: up to the first NUL, bad UTF-8 replaced."""
    return data.split(b"\0", 1)[0].decode("utf-8", errors="replace")


def register_chardev_commands(machine: Machine) -> None:
    """The chardev and ring buffer commands."""
    schema = machine_schema()
    full = machine.commands.full
    table = chardev_table(machine)

    def ringbuf(device: str) -> RingbufChardev:
        chr = machine.chardevs.get(device)
        if chr is None:
            raise QapiError(DEVICE_NOT_FOUND.format(device))
        if not isinstance(chr, RingbufChardev):
            raise QapiError(NOT_RINGBUF.format(device))
        return chr

    def ringbuf_write(device: str, data: str, format: str | None = None) -> None:
        chr = ringbuf(device)
        if format == "base64":
            raw = base64_decode(data)
        else:
            raw = data.encode("utf-8", errors="surrogatepass").split(b"\0", 1)[0]
        chr.ring_write(raw)

    def ringbuf_read(device: str, size: int, format: str | None = None) -> str:
        chr = ringbuf(device)
        if size <= 0:
            raise QapiError(SIZE_NOT_POSITIVE)
        raw = chr.ring_read(size)
        if format == "base64":
            return base64.b64encode(raw).decode("ascii")
        return utf8_text(raw)

    def add(id: str, backend: dict[str, Any]) -> dict[str, Any]:
        try:
            chr = table.open_backend(id, backend)
        except ChardevError as exc:
            raise QapiError(ADD_FAILED.format(id, exc)) from None
        table.add(chr)
        # A pty tells where its slave side is (QEMU's ChardevReturn).
        from qmonitor.chardev.pty import PtyChardev

        return {"pty": chr.path} if isinstance(chr, PtyChardev) else {}

    def chardev_add(id: str, backend: dict[str, Any]) -> dict[str, Any]:
        if id in machine.chardevs:
            raise QapiError(EXISTS.format(id))
        return add(id, backend)

    def chardev_change(id: str, backend: dict[str, Any]) -> dict[str, Any]:
        chr = machine.chardevs.get(id)
        if chr is None:
            raise QapiError(DOES_NOT_EXIST.format(id))
        if chr.driver == "mux":
            raise QapiError(MUX_HOTSWAP)
        if table.busy(chr):
            # Monitors and muxes cannot follow a change of backend.
            raise QapiError(NO_HOTSWAP)
        # No frontend: the old chardev goes, then the new one is added
        # (if that fails the id is left free, as in QEMU).
        table.remove(id)
        return add(id, backend)

    def chardev_remove(id: str) -> None:
        chr = machine.chardevs.get(id)
        if chr is None:
            raise QapiError(NOT_FOUND.format(id))
        if table.busy(chr):
            raise QapiError(BUSY.format(id))
        table.remove(id)

    def chardev_send_break(id: str) -> None:
        chr = machine.chardevs.get(id)
        if chr is None:
            raise QapiError(NOT_FOUND.format(id))
        chr.be_event(ChrEvent.BREAK)

    for name, handler in (
        ("ringbuf-write", ringbuf_write),
        ("ringbuf-read", ringbuf_read),
        ("chardev-add", chardev_add),
        ("chardev-change", chardev_change),
        ("chardev-remove", chardev_remove),
        ("chardev-send-break", chardev_send_break),
    ):
        full.register(bind_command(schema, name, handler))
