"""``-audiodev``: checked as QEMU 7.2's audio_parse_option checks it, then recorded.

QEMU reads the option at once (errors name the option), as JSON when it
starts with ``{`` and as ``key=value`` with ``driver`` implied otherwise,
into an ``Audiodev``: ``id``, ``driver`` (one of the audio backends),
``timer-period``, then the chosen backend's members; any other member is
unexpected.  qmonitor plays no sound: it checks which members there are,
``in``/``out`` included, and ``timer-period``'s value (not the values
inside ``in``/``out``), and records the option as not modelled.
"""

from __future__ import annotations

from typing import Any, Final

from qmonitor.errors import QmonitorError
from qmonitor.qapi.texts import INVALID_PARAMETER_TYPE
from qmonitor.qjson.parser import JsonError
from qmonitor.qjson.streamer import qobject_from_json
from qmonitor.util.cutils import c_strtoull
from qmonitor.util.error import QemuOptsError
from qmonitor.util.keyval import keyval_parse
from qmonitor.util.texts import (
    ENUM_VALUE,
    INVALID_PARAMETER_VALUE,
    MISSING_PARAMETER,
    UNEXPECTED_PARAMETER,
)

#: AudiodevDriver: the members each backend adds to id, driver and
#: timer-period, and those its ``in`` and ``out`` add to the common ones.
_DIRECTIONS: Final = ("in", "out")
DRIVERS: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "none": ((), ()),
    "alsa": (("threshold",), ("dev", "period-length", "try-poll")),
    "coreaudio": ((), ("buffer-count",)),
    "dbus": (("nsamples",), ()),
    "dsound": (("latency",), ()),
    "jack": ((), ("server-name", "client-name", "connect-ports", "start-server", "exact-name")),
    "oss": (("try-mmap", "exclusive", "dsp-policy"), ("dev", "buffer-count", "try-poll")),
    "pa": (("server",), ("name", "stream-name", "latency")),
    "sdl": ((), ("buffer-count",)),
    "sndio": (("dev", "latency"), ()),
    "spice": ((), ()),
    "wav": (("path",), ()),
}
#: AudiodevPerDirectionOptions.
_PER_DIRECTION: Final = (
    "mixing-engine", "fixed-settings", "frequency", "channels", "voices", "format",
    "buffer-length",
)  # fmt: skip


class AudiodevError(QmonitorError):
    """QEMU's text for an ``-audiodev`` it refuses (printed after the option)."""


def _string(values: dict[str, Any], name: str, keyval: bool) -> str:
    value = values.get(name)
    if value is None:
        raise AudiodevError(MISSING_PARAMETER.format(name))
    if not isinstance(value, str):
        raise AudiodevError(INVALID_PARAMETER_TYPE.format(name, "object" if keyval else "string"))
    return value


def _timer_period(value: Any, keyval: bool) -> None:
    """``timer-period``: a uint32 (in the key=value form, a string read as strtoull reads it)."""
    if keyval:
        if not isinstance(value, str):
            raise AudiodevError(INVALID_PARAMETER_TYPE.format("timer-period", "integer"))
        parsed = c_strtoull(value)
        if parsed is None or parsed >= 2**64:
            raise AudiodevError(INVALID_PARAMETER_VALUE.format("timer-period", "integer"))
        number = parsed
    elif isinstance(value, bool) or not isinstance(value, int):
        raise AudiodevError(INVALID_PARAMETER_VALUE.format("timer-period", "uint64"))
    else:
        number = value
    if not 0 <= number < 2**32:
        raise AudiodevError(INVALID_PARAMETER_VALUE.format("timer-period", "uint32_t"))


def check_audiodev(arg: str) -> str:
    """Check one ``-audiodev``; returns its id.

    :raises AudiodevError: with QEMU's text.
    """
    keyval = not arg.startswith("{")
    values: dict[str, Any]
    if keyval:
        try:
            flat, _ = keyval_parse(arg, "driver", help_allowed=False)
        except QemuOptsError as exc:
            raise AudiodevError(exc.diagnostic.message) from None
        # Dotted keys (in.voices=2) make the member before the dot an object.
        values = {}
        for key, value in flat.items():
            head, dot, rest = key.partition(".")
            if dot:
                inner = values.setdefault(head, {})
                if isinstance(inner, dict):
                    inner[rest.partition(".")[0]] = value
            else:
                values[head] = value
    else:
        try:
            parsed = qobject_from_json(arg)
        except JsonError as exc:
            raise AudiodevError(exc.message) from None
        if not isinstance(parsed, dict):
            raise AudiodevError(INVALID_PARAMETER_TYPE.format("null", "object"))
        values = parsed
    ident = _string(values, "id", keyval)
    driver = _string(values, "driver", keyval)
    if driver not in DRIVERS:
        raise AudiodevError(ENUM_VALUE.format("driver", driver))
    if "timer-period" in values:
        _timer_period(values["timer-period"], keyval)
    members, per_direction = DRIVERS[driver]
    for direction in _DIRECTIONS:
        if direction in values:
            _check_direction(direction, values[direction], (*_PER_DIRECTION, *per_direction))
    allowed = {"id", "driver", "timer-period", *_DIRECTIONS, *members}
    for name in values:
        if name not in allowed:
            raise AudiodevError(UNEXPECTED_PARAMETER.format(name))
    return ident


def _check_direction(direction: str, value: Any, allowed: tuple[str, ...]) -> None:
    """``in`` or ``out``: an object of the backend's per-direction members (not their values)."""
    if not isinstance(value, dict):
        raise AudiodevError(INVALID_PARAMETER_TYPE.format(direction, "object"))
    for name in value:
        if name not in allowed:
            raise AudiodevError(UNEXPECTED_PARAMETER.format(f"{direction}.{name}"))
