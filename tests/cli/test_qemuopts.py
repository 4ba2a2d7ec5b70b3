"""qmonitor.util.qemuopts: QemuOpts syntax, value parsers, chardev short forms and checks.

Texts marked as recorded come from tests/golden/cli/cases.json (real QEMU 7.2).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qmonitor.options.chardev_checks import (
    check_chardev,
    check_fd_number,
    translate_chardev_alias,
)
from qmonitor.options.chardev_compat import CompatParseError, chardev_parse_compat
from qmonitor.options.optlists import CHARDEV_OPTS, MON_OPTS, NAME_OPTS
from qmonitor.util.cutils import parse_bool, parse_number, parse_size
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


# -- values --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "result"),
    [("on", True), ("yes", True), ("true", True), ("y", True),
     ("off", False), ("no", False), ("false", False), ("n", False)],
)  # fmt: skip
def test_bool_values(value: str, result: bool) -> None:
    assert parse_bool("b", value) is result


@pytest.mark.parametrize("value", ["ON", "", "1", "maybe", "of"])
def test_bool_rejects(value: str) -> None:
    with pytest.raises(QemuOptsError) as info:
        parse_bool("server", value)
    assert info.value.message == "Parameter 'server' expects 'on' or 'off'"


@pytest.mark.parametrize(
    ("value", "result"),
    [("0", 0), ("42", 42), ("0x10", 16), ("010", 8), (" 5", 5), ("+3", 3),
     ("-1", 2**64 - 1), ("18446744073709551615", 2**64 - 1)],
)  # fmt: skip
def test_numbers(value: str, result: int) -> None:
    assert parse_number("n", value) == result


@pytest.mark.parametrize("value", ["", "08", "5 ", "abc", "1.0", "0x"])
def test_number_rejects(value: str) -> None:
    with pytest.raises(QemuOptsError) as info:
        parse_number("cols", value)
    assert info.value.message == "Parameter 'cols' expects a number"


def test_number_too_large() -> None:
    with pytest.raises(QemuOptsError) as info:
        parse_number("to", "18446744073709551616")
    assert info.value.message == "Value '18446744073709551616' is too large for parameter 'to'"


@pytest.mark.parametrize(
    ("value", "result"),
    [("64", 64), ("64b", 64), ("64B", 64), ("16k", 16384), ("16K", 16384), ("1M", 1 << 20),
     ("1.5M", 3 << 19), ("1.0", 1), (" 2G", 2 << 30), ("0x10", 16), ("1E", 1 << 60)],
)  # fmt: skip
def test_sizes(value: str, result: int) -> None:
    assert parse_size("size", value) == result


@pytest.mark.parametrize("value", ["abc", "1.5", "-1", "1e3", "1x", "", "0x1.5k"])
def test_size_rejects(value: str) -> None:
    with pytest.raises(QemuOptsError) as info:
        parse_size("size", value)
    assert info.value.message == "Parameter 'size' expects a non-negative number below 2^64"
    assert info.value.hint.endswith("and exabytes, respectively.\n")


def test_size_limits_and_hex_suffix() -> None:
    with pytest.raises(QemuOptsError) as info:
        parse_size("size", "16E")
    assert info.value.message == "Value '16E' is out of range for parameter 'size'"
    warnings: list[Diagnostic] = []
    assert parse_size("size", "0x10k", warnings) == 16384
    assert warnings == [
        Diagnostic("Using a multiplier suffix on hex numbers is deprecated: 0x10k", warning=True)
    ]


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


# -- chardev short forms ----------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "items"),
    [
        ("stdio", [("backend", "stdio")]),
        ("null", [("backend", "null")]),
        ("pty", [("backend", "pty")]),
        ("mon:stdio", [("mux", "on"), ("signal", "off"), ("backend", "stdio")]),
        ("mon:null", [("mux", "on"), ("backend", "null")]),
        ("file:/tmp/f", [("backend", "file"), ("path", "/tmp/f")]),
        ("pipe:/tmp/p", [("backend", "pipe"), ("path", "/tmp/p")]),
        ("pty:/dev/x", [("backend", "pty"), ("path", "/dev/x")]),
        (
            "unix:/p,server=on,wait=off",
            [("backend", "socket"), ("path", "/p"), ("server", "on"), ("wait", "off")],
        ),
        ("unix:/p,server,nowait", [("backend", "socket"), ("path", "/p"), ("server", "on"),
                                   ("wait", "off")]),
        ("unix:/a,,b", [("backend", "socket"), ("path", "/a,b")]),
        ("tcp:127.0.0.1:4444,server=on,wait=off",
         [("backend", "socket"), ("host", "127.0.0.1"), ("port", "4444"), ("server", "on"),
          ("wait", "off")]),
        ("tcp::4444", [("backend", "socket"), ("host", ""), ("port", "4444")]),
        ("tcp:h:1,host=other", [("backend", "socket"), ("host", "h"), ("port", "1"),
                                ("host", "other")]),
        ("tcp:h:1,id=x", [("backend", "socket"), ("host", "h"), ("port", "1")]),
        ("telnet::23,server=on", [("backend", "socket"), ("host", ""), ("port", "23"),
                                  ("server", "on"), ("telnet", "on")]),
        ("websocket::80", [("backend", "socket"), ("host", ""), ("port", "80"),
                           ("websocket", "on")]),
        ("tn3270::23", [("backend", "socket"), ("host", ""), ("port", "23"), ("tn3270", "on")]),
        # sscanf's %64[^:] stops at the first colon, even inside brackets.
        ("tcp:[::1]:4444", [("backend", "socket"), ("host", "["), ("port", ":1]:4444")]),
        ("udp:h:1", [("backend", "udp"), ("host", "h"), ("port", "1")]),
        ("udp::1@:2", [("backend", "udp"), ("host", ""), ("port", "1"), ("localaddr", ""),
                       ("localport", "2")]),
        ("vc", [("backend", "vc")]),
        ("vcxyz", [("backend", "vc")]),
        ("vc:80Cx24C", [("backend", "vc"), ("cols", "80"), ("rows", "24")]),
        ("vc:80Cx24", [("backend", "vc"), ("cols", "80"), ("rows", "24")]),
        ("vc:640x480", [("backend", "vc"), ("width", "640"), ("height", "480")]),
        ("con:", [("backend", "console")]),
        ("COM1", [("backend", "serial"), ("path", "COM1")]),
        ("/dev/ttyS0", [("backend", "serial"), ("path", "/dev/ttyS0")]),
        ("/dev/parport0", [("backend", "parallel"), ("path", "/dev/parport0")]),
        ("/dev/ppi0", [("backend", "parallel"), ("path", "/dev/ppi0")]),
        ("braille", [("backend", "braille")]),
    ],
)  # fmt: skip
def test_compat_forms(spec: str, items: list[tuple[str, str]]) -> None:
    group = OptsGroup(CHARDEV_OPTS)
    opts = chardev_parse_compat(group, "label", spec, True)
    assert opts.id == "label"
    assert opts.items == items
    assert group.entries == [opts]


@pytest.mark.parametrize(
    ("spec", "messages"),
    [
        ("bogus", ["'bogus' is not a valid char driver"]),
        ("none", ["'none' is not a valid char driver"]),
        ("mon:bogus", ["'bogus' is not a valid char driver"]),
        ("tcp:localhost", []),
        ("tcp:", []),
        ("tcp:h:", []),
        ("udp:h", []),
        ("udp:h:1@x", []),
        ("vc:abc", []),
        ("vc:80", []),
        ("unix:/p,bogus=1", ["Invalid parameter 'bogus'"]),
        ("tcp::1,server=maybe", ["Parameter 'server' expects 'on' or 'off'"]),
        ("unix:/p,help", ["Invalid parameter 'help'"]),
    ],
)
def test_compat_errors(spec: str, messages: list[str]) -> None:
    group = OptsGroup(CHARDEV_OPTS)
    with pytest.raises(CompatParseError) as info:
        chardev_parse_compat(group, "label", spec, True)
    assert [d.message for d in info.value.diagnostics] == messages
    assert group.entries == []


def test_compat_mon_prefix_needs_permission() -> None:
    with pytest.raises(CompatParseError) as info:
        chardev_parse_compat(OptsGroup(CHARDEV_OPTS), "qtest", "mon:stdio", False)
    assert [d.message for d in info.value.diagnostics] == ["mon: isn't supported in this context"]


def test_compat_duplicate_label() -> None:
    group = OptsGroup(CHARDEV_OPTS)
    group.parse("null,id=compat_monitor0", True)
    with pytest.raises(CompatParseError) as info:
        chardev_parse_compat(group, "compat_monitor0", "stdio", True)
    assert [d.message for d in info.value.diagnostics] == [
        "Duplicate ID 'compat_monitor0' for chardev"
    ]
    assert len(group.entries) == 1


def test_compat_long_port_is_cut_at_32_characters() -> None:
    port = "1" * 40
    opts = chardev_parse_compat(OptsGroup(CHARDEV_OPTS), "l", f"tcp::{port},server=on", True)
    # The rest of the port, and the options after it, are silently dropped.
    assert opts.items == [("backend", "socket"), ("host", ""), ("port", "1" * 32)]


# -- chardev checks ---------------------------------------------------------------


def check(params: str) -> str:
    opts = OptsGroup(CHARDEV_OPTS).parse(params, True)
    return check_chardev(opts, opts.get("backend"))


@pytest.mark.parametrize(
    "params",
    [
        "socket,id=c,path=/p,server=on,wait=off",
        "socket,id=c,path=/p",
        "socket,id=c,host=h,port=1,reconnect=5",
        "socket,id=c,server=on,wait=off",
        "socket,id=c,fd=3",
        "socket,id=c,fd= 3,server=on",
        "socket,id=c,path=/p,server=on,websocket=on,nodelay=on",
        "null,id=c,nodelay=on",
        "stdio,id=c,signal=off",
        "file,id=c,path=",
        "ringbuf,id=c,size=1k",
        "ringbuf,id=c",
        "udp,id=c,port=5",
        "mux,id=c,chardev=x",
        "vc,id=c",
    ],
)
def test_chardev_accepted(params: str) -> None:
    assert check(params) == "c"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ("socket,path=/p", "chardev: no id specified"),
        ("id=c", 'chardev: "c" missing backend'),
        ("foo,id=c", "'foo' is not a valid char driver name"),
        ("socket,id=c", "Unable to parse FD number "),
        ("socket,id=c,fd=-", "Unable to parse FD number -"),
        ("socket,id=c,fd=99999999999", "Unable to parse FD number 99999999999: "
         "Numerical result out of range"),
        ("socket,id=c,path=/p,fd=3", "None or one of 'path', 'fd' or 'host' option required."),
        ("socket,id=c,host=h", "chardev: socket: no port given"),
        ("socket,id=c,path=/p,delay=on,nodelay=off",
         "'delay' and 'nodelay' are mutually exclusive"),
        ("socket,id=c,path=/p,tls-creds=t", "No TLS credentials with id 't'"),
        ("socket,id=c,fd=3,reconnect=1",
         "'reconnect' option is incompatible with 'fd' address type"),
        ("socket,id=c,path=/p,tls-authz=a", "'tls_authz' option requires 'tls_creds' option"),
        ("socket,id=c,path=/p,server=on,reconnect=0",
         "'reconnect' option is incompatible with socket in server listen mode"),
        ("socket,id=c,host=h,port=1,websocket=on", "Websocket client is not implemented"),
        ("socket,id=c,path=/p,wait=on",
         "'wait' option is incompatible with socket in client connect mode"),
        ("file,id=c", "chardev: file: no filename given"),
        ("pipe,id=c", "chardev: pipe: no device path given"),
        ("serial,id=c", "chardev: serial/tty: no device path given"),
        ("parallel,id=c", "chardev: parallel: no device path given"),
        ("udp,id=c,port=", "chardev: udp: remote port not specified"),
        ("mux,id=c", "chardev: mux: no chardev given"),
        ("spicevmc,id=c", "chardev: spice channel: no name given"),
        ("spiceport,id=c", "chardev: spice port: no name given"),
        ("ringbuf,id=c,size=3", "size of ringbuf chardev must be power of two"),
        ("memory,id=c,size=96", "size of ringbuf chardev must be power of two"),
    ],
)  # fmt: skip
def test_chardev_rejected(params: str, message: str) -> None:
    with pytest.raises(QemuOptsError) as info:
        check(params)
    assert info.value.message == message


def test_chardev_help_lists_backends() -> None:
    with pytest.raises(QemuOptsHelp) as info:
        check("help")
    assert (info.value.text, info.value.status) == (GOLDEN["chardev_backends_help"]["stdout"], 0)


def test_aliases_warn_once() -> None:
    warned: set[str] = set()
    warnings: list[Diagnostic] = []
    assert translate_chardev_alias("tty", warned, warnings) == "serial"
    assert translate_chardev_alias("tty", warned, warnings) == "serial"
    assert translate_chardev_alias("parport", warned, warnings) == "parallel"
    assert translate_chardev_alias("null", warned, warnings) == "null"
    assert translate_chardev_alias(None, warned, warnings) is None
    assert [w.message for w in warnings] == [
        "The alias 'tty' is deprecated, use 'serial' instead",
        "The alias 'parport' is deprecated, use 'parallel' instead",
    ]
    assert all(w.warning for w in warnings)


@pytest.mark.parametrize(("text", "fd"), [("3", 3), (" 4", 4), ("+5", 5), ("-1", -1)])
def test_fd_numbers(text: str, fd: int) -> None:
    assert check_fd_number(text) == fd


def test_diagnostic_rendering() -> None:
    error = Diagnostic("bad", "hint line\n")
    assert error.render("q: -x y: ") == "q: -x y: bad\nhint line\n"
    assert Diagnostic("w", warning=True).render("q: ") == "q: warning: w\n"
