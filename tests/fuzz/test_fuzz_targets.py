"""Fuzzing the JSON streamer, the QMP request path and the HMP monitor.

The default suite runs a few hundred examples of each target and every
committed seed; ``-m slow`` runs more; QMONITOR_FUZZ_EXAMPLES sets the count
for a long run, and tools/fuzz_long.py runs the same targets under atheris
(coverage-guided) for a million inputs each.  See fuzz_harness.py for the
properties.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qmonitor_testsupport.fuzz_harness import CORPUS, HmpHarness, QmpHarness, check_streamer, corpus
from qmonitor_testsupport.fuzz_strategies import (
    DEFAULT_EXAMPLES,
    SLOW_EXAMPLES,
    examples,
    fuzz_settings,
    hmp_inputs,
    json_inputs,
    qmp_inputs,
)

COUNTS = [
    pytest.param(examples(DEFAULT_EXAMPLES), id="default"),
    pytest.param(examples(SLOW_EXAMPLES), id="slow", marks=pytest.mark.slow),
]


def fuzz(target: Callable[[bytes], None], strategy: st.SearchStrategy[bytes], count: int) -> int:
    """Run ``target`` on ``count`` generated inputs; the number of inputs tried."""
    tried = 0

    @fuzz_settings(count)
    @given(strategy)
    def run(data: bytes) -> None:
        nonlocal tried
        tried += 1
        target(data)

    run()
    # Hypothesis stops early only when it has tried every input it can make.
    assert tried >= count
    print(f"{target.__qualname__}: {tried} inputs")
    return tried


@pytest.fixture(scope="module")
def qmp() -> Iterator[QmpHarness]:
    harness = QmpHarness()
    yield harness
    harness.close()


@pytest.fixture(scope="module")
def hmp() -> Iterator[HmpHarness]:
    harness = HmpHarness()
    yield harness
    harness.close()


@pytest.mark.parametrize("count", COUNTS)
def test_json_streamer(count: int) -> None:
    fuzz(check_streamer, json_inputs(), count)


@pytest.mark.parametrize("count", COUNTS)
def test_qmp_request_path(qmp: QmpHarness, count: int) -> None:
    fuzz(qmp.fuzz, qmp_inputs(), count)


@pytest.mark.parametrize("count", COUNTS)
def test_hmp_line_editor_and_parser(hmp: HmpHarness, count: int) -> None:
    fuzz(hmp.fuzz, hmp_inputs(), count)


# -- the committed corpus --------------------------------------------------------


def test_corpus_is_there() -> None:
    for kind in ("json", "qmp", "hmp"):
        assert len(corpus(kind)) >= 20, kind


def test_json_corpus() -> None:
    for data in corpus("json"):
        check_streamer(data)


def test_qmp_corpus(qmp: QmpHarness) -> None:
    for data in corpus("qmp"):
        qmp.fuzz(data)


def test_hmp_corpus(hmp: HmpHarness) -> None:
    for data in corpus("hmp"):
        hmp.fuzz(data)


TRANSCRIPT = json.loads(
    (Path(__file__).parent.parent / "qjson" / "data" / "qemu72_transcript.json").read_text()
)


def test_qmp_answers_as_qemu_did(qmp: QmpHarness) -> None:
    """The differential oracle: QEMU 7.2's recorded replies to odd input, byte for byte."""
    probe = TRANSCRIPT["probe"].encode()
    qmp.reconnect(negotiate=True, oob=False)
    # The harness is shared with the random inputs, which may have stopped the
    # machine: QEMU's probe was answered while it ran.
    qmp.run(b'{"execute": "cont"}' + probe)
    checked = 0
    for case in TRANSCRIPT["compact"]:
        data = case["input"].encode("latin-1")
        replies = [r.encode("latin-1") for r in case["replies"]]
        got = qmp.run(data + probe)
        # QEMU's replies up to its probe's; ours go on with 0xFF and the sentinel.
        assert got[: len(replies)] == replies, data
        checked += 1
    assert checked >= 100


def test_seed_files_are_named_by_kind() -> None:
    assert sorted(p.name for p in CORPUS.iterdir()) == ["hmp", "json", "qmp"]
