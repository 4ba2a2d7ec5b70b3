"""Helpers for the multiplexer tests: raw asyncio QMP connections."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from typing import Any

from qmonitor.mux.address import Address
from qmonitor.mux.server import Multiplexer

TIMESTAMP = re.compile(rb'"timestamp": \{"seconds": \d+, "microseconds": \d+\}')


class Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, path: str) -> Conn:
        reader, writer = await asyncio.open_unix_connection(path)
        return cls(reader, writer)

    async def line(self, timeout: float = 10) -> bytes:
        return await asyncio.wait_for(self.reader.readuntil(b"\r\n"), timeout)

    async def msg(self, timeout: float = 10) -> Any:
        return json.loads(await self.line(timeout))

    def send(self, data: bytes | dict[str, Any]) -> None:
        if isinstance(data, dict):
            data = json.dumps(data).encode()
        self.writer.write(data)

    async def negotiate(self, oob: bool = False) -> dict[str, Any]:
        greeting = await self.msg()
        args = ', "arguments": {"enable": ["oob"]}' if oob else ""
        self.send(('{"execute": "qmp_capabilities"' + args + "}").encode())
        assert await self.msg() == {"return": {}}
        return greeting  # type: ignore[no-any-return]

    async def reply(self, timeout: float = 10) -> Any:
        """The next message that is not an event."""
        while True:
            msg = await self.msg(timeout)
            if "event" not in msg:
                return msg

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self.writer.wait_closed()


async def start_mux(upstream: str, listen: str) -> tuple[Multiplexer, asyncio.Task[None]]:
    mux = Multiplexer(Address(path=upstream), [Address(path=listen)], connect_timeout=10)
    await mux.start()
    return mux, asyncio.ensure_future(mux.serve_forever())


async def stop_mux(mux: Multiplexer, task: asyncio.Task[None]) -> None:
    await mux.close()
    await asyncio.wait_for(task, 5)
