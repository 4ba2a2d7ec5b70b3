"""The ``ui`` theme of the QMP golden corpus: passwords, screendump, keys and input events.

What QEMU 7.2 answers on ``-M none -display none`` (and a PC) when a
client sets display passwords, asks for a screendump, sends keys and
input events, and reloads or updates a display it does not have.
Imported by :mod:`.qmp_corpus`.
"""

from __future__ import annotations

from typing import Any

from qmonitor_testsupport.qmp_steps import NEG, PROBE, Opts, cmd, table

_PC = Opts(("-M", "pc", "-accel", "qtest"))


def _key(name: str) -> dict[str, Any]:
    return {"type": "qcode", "data": name}


def _btn(down: bool) -> dict[str, Any]:
    return {"type": "btn", "data": {"down": down, "button": "left"}}


_KEYS = (
    cmd("send-key", {"keys": [_key("a")]}, "k1"),
    cmd("send-key", {"keys": [_key("ctrl"), _key("alt"), _key("delete")], "hold-time": 10}, "k2"),
    cmd("send-key", {"keys": [{"type": "number", "data": 30}]}, "k3"),
    cmd("send-key", {"keys": []}, "k-empty"),
    cmd("send-key", {"keys": [_key("nope")]}, "k-bad"),
    cmd("send-key", {"keys": [{"type": "number", "data": "x"}]}, "k-num"),
    cmd("send-key", {"keys": [_key("a")] * 17}, "k-many"),
    cmd("input-send-event", {"events": [_btn(True), _btn(False)]}, "e1"),
    cmd(
        "input-send-event",
        {"events": [{"type": "key", "data": {"down": True, "key": _key("b")}}]},
        "e2",
    ),
    cmd("input-send-event", {"events": [{"type": "rel", "data": {"axis": "x", "value": 5}}]}, "e3"),
    cmd("input-send-event", {"events": [{"type": "abs", "data": {"axis": "y", "value": 5}}]}, "e4"),
    cmd("input-send-event", {"events": [_btn(True)], "device": "nope"}, "e-dev"),
    cmd("input-send-event", {"events": [_btn(True)], "head": 1}, "e-head"),
    cmd("input-send-event", {"events": [_btn(True)], "device": "nope", "head": 1}, "e-both"),
    cmd("input-send-event", {"events": []}, "e-empty"),
)

table("ui", [
    ("ui_passwords", "set_password, expire_password and change-vnc-password without displays", NEG,
     cmd("set_password", {"protocol": "vnc", "password": "x"}, 1),
     cmd("set_password", {"protocol": "spice", "password": "x"}, 2),
     cmd("set_password", {"protocol": "vnc", "password": "x", "display": "d"}, 3),
     cmd("set_password", {"protocol": "vnc", "password": "x", "connected": "keep"}, 4),
     cmd("set_password", {"protocol": "vnc", "password": "x", "connected": "fail"}, 5),
     cmd("set_password", {"protocol": "spice", "password": "x", "connected": "disconnect"}, 6),
     cmd("set_password", {"protocol": "rdp", "password": "x"}, 7),
     cmd("expire_password", {"protocol": "vnc", "time": "now"}, 8),
     cmd("expire_password", {"protocol": "spice", "time": "never"}, 9),
     cmd("expire_password", {"protocol": "vnc", "time": "+10"}, 10),
     cmd("expire_password", {"protocol": "vnc", "time": "x"}, 11),
     cmd("change-vnc-password", {"password": "x"}, 12), PROBE),
    ("ui_screendump_reload", "screendump, display-reload and display-update without displays",
     NEG, cmd("screendump", {"filename": "/dev/null"}, 1),
     cmd("screendump", {"filename": "/dev/null", "device": "nope"}, 2),
     cmd("screendump", {"filename": "/dev/null", "head": 1}, 3),
     cmd("screendump", {"filename": "/dev/null", "format": "png"}, 4),
     cmd("screendump", {"filename": "/nonexistent/x"}, 5),
     cmd("display-reload", {"type": "vnc", "tls-certs": True}, 6),
     cmd("display-reload", {"type": "vnc"}, 7),
     cmd("display-update", {"type": "vnc", "addresses": []}, 8),
     cmd("display-update", {"type": "vnc"}, 9), PROBE),
    ("ui_keys_none", "send-key and input-send-event on -M none", NEG, *_KEYS, PROBE),
    ("ui_keys_pc", "send-key and input-send-event on a PC (its PS/2 keyboard and mouse)", NEG,
     *_KEYS, cmd("screendump", {"filename": "/dev/null"}, "dump"), PROBE, _PC),
])  # fmt: skip
