"""Descriptor passing replayed against qmonitor: QEMU 7.2's replies, recorded.

tests/golden/fds/fds.json is written by tools/record_fds.py from real QEMU
(qmonitor_testsupport.fd_cases describes the cases and the
normalisation of descriptor numbers); each case is played here against a
qmonitor process and must give the same record: the same bytes in every
reply, descriptor numbers aside, and for the ``-add-fd`` errors the same
exit status and message.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from qmonitor_testsupport.fd_cases import CASES, run_case
from qmonitor_testsupport.procs import qmonitor_cmd

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "fds" / "fds.json"
RECORDED: dict[str, dict[str, Any]] = {
    case["name"]: case for case in json.loads(GOLDEN.read_text())["cases"]
}
BY_NAME = {case.name: case for case in CASES}


def test_the_recording_covers_the_cases() -> None:
    assert list(RECORDED) == list(BY_NAME)
    for name, case in BY_NAME.items():
        assert RECORDED[name]["args"] == list(case.args)
        steps = [s for s in RECORDED[name]["steps"] if "reconnect" not in s]
        assert [s.get("qmp", s.get("hmp")) for s in steps] == [
            s.text for s in case.steps if s.kind != "reconnect"
        ]


@pytest.mark.parametrize("name", list(BY_NAME))
def test_like_qemu(name: str) -> None:
    got = run_case(qmonitor_cmd(), BY_NAME[name])
    if "stderr" in got:
        # The program names itself after argv[0]; QEMU's is qemu-system-x86_64.
        got["stderr"] = got["stderr"].replace("qmonitor: ", "qemu-system-x86_64: ", 1)
    assert got == RECORDED[name]
