"""The multiplexer's protocol core, sans-IO: many QMP clients, one upstream.

Rules (what a client must not be able to tell from a monitor of its own):

- Each client gets the upstream's greeting, byte for byte, and negotiates
  with the multiplexer, which answers as QEMU's negotiation mode does
  (``qmp_capabilities`` and its errors, "Expecting capabilities
  negotiation ..." for anything else).  ``oob`` is offered when, and only
  when, the upstream offers it; the multiplexer itself negotiated
  ``oob`` upstream then.
- Malformed input, requests of the wrong shape and ``exec-oob`` from a
  client without OOB are answered here, with QEMU's texts, in the place
  QEMU would answer them (OOB errors at once, the rest in order).
- Every other request goes upstream with a fresh ``id``; its reply gets the
  client's ``id`` back (or none, if it had none) and reaches that client in
  the order of its requests.  ``exec-oob`` replies overtake, as in QEMU.
- Upstream events go, as they came, to every client that has negotiated.
- A client that leaves with requests pending loses their replies; nothing
  changes for the others.

The core parses client bytes with QEMU's own streamer and builds replies
with QEMU's encoder; the upstream is expected to write compact JSON (no
``-qmp-pretty``), one message per ``\\r\\n``-terminated line.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from qmonitor.errors import QmonitorError
from qmonitor.machine.qmp_commands import QMP_CAPABILITY
from qmonitor.qapi.commands import (
    QmpCommand,
    QmpCommandList,
    check_obj,
    error_response,
    internal_error,
    qmp_dispatch,
)
from qmonitor.qapi.error import QapiError
from qmonitor.qapi.types import ArrayType, Member, object_type
from qmonitor.qjson import NEED_DATA, JsonMessage, JsonParseError, JsonStreamer, encode
from qmonitor.qmp.session import (
    QmpSession,
    State,
    encode_output,
    parse_error_reply,
    runs_at_once,
)

log = logging.getLogger(__name__)

#: qmp_capabilities' argument type (qapi/control.json).
_CAPS_ARGS = object_type(
    "q_obj_qmp_capabilities-arg", [Member("enable", ArrayType(QMP_CAPABILITY), True)]
)


class UpstreamError(QmonitorError):
    """The upstream broke the protocol (a bad greeting, an unknown reply)."""


@dataclass(slots=True)
class Greeting:
    """The upstream's greeting: its exact bytes and the capabilities it offers."""

    line: bytes
    capabilities: tuple[str, ...]

    @classmethod
    def parse(cls, line: bytes) -> Greeting:
        try:
            msg = json.loads(line)
            caps = msg["QMP"]["capabilities"]
        except (ValueError, KeyError, TypeError) as exc:
            raise UpstreamError(f"not a QMP greeting: {line[:200]!r}") from exc
        return cls(line if line.endswith(b"\r\n") else line.rstrip(b"\n") + b"\r\n", tuple(caps))


@dataclass(eq=False, slots=True)
class _Slot:
    """A reply due to a client, in request order; None until it is known."""

    data: bytes | None = None


@dataclass(eq=False)
class MuxClient:
    """One client's state: its QMP session, and the replies it waits for."""

    id: int
    session: QmpSession = field(default_factory=QmpSession)
    slots: deque[_Slot] = field(default_factory=deque)
    out: bytearray = field(default_factory=bytearray)
    negotiation: QmpCommandList = field(default_factory=QmpCommandList)
    connected: bool = True
    #: Events not sent because the client was not reading (see can_take_event).
    events_dropped: int = 0

    @property
    def streamer(self) -> JsonStreamer:
        """The client's input parser."""
        return self.session.streamer

    @property
    def negotiated(self) -> bool:
        """Past capabilities negotiation."""
        return self.session.state is State.COMMAND

    @property
    def oob(self) -> bool:
        """The client enabled ``oob``."""
        return self.session.oob


@dataclass(slots=True)
class _Pending:
    client: MuxClient
    slot: _Slot | None  # None: an exec-oob request, answered at once
    has_id: bool
    req_id: Any


class MuxCore:
    """Clients in, upstream out; call :meth:`take_upstream` / client ``out`` after each call.

    :param greeting: the upstream's greeting.
    :param can_take_event: whether a client's connection takes another event
        now (a slow reader's events are dropped instead of buffered without
        bound); default always.
    """

    def __init__(
        self, greeting: Greeting, can_take_event: Callable[[MuxClient], bool] | None = None
    ) -> None:
        self.greeting = greeting
        self.upstream_oob = "oob" in greeting.capabilities
        self.clients: dict[int, MuxClient] = {}
        self._ids = itertools.count(1)
        self._upstream_ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self._upstream_out = bytearray()
        self._can_take_event = can_take_event or (lambda client: True)

    @property
    def upstream_negotiation(self) -> bytes:
        """What the multiplexer sends upstream right after the greeting."""
        args = ', "arguments": {"enable": ["oob"]}' if self.upstream_oob else ""
        return b'{"execute": "qmp_capabilities"' + args.encode() + b', "id": 0}\n'

    @property
    def pending(self) -> int:
        """Requests sent upstream and not answered yet."""
        return len(self._pending)

    def take_upstream(self) -> bytes:
        """Bytes to write upstream."""
        data = bytes(self._upstream_out)
        self._upstream_out.clear()
        return data

    # -- clients -----------------------------------------------------------------

    def connect(self) -> MuxClient:
        """A new client: its greeting is in its ``out``."""
        client = MuxClient(next(self._ids))
        session = client.session
        session.open(self.greeting.capabilities)

        def qmp_capabilities(enable: list[str] | None = None) -> None:
            session.accept_capabilities(enable or [])

        client.negotiation.register(
            QmpCommand("qmp_capabilities", qmp_capabilities, _CAPS_ARGS, allow_preconfig=True)
        )
        client.out += self.greeting.line
        self.clients[client.id] = client
        return client

    def disconnect(self, client: MuxClient) -> None:
        """The client left: its pending replies will be dropped when they come."""
        client.connected = False
        client.session.close()
        client.slots.clear()
        client.out.clear()
        self.clients.pop(client.id, None)

    def receive(self, client: MuxClient, data: bytes) -> None:
        """Bytes from a client."""
        session = client.session
        session.receive_data(data)
        while (ev := session.next_event()) is not NEED_DATA:
            if isinstance(ev, JsonMessage):
                self._guarded_request(client, ev.value)
            elif isinstance(ev, JsonParseError):
                self._local(client, parse_error_reply(ev.message))

    def _guarded_request(self, client: MuxClient, req: Any) -> None:
        """:meth:`_request`; a bug in it answers that request with a GenericError."""
        slots = len(client.slots)
        try:
            self._request(client, req)
        except Exception as exc:
            log.exception("mux: handling a request of client %d failed", client.id)
            # A slot the failed request took would hold back every later reply.
            while len(client.slots) > slots:
                client.slots.pop()
            has_id = isinstance(req, dict) and "id" in req
            req_id = req.get("id") if has_id else None
            self._local(client, error_response(internal_error(exc), req_id, has_id))

    def _request(self, client: MuxClient, req: Any) -> None:
        session = client.session
        if session.negotiating:
            rsp = qmp_dispatch(client.negotiation, req, False, None)
            assert rsp is None or isinstance(rsp, dict)
            if rsp is not None:
                self._local(client, session.fix_reply(rsp))
            return
        has_id = isinstance(req, dict) and "id" in req
        req_id = req.get("id") if has_id else None
        # Without OOB the client's requests are read one at a time, so even
        # exec-oob is answered in order; with OOB it is answered at once.
        oob = session.oob and runs_at_once(req)
        try:
            check_obj(req, session.oob)
        except QapiError as err:
            self._local(client, error_response(err, req_id, has_id), oob=oob)
            return
        uid = next(self._upstream_ids)
        forward = dict(req)
        forward["id"] = uid
        slot = None if oob else _Slot()
        if slot is not None:
            client.slots.append(slot)
        self._pending[uid] = _Pending(client, slot, has_id, req_id)
        # In the client's own member order: QEMU's dict order (and so which
        # bad member it reports first) depends on the order members arrive.
        self._upstream_out += json.dumps(forward, separators=(", ", ": ")).encode()

    def _local(self, client: MuxClient, rsp: dict[str, Any], *, oob: bool = False) -> None:
        data = client.session.send(rsp)
        if oob:
            client.out += data
            return
        client.slots.append(_Slot(data))
        self._flush(client)

    def _flush(self, client: MuxClient) -> None:
        slots = client.slots
        while slots and (data := slots[0].data) is not None:
            slots.popleft()
            client.out += data

    # -- upstream --------------------------------------------------------------------

    def upstream_line(self, line: bytes) -> None:
        """One message from upstream (a ``\\r\\n``-terminated line)."""
        if not line.strip():
            return
        try:
            msg = json.loads(line)
        except ValueError:
            raise UpstreamError(f"upstream sent bad JSON: {line[:200]!r}") from None
        if not isinstance(msg, dict):
            raise UpstreamError(f"upstream sent a non-object: {line[:200]!r}")
        if "event" in msg and "id" not in msg:
            data = line if line.endswith(b"\r\n") else line.rstrip(b"\n") + b"\r\n"
            for client in self.clients.values():
                if not client.negotiated:
                    continue
                if self._can_take_event(client):
                    client.out += data
                else:
                    client.events_dropped += 1
            return
        uid = msg.get("id")
        if not isinstance(uid, int) or isinstance(uid, bool):
            log.warning("mux: upstream reply without our id dropped: %.200r", line)
            return
        pending = self._pending.pop(uid, None)
        if pending is None:
            if uid == 0:
                return  # the reply to our own qmp_capabilities
            log.warning("mux: upstream reply with unknown id dropped: %.200r", line)
            return
        client = pending.client
        if not client.connected:
            return
        try:
            data = self._client_reply(line, msg, uid, pending)
        except Exception as exc:
            # A bug of ours must not leave the client's slot empty for good
            # (every later reply would wait behind it): it gets an error.
            log.exception("mux: restoring a reply for client %d failed", client.id)
            rsp = error_response(internal_error(exc), pending.req_id, pending.has_id)
            data = client.session.send(rsp)
        if pending.slot is None:
            client.out += data
        else:
            pending.slot.data = data
            self._flush(client)

    @staticmethod
    def _client_reply(line: bytes, msg: dict[str, Any], uid: int, pending: _Pending) -> bytes:
        """The upstream's reply with the client's own id back (or none)."""
        restored = replace_reply_id(line, uid, pending.req_id if pending.has_id else NO_ID)
        if restored is None:  # not QEMU's compact layout: re-encode
            if pending.has_id:
                msg["id"] = pending.req_id
            else:
                del msg["id"]
            restored = _wire(msg)
        return restored


#: "The message has no id" for :func:`replace_reply_id`.
NO_ID: Any = object()


def replace_reply_id(line: bytes, old_id: Any, new_id: Any) -> bytes | None:
    """A reply line with its id ``old_id`` replaced by ``new_id`` (either may be NO_ID).

    The text is kept as it is (re-encoding a parsed reply would not give
    QEMU's member order back).  QEMU writes ``{"return": V, "id": N}`` and
    ``{"id": N, "error": E}`` (without id: ``{"return": V}``, ``{"error":
    E}``); for anything else the result is None.
    """
    if not line.endswith(b"\r\n"):
        line = line.rstrip(b"\n") + b"\r\n"
    new = None if new_id is NO_ID else encode_output(encode(new_id))
    if old_id is NO_ID:
        if new is None:
            return line
        if line.startswith(b'{"return": ') and line.endswith(b"}\r\n"):
            return line[:-3] + b', "id": ' + new + b"}\r\n"
        if line.startswith(b'{"error": '):
            return b'{"id": ' + new + b", " + line[1:]
        return None
    old = encode_output(encode(old_id))
    suffix = b', "id": ' + old + b"}\r\n"
    if line.endswith(suffix):
        body = line[: -len(suffix)]
        return body + (b"}\r\n" if new is None else b', "id": ' + new + b"}\r\n")
    prefix = b'{"id": ' + old + b", "
    if line.startswith(prefix):
        rest = line[len(prefix) :]
        return b"{" + rest if new is None else b'{"id": ' + new + b", " + rest
    return None


def _wire(msg: dict[str, Any]) -> bytes:
    """A message as QEMU writes it: compact, ``\\r\\n`` at the end."""
    return encode_output(encode(msg) + "\r\n")


__all__ = ["NO_ID", "Greeting", "MuxClient", "MuxCore", "UpstreamError", "replace_reply_id"]
