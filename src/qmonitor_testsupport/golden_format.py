"""The QMP golden cases and their on-disk form (part of :mod:`.goldenlib`).

A :class:`Case` is a command line and a list of :class:`Step`; this module
holds them, the base options every case starts with, the normalising of
event timestamps, and the conversion of steps, received bytes and cases to
and from the JSON of tests/golden/qmp/THEME.json (described in
:mod:`.goldenlib`).  It does no I/O: the driver (:mod:`.golden_driver`) and
the corpus (:mod:`.qmp_corpus`) build on it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

#: Every case starts with these options, then the QMP socket below, then its own.
BASE_ARGS = ("-M", "none", "-display", "none", "-nodefaults")
#: The first socket; a case's ``sockets`` name the files it connects to.
BASE_QMP = "unix:{tmp}/qmp0.sock,server=on,wait=off"
BASE_SOCKET = "qmp0.sock"

#: Default quiet period ending a read while recording, in seconds.
QUIET = 0.3
#: Default gap between the writes of a multi-write send.
GAP = 0.02

FORMAT = 1


# --------------------------------------------------------------------- cases


@dataclass(frozen=True, slots=True)
class Step:
    """One client action.

    ``op`` is one of ``connect`` (connection ``conn`` to socket number
    ``socket``), ``send`` (``writes``: one or more writes, ``gap`` seconds
    apart), ``close``, ``shutdown_wr``, ``expect_eof`` (read ``conn`` until
    the server hangs up) and ``sleep`` (``seconds``).  ``quiet`` is the
    quiet period of the read that follows, when recording.
    """

    op: str
    conn: int = 0
    writes: tuple[bytes, ...] = ()
    socket: int = 0
    gap: float = GAP
    seconds: float = 0.0
    quiet: float = QUIET


@dataclass(frozen=True, slots=True)
class Case:
    """A command line and the steps to play against it."""

    name: str
    theme: str
    description: str
    steps: tuple[Step, ...]
    args: tuple[str, ...] = ()
    sockets: tuple[str, ...] = (BASE_SOCKET,)


OPS = ("connect", "send", "close", "shutdown_wr", "expect_eof", "sleep")


# ------------------------------------------------------------- normalising


_TIMESTAMP = re.compile(rb'("timestamp":\s*\{)([^{}]*)(\})')
_DIGITS = re.compile(rb"\d+")


#: id_generate's names (``#net``, a counter, two random digits): QEMU's util/id.c.
_GENERATED_ID = re.compile(rb"(#net\d*)\d\d")


def normalize(data: bytes) -> bytes:
    """Zero the numbers inside every complete ``"timestamp": {...}`` and ids' random digits."""
    data = _GENERATED_ID.sub(rb"\g<1>00", data)
    return _TIMESTAMP.sub(lambda m: m[1] + _DIGITS.sub(b"0", m[2]) + m[3], data)


_OPEN_TIMESTAMP = re.compile(rb'"timestamp":\s*\{[^{}]*\Z')


def may_still_match(raw: bytes, want: bytes) -> bool:
    """Whether more bytes after ``raw`` (not yet normalised) could still give ``want``."""
    if len(want) > len(raw) and (m := _OPEN_TIMESTAMP.search(raw)):
        raw = raw[: m.start()]  # an event cut inside its timestamp
    return want.startswith(normalize(raw)) or normalize(raw).startswith(want)


def parse_greeting(data: bytes) -> tuple[str, str]:
    """The ``X.Y.Z`` version and package string of a QMP greeting."""
    first = data.split(b"\n", 1)[0]
    version = json.loads(first)["QMP"]["version"]
    qemu = version["qemu"]
    return f"{qemu['major']}.{qemu['minor']}.{qemu['micro']}", str(version["package"])


# ---------------------------------------------------------------- encoding


def _encode_bytes(data: bytes, key: str) -> dict[str, str]:
    try:
        return {key: data.decode("utf-8")}
    except UnicodeDecodeError:
        return {key + "_hex": data.hex()}


def _decode_bytes(obj: dict[str, Any], key: str) -> bytes:
    if key in obj:
        return str(obj[key]).encode("utf-8")
    return bytes.fromhex(obj[key + "_hex"])


def step_to_json(step: Step) -> dict[str, Any]:
    """The input half of a recorded step (what the client does)."""
    out: dict[str, Any] = {"op": step.op}
    if step.op != "sleep":
        out["conn"] = step.conn
    if step.op == "connect":
        out["socket"] = step.socket
    elif step.op == "send":
        if len(step.writes) == 1:
            out.update(_encode_bytes(step.writes[0], "send"))
        else:
            out["writes"] = [_encode_bytes(w, "send") for w in step.writes]
            out["gap"] = step.gap
    elif step.op == "sleep":
        out["seconds"] = step.seconds
    return out


def step_from_json(obj: dict[str, Any]) -> Step:
    op = obj["op"]
    if op not in OPS:
        raise ValueError(f"unknown op {op!r}")
    writes: tuple[bytes, ...] = ()
    if op == "send":
        if "writes" in obj:
            writes = tuple(_decode_bytes(w, "send") for w in obj["writes"])
        else:
            writes = (_decode_bytes(obj, "send"),)
    return Step(
        op=op,
        conn=int(obj.get("conn", 0)),
        writes=writes,
        socket=int(obj.get("socket", 0)),
        gap=float(obj.get("gap", GAP)),
        seconds=float(obj.get("seconds", 0.0)),
    )


Received = dict[int, tuple[bytes, bool]]
"""Per connection: the bytes received during a step and whether EOF was seen."""


def received_to_json(received: Received) -> dict[str, Any]:
    """``recv`` (or ``recv_hex``) per connection that got bytes; ``eof``."""
    out: dict[str, Any] = {}
    text: dict[str, str] = {}
    raw: dict[str, str] = {}
    for conn in sorted(received):
        data, _ = received[conn]
        if not data:
            continue
        try:
            text[str(conn)] = data.decode("utf-8")
        except UnicodeDecodeError:
            raw[str(conn)] = data.hex()
    if text:
        out["recv"] = text
    if raw:
        out["recv_hex"] = raw
    eofs = sorted(conn for conn, (_, eof) in received.items() if eof)
    if eofs:
        out["eof"] = eofs
    return out


def received_from_json(obj: dict[str, Any]) -> Received:
    out: Received = {}
    for conn, text in obj.get("recv", {}).items():
        out[int(conn)] = (text.encode("utf-8"), False)
    for conn, hexed in obj.get("recv_hex", {}).items():
        out[int(conn)] = (bytes.fromhex(hexed), False)
    for conn in obj.get("eof", []):
        data, _ = out.get(int(conn), (b"", False))
        out[int(conn)] = (data, True)
    return out


def float_replies(data: bytes, ids: frozenset[str]) -> bytes:
    """``data`` with each reply whose id is in ``ids`` moved after the other lines.

    Where QEMU itself races a reply against a job's events (whether a job
    reaches a status before the reply is written depends on host I/O), two
    recordings are compared in this form: the events keep their order and
    the reply must still come, only its place among them is free.
    """
    if not ids:
        return data
    kept: list[bytes] = []
    floated: list[bytes] = []
    for line in data.splitlines(keepends=True):
        try:
            obj = json.loads(line)
        except ValueError:
            obj = None
        if isinstance(obj, dict) and obj.get("id") in ids and ("return" in obj or "error" in obj):
            floated.append(line)
        else:
            kept.append(line)
    return b"".join(kept + floated)


def case_inputs_json(case: Case) -> dict[str, Any]:
    """The input half of a recorded case."""
    return {
        "name": case.name,
        "description": case.description,
        "args": list(case.args),
        "sockets": list(case.sockets),
        "steps": [step_to_json(s) for s in case.steps],
    }


def case_from_json(obj: dict[str, Any], theme: str) -> Case:
    return Case(
        name=obj["name"],
        theme=theme,
        description=obj["description"],
        steps=tuple(step_from_json(s) for s in obj["steps"]),
        args=tuple(obj["args"]),
        sockets=tuple(obj["sockets"]),
    )


def strip_received(recorded: dict[str, Any]) -> dict[str, Any]:
    """A recorded case without what was received: comparable with case_inputs_json()."""
    out = dict(recorded)
    out["steps"] = [
        {k: v for k, v in s.items() if k not in ("recv", "recv_hex", "eof")}
        for s in recorded["steps"]
    ]
    return out
