"""A tiny blocking QMP client over a unix socket, for byte-level assertions."""

from __future__ import annotations

import json
import socket
import time
from typing import Any


class RawClient:
    def __init__(self, path: str, timeout: float = 5.0) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""

    def send(self, data: bytes | dict[str, Any]) -> None:
        if isinstance(data, dict):
            data = json.dumps(data).encode()
        self.sock.sendall(data)

    def line(self) -> bytes:
        """The next ``\\r\\n``-terminated line (b"" at EOF)."""
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                rest, self.buf = self.buf, b""
                return rest
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line + b"\r\n"

    def msg(self) -> Any:
        return json.loads(self.line())

    def negotiate(self) -> dict[str, Any]:
        greeting = self.msg()
        self.send({"execute": "qmp_capabilities"})
        assert self.msg() == {"return": {}}
        return greeting  # type: ignore[no-any-return]

    def read_all(self, limit: float = 5.0) -> bytes:
        """Everything until EOF (bounded by ``limit`` seconds)."""
        end = time.monotonic() + limit
        data, self.buf = self.buf, b""
        while time.monotonic() < end:
            chunk = self.sock.recv(65536)
            if not chunk:
                return data
            data += chunk
        raise TimeoutError("no EOF")

    def close(self) -> None:
        self.sock.close()
