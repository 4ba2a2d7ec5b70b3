"""A listening unix stream socket, made as QEMU's socket chardev makes one.

Shared by the socket chardev and the early greeter (:mod:`qmonitor.system.early`),
which must not import the chardev layer: only ``os`` and ``socket`` here.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable

#: What a failed step ("unlink" a stale file, "bind") raises: made from the step and its error.
ListenError = Callable[[str, OSError], BaseException]


def unix_listen(path: str, mode: int, backlog: int, error: ListenError) -> socket.socket:
    """Listen at ``path``: a stale file there removed first, the file's mode set before listen().

    As QEMU (socket_listen_unix), an existing file at ``path`` is unlinked;
    the mode is set before ``listen()``, so no client connects through a
    wider one.
    """
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise error("unlink", exc) from None
        try:
            sock.bind(path)
        except OSError as exc:
            raise error("bind", exc) from None
        os.chmod(path, mode)
        sock.listen(backlog)
    except BaseException:
        sock.close()
        raise
    return sock
