"""What an idle QMP monitor costs: its instance stays a key-sharing dict.

CPython (3.11+) stores an instance's attributes as a compact values array
sharing its class's keys only while the class has fewer than 30 attribute
names; from there every instance gets a full dict of its own (about
0.8 KiB more per monitor, measured by tracemalloc with 100 monitors).  A hundred
idle monitors is a use qmonitor's benchmarks count (bench/run.py).
"""

from __future__ import annotations

import sys
from typing import Any

from qmonitor.chardev.base import ChrEvent
from qmonitor.monitor.monitor import MonitorRegistry
from qmonitor.monitor.qmp import MonitorQMP, QmpCommandSets, QmpDispatcher
from qmonitor_testsupport.fakes import FakeChardev

#: CPython's SHARED_KEYS_MAX_SIZE.
SHARED_KEYS_MAX = 30


class _Loop:
    """Just enough of a loop for a dispatcher that is never started."""

    def call_soon(self, *args: Any) -> None:
        pass

    def call_soon_threadsafe(self, *args: Any) -> None:
        pass


def _used(reg: MonitorRegistry) -> MonitorQMP:
    """A monitor that went through a connection, a greeting and a close."""
    mon = MonitorQMP(
        reg,
        FakeChardev(),
        commands=QmpCommandSets(),
        greeting_version=lambda: {},
        dispatcher=QmpDispatcher(reg, _Loop()),  # type: ignore[arg-type]
    )
    mon._event(ChrEvent.OPENED)
    mon._read(b'{"execute": "qmp_capabilities"}\n')
    mon._event(ChrEvent.CLOSED)
    return mon


def test_a_qmp_monitor_has_few_enough_attributes_to_share_keys() -> None:
    reg = MonitorRegistry()
    mon = _used(reg)
    names = set(vars(mon))
    assert len(names) < SHARED_KEYS_MAX, sorted(names)


def test_its_instance_dict_is_not_a_private_one() -> None:
    reg = MonitorRegistry()
    first = _used(reg)
    second = _used(reg)
    # A split (key-sharing) dict is smaller than a combined one of the same keys.
    combined = dict(vars(first))
    assert sys.getsizeof(vars(second)) < sys.getsizeof(combined)
