"""qmonitor.util.qemuopts: QemuOpts syntax, option groups, typed getters, diagnostics.

Texts marked as recorded come from tests/golden/cli/cases.json (real QEMU 7.2).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qmonitor.options.optlists import CHARDEV_OPTS, MON_OPTS, NAME_OPTS
from qmonitor.util.error import Diagnostic, QemuOptsError, QemuOptsHelp
from qmonitor.util.qemuopts import (
    OptDesc,
    OptsGroup,
    OptsListSpec,
    OptType,
    QemuOpts,
    id_wellformed,
)

GOLDEN = {
    case["name"]: case
    for case in json.loads(
        (Path(__file__).resolve().parent.parent / "golden/cli/cases.json").read_text()
    )["cases"]
}

TEST_LIST = OptsListSpec(
    "test",
    "first",
    (
        OptDesc("first", OptType.STRING),
        OptDesc("path", OptType.STRING),
        OptDesc("flag", OptType.BOOL),
        OptDesc("delay", OptType.BOOL),
        OptDesc("nodelay", OptType.BOOL),
        OptDesc("count", OptType.NUMBER),
        OptDesc("size", OptType.SIZE),
    ),
)


def parse(params: str, spec: OptsListSpec = TEST_LIST) -> tuple[QemuOpts, list[Diagnostic]]:
    warnings: list[Diagnostic] = []
    return OptsGroup(spec).parse(params, True, warnings), warnings


# -- syntax --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "items"),
    [
        ("a", [("first", "a")]),
        ("a,path=/p", [("first", "a"), ("path", "/p")]),
        ("path=/p,first=a", [("path", "/p"), ("first", "a")]),
        ("a,,b,path=x,,y,,", [("first", "a,b"), ("path", "x,y,")]),
        ("a,path=", [("first", "a"), ("path", "")]),
        (",path=p", [("first", ""), ("path", "p")]),
        ("a=b=c", [("a", "b=c")]),
        ("x,path=1,path=2", [("first", "x"), ("path", "1"), ("path", "2")]),
        ("x,", [("first", "x")]),
    ],
)
def test_items(params: str, items: list[tuple[str, str]]) -> None:
    spec = OptsListSpec("any", "first", ())
    opts, warnings = parse(params, spec)
    assert opts.items == items
    assert warnings == []


def test_last_value_wins() -> None:
    opts, _ = parse("x,path=1,path=2")
    assert opts.get("path") == "2"
    assert opts.as_dict() == {"first": "x", "path": "2"}
    assert opts.has("path") and not opts.has("flag")


def test_short_flags_warn() -> None:
    opts, warnings = parse("x,flag,nodelay,noflag")
    assert opts.items == [("first", "x"), ("flag", "on"), ("delay", "off"), ("flag", "off")]
    assert [w.render("P: L: ") for w in warnings] == [
        "P: L: warning: short-form boolean option 'flag' deprecated\nPlease use flag=on instead\n",
        "P: L: warning: short-form boolean option 'nodelay' deprecated\n"
        "Please use nodelay=on instead\n",
        "P: L: warning: short-form boolean option 'noflag' deprecated\n"
        "Please use flag=off instead\n",
    ]
    assert not opts.get_bool("flag", True)


def test_delay_flag_points_to_nodelay_off() -> None:
    _, warnings = parse("x,delay")
    assert warnings[0].hint == "Please use nodelay=off instead\n"


def test_first_option_is_never_a_flag() -> None:
    opts, warnings = parse("flag")
    assert opts.items == [("first", "flag")]
    assert warnings == []


def test_id_is_taken_out() -> None:
    group = OptsGroup(TEST_LIST)
    opts = group.parse("x,id=one,path=p", True)
    assert opts.id == "one"
    assert opts.items == [("first", "x"), ("path", "p")]
    # QEMU looks for the id before it knows about implied names, so a bare
    # first "id" is the flag id=on (recorded: "-chardev id" is named "on").
    quirk = group.parse("id,path=q", True)
    assert (quirk.id, quirk.items) == ("on", [("first", "id"), ("path", "q")])


def test_unknown_parameter_after_its_warning() -> None:
    warnings: list[Diagnostic] = []
    with pytest.raises(QemuOptsError) as info:
        OptsGroup(TEST_LIST).parse("x,bogus", True, warnings)
    assert info.value.message == "Invalid parameter 'bogus'"
    assert len(warnings) == 1


def test_help_flag() -> None:
    with pytest.raises(QemuOptsHelp) as info:
        OptsGroup(CHARDEV_OPTS).parse("null,help", True)
    assert (info.value.text, info.value.status) == (GOLDEN["chardev_options_help"]["stdout"], 1)
    with pytest.raises(QemuOptsHelp) as info:
        OptsGroup(MON_OPTS).parse("c,?", True)
    assert info.value.text == GOLDEN["mon_options_help"]["stdout"]
    with pytest.raises(QemuOptsHelp) as info:
        OptsGroup(NAME_OPTS).parse("x,help", True)
    assert info.value.text == GOLDEN["name_options_help"]["stdout"]


def test_help_without_noise_is_a_parameter() -> None:
    with pytest.raises(QemuOptsError) as info:
        OptsGroup(CHARDEV_OPTS).parse("null,help", True, noisily=False)
    assert info.value.message == "Invalid parameter 'help'"
    accepts_any = OptsGroup(OptsListSpec("any", "a", ()))
    assert accepts_any.parse("x,help", True).get("help") == "on"


def test_ids() -> None:
    group = OptsGroup(TEST_LIST)
    group.parse("x,id=a", True)
    with pytest.raises(QemuOptsError) as info:
        group.parse("y,id=a", True)
    assert info.value.message == "Duplicate ID 'a' for test"
    with pytest.raises(QemuOptsError) as info:
        group.parse("y,id=-a", True)
    assert info.value.message == "Parameter 'id' expects an identifier"
    assert info.value.hint.startswith("Identifiers consist of letters")
    # A failed parse leaves no group behind.
    with pytest.raises(QemuOptsError):
        group.parse("y,id=b,bogus=1", True)
    assert group.find("b") is None


@pytest.mark.parametrize(
    ("ident", "ok"),
    [("a", True), ("A-b.c_9", True), ("1a", False), ("", False), ("a b", False), ("é", False)],
)
def test_id_wellformed(ident: str, ok: bool) -> None:
    assert id_wellformed(ident) is ok


def test_merge_lists() -> None:
    group = OptsGroup(NAME_OPTS)
    first = group.parse("a,process=p", True)
    second = group.parse("guest=b", True)
    assert first is second
    assert first.get("guest") == "b" and first.get("process") == "p"
    with pytest.raises(QemuOptsError) as info:
        group.parse("c,id=x", True)
    assert info.value.message == "Invalid parameter 'id'"


def test_typed_options_are_checked_when_set() -> None:
    with pytest.raises(QemuOptsError) as info:
        parse("x,count=abc")
    assert info.value.message == "Parameter 'count' expects a number"
    opts, _ = parse("x,count=0x20,size=2k,flag=yes")
    assert (opts.get_number("count", 0), opts.get_size("size", 0)) == (32, 2048)
    assert opts.get_bool("flag", False)
    assert (opts.get_number("missing", 7), opts.get_bool("delay", True)) == (7, True)


def test_defaults_come_from_the_description() -> None:
    opts = OptsGroup(CHARDEV_OPTS).parse("socket,id=c,path=/p", True)
    assert opts.get("tight") == "on" and not opts.has("tight")
    assert opts.get_bool("tight", False)


def test_diagnostic_rendering() -> None:
    error = Diagnostic("bad", "hint line\n")
    assert error.render("q: -x y: ") == "q: -x y: bad\nhint line\n"
    assert Diagnostic("w", warning=True).render("q: ") == "q: warning: w\n"
