"""QMP cassettes: what a client and QEMU said to each other, and when.

A cassette is a JSON document::

    {"qmonitor-cassette": 1,
     "connections": [
        [{"t": 0.0012, "server": "{\\"QMP\\": ...}\\r\\n"},
         {"t": 0.0031, "client": {"execute": "qmp_capabilities", "id": "a"}},
         {"t": 0.0035, "server": "{\\"return\\": {}, \\"id\\": \\"a\\"}\\r\\n"},
         {"t": 0.0101, "client-error": "JSON parse error, ..."}, ...],
        ...]}

one list per client connection, in order; ``t`` is seconds since that
connection was accepted; a ``server`` line is kept byte for byte (as
latin-1 text), a ``client`` message as its value.  :class:`CassetteRecorder`
is the proxy tap that writes one; :func:`plan` turns a connection into
what replay needs: the greeting and, for each request, the messages it
caused with their delays.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qmonitor.errors import QmonitorError
from qmonitor.mux.core import NO_ID

#: The format's version (the ``qmonitor-cassette`` member).
CASSETTE_VERSION = 1


class CassetteError(QmonitorError):
    """A cassette file that cannot be read."""


@dataclass(frozen=True, slots=True)
class Item:
    """One recorded message."""

    t: float
    #: ``client`` (value in ``value``), ``client-error`` (text in ``value``) or ``server``.
    kind: str
    value: Any


@dataclass
class Cassette:
    """Recorded connections."""

    connections: list[list[Item]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "qmonitor-cassette": CASSETTE_VERSION,
            "connections": [
                [{"t": round(item.t, 6), item.kind: item.value} for item in conn]
                for conn in self.connections
            ],
        }

    def save(self, path: str | Path) -> None:
        text = json.dumps(self.to_json(), indent=1)
        Path(path).write_text(text + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> Cassette:
        try:
            doc = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CassetteError(f"{path}: {exc}") from None
        if not isinstance(doc, dict) or doc.get("qmonitor-cassette") != CASSETTE_VERSION:
            raise CassetteError(f"{path}: not a version {CASSETTE_VERSION} qmonitor cassette")
        cassette = cls()
        for conn in doc.get("connections", []):
            items = []
            for entry in conn:
                kind = next(k for k in ("client", "client-error", "server") if k in entry)
                items.append(Item(float(entry["t"]), kind, entry[kind]))
            cassette.connections.append(items)
        return cassette


class CassetteRecorder:
    """A proxy tap (:class:`~qmonitor.testing.proxy.Tap`) that fills a cassette."""

    def __init__(self) -> None:
        self.cassette = Cassette()
        self._lock = threading.Lock()
        self._open: dict[int, tuple[float, list[Item]]] = {}

    def opened(self, connection: int) -> None:
        with self._lock:
            items: list[Item] = []
            self._open[connection] = (time.monotonic(), items)
            self.cassette.connections.append(items)

    def _add(self, connection: int, kind: str, value: Any) -> None:
        with self._lock:
            entry = self._open.get(connection)
            if entry is not None:
                start, items = entry
                items.append(Item(time.monotonic() - start, kind, value))

    def client_message(self, connection: int, value: Any, parse_error: str | None) -> None:
        if parse_error is not None:
            self._add(connection, "client-error", parse_error)
        else:
            self._add(connection, "client", value)

    def server_line(self, connection: int, line: bytes) -> None:
        self._add(connection, "server", line.decode("latin-1"))

    def closed(self, connection: int) -> None:
        with self._lock:
            self._open.pop(connection, None)


# -- replay plan ---------------------------------------------------------------------


@dataclass
class Output:
    """A server line to send ``delay`` s after its anchor; ``reply_id`` for replies."""

    delay: float
    line: bytes
    is_reply: bool = False
    #: The id the recorded reply carries (``NO_ID``: none).
    reply_id: Any = NO_ID


@dataclass
class PlannedRequest:
    """A recorded request and what followed it."""

    index: int
    t: float
    value: Any
    parse_error: str | None
    outputs: list[Output] = field(default_factory=list)

    def describe(self) -> str:
        if self.parse_error is not None:
            return f"malformed input ({self.parse_error})"
        return json.dumps(self.value)


@dataclass
class Plan:
    """A connection as replay serves it."""

    greeting: list[Output]
    requests: list[PlannedRequest]


def plan(items: list[Item]) -> Plan:
    """Attach each server message to what caused it.

    A reply belongs to the request with its id (else to the oldest one
    unanswered: in-band replies come in order).  An event that came while a
    request was in flight goes before that request's reply; one that came
    while nothing was, after the last reply (or after the greeting).
    Delays count from the request's arrival (the connection's, for the
    greeting).
    """
    greeting: list[Output] = []
    requests: list[PlannedRequest] = []
    outstanding: list[PlannedRequest] = []
    last: PlannedRequest | None = None
    for item in items:
        if item.kind in ("client", "client-error"):
            is_error = item.kind == "client-error"
            req = PlannedRequest(
                len(requests),
                item.t,
                None if is_error else item.value,
                item.value if is_error else None,
            )
            requests.append(req)
            outstanding.append(req)
            continue
        line = str(item.value).encode("latin-1")
        try:
            msg = json.loads(line)
        except ValueError:
            msg = None
        is_reply = isinstance(msg, dict) and ("return" in msg or "error" in msg)
        if not is_reply:
            target = outstanding[0] if outstanding else last
            anchor = target.t if target is not None else 0.0
            out = Output(max(0.0, item.t - anchor), line)
            (target.outputs if target is not None else greeting).append(out)
            continue
        assert isinstance(msg, dict)
        reply_id = msg.get("id", NO_ID)
        owner = None
        if reply_id is not NO_ID:
            owner = next(
                (
                    r
                    for r in outstanding
                    if isinstance(r.value, dict) and r.value.get("id") == reply_id
                ),
                None,
            )
        if owner is None and outstanding:
            owner = outstanding[0]
        if owner is None:
            continue  # a reply to nothing recorded: cannot be replayed
        outstanding.remove(owner)
        owner.outputs.append(Output(max(0.0, item.t - owner.t), line, True, reply_id))
        last = owner
    return Plan(greeting, requests)


def same_request(recorded: PlannedRequest, value: Any, parse_error: str | None) -> bool:
    """Does a client's message match the recorded one (ids aside)?"""
    if recorded.parse_error is not None or parse_error is not None:
        return recorded.parse_error == parse_error
    return bool(_without_id(recorded.value) == _without_id(value))


def _without_id(value: Any) -> Any:
    if isinstance(value, dict) and "id" in value:
        return {k: v for k, v in value.items() if k != "id"}
    return value
