"""Two qmonitor processes migrate as two QEMU 7.2 processes did (tests/golden/migration/).

Each scenario of :mod:`qmonitor_testsupport.migration_cases` is played
with qmonitor at both ends; what each end's QMP client received (events
and replies, in order, without timestamps or statistics values) must be
what QEMU's clients received, and a destination that fails must print
QEMU's lines and exit as QEMU did.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from qmonitor_testsupport.migration_cases import BAD_STREAMS, SCENARIOS, write_stream
from qmonitor_testsupport.migration_pair import run_scenario

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "migration"
QMONITOR = (sys.executable, "-m", "qmonitor")


def racy(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """QEMU's source sets ``postmigrate`` in a bottom half after MIGRATION ``completed``:
    a query-status right after may still see ``finish-migrate``.  qmonitor sets both at
    once, so the two are one here."""
    out = []
    completed = False
    for msg in messages:
        completed = completed or msg.get("data") == {"status": "completed"}
        ret = msg.get("return")
        if completed and isinstance(ret, dict) and ret.get("status") == "finish-migrate":
            msg = {"return": {**ret, "status": "postmigrate"}}
        out.append(msg)
    return out


def switchover(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """MIGRATION ``device`` before migrate-continue's reply.

    QEMU's migration thread raises it as it wakes, while the main loop
    sends the reply: recordings have both orders.  qmonitor raises it first.
    """
    out = list(messages)
    for i in range(len(out) - 1):
        if out[i] == {"return": {}} and out[i + 1].get("data") == {"status": "device"}:
            out[i], out[i + 1] = out[i + 1], out[i]
    return out


def syncs(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep the first MIGRATION_PASS and the one just before ``completed``.

    QEMU syncs the dirty bitmap again before it stops the VM while the
    guest dirties pages (SeaBIOS runs in a QEMU ``-M pc`` that is not
    paused), more or less often as its bandwidth estimate goes; the null
    guest dirties nothing.  The first sync and the final one (numbered
    ``final``) are in every run.
    """
    out: list[dict[str, Any]] = []
    for index, msg in enumerate(messages):
        if msg.get("event") == "MIGRATION_PASS" and msg["data"]["pass"] > 1:
            following = messages[index + 1] if index + 1 < len(messages) else {}
            if following.get("data") != {"status": "completed"}:
                continue
            msg = {"event": "MIGRATION_PASS", "data": {"pass": "final"}}
        out.append(msg)
    return out


def listen_thread(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A postcopy destination's listen thread sets ``completed`` and only then drops its
    listening addresses: a query-migrate right after may still show them.  qmonitor
    drops them as it completes."""
    out = []
    for msg in messages:
        ret = msg.get("return")
        if isinstance(ret, dict) and ret.get("status") == "completed" and "socket-address" in ret:
            msg = {"return": {k: v for k, v in ret.items() if k != "socket-address"}}
        out.append(msg)
    return out


def pause_reply(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """migrate-pause's out-of-band reply first, then MIGRATION ``postcopy-paused``.

    QEMU's I/O thread writes the reply while the main loop's migration code,
    woken by the shut channel, raises the event: recordings have both orders.
    """
    out = list(messages)
    for i in range(len(out) - 1):
        event, reply = out[i], out[i + 1]
        if event.get("data") == {"status": "postcopy-paused"} and reply.get("id") == "oob":
            out[i], out[i + 1] = reply, event
    return out


def stderr_lines(text: str | None) -> list[str]:
    """The lines without the program name QEMU's error_report puts first."""
    return [line.split(": ", 1)[1] for line in (text or "").splitlines() if ": " in line]


@pytest.mark.parametrize("scenario", [*SCENARIOS, *BAD_STREAMS], ids=lambda s: s.name)
def test_scenario_as_qemu(scenario: Any, tmp_path: Path) -> None:
    golden = json.loads((GOLDEN / f"{scenario.name}.json").read_text())
    prepare = write_stream(scenario) if scenario in BAD_STREAMS else None
    got = run_scenario(scenario, QMONITOR, tmp_path, prepare)
    assert got.get("aborted") == golden.get("aborted")
    assert pause_reply(syncs(racy(got["src"]))) == pause_reply(
        switchover(syncs(racy(golden["src"])))
    )
    assert pause_reply(got["dst"]) == pause_reply(listen_thread(golden["dst"]))
    assert got.get("dst-exit") == golden.get("dst-exit")
    if "dst-stderr" in golden:
        assert stderr_lines(got.get("dst-stderr")) == stderr_lines(golden["dst-stderr"])
