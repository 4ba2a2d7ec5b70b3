"""The fuzz harness itself: what it waits for, and what it counts as a failure.

The long HMP run once stopped at an input whose echo is 33 MB (a 4,000-byte
line: QEMU's line editor redraws the whole line at each key), written in
1,400 pieces: the harness searched all of the output again at each piece,
ran out of time on a loaded machine, and printed the whole output in its
failure message.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from qmonitor_testsupport import fuzz_harness
from qmonitor_testsupport.fuzz_harness import HmpHarness, LineChardev


def _seen_after_each(marker: bytes, pieces: list[bytes]) -> list[bool]:
    chr = LineChardev()
    chr._expect(marker)
    seen = []
    for piece in pieces:
        chr.write(piece)
        seen.append(chr._seen())
    return seen


def test_a_marker_split_across_writes_is_found() -> None:
    text = b"noise (qemu) more noise\r\n(qemu) "
    pieces = [text[i : i + 1] for i in range(len(text))]
    seen = _seen_after_each(b"more noise", pieces)
    # Found once its line is complete: at the '\n' (not at the '\r').
    first = seen.index(True)
    assert text[first : first + 1] == b"\n"
    assert all(seen[first:])


def test_a_prompt_marker_needs_no_line_end() -> None:
    assert _seen_after_each(b"(qemu) ", [b"(qe", b"mu", b") "]) == [False, False, True]


def test_the_last_marker_counts() -> None:
    # The first "x" is on a complete line, the second is not (yet).
    seen = _seen_after_each(b"x", [b"x\r\n", b"x", b"y", b"\r", b"\n"])
    assert seen == [True, False, False, False, True]


def test_a_marker_and_its_line_end_in_separate_writes() -> None:
    assert _seen_after_each(b"id", [b"i", b"d", b"\r", b"\nnext"]) == [False, False, False, True]


@pytest.fixture
def hmp() -> Iterator[HmpHarness]:
    harness = HmpHarness()
    yield harness
    harness.close()


def test_a_timeout_message_shows_the_end_of_the_output_only(
    hmp: HmpHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fuzz_harness, "TIMEOUT", 0.2)
    # A marker that never comes, after a megabyte of echo.
    with pytest.raises(AssertionError) as caught:
        hmp.chr.wait_for(b"never", lambda: hmp._main(hmp.chr.be_write, b"a" * 1000))
    message = str(caught.value)
    assert "monitor stopped serving" in message
    assert len(message) < 2000
    monkeypatch.undo()
    hmp.run(b"")


def test_an_exception_escaping_into_the_loop_fails_the_input(hmp: HmpHarness) -> None:
    def broken() -> None:
        raise ZeroDivisionError("from a callback")

    hmp._main(broken)
    with pytest.raises(AssertionError, match="ZeroDivisionError"):
        hmp.run(b"info status\r")
    # Reported once: the next input is judged on its own.
    hmp.run(b"info status\r")


def test_quit_starts_a_new_machine_for_the_next_input(hmp: HmpHarness) -> None:
    hmp.run(b"quit\r")
    assert hmp.quits == 1
    assert hmp.run(b"info status\r").endswith(b"(qemu) ")
