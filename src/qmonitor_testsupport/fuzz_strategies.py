"""Hypothesis strategies for the fuzz targets, and how many examples to run.

Inputs mix structure (requests QEMU's clients send, HMP command words,
escape sequences) with raw bytes and the committed corpus, so that the
examples reach deep into the request path and still hit every odd byte.
"""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from qmonitor.qjson import encode
from qmonitor_testsupport.fuzz_harness import corpus

#: Examples per target in the default suite, and in the slow run (≤ 2 min in all).
DEFAULT_EXAMPLES = 300
SLOW_EXAMPLES = 3000


def examples(default: int) -> int:
    """``default``, or the count in QMONITOR_FUZZ_EXAMPLES (the long runs)."""
    return int(os.environ.get("QMONITOR_FUZZ_EXAMPLES", default))


def fuzz_settings(count: int) -> settings:
    return settings(
        max_examples=count,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        print_blob=True,
    )


# -- JSON ------------------------------------------------------------------------

FRAGMENTS = [
    b"{", b"}", b"[", b"]", b":", b",", b'"a"', b"'b'", b'"', b"'", b"\\", b"\\u", b"d83d",
    b"dc00", b"00e9", b"\\u0000", b"\\ud800", b"\\udfff", b"1", b"0", b"-", b".", b"e", b"E",
    b"+", b"true", b"false", b"null", b"nul", b" ", b"\n", b"\r", b"\t", b"\x00", b"\x01",
    b"\x7f", b"\xc3\xa9", b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xef\xbf\xbf",
    b"\xfe", b"\xff", b"%", b"%d", b"@", b"18446744073709551616", b"-9223372036854775809",
    b"1e400", b"-0", b"0.1e-400", b'"execute"', b'"exec-oob"', b'"id"', b'"arguments"',
    b'"query-status"', b'"qmp_capabilities"', b"[" * 40, b"]" * 40, b"{'a':" * 20,
]  # fmt: skip

json_values: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=12,
)


def _encoded(value: Any) -> bytes:
    return encode(value).encode("ascii")


@st.composite
def _mutated(draw: st.DrawFn, base: st.SearchStrategy[bytes]) -> bytes:
    """``base`` with a few bytes inserted, deleted or overwritten, maybe cut short."""
    data = bytearray(draw(base))
    for _ in range(draw(st.integers(0, 3))):
        pos = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["insert", "delete", "set"]))
        piece = draw(st.sampled_from(FRAGMENTS) | st.binary(min_size=1, max_size=3))
        if op == "insert":
            data[pos:pos] = piece
        elif op == "delete":
            del data[pos : pos + len(piece)]
        else:
            data[pos : pos + len(piece)] = piece
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return bytes(data)


def json_inputs() -> st.SearchStrategy[bytes]:
    joined = st.lists(st.sampled_from(FRAGMENTS) | st.binary(max_size=4), max_size=30).map(b"".join)
    seeds = corpus("json")
    return st.one_of(
        st.binary(max_size=120),
        joined,
        _mutated(json_values.map(_encoded)),
        _mutated(st.sampled_from(seeds)) if seeds else st.nothing(),
    )


# -- QMP -------------------------------------------------------------------------

QMP_COMMANDS = [
    "cont", "human-monitor-command", "qmp_capabilities", "query-commands", "query-cpus-fast",
    "query-kvm", "query-machines", "query-name", "query-status", "query-target", "query-uuid",
    "query-version", "query-yank", "quit", "set-action", "stop", "system_powerdown",
    "system_reset", "watchdog-set-action", "yank", "no-such-command", "", "query-status ",
    "x-oob-test", "migrate-recover",
]  # fmt: skip
HMP_LINES = [
    "info status", "info version", "help", "help info", "info", "info history", "stop", "cont",
    "c", "system_reset", "quit", "q", "info chardev", "info name", "info uuid", "info kvm",
    "info lapic 1", "info registers -a", "info registers 99999999999999999999", "?",
    "help help help", "nosuch", "", "info registers x",
]  # fmt: skip


@st.composite
def _request(draw: st.DrawFn) -> dict[str, Any]:
    req: dict[str, Any] = {}
    key = draw(st.sampled_from(["execute", "execute", "execute", "exec-oob", "both", "none"]))
    name = draw(st.sampled_from(QMP_COMMANDS) | st.text(max_size=10) | json_values)
    if key in ("execute", "both"):
        req["execute"] = name
    if key in ("exec-oob", "both"):
        req["exec-oob"] = name
    if draw(st.booleans()):
        req["id"] = draw(json_values)
    if draw(st.integers(0, 3)) == 0:
        if name == "human-monitor-command":
            args: Any = {"command-line": draw(st.sampled_from(HMP_LINES) | st.text(max_size=20))}
        else:
            args = draw(json_values)
        req["arguments"] = args
    if draw(st.integers(0, 7)) == 0:
        req[draw(st.sampled_from(["control", "x", "arguments", "id"]))] = draw(json_values)
    return req


def qmp_inputs() -> st.SearchStrategy[bytes]:
    piece = st.one_of(
        _request().map(_encoded),
        _request().map(_encoded),
        _mutated(_request().map(_encoded)),
        st.sampled_from(FRAGMENTS),
        st.binary(max_size=8),
    )
    seeds = corpus("qmp")
    body = st.lists(piece, max_size=12).map(b"".join)
    if seeds:
        body = body | _mutated(st.sampled_from(seeds))
    return st.builds(lambda mode, b: bytes([mode]) + b, st.integers(0, 255), body)


# -- HMP -------------------------------------------------------------------------

KEYS = [
    b"\r", b"\n", b"\t", b"\x01", b"\x04", b"\x05", b"\x08", b"\x0c", b"\x17", b"\x7f",
    b"\x1b", b"\x1b[", b"\x1b[A", b"\x1b[B", b"\x1b[C", b"\x1b[D", b"\x1b[1~", b"\x1b[3~",
    b"\x1b[4~", b"\x1b[12345~", b"\x1bO", b"\x1bOH", b"\x1bOF", b"\x1bx", b"\x00", b" ",
    b"\xc3\xa9", b"\xff", b"\x03",
]  # fmt: skip
WORDS = [w.encode() for w in HMP_LINES] + [
    b"info ", b"help ", b"h", b"in", b"sys", b"x" * 300, b"'", b'"', b"\\",
    b"-", b"-a", b"0x", b"99999999999999999999", b"1e9", b"/", b"$pc", b"%",
]  # fmt: skip


def hmp_inputs() -> st.SearchStrategy[bytes]:
    piece = st.one_of(st.sampled_from(KEYS), st.sampled_from(WORDS), st.binary(max_size=6))
    seeds = corpus("hmp")
    body = st.lists(piece, max_size=24).map(b"".join)
    if seeds:
        body = body | _mutated(st.sampled_from(seeds))
    return st.builds(lambda mode, b: bytes([mode]) + b, st.integers(0, 255), body)
