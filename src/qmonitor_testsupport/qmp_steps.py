"""What the QMP golden corpus is written with (see :mod:`.qmp_corpus`).

:func:`case` and :func:`table` add cases to :data:`CASES`; the step
builders (:func:`connect`, :func:`send`, :func:`req`, :func:`negotiate`,
...) make the :class:`~golden_format.Step` items of a row, and the
constants below are the steps and command-line options many cases share.
:data:`CASES` fills as :mod:`.qmp_corpus` is imported: read it from there.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from qmonitor_testsupport.golden_format import BASE_SOCKET, GAP, QUIET, Case, Step

CASES: list[Case] = []

#: Per case, the request ids whose reply QEMU races against job events: live
#: runs of QEMU are compared with :func:`~golden_format.float_replies`.
FLOATING_REPLIES: dict[str, frozenset[str]] = {}

_UNSET: Any = object()


@dataclass(frozen=True, slots=True)
class Opts:
    """Command-line options beyond the base ones, and the socket files to connect to."""

    args: tuple[str, ...] = ()
    sockets: tuple[str, ...] = (BASE_SOCKET,)


Item = Step | tuple[Step, ...] | str | bytes | Opts


def case(theme: str, name: str, description: str, *items: Item) -> None:
    """Add one case to :data:`CASES`."""
    steps: list[Step] = []
    opts = Opts()
    for item in items:
        if isinstance(item, Opts):
            opts = item
        elif isinstance(item, Step):
            steps.append(item)
        elif isinstance(item, str | bytes):
            steps.append(send(item))
        else:
            steps.extend(item)
    if any(c.name == name for c in CASES):
        raise ValueError(f"duplicate case {name}")
    CASES.append(Case(name, theme, description, tuple(steps), opts.args, opts.sockets))


def table(theme: str, rows: list[tuple[Any, ...]]) -> None:
    for name, description, *items in rows:
        case(theme, name, description, *items)


# ------------------------------------------------------------------ steps


def connect(conn: int = 0, socket: int = 0, quiet: float = QUIET) -> Step:
    return Step("connect", conn=conn, socket=socket, quiet=quiet)


def send(*writes: str | bytes, conn: int = 0, quiet: float = QUIET, gap: float = GAP) -> Step:
    """One step of one or more writes (text is sent as UTF-8)."""
    data = tuple(w.encode("utf-8") if isinstance(w, str) else w for w in writes)
    return Step("send", conn=conn, writes=data, quiet=quiet, gap=gap)


def close(conn: int = 0) -> Step:
    return Step("close", conn=conn)


def shutdown_wr(conn: int = 0) -> Step:
    return Step("shutdown_wr", conn=conn)


def expect_eof(conn: int = 0) -> Step:
    return Step("expect_eof", conn=conn)


def sleep(seconds: float) -> Step:
    return Step("sleep", seconds=seconds)


def req(
    execute: str | None = None,
    arguments: Any = _UNSET,
    id: Any = _UNSET,
    *,
    oob: str | None = None,
    nl: bool = True,
) -> str:
    """A request as clients write it: ``{"execute": ..., "arguments": ..., "id": ...}``."""
    obj: dict[str, Any] = {}
    if execute is not None:
        obj["execute"] = execute
    if oob is not None:
        obj["exec-oob"] = oob
    if arguments is not _UNSET:
        obj["arguments"] = arguments
    if id is not _UNSET:
        obj["id"] = id
    return json.dumps(obj) + ("\n" if nl else "")


def cmd(execute: str, arguments: Any = _UNSET, id: Any = _UNSET, conn: int = 0) -> Step:
    """Send one request."""
    return send(req(execute, arguments, id), conn=conn)


def oob(execute: str, id: Any = _UNSET, conn: int = 0) -> Step:
    """Send one exec-oob request."""
    return send(req(oob=execute, id=id), conn=conn)


def hmp(command_line: str, id: Any = _UNSET, conn: int = 0) -> Step:
    return cmd("human-monitor-command", {"command-line": command_line}, id, conn)


def negotiate(conn: int = 0, socket: int = 0, oob: bool = False) -> tuple[Step, ...]:
    """Connect and leave capabilities negotiation (optionally enabling OOB)."""
    args = {"enable": ["oob"]} if oob else _UNSET
    return connect(conn, socket), send(req("qmp_capabilities", args), conn=conn)


def burst(n: int, make: Callable[[int], str]) -> str:
    """``n`` requests in one string."""
    return "".join(make(i) for i in range(n))


#: Connect and negotiate; the same with OOB enabled.
NEG = negotiate()
NEG_OOB = negotiate(oob=True)
#: A request that always succeeds: sent after bad input to show the parser recovered.
PROBE = req("query-name", id="probe")

#: -S: start in prelaunch.
PAUSED = Opts(("-S",))
#: A second plain QMP monitor (socket 1).
TWO = Opts(("-qmp", "unix:{tmp}/qmp1.sock,server=on,wait=off"), ("qmp0.sock", "qmp1.sock"))
#: A -qmp-pretty monitor (socket 1).
PRETTY = Opts(("-qmp-pretty", "unix:{tmp}/pretty.sock,server=on,wait=off"),
              ("qmp0.sock", "pretty.sock"))  # fmt: skip
_CHARDEV = ("-chardev", "socket,id=mon1,path={tmp}/mon1.sock,server=on,wait=off")
_MON_SOCKETS = ("qmp0.sock", "mon1.sock")
#: -mon chardev=...,mode=control on a -chardev socket (socket 1): compact, pretty=on, pretty=off.
MON = Opts((*_CHARDEV, "-mon", "chardev=mon1,mode=control"), _MON_SOCKETS)
MON_PRETTY = Opts((*_CHARDEV, "-mon", "chardev=mon1,mode=control,pretty=on"), _MON_SOCKETS)
MON_PRETTY_OFF = Opts((*_CHARDEV, "-mon", "chardev=mon1,mode=control,pretty=off"), _MON_SOCKETS)

GREETING = connect()
