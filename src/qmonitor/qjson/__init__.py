"""QEMU's JSON dialect (qobject/json-*.c), sans-IO: streamer, parser, encoder.

Values are plain Python: None, bool, int (int64 or uint64), float, str, list
and dict (keys in the order they came).  :class:`JsonStreamer` turns bytes
into values and QEMU's parse errors, :func:`encode` writes values as QEMU
does, :func:`qdict_order` gives the order QEMU iterates a dict's keys.

Imports nothing from the rest of qmonitor, neither asyncio nor socket.
"""

from qmonitor.qjson.encode import encode, qdict_order, quote
from qmonitor.qjson.parser import JsonValue
from qmonitor.qjson.streamer import (
    MAX_NESTING,
    MAX_TOKEN_COUNT,
    MAX_TOKEN_SIZE,
    NEED_DATA,
    JsonMessage,
    JsonParseError,
    JsonStreamer,
    NeedData,
)

__all__ = [
    "MAX_NESTING",
    "MAX_TOKEN_COUNT",
    "MAX_TOKEN_SIZE",
    "NEED_DATA",
    "JsonMessage",
    "JsonParseError",
    "JsonStreamer",
    "JsonValue",
    "NeedData",
    "encode",
    "qdict_order",
    "quote",
]
