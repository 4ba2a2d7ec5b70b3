"""The ``chardev`` theme of the QMP golden corpus: chardev-add/-change/-remove, ring buffers.

What QEMU 7.2 answers on ``-M none`` when a client makes, changes and
removes chardevs, writes to and reads from ring buffers, and sends a
break; the argument errors of those commands.  Imported by
:mod:`.qmp_corpus`, whose ``CASES`` these join.  Backends whose answer
depends on the host (a pty's path, host devices) are not asked for.
"""

from __future__ import annotations

from typing import Any

from qmonitor_testsupport.qmp_steps import NEG, PROBE, cmd, table


def _add(id: str, kind: str, tag: Any = None, **data: Any) -> Any:
    backend = {"type": kind, "data": {k.replace("_", "-"): v for k, v in data.items()}}
    return cmd("chardev-add", {"id": id, "backend": backend}, tag if tag is not None else id)


def _change(id: str, kind: str, tag: Any, **data: Any) -> Any:
    backend = {"type": kind, "data": {k.replace("_", "-"): v for k, v in data.items()}}
    return cmd("chardev-change", {"id": id, "backend": backend}, tag)


def _write(device: str, data: str, tag: Any, fmt: str | None = None) -> Any:
    args = {"device": device, "data": data}
    if fmt is not None:
        args["format"] = fmt
    return cmd("ringbuf-write", args, tag)


def _read(device: str, size: Any, tag: Any, fmt: str | None = None) -> Any:
    args = {"device": device, "size": size}
    if fmt is not None:
        args["format"] = fmt
    return cmd("ringbuf-read", args, tag)


_QUERY = cmd("qom-list", {"path": "/chardevs"}, "chardevs")

table("chardev", [
    ("chr_null_and_ringbuf", "chardev-add of null and ringbuf chardevs, then remove", NEG,
     _add("c0", "null"), _add("c0", "null", "dup"), _add("r0", "ringbuf", size=8),
     _add("m0", "memory", size=16), _QUERY,
     _write("r0", "hello", 1), _read("r0", 3, 2), _read("r0", 100, 3),
     _write("r0", "0123456789ab", 4), _read("r0", 100, 5),
     _write("m0", "aGVsbG8=", 6, "base64"), _read("m0", 100, 7, "base64"),
     _write("m0", "x", 8, "utf8"), _read("m0", 1, 9, "utf8"),
     cmd("chardev-remove", {"id": "c0"}, "rm"), cmd("chardev-remove", {"id": "c0"}, "rm-again"),
     cmd("chardev-remove", {"id": "compat_monitor0"}, "rm-mon"), _QUERY,
     cmd("chardev-send-break", {"id": "r0"}, "brk"),
     cmd("chardev-send-break", {"id": "nope"}, "brk-nope"), PROBE),
    ("chr_ringbuf_errors", "ring buffer sizes, formats and devices that are not ring buffers", NEG,
     _add("r3", "ringbuf", size=3), _add("r0", "ringbuf", size=0), _add("rd", "ringbuf"),
     _add("n0", "null"), _write("n0", "x", 1), _read("n0", 1, 2), _write("nope", "x", 3),
     _read("nope", 1, 4), _read("rd", 0, 5), _read("rd", -1, 6), _read("rd", 5, 7),
     _write("rd", "a*b", 8, "base64"), _write("rd", "YWJj\nZA", 9, "base64"),
     _read("rd", 10, 10), _write("rd", "YQ", 11, "base64"), _read("rd", 10, 12),
     _write("rd", "\u00e9t\u00e9", 13), _read("rd", 1, 14), _read("rd", 10, 15),
     _write("rd", "x", 16, "hex"), _read("rd", "1", 17), _QUERY, PROBE),
    ("chr_change", "chardev-change of a free chardev, a monitor's, a missing one", NEG,
     _add("c0", "null"), _change("c0", "ringbuf", 1, size=16), _write("c0", "abc", 2),
     _read("c0", 10, 3), _change("compat_monitor0", "null", 4), _change("nope", "null", 5),
     _change("c0", "ringbuf", 6, size=3), _QUERY, PROBE),
    ("chr_kinds", "chardev-add of each kind of backend that does not depend on the host", NEG,
     _add("ms", "msmouse"), _add("wt", "wctablet"), _add("br", "braille"),
     _add("td", "testdev"), _add("co", "console"), _add("sv", "spicevmc", type="vdagent"),
     _add("sp", "spiceport", fqdn="org.x"), _add("va", "qemu-vdagent"),
     _add("db", "dbus", name="x"), _add("vc", "vc"), _add("st", "stdio"),
     _add("mx", "mux", chardev="nope"), _add("mx2", "mux", chardev="ms"),
     _add("fi", "file", out="/nonexistent/dir/f"),
     _add("so", "socket", addr={"type": "unix", "data": {"path": "/nonexistent/dir/s"}}),
     _QUERY, PROBE),
    ("chr_arguments", "argument errors of the chardev commands", NEG,
     cmd("chardev-add", {"id": "x"}, 1),
     cmd("chardev-add", {"id": "x", "backend": {"type": "nope"}}, 2),
     cmd("chardev-add", {"id": "x", "backend": {"type": "null"}}, 3),
     cmd("chardev-add", {"id": "y", "backend": {"type": "null", "data": {"x": 1}}}, 4),
     cmd("chardev-add", {"id": "z", "backend": {"type": "ringbuf", "data": {"size": "1"}}}, 5),
     cmd("chardev-add", {"id": 1, "backend": {"type": "null", "data": {}}}, 6),
     cmd("chardev-add", {"id": "", "backend": {"type": "null", "data": {}}}, 7),
     cmd("chardev-add", {"id": "a b", "backend": {"type": "null", "data": {}}}, 8),
     cmd("chardev-remove", {}, 9), cmd("chardev-send-break", {"id": 1}, 10),
     cmd("ringbuf-write", {"device": "x"}, 11), cmd("ringbuf-read", {"device": "x"}, 12),
     _QUERY, PROBE),
])  # fmt: skip
