"""HMP input commands: ``sendkey``, ``mouse_move``, ``mouse_button``, ``mouse_set``.

As QEMU 7.2's hmp_sendkey: keys joined by ``-``, each a QKeyCode name or
a ``0x`` scancode (``<`` stands for ``less``), checked before any is
sent; the keys then go to the guest's keyboard, which on the null
machine is nobody.  Mouse motion and buttons likewise reach no guest.
``mouse_set`` chooses among the machine's mice
(:func:`qmonitor.machine.hmp_info.mouse_set`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from qmonitor.machine.hmp_info import mouse_set

if TYPE_CHECKING:
    from qmonitor.machine.hmp_info import MachineHMP

#: QKeyCode's members in QEMU 7.2's order (its query-qmp-schema, recorded in
#: tests/golden/qapi/query-qmp-schema.json).
QKEYCODES: tuple[str, ...] = (
    "unmapped",
    "shift",
    "shift_r",
    "alt",
    "alt_r",
    "ctrl",
    "ctrl_r",
    "menu",
    "esc",
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "8",
    "9",
    "0",
    "minus",
    "equal",
    "backspace",
    "tab",
    "q",
    "w",
    "e",
    "r",
    "t",
    "y",
    "u",
    "i",
    "o",
    "p",
    "bracket_left",
    "bracket_right",
    "ret",
    "a",
    "s",
    "d",
    "f",
    "g",
    "h",
    "j",
    "k",
    "l",
    "semicolon",
    "apostrophe",
    "grave_accent",
    "backslash",
    "z",
    "x",
    "c",
    "v",
    "b",
    "n",
    "m",
    "comma",
    "dot",
    "slash",
    "asterisk",
    "spc",
    "caps_lock",
    "f1",
    "f2",
    "f3",
    "f4",
    "f5",
    "f6",
    "f7",
    "f8",
    "f9",
    "f10",
    "num_lock",
    "scroll_lock",
    "kp_divide",
    "kp_multiply",
    "kp_subtract",
    "kp_add",
    "kp_enter",
    "kp_decimal",
    "sysrq",
    "kp_0",
    "kp_1",
    "kp_2",
    "kp_3",
    "kp_4",
    "kp_5",
    "kp_6",
    "kp_7",
    "kp_8",
    "kp_9",
    "less",
    "f11",
    "f12",
    "print",
    "home",
    "pgup",
    "pgdn",
    "end",
    "left",
    "up",
    "down",
    "right",
    "insert",
    "delete",
    "stop",
    "again",
    "props",
    "undo",
    "front",
    "copy",
    "open",
    "paste",
    "find",
    "cut",
    "lf",
    "help",
    "meta_l",
    "meta_r",
    "compose",
    "pause",
    "ro",
    "hiragana",
    "henkan",
    "yen",
    "muhenkan",
    "katakanahiragana",
    "kp_comma",
    "kp_equals",
    "power",
    "sleep",
    "wake",
    "audionext",
    "audioprev",
    "audiostop",
    "audioplay",
    "audiomute",
    "volumeup",
    "volumedown",
    "mediaselect",
    "mail",
    "calculator",
    "computer",
    "ac_home",
    "ac_back",
    "ac_forward",
    "ac_refresh",
    "ac_bookmarks",
    "lang1",
    "lang2",
)
_QKEYCODE_SET = frozenset(QKEYCODES)
#: What strtoul reads whole from a key that starts with ``0x``.
_SCANCODE = re.compile(r"0x[0-9a-fA-F]+")
INVALID_KEY = "invalid parameter: {}\n"


def parse_keys(keys: str) -> list[str | int] | str:
    """The keys of a ``sendkey`` argument, or the first one that is not a key."""
    parsed: list[str | int] = []
    for key in keys.split("-"):
        if key == "<":
            key = "less"
        if key.startswith("0x"):
            if not _SCANCODE.fullmatch(key):
                return key
            parsed.append(int(key, 16))
        elif key in _QKEYCODE_SET:
            parsed.append(key)
        else:
            return key
    return parsed


def hmp_sendkey(mon: MachineHMP, args: dict[str, Any]) -> None:
    """``sendkey keys [hold-time]``: nothing receives them on the null machine."""
    parsed = parse_keys(args["keys"])
    if isinstance(parsed, str):
        mon.printf(INVALID_KEY.format(parsed))


def _no_guest(mon: MachineHMP, args: dict[str, Any]) -> None:
    """Mouse motion and buttons: no guest runs to see them."""


#: Handlers of the commands this module answers.
HANDLERS: dict[str, Any] = {
    "mouse_button": _no_guest,
    "mouse_move": _no_guest,
    "mouse_set": mouse_set,
    "sendkey": hmp_sendkey,
}
