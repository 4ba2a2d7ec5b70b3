"""Which local display QEMU 7.2 starts, and whether it can start in this environment.

QEMU resolves ``-display default`` (or no ``-display``) with the default
devices: a remote display (``-vnc``, ``-display vnc=``, a ``[vnc]``
section, ``-spice``) means none; otherwise the first of GTK, SDL and Cocoa
the build has (ui/console.c: qemu_display_find_default).  Debian's
qemu-system-gui has GTK and SDL, which ``-display help`` lists
(:data:`qmonitor.util.keyval.DISPLAY_TYPES`, recorded), so the default is
GTK.  Without a display server GTK's early initialisation fails quietly and
QEMU exits once the machine is made (:data:`GTK_INIT_FAILED`); SDL fails then
too, with SDL's reason; ``-nographic`` and ``-display none`` start.

A display "works" here when the environment names a server that answers:
an X server through ``$DISPLAY`` (a local one is looked for on its unix
socket, as Xlib connects), a Wayland compositor through
``$WAYLAND_DISPLAY``; ``$GDK_BACKEND`` and ``$SDL_VIDEODRIVER`` narrow the
choice as they do for GTK and SDL.  qmonitor shows nothing either way: a
display that works runs as ``none`` would.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from qmonitor.util.keyval import DISPLAY_TYPES

#: ui/console.c: qemu_display_find_default's order of preference.
DEFAULT_PRIORITY: Final = ("gtk", "sdl", "cocoa")
#: ui/gtk.c: gtk_display_init when gtk_init_check had failed (printed as is, exit 1).
GTK_INIT_FAILED: Final = "gtk initialization failed"
#: ui/sdl2.c: sdl2_display_init when SDL_Init fails (printed as is, exit 1).
SDL_INIT_FAILED: Final = "Could not initialize SDL({}) - exiting"
#: SDL 2's SDL_GetError() for a video driver ($SDL_VIDEODRIVER) it could not start.
SDL_NOT_AVAILABLE: Final = "{} not available"
#: libwayland's complaint (on stderr) when it has no runtime folder to look in.
WAYLAND_NO_RUNTIME_DIR: Final = "error: XDG_RUNTIME_DIR is invalid or not set in the environment."
#: ui/egl-helpers.c (-display egl-headless): no DRM render node to draw with.
EGL_NO_RENDER_NODE: Final = "egl: no drm render node available"
EGL_INIT_FAILED: Final = "egl: render node init failed"
#: ui/dbus.c (-display dbus): the session bus, which D-Bus autolaunches only under X11.
DBUS_CONNECT_FAILED: Final = "failed to connect to DBus: {}"
DBUS_NO_AUTOLAUNCH: Final = "Cannot autolaunch D-Bus without X11 $DISPLAY"
#: SDL 2's video drivers in Debian's build that need no display server.
_SDL_HEADLESS: Final = ("dummy", "offscreen", "evdev")
#: The displays whose early initialisation turns OpenGL on without a display server.
_OPENGL_EARLY: Final = ("sdl", "egl-headless", "dbus", "spice-app")
#: Where DRM render nodes are.
_DRI: Final = "/dev/dri"
#: Where a local X server listens (Xlib's path; Linux also has it as an abstract name).
_X11_SOCKET: Final = "/tmp/.X11-unix/X{}"


def default_display(remote: bool) -> str:
    """The display ``-display default`` becomes: ``none`` beside a remote display."""
    if remote:
        return "none"
    return next((kind for kind in DEFAULT_PRIORITY if kind in DISPLAY_TYPES), "none")


def _connects(address: str) -> bool:
    """Whether a unix socket accepts a connection (the peer sees it open and close)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        try:
            sock.connect(address)
        except OSError:
            return False
    return True


def x11_reachable(environ: Mapping[str, str]) -> bool:
    """Whether Xlib would reach an X server through ``$DISPLAY``.

    ``[host]:N[.S]``: a local one (no host, or ``unix``) is tried on its
    abstract socket, then on its file; a remote one is taken to answer.
    """
    spec = environ.get("DISPLAY", "")
    m = re.fullmatch(r"(.*):(\d+)(\.\d+)?", spec)
    if m is None:
        return False
    host, number = m.group(1), m.group(2)
    if host not in ("", "unix"):
        return True
    path = _X11_SOCKET.format(number)
    return _connects("\0" + path) or _connects(path)


def wayland_reachable(environ: Mapping[str, str]) -> bool:
    """Whether libwayland would reach a compositor (``$WAYLAND_DISPLAY``, else wayland-0)."""
    name = environ.get("WAYLAND_DISPLAY") or "wayland-0"
    if not name.startswith("/"):
        runtime = environ.get("XDG_RUNTIME_DIR")
        if not runtime:
            return False
        name = os.path.join(runtime, name)
    return _connects(name)


def gtk_works(environ: Mapping[str, str]) -> bool:
    """gtk_init_check(): GDK opens a Wayland or X11 display ($GDK_BACKEND may restrict)."""
    allowed = environ.get("GDK_BACKEND", "*").split(",")
    wayland = "*" in allowed or "wayland" in allowed
    x11 = "*" in allowed or "x11" in allowed
    return (wayland and wayland_reachable(environ)) or (x11 and x11_reachable(environ))


def sdl_error(environ: Mapping[str, str]) -> str | None:
    """What SDL_Init prints and fails with for QEMU's SDL display; None when it would start.

    QEMU sets ``$SDL_VIDEODRIVER`` to ``x11`` unless it is set.
    """
    driver = environ.get("SDL_VIDEODRIVER") or "x11"
    if driver in _SDL_HEADLESS:
        return None
    if driver == "x11" and x11_reachable(environ):
        return None
    if driver == "wayland":
        failed = SDL_INIT_FAILED.format(SDL_NOT_AVAILABLE.format(driver))
        absolute = environ.get("WAYLAND_DISPLAY", "").startswith("/")
        if not environ.get("XDG_RUNTIME_DIR") and not absolute:
            return f"{WAYLAND_NO_RUNTIME_DIR}\n{failed}"
        if wayland_reachable(environ):
            return None
    return SDL_INIT_FAILED.format(SDL_NOT_AVAILABLE.format(driver))


def init_errors(
    kind: str, options: Mapping[str, object], environ: Mapping[str, str] | None = None
) -> list[str]:
    """The errors of egl-headless's and dbus's initialisation (each a line QEMU prefixes).

    ``options``: the ``-display`` option's members.  egl-headless needs a
    DRM render node (``rendernode=``, else any in /dev/dri); dbus (unless
    ``p2p=on`` or ``addr=``) a session bus, which without
    ``$DBUS_SESSION_BUS_ADDRESS`` is autolaunched only under X11.
    """
    env = os.environ if environ is None else environ
    rendernode = options.get("rendernode")
    if kind == "egl-headless":
        if isinstance(rendernode, str):
            found = os.path.exists(rendernode)
        else:
            try:
                found = any(name.startswith("renderD") for name in os.listdir(_DRI))
            except OSError:
                found = False
        return [] if found else [EGL_NO_RENDER_NODE, EGL_INIT_FAILED]
    private = options.get("p2p") in ("on", "yes", "true", "y", True) or "addr" in options
    bus = env.get("DBUS_SESSION_BUS_ADDRESS") or env.get("DISPLAY")
    if kind == "dbus" and not private and not bus:
        return [DBUS_CONNECT_FAILED.format(DBUS_NO_AUTOLAUNCH)]
    return []


def has_opengl(kind: str, environ: Mapping[str, str] | None = None) -> bool:
    """display_opengl once the display's early initialisation ran (qemu_create_early_backends).

    GTK turns OpenGL on only once GTK started; SDL asks for it before it
    starts; ``none`` and curses have none.
    """
    env = os.environ if environ is None else environ
    if kind == "gtk":
        return gtk_works(env)
    return kind in _OPENGL_EARLY


@dataclass(frozen=True, slots=True)
class DisplayFailure:
    """What QEMU prints as a display fails to start (then it exits 1)."""

    lines: tuple[str, ...]
    #: Printed with error_report's prefix (egl, dbus), else as they are (GTK, SDL).
    prefixed: bool


def display_init_error(
    kind: str, options: Mapping[str, object] | None = None, environ: Mapping[str, str] | None = None
) -> DisplayFailure | None:
    """qemu_init_displays(): how the local display ``kind`` fails to start here; None: it starts.

    ``options``: the ``-display`` option's members.  A display that starts
    shows nothing (the null machine has no screen).
    """
    env = os.environ if environ is None else environ
    if kind == "gtk":
        return None if gtk_works(env) else DisplayFailure((GTK_INIT_FAILED,), False)
    if kind == "sdl":
        text = sdl_error(env)
        return None if text is None else DisplayFailure(tuple(text.split("\n")), False)
    lines = init_errors(kind, options or {}, env)
    return DisplayFailure(tuple(lines), True) if lines else None
