"""The null machine's query-qmp-schema against QEMU 7.2's (tests/golden/qapi/).

Type names are masked as numbers by order of use, so the two lists cannot
be compared entry by entry; instead each command and event is compared
with the same-named entry of QEMU's reply after resolving every type
reference into the structure it names.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from qmonitor.chardev.base import ChrEvent
from qmonitor.machine.extensions import register_extensions
from qmonitor.machine.machine import Machine, MachineOptions
from qmonitor.machine.runstate import ShutdownCause
from qmonitor.machine.schema import machine_schema, machine_schema_info
from qmonitor.qapi.binding import arg_type
from qmonitor.qapi.types import ObjectType
from qmonitor.qjson import encode
from qmonitor_testsupport.fakes import FakeChardev

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "qapi" / "query-qmp-schema.json"
RECORDED = json.loads(GOLDEN.read_text())
QEMU_REPLY: str = RECORDED["reply"]
QEMU_SCHEMA: list[dict[str, Any]] = json.loads(QEMU_REPLY)["return"]


def resolve(entries: list[dict[str, Any]], name: str) -> Any:
    """An entry with every type reference replaced by what it names."""
    by_name = {e["name"]: e for e in entries}

    def ref(type_name: str, stack: tuple[str, ...]) -> Any:
        if type_name in stack:
            return ("recursive", stack.index(type_name))
        entry = by_name[type_name]
        return walk(entry, (*stack, type_name))

    def walk(entry: dict[str, Any], stack: tuple[str, ...]) -> Any:
        out: dict[str, Any] = {}
        for key, value in entry.items():
            if key == "name" and entry["meta-type"] not in ("command", "event"):
                continue
            if key in ("arg-type", "ret-type", "element-type", "type"):
                out[key] = ref(value, stack)
            elif key in ("members", "variants"):
                out[key] = [walk(m, stack) if "meta-type" in m else sub(m, stack) for m in value]
            else:
                out[key] = value
        return out

    def sub(member: dict[str, Any], stack: tuple[str, ...]) -> dict[str, Any]:
        return {k: ref(v, stack) if k == "type" else v for k, v in member.items()}

    return ref(name, ())


OURS = machine_schema_info()
NAMES = [e["name"] for e in OURS if e["meta-type"] in ("command", "event")]


@pytest.mark.parametrize("name", NAMES)
def test_entry_matches_qemu(name: str) -> None:
    assert resolve(OURS, name) == resolve(QEMU_SCHEMA, name)


def test_commands_and_events_in_qemus_order() -> None:
    qemu_order = [e["name"] for e in QEMU_SCHEMA if e["name"] in NAMES]
    assert qemu_order == NAMES


def test_every_entry_is_used_and_types_are_masked() -> None:
    names = [e["name"] for e in OURS]
    assert len(names) == len(set(names))
    for entry in OURS:
        if entry["meta-type"] in ("object", "enum", "alternate"):
            assert entry["name"].isdigit()
    builtins = {e["name"] for e in OURS if e["meta-type"] == "builtin"}
    assert builtins <= {e["name"] for e in QEMU_SCHEMA if e["meta-type"] == "builtin"}


def test_our_encoder_reproduces_qemus_bytes() -> None:
    """Re-encoding QEMU's reply gives QEMU's bytes: ours go out the same way."""
    assert encode({"return": QEMU_SCHEMA}) + "\r\n" == QEMU_REPLY


def test_extensions_are_conditional() -> None:
    with_ext = [e["name"] for e in machine_schema_info(True)]
    assert "x-qmonitor-emit-event" in with_ext and "x-qmonitor-emit-events" in with_ext
    assert "x-qmonitor-emit-event" not in NAMES


def _machine_commands(extensions: bool) -> dict[str, Any]:
    async def main() -> dict[str, Any]:
        machine = Machine(MachineOptions(use_io_thread=False))
        if extensions:
            register_extensions(machine)
        return {c.name: c for c in machine.commands.full}

    return asyncio.run(main())


@pytest.mark.parametrize("extensions", [False, True])
def test_registered_commands_match_the_schema(extensions: bool) -> None:
    """Every command the machine registers is in its schema, with the same arguments."""
    schema = machine_schema(extensions)
    registered = _machine_commands(extensions)
    described = {c.name for c in schema.commands()}
    assert set(registered) == described
    for name, cmd in registered.items():
        want = arg_type(schema, name)
        got = cmd.args
        if want is None:
            assert got is None, name
            continue
        assert isinstance(got, ObjectType)
        assert [(m.name, m.optional) for m in got.members] == [
            (m.name, m.optional) for m in want.members
        ], name
        assert [type(m.type) for m in got.members] == [type(m.type) for m in want.members], name


def test_query_qmp_schema_on_the_wire() -> None:
    async def main() -> bytes:
        machine = Machine(MachineOptions(use_io_thread=False))
        chr = FakeChardev()
        machine.add_qmp_monitor(chr)
        await asyncio.sleep(0)
        chr.be_event(ChrEvent.OPENED)
        run = asyncio.ensure_future(machine.run())
        chr.be_write(b'{"execute":"qmp_capabilities"}{"execute":"query-qmp-schema","id":1}')
        for _ in range(100):
            await asyncio.sleep(0.01)
            if b'"id": 1' in bytes(chr.written):
                break
        machine.shutdown(ShutdownCause.HOST_SIGNAL)
        await run
        return bytes(chr.written)

    lines = asyncio.run(main()).split(b"\r\n")
    reply = next(json.loads(line) for line in lines if b'"id": 1' in line)
    assert reply == {"return": OURS, "id": 1}
