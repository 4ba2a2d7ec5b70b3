"""QEMU's legacy chardev short forms (chardev/char.c: ``qemu_chr_parse_compat``).

``-qmp``, ``-monitor``, ``-serial``, ``-parallel`` and ``-qtest`` take a
chardev in a short form -- ``unix:/p,server=on``, ``tcp::4444``,
``mon:stdio``, ``file:/p``, ``vc:80Cx24C`` ... -- which QEMU turns into a
``-chardev`` option group before creating it.  This is command-line syntax,
so it lives with the command line; it fills a group of the ``-chardev``
option list (:data:`qmonitor.options.optlists.CHARDEV_OPTS`).
"""

from __future__ import annotations

from qmonitor.errors import QmonitorError
from qmonitor.options.texts import CHR_MON_NOT_SUPPORTED, CHR_NOT_VALID_DRIVER
from qmonitor.util.error import Diagnostic, QemuOptsError
from qmonitor.util.qemuopts import OptsGroup, QemuOpts


class CompatParseError(QmonitorError):
    """A chardev short form QEMU cannot convert; ``diagnostics`` are what it printed first."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("; ".join(d.message for d in diagnostics))
        self.diagnostics = diagnostics


def _scan_set(text: str, pos: int, width: int, stop: str) -> tuple[str, int] | None:
    """C's ``%<width>[^<stop>]``: at least one character, at most ``width``."""
    end = pos
    while end < len(text) and end - pos < width and text[end] not in stop:
        end += 1
    return (text[pos:end], end) if end > pos else None


def _scan_digits(text: str, pos: int, width: int) -> tuple[str, int] | None:
    """C's ``%<width>[0-9]``."""
    end = pos
    while end < len(text) and end - pos < width and text[end] in "0123456789":
        end += 1
    return (text[pos:end], end) if end > pos else None


def _scan_host_port(text: str, port_stop: str) -> tuple[str, str, int] | None:
    """``"%64[^:]:%32[^<stop>]%n"``, falling back to ``":%32[^<stop>]%n"`` (empty host)."""
    host = _scan_set(text, 0, 64, ":")
    if host is not None and host[1] < len(text) and text[host[1]] == ":":
        port = _scan_set(text, host[1] + 1, 32, port_stop)
        if port is not None:
            return host[0], port[0], port[1]
    if text.startswith(":"):
        port = _scan_set(text, 1, 32, port_stop)
        if port is not None:
            return "", port[0], port[1]
    return None


def _scan_vc_size(text: str) -> tuple[str, str, str, str] | None:
    """``vc:WxH`` (pixels) or ``vc:WCxHC`` (characters) as QEMU's two ``sscanf`` calls."""
    for names, middle in ((("width", "height"), "x"), (("cols", "rows"), "Cx")):
        first = _scan_digits(text, 0, 7)
        if first is None:
            return None
        pos = first[1]
        if text.startswith(middle, pos):
            second = _scan_digits(text, pos + len(middle), 7)
            if second is not None:
                return names[0], first[0], names[1], second[0]
    return None


_COMPAT_PLAIN = ("null", "pty", "msmouse", "wctablet", "braille", "testdev", "stdio")
_COMPAT_PATH = (("file:", "file"), ("pipe:", "pipe"), ("pty:", "pty"))
_COMPAT_SOCKET = ("tcp:", "telnet:", "tn3270:", "websocket:")


def chardev_parse_compat(
    group: OptsGroup, label: str, filename: str, permit_mux_mon: bool
) -> QemuOpts:
    """Convert a chardev short form into a ``-chardev`` group named ``label``.

    This is QEMU's ``qemu_chr_parse_compat``: ``-qmp``, ``-monitor``,
    ``-serial`` and ``-qtest`` take these forms.  On failure the group is
    removed again and :class:`CompatParseError` carries what QEMU printed
    (possibly nothing: for a malformed ``tcp:`` or ``vc:`` QEMU prints no
    reason of its own).
    """
    try:
        opts = group.create(label)
    except QemuOptsError as exc:
        raise CompatParseError([exc.diagnostic]) from None
    try:
        _fill_compat(group, opts, filename, permit_mux_mon)
    except CompatParseError:
        group.remove(opts)
        raise
    return opts


def _fill_compat(group: OptsGroup, opts: QemuOpts, filename: str, permit_mux_mon: bool) -> None:
    if filename.startswith("mon:"):
        if not permit_mux_mon:
            raise CompatParseError([Diagnostic(CHR_MON_NOT_SUPPORTED)])
        filename = filename[4:]
        opts.set("mux", "on")
        if filename == "stdio":
            # Ctrl-C goes to the guest when the monitor shares stdio (-nographic's way).
            opts.set("signal", "off")
    if filename in _COMPAT_PLAIN:
        opts.set("backend", filename)
        return
    if filename.startswith("vc"):
        opts.set("backend", "vc")
        rest = filename[2:]
        if rest.startswith(":"):
            size = _scan_vc_size(rest[1:])
            if size is None:
                raise CompatParseError([])
            opts.set(size[0], size[1])
            opts.set(size[2], size[3])
        return
    if filename == "con:":
        opts.set("backend", "console")
        return
    if filename.startswith("COM"):
        opts.set("backend", "serial")
        opts.set("path", filename)
        return
    for prefix, backend in _COMPAT_PATH:
        if filename.startswith(prefix):
            opts.set("backend", backend)
            opts.set("path", filename[len(prefix) :])
            return
    for prefix in _COMPAT_SOCKET:
        if filename.startswith(prefix):
            _fill_compat_socket(group, opts, prefix, filename[len(prefix) :])
            return
    if filename.startswith("udp:"):
        _fill_compat_udp(opts, filename[4:])
        return
    if filename.startswith("unix:"):
        opts.set("backend", "socket")
        try:
            group.do_parse(opts, filename[5:], "path")
        except QemuOptsError as exc:
            raise CompatParseError([exc.diagnostic]) from None
        return
    if filename.startswith(("/dev/parport", "/dev/ppi")):
        opts.set("backend", "parallel")
        opts.set("path", filename)
        return
    if filename.startswith("/dev/"):
        opts.set("backend", "serial")
        opts.set("path", filename)
        return
    raise CompatParseError([Diagnostic(CHR_NOT_VALID_DRIVER.format(filename))])


def _fill_compat_socket(group: OptsGroup, opts: QemuOpts, prefix: str, rest: str) -> None:
    scanned = _scan_host_port(rest, ",")
    if scanned is None:
        raise CompatParseError([])
    host, port, pos = scanned
    opts.set("backend", "socket")
    opts.set("host", host)
    opts.set("port", port)
    if pos < len(rest) and rest[pos] == ",":
        try:
            group.do_parse(opts, rest[pos + 1 :], None)
        except QemuOptsError as exc:
            raise CompatParseError([exc.diagnostic]) from None
    if prefix != "tcp:":
        opts.set(prefix[:-1], "on")


def _fill_compat_udp(opts: QemuOpts, rest: str) -> None:
    opts.set("backend", "udp")
    remote = _scan_host_port(rest, "@,")
    if remote is None:
        raise CompatParseError([])
    host, port, pos = remote
    opts.set("host", host)
    opts.set("port", port)
    if pos < len(rest) and rest[pos] == "@":
        local = _scan_host_port(rest[pos + 1 :], ",")
        if local is None:
            raise CompatParseError([])
        opts.set("localaddr", local[0])
        opts.set("localport", local[1])
