"""Replay the QMP transcripts recorded from QEMU (tests/golden/qmp/) against qmonitor.

Every recorded case becomes one test, ``test_replay[NAME]``.  The cases
selected for a run (``pytest tests/golden -k NAME`` selects one) are replayed
once per session, in parallel, each against a fresh ``python -m qmonitor``
that emulates the recorded QEMU's version and package; the tests then report
their outcome.
"""

from __future__ import annotations

import sys

import pytest

from qmonitor_testsupport import goldenlib
from qmonitor_testsupport.sessions import selected_cases

RECORDINGS = goldenlib.load_recordings()

#: The parameter that names a recorded case.
PARAM = "golden_case"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if PARAM in metafunc.fixturenames:
        metafunc.parametrize(PARAM, list(RECORDINGS))


def _replay(name: str) -> goldenlib.Outcome:
    header, recorded = RECORDINGS[name]
    return goldenlib.timed_replay(recorded, goldenlib.qmonitor_command(sys.executable, header))


@pytest.fixture(scope="session")
def qmonitor_replays(request: pytest.FixtureRequest) -> dict[str, goldenlib.Outcome]:
    """Outcome of replaying each selected case against qmonitor, by name."""
    names = selected_cases(request.session, PARAM)
    return {o.name: o for o in goldenlib.run_parallel(names, _replay)}
