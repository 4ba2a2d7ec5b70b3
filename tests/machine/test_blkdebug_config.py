"""blkdebug config files read as QEMU 7.2's config parser and blkdebug's add_rule read them.

tests/golden/block/blkdebug_config.json holds QEMU's answers to
blockdev-add with each config text (tools/record_blkdebug_config.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from qmonitor.machine.block.blkdebug_config import parse_blkdebug_config
from qmonitor.qapi.error import QapiError

RECORDED: list[dict[str, Any]] = json.loads(
    (Path(__file__).resolve().parent.parent / "golden/block/blkdebug_config.json").read_text()
)["cases"]


@pytest.mark.parametrize("case", RECORDED, ids=[repr(c["text"])[:40] for c in RECORDED])
def test_as_qemu_answered(case: dict[str, Any]) -> None:
    if case["error"] is None:
        parse_blkdebug_config(case["text"])
    else:
        assert _error(case["text"]) == case["error"]


def _error(text: str) -> str:
    with pytest.raises(QapiError) as info:
        parse_blkdebug_config(text)
    return info.value.desc


def test_empty_and_comment_only_files_have_no_rules() -> None:
    assert parse_blkdebug_config("") == []
    assert parse_blkdebug_config("# nothing\n\n") == []


def test_rules_inject_error_first() -> None:
    text = (
        '[set-state]\nevent = "read_aio"\nnew_state = "2"\n'
        '[inject-error]\nevent = "write_aio"\nerrno = "28"\nonce = "on"\niotype = "write"\n'
    )
    rules = parse_blkdebug_config(text)
    assert [(r.action, r.event) for r in rules] == [
        ("inject-error", "write_aio"),
        ("set-state", "read_aio"),
    ]
    assert rules[0].options == {
        "errno": 28,
        "once": True,
        "immediately": False,
        "sector": -1,
        "iotype": "write",
    }
    assert rules[1].options == {"new_state": 2} and rules[1].state == 0


def test_a_bare_word_is_an_option_with_an_empty_value() -> None:
    # sscanf(" %63s = \"\"") counts the word even when the rest does not match.
    assert _error('[inject-error]\nevent = "read_aio"\nbogus\n') == "Invalid parameter 'bogus'"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("   \n", "parse error"),
        ('event = "read_aio"\n', "no group defined"),
        ("[nope]\n", "There is no option group 'nope'"),
        ('[inject-error]\nx = "1"\n', "Invalid parameter 'x'"),
        ("[inject-error]\n", "Missing event name for rule"),
        ('[inject-error]\nevent = "nope"\n', "invalid parameter value: nope"),
        ('[inject-error]\nevent = "read_aio"\niotype = "x"\n', "invalid parameter value: x"),
        ('[set-state]\nevent = "read_aio"\nstate = "x"\n', "Parameter 'state' expects a number"),
        (
            '[inject-error]\nevent = "read_aio"\nonce = "x"\n',
            "Parameter 'once' expects 'on' or 'off'",
        ),
        ('[inject-error "1a"]\n', "Parameter 'id' expects an identifier"),
        ('[inject-error "a"]\n[inject-error "a"]\n', "Duplicate ID 'a' for inject-error"),
    ],
)
def test_errors(text: str, error: str) -> None:
    assert _error(text) == error
