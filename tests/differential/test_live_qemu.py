"""The QMP corpus live against the installed QEMU, compared with the recordings.

``test_live_matches_recording[NAME]`` records the corpus case NAME again
from ``qemu-system-x86_64`` exactly as tools/record_golden.py does (reading
until quiet after each step) and compares the result with
tests/golden/qmp/: the goldens are current (same corpus, same QEMU) and
deterministic.  ``test_replay_passes_on_qemu[NAME]`` replays the recording
against QEMU the way the golden tests replay it against qmonitor, which
proves the replay driver itself.  Skipped when QEMU is not on PATH.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

import pytest

from qmonitor_testsupport import goldenlib, qmp_corpus
from qmonitor_testsupport.qtest_suite import built_module_dir, uses_qtest_accel
from qmonitor_testsupport.sessions import selected_cases

QEMU = shutil.which("qemu-system-x86_64")

pytestmark = [
    pytest.mark.qemu,
    pytest.mark.slow,
    pytest.mark.skipif(QEMU is None, reason="qemu-system-x86_64 is not installed"),
]

RECORDINGS = goldenlib.load_recordings()
CORPUS = {c.name: c for c in qmp_corpus.CASES}

# Debian's QEMU starts with -accel qtest only with the module tools/qtest_suite.py builds.
MODULE_DIR = built_module_dir()
if MODULE_DIR is not None:
    os.environ["QEMU_MODULE_DIR"] = str(MODULE_DIR)


def _skip_without_qtest(name: str) -> None:
    if MODULE_DIR is None and uses_qtest_accel(CORPUS[name].args):
        pytest.skip("QEMU's qtest accelerator module is not built (tools/qtest_suite.py)")


def _floating(name: str) -> frozenset[str]:
    """Replies QEMU races against job events in case NAME (see qmp_steps.FLOATING_REPLIES)."""
    return qmp_corpus.FLOATING_REPLIES.get(name, frozenset())


def _record(name: str) -> dict[str, Any] | str:
    assert QEMU is not None
    try:
        return goldenlib.record_case(CORPUS[name], [QEMU])
    except (goldenlib.DriverError, OSError) as exc:
        return f"driver error: {exc}"


@pytest.fixture(scope="module")
def live(request: pytest.FixtureRequest) -> dict[str, dict[str, Any] | str]:
    """Each selected corpus case recorded now from QEMU (or the driver's error)."""
    names = selected_cases(request.session, "live_case")
    return dict(zip(names, goldenlib.run_parallel(names, _record), strict=True))


@pytest.fixture(scope="module")
def replayed(request: pytest.FixtureRequest) -> dict[str, goldenlib.Outcome]:
    """Each selected recording replayed against QEMU."""
    assert QEMU is not None
    qemu = [QEMU]
    names = selected_cases(request.session, "replay_case")

    def replay(name: str) -> goldenlib.Outcome:
        return goldenlib.timed_replay(RECORDINGS[name][1], qemu, goldenlib.SETTLE, _floating(name))

    return {o.name: o for o in goldenlib.run_parallel(names, replay)}


@pytest.mark.parametrize("live_case", list(CORPUS))
def test_live_matches_recording(live_case: str, live: dict[str, dict[str, Any] | str]) -> None:
    _skip_without_qtest(live_case)
    got = live[live_case]
    if isinstance(got, str):
        pytest.fail(got, pytrace=False)
    if live_case not in RECORDINGS:
        pytest.fail(f"{live_case} is not recorded: run tools/record_golden.py", pytrace=False)
    header, want = RECORDINGS[live_case]
    problem = goldenlib.compare_recordings(want, got, _floating(live_case))
    if problem is not None:
        recorded_with = f"{header['qemu']['version']} ({header['qemu']['package']})"
        pytest.fail(
            f"case {live_case}: QEMU now differs from the recording made with QEMU"
            f" {recorded_with}\n{problem}",
            pytrace=False,
        )


@pytest.mark.parametrize("replay_case", list(RECORDINGS))
def test_replay_passes_on_qemu(replay_case: str, replayed: dict[str, goldenlib.Outcome]) -> None:
    if replay_case in CORPUS:
        _skip_without_qtest(replay_case)
    outcome = replayed[replay_case]
    if outcome.failure is not None:
        pytest.fail(outcome.failure, pytrace=False)
