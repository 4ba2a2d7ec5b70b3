"""The balloon device: hot-plugged balloons count, and a guest's report moves ``actual``."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from qmonitor.machine.devices.balloon import balloon_target, guest_set_actual
from qmonitor.machine.machine import Machine
from qmonitor.options.cmdline import parse_args
from qmonitor.qapi.error import QapiError
from qmonitor.system.startup import machine_options


def _machine(*args: str) -> tuple[Machine, list[tuple[str, Any]]]:
    config = parse_args(["-display", "none", "-S", *args], "qemu-system-x86_64")
    machine = Machine(replace(machine_options(config), use_io_thread=False))
    events: list[tuple[str, Any]] = []
    machine.emit_event = lambda name, data=None: events.append((name, data))  # type: ignore[method-assign]
    return machine, events


def _call(machine: Machine, name: str, **arguments: Any) -> Any:
    cmd = machine.commands.full.find(name)
    assert cmd is not None
    return cmd.call(arguments)


def test_a_hotplugged_balloon_answers() -> None:
    async def run() -> Any:
        machine, _ = _machine("-M", "pc", "-nodefaults")
        _call(machine, "device_add", driver="virtio-balloon-pci", id="b0")
        return _call(machine, "query-balloon")

    assert asyncio.run(run()) == {"actual": 128 << 20}


def test_guest_report_moves_actual_and_sends_one_event_per_change() -> None:
    async def run() -> tuple[Any, list[tuple[str, Any]], int]:
        machine, events = _machine("-M", "pc", "-nodefaults", "-device", "virtio-balloon-pci")
        _call(machine, "balloon", value=1 << 40)
        target = balloon_target(machine)
        guest_set_actual(machine, 64 << 20)
        guest_set_actual(machine, 64 << 20)
        return _call(machine, "query-balloon"), events, target

    info, events, target = asyncio.run(run())
    assert target == 128 << 20  # capped at the RAM size
    assert info == {"actual": 64 << 20}
    assert events == [("BALLOON_CHANGE", {"actual": 64 << 20})]


def test_guest_report_without_a_balloon_does_nothing() -> None:
    async def run() -> tuple[str, list[tuple[str, Any]]]:
        machine, events = _machine("-M", "pc", "-nodefaults")
        guest_set_actual(machine, 1 << 20)
        try:
            _call(machine, "query-balloon")
        except QapiError as exc:
            return exc.desc, events
        return "", events

    assert asyncio.run(run()) == ("No balloon device has been activated", [])
