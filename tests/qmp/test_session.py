"""The QMP session alone: bytes in, events out, state transitions, every text."""

from __future__ import annotations

from typing import Any

import pytest

from qmonitor.qapi.commands import QmpCommand, QmpCommandList, qmp_dispatch
from qmonitor.qapi.error import QapiError
from qmonitor.qjson import NEED_DATA, JsonMessage, JsonParseError
from qmonitor.qmp.session import (
    TRANSITIONS,
    QmpSession,
    Road,
    SessionError,
    State,
    Trigger,
    parse_error_reply,
    plain_shape,
    runs_at_once,
)
from qmonitor.qmp.texts import (
    CAPABILITY_UNAVAILABLE,
    EXPECTING_NEGOTIATION,
    NEGOTIATION_COMPLETE,
)


class Recorder:
    """Collects a session's transitions."""

    def __init__(self) -> None:
        self.seen: list[tuple[State, Trigger, State]] = []

    def __call__(self, old: State, trigger: Trigger, new: State) -> None:
        self.seen.append((old, trigger, new))


class Wire:
    """A sans-IO client and a session back to back: the client's bytes go in,
    the session's replies come out as bytes, with no socket between them.

    The server side answers negotiation itself (as a monitor's
    ``qmp_capabilities`` does) and every other request with ``{}``.
    """

    def __init__(self, offered: tuple[str, ...] = ("oob",)) -> None:
        self.recorder = Recorder()
        self.session = QmpSession(on_transition=self.recorder)
        self.negotiation = QmpCommandList()
        self.negotiation.register(QmpCommand("qmp_capabilities", self._caps, allow_preconfig=True))
        self.full = QmpCommandList()
        self.full.register(QmpCommand("query-status", lambda: {"status": "running"}))
        self.offered = offered
        self.to_client = bytearray()

    def _caps(self) -> None:
        self.session.accept_capabilities(self.enable)

    enable: list[str] = []

    def connect(self) -> bytes:
        self.session.open(self.offered)
        self.to_client += self.session.send(self.session.greeting({"qemu": {}}))
        return self.take()

    def client_sends(self, data: bytes) -> bytes:
        session = self.session
        session.receive_data(data)
        while (ev := session.next_event()) is not NEED_DATA:
            if isinstance(ev, JsonParseError):
                self.to_client += session.send(parse_error_reply(ev.message))
                continue
            assert isinstance(ev, JsonMessage)
            req = ev.value
            if isinstance(req, dict):
                args = req.get("arguments")
                if isinstance(args, dict):
                    self.enable = list(args.get("enable", []))
                    req = {k: v for k, v in req.items() if k != "arguments"}
            cmds = self.negotiation if session.negotiating else self.full
            rsp = qmp_dispatch(cmds, req, session.oob, None)
            assert rsp is None or isinstance(rsp, dict)
            if rsp is not None:
                self.to_client += session.send(session.fix_reply(rsp))
        return self.take()

    def take(self) -> bytes:
        data = bytes(self.to_client)
        self.to_client.clear()
        return data


def test_a_whole_session_by_bytes_and_its_transitions() -> None:
    wire = Wire()
    assert wire.connect() == (b'{"QMP": {"version": {"qemu": {}}, "capabilities": ["oob"]}}\r\n')
    assert wire.client_sends(b'{"execute": "query-status"}') == (
        b'{"error": {"class": "CommandNotFound", "desc": "'
        + EXPECTING_NEGOTIATION.encode()
        + b'"}}\r\n'
    )
    # One request over several chunks, as qemu.qmp may send it.
    assert wire.client_sends(b'{"execute": "qmp_capa') == b""
    assert wire.client_sends(b'bilities", "arguments": {"enable": ["oob"]}, "id": 1}') == (
        b'{"return": {}, "id": 1}\r\n'
    )
    assert wire.session.oob
    assert wire.client_sends(b'{"execute": "query-status", "id": "a"}') == (
        b'{"return": {"status": "running"}, "id": "a"}\r\n'
    )
    assert wire.client_sends(b"}") == (
        b'{"error": {"class": "GenericError", "desc": "JSON parse error, expecting value"}}\r\n'
    )
    wire.session.close()
    assert wire.recorder.seen == [
        (State.CLOSED, Trigger.OPEN, State.NEGOTIATING),
        (State.NEGOTIATING, Trigger.ACCEPT, State.COMMAND),
        (State.COMMAND, Trigger.CLOSE, State.CLOSED),
    ]


def test_reconnect_greets_again_and_forgets_everything() -> None:
    rec = Recorder()
    session = QmpSession(on_transition=rec)
    session.open(("oob",))
    session.accept_capabilities(["oob"])
    session.receive_data(b'{"execute": ')
    session.close()
    assert session.next_event() is NEED_DATA
    session.open(())
    assert session.offered == () and not session.oob and session.enabled == frozenset()
    session.open(("oob",))  # a transport that opens again while open
    assert [t for _, t, _ in rec.seen] == [
        Trigger.OPEN,
        Trigger.ACCEPT,
        Trigger.CLOSE,
        Trigger.OPEN,
        Trigger.OPEN,
    ]
    assert session.state is State.NEGOTIATING


def test_capabilities_errors_use_qemus_texts() -> None:
    session = QmpSession()
    session.open(())
    with pytest.raises(QapiError) as info:
        session.accept_capabilities(["oob", "oob"])
    assert info.value.desc == CAPABILITY_UNAVAILABLE.format("oob, oob")
    assert info.value.desc == "Capability oob, oob not available"
    assert session.state is State.NEGOTIATING
    session.accept_capabilities([])
    with pytest.raises(QapiError) as info:
        session.accept_capabilities([])
    assert info.value.to_qobject() == {
        "class": "CommandNotFound",
        "desc": "Capabilities negotiation is already complete, command ignored",
    }
    assert info.value.desc == NEGOTIATION_COMPLETE


def test_only_offered_capabilities_known_to_qemu_are_offered() -> None:
    session = QmpSession()
    session.open(["x-unknown", "oob"])
    assert session.offered == ("oob",)
    assert session.greeting({})["QMP"]["capabilities"] == ["oob"]


def test_triggers_without_a_row_are_misuse() -> None:
    session = QmpSession()
    with pytest.raises(SessionError):
        session.accept_capabilities([])
    session.skip_negotiation()
    assert session.state is State.COMMAND
    with pytest.raises(SessionError):
        session.skip_negotiation()
    # Every state can close; only CLOSED cannot be negotiated in.
    for state in State:
        assert (state, Trigger.CLOSE) in TRANSITIONS
    assert (State.CLOSED, Trigger.ACCEPT) not in TRANSITIONS


@pytest.mark.parametrize(
    ("state", "rewritten"),
    [(State.CLOSED, False), (State.NEGOTIATING, True), (State.COMMAND, False)],
)
def test_negotiation_rewrite(state: State, rewritten: bool) -> None:
    session = QmpSession()
    if state is State.NEGOTIATING:
        session.open(())
    elif state is State.COMMAND:
        session.skip_negotiation()
    rsp: dict[str, Any] = {
        "id": 7,
        "error": {"class": "CommandNotFound", "desc": "The command x has not been found"},
    }
    out = session.send(session.fix_reply(rsp))
    desc = EXPECTING_NEGOTIATION if rewritten else "The command x has not been found"
    assert out == (
        b'{"id": 7, "error": {"class": "CommandNotFound", "desc": "' + desc.encode() + b'"}}\r\n'
    )
    other = {"error": {"class": "GenericError", "desc": "d"}}
    assert session.fix_reply(other) == {"error": {"class": "GenericError", "desc": "d"}}


def test_pretty_output() -> None:
    session = QmpSession(pretty=True)
    assert session.send({"return": {}}) == b'{\r\n    "return": {\r\n    }\r\n}\r\n'


def test_oob_and_plain_shapes() -> None:
    assert runs_at_once({"exec-oob": "x"})
    assert not runs_at_once({"exec-oob": "x", "execute": "y"})
    assert not runs_at_once([{"exec-oob": "x"}])
    assert plain_shape({"execute": "q"}) == ("q", None, None)
    assert plain_shape({"execute": "q", "id": [1]}) == ("q", "[1]", [1])
    assert plain_shape({"execute": "q", "arguments": {}}) is None
    assert plain_shape({"execute": 1}) is None
    assert plain_shape("q") is None


def test_road_is_one_check() -> None:
    session = QmpSession()

    def cmd(**kw: Any) -> QmpCommand:
        return QmpCommand("c", lambda: None, **kw)

    assert session.road(None) is Road.MAIN
    assert session.road(cmd()) is Road.MAIN
    assert session.road(cmd(any_thread=True, coroutine=True)) is Road.MAIN
    # Not in command mode: never the short road.
    assert session.road(cmd(any_thread=True)) is Road.HERE
    session.skip_negotiation()
    assert session.road(cmd(any_thread=True)) is Road.SHORT
    assert session.road(cmd(any_thread=True, enabled=False)) is Road.HERE
    pretty = QmpSession(pretty=True)
    pretty.skip_negotiation()
    assert pretty.road(cmd(any_thread=True)) is Road.HERE
