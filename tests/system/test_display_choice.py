"""The local display QEMU picks, and what happens when it cannot start.

Recorded in tests/golden/cli/display.json.

Each recorded command line runs as a qmonitor process with the recorded
environment (no display server, or one that does not answer): the same
exit status, stdout and stderr as QEMU 7.2, and whether it kept running.
The rest checks :mod:`qmonitor.options.display`'s view of the environment
against servers a test starts (a unix socket where Xlib or libwayland
would connect).
"""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from qmonitor.options.cmdline import CmdlineError, parse_args
from qmonitor.options.display import (
    GTK_INIT_FAILED,
    DisplayFailure,
    default_display,
    display_init_error,
    gtk_works,
    has_opengl,
    sdl_error,
    wayland_reachable,
    x11_reachable,
)
from qmonitor_testsupport import REPO
from qmonitor_testsupport.cli_cases_display import DISPLAY_CASES, run_display_case

GOLDEN = json.loads((REPO / "tests" / "golden" / "cli" / "display.json").read_text())
CASES = {case["name"]: case for case in GOLDEN["cases"]}
PROG = "qemu-system-x86_64"
_VERSION = GOLDEN["version"]
IDENTITY = [
    "-qmonitor-version",
    _VERSION.split()[3],
    "-qmonitor-package",
    _VERSION[_VERSION.index("(") + 1 : -1],
]


def test_recordings_match_the_cases() -> None:
    recorded = {name: (case["argv"], case["env"]) for name, case in CASES.items()}
    wanted = {name: (argv, env) for name, argv, env in DISPLAY_CASES}
    assert recorded.items() <= wanted.items()
    # A case QEMU answered two ways is left out: few may be.
    assert len(recorded) >= len(wanted) - 3
    assert sum(not c["started"] for c in CASES.values()) >= 15
    assert sum(c["started"] for c in CASES.values()) >= 5


def _without_build_noise(stderr: str) -> str:
    return "".join(line for line in stderr.splitlines(True) if not line.startswith("qemu: module "))


def _differs(name: str) -> str | None:
    case = CASES[name]
    # Python starts slower than QEMU (seconds on a loaded machine): one that should
    # fail gets long to do so, one that should start is taken as started sooner.
    seconds = 6.0 if case["started"] else 30.0
    got = run_display_case(
        [sys.executable, "-m", "qmonitor", *IDENTITY], case["argv"], case["env"], seconds
    )
    got["stderr"] = got["stderr"].replace("qmonitor:", f"{PROG}:")
    want = {k: case[k] for k in ("started", "status", "stdout", "stderr")}
    want["stderr"] = _without_build_noise(want["stderr"])
    if got["started"] and want["started"]:
        # What a running QEMU wrote before it was killed is not compared.
        got["stdout"], want["stdout"] = "", ""
    return None if got == want else f"{name}: want {want}, got {got}"


def test_qmonitor_starts_or_fails_as_qemu() -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        found = [d for d in pool.map(_differs, sorted(CASES)) if d is not None]
    assert found == []


@pytest.fixture
def listening(tmp_path: Path) -> Iterator[Any]:
    """Make unix listeners (a path, or an abstract name starting with NUL); closed at the end."""
    socks: list[socket.socket] = []

    def listen(address: str) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(address)
        sock.listen(4)
        socks.append(sock)

    yield listen
    for sock in socks:
        sock.close()


def test_default_display_is_gtk_unless_remote() -> None:
    assert default_display(False) == "gtk"
    assert default_display(True) == "none"


def test_no_server_means_gtk_and_sdl_fail() -> None:
    assert not gtk_works({})
    assert display_init_error("gtk", {}, {}) == DisplayFailure((GTK_INIT_FAILED,), False)
    sdl = "Could not initialize SDL(x11 not available) - exiting"
    assert display_init_error("sdl", {}, {}) == DisplayFailure((sdl,), False)
    assert display_init_error("none", {}, {}) is None
    dbus = "failed to connect to DBus: Cannot autolaunch D-Bus without X11 $DISPLAY"
    assert display_init_error("dbus", {}, {}) == DisplayFailure((dbus,), True)
    assert display_init_error("dbus", {"p2p": "on"}, {}) is None
    assert display_init_error("dbus", {}, {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}) is None
    egl = display_init_error("egl-headless", {"rendernode": "/nonexistent"}, {})
    assert egl == DisplayFailure(
        ("egl: no drm render node available", "egl: render node init failed"), True
    )
    assert display_init_error("egl-headless", {"rendernode": "/dev/null"}, {}) is None
    assert not has_opengl("gtk", {}) and has_opengl("sdl", {}) and not has_opengl("none", {})


def test_an_x_server_that_answers(listening: Any) -> None:
    number = 7000 + os.getpid() % 1000
    env = {"DISPLAY": f":{number}.0"}
    assert not x11_reachable(env)
    listening(f"\0/tmp/.X11-unix/X{number}")
    assert x11_reachable(env) and x11_reachable({"DISPLAY": f"unix:{number}"})
    assert gtk_works(env) and display_init_error("gtk", {}, env) is None
    assert sdl_error(env) is None
    assert not gtk_works({**env, "GDK_BACKEND": "wayland"})
    assert x11_reachable({"DISPLAY": "otherhost:0"})  # a remote server is not looked for
    assert not x11_reachable({"DISPLAY": "garbage"})


def test_a_wayland_compositor_that_answers(listening: Any, tmp_path: Path) -> None:
    env = {"XDG_RUNTIME_DIR": str(tmp_path), "WAYLAND_DISPLAY": "w-1"}
    assert not wayland_reachable(env)
    listening(str(tmp_path / "w-1"))
    assert wayland_reachable(env) and gtk_works(env)
    assert not gtk_works({**env, "GDK_BACKEND": "x11"})
    assert not wayland_reachable({"WAYLAND_DISPLAY": "w-1"})  # no runtime folder
    assert wayland_reachable({"WAYLAND_DISPLAY": str(tmp_path / "w-1")})
    assert sdl_error({**env, "SDL_VIDEODRIVER": "wayland"}) is None
    assert sdl_error({"SDL_VIDEODRIVER": "dummy"}) is None
    failed = "Could not initialize SDL({} not available) - exiting"
    assert sdl_error({"SDL_VIDEODRIVER": "bogus"}) == failed.format("bogus")
    assert sdl_error({"SDL_VIDEODRIVER": "wayland"}) == (
        "error: XDG_RUNTIME_DIR is invalid or not set in the environment.\n"
        + failed.format("wayland")
    )


@pytest.mark.parametrize(
    ("argv", "display"),
    [
        ([], "gtk"),
        (["-display", "default"], "gtk"),
        (["-display", "sdl"], "sdl"),
        (["-nographic"], "none"),
        (["-vnc", "unix:/nonexistent/v"], "none"),
        (["-display", "vnc=unix:/nonexistent/v"], "none"),
        (["-vnc", "unix:/nonexistent/v", "-display", "gtk"], "gtk"),
        (["-spice", "unix=on,addr=/nonexistent/s,disable-ticketing=on"], "none"),
    ],
)
def test_the_display_chosen(argv: list[str], display: str) -> None:
    config = parse_args(["-M", "none", "-nodefaults", *argv], PROG)
    assert config.display == display


def test_a_vnc_section_is_a_remote_display(tmp_path: Path) -> None:
    cfg = tmp_path / "vnc.cfg"
    cfg.write_text('[vnc]\n  vnc = "unix:/nonexistent/v"\n')
    config = parse_args(["-M", "none", "-nodefaults", "-readconfig", str(cfg)], PROG)
    assert config.display == "none"


def test_display_vnc_takes_vnc_options() -> None:
    with pytest.raises(CmdlineError) as info:
        parse_args(["-M", "none", "-display", "vnc=:0,bogus=1"], PROG)
    assert info.value.message == f"{PROG}: -display vnc=:0,bogus=1: Invalid parameter 'bogus'\n"
