"""The QMP session, sans-IO: QEMU's monitor/qmp.c protocol without the monitor.

Rules (QEMU 7.2's, checked against tests/golden/qmp):

- A session is :attr:`State.CLOSED` until its transport opens.  Opening
  greets the client and enters capabilities negotiation
  (:attr:`State.NEGOTIATING`); a transport that opens again greets again.
- While negotiating only the negotiation commands exist, and a
  CommandNotFound error says :data:`EXPECTING_NEGOTIATION` instead.
- ``qmp_capabilities`` enables capabilities the greeting offered (or fails
  naming those it did not) and enters :attr:`State.COMMAND`; asking again
  there is CommandNotFound (:data:`NEGOTIATION_COMPLETE`).
- Closing the transport drops partial input (:attr:`State.CLOSED`).
- ``exec-oob`` without ``execute`` runs at once, ahead of queued requests;
  everything else is answered in the order it came.

Every state change is a row of :data:`TRANSITIONS`; a trigger with no row
is a misuse of the session and raises :class:`SessionError`.  What a peer
does wrong never raises: it becomes an error reply.

Input: :meth:`QmpSession.receive_data` then :meth:`QmpSession.next_event`,
which hands out the JSON streamer's own events (no object is added per
request).  Output: :meth:`QmpSession.send` gives a message's bytes.
Nothing here does IO, directly or through the modules it imports
(``tests/test_sans_io.py`` checks).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import Enum
from typing import TYPE_CHECKING, Any, Final

from qmonitor.errors import QmonitorError
from qmonitor.qapi.error import ErrorClass, QapiError
from qmonitor.qjson import JsonStreamer, encode
from qmonitor.qmp.texts import (
    CAPABILITY_UNAVAILABLE,
    EXPECTING_NEGOTIATION,
    NEGOTIATION_COMPLETE,
    QMP_CAPABILITIES,
)

if TYPE_CHECKING:
    from qmonitor.qapi.commands import QmpCommand
    from qmonitor.qjson import JsonMessage, JsonParseError, NeedData


class State(Enum):
    """Where a session is in the protocol."""

    #: No client: before the transport first opens, and after it closes.
    CLOSED = "closed"
    #: Greeting sent; only the negotiation commands exist.
    NEGOTIATING = "negotiating"
    #: Negotiation done: every command exists; ``oob`` if it was enabled.
    COMMAND = "command"


class Trigger(Enum):
    """What moves a session from one :class:`State` to another."""

    #: The transport opened (a client connected): greet.
    OPEN = "open"
    #: ``qmp_capabilities`` succeeded.
    ACCEPT = "accept"
    #: The owner put the session in command mode without negotiation
    #: (an embedder's private monitor, tests); nothing is enabled.
    SKIP = "skip"
    #: The transport closed.
    CLOSE = "close"


#: The session's state machine: (state, trigger) -> next state.
TRANSITIONS: Final[dict[tuple[State, Trigger], State]] = {
    (State.CLOSED, Trigger.OPEN): State.NEGOTIATING,
    (State.CLOSED, Trigger.SKIP): State.COMMAND,
    (State.CLOSED, Trigger.CLOSE): State.CLOSED,
    (State.NEGOTIATING, Trigger.OPEN): State.NEGOTIATING,
    (State.NEGOTIATING, Trigger.ACCEPT): State.COMMAND,
    (State.NEGOTIATING, Trigger.SKIP): State.COMMAND,
    (State.NEGOTIATING, Trigger.CLOSE): State.CLOSED,
    (State.COMMAND, Trigger.OPEN): State.NEGOTIATING,
    (State.COMMAND, Trigger.CLOSE): State.CLOSED,
}


class Road(Enum):
    """Where a request for a command can be answered (see :meth:`QmpSession.road`)."""

    #: Here, by the short road: the reply text is built straight from the
    #: handler's return value (``plain_reply_text``), for a request that has
    #: no member but ``execute`` and ``id``.
    SHORT = "short"
    #: Here, by the full dispatcher: the command needs only the big lock.
    HERE = "here"
    #: On the main loop only, by the dispatcher.
    MAIN = "main"


# The members the per-request checks compare with, read as module globals:
# on Python 3.11 reading an enum member through its class costs several
# times a global's lookup.
_COMMAND: Final = State.COMMAND
_NEGOTIATING: Final = State.NEGOTIATING
_SHORT: Final = Road.SHORT
_HERE: Final = Road.HERE
_MAIN: Final = Road.MAIN


class SessionError(QmonitorError):
    """The session was used wrongly (a trigger its state has no row for)."""


#: The requests of plain shape: ``(NAME, the id's text or None, the id)``.
PlainShape = tuple[str, str | None, Any]


def encode_output(text: str) -> bytes:
    """Monitor text to bytes: UTF-8, keeping undecodable input bytes as they came."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def runs_at_once(req: Any) -> bool:
    """An ``exec-oob`` request (qmp_is_oob): answered at once, not queued."""
    return type(req) is dict and "exec-oob" in req and "execute" not in req


def plain_shape(req: Any) -> PlainShape | None:
    """(NAME, the id's text or None, the id) of ``{"execute": NAME[, "id": ID]}``, else None."""
    if type(req) is not dict:
        return None
    name = req.get("execute")
    size = len(req)
    if type(name) is not str:
        return None
    if size == 1:
        return name, None, None
    if size == 2 and "id" in req:
        req_id = req["id"]
        return name, encode(req_id), req_id
    return None


def parse_error_reply(message: str) -> dict[str, Any]:
    """The reply to input that is not JSON (no ``id``: nobody can know it)."""
    return {"error": QapiError(message).to_qobject()}


class QmpSession:
    """One client's QMP session.

    :param pretty: write messages in QEMU's pretty form (``-qmp-pretty``).
    :param on_transition: called with (old state, trigger, new state) after
        every transition (tests record the sequence).
    """

    __slots__ = ("enabled", "offered", "on_transition", "oob", "pretty", "state", "streamer")

    def __init__(
        self,
        *,
        pretty: bool = False,
        on_transition: Callable[[State, Trigger, State], None] | None = None,
    ) -> None:
        self.state = State.CLOSED
        self.pretty = pretty
        self.on_transition = on_transition
        #: Capabilities the greeting offered.
        self.offered: tuple[str, ...] = ()
        #: Capabilities ``qmp_capabilities`` enabled.
        self.enabled: frozenset[str] = frozenset()
        #: ``oob`` is enabled (read on every request: a plain attribute).
        self.oob = False
        #: The input parser; the owner may read it directly (its fast road).
        self.streamer = JsonStreamer()

    def _go(self, trigger: Trigger) -> None:
        old = self.state
        new = TRANSITIONS.get((old, trigger))
        if new is None:
            raise SessionError(f"QMP session: {trigger.value} while {old.value}")
        self.state = new
        if self.on_transition is not None:
            self.on_transition(old, trigger, new)

    # -- transitions ------------------------------------------------------------

    def open(self, offered: Iterable[str] = ()) -> None:
        """The transport opened: offer ``offered``, enable nothing, negotiate."""
        self.offered = tuple(cap for cap in QMP_CAPABILITIES if cap in set(offered))
        self.enabled = frozenset()
        self.oob = False
        self._go(Trigger.OPEN)

    def accept_capabilities(self, enable: Iterable[str]) -> None:
        """qmp_capabilities: enable what was asked, or fail as QEMU does.

        :raises QapiError: negotiation is over, or something asked for was
            not offered (the reply to send).
        """
        if self.state is State.COMMAND:
            raise QapiError(NEGOTIATION_COMPLETE, ErrorClass.COMMAND_NOT_FOUND)
        asked = list(enable)
        unavailable = [cap for cap in asked if cap not in self.offered]
        if unavailable:
            raise QapiError(CAPABILITY_UNAVAILABLE.format(", ".join(unavailable)))
        self._go(Trigger.ACCEPT)
        self.enabled = frozenset(asked)
        self.oob = "oob" in self.enabled

    def skip_negotiation(self) -> None:
        """Enter command mode without negotiating (nothing enabled)."""
        self._go(Trigger.SKIP)

    def close(self) -> None:
        """The transport closed: forget partial input."""
        self._go(Trigger.CLOSE)
        self.streamer.reset()

    @property
    def negotiating(self) -> bool:
        """Not (or not yet) in command mode."""
        return self.state is not _COMMAND

    # -- input -----------------------------------------------------------------

    def receive_data(self, data: bytes) -> None:
        """Bytes from the client."""
        self.streamer.feed(data)

    def next_event(self) -> JsonMessage | JsonParseError | NeedData:
        """The next request (``JsonMessage``), parse error or ``NEED_DATA``."""
        return self.streamer.next_event()

    def road(self, cmd: QmpCommand | None) -> Road:
        """Where a request for ``cmd`` can be answered: the one eligibility check.

        The short road also needs a plain request (see :func:`plain_shape`).
        """
        if cmd is None or not cmd.any_thread or cmd.coroutine:
            return _MAIN
        if cmd.args is None and cmd.enabled and not self.pretty and self.state is _COMMAND:
            return _SHORT
        return _HERE

    # -- output ----------------------------------------------------------------

    def greeting(self, version: dict[str, Any]) -> dict[str, Any]:
        """The greeting message (``version`` is query-version's reply)."""
        return {"QMP": {"version": version, "capabilities": list(self.offered)}}

    def fix_reply(self, rsp: dict[str, Any]) -> dict[str, Any]:
        """A dispatcher reply as the session sends it (monitor_qmp_dispatch).

        While negotiating, CommandNotFound's text is replaced, as QEMU does
        it: the old ``desc`` deleted, the new one added last (the newest
        member of its QDict bucket; ``class`` and ``desc`` share no bucket,
        so the order on the wire is the same either way).
        """
        if self.state is _NEGOTIATING:
            error = rsp.get("error")
            if type(error) is dict and error.get("class") == "CommandNotFound":
                del error["desc"]
                error["desc"] = EXPECTING_NEGOTIATION
        return rsp

    def text(self, msg: dict[str, Any]) -> str:
        """A message's text, newlines as ``\\r\\n``, without the final ``\\r\\n``."""
        if self.pretty:
            return encode(msg, True).replace("\n", "\r\n")
        return encode(msg)  # no newline of its own: strings escape it

    def send(self, msg: dict[str, Any]) -> bytes:
        """A message's bytes on the wire."""
        return encode_output(self.text(msg) + "\r\n")


__all__ = [
    "TRANSITIONS",
    "PlainShape",
    "QmpSession",
    "Road",
    "SessionError",
    "State",
    "Trigger",
    "encode_output",
    "parse_error_reply",
    "plain_shape",
    "runs_at_once",
]
