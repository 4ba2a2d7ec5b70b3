"""Code-first: typed functions become the same schema, checks and introspection."""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict

import pytest

from qmonitor.qapi.codefirst import CodeFirstSchema, Int8, Uint32
from qmonitor.qapi.commands import QmpCommandList, qmp_dispatch
from qmonitor.qapi.introspect import schema_info
from qmonitor.qapi.schema import load_schema_text
from qmonitor.qapi.schema_source import QapiSchemaError


class Mode(enum.Enum):
    FAST = "fast"
    SLOW = "slow"


@dataclass
class SpeedInfo:
    hz: int
    mode: Mode
    label: str | None = None


class Limits(TypedDict):
    low: Int8
    high: NotRequired[Int8]


api = CodeFirstSchema()


@api.command(allow_preconfig=True)
def set_speed(hz: Uint32, mode: Mode = Mode.FAST, limits: Limits | None = None) -> SpeedInfo:
    assert isinstance(mode, Mode)
    return SpeedInfo(hz, mode, None if limits is None else str(limits["low"]))


@api.command()
def get_speeds(n: int = 1) -> list[SpeedInfo]:
    return [SpeedInfo(i, Mode.SLOW) for i in range(n)]


@api.command(allow_oob=True)
def ping() -> None:
    return None


@api.command()
async def echo_name(name: SpeedInfo | int) -> str:
    await asyncio.sleep(0)
    return str(name)


@api.event("SPEED_CHANGED")
def speed_changed(hz: int, mode: Mode) -> None: ...


SCHEMA = api.schema()
CMDS = QmpCommandList()
api.register(SCHEMA, CMDS)


def run(name: str, args: dict[str, Any] | None = None) -> Any:
    req: dict[str, Any] = {"execute": name}
    if args is not None:
        req["arguments"] = args
    out = qmp_dispatch(CMDS, req, False, None)
    if asyncio.iscoroutine(out):
        return asyncio.run(out)
    return out


def test_schema_text_is_the_schema_language() -> None:
    text = api.schema_text()
    assert "{ 'enum': 'Mode', 'data': [ 'fast', 'slow' ] }" in text
    assert (
        "{ 'command': 'set-speed', 'data': { 'hz': 'uint32', '*mode': 'Mode', '*limits': 'Limits' }"
        in text
    )
    assert "'returns': [ 'SpeedInfo' ]" in text
    # The same text through the file path gives the same schema.
    again = load_schema_text(text, "codefirst.json")
    assert schema_info(again) == schema_info(SCHEMA)


def test_commands_validate_and_convert() -> None:
    assert run("set-speed", {"hz": 5}) == {"return": {"hz": 5, "mode": "fast"}}
    assert run("set-speed", {"hz": 5, "mode": "slow", "limits": {"low": -1}}) == {
        "return": {"hz": 5, "mode": "slow", "label": "-1"}
    }
    assert run("get-speeds", {"n": 2}) == {
        "return": [{"hz": 0, "mode": "slow"}, {"hz": 1, "mode": "slow"}]
    }
    assert run("ping") == {"return": {}}
    assert run("echo-name", {"name": 3}) == {"return": "3"}


@pytest.mark.parametrize(
    ("name", "args", "want"),
    [
        ("set-speed", {}, "Parameter 'hz' is missing"),
        ("set-speed", {"hz": -1}, "Parameter 'hz' expects uint32_t"),
        ("set-speed", {"hz": 1, "mode": "warp"}, "Parameter 'mode' does not accept value 'warp'"),
        ("set-speed", {"hz": 1, "limits": {"low": 200}}, "Parameter 'low' expects int8_t"),
        ("set-speed", {"hz": 1, "limits": {}}, "Parameter 'limits.low' is missing"),
        (
            "echo-name",
            {"name": True},
            "Invalid parameter type for 'name', expected: SpeedInfoOrInt",
        ),
        ("ping", {"x": 1}, "Parameter 'x' is unexpected"),
    ],
)
def test_bad_arguments(name: str, args: dict[str, Any], want: str) -> None:
    assert run(name, args) == {"error": {"class": "GenericError", "desc": want}}


def test_flags_and_introspection() -> None:
    ping_cmd = CMDS.find("ping")
    assert ping_cmd is not None and ping_cmd.allow_oob
    echo_cmd = CMDS.find("echo-name")
    assert echo_cmd is not None and echo_cmd.coroutine
    info = {e["name"]: e for e in schema_info(SCHEMA)}
    assert info["ping"]["allow-oob"] is True
    assert set(info) >= {"set-speed", "get-speeds", "ping", "echo-name", "SPEED_CHANGED"}


def test_events_are_checked() -> None:
    sent: list[tuple[str, Any]] = []

    def emit(name: str, data: Any) -> None:
        sent.append((name, data))

    speed_changed.emit(emit, SCHEMA, hz=3, mode=Mode.FAST)
    assert sent == [("SPEED_CHANGED", {"hz": 3, "mode": "fast"})]
    with pytest.raises(ValueError, match="Parameter 'mode' is missing"):
        speed_changed.emit(emit, SCHEMA, hz=3)


def test_bad_definitions_get_schema_errors() -> None:
    bad = CodeFirstSchema()

    @bad.command("Bad_Name")
    def f() -> None: ...

    with pytest.raises(QapiSchemaError, match="name of command must not use uppercase or '_'"):
        bad.schema()

    other = CodeFirstSchema()

    def g(x: bytes) -> None: ...

    with pytest.raises(TypeError, match="no QAPI type"):
        other.command()(g)
