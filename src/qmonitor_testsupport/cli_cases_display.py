"""Command lines whose outcome depends on the local display QEMU picks, and the environment.

QEMU 7.2 without ``-display`` starts GTK (Debian's build), which fails once
the machine is made when no display server answers; ``-nographic``,
``-display none`` and a remote display (VNC, SPICE) start anyway.  Each case
runs with a controlled environment: the display variables below are taken
out of the caller's and the case's own are put in (``{tmp}`` is the case's
folder).  ``tools/record_cli_display.py`` records them from QEMU into
tests/golden/cli/display.json; tests/system/test_display_choice.py runs
qmonitor the same way.
"""

from __future__ import annotations

import os
from typing import Any

from qmonitor_testsupport.cli_fuzz_cases import STARTUP_SECONDS, run_exit_case

#: The environment variables a display looks at: unset unless a case sets them.
DISPLAY_VARIABLES = (
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "GDK_BACKEND",
    "SDL_VIDEODRIVER",
    "XDG_RUNTIME_DIR",
    "DBUS_SESSION_BUS_ADDRESS",
)
#: No display server at all, and one named that does not answer.
NO_SERVER: dict[str, str] = {}
DEAD_X = {"DISPLAY": ":99"}
DEAD_WAYLAND = {"WAYLAND_DISPLAY": "wayland-9", "XDG_RUNTIME_DIR": "{tmp}"}

NONE = ["-M", "none"]
QUIET = ["-M", "none", "-nodefaults"]

#: (name, arguments, environment).
DISPLAY_CASES: list[tuple[str, list[str], dict[str, str]]] = [
    # no -display: the build's first local display, GTK
    ("default_pc", ["-M", "pc", "-S"], NO_SERVER),
    ("default_pc_nodefaults", ["-M", "pc", "-nodefaults", "-S"], NO_SERVER),
    ("default_none", NONE, NO_SERVER),
    ("default_none_nodefaults", QUIET, NO_SERVER),
    ("default_dead_x", QUIET, DEAD_X),
    ("default_dead_wayland", QUIET, DEAD_WAYLAND),
    ("default_dead_x_gdk_x11", QUIET, {**DEAD_X, "GDK_BACKEND": "x11"}),
    ("display_default", [*QUIET, "-display", "default"], NO_SERVER),
    ("display_gtk", [*QUIET, "-display", "gtk"], NO_SERVER),
    ("display_gtk_full", [*QUIET, "-display", "gtk,full-screen=on,show-tabs=on"], NO_SERVER),
    ("display_sdl", [*QUIET, "-display", "sdl"], NO_SERVER),
    ("display_sdl_dead_x", [*QUIET, "-display", "sdl"], DEAD_X),
    ("display_sdl_dummy", [*QUIET, "-display", "sdl"], {"SDL_VIDEODRIVER": "dummy"}),
    ("display_sdl_bogus_driver", [*QUIET, "-display", "sdl"], {"SDL_VIDEODRIVER": "bogus"}),
    ("display_sdl_wayland", [*QUIET, "-display", "sdl"], {"SDL_VIDEODRIVER": "wayland"}),
    ("display_egl_headless", [*QUIET, "-display", "egl-headless"], NO_SERVER),
    (
        "display_egl_headless_node",
        [*QUIET, "-display", "egl-headless,rendernode=/nonexistent"],
        NO_SERVER,
    ),
    ("display_dbus", [*QUIET, "-display", "dbus"], NO_SERVER),
    ("display_dbus_after_chardev", [*QUIET, "-display", "dbus", "-chardev", "bogus"], NO_SERVER),
    ("display_egl_stdio", [*QUIET, "-display", "egl-headless", "-qmp", "stdio"], NO_SERVER),
    (
        "display_sdl_wayland_runtime",
        [*QUIET, "-display", "sdl"],
        {**DEAD_WAYLAND, "SDL_VIDEODRIVER": "wayland"},
    ),
    ("nographic_after_gtk", [*QUIET, "-display", "gtk", "-nographic"], NO_SERVER),
    # what starts without a display server
    ("display_none", [*QUIET, "-display", "none"], NO_SERVER),
    ("nographic", ["-M", "none", "-nographic"], NO_SERVER),
    ("nographic_pc", ["-M", "pc", "-nodefaults", "-nographic", "-S"], NO_SERVER),
    ("vnc", [*QUIET, "-vnc", "unix:{tmp}/vnc.sock"], NO_SERVER),
    ("display_vnc", [*QUIET, "-display", "vnc=unix:{tmp}/vnc.sock"], NO_SERVER),
    ("display_vnc_bad", [*QUIET, "-display", "vnc=unix:{tmp}/vnc.sock,bogus=1"], NO_SERVER),
    ("vnc_then_gtk", [*QUIET, "-vnc", "unix:{tmp}/vnc.sock", "-display", "gtk"], NO_SERVER),
    ("vnc_then_default", [*QUIET, "-vnc", "unix:{tmp}/v.sock", "-display", "default"], NO_SERVER),
    (
        "spice",
        [*QUIET, "-spice", "unix=on,addr={tmp}/spice.sock,disable-ticketing=on"],
        NO_SERVER,
    ),
    # OpenGL: GTK turns it on only once started, SDL before
    ("gtk_gl", [*QUIET, "-display", "gtk,gl=on"], NO_SERVER),
    ("default_gl", [*QUIET, "-display", "default,gl=on"], NO_SERVER),
    ("sdl_gl", [*QUIET, "-display", "sdl,gl=on"], NO_SERVER),
    ("curses_gl", [*QUIET, "-display", "curses,gl=on"], NO_SERVER),
    ("egl_headless_gl", [*QUIET, "-display", "egl-headless,gl=on"], NO_SERVER),
    ("none_window_close", [*QUIET, "-display", "none,window-close=off"], NO_SERVER),
    ("gtk_window_close", [*QUIET, "-display", "gtk,window-close=off"], NO_SERVER),
    # when the display fails: after the machine, -loadvm and -incoming
    ("gtk_after_loadvm", [*QUIET, "-loadvm", "x"], NO_SERVER),
    ("gtk_after_device", ["-M", "pc", "-nodefaults", "-S", "-device", "bogus"], NO_SERVER),
    ("gtk_after_cpu", ["-M", "pc", "-nodefaults", "-S", "-cpu", "bogus"], NO_SERVER),
    ("gtk_incoming_defer", [*QUIET, "-incoming", "defer"], NO_SERVER),
    ("gtk_preconfig", [*QUIET, "--preconfig"], NO_SERVER),
    # QEMU's stdio greeting races the failure: on -M none the failure mostly wins,
    # once a PC's board is being made the greeting always does.
    ("gtk_qmp_stdio_pc", ["-M", "pc", "-nodefaults", "-S", "-qmp", "stdio"], NO_SERVER),
    ("gtk_hmp_stdio", [*QUIET, "-monitor", "stdio"], NO_SERVER),
    ("gtk_qmp_socket", [*QUIET, "-qmp", "unix:{tmp}/q.sock,server=on,wait=off"], NO_SERVER),
    ("gtk_daemonize", [*QUIET, "-daemonize", "-pidfile", "{tmp}/p"], NO_SERVER),
    ("gtk_chroot", [*QUIET, "-chroot", "/nonexistent"], NO_SERVER),
]


def case_environment(env: dict[str, str], tmp: str) -> dict[str, str]:
    """The caller's environment less :data:`DISPLAY_VARIABLES`, plus the case's."""
    out = {k: v for k, v in os.environ.items() if k not in DISPLAY_VARIABLES}
    out.update({k: v.replace("{tmp}", tmp) for k, v in env.items()})
    return out


def run_display_case(
    cmd: list[str], argv: list[str], env: dict[str, str], seconds: float = STARTUP_SECONDS
) -> dict[str, Any]:
    """Run ``cmd argv`` in a fresh folder with the case's environment; what it did.

    A process still running after ``seconds`` is killed and counted as
    started; so is a daemon its pidfile names.
    """
    return run_exit_case(
        cmd,
        argv,
        seconds=seconds,
        environ=lambda tmp: case_environment(env, tmp),
        errors="replace",
    )
