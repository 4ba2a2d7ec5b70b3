"""What clients sent to a fake QEMU, in order, for assertions.

The proxy in front of the fake parses each client's bytes with QEMU's own
JSON streamer and appends every message (or parse error) here.  The log is
written on the fake's loop and read from the test's thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Sent:
    """One message a client sent."""

    #: Which connection it came on (1 for the first client, 2 for the next...).
    connection: int
    #: The parsed value (None for input QEMU rejects as malformed).
    value: Any
    #: QEMU's parse error text for malformed input, else None.
    parse_error: str | None
    #: ``time.monotonic()`` when the proxy read it.
    time: float

    @property
    def command(self) -> str | None:
        """The ``execute`` or ``exec-oob`` name, if the message has one."""
        value = self.value
        if isinstance(value, dict):
            name = value.get("execute", value.get("exec-oob"))
            if isinstance(name, str):
                return name
        return None

    @property
    def arguments(self) -> dict[str, Any]:
        """The request's ``arguments`` (empty when it has none)."""
        value = self.value
        if isinstance(value, dict) and isinstance(value.get("arguments"), dict):
            return dict(value["arguments"])
        return {}


class RequestLog:
    """Thread-safe, append-only list of :class:`Sent` with waiting."""

    def __init__(self) -> None:
        self._entries: list[Sent] = []
        self._cond = threading.Condition()

    def append(self, connection: int, value: Any, parse_error: str | None) -> None:
        with self._cond:
            self._entries.append(Sent(connection, value, parse_error, time.monotonic()))
            self._cond.notify_all()

    def entries(self) -> list[Sent]:
        with self._cond:
            return list(self._entries)

    def clear(self) -> None:
        with self._cond:
            self._entries.clear()

    def wait_for(self, predicate: Callable[[list[Sent]], bool], timeout: float) -> list[Sent]:
        """Block until ``predicate(entries)`` holds; TimeoutError after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self._entries):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"clients sent {[e.value for e in self._entries]!r}")
                self._cond.wait(remaining)
            return list(self._entries)
