"""qmonitor.options.chardev_compat and chardev_checks: chardev short forms and checks.

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
from qmonitor.options.optlists import CHARDEV_OPTS
from qmonitor.util.error import Diagnostic, QemuOptsError, QemuOptsHelp
from qmonitor.util.qemuopts import (
    OptsGroup,
)

GOLDEN = {
    case["name"]: case
    for case in json.loads(
        (Path(__file__).resolve().parent.parent / "golden/cli/cases.json").read_text()
    )["cases"]
}

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
