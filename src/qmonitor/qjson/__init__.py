"""QEMU's JSON dialect (qobject/json-*.c), sans-IO: streamer, parser, encoder.

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
    "encode",
    "qdict_order",
    "quote",
]
