"""util/keyval.c, the command line's one keyval parser, and DisplayOptions.

QEMU 7.2 parses ``-machine``, ``-display`` and ``-audiodev`` with keyval (an
implied first key, dotted keys, ``help``), not QemuOpts, and visits
``-display``'s result as DisplayOptions; the texts are util/keyval.c's and
the QAPI input visitor's.  Keyval ends the implied first value at the first
comma (``none,,x`` is ``none`` and then an empty key), where QemuOpts reads
``,,`` as a comma; ``-object`` is QemuOpts in 7.2 (recorded in
tests/golden/cli/cases.json).
"""

from __future__ import annotations

import re

from qmonitor.util.cutils import parse_bool
from qmonitor.util.error import QemuOptsError
from qmonitor.util.qemuopts import is_help_option
from qmonitor.util.texts import (
    ENUM_VALUE,
    EXPECTED_EQUALS,
    HELP_NOT_AVAILABLE,
    INVALID_PARAMETER,
    MISSING_PARAMETER,
    UNEXPECTED_PARAMETER,
    USED_INCONSISTENTLY,
)

#: DisplayType in QEMU 7.2's Debian build, and what ``-display help`` prints.
DISPLAY_TYPES = ("default", "none", "gtk", "sdl", "egl-headless", "curses", "spice-app", "dbus")
DISPLAY_HELP_TEXT = "Available display backend types:\n" + "".join(
    f"{name}\n" for name in DISPLAY_TYPES[1:]
)
_DISPLAY_COMMON = (("full-screen", "bool"), ("window-close", "bool"), ("show-cursor", "bool"),
                   ("gl", "gl"))  # fmt: skip
_DISPLAY_VARIANT: dict[str, tuple[tuple[str, str], ...]] = {
    "gtk": (("grab-on-hover", "bool"), ("zoom-to-fit", "bool"), ("show-tabs", "bool"),
            ("show-menubar", "bool")),
    "curses": (("charset", "str"),),
    "egl-headless": (("rendernode", "str"),),
    "dbus": (("rendernode", "str"), ("addr", "str"), ("p2p", "bool"), ("audiodev", "str")),
    "sdl": (("grab-mod", "grab-mod"),),
}  # fmt: skip
_DISPLAY_ENUMS = {"gl": ("off", "on", "core", "es"), "grab-mod": ("lshift-lctrl-lalt", "rctrl")}


def _qapi_name_length(text: str) -> int:
    m = re.match(r"[A-Za-z][A-Za-z0-9_-]*", text)
    return m.end() if m else 0


def keyval_parse(
    params: str, implied_key: str | None, help_allowed: bool = True
) -> tuple[dict[str, str], bool]:
    """Parse ``key=value,...`` into flat dotted keys; returns (values, help wanted).

    The first parameter may omit ``implied_key=`` (its value then ends at the
    first comma, with no ``,,`` escape) unless ``implied_key`` is None;
    ``help`` or ``?`` alone asks for help (an error unless ``help_allowed``).
    """
    values: dict[str, str] = {}
    want_help = False
    pos = 0
    first = True
    n = len(params)
    while pos < n:
        length = 0
        while pos + length < n and params[pos + length] not in "=,":
            length += 1
        bare = length and (pos + length >= n or params[pos + length] != "=")
        if bare and is_help_option(params[pos : pos + length]):
            want_help = True
            pos += length + 1
            first = False
            continue
        if bare and first and implied_key is not None:
            keyval_put(values, implied_key, params[pos : pos + length])
            pos += length + 1
            first = False
            continue
        first = False
        key = params[pos : pos + length]
        _check_key(key)
        pos += length
        if pos >= n or params[pos] != "=":
            raise QemuOptsError(EXPECTED_EQUALS.format(key))
        pos += 1
        value = []
        while pos < n:
            if params[pos] == ",":
                pos += 1
                if pos >= n or params[pos] != ",":
                    break
            value.append(params[pos])
            pos += 1
        keyval_put(values, key, "".join(value))
    if want_help and not help_allowed:
        # Only once the whole argument parsed: its syntax errors come first.
        raise QemuOptsError(HELP_NOT_AVAILABLE)
    return values, want_help


def _check_key(key: str) -> None:
    fragments = key.split(".")
    for index, fragment in enumerate(fragments):
        ok = (index > 0 and fragment.isdigit()) or (
            fragment != "" and _qapi_name_length(fragment) == len(fragment)
        )
        if not ok:
            raise QemuOptsError(INVALID_PARAMETER.format(key))


def keyval_put(values: dict[str, str], key: str, value: str) -> None:
    for other in values:
        if other.startswith(key + ".") or key.startswith(other + "."):
            shorter = key if len(key) < len(other) else other
            raise QemuOptsError(USED_INCONSISTENTLY.format(shorter))
    values[key] = value


def check_display(values: dict[str, str]) -> tuple[str, bool]:
    """Visit DisplayOptions as QEMU's keyval input visitor does: (type, OpenGL asked for)."""
    kind = values.get("type")
    if kind is None:
        raise QemuOptsError(MISSING_PARAMETER.format("type"))
    if kind not in DISPLAY_TYPES:
        raise QemuOptsError(ENUM_VALUE.format("type", kind))
    members = (*_DISPLAY_COMMON, *_DISPLAY_VARIANT.get(kind, ()))
    for name, kind_of in members:
        value = values.get(name)
        if value is None:
            continue
        if kind_of == "bool":
            parse_bool(name, value)
        elif kind_of in _DISPLAY_ENUMS and value not in _DISPLAY_ENUMS[kind_of]:
            raise QemuOptsError(ENUM_VALUE.format(name, value))
    known = {"type", *(name for name, _ in members)}
    for name in values:
        if name not in known:
            raise QemuOptsError(UNEXPECTED_PARAMETER.format(name))
    return kind, values.get("gl", "off") != "off"
