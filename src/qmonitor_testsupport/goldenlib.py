"""Drive QMP transcripts against QEMU or qmonitor: record, replay, compare.

A *case* is a QEMU command line (the base options plus the case's own) and a
list of steps over one or more client connections: connect, send bytes,
close, shut down the write side, wait for the server to hang up, sleep.
After every step the driver collects what each open connection received.

*Recording* (:func:`record_case`) reads after each step until every open
connection has been quiet for the step's quiet period (or hung up), and
stores the exact bytes and which connections saw EOF.  *Replaying*
(:func:`replay_case`) performs the recorded steps and reads, per connection,
until as many bytes as recorded arrived (or EOF, or a timeout, or bytes that
can no longer match), then briefly for bytes nobody expected, and compares;
it stops at the first step that differs and describes it as escaped text.
Only event timestamps are normalised (:func:`normalize`).  Against QEMU the
first connection waits :data:`SETTLE` seconds after the socket appears.

Each case runs in a fresh process in its own temporary directory (which
also holds its sockets), killed at the end; every wait is bounded.  The
binary is a parameter: QEMU to record, ``python -m qmonitor`` to replay.

On disk (tests/golden/qmp/THEME.json)::

    {"format": 1, "theme": ..., "qemu": {"binary", "version", "package"},
     "cases": [{"name", "description", "args", "sockets",
                "steps": [{"op": "send", "conn": 0, "send": "...",
                           "recv": {"0": "..."}, "eof": [0]}, ...]}]}

``send``/``recv`` hold text; bytes that are not UTF-8 go to ``send_hex`` /
``recv_hex`` instead.  A send of several writes is ``writes``: a list of
``{"send": ...}`` or ``{"send_hex": ...}`` with ``gap`` seconds between them.
``args`` spell the temporary directory ``{tmp}``.

The parts live in modules of their own, and this one imports their public
names, so ``goldenlib.X`` reaches all of them: :mod:`.golden_format` (cases,
normalising, the JSON form), :mod:`.golden_diff` (escaped text and
differences) and :mod:`.golden_driver` (the process and its sockets).  This
module records and replays whole cases, runs them in parallel and reads the
recorded files.
"""

from __future__ import annotations

import json
import shlex
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from qmonitor_testsupport import REPO
from qmonitor_testsupport.golden_diff import (
    DIFF_LINES,
    DIFF_WIDTH,
    SHOW,
    describe_difference,
    escape,
)
from qmonitor_testsupport.golden_driver import (
    CONNECT_TIMEOUT,
    EOF_TIMEOUT,
    GRACE,
    READ_LIMIT,
    REPLAY_TIMEOUT,
    DriverError,
    Session,
    _perform,
    connect_unix,
    read_expected,
    read_quiet,
    session,
)
from qmonitor_testsupport.golden_format import (
    BASE_ARGS,
    BASE_QMP,
    BASE_SOCKET,
    FORMAT,
    GAP,
    OPS,
    QUIET,
    Case,
    Received,
    Step,
    case_from_json,
    case_inputs_json,
    float_replies,
    may_still_match,
    normalize,
    parse_greeting,
    received_from_json,
    received_to_json,
    step_from_json,
    step_to_json,
    strip_received,
)

__all__ = [
    "BASE_ARGS",
    "BASE_QMP",
    "BASE_SOCKET",
    "CONNECT_TIMEOUT",
    "DIFF_LINES",
    "DIFF_WIDTH",
    "DRAIN",
    "EOF_TIMEOUT",
    "FORMAT",
    "GAP",
    "GOLDEN_DIR",
    "GRACE",
    "OPS",
    "QUIET",
    "READ_LIMIT",
    "REPLAY_TIMEOUT",
    "SETTLE",
    "SHOW",
    "WORKERS",
    "Case",
    "DriverError",
    "Outcome",
    "Received",
    "Recording",
    "Session",
    "Step",
    "case_from_json",
    "case_inputs_json",
    "compare_recordings",
    "connect_unix",
    "describe_difference",
    "escape",
    "float_replies",
    "load_recordings",
    "may_still_match",
    "normalize",
    "parse_greeting",
    "qmonitor_command",
    "read_expected",
    "read_quiet",
    "received_from_json",
    "received_to_json",
    "record_case",
    "replay_case",
    "run_parallel",
    "session",
    "step_from_json",
    "step_to_json",
    "strip_received",
    "timed_replay",
]

_T = TypeVar("_T")
_R = TypeVar("_R")

#: Replay: after the last step, how long to watch for bytes nobody expected.
DRAIN = 0.2
#: QEMU: wait this long after the first socket appears before connecting.  A client
#: connecting while QEMU is still starting up may see the start-up RESUME event
#: before the greeting (the monitor is listed before its client is greeted), or
#: no answer at all to its first request.
SETTLE = 0.3
#: Parallel cases in the tests.
WORKERS = 8


def record_case(case: Case, command: Sequence[str], settle: float = SETTLE) -> dict[str, Any]:
    """Play ``case`` against ``command``, reading until quiet; the recorded case."""
    out = case_inputs_json(case)
    with session(case, command, settle) as sess:
        try:
            for step, obj in zip(case.steps, out["steps"], strict=True):
                _perform(sess, step)
                eof_conn = step.conn if step.op == "expect_eof" else None
                obj.update(received_to_json(sess.read_quiet(step.quiet, eof_conn)))
        except (DriverError, OSError) as exc:
            raise DriverError(f"{case.name}: {exc}\n{sess.output()}") from exc
    return out


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of replaying one case: ``failure`` is None when all matched."""

    name: str
    failure: str | None
    seconds: float


def _step_label(index: int, obj: dict[str, Any]) -> str:
    step = step_from_json(obj)
    label = f"step {index} {step.op}"
    if step.op != "sleep":
        label += f" conn {step.conn}"
    if step.op == "connect":
        label += f" to socket {step.socket}"
    if step.op == "send":
        sent = b"".join(step.writes)
        shown = escape(sent[:300]).replace("\n", "") + ("..." if len(sent) > 300 else "")
        label += f": {shown}"
    return label


def replay_case(
    recorded: dict[str, Any],
    command: Sequence[str],
    settle: float = 0.0,
    floating: frozenset[str] = frozenset(),
) -> str | None:
    """Replay a recorded case against ``command``; None or a description of the mismatch.

    Replies to the request ids in ``floating`` may come anywhere among the
    step's other lines (see :func:`float_replies`).
    """
    case = case_from_json(recorded, "")
    history: list[str] = []
    with session(case, command, settle) as sess:
        try:
            for index, (step, obj) in enumerate(zip(case.steps, recorded["steps"], strict=True)):
                _perform(sess, step)
                label = _step_label(index, obj)
                history.append(label)
                expected = received_from_json(obj)
                got = sess.read_expected(expected, REPLAY_TIMEOUT)
                problem = _compare(expected, got, floating)
                if problem:
                    return _report(case, sess, history, problem)
            extra = sess.read_quiet(DRAIN)
            leftovers = {c: v for c, v in extra.items() if v[0] or v[1]}
            if leftovers:
                history.append("after the last step")
                problem = _compare({}, leftovers)
                return _report(case, sess, history, problem or "unexpected bytes or EOF")
        except (DriverError, OSError) as exc:
            return _report(case, sess, history, f"driver error: {exc}")
    return None


def _compare(
    expected: Received, got: Received, floating: frozenset[str] = frozenset()
) -> str | None:
    problems = []
    for conn in sorted(set(expected) | set(got)):
        want, want_eof = expected.get(conn, (b"", False))
        have, have_eof = got.get(conn, (b"", False))
        want, have = float_replies(want, floating), float_replies(have, floating)
        if want != have:
            problems.append(f"connection {conn}: bytes differ\n{describe_difference(want, have)}")
        if want_eof != have_eof:
            problems.append(
                f"connection {conn}: expected {'EOF' if want_eof else 'no EOF'},"
                f" got {'EOF' if have_eof else 'no EOF'}"
            )
    return "\n".join(problems) or None


def _report(case: Case, sess: Session, history: list[str], problem: str) -> str:
    lines = [
        f"case {case.name}: {case.description}",
        "command: " + shlex.join(sess.argv),
        "steps:",
        *("  " + h for h in history),
        problem,
    ]
    output = sess.output()
    if output:
        lines.append(output)
    return "\n".join(lines)


def compare_recordings(
    want: dict[str, Any], got: dict[str, Any], floating: frozenset[str] = frozenset()
) -> str | None:
    """Two recordings of the same case: None when equal, else the first difference.

    ``floating`` as for :func:`replay_case`.
    """
    if strip_received(want) != strip_received(got):
        return "the corpus changed since the recording (inputs differ): re-run the recorder"
    history: list[str] = []
    for index, (a, b) in enumerate(zip(want["steps"], got["steps"], strict=True)):
        history.append(_step_label(index, a))
        problem = _compare(received_from_json(a), received_from_json(b), floating)
        if problem:
            return "\n".join(["steps:", *("  " + h for h in history), problem])
    return None


# --------------------------------------------------------------- parallel


def run_parallel(items: Iterable[_T], func: Callable[[_T], _R], workers: int = WORKERS) -> list[_R]:
    """``func`` over ``items`` in a thread pool, results in order."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(func, items))


def timed_replay(
    recorded: dict[str, Any],
    command: Sequence[str],
    settle: float = 0.0,
    floating: frozenset[str] = frozenset(),
) -> Outcome:
    start = time.monotonic()
    try:
        failure = replay_case(recorded, command, settle, floating)
    except Exception as exc:  # a crashing driver must not hide the other cases
        failure = f"case {recorded['name']}: driver crashed: {exc!r}"
    return Outcome(recorded["name"], failure, time.monotonic() - start)


# ------------------------------------------------------------------ files


GOLDEN_DIR = REPO / "tests" / "golden" / "qmp"


Recording = tuple[dict[str, Any], dict[str, Any]]
"""A file header (theme, QEMU version and package) and one recorded case."""


def load_recordings(directory: Path = GOLDEN_DIR) -> dict[str, Recording]:
    """Every recorded case by name."""
    out: dict[str, Recording] = {}
    for path in sorted(directory.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        header = {k: v for k, v in data.items() if k != "cases"}
        for case in data["cases"]:
            if case["name"] in out:
                raise ValueError(f"duplicate case {case['name']} in {path.name}")
            out[case["name"]] = (header, case)
    return out


def qmonitor_command(python: str, header: dict[str, Any]) -> list[str]:
    """``python -m qmonitor`` emulating the recorded QEMU's version and package."""
    return [
        python,
        "-m",
        "qmonitor",
        "-qmonitor-version",
        header["qemu"]["version"],
        "-qmonitor-package",
        header["qemu"]["package"],
    ]
