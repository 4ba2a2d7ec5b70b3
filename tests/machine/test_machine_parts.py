"""Subsystem state on the machine: one of each kind, made on first use."""

from __future__ import annotations

import asyncio

from qmonitor.machine.machine import Machine, MachineOptions


class _Table:
    pass


class _Other:
    pass


def test_a_part_is_made_once_and_kept() -> None:
    loop = asyncio.new_event_loop()
    try:
        machine = Machine(MachineOptions(), loop=loop)
        made: list[int] = []

        def make() -> _Table:
            made.append(1)
            return _Table()

        first = machine.part(_Table, make)
        assert machine.part(_Table, make) is first
        assert made == [1]
        assert isinstance(machine.part(_Other, _Other), _Other)
        assert machine.part(_Table, make) is first
    finally:
        loop.close()
