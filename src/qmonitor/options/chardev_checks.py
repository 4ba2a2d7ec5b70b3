"""The checks QEMU makes on a chardev's options before it opens anything.

``__qemu_chr_new_from_opts`` (chardev/char.c) looks the backend up, runs the
backend's ``parse`` hook and, for sockets, the option validation of
chardev/char-socket.c; the errors it reports there are QEMU's command-line
errors for ``-chardev`` and the short forms.  What only opening the device
reveals (a socket that cannot be bound) is left to whoever opens it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from qmonitor.options.texts import (
    CHR_ALIAS_DEPRECATED,
    CHR_FILE_NO_PATH,
    CHR_MISSING_BACKEND,
    CHR_MUX_NO_CHARDEV,
    CHR_NO_ID,
    CHR_NOT_VALID_DRIVER_NAME,
    CHR_PARALLEL_NO_PATH,
    CHR_PIPE_NO_PATH,
    CHR_RINGBUF_SIZE,
    CHR_SERIAL_NO_PATH,
    CHR_SPICEPORT_NO_NAME,
    CHR_SPICEVMC_NO_NAME,
    CHR_UDP_NO_PORT,
    SOCK_AUTHZ_NEEDS_CREDS,
    SOCK_BAD_FD,
    SOCK_DELAY_NODELAY,
    SOCK_NO_PORT,
    SOCK_NO_TLS_CREDS,
    SOCK_ONE_ADDRESS,
    SOCK_RECONNECT_FD,
    SOCK_RECONNECT_SERVER,
    SOCK_TLS_FD_CLIENT,
    SOCK_TLS_UNIX,
    SOCK_WAIT_CLIENT,
    SOCK_WEBSOCKET_CLIENT,
)
from qmonitor.util.error import Diagnostic, QemuOptsError, QemuOptsHelp
from qmonitor.util.qemuopts import QemuOpts, is_help_option

#: The backends of QEMU 7.2's Debian build (``-chardev help`` plus the ones it loads
#: from modules on demand), each with the parse check it makes.
CHARDEV_BACKENDS = frozenset({
    "stdio", "ringbuf", "mux", "pipe", "qemu-vdagent", "null", "msmouse", "socket",
    "vc", "parallel", "udp", "memory", "file", "serial", "wctablet", "pty", "testdev",
    "braille", "spicevmc", "spiceport",
})  # fmt: skip

#: chardev/char.c: chardev_alias_table.
CHARDEV_ALIASES = {"tty": "serial", "parport": "parallel"}

#: What ``-chardev help`` prints, in the order QEMU 7.2 lists its classes.
CHARDEV_HELP_TEXT = "Available chardev backend types: " + "".join(
    f"\n  {name}"
    for name in (
        "stdio", "ringbuf", "mux", "pipe", "qemu-vdagent", "null", "msmouse", "socket",
        "vc", "parallel", "udp", "memory", "file", "serial", "wctablet", "pty", "testdev",
    )
) + "\n"  # fmt: skip

_PATH_REQUIRED = {
    "file": CHR_FILE_NO_PATH,
    "pipe": CHR_PIPE_NO_PATH,
    "serial": CHR_SERIAL_NO_PATH,
    "parallel": CHR_PARALLEL_NO_PATH,
}


def translate_chardev_alias(
    backend: str | None, warned: set[str], warnings: list[Diagnostic]
) -> str | None:
    """Map ``tty``/``parport`` to their backends, warning once per alias (as QEMU does)."""
    if backend is None or backend not in CHARDEV_ALIASES:
        return backend
    target = CHARDEV_ALIASES[backend]
    if backend not in warned:
        warned.add(backend)
        warnings.append(Diagnostic(CHR_ALIAS_DEPRECATED.format(backend, target), warning=True))
    return target


#: Checks a ``tls-creds`` id for a socket (server or not): QEMU's error text or None.
TlsLookup = Callable[[str, bool], str | None]


def check_chardev(opts: QemuOpts, backend: str | None, tls_lookup: TlsLookup | None = None) -> str:
    """Check one chardev group as QEMU does before opening it; return its id.

    ``backend`` is the (alias-translated) backend name.  Covers
    ``__qemu_chr_new_from_opts`` up to the backend's ``open`` hook, plus the
    checks ``open`` makes without touching the system (socket option
    consistency, TLS credentials, file descriptor numbers, ring buffer
    sizes).  ``-chardev help`` raises :class:`QemuOptsHelp`.  ``tls_lookup``
    checks ``tls-creds`` against the ``-object`` credentials (without it,
    none exist).
    """
    if backend is not None and is_help_option(backend):
        raise QemuOptsHelp(CHARDEV_HELP_TEXT, 0)
    if opts.id is None:
        raise QemuOptsError(CHR_NO_ID)
    if backend is None:
        raise QemuOptsError(CHR_MISSING_BACKEND.format(opts.id))
    if backend not in CHARDEV_BACKENDS:
        raise QemuOptsError(CHR_NOT_VALID_DRIVER_NAME.format(backend))
    if backend in _PATH_REQUIRED and opts.get("path") is None:
        raise QemuOptsError(_PATH_REQUIRED[backend])
    if backend == "udp" and not opts.get("port"):
        raise QemuOptsError(CHR_UDP_NO_PORT)
    if backend == "mux" and opts.get("chardev") is None:
        raise QemuOptsError(CHR_MUX_NO_CHARDEV)
    if backend == "spicevmc" and opts.get("name") is None:
        raise QemuOptsError(CHR_SPICEVMC_NO_NAME)
    if backend == "spiceport" and opts.get("name") is None:
        raise QemuOptsError(CHR_SPICEPORT_NO_NAME)
    if backend == "socket":
        _check_socket(opts, tls_lookup)
    if backend in ("ringbuf", "memory"):
        size = opts.get_size("size", 65536)
        if size & (size - 1):
            raise QemuOptsError(CHR_RINGBUF_SIZE)
    return opts.id


def _check_socket(opts: QemuOpts, tls_lookup: TlsLookup | None = None) -> None:
    path, host, fd = opts.get("path"), opts.get("host"), opts.get("fd")
    if (path is not None) + (fd is not None) + (host is not None) > 1:
        raise QemuOptsError(SOCK_ONE_ADDRESS)
    if host is not None and opts.get("port") is None:
        raise QemuOptsError(SOCK_NO_PORT)
    if opts.get("delay") is not None and opts.get("nodelay") is not None:
        raise QemuOptsError(SOCK_DELAY_NODELAY)
    server = opts.get_bool("server", False)
    creds = opts.get("tls-creds")
    if creds is not None:
        # QEMU looks the credentials up first, then checks the address type.
        problem = tls_lookup(creds, server) if tls_lookup else SOCK_NO_TLS_CREDS.format(creds)
        if problem is not None:
            raise QemuOptsError(problem)
    by_fd = path is None and host is None
    if by_fd and opts.has("reconnect"):
        raise QemuOptsError(SOCK_RECONNECT_FD)
    if creds is not None and by_fd and not server:
        raise QemuOptsError(SOCK_TLS_FD_CLIENT)
    if creds is not None and path is not None:
        raise QemuOptsError(SOCK_TLS_UNIX)
    if opts.get("tls-authz") is not None and creds is None:
        raise QemuOptsError(SOCK_AUTHZ_NEEDS_CREDS)
    if server:
        if opts.has("reconnect"):
            raise QemuOptsError(SOCK_RECONNECT_SERVER)
    else:
        if opts.get_bool("websocket", False):
            raise QemuOptsError(SOCK_WEBSOCKET_CLIENT)
        if opts.has("wait"):
            raise QemuOptsError(SOCK_WAIT_CLIENT)
    if by_fd:
        fdstr = fd or ""
        # A listening socket with no descriptor at all skips listen(); any
        # other case turns the string into a number first.
        if fdstr or not server:
            check_fd_number(fdstr)


def check_fd_number(fdstr: str) -> int:
    """Parse a file descriptor number as ``socket_get_fd`` (``qemu_strtoi``, base 10)."""
    m = re.fullmatch(r"[ \t\n\v\f\r]*[+-]?[0-9]+", fdstr)
    if m is None:
        raise QemuOptsError(SOCK_BAD_FD.format(fdstr))
    number = int(fdstr)
    if not -(1 << 31) <= number < (1 << 31):
        raise QemuOptsError(SOCK_BAD_FD.format(fdstr) + ": Numerical result out of range")
    return number
